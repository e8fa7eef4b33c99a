"""What the optimiser changes: Adam on the dense parameters, SparseAdam on sparse tables.

Rows that must keep their values (frozen pretrained rows) are written back
after every step by :class:`FrozenRows`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from torch import nn

from ._module import EntityEmbeddingNet

__all__ = ["FrozenRows", "TableAwareAdam"]


class TableAwareAdam:
    """Adam for the dense parameters, SparseAdam for sparse embedding tables.

    Dense Adam reads and writes every row of every table at every step; for a
    table of a million rows that is most of the step (75 ms against 2 ms with
    sparse updates on 2 CPU cores, batch 256). No table gets weight decay.

    Parameters
    ----------
    net : EntityEmbeddingNet
        The network; its ``tables`` may be sparse.
    learning_rate : float
    weight_decay : float
        L2 penalty (``alpha``) of the network's weights, not of its tables.
    extra : tuple of nn.Module
        More modules to optimise (the self-supervised heads), with weight
        decay.

    Attributes
    ----------
    optimizers : list of torch.optim.Optimizer
        Fused (where the device has it) Adam with two parameter groups, the
        weights and the dense tables (each present only when not empty), then
        SparseAdam on the sparse tables, if any.
    """

    def __init__(
        self,
        net: EntityEmbeddingNet,
        learning_rate: float,
        weight_decay: float,
        extra: tuple[nn.Module, ...] = (),
        table_learning_rate: float | None = None,
    ) -> None:
        table_lr = learning_rate if table_learning_rate is None else table_learning_rate
        sparse = [m.weight for m in net.tables if m.sparse]
        tables = [m.weight for m in net.tables if not m.sparse]
        table_ids = {id(p) for p in sparse + tables}
        weights = [p for p in net.parameters() if id(p) not in table_ids]
        weights += [p for module in extra for p in module.parameters()]
        weights = [p for p in weights if p.requires_grad]  # not a frozen network's
        self.optimizers: list[torch.optim.Optimizer] = []
        # weight decay (alpha) applies to the network's weights, not to the tables: with
        # Adam, L2 on a row absent from the batch is a step of about lr towards zero at
        # every step, which erases rare categories (and pretrained rows) between their
        # appearances
        groups = [
            {"params": weights, "weight_decay": weight_decay},
            {"params": tables, "weight_decay": 0.0, "lr": table_lr},
        ]
        groups = [group for group in groups if group["params"]]
        if groups:
            try:  # the fused kernel: several times faster per step than the loop kernel
                self.optimizers.append(torch.optim.Adam(groups, lr=learning_rate, fused=True))
            except (RuntimeError, TypeError, ValueError):  # a device without it
                self.optimizers.append(torch.optim.Adam(groups, lr=learning_rate))
        if sparse:
            self.optimizers.append(torch.optim.SparseAdam(sparse, lr=table_lr))

    def zero_grad(self) -> None:
        """Drop every gradient (set to None)."""
        for optimizer in self.optimizers:
            optimizer.zero_grad(set_to_none=True)

    def step(self, scaler: torch.amp.GradScaler | None = None) -> None:
        """One step of every optimiser, through ``scaler`` (float16 loss scaling) if given."""
        for optimizer in self.optimizers:
            if scaler is None:
                optimizer.step()
            else:
                scaler.step(optimizer)
        if scaler is not None:
            scaler.update()


class FrozenRows:
    """Rows of the tables that keep their current values through training.

    The values are read when this is built; :meth:`restore` writes them back
    (after every optimiser step), so the network only ever sees, and the
    fitted tables hold, those values bit for bit.

    Parameters
    ----------
    net : EntityEmbeddingNet
    frozen_rows : sequence of (ndarray or None)
        Per column, the rows of its table to freeze (None or empty: none).
    """

    def __init__(self, net: EntityEmbeddingNet, frozen_rows: Sequence[np.ndarray | None]) -> None:
        # (the column's rows: a view of its table, the frozen rows, their values)
        self.frozen: list[tuple[torch.Tensor, torch.Tensor, torch.Tensor]] = []
        with torch.no_grad():
            for k, fixed in enumerate(frozen_rows):
                if fixed is None or not len(fixed):
                    continue
                rows = net.slot(k).view()
                index = torch.as_tensor(fixed, dtype=torch.int64, device=rows.device)
                self.frozen.append((rows, index, rows[index].clone()))

    def restore(self) -> None:
        """Write the frozen values back into their tables."""
        if not self.frozen:
            return
        with torch.no_grad():
            for rows, index, values in self.frozen:  # in place: the views share the tables
                rows.index_copy_(0, index, values)
