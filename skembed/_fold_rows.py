"""Fold rows: cross-fitting inside one fit (``cv`` with ``cross_fit="tables"``).

Each crossed column's table gets ``k`` copies of its rows, one per fold of the training
rows: copy ``j`` is trained only by rows outside fold ``j``. A training row of fold ``f``
is trained ``k - 1`` times in each epoch, once through each copy ``j != f`` (the rows are
repeated, the copies' row offsets added to their codes, and early stopping holds out
whole rows with all their repeats; everything else about training is unchanged). So:

* ``fit_transform`` encodes each training row by the copy of its own fold, which never
  saw it: out of fold, as ``TargetEncoder(cv=k)`` encodes its training rows; a copy that
  no row trained for a category (all its rows in that fold) gives the copy's unknown row,
  as a category unseen by the fold would;
* the fitted table (what ``transform`` looks up) is the mean of the copies that trained
  each row;
* one network reads every copy, so the copies share its coordinates: nothing needs
  aligning, as the ``k`` separate fold models of ``cross_fit="refit"`` do.

Why: trees trained on in-sample vectors of ids seen a few times trust them more than
they hold on new rows (the rows' own labels shaped them); cross-fitted target encoding
wins those tables (``docs/user_guide/rare_categories.md``).

A column is crossed when it holds one category per row, reads a table of its own and
does not start from given rows (pretrained or continued); others keep one table.
Everything here is NumPy; device rows (torch tensors) are indexed on their device.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["FoldRows", "OutOfFold", "fold_ids", "out_of_fold_vectors"]


def fold_ids(splits: list, n: int) -> np.ndarray:
    """The fold of each of ``n`` rows: the test fold of ``splits`` that holds it.

    ``splits`` (``(train, test)`` pairs) must partition the rows
    (:func:`skembed._cross_fit.check_partition`).
    """
    folds = np.empty(n, dtype=np.int64)
    for j, (_, test_idx) in enumerate(splits):
        folds[np.asarray(test_idx)] = j
    return folds


@dataclass
class FoldRows:
    """How the training rows and tables of one fit are crossed over folds.

    Attributes
    ----------
    folds : ndarray of shape (n,), int64
        Fold of each training row, ``0 <= folds < n_folds``.
    n_folds : int
    crossed : list of bool
        Per column (all columns, in order): whether its table is crossed.
    sizes : list of int
        Per column, the rows of its table (one copy).
    """

    folds: np.ndarray
    n_folds: int
    crossed: list
    sizes: list

    @property
    def repeats(self) -> int:
        """How many times each training row is trained per epoch."""
        return self.n_folds - 1

    def table_sizes(self) -> list[int]:
        """Rows of each column's table in the network: ``n_folds`` copies when crossed."""
        return [s * self.n_folds if c else s for s, c in zip(self.sizes, self.crossed)]

    def copies(self) -> np.ndarray:
        """Copy of each repeated row, ``(repeats * n,)``: row ``i``'s ``r``-th repeat
        (``r = 1 .. n_folds - 1``, at position ``(r - 1) * n + i``) reads copy
        ``(folds[i] + r) % n_folds``, never its own fold's."""
        shifts = np.repeat(np.arange(1, self.n_folds, dtype=np.int64), len(self.folds))
        return (np.tile(self.folds, self.repeats) + shifts) % self.n_folds

    def expand(self, arrays: list, single: list[int]) -> list:
        """The training arrays repeated ``n_folds - 1`` times, the single columns' codes
        moved to the copy each repeat reads.

        ``arrays``: ``(rows, continuous, target, sample_weight)``, NumPy or tensors on one
        device; ``rows[:, m]`` holds the codes of column ``single[m]``.
        """
        rows, *others = arrays
        copies = self.copies()
        offsets = np.zeros((len(copies), len(single)), dtype=np.int64)
        for m, column in enumerate(single):
            if self.crossed[column]:
                offsets[:, m] = copies * self.sizes[column]
        return [_add(_tile(rows, self.repeats), offsets)] + [
            _tile(a, self.repeats) for a in others
        ]

    def replacements(self, replacements: list) -> list:
        """``unknown_rate``'s substitute rows, per copy: each copy's own unknown row."""
        out = []
        for column, replacement in enumerate(replacements):
            if not self.crossed[column]:
                out.append(replacement)
                continue
            size = self.sizes[column]
            out.append(np.concatenate([replacement + j * size for j in range(self.n_folds)]))
        return out

    def split_tables(self, tables: list, counts: list, replacements: list) -> tuple[list, list]:
        """The trained tables as fitted tables and the copies, untrained rows completed.

        A copy's row that no training row read (all of its category's rows are in that
        fold, or held out) takes that copy's substitute row (``replacements``, the unknown
        row or hash bucket), as a category a fold never saw would; the fitted table is the
        mean of the copies that trained the row (of all copies where none did).
        ``counts[i]``: how many training rows read each row of table ``i`` (its copies
        one after the other).

        Returns ``(means, copies)``: per column, ``(size, dim)``, and for a crossed column
        its ``(n_folds, size, dim)`` copies (None otherwise).
        """
        means, copies = [], []
        for column, table in enumerate(tables):
            if not self.crossed[column]:
                means.append(table)
                copies.append(None)
                continue
            size, k = self.sizes[column], self.n_folds
            stacked = table.reshape(k, size, table.shape[1]).copy()
            trained = np.asarray(counts[column]).reshape(k, size) > 0
            substitute = np.asarray(replacements[column][:size])
            for j in range(k):
                stacked[j, ~trained[j]] = stacked[j, substitute[~trained[j]]]
            weight = np.where(trained.any(axis=0), trained, True).astype(np.float64)
            mean = np.einsum("js,jsd->sd", weight, stacked) / weight.sum(axis=0)[:, None]
            means.append(mean.astype(table.dtype))
            copies.append(stacked)
        return means, copies


@dataclass
class OutOfFold:
    """``fit_transform``'s out-of-fold vectors, held between ``fit`` and the output.

    Attributes
    ----------
    rows : ndarray of int64
        Rows of X that were trained (those of weight 0 were not, and keep the fitted
        table's vectors).
    vectors : dict of int to ndarray
        Categorical column -> ``(len(rows), dim)`` vectors, each row's from its own fold's
        copy.
    """

    rows: np.ndarray
    vectors: dict


def out_of_fold_vectors(copies: list, fold_rows: FoldRows, value_rows: list) -> dict:
    """Per crossed column, each training row's vector from its own fold's copy.

    ``copies[i]``: ``(n_folds, size, dim)``, in the fitted table's coordinates;
    ``value_rows[i]``: each training row's row of the table (NumPy or a tensor).
    """
    vectors = {}
    for i, stacked in enumerate(copies):
        if stacked is not None:
            codes = _host(value_rows[i])
            vectors[i] = stacked[fold_rows.folds, codes]
    return vectors


def _host(values) -> np.ndarray:
    """NumPy int64 codes from NumPy or a torch tensor."""
    if isinstance(values, np.ndarray):
        return values.astype(np.int64, copy=False)
    return values.detach().to("cpu").numpy().astype(np.int64, copy=False)


def _tile(values, repeats: int):
    """``values`` stacked ``repeats`` times along the rows (NumPy or a tensor)."""
    if isinstance(values, np.ndarray):
        return np.concatenate([values] * repeats, axis=0)
    import torch

    return torch.cat([values] * repeats, dim=0)


def _add(rows, offsets: np.ndarray):
    """``rows + offsets`` where ``rows`` may live on a device."""
    if isinstance(rows, np.ndarray):
        return rows + offsets
    import torch

    return rows + torch.as_tensor(offsets, device=rows.device)
