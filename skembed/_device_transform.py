"""The device transform: every step on the device that holds the input (torch, CuPy, cuDF).

Numeric columns are looked up by binary search against the sorted categories (one pass,
no sort of the column); other columns are factorized on the device. The device copies of
the tables and of the sorted categories are cached per device and dtype in a dict the
estimator owns (never pickled; ``fit`` drops it).
"""

from __future__ import annotations

import numpy as np

from ._bags import bag_vectors
from ._layout import encoder_layout
from ._lookup import check_unseen, continuous_block

__all__ = ["cached", "transform_device"]


def cached(cache: dict, key, source, make, *args):
    """``make(*args)``, kept in ``cache`` under ``key`` while ``source`` is the same object.

    What device transforms reuse between calls: the tables on the device
    (``source``: ``embeddings_[i]``) and the sorted categories searched by
    numeric columns (``source``: ``categories_[i]``).
    """
    held, value = cache.get(key, (None, None))
    if held is not source:
        value = make(*args)
        cache[key] = (source, value)
    return value


def transform_device(encoder, table, vocabularies: list, separators: dict, cache: dict):
    """``encoder``'s output for a :class:`DeviceTable`, a tensor on the data's device.

    Returns
    -------
    out : torch.Tensor of shape (table.n_rows, n_features_out), dtype ``encoder.dtype``
    """
    from . import _device_math

    n = table.n_rows
    dtype = np.dtype(encoder.dtype)
    layout = encoder_layout(encoder)
    out = _device_math.empty(n, layout.n_features, dtype, table.device)
    bag_columns = getattr(encoder, "bag_columns_", ())
    for i, j in enumerate(encoder.categorical_columns_):
        start, stop = layout.blocks()[i]
        if j in bag_columns:  # a cuDF list column: split and reduced on the host
            vectors = _host_bag_vectors(encoder, table, i, j, vocabularies[i], separators)
            out[:, start:stop] = _device_math.to_tensor_like(vectors, out)
        else:
            rows = _device_rows(encoder, table, i, j, vocabularies[i], cache)
            vectors = cached(
                cache,
                ("table", i, str(out.device), str(out.dtype)),
                encoder.embeddings_[i],
                _device_math.to_tensor_like,
                encoder.embeddings_[i],
                out,
            )
            out[:, start:stop] = vectors.index_select(0, rows)
    if len(layout.continuous):
        columns = _device_math.index_rows(out, layout.continuous)
        out[:, columns] = _device_math.to_tensor_like(continuous_block(encoder, table, dtype), out)
    return out


def _host_bag_vectors(encoder, table, i, j, vocabulary, separators) -> np.ndarray:
    token_rows, codes, uniques = table.bag(j, separators.get(j))
    rows, unseen = vocabulary.encode(codes, uniques)
    check_unseen(table, j, unseen, encoder.handle_unknown)
    return bag_vectors(
        encoder.embeddings_[i], token_rows, rows, table.n_rows, encoder.bag_mode,
        vocabulary.missing_row,
    )  # fmt: skip


def _device_rows(encoder, table, i, j, vocabulary, cache):
    """Table row of each row of X for single column ``j``, as a device tensor."""
    from . import _device

    numeric = table.numeric_column(j)
    index = None
    if numeric is not None and not numeric.dtype.is_complex and len(vocabulary.seen_rows):
        floating = numeric.dtype.is_floating_point
        index = cached(
            cache,
            ("search", i, str(numeric.device), floating),
            vocabulary.categories,
            _device.search_index,
            vocabulary,
            floating,
            numeric.device,
        )
    if index is not None:  # a binary search per value, no sort of the column
        need_unseen = encoder.handle_unknown == "error" or vocabulary.n_buckets > 0
        rows, unseen = _device.encode_numeric(vocabulary, numeric, index, need_unseen)
    else:
        rows, unseen = _device.encode(vocabulary, *table.factorize(j))
    check_unseen(table, j, unseen, encoder.handle_unknown)
    return rows
