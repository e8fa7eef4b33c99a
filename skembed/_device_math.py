"""Arithmetic on device-resident columns (torch tensors on any device).

Each function has a NumPy counterpart in the host path: counting rows, the weighted mean
and standard deviation of the continuous columns, scaling them, checking them against
the output dtype, and gathering rows. They take and return tensors on the data's device;
what is per column comes back as NumPy. torch is imported by this module, which is
imported only for device-resident input and by the torch layer (``_batches`` counts the
training rows' table rows with :func:`bincount`).
"""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor

__all__ = [
    "bincount",
    "empty",
    "first_beyond",
    "has_inf",
    "index_rows",
    "scale",
    "stack_columns",
    "stack_rows",
    "to_tensor_like",
    "too_large",
    "torch_dtype",
]


def torch_dtype(dtype) -> torch.dtype:
    """The torch dtype of NumPy float dtype ``dtype``."""
    return {np.float16: torch.float16, np.float32: torch.float32, np.float64: torch.float64}[
        np.dtype(dtype).type
    ]


def bincount(values: Tensor, minlength: int) -> np.ndarray:
    """``np.bincount`` of non-negative int tensor ``values``, as int64 NumPy."""
    return torch.bincount(values, minlength=minlength).cpu().numpy().astype(np.int64)


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
    """``rows`` (positions of rows or columns) as an index tensor on ``out``'s device."""
    return torch.as_tensor(rows, dtype=torch.int64, device=out.device)


def remap_codes(codes: Tensor, position: np.ndarray) -> Tensor:
    """``position[codes]`` on ``codes``' device, keeping ``-1`` (missing) as ``-1``."""
    lookup = torch.as_tensor(position, dtype=torch.int64, device=codes.device)
    return torch.where(codes >= 0, lookup[codes.clamp(min=0)], -1)


def concat(values: list[Tensor]) -> Tensor:
    """Tensors end to end (``np.concatenate`` for the device)."""
    return torch.cat(values)
