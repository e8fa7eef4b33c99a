"""Bags: columns whose cells hold several categories (lists, or strings split by a separator).

A bag column is stored as two flat arrays of the same length, one entry per token:
``token_rows`` (the row of X each token came from) and the token's table row. Training
reads them as :class:`BagRows` (values and offsets, as ``nn.EmbeddingBag`` takes them):
nothing is ever padded to the longest bag.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["BagRows", "bag_rows", "bag_vectors", "concat_bag_rows", "unique_per_row"]


def unique_per_row(token_rows: np.ndarray, codes: np.ndarray, n_codes: int, *, rows=False):
    """``codes`` with repeats inside a row dropped (one per row and code).

    With ``rows=True``, also the row of X of each returned code.
    """
    width = max(n_codes, 1)
    pairs = np.unique(token_rows.astype(np.int64) * width + codes)
    return (pairs % width, pairs // width) if rows else pairs % width


@dataclass(frozen=True)
class BagRows:
    """The table rows of every row's tokens, ragged: ``values[offsets[r]:offsets[r + 1]]``.

    What training feeds to ``nn.EmbeddingBag`` (``values`` and ``offsets[:-1]``):
    memory follows the number of tokens, never rows times the longest bag. A row
    without any token holds the missing row. The arrays are NumPy on the host and
    torch tensors on the training device; :meth:`take` and slicing work on both.

    Attributes
    ----------
    values : ndarray or Tensor of shape (n_tokens,), int64
    offsets : ndarray or Tensor of shape (n_rows + 1,), int64, ``offsets[0] == 0``
    """

    values: object
    offsets: object

    @property
    def shape(self) -> tuple[int]:
        return (int(self.offsets.shape[0]) - 1,)

    def __len__(self) -> int:
        return self.shape[0]

    def __getitem__(self, index):
        """Rows ``index``: a slice (contiguous, cheap) or an array of row positions."""
        if isinstance(index, slice):
            start, stop, step = index.indices(len(self))
            if step != 1:
                raise ValueError("BagRows slices must be contiguous")
            low, high = int(self.offsets[start]), int(self.offsets[stop])
            return BagRows(self.values[low:high], self.offsets[start : stop + 1] - low)
        return self.take(index)

    def take(self, index) -> BagRows:
        """Rows ``index`` (row positions, in any order), gathered without a loop."""
        if isinstance(self.values, np.ndarray):
            index = np.asarray(index, dtype=np.int64)
            starts = self.offsets[index]
            lengths = self.offsets[index + 1] - starts
            offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
            shift = np.repeat(starts - offsets[:-1], lengths)
            return BagRows(self.values[np.arange(offsets[-1]) + shift], offsets)
        import torch

        index = torch.as_tensor(index, dtype=torch.int64, device=self.offsets.device)
        starts = self.offsets[index]
        lengths = self.offsets[index + 1] - starts
        offsets = torch.cat([lengths.new_zeros(1), torch.cumsum(lengths, 0)])
        shift = torch.repeat_interleave(starts - offsets[:-1], lengths)
        positions = torch.arange(shift.shape[0], device=shift.device) + shift
        return BagRows(self.values[positions], offsets)

    def with_values(self, values) -> BagRows:
        """The same rows holding other ``values`` (one per token)."""
        return BagRows(values, self.offsets)

    def to(self, device) -> BagRows:
        """As contiguous torch tensors on ``device``."""
        import torch

        def moved(array):
            if isinstance(array, np.ndarray):
                array = torch.from_numpy(np.ascontiguousarray(array))
            return array.to(device).contiguous()

        return BagRows(moved(self.values), moved(self.offsets))


def bag_rows(token_rows, table_rows, n: int, missing_row: int) -> BagRows:
    """:class:`BagRows` of ``n`` rows from each token's row of X and table row.

    ``token_rows`` is sorted (the tokens of row 0, then of row 1, ...); rows
    without a token get the missing row.
    """
    counts = np.bincount(token_rows, minlength=n)
    lengths = np.maximum(counts, 1)
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    values = np.full(int(offsets[-1]), missing_row, dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    values[offsets[token_rows] + np.arange(len(token_rows)) - starts[token_rows]] = table_rows
    return BagRows(values, offsets)


def concat_bag_rows(parts: list) -> BagRows:
    """The rows of several host :class:`BagRows`, one after the other."""
    ends = np.cumsum([0] + [int(p.offsets[-1]) for p in parts[:-1]])
    offsets = [p.offsets[:-1] + end for p, end in zip(parts, ends)]
    total = sum(int(p.offsets[-1]) for p in parts)
    return BagRows(
        np.concatenate([p.values for p in parts]),
        np.concatenate([*offsets, [total]]).astype(np.int64),
    )


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
