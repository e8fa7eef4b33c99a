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

from ._categories import learn_vocabulary
from ._values import build_lookup, lookup_codes

__all__ = ["check_shared_widths", "learn_shared_vocabulary", "shared_vocabularies"]


def learn_shared_vocabulary(table, columns, weights=None, **options) -> list[tuple]:
    """The vocabulary of a group of single columns, and each column's table rows.

    Parameters
    ----------
    table : Table
        The host view of X.
    columns : sequence of int
        Positions in X of the group's columns.
    weights : ndarray of shape (n_rows,) or None
        Relative sample weights, for the counts.
    **options
        :func:`~skembed._categories.learn_vocabulary`'s ``min_frequency``,
        ``max_categories``, ``n_rows`` and ``n_buckets``.

    Returns
    -------
    learned : list of (Vocabulary, ndarray, int)
        Per column: the group's vocabulary, the table row of each row of X, and the
        column's count of missing values.
    """
    parts = [table.factorize(j) for j in columns]
    uniques = [u for _, u in parts]
    if len({u.dtype for u in uniques}) > 1:  # ints in one column, strings in another
        uniques = [u.astype(object) for u in uniques]
    union = pd.unique(np.concatenate(uniques))
    lookup = build_lookup(union)
    member_codes = []
    for (codes, _), values in zip(parts, uniques):
        position = lookup_codes(lookup, values)
        member_codes.append(np.where(codes >= 0, position[np.maximum(codes, 0)], -1))
    n = table.n_rows
    vocabulary, rows = learn_vocabulary(
        np.concatenate(member_codes),
        union,
        count_weights=None if weights is None else np.tile(weights, len(columns)),
        **options,
    )
    rows = rows.reshape(len(columns), n)
    return [(vocabulary, rows[k], int((codes < 0).sum())) for k, codes in enumerate(member_codes)]


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


def shared_vocabularies(encoder, table, plan, weights) -> dict:
    """``{categorical position: (vocabulary, table rows, missing count)}`` of the columns
    in ``shared_embeddings`` groups: one vocabulary per group."""
    shared = {}
    for group in plan.shared:
        learned = learn_shared_vocabulary(
            table,
            [plan.categorical[i] for i in group],
            weights,
            min_frequency=encoder.min_frequency,
            max_categories=encoder.max_categories,
            n_rows=table.n_rows,
            n_buckets=plan.hash_buckets[group[0]],
        )
        shared.update(zip(group, learned))
    return shared
