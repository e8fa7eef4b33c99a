"""Per-row losses of a fit: the supervised heads and the self-supervised masked column.

A loss is called on a batch, ``loss(rows, continuous, target, bags,
generator=None)``, and returns one float32 loss per row (see
:class:`RowLoss`); the training loop weights and sums them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import torch
from torch import Tensor, nn
from torch.nn import functional as F

from ._module import EntityEmbeddingNet, MaskedColumnHeads
from ._net_tables import TableSlot

__all__ = [
    "MaskedColumnLoss",
    "RowLoss",
    "SelfSupervision",
    "SupervisedLoss",
    "held_out_loss",
    "per_sample_loss",
]

_EVAL_CHUNK = 65536


class RowLoss(Protocol):
    """The loss of each row of a batch.

    Shape
    -----
    - rows: ``(batch, n_single)``, int64 table rows of the single columns.
    - continuous: ``(batch, n_continuous)``, float32.
    - target: ``(batch,)`` int64 or ``(batch, n_outputs)`` float32 (ignored
      by the self-supervised loss).
    - bags: one :class:`~skembed._bags.BagRows` per bag column (``batch`` rows).
    - output: ``(batch,)``, the loss of each row.

    Random choices (masked columns, negatives) are drawn from ``generator``,
    or from torch's global generator when it is None.
    """

    def __call__(
        self,
        rows: Tensor,
        continuous: Tensor,
        target: Tensor,
        bags: Sequence[Tensor],
        generator: torch.Generator | None = None,
    ) -> Tensor: ...


def per_sample_loss(task: str, output: Tensor, target: Tensor) -> Tensor:
    """The loss of each row for a supervised task.

    Cross-entropy for ``"multiclass"``; binary cross-entropy on logits for
    ``"binary"`` and squared error for ``"continuous"``, each averaged over
    the outputs.

    Shape
    -----
    - output: ``(batch, n_outputs)``, logits or predictions.
    - target: ``(batch,)`` int64 class index for multiclass, else
      ``(batch, n_outputs)`` float32.
    - returns: ``(batch,)``.
    """
    if task == "multiclass":
        return F.cross_entropy(output, target, reduction="none")
    if task == "binary":
        return F.binary_cross_entropy_with_logits(output, target, reduction="none").mean(dim=1)
    return F.mse_loss(output, target, reduction="none").mean(dim=1)


class SupervisedLoss:
    """:class:`RowLoss` of the network's output against the target (:func:`per_sample_loss`).

    In training, plus each row's shrinkage penalty on its vectors
    (:meth:`EntityEmbeddingNet.set_row_penalties`); never on held-out rows.
    """

    def __init__(self, net: EntityEmbeddingNet, task: str) -> None:
        self.net = net
        self.task = task

    def __call__(
        self,
        rows: Tensor,
        continuous: Tensor,
        target: Tensor,
        bags: Sequence[Tensor],
        generator: torch.Generator | None = None,
    ) -> Tensor:
        output, penalty = self.net.outputs(rows, continuous, bags, penalise=self.net.training)
        loss = per_sample_loss(self.task, output, target)
        return loss if penalty is None else loss + penalty


@dataclass
class SelfSupervision:
    """How to train without a target: predict a masked categorical column from the others.

    Each row masks one of its single (one category per row) columns, chosen
    at random: its value is replaced by ``mask_rows[k]`` (the column's unknown
    row) and the network must recover it. Lists are per single column, in the
    order of the ``rows`` columns.

    Attributes
    ----------
    mask_rows : list of int
        Row fed in place of the masked value.
    missing_rows : list of int
        Target rows that are not predicted (missing values).
    sampling_weights : list of ndarray
        Weights of the rows as negatives (frequency ** 0.75, as in word2vec).
    negatives : int
        Negatives per row for tables larger than ``full_softmax_max_rows``;
        smaller tables use a softmax over the whole table.
    """

    mask_rows: list[int]
    missing_rows: list[int]
    sampling_weights: list[np.ndarray]
    negatives: int = 20
    full_softmax_max_rows: int = 2048


class MaskedColumnLoss:
    """:class:`RowLoss` of the self-supervised objective: recover a masked column.

    Each row masks one single column, drawn uniformly; the network's output
    for the masked row, projected by ``heads``, is scored against the
    column's own table: by a softmax over the whole table when it has at most
    ``spec.full_softmax_max_rows`` rows and dense gradients, else by negative
    sampling (``spec.negatives`` rows drawn by ``spec.sampling_weights``).
    Rows whose true value is the column's missing row have zero loss.

    Parameters
    ----------
    net : EntityEmbeddingNet
    heads : MaskedColumnHeads
        One projection per single column.
    spec : SelfSupervision
    slots : list of TableSlot
        The single columns' tables, in the order of the ``rows`` columns.
    device : torch.device
    """

    def __init__(
        self,
        net: EntityEmbeddingNet,
        heads: MaskedColumnHeads,
        spec: SelfSupervision,
        slots: list[TableSlot],
        device: torch.device,
    ) -> None:
        self.net, self.heads, self.spec, self.slots = net, heads, spec, slots
        self.columns = torch.arange(len(spec.mask_rows), device=device)
        self.mask_rows = torch.as_tensor(spec.mask_rows, device=device)
        self.missing_rows = torch.as_tensor(spec.missing_rows, device=device)
        self.sampling = [
            torch.as_tensor(w / w.sum() if w.sum() > 0 else np.ones_like(w), dtype=torch.float32,
                            device=device)
            for w in spec.sampling_weights
        ]  # fmt: skip
        self.full_softmax = [  # a softmax over a sparse table would give it a dense gradient
            slot.rows <= spec.full_softmax_max_rows and not slot.sparse for slot in slots
        ]

    def __call__(
        self,
        rows: Tensor,
        continuous: Tensor,
        target: Tensor,
        bags: Sequence[Tensor],
        generator: torch.Generator | None = None,
    ) -> Tensor:
        batch, device = rows.shape[0], rows.device
        choice = torch.randint(
            0, len(self.spec.mask_rows), (batch,), device=device, generator=generator
        )
        every = torch.arange(batch, device=device)
        truth = rows[every, self.columns[choice]]
        masked = rows.clone()
        masked[every, self.columns[choice]] = self.mask_rows[choice]
        hidden = self.net(masked, continuous, bags)
        loss = torch.zeros(batch, device=device)  # float32, also under autocast
        for t, slot in enumerate(self.slots):
            chosen = torch.nonzero(choice == t).squeeze(1)
            if chosen.numel() == 0:
                continue
            projected = self.heads(hidden[chosen], t)
            true_rows = truth[chosen]
            if self.full_softmax[t]:
                logits = projected @ slot.view().T
                row_loss = F.cross_entropy(logits, true_rows, reduction="none")
            else:
                row_loss = self._sampled_loss(t, projected, true_rows, generator)
            row_loss = torch.where(true_rows == self.missing_rows[t], 0.0, row_loss)
            loss = loss.index_put((chosen,), row_loss.float())
        return loss

    def _sampled_loss(
        self,
        t: int,
        projected: Tensor,
        true_rows: Tensor,
        generator: torch.Generator | None,
    ) -> Tensor:
        """Negative-sampling loss of column ``t``: the true row against drawn rows.

        Shape
        -----
        - projected: ``(m, embedding_dims[t])``, the heads' output.
        - true_rows: ``(m,)``, int64 rows of column ``t``'s table.
        - returns: ``(m,)``.
        """
        slot, negatives = self.slots[t], self.spec.negatives
        positive = slot.lookup(true_rows)
        drawn = torch.multinomial(
            self.sampling[t], true_rows.numel() * negatives, replacement=True,
            generator=generator,
        ).view(-1, negatives)  # fmt: skip
        negative = slot.lookup(drawn)
        return -F.logsigmoid((projected * positive).sum(1)) - F.logsigmoid(
            -(negative @ projected.unsqueeze(2)).squeeze(2)
        ).sum(1)


def held_out_loss(
    loss_fn: RowLoss,
    modules: Sequence[nn.Module],
    generator: torch.Generator,
    autocast: Callable,
    chunk: Sequence[Tensor],
) -> tuple[Tensor, Tensor]:
    """Weighted sum of the loss over held-out rows, and the sum of their weights.

    The modules are put in evaluation mode meanwhile (then back in training
    mode), and the rows are scored in chunks of 65536 without gradients.

    Parameters
    ----------
    loss_fn : RowLoss
    modules : sequence of nn.Module
        The modules ``loss_fn`` runs.
    generator : torch.Generator
        Source of the loss's random choices (masked columns, negatives).
    autocast : callable
        Makes the context of each forward pass.
    chunk : sequence of Tensor
        ``[rows, continuous, target, sample_weight, *bags]``.

    Returns
    -------
    loss_sum, weight_sum : Tensor
        0-d tensors on the rows' device.
    """
    rows, cont, target, weight, *bags = chunk
    for module in modules:
        module.eval()
    total = torch.zeros((), device=rows.device)
    with torch.no_grad():
        for start in range(0, rows.shape[0], _EVAL_CHUNK):
            part = slice(start, start + _EVAL_CHUNK)
            part_bags = [bag[part] for bag in bags]
            with autocast():
                loss = loss_fn(rows[part], cont[part], target[part], part_bags, generator)
            total += (loss.float() * weight[part]).sum()
    for module in modules:
        module.train()
    return total, weight.sum()
