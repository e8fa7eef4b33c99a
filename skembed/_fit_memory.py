"""The in-memory fit: from a table view of X (host or device) to the fitted attributes.

:func:`fit_tables` returns every fitted attribute as a dict instead of setting them,
so that the estimator stores all of them or none.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
from sklearn.utils.validation import validate_data

from ._bags import unique_per_row
from ._categories import always_kept, given_vocabulary, learn_vocabulary
from ._column_plan import plan_columns
from ._continuous import continuous_matrix, scale_columns
from ._encode import fitted_vocabularies
from ._fit_tables import train_tables
from ._fold_rows import OutOfFold
from ._layout import check_output_names
from ._pretrained import match_labels
from ._shared_tables import check_shared_widths, shared_vocabularies
from ._stats import check_sample_weight, weighted_mean_std
from ._table_training import row_bincount
from ._tables import as_1d, as_table, take_rows
from ._target import check_target_length, describe_target
from ._validation import caller_stacklevel, validate_params
from ._warm_start import (
    add_previous_counts,
    check_same_columns,
    continued_history,
    continued_target,
    merge_vocabularies,
    previous_fit,
)
from ._widths import embedding_width

__all__ = ["fit_in_memory", "fit_tables"]


@dataclass
class LearnedColumns:
    """What the vocabulary pass learned of each categorical column (by position).

    Attributes
    ----------
    categories, infrequent : list of ndarray
        Kept and pooled categories.
    value_rows : list of ndarray
        Table row of each row of X (of each token for a bag column).
    token_rows : dict of {int: ndarray}
        Bag columns only: the row of X each token came from.
    n_missing : list of int
        Rows of X with a missing value (no token for a bag column).
    pretrained : dict of {int: (ndarray, ndarray)}
        Pretrained tables with labels matched to the column's values.
    """

    categories: list = field(default_factory=list)
    infrequent: list = field(default_factory=list)
    value_rows: list = field(default_factory=list)
    token_rows: dict = field(default_factory=dict)
    n_missing: list = field(default_factory=list)
    pretrained: dict = field(default_factory=dict)


def fit_in_memory(encoder, X, y, sample_weight, partial=None, folds=None) -> None:
    """Validate ``encoder``'s parameters and X, then store every fitted attribute.

    ``folds`` (each row's fold and the number of folds): cross the tables over them
    (:mod:`skembed._fold_rows`); the trained rows' out-of-fold vectors are then left in
    ``encoder._out_of_fold`` (an :class:`~skembed._fold_rows.OutOfFold`) for
    ``fit_transform``, which removes them.
    """
    validate_params(encoder)
    table = as_table(X)
    fresh = previous_fit(encoder, partial) is None  # continuing keeps n_features_in_
    validate_data(encoder, table.data, reset=fresh, skip_check_array=True)
    kept = np.arange(table.n_rows)
    if folds is not None:  # one fold per row of y: y must have X's rows
        check_target_length(as_1d(y), table.n_rows)
    if sample_weight is not None:
        sample_weight = check_sample_weight(as_1d(sample_weight), table.n_rows)
        if y is not None:  # before rows are dropped, so that the message counts them all
            check_target_length(as_1d(y), table.n_rows)
        if (sample_weight == 0).any():  # weight 0 is as if the row were absent
            kept = np.flatnonzero(sample_weight)
            table, sample_weight = as_table(take_rows(X, kept)), sample_weight[kept]
            y = None if y is None else as_1d(y)[kept]
    if folds is not None:
        folds = (folds[0][kept], folds[1])
    fitted = fit_tables(encoder, table, y, sample_weight, partial, folds)
    vectors = fitted.pop("_out_of_fold", None)
    vars(encoder).update(fitted)
    vars(encoder).pop("alignment_drift_", None)  # a new fit is not aligned
    vars(encoder).pop("_out_of_fold", None)
    if vectors is not None:
        vars(encoder)["_out_of_fold"] = OutOfFold(kept, vectors)
    fitted_vocabularies(encoder)  # the lookups transform needs, built once here


def fit_tables(encoder, table, y, sample_weight, partial=None, folds=None) -> dict:
    """Every fitted attribute of ``encoder`` fitted on ``table`` (the caller validated X);
    ``folds``: as :func:`fit_in_memory`'s."""
    n = table.n_rows
    weight = check_sample_weight(None if sample_weight is None else as_1d(sample_weight), n)
    previous = previous_fit(encoder, partial)
    target = continued_target(encoder, y, n, weight, previous, partial)
    if encoder.verbose:
        print(f"skembed fit: {describe_target(target.target_type, target.classes)}")
    plan = plan_columns(encoder, table)
    bag_columns = np.array(
        [j for j in plan.categorical if j in plan.separators or table.is_list(j)], dtype=np.int64
    )
    if previous is not None:
        check_same_columns(previous, table, plan, bag_columns)
    cont = continuous_matrix(table, plan.continuous)
    if previous is None:
        mean, scale = weighted_mean_std(cont, weight)  # device data stay where they are
    else:  # the network was trained on the previous scaling
        mean, scale = previous["continuous_mean_"], previous["continuous_scale_"]
    scaled = scale_columns(cont, mean, scale)
    scaled = scaled.float() if table.on_device else scaled.astype(np.float32)
    kept = None if previous is None else previous["categories_"]
    learned = learn_columns(encoder, table, plan, bag_columns, relative_weights(weight), kept)
    warm = None if previous is None else merge_vocabularies(previous, learned, partial is None)
    fitted = {
        "target_type_": target.target_type,
        "classes_": target.classes,
        "target_scaling_": target.scaling,
        "categorical_columns_": plan.categorical,
        "continuous_columns_": plan.continuous,
        "continuous_mean_": mean,
        "continuous_scale_": scale,
        "bag_columns_": bag_columns,
        "hash_buckets_": plan.hash_buckets,
        "categories_": learned.categories,
        "infrequent_categories_": learned.infrequent,
        "category_counts_": category_counts(learned),
        "embedding_dims_": [
            embedding_width(
                encoder.embedding_dim,
                encoder.max_embedding_dim,
                table,
                j,
                len(cats),
                learned.pretrained.get(i),
            )  # fmt: skip
            for i, (j, cats) in enumerate(zip(plan.categorical, learned.categories))
        ],
        "loss_curve_": [],
        "validation_scores_": None,
        "n_iter_": 0,
        "best_iter_": 0,
        "batch_size_": 0,
        "embeddings_": [],
        "network_weights_": {},
    }
    check_shared_widths(table, plan, fitted["embedding_dims_"])
    fitted["shared_embeddings_"] = [[int(plan.categorical[i]) for i in g] for g in plan.shared]
    if warm is not None:
        fitted["embedding_dims_"] = list(previous["embedding_dims_"])
        fitted["category_counts_"] = add_previous_counts(warm, fitted["category_counts_"])
    check_trainable(table, plan, bag_columns, target.task, n)
    check_output_names(
        table.columns, plan.categorical, plan.continuous, fitted["embedding_dims_"],
        encoder.continuous != "drop",
    )  # fmt: skip
    if len(plan.categorical):
        fitted.update(
            train_tables(
                encoder, fitted, learned, plan, scaled, target, weight, warm, partial, folds
            )
        )
    if warm is not None:
        fitted.update(continued_history(warm, fitted))
    return fitted


def relative_weights(weight: np.ndarray) -> np.ndarray | None:
    """Sample weights over their mean, for weighted category counts; None if all equal."""
    return None if (weight == weight[0]).all() else weight / weight.mean()


def learn_columns(encoder, table, plan, bag_columns, weights=None, kept=None) -> LearnedColumns:
    """Factorize every categorical column and choose its kept categories.

    ``weights`` (relative sample weights, or None) weigh the counts that
    ``min_frequency`` and ``max_categories`` compare. ``kept`` (a continued fit: the
    previous ``categories_``) are kept however rare they are in these rows, so that
    their rows train their own vectors.
    """
    learned = LearnedColumns()
    n = table.n_rows
    learn = None
    if table.on_device and plan.shared:
        from ._device import learn_vocabulary as learn

    shared, learned.pretrained = shared_vocabularies(encoder, table, plan, weights, learn, kept)
    for i, j in enumerate(plan.categorical):
        if i in shared:  # a column of a shared_embeddings group
            vocabulary, value_rows, n_missing, token_rows = shared[i]
            if token_rows is not None:
                learned.token_rows[i] = token_rows
            learned.categories.append(vocabulary.categories)
            learned.infrequent.append(vocabulary.infrequent)
            learned.value_rows.append(value_rows)
            learned.n_missing.append(n_missing)
            continue
        if j in bag_columns:
            learned.token_rows[i], codes, uniques = table.bag(j, plan.separators.get(j))
        else:
            codes, uniques = table.factorize(j)
        if len(uniques) == 0:
            warn_nothing_to_embed(table, j)
        if i in plan.pretrained:
            learned.pretrained[i] = match_labels(table, j, uniques, *plan.pretrained[i])
        options = dict(
            min_frequency=encoder.min_frequency,
            max_categories=encoder.max_categories,
            always_keep=always_kept(
                learned.pretrained[i][0] if i in learned.pretrained else None,
                None if kept is None else kept[i],
            ),
            n_rows=n,
            n_buckets=plan.hash_buckets[i],
        )
        token_rows = learned.token_rows.get(i)
        vocabulary, value_rows = column_vocabulary(
            table, codes, uniques, token_rows, weights, plan.categories.get(i), options
        )
        if len(vocabulary.categories) == 0 < len(uniques) and not plan.hash_buckets[i]:
            warnings.warn(
                f"Categorical column {table.column_label(j)}: all its {len(uniques)} "
                f"categories were pooled (min_frequency={encoder.min_frequency!r}, "
                f"max_categories={encoder.max_categories!r}), so every row gets the same "
                "vector and the column's output carries no information. Lower min_frequency, "
                "give it hash_buckets, or drop the column.",
                UserWarning,
                stacklevel=caller_stacklevel(),
            )
        learned.categories.append(vocabulary.categories)
        learned.infrequent.append(vocabulary.infrequent)
        learned.value_rows.append(value_rows)
        if token_rows is not None:  # rows of X without any token use the missing row
            learned.n_missing.append(n - len(np.unique(token_rows)))
        else:
            learned.n_missing.append(vocabulary.n_missing)
    return learned


def column_vocabulary(table, codes, uniques, token_rows, weights, given, options) -> tuple:
    """The vocabulary of one column and the table row of each value (token).

    ``given`` (``categories=``): exactly those categories, the column's other values
    pooled; else chosen by count (``min_frequency``, ``max_categories``), on the device
    for device codes.
    """
    on_device = not isinstance(codes, np.ndarray)
    if given is not None:
        n_missing = int((codes < 0).sum())
        given = always_kept(given, options["always_keep"])  # pretrained rows stay too
        vocabulary = given_vocabulary(given, uniques, n_missing, options["n_buckets"])
        if on_device:
            from ._device import encode as encode_on_device

            return vocabulary, encode_on_device(vocabulary, codes, uniques)[0]
        return vocabulary, vocabulary.encode(codes, uniques)[0]
    if on_device and token_rows is None:
        from ._device import learn_vocabulary as learn_on_device

        return learn_on_device(codes, uniques, weights=weights, **options)
    count_codes, count_weights = None, weights
    if token_rows is not None:
        count_codes, rows = unique_per_row(token_rows, codes, len(uniques), rows=True)
        count_weights = None if weights is None else weights[rows]
    return learn_vocabulary(
        codes, uniques, count_codes=count_codes, count_weights=count_weights, **options
    )


def category_counts(learned: LearnedColumns) -> list:
    """Rows of X holding each kept category (rows, not tokens, for a bag column)."""
    counts = []
    for i, cats in enumerate(learned.categories):
        rows_of = learned.value_rows[i]
        if i in learned.token_rows:
            rows_of = unique_per_row(
                learned.token_rows[i], rows_of, int(rows_of.max(initial=0)) + 1
            )
        counts.append(row_bincount(rows_of, len(cats))[: len(cats)].astype(np.int64))
    return counts


def warn_nothing_to_embed(table, j: int) -> None:
    """Warn that a categorical column has no value in fit: it keeps its missing row only.

    Not an error: a cross-validation fold of a sparse column can be all missing.
    """
    warnings.warn(
        f"Categorical column {table.column_label(j)} has only missing values (or empty "
        "lists) in fit: it gets its missing row only, and every value seen later the "
        "unknown row, so its output carries no information. Drop the column or fill its "
        "missing values.",
        UserWarning,
        stacklevel=caller_stacklevel(),
    )


def check_trainable(table, plan, bag_columns, task: str, n: int) -> None:
    """Raise if there is nothing to learn from: one row, or ``fit(X)`` with only bags."""
    if len(plan.categorical) and n < 2:
        raise ValueError(
            "Training embeddings needs at least 2 samples, got n_samples = 1. Fit on more rows."
        )
    only_bags = len(plan.categorical) == len(bag_columns) > 0
    if task == "self-supervised" and only_bags:
        names = [table.column_label(j) for j in bag_columns]
        raise ValueError(
            "fit(X) without y learns embeddings by predicting each categorical column "
            "from the others, so it needs a categorical column with one category per "
            f"row; the categorical columns of X ({', '.join(names)}) are all list-valued. "
            "Pass y, or add a categorical column."
        )
