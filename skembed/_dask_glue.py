"""Dask glue: partitions as delayed pandas frames, their metadata, and merged counts.

Dask is imported lazily, only when a Dask collection is passed in.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._containers import dask_module, is_dask_collection, is_pandas_frame


def dask_meta(X) -> pd.DataFrame:
    """The empty pandas frame describing the columns and dtypes of Dask DataFrame ``X``."""
    from dask.dataframe.utils import make_meta

    meta = make_meta(X)
    if not is_pandas_frame(meta):
        raise TypeError(
            f"Expected a Dask DataFrame of pandas partitions, got one whose partitions are "
            f"{type(meta).__name__}. Convert the partitions to pandas first "
            "(X.to_backend('pandas'))."
        )
    return meta


def dask_partitions(X, extras: dict) -> tuple[list, dict]:
    """Delayed pandas partitions of ``X`` with the Dask Series ``extras`` as more columns.

    Carrying ``y`` and ``sample_weight`` as columns of ``X`` keeps their rows
    lined up with the rows of ``X`` partition by partition, however Dask
    partitions each of them (``read_parquet`` may merge the files of a single
    column's read). Returns the partitions and the column name given to each
    extra (None values are left out); :func:`split_partition` takes them apart.
    """
    names = {}
    for key, series in extras.items():
        if series is None:
            continue
        if not is_dask_collection(series) or getattr(series, "ndim", 1) != 1:
            raise TypeError(
                f"X is a Dask DataFrame, so {key} must be a Dask Series with the same index "
                f"(for example X_all[{key!r}] before dropping that column), got "
                f"{type(series).__name__}."
            )
        name = f"__skembed_{key}__"
        while name in X.columns:
            name += "_"
        names[key] = name
    combined = X
    if names:
        try:
            combined = X.assign(**{name: extras[key] for key, name in names.items()})
        except (ValueError, TypeError, NotImplementedError) as exc:
            raise ValueError(
                f"Could not line up {' and '.join(names)} with the rows of X ({exc}); pass "
                "columns of the same Dask DataFrame, or Series whose index matches X's "
                "(known divisions)."
            ) from None
    return list(combined.to_delayed()), names


def split_partition(part: pd.DataFrame, names: dict) -> tuple[pd.DataFrame, dict]:
    """A partition of :func:`dask_partitions` as (X's columns, {extra: 1-D array}).

    Rows of ``sample_weight`` 0 are left out, as if absent: they count no category
    and never reach training (invalid weights are kept, for the check to name them).
    """
    if "sample_weight" in names:
        weight = part[names["sample_weight"]].to_numpy()
        if weight.dtype.kind in "biuf" and (weight == 0).any():
            part = part[weight != 0]
    extras = {key: part[name].to_numpy() for key, name in names.items()}
    return (part.drop(columns=list(names.values())) if names else part), extras


def dask_delayed(function):
    """``dask.delayed(function)``, keyed by a fresh name instead of hashing arguments."""
    return dask_module().delayed(function, pure=False)


def dask_compute(tasks: list) -> list:
    """Compute delayed ``tasks`` together (one pass; the active scheduler or Client)."""
    return list(dask_module().compute(*tasks))


def dask_map_partitions(X, function, meta: pd.DataFrame, *args):
    """``X.map_partitions(function, *args, meta=meta)``: lazy, one task per partition."""
    return X.map_partitions(function, *args, meta=meta, align_dataframes=False)


def merge_counts(uniques: list, counts: list) -> tuple[np.ndarray, np.ndarray]:
    """Sum per-partition counts of distinct values into one array of distinct values.

    Integer counts stay int64; weighted (float) counts stay float64.
    """
    if not uniques:
        return np.empty(0, dtype=object), np.empty(0, dtype=np.int64)
    kinds = {u.dtype.kind for u in uniques if len(u)}
    arrays = [u.astype(object) for u in uniques] if len(kinds) > 1 else uniques
    values = np.concatenate(arrays)
    codes, merged = pd.factorize(values, use_na_sentinel=True, sort=False)
    total = np.bincount(codes, weights=np.concatenate(counts), minlength=len(merged))
    merged = np.asarray(merged)
    if merged.dtype.kind == "U":
        merged = merged.astype(object)
    return merged, total.astype(np.result_type(np.int64, *(c.dtype for c in counts)))
