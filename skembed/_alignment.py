"""Moving an embedding table into another table's coordinates (weighted orthogonal Procrustes).

Two fits of the same column (two folds of ``cv``, or last week's and this week's model)
learn tables that agree only up to a rotation and a shift: training is invariant to them.
:func:`procrustes_onto` finds the rotation ``R`` and shift that bring one table onto the
other on the categories both know, weighted by how often each was seen, and applies them
to every row (the unknown, missing and hash rows included). Orthogonal, so distances and
inner products inside the table are unchanged: a linear model or k-NN sees the same
geometry, and a model trained on the old coordinates reads the new ones.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._values import build_lookup, lookup_codes

__all__ = ["Alignment", "procrustes_onto"]


@dataclass(frozen=True)
class Alignment:
    """A table moved onto a reference, and how far its shared categories were.

    Attributes
    ----------
    table : ndarray of shape (n_rows, dim), float32
        Every row of the source table, rotated and shifted.
    n_shared : int
        Categories both tables have (what the rotation was fitted on).
    drift_before, drift_after : float
        Weighted mean Euclidean distance between a shared category's source row
        (before, then after the move) and its reference row; NaN with nothing shared.
    """

    table: np.ndarray
    n_shared: int
    drift_before: float
    drift_after: float


def procrustes_onto(
    source: np.ndarray,
    source_categories: np.ndarray,
    weights: np.ndarray,
    reference: np.ndarray,
    reference_categories: np.ndarray,
) -> Alignment:
    """Move ``source`` onto ``reference`` by the categories both have.

    The rotation ``R`` and translation minimise ``sum_k w_k |(a_k - mu_a) R + mu_b - b_k|^2``
    over the shared categories ``k`` (weights ``w_k = weights[k] + 1``, the source's
    counts), ``mu`` the weighted means. Rows ``0 .. len(categories) - 1`` of each table
    are its categories; the rows after them move with the rest.
    """
    from scipy.linalg import orthogonal_procrustes

    table = np.asarray(source, dtype=np.float64)
    position = lookup_codes(build_lookup(reference_categories), source_categories)
    shared = np.flatnonzero(position >= 0)
    if len(shared) == 0:  # nothing to align on: keep the source's own coordinates
        return Alignment(np.asarray(source, np.float32), 0, float("nan"), float("nan"))
    weight = np.asarray(weights, dtype=np.float64)[shared] + 1.0
    a, b = table[shared], np.asarray(reference, dtype=np.float64)[position[shared]]
    mu_a = weight @ a / weight.sum()
    mu_b = weight @ b / weight.sum()
    root = np.sqrt(weight)[:, None]
    rotation, _ = orthogonal_procrustes(root * (a - mu_a), root * (b - mu_b))
    moved = (table - mu_a) @ rotation + mu_b

    def drift(rows: np.ndarray) -> float:
        return float(weight @ np.linalg.norm(rows - b, axis=1) / weight.sum())

    return Alignment(moved.astype(np.float32), len(shared), drift(a), drift(moved[shared]))
