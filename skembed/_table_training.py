"""From learned vocabularies to trained tables: the glue every fitting path shares.

The in-memory fit and the Dask fit both build the training configuration, the
self-supervised task, the unknown-rate replacement rows and the finished tables here;
only how rows reach the training loop differs. torch is imported by the loop itself.
"""

from __future__ import annotations

import numpy as np

from ._categories import Vocabulary
from ._stats import seed_from

__all__ = [
    "SPARSE_MIN_ROWS",
    "finished_tables",
    "fitted_vocabulary",
    "replacement_rows",
    "row_bincount",
    "self_supervision",
    "training_config",
]

# tables with at least this many rows train with sparse gradients under
# sparse_embeddings="auto": the measured crossover (benchmarks/huge_vocab.py)
SPARSE_MIN_ROWS = 50_000
# the tables' learning rate under embedding_learning_rate=None, as a multiple of the
# network's: chosen leave-one-dataset-out on the 14-dataset suite (benchmarks/results/lodo.md)
TABLE_LR_RATIO = 10.0


def fitted_vocabulary(categories, infrequent, n_buckets: int) -> Vocabulary:
    """The row layout and lookup of a fitted column (no missing-value count needed)."""
    return Vocabulary(categories, infrequent, 0, n_buckets)


def training_config(encoder):
    """The :class:`TrainingConfig` of ``encoder``'s parameters."""
    from ._training import TrainingConfig

    sparse = encoder.sparse_embeddings
    return TrainingConfig(
        hidden_layer_sizes=tuple(int(h) for h in encoder.hidden_layer_sizes),
        dropout=float(encoder.dropout),
        embedding_dropout=float(encoder.embedding_dropout),
        unknown_rate=float(encoder.unknown_rate),
        alpha=float(encoder.alpha),
        batch_size=None if encoder.batch_size == "auto" else int(encoder.batch_size),
        learning_rate_init=float(encoder.learning_rate_init),
        max_iter=int(encoder.max_iter),
        early_stopping=bool(encoder.early_stopping),
        validation_fraction=float(encoder.validation_fraction),
        n_iter_no_change=int(encoder.n_iter_no_change),
        tol=float(encoder.tol),
        verbose=int(encoder.verbose),
        device=encoder.device,
        seed=seed_from(encoder.random_state),
        mixed_precision=encoder.mixed_precision,
        linear_path=bool(encoder.linear_path),
        main_effects_first=bool(encoder.main_effects_first),
        table_learning_rate=TABLE_LR_RATIO * float(encoder.learning_rate_init)
        if encoder.embedding_learning_rate is None
        else float(encoder.embedding_learning_rate),
        sparse_min_rows=SPARSE_MIN_ROWS if sparse == "auto" else (0 if sparse else None),
        shrinkage=float(encoder.shrinkage),
    )


def self_supervision(vocabularies, single, row_counts, embedding_dims):
    """How fit(X) masks and predicts the single columns, and the network's output width."""
    from ._training import SelfSupervision

    weights = []
    for i in single:
        counts = row_counts[i].astype(np.float64)
        counts[vocabularies[i].missing_row] = 0.0
        weights.append(counts**0.75)
    spec = SelfSupervision(
        mask_rows=[vocabularies[i].unknown_row for i in single],
        missing_rows=[vocabularies[i].missing_row for i in single],
        sampling_weights=weights,
    )
    return spec, max(embedding_dims[i] for i in single)


def replacement_rows(vocabulary, is_bag: bool) -> np.ndarray:
    """Row that ``unknown_rate`` substitutes for each row of the table.

    A category row becomes its hash bucket when the column has buckets (the
    row it would get if unseen), else the unknown row; the extra rows map to
    the unknown row and bucket rows (and the padding row of a bag) to
    themselves.
    """
    size = vocabulary.n_rows + (1 if is_bag else 0)
    replacement = np.full(size, vocabulary.unknown_row, dtype=np.int64)
    first_bucket = vocabulary.missing_row + 1
    replacement[first_bucket:] = np.arange(first_bucket, size)
    if vocabulary.n_buckets and len(vocabulary.categories):
        replacement[: vocabulary.unknown_row] = vocabulary.bucket_rows(vocabulary.categories)
    return replacement


def row_bincount(values, minlength: int) -> np.ndarray:
    """``np.bincount`` of table rows, held in NumPy or in a device tensor."""
    if isinstance(values, np.ndarray):
        return np.bincount(values, minlength=minlength)
    from ._device_math import bincount

    return bincount(values, minlength)


def finished_tables(
    result, vocabularies, row_counts, n_missing, unknown_rate, shares=None, started=None,
    copies=None,
):  # fmt: skip
    """The fitted attributes of a training ``result``: tables completed, and the curves.

    The unknown row of a column with hash buckets becomes the buckets' mean (nothing
    maps to it); without pooled categories and ``unknown_rate=0`` it becomes the
    count-weighted mean of the categories; a column without missing values in fit gets
    its unknown row as missing row. ``row_counts[i]``: how many training values fell
    on each row of table ``i``. With a linear path each table is rotated
    (:func:`main_effect_basis`), and the network's input weights with it, so that
    ``network_weights_`` still computes the same outputs from ``embeddings_``.
    ``shares`` (``shared_embeddings``): the columns of a group are completed and rotated
    as one table, from their counts and linear weights together, so that their copies
    in ``embeddings_`` are identical. ``started[i]``: table ``i`` started from given rows
    (a pretrained table, or the previous fit's under ``warm_start``); it is not rotated,
    so that those rows keep their coordinates (frozen rows stay bit-identical, a category
    absent from a continued fit keeps its vector). ``copies[i]``: a crossed table's fold
    copies (:mod:`skembed._fold_rows`), rotated with it and returned as ``"fold_copies"``.
    """
    n_columns = len(result.embeddings)
    crossed = copies is not None
    copies = list(copies) if crossed else [None] * n_columns
    shares = list(shares) if shares is not None else [None] * n_columns
    started = list(started) if started is not None else [False] * n_columns
    owner = [i if shares[i] is None else shares[i] for i in range(n_columns)]
    members = {i: [k for k in range(n_columns) if owner[k] == i] for i in set(owner)}
    embeddings = []
    starts = np.cumsum([0] + [t.shape[1] for t in result.embeddings])
    weights = {name: value.copy() for name, value in result.network_weights.items()}
    for i, table in enumerate(result.embeddings):
        vocabulary, group = vocabularies[i], members[owner[i]]
        counts = sum(row_counts[k] for k in group)
        if vocabulary.n_buckets:  # nothing maps to the unknown row: the buckets' mean
            buckets = slice(vocabulary.missing_row + 1, vocabulary.n_rows)
            weight = counts[buckets].astype(np.float64) + 1.0
            table[vocabulary.unknown_row] = weight @ table[buckets] / weight.sum()
        elif len(vocabulary.infrequent) == 0 and unknown_rate == 0:
            known = counts[: vocabulary.unknown_row].astype(np.float64)
            table[vocabulary.unknown_row] = (
                known @ table[: vocabulary.unknown_row] / max(known.sum(), 1.0)
            )
        if sum(n_missing[k] for k in group) == 0:
            table[vocabulary.missing_row] = table[vocabulary.unknown_row]
        if result.linear_weights is not None and not started[owner[i]]:
            # main effect on the first coordinate(s)
            basis = main_effect_basis(
                np.vstack([result.linear_weights[:, starts[k] : starts[k + 1]] for k in group])
            )
            table = table @ basis
            if copies[i] is not None:
                copies[i] = copies[i] @ basis
            block = slice(starts[i], starts[i + 1])
            for name in INPUT_WEIGHTS:  # the network reads the rotated table alike
                if name in weights:
                    weights[name][:, block] = weights[name][:, block] @ basis
        embeddings.append(np.ascontiguousarray(table, dtype=np.float32))
    fitted = {
        "embeddings_": embeddings,
        "loss_curve_": result.loss_curve,
        "validation_scores_": result.validation_scores,
        "n_iter_": result.n_iter,
        "best_iter_": result.best_iter,
        "batch_size_": result.batch_size,
        "network_weights_": weights,
    }
    if crossed:
        fitted["fold_copies"] = copies
    return fitted


# the network weights that read the embeddings (columns in column order, then the
# continuous inputs): the first linear layer of the MLP, and the linear path
INPUT_WEIGHTS = ("mlp.0.weight", "linear_path.weight")


def main_effect_basis(weights: np.ndarray) -> np.ndarray:
    """An orthogonal basis whose first axes are the directions the linear path reads.

    ``weights`` (n_outputs, dim) maps a column's vector to its linear contribution to
    each output. The returned (dim, dim) matrix ``Q`` is orthogonal, so ``table @ Q``
    keeps every distance and inner product (linear models and k-NN see the same
    geometry), and its first ``rank`` columns span the rows of ``weights``, strongest
    first: one output's main effect becomes the first coordinate, read by a single
    split of a tree, as a target-encoded column would be.
    """
    weights = np.asarray(weights, dtype=np.float64)
    dim = weights.shape[1]
    if not np.isfinite(weights).all() or not np.abs(weights).max(initial=0.0) > 0:
        return np.eye(dim, dtype=np.float32)
    directions, strengths, _ = np.linalg.svd(weights.T, full_matrices=False)
    rank = int((strengths > strengths[0] * 1e-6).sum())
    directions = directions[:, :rank]
    for k in range(rank):  # the coordinate grows with the output it reads
        signed = weights @ directions[:, k]
        if signed[np.argmax(np.abs(signed))] < 0:
            directions[:, k] = -directions[:, k]
    basis, _ = np.linalg.qr(np.hstack([directions, np.eye(dim)]))
    basis = basis[:, :dim]
    basis[:, :rank] = directions  # QR may flip signs; keep the oriented directions
    return basis.astype(np.float32)
