"""The estimator's arithmetic on device-resident columns (torch tensors on any device).

The NumPy path of :mod:`skembed._encoder` has one counterpart here for each step
that touches all rows: turning codes into table rows, counting rows, the
weighted mean and standard deviation of the continuous columns, scaling them and
gathering the embedding vectors. Each takes and returns torch tensors on the
data's device; what is per category or per column (vocabularies, statistics,
counts) comes back as NumPy, as small as the fitted state it feeds.

torch is imported by this module, which the estimator imports only for
device-resident input.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor

from ._categories import Vocabulary, vocabulary_from_counts

__all__ = [
    "bincount",
    "empty",
    "encode",
    "encode_numeric",
    "search_index",
    "first_beyond",
    "has_inf",
    "index_rows",
    "learn_vocabulary",
    "scale",
    "stack_columns",
    "stack_rows",
    "too_large",
    "to_tensor_like",
    "torch_dtype",
    "weighted_mean_std",
]


def torch_dtype(dtype) -> torch.dtype:
    """The torch dtype of NumPy float dtype ``dtype``."""
    return {np.float16: torch.float16, np.float32: torch.float32, np.float64: torch.float64}[
        np.dtype(dtype).type
    ]


def encode(
    vocabulary: Vocabulary, codes: Tensor, uniques: np.ndarray
) -> tuple[Tensor, np.ndarray]:
    """:meth:`Vocabulary.encode` for codes on a device.

    The row of each distinct value is found on the host (one per category);
    the rows of all values are then one gather on the device.
    """
    row_of_unique, unseen = vocabulary.encode(np.arange(len(uniques)), uniques)
    row_of_unique = np.append(row_of_unique, vocabulary.missing_row)  # code -1: missing
    lookup = torch.as_tensor(row_of_unique, dtype=torch.int64, device=codes.device)
    return lookup[torch.where(codes < 0, len(uniques), codes)], unseen


def search_index(
    vocabulary: Vocabulary, floating_column: bool, device
) -> tuple[Tensor, Tensor] | None:
    """The kept and pooled categories sorted, and their rows, on ``device``.

    What :func:`encode_numeric` searches, for a column whose values are
    floating-point (``floating_column``) or integers. Compared as float64 if
    either the categories or the column are floating-point, else as int64.
    None when the categories are not numbers, or are integers that the
    comparison could not tell apart (beyond int64, or beyond 2**53 as float64).
    """
    keys = np.concatenate([vocabulary.categories, vocabulary.infrequent])
    if keys.dtype.kind not in "biuf":
        return None
    if keys.dtype.kind == "u" and keys.max() > np.iinfo(np.int64).max:
        return None  # beyond int64: factorizing compares them exactly
    floating = keys.dtype.kind == "f" or floating_column
    if floating and keys.dtype.kind in "iu" and np.abs(keys).max() > 2**53:
        return None  # integers that float64 cannot tell apart
    keys = keys.astype(np.float64 if floating else np.int64)
    order = np.argsort(keys, kind="stable")  # sorted in the dtype the search compares in
    sorted_keys = torch.as_tensor(keys[order]).to(device)
    return sorted_keys, torch.as_tensor(vocabulary.seen_rows[order], device=device)


def encode_numeric(
    vocabulary: Vocabulary, column: Tensor, index: tuple[Tensor, Tensor], need_unseen: bool
) -> tuple[Tensor, np.ndarray]:
    """Table rows of a numeric column by binary search: one pass over the column.

    What ``transform`` uses for int, bool and float columns of known numeric
    categories: each value is looked up with ``torch.searchsorted`` in
    ``index`` (:func:`search_index`; the sorted keys stay in cache), instead of
    factorizing the column (a sort of all its values). The distinct unseen
    values are collected only when ``need_unseen`` (hash buckets, or
    ``handle_unknown="error"``).
    """
    sorted_keys, sorted_rows = index
    floating = sorted_keys.dtype.is_floating_point
    device = column.device
    values = column.to(sorted_keys.dtype).contiguous()  # a matrix's column is strided
    position = torch.searchsorted(sorted_keys, values).clamp_(max=len(sorted_keys) - 1)
    found = sorted_keys[position] == values
    rows = torch.where(found, sorted_rows[position], vocabulary.unknown_row)
    missing = torch.isnan(values) if floating else None
    if missing is not None:
        rows = torch.where(missing, vocabulary.missing_row, rows)
    unseen = np.empty(0, dtype=vocabulary.categories.dtype)
    if need_unseen:
        is_unseen = ~found if missing is None else ~found & ~missing
        distinct, inverse = torch.unique(column[is_unseen], return_inverse=True)
        if distinct.dtype in (torch.bfloat16, torch.float16):
            distinct = distinct.float()
        unseen = distinct.cpu().numpy()
        if vocabulary.n_buckets and len(unseen):
            buckets = torch.as_tensor(vocabulary.bucket_rows(unseen), device=device)
            rows[is_unseen] = buckets[inverse]
    return rows, unseen


def learn_vocabulary(codes: Tensor, uniques: np.ndarray, *, n_rows: int, **options):
    """:func:`skembed._categories.learn_vocabulary` for codes on a device."""
    counts = bincount(codes[codes >= 0], len(uniques))
    n_missing = int((codes < 0).sum())
    vocabulary = vocabulary_from_counts(uniques, counts, n_missing, n_rows=n_rows, **options)
    rows, _ = encode(vocabulary, codes, uniques)
    return vocabulary, rows


def bincount(values: Tensor, minlength: int) -> np.ndarray:
    """``np.bincount`` of non-negative int tensor ``values``, as int64 NumPy."""
    return torch.bincount(values, minlength=minlength).cpu().numpy().astype(np.int64)


def weighted_mean_std(values: Tensor, weight: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-column mean and std ignoring NaN (the encoder's ``_weighted_mean_std``).

    ``values`` is ``(n, p)`` float64 on the device; ``weight`` the ``(n,)``
    sample weights. Std 0 (or an all-NaN column) becomes 1; columns are divided
    by their largest magnitude first so values near 1e308 do not overflow.
    """
    w = torch.as_tensor(weight, dtype=torch.float64, device=values.device)
    present = ~torch.isnan(values)
    w = w[:, None] * present
    total = w.sum(dim=0)
    safe_total = torch.where(total > 0, total, 1.0)
    filled = torch.where(present, values, 0.0)
    if values.shape[0]:
        magnitude = filled.abs().amax(dim=0)
    else:
        magnitude = torch.zeros(values.shape[1], dtype=values.dtype, device=values.device)
    magnitude = torch.where(magnitude > 0, magnitude, 1.0)
    unit = filled / magnitude
    mean = (w * unit).sum(dim=0) / safe_total
    var = (w * (unit - mean) ** 2).sum(dim=0) / safe_total
    mean, std = mean * magnitude, var.sqrt() * magnitude
    std = torch.where((std > 0) & torch.isfinite(std), std, 1.0)
    return mean.cpu().numpy(), std.cpu().numpy()


def scale(values: Tensor, mean: np.ndarray, std: np.ndarray) -> Tensor:
    """z-scores of float64 ``values`` (divided first, as on the host), NaN -> 0."""
    std_t = torch.as_tensor(std, dtype=values.dtype, device=values.device)
    mean_t = torch.as_tensor(mean, dtype=values.dtype, device=values.device)
    return torch.nan_to_num(values / std_t - mean_t / std_t, nan=0.0)


def too_large(values: Tensor, limit: float) -> np.ndarray:
    """Per column: whether a value is beyond ``limit`` in magnitude (NaN is not)."""
    beyond = ~(values.abs() <= limit) & ~torch.isnan(values)
    return beyond.any(dim=0).cpu().numpy()


def has_inf(values: Tensor) -> bool:
    return bool(torch.isinf(values).any())


def to_tensor_like(table: np.ndarray, like: Tensor) -> Tensor:
    """NumPy ``table`` as a tensor on ``like``'s device, in ``like``'s dtype."""
    return torch.as_tensor(table).to(device=like.device, dtype=like.dtype)


def stack_columns(columns: list[Tensor], n: int, device) -> Tensor:
    """Columns side by side as an ``(n, len(columns))`` float64 tensor."""
    if not columns:
        return torch.empty((n, 0), dtype=torch.float64, device=device)
    return torch.stack(columns, dim=1)


def stack_rows(values: list[Tensor]) -> Tensor:
    """Per-column table rows side by side as an ``(n, k)`` int64 tensor."""
    return torch.stack(values, dim=1)


def empty(n: int, width: int, dtype, device) -> Tensor:
    """An uninitialised ``(n, width)`` output of NumPy dtype ``dtype`` on ``device``."""
    return torch.empty((n, width), dtype=torch_dtype(dtype), device=device)


def first_beyond(values: Tensor, column: int, limit: float) -> float:
    """The first value of ``values[:, column]`` beyond ``limit`` in magnitude."""
    col = values[:, column]
    return float(col[col.abs() > limit][0])


def index_rows(out: Tensor, rows: np.ndarray) -> Tensor:
    """``rows`` as an index tensor on ``out``'s device."""
    return torch.as_tensor(rows, dtype=torch.int64, device=out.device)
