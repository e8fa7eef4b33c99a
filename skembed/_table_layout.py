"""Where each column's embedding table lives in the network: shared tables and orders.

Single columns (one category per row) of the same width and gradient kind
(dense or sparse) share one table whose rows are their tables stacked; each
bag column (a list of categories per row) has a table of its own. This
module computes that layout, and the orders that put a batch's codes into the
shared tables and the looked-up vectors back into column order, from the
columns' sizes alone: plain Python, no tensors.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["TableLayout"]


@dataclass(frozen=True)
class TableLayout:
    """The tables of a network and where every column's rows are in them.

    Tables are numbered as the network holds them: the shared tables of the
    single columns, in the order of their first column, then one table per
    bag column, in column order.

    Attributes
    ----------
    owners : list of int
        Columns with rows of their own (not reading another column's).
    bag_tables : list of int
        Per bag column, in column order, the table it reads.
    groups : list of list of int
        Single columns sharing each shared table, in column order.
    group_dims : list of int
        Width of each shared table.
    group_sparse : list of bool
        Whether each shared table gets sparse gradients.
    bag_columns : list of int
        The bag columns, in column order; after the shared tables, one table
        per bag column that reads no other's (``bag_tables``).
    slots : dict of int to (int, int, int)
        Column -> ``(table, first row, rows)``; a bag table's rows include
        its padding row.
    code_bounds : list of (int, int)
        Per shared table, the slice of the reordered codes it looks up.
    code_order : list of int
        Columns of the codes (single columns in column order) taken in the
        order of the shared tables.
    row_offsets : list of int
        Per reordered code column, the first row of its column in its table.
    feature_order : list of int
        Position, among the looked-up vectors concatenated table by table,
        of each embedding feature in column order.
    """

    owners: list[int]
    bag_tables: list[int]
    groups: list[list[int]]
    group_dims: list[int]
    group_sparse: list[bool]
    bag_columns: list[int]
    slots: dict[int, tuple[int, int, int]]
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
        keys: list[tuple[int, bool]] = []  # shared tables, by first appearance
        for k in single:
            if (embedding_dims[k], sparse[k]) not in keys:
                keys.append((embedding_dims[k], sparse[k]))
        groups = [[k for k in single if (embedding_dims[k], sparse[k]) == key] for key in keys]
        position = {k: i for i, k in enumerate(single)}  # column -> its column of the codes
        slots: dict[int, tuple[int, int, int]] = {}
        code_bounds, code_order = [], []
        for table, group in enumerate(groups):
            offset = 0
            for k in group:
                if shares[k] is not None:  # the rows of the column it shares a table with
                    slots[k] = slots[shares[k]]
                    continue
                slots[k] = (table, offset, table_sizes[k])
                offset += table_sizes[k]
            code_bounds.append((len(code_order), len(code_order) + len(group)))
            code_order += [position[k] for k in group]
        bag_columns = [k for k in range(n_columns) if bag_modes[k] is not None]
        bag_tables, n_tables = [], len(groups)
        for k in bag_columns:
            if shares[k] is not None:  # the table of the bag column it shares with
                slots[k] = slots[shares[k]]
            else:
                slots[k] = (n_tables, 0, table_sizes[k] + 1)
                n_tables += 1
            bag_tables.append(slots[k][0])
        produced = [k for group in groups for k in group] + bag_columns
        return cls(
            owners=[k for k in range(n_columns) if shares[k] is None],
            bag_tables=bag_tables,
            groups=groups,
            group_dims=[dim for dim, _ in keys],
            group_sparse=[is_sparse for _, is_sparse in keys],
            bag_columns=bag_columns,
            slots=slots,
            code_bounds=code_bounds,
            code_order=code_order,
            row_offsets=[slots[single[i]][1] for i in code_order],
            feature_order=_feature_order(produced, embedding_dims),
        )

    def group_rows(self, table: int) -> int:
        """Rows of shared table ``table``: the rows of its columns, stacked."""
        return sum(self.slots[k][2] for k in self.groups[table] if k in self.owners)

    @property
    def reorders_codes(self) -> bool:
        """Whether the shared tables take the code columns out of column order."""
        return self.code_order != list(range(len(self.code_order)))

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
