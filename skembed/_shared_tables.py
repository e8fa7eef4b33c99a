"""``shared_embeddings``: one vocabulary for columns that name the same kind of entity.

Origin and destination airport, home and away team, buyer and seller: the columns of a
group read one table, so a category learns from every column it appears in. Its
vocabulary is the union of the columns' values, and ``min_frequency`` and
``max_categories`` compare counts summed over the columns. Each column still has its own
output block (a downstream model knows which role a category played), its own missing
count, and its own ``category_counts_``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._bags import unique_per_row
from ._categories import always_kept, learn_vocabulary
from ._pretrained import match_labels
from ._values import build_lookup, lookup_codes

__all__ = ["check_shared_widths", "learn_shared_vocabulary", "shared_vocabularies"]


def learn_shared_vocabulary(
    table, columns, weights=None, pretrained=None, separators=None, learn=None, kept=None,
    **options,
) -> tuple[list[tuple], tuple | None]:  # fmt: skip
    """The vocabulary of a group of columns, and each column's table rows.

    Parameters
    ----------
    table : Table
        The host view of X.
    columns : sequence of int
        Positions in X of the group's columns, all single or all list-valued.
    weights : ndarray of shape (n_rows,) or None
        Relative sample weights, for the counts.
    pretrained : (ndarray, ndarray) or None
        The group's pretrained table (labels, matrix): its categories are kept.
    separators : dict of {int: str}, optional
        Separators of the string columns split into bags (list-valued groups).
    learn : callable, optional
        For data on a device (single columns): the device's ``learn_vocabulary``
        (:mod:`skembed._device`), which counts and encodes the codes where they are.
    kept : ndarray, optional
        Categories kept however rare (those of the fit this one continues).
    **options
        :func:`~skembed._categories.learn_vocabulary`'s ``min_frequency``,
        ``max_categories``, ``n_rows`` and ``n_buckets``.

    Returns
    -------
    learned : list of (Vocabulary, ndarray, int, ndarray or None)
        Per column: the group's vocabulary, the table row of each row of X (of each
        token for a bag), the column's count of rows without a value, and for a bag
        the row of X of each token.
    matched : (ndarray, ndarray) or None
        The pretrained table with its labels matched to the columns' values.
    """
    n = table.n_rows
    bags = table.is_list(columns[0]) or columns[0] in (separators or {})
    if bags:
        parts = [table.bag(j, (separators or {}).get(j)) for j in columns]
    else:
        parts = [(None, *table.factorize(j)) for j in columns]
    uniques = [u for *_, u in parts]
    if len({u.dtype for u in uniques}) > 1:  # ints in one column, strings in another
        uniques = [u.astype(object) for u in uniques]
    union = pd.unique(np.concatenate(uniques))
    lookup = build_lookup(union)
    positions = [lookup_codes(lookup, values) for values in uniques]
    matched = None if pretrained is None else match_labels(table, columns[0], union, *pretrained)
    keep = always_kept(None if matched is None else matched[0], kept)
    if table.on_device:  # codes stay on the device; the union is small and on the host
        from ._device_math import concat, remap_codes

        member_codes = [remap_codes(codes, at) for (_, codes, _), at in zip(parts, positions)]
        tiled = None if weights is None else np.tile(weights, len(columns))
        vocabulary, rows = learn(concat(member_codes), union, weights=tiled, always_keep=keep,
                                 **options)  # fmt: skip
        learned = [(vocabulary, rows[k * n : (k + 1) * n], int((codes < 0).sum()), None)
                   for k, codes in enumerate(member_codes)]  # fmt: skip
        return learned, matched
    member_codes = []
    for (_, codes, _), position in zip(parts, positions):
        member_codes.append(np.where(codes >= 0, position[np.maximum(codes, 0)], -1))
    counted, count_weights = None, None if weights is None else np.tile(weights, len(columns))
    if bags:  # a category counts once per row holding it
        pairs = [unique_per_row(cell, codes, len(union), rows=True)
                 for (cell, _, _), codes in zip(parts, member_codes)]  # fmt: skip
        counted = np.concatenate([codes for codes, _ in pairs])
        count_weights = None if weights is None else weights[np.concatenate([r for _, r in pairs])]
    vocabulary, rows = learn_vocabulary(
        np.concatenate(member_codes),
        union,
        count_codes=counted,
        count_weights=count_weights,
        always_keep=keep,
        **options,
    )
    learned = []
    ends = np.cumsum([len(codes) for codes in member_codes])
    for (cell, _, _), codes, rows_of in zip(parts, member_codes, np.split(rows, ends[:-1])):
        empty = n - len(np.unique(cell)) if bags else int((codes < 0).sum())
        learned.append((vocabulary, rows_of, empty, cell))
    return learned, matched


def check_shared_widths(table, plan, widths) -> None:
    """Raise if ``embedding_dim`` gives the columns of a shared table different widths."""
    for group in plan.shared:
        found = sorted({widths[i] for i in group})
        if len(found) > 1:
            names = [table.column_label(plan.categorical[i]) for i in group]
            raise ValueError(
                f"shared_embeddings group {names} gets the widths {found} from embedding_dim, "
                "but its columns share one table; give them all the same embedding_dim entry."
            )


def shared_vocabularies(encoder, table, plan, weights, learn=None, kept=None) -> tuple:
    """The columns of ``shared_embeddings`` groups, one vocabulary per group.

    Returns ``{categorical position: (vocabulary, table rows, missing count, token
    rows)}`` (see :func:`learn_shared_vocabulary`) and
    ``{categorical position: matched pretrained table}`` for groups that have one.
    """
    shared, pretrained = {}, {}
    for group in plan.shared:
        learned, matched = learn_shared_vocabulary(
            table,
            [plan.categorical[i] for i in group],
            weights,
            plan.pretrained.get(group[0]),
            plan.separators,
            learn,
            None if kept is None else kept[group[0]],
            min_frequency=encoder.min_frequency,
            max_categories=encoder.max_categories,
            n_rows=table.n_rows,
            n_buckets=plan.hash_buckets[group[0]],
        )
        shared.update(zip(group, learned))
        if matched is not None:
            pretrained.update(dict.fromkeys(group, matched))
    return shared, pretrained
