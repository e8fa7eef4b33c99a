"""The surrogate network: entity embeddings, continuous inputs, an MLP and a head."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from torch import Tensor, nn

from ._layers import GeneratorDropout, init_linear_
from ._net_tables import TableSlot, uninitialised_tables
from ._table_layout import TableLayout

__all__ = ["EntityEmbeddingNet", "MaskedColumnHeads", "TableSlot"]


class EntityEmbeddingNet(nn.Module):
    """Embeddings per categorical column, concatenated with continuous inputs, then an MLP.

    A column is either *single* (one category per row) or a *bag* (a list of
    categories per row: ``nn.EmbeddingBag`` reducing the vectors of the list by
    their mean or sum). A bag table has one extra, last row: the padding row,
    which the reduction ignores.

    The tables of the single columns with dense gradients live one after the
    other in one 1-D parameter (:class:`~skembed._net_tables.FlatTable`): a
    batch's vectors of all of them are one gather, already in column order,
    whatever their widths. Sparse single columns of the same width share one
    ``nn.Embedding`` whose rows are their tables stacked (the codes of a batch
    get per-column row offsets and the group is one lookup). Earlier designs,
    one table per column and then one per width, measured the gain of fusing
    lookups per training step on the CPU at batch 128
    (``benchmarks/studies/fused_tables/``: 1.42x with 26 small columns); the flat
    table is measured against tables per width by
    ``benchmarks/speed/flat_tables.py``. The vectors are put back in column
    order, so the network computes the same function, from the same initial
    values, as one table per column. :meth:`slot` says where a column's table
    lives; ``layout`` (a :class:`~skembed._table_layout.TableLayout`) holds the
    whole arrangement.

    The initial values are those of the earlier design, one ``nn.Embedding``
    per column, for the same state of torch's generator: the constructor
    replays that design's discarded draws (:func:`_discard_per_column_draws`)
    and then calls :meth:`reset_parameters`.

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
    - bags: one :class:`~skembed._bags.BagRows` per bag column, in column
      order: each row's table rows, ragged (no padding).
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
        generator: torch.Generator | None = None,
        linear_path: bool = False,
        table_init_std: float = 0.005,
        shares: Sequence[int | None] | None = None,
    ) -> None:
        super().__init__()
        n_columns = len(table_sizes)
        if len(embedding_dims) != n_columns:
            raise ValueError("table_sizes and embedding_dims must have the same length")
        bag_modes = list(bag_modes) if bag_modes is not None else [None] * n_columns
        sparse = list(sparse) if sparse is not None else [False] * n_columns
        self.bag_modes = bag_modes
        self.table_sizes = list(table_sizes)
        layout = TableLayout.build(table_sizes, embedding_dims, bag_modes, sparse, shares)
        self.layout = layout
        self.table_init_std = float(table_init_std)
        self.tables = uninitialised_tables(layout, table_sizes, embedding_dims, bag_modes, sparse)
        self.embedding_dims = list(embedding_dims)
        self._reorder_codes = layout.reorders_codes
        self._reorder_features = layout.reorders_features
        self._first_group = 1 if layout.flat else 0  # the flat table comes first
        for name, values in [
            ("flat_codes", layout.flat_codes),
            ("flat_strides", layout.flat_strides),
            ("flat_bases", layout.flat_bases),
            ("row_offsets", layout.row_offsets),
            ("code_order", layout.code_order),
            ("feature_order", layout.feature_order),
        ]:
            self.register_buffer(
                name, torch.as_tensor(values, dtype=torch.int64), persistent=False
            )
        _discard_per_column_draws(table_sizes, embedding_dims, bag_modes, generator)
        self.embedding_dropout = GeneratorDropout(embedding_dropout)
        self.mlp = _uninitialised_mlp(
            sum(embedding_dims) + n_continuous, hidden_layer_sizes, n_outputs, dropout
        )
        # the wide part: output += W @ embeddings, from zero (it draws nothing), so that each
        # column's main effect is a direction of its table that a linear map can read
        self.linear_path = None
        self.additive = False  # the output is the linear path's alone (_schedule)
        if linear_path:
            width = sum(embedding_dims)  # built without drawing (the global generator)
            self.linear_path = nn.utils.skip_init(nn.Linear, width, n_outputs, bias=False)
            nn.init.zeros_(self.linear_path.weight)
        self.reset_parameters(generator)

    def reset_parameters(self, generator: torch.Generator | None = None) -> None:
        """Draw every parameter anew: the tables, then the MLP's layers.

        Each column's rows, in column order, are drawn from N(0, 0.05²) (a
        bag table's padding row is then zero); then each linear layer of the
        MLP, in order, draws as ``nn.Linear`` does at construction, and the
        batch normalisations start afresh. In the constructor this comes after
        :func:`_discard_per_column_draws`, which together give the random
        streams of one ``nn.Embedding`` per column. Draws come from ``generator``
        (torch's global generator when None).
        """
        with torch.no_grad():
            for k, size in enumerate(self.table_sizes):
                view = self.slot(k).view()
                nn.init.normal_(view, std=self.table_init_std, generator=generator)
                if self.bag_modes[k] is not None:
                    view[size].zero_()
        for layer in self.mlp:
            if isinstance(layer, nn.Linear):
                init_linear_(layer, generator)
            elif isinstance(layer, nn.BatchNorm1d):
                layer.reset_parameters()

    def use_generator(self, generator: torch.Generator | None) -> None:
        """Draw the dropout masks of training from ``generator`` (a fit's own)."""
        for module in self.modules():
            if isinstance(module, GeneratorDropout):
                module.generator = generator

    def load_initial_tables(self, initial_tables: Sequence[np.ndarray | None]) -> None:
        """Copy starting values (pretrained columns) into the columns' tables.

        ``initial_tables[k]`` is None (column ``k`` keeps its drawn rows) or a
        float32 array of shape ``(table_sizes[k], embedding_dims[k])``; a bag
        table keeps its zero padding row.
        """
        with torch.no_grad():
            for k, initial in enumerate(initial_tables):
                if initial is not None:
                    self.slot(k).view()[: len(initial)].copy_(torch.from_numpy(initial))

    def slot(self, column: int) -> TableSlot:
        """Where column ``column``'s table lives: its parameter, first row, rows, sparsity."""
        table, offset, rows = self.layout.slots[column]
        module = self.tables[table]
        dim = self.embedding_dims[column]
        return TableSlot(module.weight, offset, rows, bool(module.sparse), dim)

    def forward(self, codes: Tensor, continuous: Tensor, bags: Sequence[Tensor] = ()) -> Tensor:
        """The network's output for a batch (:meth:`outputs` without the penalty)."""
        return self.outputs(codes, continuous, bags)[0]

    def set_row_penalties(self, penalties: Sequence[Tensor | None]) -> None:
        """Per column, each table row's penalty per appearance (:mod:`skembed._shrinkage`).

        ``penalties[k]``: ``(table_sizes[k],)`` or None (no penalty: bags). A column
        reading another's table (``shared_embeddings``) is penalised by that column's.
        """
        first, device = self._first_group, self.flat_codes.device
        flat = torch.zeros(self.layout.flat_size, device=device)
        groups = [
            torch.zeros(self.tables[first + g].weight.shape[0], device=device)
            for g in range(len(self.layout.groups))
        ]
        for k, penalty in enumerate(penalties):
            if penalty is None or k not in self.layout.owners or self.bag_modes[k] is not None:
                continue
            table, offset, rows = self.layout.slots[k]
            if k in self.layout.flat:
                values = penalty.to(device).repeat_interleave(self.embedding_dims[k])
                flat[offset : offset + len(values)] = values
            else:
                groups[table - first][offset : offset + rows] = penalty.to(device)
        self.register_buffer("flat_penalty", flat, persistent=False)
        for g, values in enumerate(groups):
            self.register_buffer(f"group_penalty_{g}", values, persistent=False)
        self.penalised = True

    def outputs(
        self, codes: Tensor, continuous: Tensor, bags: Sequence[Tensor] = (), penalise=False
    ) -> tuple[Tensor, Tensor | None]:
        """The network's output for a batch, and each row's penalty on its vectors.

        The penalty (``penalise`` and :meth:`set_row_penalties` called, else None) is,
        per row, the sum over its single columns of the row penalty of its category
        times the squared norm of its vector.

        Parameters
        ----------
        codes : Tensor
            Row of each single column's table, in column order.
        continuous : Tensor
            Standardized continuous inputs.
        bags : sequence of Tensor
            Rows of each bag column's table, ragged (:class:`~skembed._bags.BagRows`).
        penalise : bool
            Compute the penalty.

        Shape
        -----
        - codes: ``(batch, n_single)``, int64.
        - continuous: ``(batch, n_continuous)``, float32.
        - bags: one :class:`~skembed._bags.BagRows` per bag column (``batch`` rows).
        - output: ``(batch, n_outputs)``, logits or predictions; penalty ``(batch,)``.
        """
        parts, penalty = [], None
        penalise = penalise and getattr(self, "penalised", False)
        if self.layout.flat:  # one gather: each feature's element of the flat table
            index = codes.index_select(1, self.flat_codes).mul_(self.flat_strides)
            parts.append(self.tables[0](index.add_(self.flat_bases)))
            if penalise:
                penalty = (parts[-1].square() * self.flat_penalty[index]).sum(1)
        if self.layout.groups:
            if self._reorder_codes:
                codes = codes.index_select(1, self.code_order)
            codes = codes + self.row_offsets
            tables = self.tables[self._first_group :]
            for g, ((start, stop), table) in enumerate(zip(self.layout.code_bounds, tables)):
                vectors = table(codes[:, start:stop])
                parts.append(vectors.flatten(1))
                if penalise:
                    weights = getattr(self, f"group_penalty_{g}")[codes[:, start:stop]]
                    more = (vectors.square().sum(2) * weights).sum(1)
                    penalty = more if penalty is None else penalty + more
        for k, bag in enumerate(bags):  # ragged: tokens and where each row's start
            parts.append(self.tables[self.layout.bag_tables[k]](bag.values, bag.offsets[:-1]))
        hidden = parts[0] if len(parts) == 1 else torch.cat(parts, dim=1)
        if self._reorder_features:
            hidden = hidden.index_select(1, self.feature_order)
        embedded = self.embedding_dropout(hidden)
        hidden = embedded
        if continuous.shape[1]:
            hidden = torch.cat([embedded, continuous], dim=1)
        if self.additive:  # main effects only (_schedule): the path and the head's bias
            return self.linear_path(embedded) + self.mlp[-1].bias, penalty
        if self.linear_path is None:
            return self.mlp(hidden), penalty
        return self.mlp(hidden) + self.linear_path(embedded), penalty

    def freeze_network(self) -> None:
        """Train the tables only: the MLP and linear path keep their weights, and batch
        normalisation its running statistics (it stays in eval mode)."""
        self.network_frozen = True
        for name, parameter in self.named_parameters():
            if not name.startswith("tables."):
                parameter.requires_grad_(False)
        self.train(self.training)

    def train(self, mode: bool = True) -> EntityEmbeddingNet:
        """As :meth:`nn.Module.train`; batch normalisation stays in eval mode when frozen."""
        super().train(mode)
        if getattr(self, "network_frozen", False):
            for module in self.mlp:
                if isinstance(module, nn.BatchNorm1d):
                    module.eval()
        return self

    def linear_weights(self) -> np.ndarray | None:
        """The linear path's weights as float32 NumPy, or None without one.

        Shape ``(n_outputs, sum(embedding_dims))``: columns in column order.
        """
        if self.linear_path is None:
            return None
        return self.linear_path.weight.detach().to("cpu", torch.float32).numpy().copy()


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

    def __init__(
        self, width: int, embedding_dims: Sequence[int], generator: torch.Generator | None = None
    ) -> None:
        super().__init__()
        self.projections = nn.ModuleList(
            nn.utils.skip_init(nn.Linear, width, dim) for dim in embedding_dims
        )
        for projection in self.projections:
            init_linear_(projection, generator)

    def forward(self, hidden: Tensor, target: int) -> Tensor:
        """Project the network's output for target column ``target``.

        Shape
        -----
        - hidden: ``(batch, width)``.
        - output: ``(batch, embedding_dims[target])``.
        """
        return self.projections[target](hidden)


def _discard_per_column_draws(
    table_sizes: Sequence[int],
    embedding_dims: Sequence[int],
    bag_modes: Sequence[str | None],
    generator: torch.Generator | None = None,
) -> None:
    """Draw, and throw away, what one ``nn.Embedding`` per column drew at construction.

    An earlier design built one ``nn.Embedding`` (or, for a bag column, one
    ``nn.EmbeddingBag`` with a padding row) per column, in column order; each
    drew its rows from N(0, 1) and was then drawn again with std 0.05. The
    shared tables are built without drawing, so this consumes the same
    numbers from torch's global generator, in the same order, for every
    table and every network initialisation after it to be what it was: the
    fitted tables of a given ``random_state`` do not change.
    """
    for size, dim, mode in zip(table_sizes, embedding_dims, bag_modes):
        rows = size if mode is None else size + 1  # a bag table's padding row
        torch.empty(rows, dim).normal_(generator=generator)


def _uninitialised_mlp(
    width: int, hidden_layer_sizes: Sequence[int], n_outputs: int, dropout: float
) -> nn.Sequential:
    """``(Linear -> BatchNorm1d -> ReLU [-> Dropout])`` per hidden layer, then a Linear head.

    The linear layers are built without drawing their weights
    (:func:`torch.nn.utils.skip_init`);
    :meth:`EntityEmbeddingNet.reset_parameters` draws them, in order.
    """
    layers: list[nn.Module] = []
    for size in hidden_layer_sizes:
        layers += [nn.utils.skip_init(nn.Linear, width, size), nn.BatchNorm1d(size), nn.ReLU()]
        if dropout > 0:
            layers.append(GeneratorDropout(dropout))
        width = size
    layers.append(nn.utils.skip_init(nn.Linear, width, n_outputs))
    return nn.Sequential(*layers)
