"""The data of a fit on the device: the validation split, chunks and batches.

Data are moved to the device once (or chunk by chunk, for streamed data).
Each epoch draws one permutation per chunk, gathers every tensor once in that
order, and then takes batches as contiguous slices, so there is no per-item
``Dataset.__getitem__`` and no Python loop over rows.

A *chunk* is a list of tensors on the device, laid out as the arguments of
:func:`skembed._training.train`: ``[rows, continuous, target, sample_weight,
*bags]``, all with the same first dimension.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

from ._bags import BagRows
from ._device_math import bincount

__all__ = [
    "AUTO_BATCH_SIZE",
    "AUTO_BATCH_SIZE_CPU_MAX",
    "AUTO_BATCH_SIZE_GPU",
    "MIN_STEPS_PER_EPOCH",
    "MIN_STEPS_PER_EPOCH_CPU",
    "ChunkStream",
    "TrainingData",
    "batch_bounds",
    "in_memory_data",
    "resolve_batch_size",
    "row_counts",
    "streamed_data",
    "to_device",
]

# batch_size="auto": on the CPU, n_rows // 64 clipped to [128, 1024]: batches of 128 under
# 8,192 training rows, so tables of small data sets get as many updates as with
# the batches of 128 chosen by benchmarks/studies/tune_defaults.py, while larger data sets take
# fewer, larger steps (the 14-dataset suite's validation cells, 6 seeds: as good as rows / 128
# with patience 2, where fixed batches of 256 or 1024 and rows / 32 lost;
# docs/user_guide/training.md). On a GPU, which needs large
# batches for throughput, up to 8192 rows (as good on adult and movielens at the same learning
# rate: benchmarks/studies/batch_size.py) while keeping at least 32 steps per epoch
AUTO_BATCH_SIZE = 128
AUTO_BATCH_SIZE_CPU_MAX = 1024
MIN_STEPS_PER_EPOCH_CPU = 64
AUTO_BATCH_SIZE_GPU = 8192
MIN_STEPS_PER_EPOCH = 32

Chunk = list[Tensor]


def resolve_batch_size(
    batch_size: int | None, device: torch.device, n_rows: int | None = None
) -> int:
    """``batch_size``, or the automatic size when it is None.

    On the CPU, ``n_rows // 64`` clipped to [128, 1024]: batches of 128 under
    8,192 training rows, at least 64 steps per epoch above (128 when
    ``n_rows`` is not known, for streamed data). On a GPU, ``n_rows // 32``
    clipped to [128, 8192], at least 32 steps per epoch (8192 for streamed
    data).
    """
    if batch_size is not None:
        return batch_size
    cpu = device.type == "cpu"
    largest = AUTO_BATCH_SIZE_CPU_MAX if cpu else AUTO_BATCH_SIZE_GPU
    steps = MIN_STEPS_PER_EPOCH_CPU if cpu else MIN_STEPS_PER_EPOCH
    if n_rows is None:  # streamed: the smallest batches on the CPU, the largest on a GPU
        return AUTO_BATCH_SIZE if cpu else largest
    return int(min(largest, max(AUTO_BATCH_SIZE, n_rows // steps)))


def batch_bounds(n: int, batch_size: int) -> list[tuple[int, int]]:
    """Contiguous ``(start, stop)`` batches of ``n`` rows.

    A last batch of one row joins the one before: batch normalisation cannot
    train on a single row.

    >>> batch_bounds(7, 3)
    [(0, 3), (3, 7)]
    """
    bounds = [(start, min(start + batch_size, n)) for start in range(0, n, batch_size)]
    if len(bounds) > 1 and bounds[-1][1] - bounds[-1][0] == 1:
        last = bounds.pop()
        bounds[-1] = (bounds[-1][0], last[1])
    return bounds


def to_device(
    array: np.ndarray | Tensor, device: torch.device, index: np.ndarray | None = None
) -> Tensor:
    """``array`` (rows ``index`` of it, when given) as a contiguous tensor on ``device``.

    A tensor is indexed where it is, then moved; a NumPy array is indexed on
    the host, then moved.
    """
    if isinstance(array, BagRows):  # ragged bags: gathered, then moved
        return (array if index is None else array.take(index)).to(device)
    if isinstance(array, Tensor):
        if index is not None:
            array = array[torch.as_tensor(index, device=array.device)]
        return array.to(device).contiguous()
    array = array if index is None else array[index]
    return torch.from_numpy(np.ascontiguousarray(array)).to(device)


@dataclass
class ChunkStream:
    """Training data that arrives in chunks instead of as whole arrays (a Dask fit).

    Each chunk is a tuple ``(rows, continuous, target, sample_weight, *bags)``
    of NumPy arrays laid out as the arguments of
    :func:`skembed._training.train`; a chunk is moved to the device, shuffled
    there and cut into batches, then dropped.

    Attributes
    ----------
    train_chunks : callable
        ``train_chunks(epoch)`` (``epoch`` counts from 1) returns an iterable
        of the training chunks, in the order to visit them in that epoch.
    validation_chunks : callable or None
        ``validation_chunks()`` returns an iterable of the held-out chunks
        scored after every epoch for early stopping; None scores the
        training loss.
    n_continuous : int
        Width of the ``continuous`` arrays.
    weight_scale : float
        Mean sample weight of the training rows (the loss normaliser).
    """

    train_chunks: Callable[[int], Iterable[tuple]]
    validation_chunks: Callable[[], Iterable[tuple]] | None
    n_continuous: int
    weight_scale: float = 1.0


@dataclass
class TrainingData:
    """The training and held-out chunks of a fit, delivered on the device.

    Attributes
    ----------
    train_chunks : callable
        ``train_chunks(epoch)`` (from 1) yields that epoch's training chunks.
    validation_chunks : callable or None
        ``validation_chunks()`` yields the held-out chunks; None when early
        stopping scores the training loss.
    n_continuous : int
        Width of the continuous inputs.
    weight_scale : float
        Mean sample weight of the training rows, 1 where that is not
        positive: the loss of a batch is ``sum(w * l) / (rows * weight_scale)``,
        the plain mean when weights are all one, and zero for a batch of zero
        weights.
    n_train_rows : int or None
        Training rows, None when streamed (unknown in advance).
    """

    train_chunks: Callable[[int], Iterable[Chunk]]
    validation_chunks: Callable[[], Iterable[Chunk]] | None
    n_continuous: int
    weight_scale: float
    n_train_rows: int | None


def in_memory_data(
    arrays: tuple[np.ndarray | Tensor, ...],
    *,
    validation_fraction: float,
    seed: int,
    device: torch.device,
    repeats: int = 1,
) -> TrainingData:
    """Whole arrays, split and moved to the device once: one chunk per epoch.

    Parameters
    ----------
    arrays : tuple of ndarray or Tensor
        ``(rows, continuous, target, sample_weight, *bags)``, as
        :func:`skembed._training.train` takes them.
    validation_fraction : float
        Share of the rows held out (0 for none); none are held out when that
        leaves no held-out row or fewer than two training rows.
    seed : int
        Seed of the NumPy permutation that chooses the held-out rows.
    device : torch.device
    repeats : int
        The arrays hold ``repeats`` blocks of the same rows (``cv``'s cross-fitted
        tables, :mod:`skembed._fold_rows`): a row is held out with all its repeats, so
        that no held-out row was trained on.
    """
    n_all = arrays[0].shape[0]
    n = n_all // repeats
    split_rng = np.random.RandomState(seed % (2**32))
    n_val = int(round(validation_fraction * n))
    if n_val < 1 or n - n_val < 2:
        n_val = 0
    order = split_rng.permutation(n)
    blocks = np.arange(repeats)[:, None] * n
    train_idx = np.sort((order[n_val:] + blocks).ravel())
    val_idx = np.sort((order[:n_val] + blocks).ravel())
    n_val *= repeats
    data = [to_device(a, device, train_idx) for a in arrays]
    val = [[to_device(a, device, val_idx) for a in arrays]] if n_val else None
    weight_scale = float(arrays[3][train_idx].mean())
    return TrainingData(
        train_chunks=lambda epoch: [data],
        validation_chunks=(lambda: val) if val else None,
        n_continuous=arrays[1].shape[1],
        weight_scale=weight_scale if weight_scale > 0 else 1.0,
        n_train_rows=n_all - n_val,
    )


def streamed_data(
    stream: ChunkStream, *, early_stopping: bool, device: torch.device
) -> TrainingData:
    """Chunks of a :class:`ChunkStream`, each moved to the device when its turn comes."""

    def train_chunks(epoch: int) -> Iterator[Chunk]:
        for chunk in stream.train_chunks(epoch):
            yield [to_device(a, device) for a in chunk]

    def validation_chunks() -> Iterator[Chunk]:
        for chunk in stream.validation_chunks():
            yield [to_device(a, device) for a in chunk]

    scored = early_stopping and stream.validation_chunks is not None
    return TrainingData(
        train_chunks=train_chunks,
        validation_chunks=validation_chunks if scored else None,
        n_continuous=stream.n_continuous,
        weight_scale=stream.weight_scale if stream.weight_scale > 0 else 1.0,
        n_train_rows=None,
    )


def row_counts(data: TrainingData, table_sizes, bag_modes) -> list:
    """Per single column, how many training rows read each row of its table (None for a
    bag column): the training chunk of in-memory ``data``, held-out rows left out."""
    rows = data.train_chunks(1)[0][0]
    counts, m = [], 0
    for size, mode in zip(table_sizes, bag_modes):
        if mode is not None:
            counts.append(None)
            continue
        counts.append(bincount(rows[:, m], size)[:size])
        m += 1
    return counts
