"""Fit and transform on Dask DataFrames, partition by partition.

``fit`` makes one pass over the partitions to count every categorical column's
values and to sum the moments of the continuous columns and of the target (per
partition, in parallel on the Dask scheduler; only these small summaries reach
the client), learns the vocabularies from the summed counts, then trains by
streaming: each epoch visits the training partitions in a new random order,
``partitions_per_buffer`` at a time (concatenated and shuffled together on the
device), while the next buffer is computed in the background. Early stopping
scores held-out partitions. Memory holds at most two buffers of encoded rows.

``transform`` is ``map_partitions`` of the NumPy lookup, with the output's
``meta`` given, so it stays lazy and never collects rows to the client.

The Dask calls themselves live in ``_dask_glue``.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import check_is_fitted, validate_data

from ._categories import vocabulary_from_counts
from ._dask_glue import (
    dask_compute,
    dask_delayed,
    dask_map_partitions,
    dask_meta,
    dask_partitions,
    merge_counts,
    split_partition,
)
from ._encoder import _padded_bags, _per_row, _replacement_rows, _valid_weights
from ._output import pandas_frame
from ._tables import as_table
from ._validation import validate_params
from ._values import is_missing

__all__ = ["fit_dask", "transform_dask"]


# ------------------------------------------------------------------ fit


def fit_dask(encoder, X, y, sample_weight) -> None:
    """Fit ``encoder`` on Dask DataFrame ``X`` (and Dask Series ``y``, ``sample_weight``)."""
    validate_params(encoder)
    for name, value, why in [
        ("cv", encoder.cv, "cross-fitting needs the rows of every fold in memory"),
        ("pretrained_embeddings", encoder.pretrained_embeddings, "pretrained tables"),
    ]:
        if value is not None:
            raise ValueError(
                f"{name}={value!r} is not supported for Dask input ({why}); set {name}=None "
                "or fit on a pandas DataFrame (X.compute())."
            )
    meta = dask_meta(X)
    table = as_table(meta, allow_empty=True)
    validate_data(encoder, meta, reset=True, skip_check_array=True)
    parts, names = dask_partitions(X, {"y": y, "sample_weight": sample_weight})

    is_cat = encoder._categorical_mask(table)
    encoder.categorical_columns_ = np.flatnonzero(is_cat)
    encoder.continuous_columns_ = np.flatnonzero(~is_cat)
    separators = encoder._separators(table)
    encoder.hash_buckets_ = encoder._buckets(table)
    target_kind = None if y is None else encoder.target_type
    summaries = dask_compute(
        [
            dask_delayed(_partition_summary)(part, names, encoder, separators, target_kind)
            for part in parts
        ]
    )  # fmt: skip
    n = sum(s["n"] for s in summaries)
    if n < 1:
        raise ValueError("Found a Dask DataFrame with 0 rows; fit needs at least one row.")
    weight_total = sum(s["weight"] for s in summaries)
    if sample_weight is not None and not weight_total > 0:
        raise ValueError("Sample weights must contain at least one non-zero number; all are zero.")

    task, n_outputs = _target_summary(encoder, y, summaries)
    mean, scale = _combined_moments([s["continuous"] for s in summaries])
    encoder.continuous_mean_, encoder.continuous_scale_ = mean, scale

    bag_columns, vocabularies, row_counts, n_missing = [], [], [], []
    encoder.categories_, encoder.infrequent_categories_, encoder.category_counts_ = [], [], []
    for i, j in enumerate(encoder.categorical_columns_):
        stats = [s["categorical"][i] for s in summaries]
        if any(is_bag for is_bag, *_ in stats):
            bag_columns.append(j)
        uniques, counts = merge_counts([u for _, u, _, _ in stats], [c for *_, c, _ in stats])
        missing = sum(m for *_, m in stats)
        if len(uniques) == 0:
            raise ValueError(
                f"Categorical column {table.column_label(j)} has only missing values "
                "(or empty lists) in fit, so there is nothing to embed. Drop the column "
                "or fill its missing values."
            )
        vocabulary = vocabulary_from_counts(
            uniques,
            counts,
            missing,
            min_frequency=encoder.min_frequency,
            max_categories=encoder.max_categories,
            n_rows=n,
            n_buckets=encoder.hash_buckets_[i],
        )
        rows, _ = vocabulary.encode(np.arange(len(uniques)), uniques)
        counted = np.bincount(rows, weights=counts, minlength=vocabulary.n_rows)
        counted[vocabulary.missing_row] += missing
        encoder.categories_.append(vocabulary.categories)
        encoder.infrequent_categories_.append(vocabulary.infrequent)
        encoder.category_counts_.append(counted[: len(vocabulary.categories)].astype(np.int64))
        row_counts.append(counted.astype(np.int64))
        n_missing.append(missing)
    encoder.bag_columns_ = np.array(bag_columns, dtype=np.int64)
    encoder.embedding_dims_ = [
        encoder._embedding_dim_for(table, j, len(cats))
        for j, cats in zip(encoder.categorical_columns_, encoder.categories_)
    ]
    encoder.loss_curve_, encoder.validation_scores_ = [], None
    encoder.n_iter_ = encoder.best_iter_ = encoder.batch_size_ = 0
    encoder.embeddings_ = []
    vocabularies = [encoder._vocabulary(i) for i in range(len(encoder.categories_))]
    if not len(encoder.categorical_columns_):
        return
    if n < 2:
        raise ValueError(
            "Training embeddings needs at least 2 samples, got n_samples = 1. Fit on more rows."
        )
    cells = {i for i, j in enumerate(encoder.categorical_columns_) if j in bag_columns}
    single = [i for i in range(len(vocabularies)) if i not in cells]
    if task == "self-supervised" and not single:
        raise ValueError(
            "fit(X) without y learns embeddings by predicting each categorical column from "
            "the others, so it needs a categorical column with one category per row; the "
            "categorical columns of X are all list-valued. Pass y, or add a categorical "
            "column."
        )
    _train_streamed(
        encoder, parts, names, summaries, task, n_outputs, vocabularies, row_counts,
        n_missing, cells, single,
    )  # fmt: skip


def _partition_summary(part, names, encoder, separators, target_kind) -> dict:
    """Counts and moments of one partition (runs on a Dask worker)."""
    part, extras = split_partition(part, names)
    table = as_table(part, allow_empty=True)
    n = table.n_rows
    w = _partition_weight(extras.get("sample_weight"), n)
    categorical = []
    for j in encoder.categorical_columns_:
        is_bag = bool(j in separators or (n and table.is_list(j)))
        if is_bag:
            cell, codes, uniques = table.bag(j, separators.get(j))
            counts = np.bincount(_per_row(cell, codes, len(uniques)), minlength=len(uniques))
            missing = n - len(np.unique(cell))
        else:
            codes, uniques = table.factorize(j)
            counts = np.bincount(codes[codes >= 0], minlength=len(uniques))
            missing = int((codes < 0).sum())
        categorical.append((is_bag, uniques, counts, int(missing)))
    cont = encoder._continuous_matrix(table)
    summary = {
        "n": n,
        "weight": float(w.sum()),
        "categorical": categorical,
        "continuous": _moments(cont, w),
        "y_uniques": None,
        "y_continuous": False,
        "y_moments": None,
    }
    if target_kind is None:
        return summary
    values = extras["y"]
    if n and is_missing(values).any():
        raise ValueError(
            "y contains missing values (NaN or None); the embeddings cannot be trained on "
            "them. Drop those rows or impute y."
        )
    numeric = values.dtype.kind in "biuf"
    if numeric:
        as_float = values.astype(np.float64)
        if not np.isfinite(as_float).all():
            raise ValueError("y contains infinity; expected finite numbers.")
        summary["y_moments"] = _moments(as_float[:, None], w)
        non_integral = values.dtype.kind == "f" and bool((as_float != np.round(as_float)).any())
        summary["y_continuous"] = non_integral
    if target_kind in ("binary", "multiclass") or (
        target_kind == "auto" and not summary["y_continuous"]
    ):
        summary["y_uniques"] = np.unique(values) if n else values[:0]
    return summary


def _partition_weight(weight, n: int) -> np.ndarray:
    return np.ones(n, dtype=np.float64) if weight is None else _valid_weights(weight)


def _moments(values: np.ndarray, w: np.ndarray) -> tuple:
    """Per column: total weight of the present values, their weighted mean and M2."""
    present = ~np.isnan(values)
    weight = w[:, None] * present
    total = weight.sum(axis=0)
    filled = np.where(present, values, 0.0)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        mean = np.where(total > 0, (weight * filled).sum(axis=0) / total, 0.0)
        m2 = (weight * (filled - mean) ** 2).sum(axis=0)
    return total, mean, m2


def _combined_moments(parts: list[tuple]) -> tuple[np.ndarray, np.ndarray]:
    """Mean and std of the union of partitions (Chan et al.'s pairwise update)."""
    total, mean, m2 = parts[0]
    for other_total, other_mean, other_m2 in parts[1:]:
        combined = total + other_total
        safe = np.where(combined > 0, combined, 1.0)
        delta = other_mean - mean
        with np.errstate(over="ignore", invalid="ignore"):
            mean = mean + delta * other_total / safe
            m2 = m2 + other_m2 + delta**2 * total * other_total / safe
        total = combined
    with np.errstate(over="ignore", invalid="ignore"):
        scale = np.sqrt(m2 / np.where(total > 0, total, 1.0))
    scale = np.where((scale > 0) & np.isfinite(scale), scale, 1.0)
    mean = np.where(np.isfinite(mean), mean, 0.0)
    return mean, scale


def _target_summary(encoder, y, summaries) -> tuple[str, int | None]:
    """Set ``target_type_``, ``classes_`` (and the target's scaling); the task and width."""
    encoder.classes_ = None
    if y is None:
        encoder.target_type_ = "self-supervised"
        return "self-supervised", None
    kind = encoder.target_type
    if kind == "auto":
        if any(s["y_continuous"] for s in summaries):
            kind = "continuous"
        else:
            uniques = np.unique(np.concatenate([s["y_uniques"] for s in summaries]))
            kind = type_of_target(uniques, input_name="y")
            if kind not in ("binary", "multiclass", "continuous"):
                raise ValueError(
                    f"Unsupported target: type_of_target(y) is {kind!r}. Expected a "
                    "binary, multiclass or continuous target; set target_type."
                )
    if kind == "multilabel-indicator":
        raise ValueError(
            "target_type='multilabel-indicator' needs a 2-D y, which a Dask Series is not; "
            "fit on a pandas DataFrame for multi-label targets."
        )
    encoder.target_type_ = kind
    if kind in ("binary", "multiclass"):
        encoder.classes_ = np.unique(np.concatenate([s["y_uniques"] for s in summaries]))
        if kind == "binary" and len(encoder.classes_) > 2:
            raise ValueError(
                f"target_type='binary' but y has {len(encoder.classes_)} classes; use "
                "'multiclass'."
            )
        return kind, (1 if kind == "binary" else len(encoder.classes_))
    if any(s["y_moments"] is None for s in summaries if s["n"]):
        raise ValueError(
            f"target_type={kind!r} needs a numeric y; y of the Dask input is not numeric."
        )
    mean, scale = _combined_moments([s["y_moments"] for s in summaries if s["n"]])
    encoder._target_mean, encoder._target_scale = mean, scale
    return "continuous", 1


def _partition_arrays(part, names, encoder) -> tuple:
    """One partition as training arrays: (rows, continuous, target, weight, *bags)."""
    part, extras = split_partition(part, names)
    table = as_table(part, allow_empty=True)
    n = table.n_rows
    w = _partition_weight(extras.get("sample_weight"), n).astype(np.float32)
    separators = encoder._separators(table)
    rows, bags = [], []
    for i, j in enumerate(encoder.categorical_columns_):
        vocabulary = encoder._vocabulary(i)
        if j in encoder.bag_columns_:
            cell, codes, uniques = table.bag(j, separators.get(j))
            token_rows, _ = vocabulary.encode(codes, uniques)
            bags.append(
                _padded_bags(cell, token_rows, n, vocabulary.n_rows, vocabulary.missing_row)
            )
        else:
            codes, uniques = table.factorize(j)
            rows.append(vocabulary.encode(codes, uniques)[0])
    rows = np.stack(rows, axis=1) if rows else np.empty((n, 0), dtype=np.int64)
    scaled = encoder._scale(encoder._continuous_matrix(table)).astype(np.float32)
    kind = encoder.target_type_
    if kind == "self-supervised":
        target = np.zeros((n, 1), dtype=np.float32)
    else:
        values = extras["y"]
        if kind == "binary":
            target = np.searchsorted(encoder.classes_, values).astype(np.float32)[:, None]
        elif kind == "multiclass":
            target = np.searchsorted(encoder.classes_, values).astype(np.int64)
        else:
            mean, scale = encoder._target_mean, encoder._target_scale
            standardized = values.astype(np.float64) / scale - mean / scale
            target = standardized.astype(np.float32)[:, None]
    return (rows, scaled, target, w, *bags)


def _concat_chunks(chunks: list[tuple], pads: list[int]) -> tuple:
    """Rows of several partitions' arrays in one chunk; bags padded to one width."""
    if len(chunks) == 1:
        return chunks[0]
    fixed = [np.concatenate(arrays) for arrays in zip(*(c[:4] for c in chunks))]
    bags = []
    for b, pad in enumerate(pads):
        width = max(c[4 + b].shape[1] for c in chunks)
        padded = [
            np.pad(c[4 + b], ((0, 0), (0, width - c[4 + b].shape[1])), constant_values=pad)
            for c in chunks
        ]
        bags.append(np.concatenate(padded))
    return (*fixed, *bags)


def _train_streamed(
    encoder, parts, names, summaries, task, n_outputs, vocabularies, row_counts, n_missing,
    cells, single,
) -> None:  # fmt: skip
    from ._training import ChunkStream, train  # torch is imported here, not at import

    config = encoder._training_config()
    table_sizes = [v.n_rows for v in vocabularies]
    pads = [table_sizes[i] for i in sorted(cells)]
    nonempty = [k for k, s in enumerate(summaries) if s["n"]]
    rng = np.random.RandomState(config.seed % (2**32))
    order = rng.permutation(nonempty)
    n_val = 0
    if config.early_stopping and len(order) >= 2:
        n_val = min(len(order) - 1, max(1, int(round(config.validation_fraction * len(order)))))
    val_parts, train_parts = sorted(order[:n_val]), sorted(order[n_val:])
    n_train = sum(summaries[k]["n"] for k in train_parts)
    weight_train = sum(summaries[k]["weight"] for k in train_parts)
    arrays = dask_delayed(_partition_arrays)
    buffer = int(encoder.partitions_per_buffer)

    def load(group) -> tuple:
        tasks = [arrays(parts[k], names, encoder) for k in group]
        return _concat_chunks(dask_compute(tasks), pads)

    def train_chunks(epoch: int):
        shuffled = np.random.RandomState((config.seed + epoch) % (2**32)).permutation(train_parts)
        groups = [shuffled[g : g + buffer] for g in range(0, len(shuffled), buffer)]
        with ThreadPoolExecutor(max_workers=1) as prefetch:  # the next buffer, meanwhile
            pending = prefetch.submit(load, groups[0])
            for group in groups[1:]:
                chunk, pending = pending.result(), prefetch.submit(load, group)
                yield chunk
            yield pending.result()

    def validation_chunks():
        for k in val_parts:
            yield load([k])

    self_supervision = None
    if task == "self-supervised":
        self_supervision, n_outputs = encoder._self_supervision(vocabularies, single, row_counts)
    replacements = [_replacement_rows(v, i in cells) for i, v in enumerate(vocabularies)]
    result = train(
        None,
        None,
        None,
        None,
        task=task,
        n_outputs=n_outputs,
        table_sizes=table_sizes,
        embedding_dims=encoder.embedding_dims_,
        config=config,
        bag_modes=[encoder.bag_mode if i in cells else None for i in range(len(table_sizes))],
        replacements=replacements,
        self_supervision=self_supervision,
        stream=ChunkStream(
            train_chunks=train_chunks,
            validation_chunks=validation_chunks if val_parts else None,
            n_continuous=len(encoder.continuous_columns_),
            weight_scale=weight_train / max(n_train, 1),
        ),
    )
    encoder._keep_training_result(result, vocabularies, row_counts, n_missing, config)
    for name in ("_target_mean", "_target_scale"):
        encoder.__dict__.pop(name, None)


# ------------------------------------------------------------ transform


def transform_dask(encoder, X):
    """A lazy Dask DataFrame of ``encoder.transform`` of each partition of ``X``."""
    check_is_fitted(encoder, "embeddings_")
    validate_data(encoder, dask_meta(X), reset=False, skip_check_array=True)
    names = [str(name) for name in encoder.get_feature_names_out()]
    empty = np.empty((0, len(names)), dtype=encoder.dtype)
    return dask_map_partitions(X, _transform_partition, pandas_frame(empty, None, names), encoder)


def _transform_partition(part, encoder):
    """``transform`` of one pandas partition as a pandas DataFrame on the same index."""
    names = [str(name) for name in encoder.get_feature_names_out()]
    if len(part) == 0:  # an empty partition, or Dask probing the output's metadata
        values = np.empty((0, len(names)), dtype=encoder.dtype)
    else:
        values = np.asarray(encoder._transform(part))
    return pandas_frame(values, part.index, names)
