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
from sklearn.utils.validation import check_is_fitted, validate_data

from ._bags import bag_rows, concat_bag_rows
from ._categories import given_vocabulary, vocabulary_from_counts
from ._column_plan import plan_columns, separators_by_column
from ._continuous import continuous_matrix, scale_columns
from ._dask_glue import (
    dask_compute,
    dask_delayed,
    dask_map_partitions,
    dask_meta,
    dask_partitions,
    merge_counts,
    split_partition,
)
from ._dask_statistics import (
    combined_moments,
    partition_summary,
    partition_weight,
    target_summary,
)
from ._encode import encode, fitted_vocabularies
from ._fit_memory import check_trainable, warn_nothing_to_embed
from ._layout import check_output_names
from ._output import pandas_frame
from ._shared_tables import check_shared_widths
from ._table_training import (
    finished_tables,
    replacement_rows,
    self_supervision,
    training_config,
)
from ._tables import as_table
from ._target import describe_target
from ._threads import resolve_n_jobs, torch_threads
from ._validation import validate_params
from ._widths import embedding_width

__all__ = ["fit_dask", "transform_dask"]


# ------------------------------------------------------------------ fit


def fit_dask(encoder, X, y, sample_weight) -> None:
    """Fit ``encoder`` on Dask DataFrame ``X`` (and Dask Series ``y``, ``sample_weight``)."""
    validate_params(encoder)
    check_dask_parameters(encoder)
    meta = dask_meta(X)
    table = as_table(meta, allow_empty=True)
    validate_data(encoder, meta, reset=True, skip_check_array=True)
    parts, names = dask_partitions(X, {"y": y, "sample_weight": sample_weight})

    plan = plan_columns(encoder, table, with_pretrained=False)
    encoder.categorical_columns_ = plan.categorical
    encoder.continuous_columns_ = plan.continuous
    separators = plan.separators
    encoder.hash_buckets_ = plan.hash_buckets
    target_kind = None if y is None else encoder.target_type
    summaries = dask_compute(
        [
            dask_delayed(partition_summary)(part, names, encoder, separators, target_kind)
            for part in parts
        ]
    )  # fmt: skip
    n = sum(s["n"] for s in summaries)  # rows of non-zero weight
    weight_total = sum(s["weight"] for s in summaries)
    if sample_weight is not None and not weight_total > 0:
        raise ValueError("Sample weights must contain at least one non-zero number; all are zero.")
    if n < 1:
        raise ValueError("Found a Dask DataFrame with 0 rows; fit needs at least one row.")

    task, n_outputs, target_scaling = target_summary(encoder, y, summaries)
    encoder.target_scaling_ = target_scaling
    if encoder.verbose:
        print(f"skembed fit: {describe_target(encoder.target_type_, encoder.classes_)}")
    mean, scale = combined_moments([s["continuous"] for s in summaries])
    encoder.continuous_mean_, encoder.continuous_scale_ = mean, scale

    weighted = None if sample_weight is None else weight_total / n  # mean weight of a row
    bag_columns, row_counts, n_missing = _merged_vocabularies(
        encoder, table, summaries, n, weighted, plan.shared, plan.categories
    )
    encoder.shared_embeddings_ = [[int(plan.categorical[i]) for i in g] for g in plan.shared]
    for group in encoder.shared_embeddings_:
        if len({j in bag_columns for j in group}) > 1:
            raise ValueError(
                f"shared_embeddings group {[table.column_label(j) for j in group]} mixes "
                "list-valued and single columns (one table reads one kind); leave a "
                "column out of the group."
            )
    encoder.bag_columns_ = np.array(bag_columns, dtype=np.int64)
    encoder.embedding_dims_ = [
        embedding_width(encoder.embedding_dim, encoder.max_embedding_dim, table, j, len(cats))
        for j, cats in zip(encoder.categorical_columns_, encoder.categories_)
    ]
    check_shared_widths(table, plan, encoder.embedding_dims_)
    check_output_names(
        table.columns, plan.categorical, plan.continuous, encoder.embedding_dims_,
        encoder.continuous != "drop",
    )  # fmt: skip
    encoder.loss_curve_, encoder.validation_scores_ = [], None
    encoder.n_iter_ = encoder.best_iter_ = encoder.batch_size_ = 0
    encoder.embeddings_, encoder.network_weights_ = [], {}
    vars(encoder).pop("alignment_drift_", None)  # a new fit is not aligned
    vocabularies = fitted_vocabularies(encoder)
    if not len(encoder.categorical_columns_):
        return
    check_trainable(table, plan, bag_columns, task, n)  # the in-memory fit's own checks
    cells = {i for i, j in enumerate(encoder.categorical_columns_) if j in bag_columns}
    single = [i for i in range(len(vocabularies)) if i not in cells]
    _train_streamed(
        encoder, parts, names, summaries, task, n_outputs, target_scaling, vocabularies,
        row_counts, n_missing, cells, single, plan.shares(),
    )  # fmt: skip


def check_dask_parameters(encoder) -> None:
    """Raise for the parameters that the Dask fit does not support."""
    for name, value, why in [
        ("pretrained_embeddings", encoder.pretrained_embeddings, "pretrained tables"),
    ]:
        if value is not None:
            raise ValueError(
                f"{name}={value!r} is not supported for Dask input ({why}); set {name}=None "
                "or fit on a pandas DataFrame (X.compute())."
            )
    if encoder.warm_start and "embeddings_" in vars(encoder):
        raise ValueError(
            "warm_start=True is not supported for Dask input (the Dask fit starts afresh); "
            "set warm_start=False, or continue the fit on pandas batches (partial_fit)."
        )


def _merged_vocabularies(
    encoder, table, summaries, n: int, mean_weight, groups=(), given=None
) -> tuple:
    """Set the categories from the partitions' merged counts; bag columns and row counts.

    With sample weights (``mean_weight`` not None), ``min_frequency`` and
    ``max_categories`` compare the weighted counts over the mean weight, as in memory.
    The columns of each of ``groups`` (``shared_embeddings``) get one vocabulary from
    their counts summed; a column of ``given`` (``categories=``) gets exactly those.
    """
    bag_columns, row_counts, n_missing = [], [], []
    encoder.categories_, encoder.infrequent_categories_, encoder.category_counts_ = [], [], []
    shared = {}
    for group in groups:
        vocabulary = _vocabulary(encoder, summaries, group, n, mean_weight)
        shared.update(dict.fromkeys(group, vocabulary))
    for i, j in enumerate(encoder.categorical_columns_):
        stats = [s["categorical"][i] for s in summaries]
        if any(is_bag for is_bag, *_ in stats):
            bag_columns.append(j)
        uniques, counts = merge_counts([u for _, u, _, _ in stats], [c for *_, c, _ in stats])
        missing = sum(m for *_, m in stats)
        if len(uniques) == 0:
            warn_nothing_to_embed(table, j)
        vocabulary = shared.get(i) or _vocabulary(encoder, summaries, [i], n, mean_weight)
        if given and i in given:
            vocabulary = given_vocabulary(given[i], uniques, missing, encoder.hash_buckets_[i])
        rows, _ = vocabulary.encode(np.arange(len(uniques)), uniques)
        counted = np.bincount(rows, weights=counts, minlength=vocabulary.n_rows)
        counted[vocabulary.missing_row] += missing
        encoder.categories_.append(vocabulary.categories)
        encoder.infrequent_categories_.append(vocabulary.infrequent)
        encoder.category_counts_.append(counted[: len(vocabulary.categories)].astype(np.int64))
        row_counts.append(counted.astype(np.int64))
        n_missing.append(missing)
    return bag_columns, row_counts, n_missing


def _vocabulary(encoder, summaries, columns, n: int, mean_weight):
    """The vocabulary of categorical positions ``columns`` from their merged counts."""
    stats = [s["categorical"][i] for s in summaries for i in columns]
    uniques, counts = merge_counts([u for _, u, _, _ in stats], [c for *_, c, _ in stats])
    if mean_weight is not None:
        weighted = [s["weighted_counts"][i] for s in summaries for i in columns]
        _, counts = merge_counts([u for _, u, _, _ in stats], weighted)
        counts = counts / mean_weight
    return vocabulary_from_counts(
        uniques,
        counts,
        sum(m for *_, m in stats),
        min_frequency=encoder.min_frequency,
        max_categories=encoder.max_categories,
        n_rows=n,
        n_buckets=encoder.hash_buckets_[columns[0]],
    )


def _partition_arrays(part, names, encoder, target_scaling) -> tuple:
    """One partition as training arrays: (rows, continuous, target, weight, *bags)."""
    part, extras = split_partition(part, names)
    table = as_table(part, allow_empty=True)
    n = table.n_rows
    w = partition_weight(extras.get("sample_weight"), n).astype(np.float32)
    separators = separators_by_column(encoder.separator, table, encoder.categorical_columns_)
    vocabularies = fitted_vocabularies(encoder)
    rows, bags = [], []
    for i, j in enumerate(encoder.categorical_columns_):
        vocabulary = vocabularies[i]
        if j in encoder.bag_columns_:
            cell, codes, uniques = table.bag(j, separators.get(j))
            token_rows, _ = vocabulary.encode(codes, uniques)
            bags.append(bag_rows(cell, token_rows, n, vocabulary.missing_row))
        else:
            codes, uniques = table.factorize(j)
            rows.append(vocabulary.encode(codes, uniques)[0])
    rows = np.stack(rows, axis=1) if rows else np.empty((n, 0), dtype=np.int64)
    matrix = continuous_matrix(table, encoder.continuous_columns_)
    scaled = scale_columns(matrix, encoder.continuous_mean_, encoder.continuous_scale_)
    scaled = scaled.astype(np.float32)
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
            mean, scale = target_scaling
            standardized = values.astype(np.float64) / scale - mean / scale
            target = standardized.astype(np.float32)[:, None]
    return (rows, scaled, target, w, *bags)


def _concat_chunks(chunks: list[tuple]) -> tuple:
    """Rows of several partitions' arrays in one chunk (bags stay ragged: no padding)."""
    if len(chunks) == 1:
        return chunks[0]
    fixed = [np.concatenate(arrays) for arrays in zip(*(c[:4] for c in chunks))]
    bags = [concat_bag_rows(list(parts)) for parts in zip(*(c[4:] for c in chunks))]
    return (*fixed, *bags)


def _train_streamed(
    encoder, parts, names, summaries, task, n_outputs, target_scaling, vocabularies,
    row_counts, n_missing, cells, single, shares=None,
) -> None:  # fmt: skip
    from ._training import ChunkStream, train  # torch is imported here, not at import

    config = training_config(encoder)
    table_sizes = [v.n_rows for v in vocabularies]
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
        tasks = [arrays(parts[k], names, encoder, target_scaling) for k in group]
        return _concat_chunks(dask_compute(tasks))

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

    supervision = None
    if task == "self-supervised":
        supervision, n_outputs = self_supervision(
            vocabularies, single, row_counts, encoder.embedding_dims_
        )
    replacements = [replacement_rows(v, i in cells) for i, v in enumerate(vocabularies)]
    with torch_threads(resolve_n_jobs(encoder.n_jobs)):
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
            self_supervision=supervision,
            shares=shares,
            stream=ChunkStream(
                train_chunks=train_chunks,
                validation_chunks=validation_chunks if val_parts else None,
                n_continuous=len(encoder.continuous_columns_),
                weight_scale=weight_train / max(n_train, 1),
            ),
        )
    vars(encoder).update(
        finished_tables(result, vocabularies, row_counts, n_missing, config.unknown_rate, shares)
    )


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
        values = np.asarray(encode(encoder, part))
    return pandas_frame(values, part.index, names)
