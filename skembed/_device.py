"""Categories of device-resident columns: vocabularies and table rows on the device.

:meth:`Vocabulary.encode` and the vocabulary choice of :mod:`skembed._categories`
for codes held in torch tensors: the row of each distinct value is found on the host
(one per category), the rows of all values are then one gather on the device. Numeric
columns are searched in the sorted categories instead of factorized.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor

from ._categories import Vocabulary, vocabulary_from_counts
from ._device_math import bincount

__all__ = ["encode", "encode_numeric", "learn_vocabulary", "search_index"]


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


def learn_vocabulary(codes: Tensor, uniques: np.ndarray, *, n_rows: int, weights=None, **options):
    """:func:`skembed._categories.learn_vocabulary` for codes on a device."""
    if weights is None:
        counts = bincount(codes[codes >= 0], len(uniques))
    else:  # weighted counts, summed on the host
        host = codes.cpu().numpy()
        valid = host >= 0
        counts = np.bincount(host[valid], weights=weights[valid], minlength=len(uniques))
    n_missing = int((codes < 0).sum())
    vocabulary = vocabulary_from_counts(uniques, counts, n_missing, n_rows=n_rows, **options)
    rows, _ = encode(vocabulary, codes, uniques)
    return vocabulary, rows
