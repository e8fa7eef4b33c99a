"""The network's embedding tables as modules, and where a column's rows are in them.

:class:`FlatTable` holds every dense single column's table in one 1-D
parameter: a batch's vectors of all of them are one gather, and its backward
one scatter-add, instead of a lookup, a backward kernel and an optimiser
tensor per shared table, then a concatenation and a reordering
(``benchmarks/speed/flat_tables.py`` measures the step). Sparse single columns
share ``nn.Embedding`` tables by width (a sparse gradient needs one), bag
columns have an ``nn.EmbeddingBag`` each. :class:`TableSlot` says where a
column's rows are, whichever kind holds them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ._table_layout import TableLayout

__all__ = ["FlatTable", "TableSlot", "uninitialised_tables"]


@dataclass(frozen=True)
class TableSlot:
    """Where column ``k``'s embedding table lives inside the network.

    Attributes
    ----------
    weight : nn.Parameter
        The (possibly shared) table holding the column's rows: 1-D for the
        flat table, else ``(rows, width)``.
    offset : int
        Where the column starts in ``weight``: its first element in the flat
        table, else its first row.
    rows : int
        Rows of the column's table (a bag table's padding row included).
    sparse : bool
        Whether ``weight`` gets sparse gradients.
    dim : int
        Width of the column's rows.
    """

    weight: nn.Parameter
    offset: int
    rows: int
    sparse: bool
    dim: int

    def view(self) -> Tensor:
        """The column's rows of ``weight``, ``(rows, dim)`` (a differentiable view)."""
        if self.weight.dim() == 1:
            return self.weight[self.offset : self.offset + self.rows * self.dim].view(
                self.rows, self.dim
            )
        return self.weight[self.offset : self.offset + self.rows]

    def lookup(self, rows: Tensor) -> Tensor:
        """The vectors of rows ``rows`` of the column's table (any shape; one more axis, dim).

        A sparse table is looked up whole, at the column's offset: its
        gradient must be one of the whole parameter.
        """
        if self.weight.dim() == 1:
            return F.embedding(rows, self.view())
        return F.embedding(rows + self.offset, self.weight, sparse=self.sparse)


class FlatTable(nn.Module):
    """The tables of the dense single columns, one after the other in one 1-D parameter.

    Parameters
    ----------
    size : int
        Elements of all the tables together (rows times width, summed).

    Attributes
    ----------
    weight : nn.Parameter
        ``(size,)``, uninitialised: the network draws it column by column.
    sparse : bool
        Always False (the optimiser asks every table).

    Shape
    -----
    - index: ``(batch, features)``, int64, the element of each feature of each row.
    - output: ``(batch, features)``.
    """

    sparse = False

    def __init__(self, size: int) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.empty(size))

    def forward(self, index: Tensor) -> Tensor:
        return self.weight[index]

    def extra_repr(self) -> str:
        return f"size={self.weight.numel()}"


def uninitialised_tables(
    layout: TableLayout,
    table_sizes: Sequence[int],
    embedding_dims: Sequence[int],
    bag_modes: Sequence[str | None],
    sparse: Sequence[bool],
) -> nn.ModuleList:
    """The layout's tables (flat, shared sparse ones, one per bag column), rows undrawn.

    Nothing is drawn here: :meth:`EntityEmbeddingNet.reset_parameters` draws
    the rows, column by column.
    """
    tables = nn.ModuleList()
    if layout.flat:
        tables.append(FlatTable(layout.flat_size))
    for group, dim in enumerate(layout.group_dims):
        rows = layout.group_rows(group)
        tables.append(nn.Embedding(rows, dim, sparse=True, _weight=torch.empty(rows, dim)))
    for k in layout.bag_columns:
        if k not in layout.owners:  # it reads another bag column's table
            continue
        size, dim = table_sizes[k], embedding_dims[k]
        tables.append(
            nn.EmbeddingBag(
                size + 1, dim, mode=bag_modes[k], padding_idx=size, sparse=sparse[k],
                _weight=torch.empty(size + 1, dim),
            )
        )  # fmt: skip
    return tables
