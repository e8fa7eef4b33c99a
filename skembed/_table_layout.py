"""Where each column's embedding table lives in the network: the flat table, groups, orders.

Single columns (one category per row) with dense gradients all live in one
flat table: a 1-D parameter holding their tables, row-major, one after the
other, whatever their widths, so that a batch's vectors of all of them are one
gather. Single columns with sparse gradients (``sparse_threshold``) of the same
width share one 2-D table whose rows are their tables stacked (a sparse
gradient needs an ``nn.Embedding``); each bag column (a list of categories per
row) has a table of its own. This module computes that layout, and the orders
that put a batch's codes into the tables and the looked-up vectors back into
column order, from the columns' sizes alone: plain Python, no tensors.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["TableLayout"]


@dataclass(frozen=True)
class TableLayout:
    """The tables of a network and where every column's rows are in them.

    Tables are numbered as the network holds them: the flat table of the
    dense single columns (when there is one), then the shared tables of the
    sparse single columns, in the order of their first column, then one table
    per bag column, in column order.

    Attributes
    ----------
    owners : list of int
        Columns with rows of their own (not reading another column's).
    flat : list of int
        The dense single columns, in column order: they live in the flat table.
    flat_size : int
        Elements of the flat table (0 without dense single columns).
    flat_codes : list of int
        Per embedding feature of the flat columns (columns in column order,
        then the features of each), its column's position among the codes.
    flat_strides : list of int
        Per flat feature, its column's width: a code's step in the flat table.
    flat_bases : list of int
        Per flat feature, where its column's row 0 has it in the flat table.
    bag_tables : list of int
        Per bag column, in column order, the table it reads.
    groups : list of list of int
        Sparse single columns sharing each shared table, in column order.
    group_dims : list of int
        Width of each shared table.
    bag_columns : list of int
        The bag columns, in column order; after the shared tables, one table
        per bag column that reads no other's (``bag_tables``).
    slots : dict of int to (int, int, int)
        Column -> ``(table, first row, rows)``; in the flat table, the first
        *element* instead of the first row; a bag table's rows include its
        padding row.
    n_single : int
        Single columns: the columns of the codes.
    code_bounds : list of (int, int)
        Per shared table, the slice of the reordered codes it looks up.
    code_order : list of int
        Columns of the codes of the sparse single columns, in the order of the
        shared tables.
    row_offsets : list of int
        Per reordered code column, the first row of its column in its table.
    feature_order : list of int
        Position, among the looked-up vectors (the flat table's, then the
        shared tables', then the bags'), of each embedding feature in column
        order.
    """

    owners: list[int]
    flat: list[int]
    flat_size: int
    flat_codes: list[int]
    flat_strides: list[int]
    flat_bases: list[int]
    bag_tables: list[int]
    groups: list[list[int]]
    group_dims: list[int]
    bag_columns: list[int]
    slots: dict[int, tuple[int, int, int]]
    n_single: int
    code_bounds: list[tuple[int, int]]
    code_order: list[int]
    row_offsets: list[int]
    feature_order: list[int]

    @classmethod
    def build(
        cls,
        table_sizes: Sequence[int],
        embedding_dims: Sequence[int],
        bag_modes: Sequence[str | None],
        sparse: Sequence[bool],
        shares: Sequence[int | None] | None = None,
    ) -> TableLayout:
        """The layout of columns with these table sizes, widths, bag modes and sparsity.

        ``shares[k]`` (``shared_embeddings``): an earlier column of the same kind
        (single or bag), size and width whose rows column ``k`` reads, instead of
        rows of its own.
        """
        shares = list(shares) if shares is not None else [None] * len(table_sizes)
        n_columns = len(table_sizes)
        single = [k for k in range(n_columns) if bag_modes[k] is None]
        position = {k: i for i, k in enumerate(single)}  # column -> its column of the codes
        slots: dict[int, tuple[int, int, int]] = {}
        flat = [k for k in single if not sparse[k]]
        size = 0
        for k in flat:
            if shares[k] is not None:  # the rows of the column it shares a table with
                slots[k] = slots[shares[k]]
                continue
            slots[k] = (0, size, table_sizes[k])
            size += table_sizes[k] * embedding_dims[k]
        flat_codes, flat_strides, flat_bases = [], [], []
        for k in flat:
            dim = embedding_dims[k]
            flat_codes += [position[k]] * dim
            flat_strides += [dim] * dim
            flat_bases += [slots[k][1] + j for j in range(dim)]
        dims = []  # shared tables of the sparse single columns, by first appearance
        for k in single:
            if sparse[k] and embedding_dims[k] not in dims:
                dims.append(embedding_dims[k])
        groups = [[k for k in single if sparse[k] and embedding_dims[k] == d] for d in dims]
        first = 1 if flat else 0  # the flat table comes first
        code_bounds, code_order = [], []
        for table, group in enumerate(groups, start=first):
            offset = 0
            for k in group:
                if shares[k] is not None:
                    slots[k] = slots[shares[k]]
                    continue
                slots[k] = (table, offset, table_sizes[k])
                offset += table_sizes[k]
            code_bounds.append((len(code_order), len(code_order) + len(group)))
            code_order += [position[k] for k in group]
        bag_columns = [k for k in range(n_columns) if bag_modes[k] is not None]
        bag_tables, n_tables = [], first + len(groups)
        for k in bag_columns:
            if shares[k] is not None:  # the table of the bag column it shares with
                slots[k] = slots[shares[k]]
            else:
                slots[k] = (n_tables, 0, table_sizes[k] + 1)
                n_tables += 1
            bag_tables.append(slots[k][0])
        produced = flat + [k for group in groups for k in group] + bag_columns
        return cls(
            owners=[k for k in range(n_columns) if shares[k] is None],
            flat=flat,
            flat_size=size,
            flat_codes=flat_codes,
            flat_strides=flat_strides,
            flat_bases=flat_bases,
            bag_tables=bag_tables,
            groups=groups,
            group_dims=dims,
            bag_columns=bag_columns,
            slots=slots,
            n_single=len(single),
            code_bounds=code_bounds,
            code_order=code_order,
            row_offsets=[slots[single[i]][1] for i in code_order],
            feature_order=_feature_order(produced, embedding_dims),
        )

    def group_rows(self, group: int) -> int:
        """Rows of shared table ``group`` (counted among the groups): its columns' rows."""
        return sum(self.slots[k][2] for k in self.groups[group] if k in self.owners)

    @property
    def reorders_codes(self) -> bool:
        """Whether the shared tables take other code columns than all, in order."""
        return self.code_order != list(range(self.n_single))

    @property
    def reorders_features(self) -> bool:
        """Whether the looked-up vectors come out of column order."""
        return self.feature_order != list(range(len(self.feature_order)))


def _feature_order(produced: list[int], embedding_dims: Sequence[int]) -> list[int]:
    """Where each feature, in column order, is among the vectors of the ``produced`` columns."""
    start, at = 0, {}
    for k in produced:
        at[k] = start
        start += embedding_dims[k]
    return [at[k] + j for k in range(len(embedding_dims)) for j in range(embedding_dims[k])]
