"""The surrogate network: entity embeddings, continuous inputs, an MLP and a head."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor, nn

__all__ = ["EntityEmbeddingNet"]


class EntityEmbeddingNet(nn.Module):
    """Embeddings per categorical column, concatenated with continuous inputs, then an MLP.

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

    Shape
    -----
    - codes: ``(batch, len(table_sizes))``, int64, row of each column's table.
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
    ) -> None:
        super().__init__()
        if len(table_sizes) != len(embedding_dims):
            raise ValueError("table_sizes and embedding_dims must have the same length")
        self.embeddings = nn.ModuleList(
            nn.Embedding(size, dim) for size, dim in zip(table_sizes, embedding_dims)
        )
        for embedding in self.embeddings:
            nn.init.normal_(embedding.weight, std=0.05)
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

    def forward(self, codes: Tensor, continuous: Tensor) -> Tensor:
        parts = [embedding(codes[:, i]) for i, embedding in enumerate(self.embeddings)]
        hidden = self.embedding_dropout(torch.cat(parts, dim=1))
        if continuous.shape[1]:
            hidden = torch.cat([hidden, continuous], dim=1)
        return self.mlp(hidden)
