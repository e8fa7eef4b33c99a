"""Weighted statistics, sample weights and seeds: NumPy only, used by every fitting path."""

from __future__ import annotations

import numbers

import numpy as np

__all__ = ["check_sample_weight", "seed_from", "valid_weights", "weighted_mean_std"]


def valid_weights(weight: np.ndarray) -> np.ndarray:
    """``weight`` as float64; raise unless it is numeric, finite and non-negative."""
    try:
        weight = weight.astype(np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"sample_weight must be numeric, got dtype {weight.dtype}.") from None
    if not np.isfinite(weight).all() or (weight < 0).any():
        raise ValueError("sample_weight must be finite and non-negative.")
    return weight


def check_sample_weight(weight: np.ndarray | None, n: int) -> np.ndarray:
    """One float64 weight per row of X: ones when None, else checked (``weight`` is 1-D)."""
    if weight is None:
        return np.ones(n, dtype=np.float64)
    if weight.ndim != 1 or weight.shape[0] != n:
        raise ValueError(
            f"sample_weight.shape == {weight.shape}, expected ({n},) to match the "
            "number of rows of X."
        )
    weight = valid_weights(weight)
    if not weight.any():
        raise ValueError("Sample weights must contain at least one non-zero number; all are zero.")
    return weight


def weighted_mean_std(values, weight):
    """Per-column mean and std ignoring NaN; std 0 (or all-NaN) becomes 1.

    The columns are divided by their largest magnitude first, so values near
    the float64 limit (1e308) give a finite mean and std instead of overflowing.
    One formula for NumPy arrays and for torch tensors on any device (device-
    resident input keeps its data there; only the two small results move).
    Dask partitions combine per-partition moments instead
    (``_dask_statistics.combined_moments``): a stream has no second pass.

    Parameters
    ----------
    values : ndarray or Tensor of shape (n_rows, n_columns), float64
    weight : ndarray of shape (n_rows,)

    Returns
    -------
    mean, std : ndarray of shape (n_columns,)
    """
    xp = np if isinstance(values, np.ndarray) else _namespace(values)
    if xp is not np:
        weight = xp.as_tensor(weight, dtype=values.dtype, device=values.device)
    present = ~xp.isnan(values)
    w = weight[:, None] * present
    total = w.sum(axis=0)
    safe_total = xp.where(total > 0, total, 1.0)
    filled = xp.where(present, values, 0.0)
    magnitude = xp.abs(filled).max(axis=0, initial=0.0) if xp is np else _column_max(filled)
    magnitude = xp.where(magnitude > 0, magnitude, 1.0)
    unit = filled / magnitude
    mean = (w * unit).sum(axis=0) / safe_total
    var = (w * (unit - mean) ** 2).sum(axis=0) / safe_total
    mean, scale = mean * magnitude, xp.sqrt(var) * magnitude
    scale = xp.where((scale > 0) & xp.isfinite(scale), scale, 1.0)
    if xp is not np:
        return mean.cpu().numpy(), scale.cpu().numpy()
    return mean, scale


def _namespace(values):
    """The array library of ``values`` (torch for a tensor), imported already."""
    import sys

    return sys.modules[type(values).__module__.split(".")[0]]


def _column_max(tensor):
    """Per-column maximum of a (possibly empty) tensor, 0 for no rows."""
    if tensor.shape[0]:
        return tensor.abs().amax(dim=0)
    return tensor.new_zeros(tensor.shape[1])


def seed_from(random_state) -> int:
    """An int seed for torch and the split, drawn from ``random_state``."""
    if isinstance(random_state, numbers.Integral):
        return int(random_state) % (2**63)
    rng = random_state if isinstance(random_state, np.random.RandomState) else np.random
    return int(rng.randint(0, 2**31 - 1))
