"""The surrogate network: entity embeddings, continuous inputs, an MLP and a head."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor, nn

__all__ = ["EntityEmbeddingNet", "MaskedColumnHeads", "TableSlot"]


@dataclass(frozen=True)
class TableSlot:
    """Where column ``k``'s embedding table lives inside the network.

    Attributes
    ----------
    weight : nn.Parameter
        The (possibly shared) table holding the column's rows.
    offset : int
        First row of the column in ``weight``.
    rows : int
        Rows of the column's table (a bag table's padding row included).
    sparse : bool
        Whether ``weight`` gets sparse gradients.
    """

    weight: nn.Parameter
    offset: int
    rows: int
    sparse: bool

    def view(self) -> Tensor:
        """The column's rows of ``weight`` (a differentiable view)."""
        return self.weight[self.offset : self.offset + self.rows]


class EntityEmbeddingNet(nn.Module):
    """Embeddings per categorical column, concatenated with continuous inputs, then an MLP.

    A column is either *single* (one category per row) or a *bag* (a list of
    categories per row: ``nn.EmbeddingBag`` reducing the vectors of the list by
    their mean or sum). A bag table has one extra, last row: the padding row,
    which the reduction ignores.

    Single columns of the same width and gradient kind (dense or sparse) share
    one ``nn.Embedding`` whose rows are their tables stacked: the codes of a
    batch get per-column row offsets and the whole group is one lookup, instead
    of one lookup (and one backward kernel, and one optimiser tensor) per
    column. ``benchmarks/fused_tables.py`` measured the gain per training step
    on the CPU at batch 128: 1.42x with 26 small columns, 1.35x on a
    Criteo-like shape, level with 4 columns or at batch 4096 (a GPU, where
    each kernel launch costs more, is not measured yet). The concatenated
    vectors are put back in column order, so the network computes the same
    function, from the same initial values, as one table per column.
    :meth:`slot` says where a column's table lives.

    Parameters
    ----------
    table_sizes : sequence of int
        Number of rows of each column's embedding table (categories plus the
        unknown and missing rows).
    embedding_dims : sequence of int
        Width of each column's embedding; same length as ``table_sizes``.
    n_continuous : int
        Number of (standardized) continuous inputs.
    hidden_layer_sizes : sequence of int
        Width of each hidden layer. Each is ``Linear -> BatchNorm1d -> ReLU ->
        Dropout``. An empty sequence gives a linear model on the embeddings.
    n_outputs : int
        Width of the task head (1 for binary / single-target regression,
        the number of classes for multiclass).
    dropout : float
        Dropout after each hidden layer.
    embedding_dropout : float
        Dropout on the concatenated embedding vectors.
    bag_modes : sequence of {None, "mean", "sum"}, optional
        Per column: None for a single column, else the bag reduction. All
        single by default.
    sparse : sequence of bool, optional
        Per column: whether the table's gradient is sparse (only the rows of
        the batch), for large tables. Dense by default.

    Shape
    -----
    - codes: ``(batch, n_single)``, int64, row of each single column's table,
      in column order.
    - bags: one ``(batch, max_bag_i)`` int64 tensor per bag column, in column
      order; rows are padded with the padding row ``table_sizes[i]``.
    - continuous: ``(batch, n_continuous)``, float32.
    - output: ``(batch, n_outputs)``, float32 logits or predictions.
    """

    def __init__(
        self,
        table_sizes: Sequence[int],
        embedding_dims: Sequence[int],
        n_continuous: int,
        hidden_layer_sizes: Sequence[int],
        n_outputs: int,
        dropout: float = 0.0,
        embedding_dropout: float = 0.0,
        bag_modes: Sequence[str | None] | None = None,
        sparse: Sequence[bool] | None = None,
    ) -> None:
        super().__init__()
        n_columns = len(table_sizes)
        if len(embedding_dims) != n_columns:
            raise ValueError("table_sizes and embedding_dims must have the same length")
        bag_modes = list(bag_modes) if bag_modes is not None else [None] * n_columns
        sparse = list(sparse) if sparse is not None else [False] * n_columns
        self.bag_modes = bag_modes
        single = [k for k in range(n_columns) if bag_modes[k] is None]
        keys: list[tuple[int, bool]] = []  # groups of single columns, by first appearance
        for k in single:
            if (embedding_dims[k], sparse[k]) not in keys:
                keys.append((embedding_dims[k], sparse[k]))
        groups = [[k for k in single if (embedding_dims[k], sparse[k]) == key] for key in keys]
        self.tables = nn.ModuleList()  # the single columns' groups, then one per bag column
        self._slots: dict[int, tuple[int, int, int]] = {}  # column -> (table, offset, rows)
        position = {k: i for i, k in enumerate(single)}  # column -> its column of ``codes``
        bounds, code_order = [], []
        for (dim, is_sparse), group in zip(keys, groups):
            offset = 0
            for k in group:
                self._slots[k] = (len(self.tables), offset, table_sizes[k])
                offset += table_sizes[k]
            bounds.append((len(code_order), len(code_order) + len(group)))
            code_order += [position[k] for k in group]
            # no initialisation here: the rows are drawn per column below
            self.tables.append(
                nn.Embedding(offset, dim, sparse=is_sparse, _weight=torch.empty(offset, dim))
            )
        self._bounds = bounds
        self.register_buffer(
            "row_offsets",
            torch.as_tensor([self._slots[single[i]][1] for i in code_order], dtype=torch.int64),
            persistent=False,
        )
        self._reorder_codes = code_order != list(range(len(single)))
        self.register_buffer(
            "code_order", torch.as_tensor(code_order, dtype=torch.int64), persistent=False
        )
        # the random draws of one nn.Embedding per column, in column order: a table's
        # construction draws N(0, 1), then every table is redrawn with std 0.05
        bags = []
        for k in range(n_columns):
            if bag_modes[k] is None:
                torch.empty(table_sizes[k], embedding_dims[k]).normal_()
            else:
                size = table_sizes[k]
                bag = nn.EmbeddingBag(
                    size + 1, embedding_dims[k], mode=bag_modes[k], padding_idx=size,
                    sparse=sparse[k],
                )  # fmt: skip
                bags.append((k, bag))
        for k, bag in bags:
            self._slots[k] = (len(self.tables), 0, table_sizes[k] + 1)
            self.tables.append(bag)
        with torch.no_grad():
            for k in range(n_columns):
                view = self.slot(k).view()
                nn.init.normal_(view, std=0.05)
                if bag_modes[k] is not None:
                    view[table_sizes[k]].zero_()
        # the lookups' outputs (groups, then bags) back into column order
        produced = [k for group in groups for k in group] + [k for k, _ in bags]
        start = np.concatenate([[0], np.cumsum([embedding_dims[k] for k in produced])])
        at = {k: i for i, k in enumerate(produced)}
        feature_order = [
            int(start[at[k]]) + j for k in range(n_columns) for j in range(embedding_dims[k])
        ]
        self._reorder_features = feature_order != list(range(len(feature_order)))
        self.register_buffer(
            "feature_order", torch.as_tensor(feature_order, dtype=torch.int64), persistent=False
        )
        self.embedding_dropout = nn.Dropout(embedding_dropout)
        layers: list[nn.Module] = []
        width = sum(embedding_dims) + n_continuous
        for size in hidden_layer_sizes:
            layers += [nn.Linear(width, size), nn.BatchNorm1d(size), nn.ReLU()]
            if dropout > 0:
                layers.append(nn.Dropout(dropout))
            width = size
        layers.append(nn.Linear(width, n_outputs))
        self.mlp = nn.Sequential(*layers)

    def slot(self, column: int) -> TableSlot:
        """Where column ``column``'s table lives: its parameter, first row, rows, sparsity."""
        table, offset, rows = self._slots[column]
        module = self.tables[table]
        return TableSlot(module.weight, offset, rows, bool(module.sparse))

    def forward(self, codes: Tensor, continuous: Tensor, bags: Sequence[Tensor] = ()) -> Tensor:
        parts = []
        if self._bounds:
            if self._reorder_codes:
                codes = codes.index_select(1, self.code_order)
            codes = codes + self.row_offsets
            for (start, stop), table in zip(self._bounds, self.tables):
                parts.append(table(codes[:, start:stop]).flatten(1))
        for k, bag in enumerate(bags):
            parts.append(self.tables[len(self._bounds) + k](bag))
        hidden = parts[0] if len(parts) == 1 else torch.cat(parts, dim=1)
        if self._reorder_features:
            hidden = hidden.index_select(1, self.feature_order)
        hidden = self.embedding_dropout(hidden)
        if continuous.shape[1]:
            hidden = torch.cat([hidden, continuous], dim=1)
        return self.mlp(hidden)


class MaskedColumnHeads(nn.Module):
    """Projections for self-supervised training: predict a masked column from the others.

    For target column ``t``, the network's output of a row whose value of ``t``
    was masked is projected to ``embedding_dims[t]`` dimensions and scored
    against the rows of ``t``'s own embedding table (the input table is also
    the output table), by a softmax over the table or by negative sampling.

    Parameters
    ----------
    width : int
        Width of the network's output.
    embedding_dims : sequence of int
        Width of each target column's table.

    Shape
    -----
    - hidden: ``(batch, width)``; ``forward(hidden, t)`` -> ``(batch, embedding_dims[t])``.
    """

    def __init__(self, width: int, embedding_dims: Sequence[int]) -> None:
        super().__init__()
        self.projections = nn.ModuleList(nn.Linear(width, dim) for dim in embedding_dims)

    def forward(self, hidden: Tensor, target: int) -> Tensor:
        return self.projections[target](hidden)
