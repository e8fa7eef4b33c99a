"""Training: NumPy arrays (or chunks) in, trained embedding tables (NumPy) out.

:func:`train` is the torch layer's entry point. With random generators of its
own, seeded from ``config.seed``, it moves the data to the device
(:mod:`skembed._batches`), builds the network (:mod:`skembed._module`), its
loss (:mod:`skembed._losses`), optimiser and frozen rows
(:mod:`skembed._optim`), unknown-row dropout (:mod:`skembed._unknown_rows`)
and mixed precision (:mod:`skembed._accelerator`), then runs the epochs
(:mod:`skembed._epochs`: batches, steps, early stopping and the progress bar),
with the main effects first where the config says so (:mod:`skembed._schedule`),
and returns the tables.

The order in which the pieces are built is the order in which they draw
random numbers (the network, then the self-supervised heads): changing it
changes every fit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial

import numpy as np
import torch
from torch import nn

from ._accelerator import autocast_factory, grad_scaler, resolve_device
from ._batches import (
    ChunkStream,
    TrainingData,
    in_memory_data,
    resolve_batch_size,
    row_counts,
    streamed_data,
)
from ._epochs import EpochHistory, Steps, TrainingDivergedError, run_epochs
from ._losses import MaskedColumnLoss, RowLoss, SelfSupervision, SupervisedLoss
from ._module import EntityEmbeddingNet, MaskedColumnHeads
from ._network_weights import load_network_weights, network_weights
from ._optim import FrozenRows, TableAwareAdam
from ._progress import FIT_LABEL
from ._schedule import main_effects_first
from ._shrinkage import row_penalties
from ._unknown_rows import UnknownRowDropout, default_replacements

__all__ = [
    "ChunkStream",
    "SelfSupervision",
    "TrainingConfig",
    "TrainingDivergedError",
    "TrainingResult",
    "resolve_batch_size",
    "resolve_device",
    "train",
]


@dataclass
class TrainingConfig:
    """Hyper-parameters of one fit; mirrors the encoder's parameters."""

    hidden_layer_sizes: tuple[int, ...]
    dropout: float
    embedding_dropout: float
    unknown_rate: float
    alpha: float
    batch_size: int | None  # None: by device and training rows (resolve_batch_size)
    learning_rate_init: float
    max_iter: int
    early_stopping: bool
    validation_fraction: float
    n_iter_no_change: int
    tol: float
    verbose: int
    device: str
    seed: int
    sparse_min_rows: int | None = None  # tables this large get sparse gradients
    mixed_precision: str | None = None  # None, "bf16" or "fp16"
    linear_path: bool = False  # a linear map from the embeddings to the output
    table_learning_rate: float | None = None  # None: learning_rate_init
    table_init_std: float = 0.005  # spread of the tables' initial rows
    initial_network: dict | None = None  # network_weights_ of an earlier fit to start from
    freeze_network: bool = False  # with initial_network: train the tables only
    shrinkage: float = 0.0  # pull of rare categories' vectors to zero (_shrinkage)
    main_effects_first: bool = False  # the linear path alone first (_schedule)
    row_repeats: int = 1  # the arrays hold this many blocks of the same rows (_fold_rows)


@dataclass
class TrainingResult:
    """What a fit leaves behind: tables and curves, all plain NumPy / Python.

    Attributes
    ----------
    embeddings : list of ndarray
        Per column, its table, float32 of shape ``(table_sizes[k],
        embedding_dims[k])`` (a bag table without its padding row).
    loss_curve : list of float
        Mean weighted training loss of each epoch.
    validation_scores : list of float or None
        Minus the held-out loss of each epoch; None without held-out data.
    n_iter : int
        Epochs run.
    best_iter : int
        Epoch whose weights the tables hold when held-out data scored the
        epochs (else the best epoch by training loss; the tables are the
        last epoch's).
    batch_size : int
        Rows per batch, as resolved (``batch_size=None``: by device).
    linear_weights : ndarray or None
        The linear path's weights, ``(n_outputs, sum(embedding_dims))``.
    network_weights : dict of str to ndarray
        Everything trained but the tables (:mod:`skembed._network_weights`).
    row_counts : list of (ndarray or None)
        Per column, how many training rows (held-out ones excluded) read each table
        row; None for bag columns and for streamed data.
    """

    embeddings: list[np.ndarray]
    loss_curve: list[float] = field(default_factory=list)
    validation_scores: list[float] | None = None
    n_iter: int = 0
    best_iter: int = 0
    batch_size: int = 0
    linear_weights: np.ndarray | None = None
    network_weights: dict = field(default_factory=dict)
    row_counts: list = field(default_factory=list)


def train(
    rows: np.ndarray,
    continuous: np.ndarray,
    target: np.ndarray,
    sample_weight: np.ndarray,
    *,
    task: str,
    n_outputs: int,
    table_sizes: list[int],
    embedding_dims: list[int],
    config: TrainingConfig,
    initial_tables: list[np.ndarray | None] | None = None,
    frozen_rows: list[np.ndarray | None] | None = None,
    bags: list | None = None,
    bag_modes: list[str | None] | None = None,
    replacements: list[np.ndarray] | None = None,
    self_supervision: SelfSupervision | None = None,
    stream: ChunkStream | None = None,
    shares: list[int | None] | None = None,
) -> TrainingResult:
    """Train the surrogate network and return its embedding tables.

    Parameters
    ----------
    rows : ndarray of shape (n, n_single), int64
        Embedding-table row of every value of the single (one category per
        row) columns.
    continuous : ndarray of shape (n, n_continuous), float32
        Standardized continuous inputs without missing values.
    target : ndarray
        ``(n,)`` int64 class index for ``task="multiclass"``, else
        ``(n, n_outputs)`` float32 (0/1 for binary, standardized for
        continuous).
    sample_weight : ndarray of shape (n,), float32
    task : {"binary", "multiclass", "continuous"}
    initial_tables : list of (ndarray or None), optional
        Starting weights of each column's table (pretrained columns), float32
        of shape ``(table_sizes[i], embedding_dims[i])``; None keeps the
        default initialisation.
    frozen_rows : list of (ndarray or None), optional
        Rows of each table that keep their initial values: they are written
        back after every optimiser step, so the network only ever sees, and
        the result holds, the initial values bit for bit.
    bags : list of BagRows, optional
        Table rows of the list-valued columns' tokens, ragged (values and
        offsets, :class:`~skembed._bags.BagRows`): memory follows the tokens.
    bag_modes : list of {None, "mean", "sum"}, optional
        Per column (all columns, in order): None for single columns.
    replacements : list of ndarray, optional
        Per column, the row that ``unknown_rate`` substitutes for each table
        row (with a padding row for bags); by default every row's
        replacement is the unknown row ``table_sizes[i] - 2``.
    self_supervision : SelfSupervision, optional
        With ``task="self-supervised"``: how to mask and predict columns
        (``target`` is then ignored and ``n_outputs`` is the network's output
        width).
    shares : list of (int or None), optional
        ``shared_embeddings``: per column, the earlier column whose table it
        reads (same size and width), or None for a table of its own.
    stream : ChunkStream, optional
        Take the training data chunk by chunk from here; ``rows``,
        ``continuous``, ``target``, ``sample_weight`` and ``bags`` are then
        None. Each epoch visits the chunks ``stream.train_chunks(epoch)``
        returns, shuffles each on the device and trains on its batches; early
        stopping scores ``stream.validation_chunks()``.

    Random state comes from ``config.seed`` only, through generators of the fit's
    own: torch's global generators are never drawn from, so a fit neither changes
    the caller's random stream nor shares one with fits running in other threads.
    """
    device = resolve_device(config.device)
    # the fit's own random streams, seeded like torch's global generators would be
    init_generator = torch.Generator().manual_seed(config.seed)
    generator = init_generator
    if device.type != "cpu":
        generator = torch.Generator(device=device).manual_seed(config.seed)
    if stream is None:
        arrays = (rows, continuous, target, sample_weight, *(bags or []))
        data = _in_memory(arrays, config, device)
    else:
        data = streamed_data(stream, early_stopping=config.early_stopping, device=device)
    bag_modes = list(bag_modes or [None] * len(table_sizes))
    net = _network(
        table_sizes, embedding_dims, data.n_continuous, n_outputs, bag_modes, config,
        init_generator, config.linear_path and task != "self-supervised", shares,
    ).to(device)  # fmt: skip
    net.use_generator(generator)
    if config.shrinkage > 0 and stream is None and task != "self-supervised":
        train_rows, _, train_target, train_weight = data.train_chunks(1)[0][:4]  # on the device
        _shrink(net, train_rows, train_target, train_weight, task, table_sizes, bag_modes, config)
    net.load_initial_tables(initial_tables or [None] * len(table_sizes))
    frozen = FrozenRows(net, frozen_rows or [None] * len(table_sizes))
    loss_fn, modules = _objective(
        task, net, n_outputs, embedding_dims, bag_modes, self_supervision, device, init_generator
    )
    if config.initial_network is not None:
        load_network_weights(modules, config.initial_network, freeze=config.freeze_network)
    steps = Steps(
        loss_fn=loss_fn,
        optimizer=TableAwareAdam(
            net,
            config.learning_rate_init,
            config.alpha,
            extra=tuple(modules[1:]),
            table_learning_rate=config.table_learning_rate,
        ),  # fmt: skip
        frozen=frozen,
        autocast=autocast_factory(device, config.mixed_precision),
        scaler=grad_scaler(device, config.mixed_precision),
        batch_size=resolve_batch_size(config.batch_size, device, data.n_train_rows),
        weight_scale=data.weight_scale,
        unknown_rows=_unknown_row_dropout(config, table_sizes, bag_modes, replacements, device),
        device=device,
        generator=generator,
    )
    history = _epochs(net, steps, data, modules, config, init_generator)
    return TrainingResult(
        embeddings=[  # without the padding row of bag tables
            net.slot(k).view().detach()[:size].to("cpu", torch.float32).numpy().copy()
            for k, size in enumerate(table_sizes)
        ],
        loss_curve=history.loss_curve,
        validation_scores=history.validation_scores,
        n_iter=history.n_iter,
        best_iter=history.best_iter,
        batch_size=steps.batch_size,
        linear_weights=net.linear_weights(),
        network_weights=network_weights(modules),
        row_counts=row_counts(data, table_sizes, bag_modes) if stream is None else [],
    )


def _shrink(net, rows, target, weight, task, table_sizes, bag_modes, config) -> None:
    """Penalise the single columns' rows by ``config.shrinkage`` (:mod:`skembed._shrinkage`).

    ``rows``, ``target`` and ``weight``: the training rows (not the held-out ones), on the
    device.
    """
    if rows.shape[1]:
        penalties = row_penalties(
            rows, target, weight, task, table_sizes, bag_modes, config.shrinkage
        )
        net.set_row_penalties(penalties)


def _in_memory(arrays: tuple, config: TrainingConfig, device: torch.device) -> TrainingData:
    """Whole arrays on the device once, one chunk per epoch; held-out rows for early stopping."""
    fraction = config.validation_fraction if config.early_stopping else 0.0
    return in_memory_data(
        arrays,
        validation_fraction=fraction,
        seed=config.seed,
        device=device,
        repeats=config.row_repeats,
    )


def _epochs(net, steps, data, modules, config, generator) -> EpochHistory:
    """Run the fit's epochs: main effects first where ``config`` asks and the fit allows
    (a linear path, held-out rows to end each phase, no earlier network to continue;
    :mod:`skembed._schedule`), else the whole network from the start."""
    if (
        config.main_effects_first
        and net.linear_path is not None
        and data.validation_chunks is not None
        and config.initial_network is None
    ):
        run = partial(_run, steps, data, modules, config)
        return main_effects_first(net, run, config.max_iter, generator, config.tol)
    return _run(steps, data, modules, config, config.max_iter)


def _run(
    steps: Steps,
    data: TrainingData,
    modules: list[nn.Module],
    config: TrainingConfig,
    max_iter: int,
    label: str = FIT_LABEL,
) -> EpochHistory:
    """:func:`~skembed._epochs.run_epochs` for at most ``max_iter`` epochs, with the
    stopping rule and verbosity of ``config``."""
    return run_epochs(
        steps,
        data,
        modules,
        max_iter=max_iter,
        tol=config.tol,
        n_iter_no_change=config.n_iter_no_change,
        verbose=bool(config.verbose),
        seed=config.seed,
        label=label,
    )


def _network(
    table_sizes: list[int],
    embedding_dims: list[int],
    n_continuous: int,
    n_outputs: int,
    bag_modes: list[str | None],
    config: TrainingConfig,
    generator: torch.Generator,
    linear_path: bool = False,
    shares: list[int | None] | None = None,
) -> EntityEmbeddingNet:
    """The network of a fit (on the CPU); tables of ``sparse_min_rows`` rows or more are sparse."""
    return EntityEmbeddingNet(
        table_sizes,
        embedding_dims,
        n_continuous,
        config.hidden_layer_sizes,
        n_outputs,
        dropout=config.dropout,
        embedding_dropout=config.embedding_dropout,
        bag_modes=bag_modes,
        sparse=[
            config.sparse_min_rows is not None and size >= config.sparse_min_rows
            for size in table_sizes
        ],
        generator=generator,
        linear_path=linear_path,
        table_init_std=config.table_init_std,
        shares=shares,
    )


def _objective(
    task: str,
    net: EntityEmbeddingNet,
    n_outputs: int,
    embedding_dims: list[int],
    bag_modes: list[str | None],
    self_supervision: SelfSupervision | None,
    device: torch.device,
    generator: torch.Generator,
) -> tuple[RowLoss, list[nn.Module]]:
    """The loss of a fit, and the modules it trains: the network, then any heads.

    The self-supervised heads are drawn here, after the network.
    """
    if task != "self-supervised":
        return SupervisedLoss(net, task), [net]
    single = [k for k, mode in enumerate(bag_modes) if mode is None]
    heads = MaskedColumnHeads(n_outputs, [embedding_dims[k] for k in single], generator)
    heads = heads.to(device)
    slots = [net.slot(k) for k in single]
    return MaskedColumnLoss(net, heads, self_supervision, slots, device), [net, heads]


def _unknown_row_dropout(
    config: TrainingConfig,
    table_sizes: list[int],
    bag_modes: list[str | None],
    replacements: list[np.ndarray] | None,
    device: torch.device,
) -> UnknownRowDropout | None:
    """Unknown-row dropout at ``config.unknown_rate``; None when the rate is 0."""
    if config.unknown_rate <= 0:
        return None
    if replacements is None:
        replacements = default_replacements(table_sizes, bag_modes)
    return UnknownRowDropout(config.unknown_rate, replacements, bag_modes, device)


def _Adam(net: EntityEmbeddingNet, config: TrainingConfig, extra: tuple = ()) -> TableAwareAdam:
    """:class:`TableAwareAdam` from a config: the name ``benchmarks/huge_vocab.py`` imports."""
    return TableAwareAdam(net, config.learning_rate_init, config.alpha, extra=tuple(extra))
