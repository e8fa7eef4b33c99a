"""Bags: columns whose cells hold several categories (lists, or strings split by a separator).

A bag column is stored as two flat arrays of the same length, one entry per token:
``token_rows`` (the row of X each token came from) and the token's table row. Nothing is
padded to the longest bag except the training input of :func:`padded_bags`.
"""

from __future__ import annotations

import numpy as np

__all__ = ["bag_vectors", "padded_bags", "unique_per_row"]


def unique_per_row(token_rows: np.ndarray, codes: np.ndarray, n_codes: int, *, rows=False):
    """``codes`` with repeats inside a row dropped (one per row and code).

    With ``rows=True``, also the row of X of each returned code.
    """
    width = max(n_codes, 1)
    pairs = np.unique(token_rows.astype(np.int64) * width + codes)
    return (pairs % width, pairs // width) if rows else pairs % width


def padded_bags(token_rows, table_rows, n, table_size, missing_row):
    """Table rows of each row of X's tokens as an (n, longest) matrix.

    Padded with the padding row ``table_size``; a row with no token holds the
    missing row.
    """
    counts = np.bincount(token_rows, minlength=n)
    padded = np.full((n, max(int(counts.max(initial=0)), 1)), table_size, dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    padded[token_rows, np.arange(len(token_rows)) - starts[token_rows]] = table_rows
    padded[counts == 0, 0] = missing_row
    return padded


def bag_vectors(table, token_rows, table_rows, n, mode, missing_row):
    """Mean (or sum) of each row's token vectors; the missing row for rows without one.

    A sparse (n, table rows) weight matrix times the table: one vectorized
    product, no loop over rows.
    """
    from scipy import sparse

    counts = np.bincount(token_rows, minlength=n)
    empty = np.flatnonzero(counts == 0)
    if mode == "mean":
        weights = (1.0 / np.maximum(counts, 1))[token_rows]
    else:
        weights = np.ones(len(token_rows))
    matrix = sparse.csr_matrix(
        (
            np.concatenate([weights, np.ones(len(empty))]).astype(table.dtype),
            (
                np.concatenate([token_rows, empty]),
                np.concatenate([table_rows, [missing_row] * len(empty)]),
            ),
        ),
        shape=(n, len(table)),
    )
    return np.asarray(matrix @ table, dtype=table.dtype)
