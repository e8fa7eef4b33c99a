"""The epochs of a fit: chunks, batches and optimiser steps, then early stopping.

Each epoch visits its chunks (already on the device); each chunk is shuffled
once and cut into contiguous batches (:func:`~skembed._batches.batch_bounds`),
one optimiser step each. The loss is summed on the device and read once per
epoch. After the epoch, the held-out chunks (or the training loss) score it
for :class:`~skembed._early_stopping.EarlyStopping`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import Tensor, nn

from ._batches import TrainingData, batch_bounds
from ._early_stopping import EarlyStopping
from ._losses import RowLoss, held_out_loss
from ._optim import FrozenRows, TableAwareAdam
from ._progress import FIT_LABEL, EpochProgress
from ._unknown_rows import UnknownRowDropout

__all__ = ["EpochHistory", "Steps", "TrainingDivergedError", "run_epochs"]


class TrainingDivergedError(FloatingPointError, ValueError):
    """The training loss became NaN or infinite.

    A ``ValueError`` as well, so that callers handling bad input catch it.
    """


@dataclass
class Steps:
    """What every optimisation step of a fit uses; built once per fit.

    Attributes
    ----------
    loss_fn : RowLoss
        Loss of each row of a batch.
    optimizer : TableAwareAdam
    frozen : FrozenRows
        Written back after every step.
    autocast : callable
        Makes the context of each forward pass (mixed precision).
    scaler : torch.amp.GradScaler or None
        Loss scaling, for float16.
    batch_size : int
    weight_scale : float
        Mean training weight: a batch's loss is
        ``sum(w * l) / (rows * weight_scale)``.
    unknown_rows : UnknownRowDropout or None
        None when ``unknown_rate`` is 0.
    device : torch.device
        Where the data and the modules are.
    generator : torch.Generator
        The fit's own random stream on ``device``: shuffling, unknown rows,
        dropout masks and masked columns draw from it, never from torch's
        global generator, so fits in threads do not disturb each other.
    """

    loss_fn: RowLoss
    optimizer: TableAwareAdam
    frozen: FrozenRows
    autocast: Callable[[], AbstractContextManager]
    scaler: torch.amp.GradScaler | None
    batch_size: int
    weight_scale: float
    unknown_rows: UnknownRowDropout | None
    device: torch.device
    generator: torch.Generator


@dataclass
class EpochHistory:
    """The curves of a run of epochs.

    Attributes
    ----------
    loss_curve : list of float
        Mean weighted training loss of each epoch.
    validation_scores : list of float or None
        Minus the held-out loss of each epoch; None without held-out data.
    n_iter : int
        Epochs run.
    best_iter : int
        Epoch of the best score (held-out, else minus the training loss).
    """

    loss_curve: list[float] = field(default_factory=list)
    validation_scores: list[float] | None = None
    n_iter: int = 0
    best_iter: int = 0


def run_epochs(
    steps: Steps,
    data: TrainingData,
    modules: list[nn.Module],
    *,
    max_iter: int,
    tol: float,
    n_iter_no_change: int,
    verbose: bool,
    seed: int,
    label: str = FIT_LABEL,
) -> EpochHistory:
    """Train epoch after epoch until early stopping or ``max_iter`` epochs.

    The network (``modules[0]``) ends with the best epoch's weights when
    held-out data scored the epochs, else with the last epoch's.

    Parameters
    ----------
    steps : Steps
    data : TrainingData
    modules : list of nn.Module
        The network, then any other trained module (the self-supervised
        heads, whose weights are not restored).
    max_iter, tol, n_iter_no_change : int, float, int
        As :class:`~skembed._early_stopping.EarlyStopping` and the epoch limit.
    verbose : bool
        Show a progress bar.
    seed : int
        Seed of the held-out loss's random choices (the same at every epoch).
    label : str
        The progress bar's description.

    Raises
    ------
    TrainingDivergedError
        When an epoch's training loss is not finite.
    """
    net, scored = modules[0], data.validation_chunks is not None
    history = EpochHistory(validation_scores=[] if scored else None)
    stopping = EarlyStopping(tol, n_iter_no_change, keep_best_weights=scored)
    for module in modules:
        module.train()
    with EpochProgress(max_iter, enabled=verbose, label=label) as progress:
        for epoch in range(1, max_iter + 1):
            train_loss = _train_epoch(steps, data.train_chunks(epoch))
            history.loss_curve.append(train_loss)
            history.n_iter = epoch
            if not np.isfinite(train_loss):
                raise TrainingDivergedError(
                    f"The training loss became {train_loss} at epoch {epoch}; lower "
                    "learning_rate_init or check the target for extreme values."
                )
            score = -train_loss
            if scored:
                score = _validation_score(steps, data, modules, seed)
                history.validation_scores.append(score)
            stopping.update(epoch, score, net)  # the heads are not kept
            progress.epoch_done(train_loss, score if scored else None)
            if stopping.should_stop:
                break
    history.best_iter = stopping.best_epoch
    stopping.restore_best(net)
    return history


def _train_epoch(steps: Steps, chunks: Iterable[list[Tensor]]) -> float:
    """One pass over an epoch's chunks; the mean weighted training loss, read once.

    A chunk of a single row (a streamed buffer of one 1-row partition) is skipped:
    batch normalisation cannot train on one row, and within a chunk
    :func:`batch_bounds` already merges a last lone row into the batch before.
    """
    total, n_train = torch.zeros((), device=steps.device), 0
    skipped = 0
    for chunk in chunks:
        if chunk[0].shape[0] < 2:
            skipped += chunk[0].shape[0]
            continue
        total += _train_chunk(steps, chunk)
        n_train += chunk[0].shape[0]
    if n_train == 0 and skipped:
        raise ValueError(
            f"No training step ran: every training buffer held a single row ({skipped} rows "
            "in all), and batch normalisation cannot train on one row. Raise "
            "partitions_per_buffer, or repartition the Dask DataFrame into larger partitions."
        )
    return float(total) / (max(n_train, 1) * steps.weight_scale)


def _train_chunk(steps: Steps, chunk: list[Tensor]) -> Tensor:
    """Shuffle a chunk on the device, then one step per batch; the weighted loss sum (0-d).

    The draws, from the fit's generator: the permutation, then the
    unknown-row dropout, then those of each step (dropout, masked columns).
    """
    n_chunk = chunk[0].shape[0]
    perm = torch.randperm(n_chunk, device=steps.device, generator=steps.generator)
    rows, cont, target, weight, *bags = (tensor[perm] for tensor in chunk)
    if steps.unknown_rows is not None:
        rows, bags = steps.unknown_rows(rows, bags, steps.generator)
    total = torch.zeros((), device=steps.device)
    for start, stop in batch_bounds(n_chunk, steps.batch_size):
        batch = slice(start, stop)
        batch_bags = [bag[batch] for bag in bags]
        total += _train_step(
            steps, rows[batch], cont[batch], target[batch], weight[batch], batch_bags
        )
    return total


def _train_step(
    steps: Steps,
    rows: Tensor,
    continuous: Tensor,
    target: Tensor,
    weight: Tensor,
    bags: Sequence[Tensor],
) -> Tensor:
    """One optimiser step on a batch; the batch's weighted loss sum (0-d, detached).

    Shape
    -----
    - rows: ``(batch, n_single)``, int64.
    - continuous: ``(batch, n_continuous)``, float32.
    - target: ``(batch,)`` or ``(batch, n_outputs)``.
    - weight: ``(batch,)``, float32.
    - bags: one :class:`~skembed._bags.BagRows` per bag column (``batch`` rows).
    """
    with steps.autocast():
        per_row = steps.loss_fn(rows, continuous, target, bags, steps.generator)
    weighted = (per_row.float() * weight).sum()
    loss = weighted / (rows.shape[0] * steps.weight_scale)
    steps.optimizer.zero_grad()
    (loss if steps.scaler is None else steps.scaler.scale(loss)).backward()
    steps.optimizer.step(steps.scaler)
    steps.frozen.restore()
    return weighted.detach()


def _validation_score(
    steps: Steps, data: TrainingData, modules: list[nn.Module], seed: int
) -> float:
    """Minus the weighted mean loss of the held-out chunks.

    The loss's random choices come from a generator seeded with ``seed``
    afresh at every epoch, so that every epoch is scored on the same choices.
    """
    generator = torch.Generator(device=steps.device).manual_seed(seed)
    loss_sum = weight_sum = torch.zeros((), device=steps.device)
    for chunk in data.validation_chunks():
        chunk_loss, chunk_weight = held_out_loss(
            steps.loss_fn, modules, generator, steps.autocast, chunk
        )
        loss_sum, weight_sum = loss_sum + chunk_loss, weight_sum + chunk_weight
    return -float(loss_sum / weight_sum.clamp_min(torch.finfo(torch.float32).tiny))
