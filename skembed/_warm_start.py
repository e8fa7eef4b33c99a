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

from ._categories import Vocabulary
from ._tables import as_1d
from ._target import EncodedTarget, check_classes, encode_target
from ._values import build_lookup, lookup_codes, sort_order

__all__ = [
    "PartialFit",
    "WarmStart",
    "check_partial_classes",
    "first_classes",
    "add_previous_counts",
    "check_same_columns",
    "check_same_task",
    "continued_history",
    "continued_target",
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


@dataclass(frozen=True)
class PartialFit:
    """A ``partial_fit`` call: one epoch over its rows; the first call (on an unfitted
    encoder) fixes the columns, the categories and, with ``classes``, the classes."""

    classes: object = None


def previous_fit(encoder, partial: PartialFit | None = None) -> dict | None:
    """The fitted attributes a fit of ``encoder`` continues from; None for a fresh fit.

    ``fit`` continues under ``warm_start=True``; ``partial_fit`` always does.
    """
    if "embeddings_" not in vars(encoder) or (partial is None and not encoder.warm_start):
        return None
    if "network_weights_" not in vars(encoder):
        raise ValueError(
            "This encoder cannot be continued (warm_start=True or partial_fit): it was saved "
            "by a skembed version that did not keep its trained network (network_weights_). "
            "Fit it afresh with warm_start=False on the rows you have."
        )
    return dict(vars(encoder))


def check_partial_classes(state: dict, partial: PartialFit) -> None:
    """Raise if a later ``partial_fit`` call passes classes other than the first call's."""
    if partial.classes is None:
        return
    given = np.unique(np.asarray(partial.classes))
    before = state["classes_"]
    if before is None or len(given) != len(before) or not (given == before).all():
        raise ValueError(
            f"classes={given.tolist()[:20]} differs from the classes of the first "
            f"partial_fit call, {None if before is None else before.tolist()[:20]}; "
            "classes are fixed by the first call (leave them out afterwards)."
        )


def first_classes(encoder, partial: PartialFit):
    """``(target_type, classes)`` that the first ``partial_fit`` call's ``classes`` fix."""
    classes = np.unique(np.asarray(partial.classes))
    if encoder.target_type == "continuous":
        raise ValueError(
            "partial_fit got classes, but target_type='continuous' has none; leave classes "
            "out, or set target_type to 'binary' or 'multiclass'."
        )
    kind = encoder.target_type
    if kind == "auto":
        kind = "binary" if len(classes) == 2 else "multiclass"
    check_classes(kind, classes)
    return kind, classes


def check_same_columns(state: dict, table, plan, bag_columns) -> None:
    """Raise unless this fit has the columns the previous fit trained the network on."""
    names = {
        "categorical": (state["categorical_columns_"], plan.categorical),
        "continuous": (state["continuous_columns_"], plan.continuous),
        "list-valued": (state["bag_columns_"], bag_columns),
        "shared": (
            [j for g in state.get("shared_embeddings_", []) for j in g],
            [int(plan.categorical[i]) for g in plan.shared for i in g],
        ),
    }
    for kind, (before, now) in names.items():
        if not np.array_equal(np.asarray(before), np.asarray(now)):
            labels = [table.column_label(j) for j in now]
            old = [table.column_label(j) for j in before]
            raise ValueError(
                f"This fit continues the previous one (warm_start=True, or partial_fit), "
                f"whose {kind} columns were "
                f"{old}; this X gives {labels}. Pass the same columns as the previous fit "
                "(the same categorical_features), or start afresh: fit with warm_start=False."
            )
    if list(state["hash_buckets_"]) != list(plan.hash_buckets):
        raise ValueError(
            "This fit continues the previous one (warm_start=True, or partial_fit), whose "
            f"columns had {list(state['hash_buckets_'])} hash buckets; these parameters "
            f"give {list(plan.hash_buckets)}. Keep hash_buckets, or start afresh: fit with "
            "warm_start=False."
        )


def merge_vocabularies(state: dict, learned, grow: bool = True) -> WarmStart:
    """Merge each column's vocabulary with the previous fit's, in place in ``learned``.

    ``learned`` (:class:`~skembed._fit_memory.LearnedColumns`) then holds the merged
    kept and pooled categories, and its table rows point into the merged layout:
    the merged categories, then the unknown, missing and hash-bucket rows. Each merged
    row starts where the previous fit encoded that category: its own row, else its
    hash bucket or the unknown row. With ``grow=False`` (``partial_fit``) the previous
    vocabulary stays as it is: categories it lacks are pooled into their hash bucket
    or the unknown row.
    """
    tables, old_positions = [], []
    for i, old_table in enumerate(state["embeddings_"]):
        old, new = state["categories_"][i], learned.categories[i]
        n_buckets = int(state["hash_buckets_"][i])
        before = Vocabulary(old, state["infrequent_categories_"][i], 0, n_buckets)
        merged = _union(old, new) if grow else old
        pooled = _union(before.infrequent, learned.infrequent[i])
        if not grow:
            pooled = _union(pooled, new)
        lookup = build_lookup(merged)
        pooled = pooled[lookup_codes(lookup, pooled) < 0]
        after = Vocabulary(merged, pooled, 0, n_buckets)
        extra = old_table[len(old) :]  # unknown, missing, hash buckets
        table = np.concatenate([old_table[rows_of(before, merged)], extra])
        mapping = np.concatenate([rows_of(after, new), len(merged) + np.arange(len(extra))])
        learned.value_rows[i] = _remap(learned.value_rows[i], mapping)
        learned.categories[i], learned.infrequent[i] = merged, pooled
        if not np.array_equal(extra[1], extra[0]):
            learned.n_missing[i] += 1  # the previous fit trained its missing row: keep it
        tables.append(table.astype(np.float32, copy=False))
        old_positions.append(lookup_codes(lookup, old))
    return WarmStart(state, tables, old_positions)


def rows_of(vocabulary: Vocabulary, values: np.ndarray) -> np.ndarray:
    """The table row ``vocabulary`` gives each of ``values``: its own, else its hash
    bucket or the unknown row."""
    return vocabulary.encode(np.arange(len(values)), values)[0]


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
    scores = result["validation_scores_"]  # one per epoch, or None when not all scored
    if scores is not None and before["validation_scores_"] is not None:
        scores = list(before["validation_scores_"]) + list(scores)
    elif before["n_iter_"]:
        scores = None
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


def check_same_task(previous: dict, self_supervised: bool) -> None:
    """Raise when a warm start would switch between fit(X, y) and fit(X)."""
    before = previous["target_type_"] == "self-supervised"
    if before != self_supervised:
        how = {True: "fit(X) without y", False: "fit(X, y)"}
        raise ValueError(
            f"This fit continues the previous one (warm_start=True, or partial_fit), a "
            f"{how[before]}, but this is a {how[self_supervised]}: the network's output "
            "means something else. Fit the same way, or start afresh (warm_start=False)."
        )


def continued_target(encoder, y, n: int, weight, previous, partial) -> EncodedTarget:
    """The training target of a fit: the previous fit's target type and classes when it
    continues one, ``partial_fit``'s first ``classes``, else as ``target_type`` says."""
    if previous is not None:
        check_same_task(previous, y is None)
        if partial is not None:
            check_partial_classes(previous, partial)
    if y is None:  # learn the embeddings by predicting masked columns
        return EncodedTarget(np.zeros((n, 1), np.float32), "self-supervised", None,
                             "self-supervised", None)  # fmt: skip
    y = as_1d(y)
    if previous is not None:
        scaling = previous.get("target_scaling_")  # None in files saved before it existed
        return encode_target(y, n, weight, previous["target_type_"], previous["classes_"],
                             scaling)  # fmt: skip
    if partial is not None and partial.classes is not None:
        return encode_target(y, n, weight, *first_classes(encoder, partial))
    return encode_target(y, n, weight, encoder.target_type)
