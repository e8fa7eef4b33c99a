"""The in-memory fit's training step: learned columns in, trained and finished tables out.

:func:`train_tables` lays the learned columns out as the training loop takes them (the
single columns' table rows as one matrix, the bags ragged, pretrained or continued
tables as starting rows), crosses the tables over ``cv``'s folds where the fit asks
(:mod:`skembed._fold_rows`), trains (:func:`skembed._training.train`, torch imported
there) and finishes the tables (:func:`skembed._table_training.finished_tables`).
"""

from __future__ import annotations

import numpy as np

from ._bags import bag_rows, concat_bag_rows
from ._fold_rows import FoldRows, out_of_fold_vectors
from ._pretrained import initial_table
from ._table_training import (
    finished_tables,
    fitted_vocabulary,
    replacement_rows,
    row_bincount,
    self_supervision,
    training_config,
)
from ._threads import resolve_n_jobs, torch_threads

__all__ = ["crossed", "fold_rows_of", "single_rows", "train_tables"]


def train_tables(
    encoder, fitted, learned, plan, scaled, target, weight, warm=None, partial=None, folds=None
) -> dict:
    """Train the network on the learned columns; the tables and curves as attributes.

    ``warm`` (:class:`~skembed._warm_start.WarmStart`): start from its tables and the
    previous fit's network instead of fresh ones, with random streams of their own
    (the seed moves on by the epochs already run). ``partial``: one epoch, no early
    stopping. ``folds`` (each row's fold, :mod:`skembed._fold_rows`): cross the tables
    over them; the out-of-fold vectors are returned under ``"_out_of_fold"``.
    """
    from ._training import train  # torch is imported here, not at import

    n = len(target.values)
    vocabularies = [
        fitted_vocabulary(cats, infrequent, buckets)
        for cats, infrequent, buckets in zip(
            learned.categories, learned.infrequent, plan.hash_buckets
        )
    ]
    table_sizes = [vocabulary.n_rows for vocabulary in vocabularies]
    bags = learned.token_rows
    single = [i for i in range(len(table_sizes)) if i not in bags]
    rows = single_rows(learned.value_rows, single, n)
    bag_inputs = [
        bag_rows(bags[i], learned.value_rows[i], n, vocabularies[i].missing_row)
        for i in sorted(bags)
    ]
    replacements = [replacement_rows(v, i in bags) for i, v in enumerate(vocabularies)]
    row_counts = [row_bincount(v, size) for v, size in zip(learned.value_rows, table_sizes)]
    supervision, n_outputs = None, target.n_outputs
    if target.task == "self-supervised":
        supervision, n_outputs = self_supervision(
            vocabularies, single, row_counts, fitted["embedding_dims_"]
        )
    config = training_config(encoder)
    on_gpu = not isinstance(rows, np.ndarray) and rows.device.type == "cuda"
    if on_gpu and config.device == "auto":  # train where the data are (say cuda:1)
        config.device = str(rows.device)
    initial, frozen_rows = [None] * len(table_sizes), [None] * len(table_sizes)
    for i, (labels, matrix) in learned.pretrained.items():
        initial[i], positions = initial_table(vocabularies[i], labels, matrix, config.seed + i)
        if i in plan.frozen:
            frozen_rows[i] = positions
    shares = plan.shares()  # a shared table is loaded from its first column only
    initial = [None if shares[i] is not None else t for i, t in enumerate(initial)]
    if warm is not None:
        initial = [None if shares[i] is not None else t for i, t in enumerate(warm.tables)]
        config.initial_network = warm.state["network_weights_"] or None
        config.seed += int(warm.state["n_iter_"])
    if partial is not None:
        config.max_iter, config.early_stopping = 1, False
    arrays = [rows, scaled, target.values, weight.astype(np.float32)]
    crossing = None
    if folds is not None and warm is None and partial is None and supervision is None:
        crossing = fold_rows_of(folds, table_sizes, bags, shares, initial)
    if crossing is not None:
        arrays, bag_inputs, replacements = crossed(crossing, arrays, single, bag_inputs,
                                                   replacements, config)  # fmt: skip
    with torch_threads(resolve_n_jobs(encoder.n_jobs)):
        result = train(
            *arrays,
            task=target.task,
            n_outputs=n_outputs,
            table_sizes=table_sizes if crossing is None else crossing.table_sizes(),
            embedding_dims=fitted["embedding_dims_"],
            config=config,
            initial_tables=initial,
            frozen_rows=frozen_rows,
            bags=bag_inputs,
            bag_modes=[encoder.bag_mode if i in bags else None for i in range(len(table_sizes))],
            replacements=replacements,
            self_supervision=supervision,
            shares=shares,
        )
    started = [table is not None for table in initial]
    copies = None
    if crossing is not None:
        result.embeddings, copies = crossing.split_tables(
            result.embeddings, result.row_counts, replacements
        )
    fitted_tables = finished_tables(result, vocabularies, row_counts, learned.n_missing,
                                    config.unknown_rate, shares, started, copies)  # fmt: skip
    if crossing is not None:  # each training row's own fold's vectors, for fit_transform
        fitted_tables["_out_of_fold"] = out_of_fold_vectors(
            fitted_tables.pop("fold_copies"), crossing, learned.value_rows
        )
    return fitted_tables


def crossed(crossing: FoldRows, arrays, single, bag_inputs, replacements, config) -> tuple:
    """The training arrays, bags and substitute rows repeated over ``crossing``'s copies;
    ``config`` learns that the rows come ``repeats`` times (early stopping holds out
    whole rows)."""
    config.row_repeats = crossing.repeats
    return (
        crossing.expand(arrays, single),
        [concat_bag_rows([bag] * crossing.repeats) for bag in bag_inputs],
        crossing.replacements(replacements),
    )


def fold_rows_of(folds, table_sizes, bags, shares, initial) -> FoldRows | None:
    """The :class:`~skembed._fold_rows.FoldRows` of a fit, or None if no column is crossed.

    Crossed: the columns with one category per row and a table of their own (no other
    column reads it) that starts from drawn rows (not pretrained).
    """
    read = {owner for owner in shares if owner is not None}
    crossed = [
        i not in bags and shares[i] is None and i not in read and initial[i] is None
        for i in range(len(table_sizes))
    ]
    ids, n_folds = folds
    if not any(crossed):
        return None
    return FoldRows(ids, n_folds, crossed, list(table_sizes))


def single_rows(value_rows: list, single: list, n: int):
    """The single (non-bag) columns' table rows as one (n, len(single)) int64 matrix."""
    if single and not isinstance(value_rows[single[0]], np.ndarray):  # on a device
        from ._device_math import stack_rows

        return stack_rows([value_rows[i] for i in single])
    rows = np.empty((n, len(single)), dtype=np.int64)
    for k, i in enumerate(single):
        rows[:, k] = value_rows[i]
    return rows
