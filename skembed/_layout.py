"""The output layout: where each column of X lands in ``transform``'s output.

As in category_encoders, the output follows the input's column order: each categorical
column is replaced in place by its block of embedding columns, and every other column
keeps its position (unless ``continuous="drop"``). The host transform, the device
transform, cross-fitting, the feature names and the per-column inspection all read the
positions from :func:`output_layout`, so that the rule exists once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

__all__ = ["OutputLayout", "check_output_names", "encoder_layout", "output_layout", "output_names"]


@dataclass(frozen=True)
class OutputLayout:
    """Output positions of the fitted encoder's columns.

    Attributes
    ----------
    starts : ndarray of int, shape (n_categorical,)
        First output column of each categorical column's block (by categorical position).
    dims : ndarray of int, shape (n_categorical,)
        Width of each block.
    continuous : ndarray of int, shape (n_continuous_out,)
        Output column of each continuous column kept in the output, in X's order;
        empty under ``continuous="drop"``.
    n_features : int
        Number of output columns.
    """

    starts: np.ndarray
    dims: np.ndarray
    continuous: np.ndarray
    n_features: int

    def blocks(self):
        """``(start, stop)`` of each categorical column's block."""
        return [(int(s), int(s + d)) for s, d in zip(self.starts, self.dims)]


def output_layout(categorical, continuous, dims, keep_continuous: bool) -> OutputLayout:
    """The layout of ``categorical`` blocks of widths ``dims`` among ``continuous`` columns.

    ``categorical`` and ``continuous`` are positions in X; ``keep_continuous`` is
    False under ``continuous="drop"``.
    """
    categorical = np.asarray(categorical, dtype=np.int64)
    continuous = np.asarray(continuous, dtype=np.int64) if keep_continuous else np.empty(0, int)
    dims = np.asarray(dims, dtype=np.int64).reshape(-1)
    # width of each input column in the output, in X's order
    n_columns = int(max(categorical.max(initial=-1), continuous.max(initial=-1)) + 1)
    width = np.zeros(n_columns, dtype=np.int64)
    width[categorical] = dims
    width[continuous] = 1
    start = np.concatenate([[0], np.cumsum(width)])
    return OutputLayout(
        starts=start[categorical],
        dims=dims,
        continuous=start[continuous],
        n_features=int(start[-1]),
    )


def encoder_layout(encoder) -> OutputLayout:
    """The layout of fitted ``encoder``."""
    return output_layout(
        encoder.categorical_columns_,
        encoder.continuous_columns_,
        encoder.embedding_dims_,
        encoder.continuous != "drop",
    )


def output_names(layout: OutputLayout, names: list, categorical, continuous) -> list:
    """Output column names: ``f"{column}_emb{k}"`` in each block, passthrough names as given."""
    out = [None] * layout.n_features
    for (begin, stop), j in zip(layout.blocks(), categorical):
        out[begin:stop] = [f"{names[j]}_emb{k}" for k in range(stop - begin)]
    for position, j in zip(layout.continuous, continuous):
        out[position] = names[j]
    return out


def check_output_names(names: list, categorical, continuous, dims, keep_continuous) -> None:
    """Raise if a generated embedding column name equals a kept column's name.

    ``names`` are X's column labels (None for an array). Generated names never
    collide with each other (``_emb`` then digits ends each), so a duplicate is a
    passthrough column named like a block column.
    """
    if names is None or not all(isinstance(v, str) for v in names):
        return  # the output is named x0, x1, ... as scikit-learn does: no collision
    layout = output_layout(categorical, continuous, dims, keep_continuous)
    out = output_names(layout, names, categorical, continuous)
    if len(set(out)) == len(out):
        return
    kept = {names[j] for j in continuous}
    name = next(v for v in out if v in kept and out.count(v) > 1)
    owner = next(
        names[j] for j in categorical if re.fullmatch(rf"{re.escape(names[j])}_emb\d+", name)
    )
    raise ValueError(
        f"The embedding of column {owner!r} would be named {name!r}, which is also the name "
        f"of a column passed through, so the output would have duplicate columns. Rename "
        f"column {name!r}, or pass continuous='drop'."
    )
