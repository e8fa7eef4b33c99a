"""Variant A (one table per column) and variant B (one shared table per width)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from torch import Tensor, nn

# ----------------------------------------------------------------- variant A


class PerColumnEmbeddingNet(nn.Module):
    """One ``nn.Embedding`` per column: ``skembed._module.EntityEmbeddingNet`` at 4fe9897.

    Its single-column path, copied here so that the baseline stays the
    per-column network whatever ``skembed/_module.py`` becomes (the same
    arguments, initialisation, layers and forward).
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
        sparse: Sequence[bool] | None = None,
    ) -> None:
        super().__init__()
        sparse = list(sparse) if sparse is not None else [False] * len(table_sizes)
        self.embeddings = nn.ModuleList(
            nn.Embedding(size, dim, sparse=is_sparse)
            for size, dim, is_sparse in zip(table_sizes, embedding_dims, sparse)
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
        parts = [embedding(codes[:, k]) for k, embedding in enumerate(self.embeddings)]
        hidden = self.embedding_dropout(torch.cat(parts, dim=1))
        if continuous.shape[1]:
            hidden = torch.cat([hidden, continuous], dim=1)
        return self.mlp(hidden)


# ----------------------------------------------------------------- variant B


class GroupedEmbeddingNet(nn.Module):
    """``PerColumnEmbeddingNet`` with one table per (width, sparse) group of columns.

    Column ``c`` of group ``g`` owns rows ``offsets[c] : offsets[c] + table_sizes[c]``
    of group ``g``'s table. Same arguments, same function as ``PerColumnEmbeddingNet``.
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
        sparse: Sequence[bool] | None = None,
    ) -> None:
        super().__init__()
        n_cols = len(table_sizes)
        sparse = list(sparse) if sparse is not None else [False] * n_cols
        keys: list[tuple[int, bool]] = []  # groups in order of their first column
        for dim, is_sparse in zip(embedding_dims, sparse):
            if (dim, is_sparse) not in keys:
                keys.append((dim, is_sparse))
        self.groups = [
            [c for c in range(n_cols) if (embedding_dims[c], sparse[c]) == key] for key in keys
        ]
        order = [c for group in self.groups for c in group]  # columns in group order
        offsets = np.zeros(n_cols, dtype=np.int64)
        self.embeddings = nn.ModuleList()
        self.bounds: list[tuple[int, int]] = []  # each group's slice of the reordered codes
        start = 0
        for (dim, is_sparse), group in zip(keys, self.groups):
            sizes = [table_sizes[c] for c in group]
            offsets[group] = np.concatenate([[0], np.cumsum(sizes)[:-1]])
            table = nn.Embedding(int(sum(sizes)), dim, sparse=is_sparse)
            nn.init.normal_(table.weight, std=0.05)
            self.embeddings.append(table)
            self.bounds.append((start, start + len(group)))
            start += len(group)
        # codes are reordered into group order (skipped when already in it), then offset
        self.reorder_codes = order != list(range(n_cols))
        self.register_buffer("code_order", torch.as_tensor(order, dtype=torch.int64))
        self.register_buffer("offsets", torch.as_tensor(offsets[order], dtype=torch.int64))
        # features of the concatenated groups back into column order
        feature_start = np.concatenate([[0], np.cumsum([embedding_dims[c] for c in order])])
        position = {c: k for k, c in enumerate(order)}
        feature_order = [
            int(feature_start[position[c]]) + j
            for c in range(n_cols)
            for j in range(embedding_dims[c])
        ]
        self.reorder_features = feature_order != list(range(len(feature_order)))
        self.register_buffer("feature_order", torch.as_tensor(feature_order, dtype=torch.int64))
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

    @torch.no_grad()
    def copy_from(self, reference: PerColumnEmbeddingNet) -> GroupedEmbeddingNet:
        """Take ``reference``'s tables (stacked per group) and MLP: the same function."""
        for table, group in zip(self.embeddings, self.groups):
            table.weight.copy_(torch.cat([reference.embeddings[c].weight for c in group]))
        self.mlp.load_state_dict(reference.mlp.state_dict())
        return self

    def forward(self, codes: Tensor, continuous: Tensor) -> Tensor:
        if self.reorder_codes:
            codes = codes.index_select(1, self.code_order)
        codes = codes + self.offsets
        parts = [
            table(codes[:, start:stop]).flatten(1)
            for table, (start, stop) in zip(self.embeddings, self.bounds)
        ]
        hidden = parts[0] if len(parts) == 1 else torch.cat(parts, dim=1)
        if self.reorder_features:
            hidden = hidden.index_select(1, self.feature_order)
        hidden = self.embedding_dropout(hidden)
        if continuous.shape[1]:
            hidden = torch.cat([hidden, continuous], dim=1)
        return self.mlp(hidden)
