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


def weighted_mean_std(values: np.ndarray, weight: np.ndarray):
    """Per-column mean and std ignoring NaN; std 0 (or all-NaN) becomes 1.

    The columns are divided by their largest magnitude first, so values near
    the float64 limit (1e308) give a finite mean and std instead of overflowing.

    Parameters
    ----------
    values : ndarray of shape (n_rows, n_columns)
    weight : ndarray of shape (n_rows,)

    Returns
    -------
    mean, std : ndarray of shape (n_columns,)
    """
    present = ~np.isnan(values)
    w = weight[:, None] * present
    total = w.sum(axis=0)
    safe_total = np.where(total > 0, total, 1.0)
    filled = np.where(present, values, 0.0)
    magnitude = np.abs(filled).max(axis=0, initial=0.0)
    magnitude = np.where(magnitude > 0, magnitude, 1.0)
    unit = filled / magnitude
    mean = (w * unit).sum(axis=0) / safe_total
    var = (w * (unit - mean) ** 2).sum(axis=0) / safe_total
    mean, scale = mean * magnitude, np.sqrt(var) * magnitude
    scale = np.where((scale > 0) & np.isfinite(scale), scale, 1.0)
    return mean, scale


def seed_from(random_state) -> int:
    """An int seed for torch and the split, drawn from ``random_state``."""
    if isinstance(random_state, numbers.Integral):
        return int(random_state) % (2**63)
    rng = random_state if isinstance(random_state, np.random.RandomState) else np.random
    return int(rng.randint(0, 2**31 - 1))
