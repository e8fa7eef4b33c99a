"""The surrogate network: entity embeddings, continuous inputs, an MLP and a head."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor, nn

__all__ = ["EntityEmbeddingNet", "MaskedColumnHeads"]


class EntityEmbeddingNet(nn.Module):
    """Embeddings per categorical column, concatenated with continuous inputs, then an MLP.

    A column is either *single* (one category per row: ``nn.Embedding``) or a
    *bag* (a list of categories per row: ``nn.EmbeddingBag`` reducing the
    vectors of the list by their mean or sum). A bag table has one extra,
    last row: the padding row, which the reduction ignores.

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
        if len(table_sizes) != len(embedding_dims):
            raise ValueError("table_sizes and embedding_dims must have the same length")
        bag_modes = list(bag_modes) if bag_modes is not None else [None] * len(table_sizes)
        self.bag_modes = bag_modes
        sparse = list(sparse) if sparse is not None else [False] * len(table_sizes)
        self.embeddings = nn.ModuleList(
            nn.Embedding(size, dim, sparse=is_sparse)
            if mode is None
            else nn.EmbeddingBag(size + 1, dim, mode=mode, padding_idx=size, sparse=is_sparse)
            for size, dim, mode, is_sparse in zip(table_sizes, embedding_dims, bag_modes, sparse)
        )
        for embedding, size in zip(self.embeddings, table_sizes):
            nn.init.normal_(embedding.weight, std=0.05)
            if isinstance(embedding, nn.EmbeddingBag):
                with torch.no_grad():
                    embedding.weight[size].zero_()
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

    def forward(self, codes: Tensor, continuous: Tensor, bags: Sequence[Tensor] = ()) -> Tensor:
        parts, single, bag = [], 0, 0
        for embedding, mode in zip(self.embeddings, self.bag_modes):
            if mode is None:
                parts.append(embedding(codes[:, single]))
                single += 1
            else:
                parts.append(embedding(bags[bag]))
                bag += 1
        hidden = self.embedding_dropout(torch.cat(parts, dim=1))
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
