"""The width of each column's table: the ``"auto"`` rule, ``embedding_dim``'s dict or
callable, a pretrained table's own width, and the check that a dict names embedded columns.
"""

from __future__ import annotations

import numbers

import numpy as np

__all__ = ["auto_embedding_dim", "check_width_keys", "embedding_width"]


def auto_embedding_dim(n_categories: int) -> int:
    """The ``embedding_dim="auto"`` rule: ``round(0.8 * n ** 0.56)``, at least 2.

    ``n`` is the number of kept categories of the column. This is half of
    fastai's rule of thumb ``1.6 * n ** 0.56``: the narrower vectors were part
    of the configuration that won the tuning of ``benchmarks/studies/tune_defaults.py``
    (validation splits of three datasets), mostly through k-NN and random
    forests. The encoder caps the rule at ``max_embedding_dim`` (8 by
    default, reached at 55 categories).

    Examples
    --------
    >>> from skembed import auto_embedding_dim
    >>> [auto_embedding_dim(n) for n in (2, 10, 100, 1000)]
    [2, 3, 11, 38]
    """
    return max(2, int(round(0.8 * max(n_categories, 1) ** 0.56)))


def check_width_keys(rule, table, categorical: np.ndarray) -> None:
    """Raise if an ``embedding_dim`` dict names a column that is not embedded."""
    if not isinstance(rule, dict):
        return
    for key in rule:
        if table.columns is not None and key in table.columns:
            j = table.columns.index(key)
        elif table.columns is None and isinstance(key, numbers.Integral):
            j = int(key)
        else:
            continue  # not a column of X: embedding_width names it
        if j not in categorical:
            raise ValueError(
                f"embedding_dim names column {table.column_label(j)}, which is continuous, so "
                "the width would be ignored; drop the entry, or list the column in "
                "categorical_features to embed it."
            )


def embedding_width(rule, max_dim: int, table, j: int, n_categories: int, pretrained=None) -> int:
    """Width of column ``j``'s table under ``embedding_dim=rule`` (a pretrained table's own)."""
    if pretrained is not None:
        width = pretrained[1].shape[1]
        key = table.columns[j] if table.columns is not None else j
        if isinstance(rule, dict) and key in rule and rule[key] != width:
            raise ValueError(
                f"embedding_dim[{key!r}] is {rule[key]!r}, but the pretrained table of "
                f"column {table.column_label(j)} has {width} dimensions; drop the "
                "embedding_dim entry (the width comes from the table)."
            )
        return int(width)
    if isinstance(rule, dict):
        key = table.columns[j] if table.columns is not None else j
        unknown = [k for k in rule if k not in (table.columns or range(table.n_columns))]
        if unknown:
            raise ValueError(f"embedding_dim has entries for columns {unknown} that are not in X.")
        if key not in rule:
            return min(auto_embedding_dim(n_categories), max_dim)
        dim = rule[key]
        if not isinstance(dim, numbers.Integral) or isinstance(dim, bool) or dim < 1:
            raise ValueError(f"embedding_dim[{key!r}] must be a positive int, got {dim!r}.")
        return int(dim)
    if isinstance(rule, str):
        return min(auto_embedding_dim(n_categories), max_dim)
    if callable(rule):
        dim = rule(n_categories)
        if not isinstance(dim, numbers.Integral) or isinstance(dim, bool) or dim < 1:
            raise ValueError(
                f"embedding_dim callable returned {dim!r} for column "
                f"{table.column_label(j)} with {n_categories} categories; expected a "
                "positive int."
            )
        return min(int(dim), max_dim)
    return int(rule)
