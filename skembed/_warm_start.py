"""``warm_start=True``: a fit that continues from the previous fit's tables and network.

The previous fit fixes what the network reads: the categorical and continuous columns,
each table's width, the classes and the continuous columns' scaling. Each column's
vocabulary becomes the union of the previous fit's kept categories and this fit's:

- a category new to this fit starts at the previous fit's unknown row (the vector it
  was encoded with until now) and trains from there;
- a category absent from this fit keeps its row: no gradient reaches it;
- the unknown, missing and hash-bucket rows continue from their previous values; a
  category pooled by both fits stays pooled.

Counts (``category_counts_``) add up over the fits; ``n_iter_``, ``loss_curve_`` and
``validation_scores_`` continue, as :class:`~sklearn.neural_network.MLPClassifier`'s do.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._values import build_lookup, lookup_codes, sort_order

__all__ = [
    "WarmStart",
    "add_previous_counts",
    "check_same_columns",
    "continued_history",
    "merge_vocabularies",
    "previous_fit",
]


@dataclass
class WarmStart:
    """What a warm fit starts from.

    Attributes
    ----------
    state : dict
        The previous fit's fitted attributes.
    tables : list of ndarray
        Per column, the starting table over the merged vocabulary.
    old_positions : list of ndarray
        Per column, the merged row of each of the previous fit's categories.
    """

    state: dict
    tables: list
    old_positions: list


def previous_fit(encoder) -> dict | None:
    """The fitted attributes a fit of ``encoder`` continues from; None for a fresh fit."""
    if not encoder.warm_start or "embeddings_" not in vars(encoder):
        return None
    return dict(vars(encoder))


def check_same_columns(state: dict, table, plan, bag_columns) -> None:
    """Raise unless this fit has the columns the previous fit trained the network on."""
    names = {
        "categorical": (state["categorical_columns_"], plan.categorical),
        "continuous": (state["continuous_columns_"], plan.continuous),
        "list-valued": (state["bag_columns_"], bag_columns),
    }
    for kind, (before, now) in names.items():
        if not np.array_equal(np.asarray(before), np.asarray(now)):
            labels = [table.column_label(j) for j in now]
            old = [table.column_label(j) for j in before]
            raise ValueError(
                f"warm_start=True continues the previous fit, whose {kind} columns were "
                f"{old}; this X gives {labels}. Pass the same columns as the previous fit "
                "(the same categorical_features), or set warm_start=False to start afresh."
            )
    if list(state["hash_buckets_"]) != list(plan.hash_buckets):
        raise ValueError(
            f"warm_start=True continues the previous fit, whose columns had "
            f"{list(state['hash_buckets_'])} hash buckets; these parameters give "
            f"{list(plan.hash_buckets)}. Keep hash_buckets, or set warm_start=False."
        )


def merge_vocabularies(state: dict, learned) -> WarmStart:
    """Merge each column's vocabulary with the previous fit's, in place in ``learned``.

    ``learned`` (:class:`~skembed._fit_memory.LearnedColumns`) then holds the merged
    kept and pooled categories, and its table rows point into the merged layout:
    the merged categories, then the unknown, missing and hash-bucket rows.
    """
    tables, old_positions = [], []
    for i, old_table in enumerate(state["embeddings_"]):
        old, new = state["categories_"][i], learned.categories[i]
        merged = _union(old, new)
        lookup = build_lookup(merged)
        at_old = lookup_codes(lookup, old)
        n_old, n_extra = len(old), old_table.shape[0] - len(old)  # unknown, missing, buckets
        extra_rows = len(merged) + np.arange(n_extra)
        mapping = np.concatenate([lookup_codes(lookup, new), extra_rows])
        learned.value_rows[i] = _remap(learned.value_rows[i], mapping)
        table = np.empty((len(merged) + n_extra, old_table.shape[1]), np.float32)
        table[: len(merged)] = old_table[n_old]  # new categories: the previous unknown row
        table[at_old] = old_table[:n_old]
        table[len(merged) :] = old_table[n_old:]
        pooled = _union(state["infrequent_categories_"][i], learned.infrequent[i])
        learned.categories[i] = merged
        learned.infrequent[i] = pooled[lookup_codes(lookup, pooled) < 0]
        if not np.array_equal(old_table[n_old + 1], old_table[n_old]):
            learned.n_missing[i] += 1  # the previous fit trained its missing row: keep it
        tables.append(table)
        old_positions.append(at_old)
    return WarmStart(state, tables, old_positions)


def add_previous_counts(warm: WarmStart, counts: list) -> list:
    """This fit's category counts plus the previous fit's, over the merged vocabularies."""
    total = []
    for i, now in enumerate(counts):
        now = now.copy()
        np.add.at(now, warm.old_positions[i], warm.state["category_counts_"][i])
        total.append(now)
    return total


def continued_history(warm: WarmStart, result: dict) -> dict:
    """``n_iter_``, ``best_iter_`` and the curves of ``result`` continuing the previous fit's."""
    before = warm.state
    offset = int(before["n_iter_"])
    scores = result["validation_scores_"]
    if scores is not None and before["validation_scores_"] is not None:
        scores = list(before["validation_scores_"]) + list(scores)
    return {
        "n_iter_": offset + result["n_iter_"],
        "best_iter_": offset + result["best_iter_"],
        "loss_curve_": list(before["loss_curve_"]) + list(result["loss_curve_"]),
        "validation_scores_": scores,
    }


def _union(old: np.ndarray, new: np.ndarray) -> np.ndarray:
    """The categories of ``old`` and ``new`` (each without repeats), each once, sorted
    as vocabularies are."""
    fresh = new if not len(old) else new[lookup_codes(build_lookup(old), new) < 0]
    if not len(fresh):
        return old
    if len(old) and old.dtype != fresh.dtype:  # int ids then str ids: one object array
        old, fresh = old.astype(object), fresh.astype(object)
    values = np.concatenate([old, fresh])
    return values[sort_order(values)]


def _remap(rows, mapping: np.ndarray):
    """``mapping[rows]`` for table rows held in NumPy or in a device tensor."""
    if isinstance(rows, np.ndarray):
        return mapping[rows]
    from ._device_math import to_tensor_like

    return to_tensor_like(mapping, rows)[rows]
