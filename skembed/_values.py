"""Category values: missing-value masks, hash lookups and a total order of mixed types."""

from __future__ import annotations

import numpy as np
import pandas as pd


def is_missing(values: np.ndarray) -> np.ndarray:
    """Boolean mask of None, NaN, pd.NA and NaT entries."""
    return np.asarray(pd.isna(values), dtype=bool)


def build_lookup(categories: np.ndarray) -> pd.Index:
    """A hash index over ``categories`` used by :func:`lookup_codes`."""
    return pd.Index(categories, dtype=object if categories.dtype.kind == "O" else None)


def lookup_codes(lookup: pd.Index, uniques: np.ndarray) -> np.ndarray:
    """Position of each of ``uniques`` in ``lookup``; ``-1`` where absent."""
    if len(uniques) == 0:
        return np.empty(0, dtype=np.int64)
    return np.asarray(lookup.get_indexer(uniques), dtype=np.int64)


def sort_order(values: np.ndarray) -> np.ndarray:
    """Indices that sort distinct category values; mixed types sort by (type name, str)."""
    try:
        return np.argsort(values, kind="stable")
    except TypeError:
        keys = [(type(v).__name__, str(v)) for v in values]
        return np.asarray(sorted(range(len(values)), key=keys.__getitem__), dtype=np.int64)
