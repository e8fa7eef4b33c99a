"""Dask fit, first pass: per-partition counts and moments, merged into fit statistics.

Each partition is summarised on its worker (distinct values and counts of every
categorical column, weighted moments of the continuous columns and of ``y``); only the
summaries travel to the client, where they are merged exactly.
"""

from __future__ import annotations

import numpy as np

from ._bags import unique_per_row
from ._continuous import continuous_matrix
from ._dask_glue import split_partition
from ._stats import valid_weights
from ._tables import as_table
from ._target import check_classes, detect_target_type
from ._values import is_missing

__all__ = ["combined_moments", "partition_summary", "partition_weight", "target_summary"]


def partition_summary(part, names, encoder, separators, target_kind) -> dict:
    """Counts and moments of one partition (runs on a Dask worker)."""
    part, extras = split_partition(part, names)
    table = as_table(part, allow_empty=True)
    n = table.n_rows
    w = partition_weight(extras.get("sample_weight"), n)
    categorical, weighted = [], []
    for j in encoder.categorical_columns_:
        is_bag = bool(j in separators or (n and table.is_list(j)))
        if is_bag:
            cell, codes, uniques = table.bag(j, separators.get(j))
            counted, rows = unique_per_row(cell, codes, len(uniques), rows=True)
            missing = n - len(np.unique(cell))
        else:
            codes, uniques = table.factorize(j)
            rows = np.flatnonzero(codes >= 0)
            counted, missing = codes[rows], int((codes < 0).sum())
        counts = np.bincount(counted, minlength=len(uniques))
        categorical.append((is_bag, uniques, counts, int(missing)))
        weighted.append(np.bincount(counted, weights=w[rows], minlength=len(uniques)))
    cont = continuous_matrix(table, encoder.continuous_columns_)
    summary = {
        "n": n,
        "weight": float(w.sum()),
        "categorical": categorical,
        "weighted_counts": weighted,  # sums of sample weights, for min_frequency
        "continuous": _moments(cont, w),
        "y_uniques": None,
        "y_continuous": False,
        "y_moments": None,
    }
    if target_kind is None:
        return summary
    values = extras["y"]
    if n and is_missing(values).any():
        raise ValueError(
            "y contains missing values (NaN or None); the embeddings cannot be trained on "
            "them. Drop those rows or impute y."
        )
    numeric = values.dtype.kind in "biuf"
    if numeric:
        as_float = values.astype(np.float64)
        if not np.isfinite(as_float).all():
            raise ValueError("y contains infinity; expected finite numbers.")
        summary["y_moments"] = _moments(as_float[:, None], w)
        non_integral = values.dtype.kind == "f" and bool((as_float != np.round(as_float)).any())
        summary["y_continuous"] = non_integral
    if target_kind in ("binary", "multiclass") or (
        target_kind == "auto" and not summary["y_continuous"]
    ):
        summary["y_uniques"] = np.unique(values) if n else values[:0]
    return summary


def partition_weight(weight, n: int) -> np.ndarray:
    return np.ones(n, dtype=np.float64) if weight is None else valid_weights(weight)


def _moments(values: np.ndarray, w: np.ndarray) -> tuple:
    """Per column: total weight of the present values, their weighted mean and M2."""
    present = ~np.isnan(values)
    weight = w[:, None] * present
    total = weight.sum(axis=0)
    filled = np.where(present, values, 0.0)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        mean = np.where(total > 0, (weight * filled).sum(axis=0) / total, 0.0)
        m2 = (weight * (filled - mean) ** 2).sum(axis=0)
    return total, mean, m2


def combined_moments(parts: list[tuple]) -> tuple[np.ndarray, np.ndarray]:
    """Mean and std of the union of partitions (Chan et al.'s pairwise update)."""
    total, mean, m2 = parts[0]
    for other_total, other_mean, other_m2 in parts[1:]:
        combined = total + other_total
        safe = np.where(combined > 0, combined, 1.0)
        delta = other_mean - mean
        with np.errstate(over="ignore", invalid="ignore"):
            mean = mean + delta * other_total / safe
            m2 = m2 + other_m2 + delta**2 * total * other_total / safe
        total = combined
    with np.errstate(over="ignore", invalid="ignore"):
        scale = np.sqrt(m2 / np.where(total > 0, total, 1.0))
    scale = np.where((scale > 0) & np.isfinite(scale), scale, 1.0)
    mean = np.where(np.isfinite(mean), mean, 0.0)
    return mean, scale


def target_summary(encoder, y, summaries) -> tuple:
    """Set ``target_type_`` and ``classes_``; the task, its width and the target scaling."""
    encoder.classes_ = None
    if y is None:
        encoder.target_type_ = "self-supervised"
        return "self-supervised", None, None
    kind = encoder.target_type
    if kind == "auto":
        if any(s["y_continuous"] for s in summaries):
            kind = "continuous"
        else:
            uniques = np.unique(np.concatenate([s["y_uniques"] for s in summaries]))
            kind = detect_target_type(uniques, "auto")
    if kind == "multilabel-indicator":
        raise ValueError(
            "target_type='multilabel-indicator' needs a 2-D y, which a Dask Series is not; "
            "fit on a pandas DataFrame for multi-label targets."
        )
    encoder.target_type_ = kind
    if kind in ("binary", "multiclass"):
        encoder.classes_ = np.unique(np.concatenate([s["y_uniques"] for s in summaries]))
        check_classes(kind, encoder.classes_)
        return kind, (1 if kind == "binary" else len(encoder.classes_)), None
    if any(s["y_moments"] is None for s in summaries if s["n"]):
        raise ValueError(
            f"target_type={kind!r} needs a numeric y; y of the Dask input is not numeric."
        )
    mean, scale = combined_moments([s["y_moments"] for s in summaries if s["n"]])
    return "continuous", 1, (mean, scale)
