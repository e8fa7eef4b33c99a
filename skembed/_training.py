"""The training loop: NumPy arrays in, trained embedding tables (NumPy) out.

Data are moved to the device once. Each epoch draws one permutation, gathers
every tensor once in that order, and then takes batches as contiguous slices,
so there is no per-item ``Dataset.__getitem__`` and no Python loop over rows.
The loss is accumulated on the device and read once per epoch.
"""

from __future__ import annotations

import contextlib
import copy
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import Tensor, nn
from torch.nn import functional as F
from tqdm.auto import tqdm

from ._module import EntityEmbeddingNet, MaskedColumnHeads

__all__ = [
    "ChunkStream",
    "SelfSupervision",
    "TrainingConfig",
    "TrainingResult",
    "resolve_device",
    "train",
]


class TrainingDivergedError(FloatingPointError, ValueError):
    """The training loss became NaN or infinite.

    A ``ValueError`` as well, so that callers handling bad input catch it.
    """


_EVAL_CHUNK = 65536
# batch_size="auto": 128 on the CPU (benchmarks/tune_defaults.py); on a GPU, which needs
# large batches for throughput, up to 8192 rows (as good on adult and movielens at the same
# learning rate: benchmarks/batch_size.py) while keeping at least 32 steps per epoch
AUTO_BATCH_SIZE = 128
AUTO_BATCH_SIZE_GPU = 8192
MIN_STEPS_PER_EPOCH = 32


def resolve_batch_size(
    batch_size: int | None, device: torch.device, n_rows: int | None = None
) -> int:
    """``batch_size``, or the automatic size when it is None.

    On the CPU, 128. On a GPU, ``n_rows // 32`` clipped to [128, 8192], so
    that an epoch over ``n_rows`` training rows takes at least 32 steps (8192
    when ``n_rows`` is not known, for streamed data).
    """
    if batch_size is not None:
        return batch_size
    if device.type == "cpu":
        return AUTO_BATCH_SIZE
    if n_rows is None:
        return AUTO_BATCH_SIZE_GPU
    return int(min(AUTO_BATCH_SIZE_GPU, max(AUTO_BATCH_SIZE, n_rows // MIN_STEPS_PER_EPOCH)))


@dataclass
class TrainingConfig:
    """Hyper-parameters of one fit; mirrors the encoder's parameters."""

    hidden_layer_sizes: tuple[int, ...]
    dropout: float
    embedding_dropout: float
    unknown_rate: float
    alpha: float
    batch_size: int | None  # None: by device (AUTO_BATCH_SIZE)
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


@dataclass
class TrainingResult:
    """What a fit leaves behind: tables and curves, all plain NumPy / Python."""

    embeddings: list[np.ndarray]
    loss_curve: list[float] = field(default_factory=list)
    validation_scores: list[float] | None = None
    n_iter: int = 0
    best_iter: int = 0
    batch_size: int = 0


@dataclass
class ChunkStream:
    """Training data that arrives in chunks instead of as whole arrays (a Dask fit).

    Each chunk is a tuple ``(rows, continuous, target, sample_weight, *bags)``
    of NumPy arrays laid out as the arguments of :func:`train`; a chunk is
    moved to the device, shuffled there and cut into batches, then dropped.

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


def resolve_device(device: str) -> torch.device:
    """``"auto"`` -> CUDA when available, else the CPU; anything else as given."""
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        resolved = torch.device(device)
    except RuntimeError as exc:
        raise ValueError(
            f"device={device!r} is not a device torch understands; "
            "expected 'auto', 'cpu', 'cuda' or 'cuda:N'."
        ) from exc
    if resolved.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(
            f"device={device!r} was requested but CUDA is not available on this "
            "machine; use device='auto' or device='cpu'."
        )
    return resolved


def _batch_bounds(n: int, batch_size: int) -> list[tuple[int, int]]:
    """Contiguous batches; a last batch of one row joins the previous one.

    Batch normalisation cannot train on a single row.
    """
    bounds = [(start, min(start + batch_size, n)) for start in range(0, n, batch_size)]
    if len(bounds) > 1 and bounds[-1][1] - bounds[-1][0] == 1:
        last = bounds.pop()
        bounds[-1] = (bounds[-1][0], last[1])
    return bounds


class _Adam:
    """Adam for the dense parameters, SparseAdam for sparse embedding tables.

    ``net`` is the network (its ``tables`` may be sparse); ``extra`` holds
    more modules to optimise (the self-supervised heads).

    Dense Adam reads and writes every row of every table at every step; for a
    table of a million rows that is most of the step (75 ms against 2 ms with
    sparse updates on 2 CPU cores, batch 256). No table gets weight decay.
    """

    def __init__(self, net: nn.Module, config: TrainingConfig, extra: tuple = ()):
        sparse = [m.weight for m in net.tables if m.sparse]
        tables = [m.weight for m in net.tables if not m.sparse]
        table_ids = {id(p) for p in sparse + tables}
        weights = [p for p in net.parameters() if id(p) not in table_ids]
        weights += [p for module in extra for p in module.parameters()]
        lr = config.learning_rate_init
        self.optimizers = []
        # weight decay (alpha) applies to the network's weights, not to the tables: with
        # Adam, L2 on a row absent from the batch is a step of about lr towards zero at
        # every step, which erases rare categories (and pretrained rows) between their
        # appearances
        groups = [
            {"params": weights, "weight_decay": config.alpha},
            {"params": tables, "weight_decay": 0.0},
        ]
        groups = [group for group in groups if group["params"]]
        if groups:
            try:  # the fused kernel: several times faster per step than the loop kernel
                self.optimizers.append(torch.optim.Adam(groups, lr=lr, fused=True))
            except (RuntimeError, TypeError, ValueError):  # a device without it
                self.optimizers.append(torch.optim.Adam(groups, lr=lr))
        if sparse:
            self.optimizers.append(torch.optim.SparseAdam(sparse, lr=lr))

    def zero_grad(self) -> None:
        for optimizer in self.optimizers:
            optimizer.zero_grad(set_to_none=True)

    def step(self, scaler=None) -> None:
        for optimizer in self.optimizers:
            if scaler is None:
                optimizer.step()
            else:
                scaler.step(optimizer)
        if scaler is not None:
            scaler.update()


def _autocast(device: torch.device, mixed_precision: str | None):
    """The autocast context of the forward pass: float32 (off), bfloat16 or float16.

    Under autocast the linear layers run in the low precision; embedding
    lookups, batch normalisation and the losses stay in float32, and so do the
    parameters and the optimiser's state.
    """
    if mixed_precision is None:
        return contextlib.nullcontext
    dtype = {"bf16": torch.bfloat16, "fp16": torch.float16}[mixed_precision]
    return lambda: torch.autocast(device_type=device.type, dtype=dtype)


def _per_sample_loss(task: str, output: Tensor, target: Tensor) -> Tensor:
    if task == "multiclass":
        return F.cross_entropy(output, target, reduction="none")
    if task == "binary":
        return F.binary_cross_entropy_with_logits(output, target, reduction="none").mean(dim=1)
    return F.mse_loss(output, target, reduction="none").mean(dim=1)


def _evaluate(
    loss_fn, modules: list[nn.Module], generator: torch.Generator, autocast, rows: Tensor,
    cont: Tensor, target: Tensor, weight: Tensor, *bags: Tensor,
) -> tuple[Tensor, Tensor]:  # fmt: skip
    """Weighted sum of the loss over held-out rows, and the sum of their weights.

    Both are 0-d tensors on the device. Random choices of the loss (masked
    columns, negatives) come from ``generator``, seeded the same way at every
    epoch.
    """
    for module in modules:
        module.eval()
    total = torch.zeros((), device=rows.device)
    with torch.no_grad():
        for start in range(0, rows.shape[0], _EVAL_CHUNK):
            chunk = slice(start, start + _EVAL_CHUNK)
            chunk_bags = [bag[chunk] for bag in bags]
            with autocast():
                loss = loss_fn(rows[chunk], cont[chunk], target[chunk], chunk_bags, generator)
            total += (loss.float() * weight[chunk]).sum()
    for module in modules:
        module.train()
    return total, weight.sum()


def _masked_column_loss(net, heads, spec: SelfSupervision, slots, device):
    """The per-row loss of the self-supervised objective, as a function of a batch."""
    n_targets = len(spec.mask_rows)
    columns = torch.arange(n_targets, device=device)
    mask_rows = torch.as_tensor(spec.mask_rows, device=device)
    missing_rows = torch.as_tensor(spec.missing_rows, device=device)
    sampling = [
        torch.as_tensor(w / w.sum() if w.sum() > 0 else np.ones_like(w), dtype=torch.float32,
                        device=device)
        for w in spec.sampling_weights
    ]  # fmt: skip
    full = [  # a softmax over a sparse table would give it a dense gradient
        slot.rows <= spec.full_softmax_max_rows and not slot.sparse for slot in slots
    ]

    def loss_fn(rows, cont, target, bags, generator=None):
        batch = rows.shape[0]
        choice = torch.randint(0, n_targets, (batch,), device=device, generator=generator)
        every = torch.arange(batch, device=device)
        truth = rows[every, columns[choice]]
        masked = rows.clone()
        masked[every, columns[choice]] = mask_rows[choice]
        hidden = net(masked, cont, bags)
        loss = torch.zeros(batch, device=device)  # float32, also under autocast
        for t, slot in enumerate(slots):
            chosen = torch.nonzero(choice == t).squeeze(1)
            if chosen.numel() == 0:
                continue
            projected = heads(hidden[chosen], t)
            true_rows = truth[chosen]
            if full[t]:
                logits = projected @ slot.view().T
                row_loss = F.cross_entropy(logits, true_rows, reduction="none")
            else:
                # lookups in the shared table, at the column's offset (a sparse
                # gradient must be of the whole parameter)
                positive = F.embedding(true_rows + slot.offset, slot.weight, sparse=slot.sparse)
                drawn = torch.multinomial(
                    sampling[t], chosen.numel() * spec.negatives, replacement=True,
                    generator=generator,
                ).view(-1, spec.negatives)  # fmt: skip
                negative = F.embedding(drawn + slot.offset, slot.weight, sparse=slot.sparse)
                row_loss = -F.logsigmoid((projected * positive).sum(1)) - F.logsigmoid(
                    -(negative @ projected.unsqueeze(2)).squeeze(2)
                ).sum(1)
            row_loss = torch.where(true_rows == missing_rows[t], 0.0, row_loss)
            loss = loss.index_put((chosen,), row_loss.float())
        return loss

    return loss_fn


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
    bags: list[np.ndarray] | None = None,
    bag_modes: list[str | None] | None = None,
    replacements: list[np.ndarray] | None = None,
    self_supervision: SelfSupervision | None = None,
    stream: ChunkStream | None = None,
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
    bags : list of ndarray of shape (n, max_bag_i), int64, optional
        Table rows of the list-valued columns, padded with the padding row
        ``table_sizes[i]``.
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
    stream : ChunkStream, optional
        Take the training data chunk by chunk from here; ``rows``,
        ``continuous``, ``target``, ``sample_weight`` and ``bags`` are then
        None. Each epoch visits the chunks ``stream.train_chunks(epoch)``
        returns, shuffles each on the device and trains on its batches; early
        stopping scores ``stream.validation_chunks()``.

    Random state comes from ``config.seed`` only: torch's global generators
    are forked and restored, so a fit does not change them.
    """
    device = resolve_device(config.device)
    fork_devices = [device.index or 0] if device.type == "cuda" else []
    with torch.random.fork_rng(devices=fork_devices):
        torch.manual_seed(config.seed)
        return _train(
            rows,
            continuous,
            target,
            sample_weight,
            task=task,
            n_outputs=n_outputs,
            table_sizes=table_sizes,
            embedding_dims=embedding_dims,
            config=config,
            device=device,
            initial_tables=initial_tables or [None] * len(table_sizes),
            frozen_rows=frozen_rows or [None] * len(table_sizes),
            bags=list(bags or []),
            bag_modes=list(bag_modes or [None] * len(table_sizes)),
            replacements=replacements,
            self_supervision=self_supervision,
            stream=stream,
        )


def _train(
    rows, continuous, target, sample_weight, *, task, n_outputs, table_sizes, embedding_dims,
    config, device, initial_tables, frozen_rows, bags, bag_modes, replacements,
    self_supervision, stream,
) -> TrainingResult:  # fmt: skip
    def to_device(array: np.ndarray | Tensor, index=None) -> Tensor:
        if isinstance(array, Tensor):  # device-resident input: gathered where it is
            if index is not None:
                array = array[torch.as_tensor(index, device=array.device)]
            return array.to(device).contiguous()
        array = array if index is None else array[index]
        return torch.from_numpy(np.ascontiguousarray(array)).to(device)

    if stream is None:  # everything on the device once; one chunk per epoch
        n = rows.shape[0]
        split_rng = np.random.RandomState(config.seed % (2**32))
        n_val = int(round(config.validation_fraction * n)) if config.early_stopping else 0
        if n_val < 1 or n - n_val < 2:
            n_val = 0
        order = split_rng.permutation(n)
        train_idx, val_idx = np.sort(order[n_val:]), np.sort(order[:n_val])
        arrays = (rows, continuous, target, sample_weight, *bags)
        data = [to_device(a, train_idx) for a in arrays]
        val = [[to_device(a, val_idx) for a in arrays]] if n_val else None
        n_continuous = continuous.shape[1]
        # the loss of a batch is sum(w * l) / (batch rows * mean training weight): the
        # plain mean when weights are all one, and zero for a batch of zero weights
        weight_scale = float(sample_weight[train_idx].mean())

        def epoch_chunks(epoch: int):
            return [data]

        def validation_chunks():
            return val

    else:
        n_continuous, weight_scale = stream.n_continuous, stream.weight_scale

        def epoch_chunks(epoch: int):
            for chunk in stream.train_chunks(epoch):
                yield [to_device(a) for a in chunk]

        validation_chunks = None
        if config.early_stopping and stream.validation_chunks is not None:

            def validation_chunks():
                for chunk in stream.validation_chunks():
                    yield [to_device(a) for a in chunk]

        val = validation_chunks is not None
    weight_scale = weight_scale if weight_scale > 0 else 1.0
    if replacements is None:
        replacements = [
            np.full(size + (mode is not None), size - 2, dtype=np.int64)
            for size, mode in zip(table_sizes, bag_modes)
        ]
        for size, mode, replacement in zip(table_sizes, bag_modes, replacements):
            if mode is not None:
                replacement[size] = size  # the padding row stays padding
    single = [k for k, mode in enumerate(bag_modes) if mode is None]
    # one flat lookup for the single columns: column c's rows start at offsets[c]
    single_replacements = [replacements[k] for k in single]
    offsets = np.concatenate([[0], np.cumsum([len(r) for r in single_replacements])[:-1]])
    flat_replacement = torch.as_tensor(
        np.concatenate(single_replacements) if single else np.empty(0, np.int64), device=device
    )
    column_offsets = torch.as_tensor(offsets[: len(single)], dtype=torch.int64, device=device)
    bag_replacements = [
        torch.as_tensor(replacements[k], device=device)
        for k, mode in enumerate(bag_modes)
        if mode is not None
    ]

    net = EntityEmbeddingNet(
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
    ).to(device)
    frozen = []  # (weight, rows, values) written back after every step
    with torch.no_grad():
        for k, (initial, fixed) in enumerate(zip(initial_tables, frozen_rows)):
            slot = net.slot(k)
            if initial is not None:  # a bag table keeps its zero padding row
                slot.view()[: len(initial)].copy_(torch.from_numpy(initial))
            if fixed is not None and len(fixed):
                index = torch.as_tensor(fixed, dtype=torch.int64, device=device) + slot.offset
                frozen.append((slot.weight, index, slot.weight[index].clone()))
    modules: list[nn.Module] = [net]
    if task == "self-supervised":
        slots = [net.slot(k) for k in single]
        heads = MaskedColumnHeads(n_outputs, [embedding_dims[k] for k in single]).to(device)
        modules.append(heads)
        loss_fn = _masked_column_loss(net, heads, self_supervision, slots, device)
    else:

        def loss_fn(rows, cont, target, bags, generator=None):
            return _per_sample_loss(task, net(rows, cont, bags), target)

    optimizer = _Adam(net, config, tuple(modules[1:]))
    batch_size = resolve_batch_size(
        config.batch_size, device, None if stream is not None else n - n_val
    )
    autocast = _autocast(device, config.mixed_precision)
    # float16 gradients underflow without loss scaling; bfloat16 has float32's range
    scaler = torch.amp.GradScaler(device.type) if config.mixed_precision == "fp16" else None
    result = TrainingResult(
        embeddings=[], validation_scores=[] if val else None, batch_size=batch_size
    )
    best_score, best_state, no_improvement = -np.inf, None, 0

    progress = tqdm(
        total=config.max_iter, disable=not config.verbose, desc="skembed fit", unit="epoch"
    )
    net.train()

    def train_on(chunk: list[Tensor]) -> Tensor:
        """One pass over a chunk on the device: shuffle, then batches; the weighted loss."""
        n_chunk = chunk[0].shape[0]
        perm = torch.randperm(n_chunk, device=device)
        ep_rows, ep_cont, ep_target, ep_weight, *ep_bags = (tensor[perm] for tensor in chunk)
        if config.unknown_rate > 0:
            # each value is replaced by its column's unknown row with this probability,
            # so that row is trained even when no category was pooled into it
            drop = torch.rand(ep_rows.shape, device=device) < config.unknown_rate
            substitute = flat_replacement[ep_rows + column_offsets]
            ep_rows = torch.where(drop, substitute, ep_rows)
            for k, bag in enumerate(ep_bags):
                drop = torch.rand(bag.shape, device=device) < config.unknown_rate
                ep_bags[k] = torch.where(drop, bag_replacements[k][bag], bag)
        total = torch.zeros((), device=device)
        for start, stop in _batch_bounds(n_chunk, batch_size):
            weight = ep_weight[start:stop]
            batch_bags = [bag[start:stop] for bag in ep_bags]
            with autocast():
                per_row = loss_fn(
                    ep_rows[start:stop], ep_cont[start:stop], ep_target[start:stop], batch_bags
                )
            weighted = (per_row.float() * weight).sum()
            loss = weighted / ((stop - start) * weight_scale)
            optimizer.zero_grad()
            (loss if scaler is None else scaler.scale(loss)).backward()
            optimizer.step(scaler)
            if frozen:
                with torch.no_grad():
                    for weight_table, index, values in frozen:
                        weight_table.index_copy_(0, index, values)
            total += weighted.detach()
        return total

    for epoch in range(1, config.max_iter + 1):
        total, n_train = torch.zeros((), device=device), 0
        for chunk in epoch_chunks(epoch):
            if chunk[0].shape[0] == 0:
                continue
            total += train_on(chunk)
            n_train += chunk[0].shape[0]
        train_loss = float(total) / (max(n_train, 1) * weight_scale)
        result.loss_curve.append(train_loss)
        result.n_iter = epoch
        if val:
            generator = torch.Generator(device=device).manual_seed(config.seed)
            loss_sum = weight_sum = torch.zeros((), device=device)
            for chunk in validation_chunks():
                chunk_loss, chunk_weight = _evaluate(loss_fn, modules, generator, autocast, *chunk)
                loss_sum, weight_sum = loss_sum + chunk_loss, weight_sum + chunk_weight
            score = -float(loss_sum / weight_sum.clamp_min(torch.finfo(torch.float32).tiny))
            result.validation_scores.append(score)
        else:
            score = -train_loss
        if not np.isfinite(train_loss):
            progress.close()
            raise TrainingDivergedError(
                f"The training loss became {train_loss} at epoch {epoch}; lower "
                "learning_rate_init or check the target for extreme values."
            )
        if score > best_score + config.tol:
            best_score, no_improvement = score, 0
            result.best_iter = epoch
            if val:
                best_state = copy.deepcopy(net.state_dict())  # the heads are not kept
        else:
            no_improvement += 1
        postfix = {"loss": f"{train_loss:.4f}"}
        if val:
            postfix["val_score"] = f"{score:.4f}"
        progress.set_postfix(postfix)
        progress.update(1)
        if no_improvement >= config.n_iter_no_change:
            break
    progress.close()
    if best_state is not None:
        net.load_state_dict(best_state)
    result.embeddings = [  # without the padding row of bag tables
        net.slot(k).view().detach()[:size].to("cpu", torch.float32).numpy().copy()
        for k, size in enumerate(table_sizes)
    ]
    return result
