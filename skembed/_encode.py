"""Encoding X with a fitted encoder: the table view, its vocabularies, host or device lookup.

:func:`encode` is ``transform`` without the output conversion: a NumPy array, or for
device-resident input a tensor on its device. The estimator, cross-fitting and the Dask
partitions all call it. Two caches live in the encoder's ``__dict__`` (never pickled or
saved; ``fit`` drops them): the vocabularies' hash indexes and the device tables; a third
entry of ``CACHES``, ``fit_transform``'s out-of-fold vectors, lives there only between a
cross-fitted fit and its output, and is never pickled either.
"""

from __future__ import annotations

import numpy as np
from sklearn.utils.validation import validate_data

from ._column_plan import separators_by_column
from ._layout import encoder_layout, output_names
from ._lookup import transform_host
from ._table_training import fitted_vocabulary
from ._tables import as_table

__all__ = ["CACHES", "encode", "feature_names_out", "fitted_vocabularies", "input_names"]

CACHES = ("_vocabularies", "_device_tables", "_out_of_fold")


def fitted_vocabularies(encoder) -> list:
    """The fitted vocabulary of each categorical column (row layout and lookup).

    Cached, so that their hash indexes over the categories are built once, not at
    every ``transform`` (0.2 s for a million categories).
    """
    cache = encoder.__dict__.setdefault("_vocabularies", {})
    buckets = getattr(encoder, "hash_buckets_", None)
    vocabularies = []
    for i, categories in enumerate(encoder.categories_):
        vocabulary = cache.get(i)
        if vocabulary is None or vocabulary.categories is not categories:
            n_buckets = buckets[i] if buckets else 0
            vocabulary = fitted_vocabulary(
                categories, encoder.infrequent_categories_[i], n_buckets
            )
            cache[i] = vocabulary
        vocabularies.append(vocabulary)
    return vocabularies


def encode(encoder, X):
    """``encoder``'s output for in-memory ``X``, before any output conversion."""
    table = as_table(X)
    validate_data(encoder, table.data, reset=False, skip_check_array=True)
    vocabularies = fitted_vocabularies(encoder)
    has_bags = len(getattr(encoder, "bag_columns_", ()))
    separators = {}
    if has_bags or not table.on_device:
        separators = separators_by_column(encoder.separator, table, encoder.categorical_columns_)
    if not table.on_device:
        return transform_host(encoder, table, vocabularies, separators)
    from ._device_transform import transform_device

    cache = encoder.__dict__.setdefault("_device_tables", {})
    return transform_device(encoder, table, vocabularies, separators, cache)


def input_names(encoder, input_features=None) -> list:
    """The names of X's columns seen in fit (``x0, x1, ...`` for arrays), or checked
    ``input_features`` (``get_feature_names_out``'s argument)."""
    n = encoder.n_features_in_
    fitted = getattr(encoder, "feature_names_in_", None)
    if input_features is None:
        return list(fitted) if fitted is not None else [f"x{j}" for j in range(n)]
    input_features = list(input_features)
    if len(input_features) != n:
        raise ValueError(
            f"input_features should have length equal to the number of features seen "
            f"in fit ({n}), got {len(input_features)}."
        )
    if fitted is not None and input_features != list(fitted):
        raise ValueError(
            "input_features is not equal to feature_names_in_: expected "
            f"{list(fitted)}, got {input_features}."
        )
    return [str(name) for name in input_features]


def feature_names_out(encoder, names: list) -> np.ndarray:
    """Names in X's order: ``f"{column}_emb{k}"`` in each block, the others as given."""
    out = output_names(
        encoder_layout(encoder), names, encoder.categorical_columns_, encoder.continuous_columns_
    )
    return np.asarray(out, dtype=object)
