"""Learning the vocabulary of a categorical column and mapping values to rows.

Row layout of every embedding table (``embeddings_[i]`` of the encoder), for a
column with ``n = len(categories_[i])`` kept categories:

======== ==================================================================
row      meaning
======== ==================================================================
0..n-1   the kept categories, in the order of ``categories_[i]`` (sorted)
n        **unknown**: categories pooled by ``min_frequency`` /
         ``max_categories`` during fit, and categories never seen in fit
n+1      **missing**: None, NaN, pd.NA, NaT, polars null
n+2...   with ``hash_buckets=k``: the k **hash buckets**, rows ``n+2`` to
         ``n+1+k``. A category without a row of its own (pooled, or unseen)
         goes to bucket ``stable_hash(category) % k`` instead of the unknown
         row; the hash is the same on every machine and Python run.
======== ==================================================================
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ._hashing import stable_hash
from ._values import build_lookup, lookup_codes, sort_order

__all__ = [
    "MISSING_LABEL",
    "UNKNOWN_LABEL",
    "Vocabulary",
    "always_kept",
    "bucket_label",
    "extra_row_labels",
    "given_vocabulary",
    "learn_vocabulary",
]

N_EXTRA_ROWS = 2  # the unknown row and the missing row
UNKNOWN_LABEL = "<unknown>"  # how tables and exports label the two extra rows
MISSING_LABEL = "<missing>"


def bucket_label(bucket: int) -> str:
    """How tables and exports label hash bucket ``bucket``."""
    return f"<hash {bucket}>"


def extra_row_labels(categories, n_buckets: int) -> list[str]:
    """Labels of the unknown, missing and hash rows, never equal to a category.

    ``"<unknown>"``, ``"<missing>"``, ``"<hash k>"``; when a category is spelled like
    one of them, every label gains another pair of angle brackets until none is
    (``"<<unknown>>"``), so that a table's index stays unique.
    """
    labels = [UNKNOWN_LABEL, MISSING_LABEL] + [bucket_label(b) for b in range(n_buckets)]
    taken = {value for value in categories if isinstance(value, str)}
    while taken.intersection(labels):
        labels = [f"<{label}>" for label in labels]
    return labels


@dataclass
class Vocabulary:
    """Kept and pooled categories of one column (plain NumPy, picklable)."""

    categories: np.ndarray
    infrequent: np.ndarray
    n_missing: int
    n_buckets: int = 0
    _lookup: object = field(default=None, repr=False, compare=False)
    _seen_rows: object = field(default=None, repr=False, compare=False)

    @property
    def lookup(self):
        """Hash index over the kept then the pooled categories, built on first use."""
        if self._lookup is None:
            self._lookup = build_lookup(np.concatenate([self.categories, self.infrequent]))
        return self._lookup

    @property
    def unknown_row(self) -> int:
        return len(self.categories)

    @property
    def missing_row(self) -> int:
        return len(self.categories) + 1

    @property
    def n_rows(self) -> int:
        return len(self.categories) + N_EXTRA_ROWS + self.n_buckets

    @property
    def seen_rows(self) -> np.ndarray:
        """Row of each kept then pooled category (pooled: its bucket, or unknown); cached."""
        if self._seen_rows is None:
            pooled = np.full(len(self.infrequent), self.unknown_row, dtype=np.int64)
            if self.n_buckets and len(self.infrequent):
                pooled = self.bucket_rows(self.infrequent)
            self._seen_rows = np.concatenate([np.arange(len(self.categories)), pooled])
        return self._seen_rows

    def bucket_rows(self, values: np.ndarray) -> np.ndarray:
        """Hash-bucket row of each of ``values`` (requires ``n_buckets > 0``)."""
        first = len(self.categories) + N_EXTRA_ROWS
        return first + (stable_hash(values) % np.uint64(self.n_buckets)).astype(np.int64)

    def encode(self, codes: np.ndarray, uniques: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Map factorized values to table rows.

        Parameters
        ----------
        codes, uniques : ndarray
            Output of ``Table.factorize``: ``uniques[codes]`` are the values,
            ``codes == -1`` marks missing values.

        Returns
        -------
        rows : ndarray of shape (n_rows,), dtype int64
            Row of the embedding table for every value.
        unseen : ndarray
            The distinct values that were never seen during fit (neither kept
            nor pooled); they were mapped to the unknown row, or to their hash
            bucket.
        """
        position = lookup_codes(self.lookup, uniques)
        unseen = position < 0
        row_of_unique = np.full(len(uniques), self.unknown_row, dtype=np.int64)
        row_of_unique[~unseen] = self.seen_rows[position[~unseen]]
        if self.n_buckets and unseen.any():
            row_of_unique[unseen] = self.bucket_rows(uniques[unseen])
        else:
            row_of_unique[unseen] = self.unknown_row
        unseen = uniques[unseen]
        row_of_unique = np.append(row_of_unique, self.missing_row)  # index -1 = missing
        return row_of_unique[codes], unseen


def learn_vocabulary(
    codes: np.ndarray,
    uniques: np.ndarray,
    *,
    min_frequency: int | float | None,
    max_categories: int | None,
    always_keep: np.ndarray | None = None,
    n_rows: int | None = None,
    n_buckets: int = 0,
    count_codes: np.ndarray | None = None,
    count_weights: np.ndarray | None = None,
) -> tuple[Vocabulary, np.ndarray]:
    """Choose the categories that get their own row.

    A category is kept when it occurs at least ``min_frequency`` times (an
    int count, or a float fraction of the rows) and is among the
    ``max_categories`` most frequent (ties broken by sorted order). The
    others are pooled into the unknown row. The values of ``always_keep``
    (categories of a pretrained table) are always kept, also when they do
    not occur at all.

    Returns
    -------
    vocabulary : Vocabulary
    rows : ndarray of shape (n_rows,), dtype int64
        The table row of every training value.

    ``n_rows`` (default: ``len(codes)``) is what a float ``min_frequency``
    is a fraction of: the rows of ``X``, also for list columns whose
    ``codes`` hold one entry per token. ``count_codes`` (default ``codes``)
    are the codes that frequencies count: for a list column, one per row
    holding the category, however often the row repeats it. ``count_weights``
    (default: 1 each) weigh the counted codes: the sample weights of their rows,
    relative to their mean, so that ``min_frequency=5`` means five rows' worth.
    """
    n_rows = len(codes) if n_rows is None else n_rows
    counted = codes if count_codes is None else count_codes
    valid = counted >= 0
    weights = None if count_weights is None else count_weights[valid]
    counts = np.bincount(counted[valid], weights=weights, minlength=len(uniques))
    vocabulary = vocabulary_from_counts(
        uniques,
        counts,
        int((codes < 0).sum()),
        min_frequency=min_frequency,
        max_categories=max_categories,
        always_keep=always_keep,
        n_rows=n_rows,
        n_buckets=n_buckets,
    )
    rows, _ = vocabulary.encode(codes, uniques)
    return vocabulary, rows


def always_kept(*arrays) -> np.ndarray | None:
    """The categories of several ``always_keep`` arrays (None entries skipped), once each."""
    arrays = [np.asarray(a) for a in arrays if a is not None and len(a)]
    if not arrays:
        return None
    if len({a.dtype for a in arrays}) > 1:
        arrays = [a.astype(object) for a in arrays]
    return pd.unique(np.concatenate(arrays))


def given_vocabulary(given, uniques, n_missing: int, n_buckets: int = 0) -> Vocabulary:
    """The vocabulary of categories given up front (``categories=``).

    Every given category keeps a row, seen in ``fit`` or not, in sorted order; the
    column's other values (``uniques`` not given) are pooled into the unknown row or
    their hash bucket, as rare categories are.
    """
    given = np.asarray(given)
    categories = given[sort_order(given)]
    known = lookup_codes(build_lookup(categories), uniques) >= 0 if len(categories) else None
    others = uniques if known is None else uniques[~known]
    return Vocabulary(categories, others[sort_order(others)], int(n_missing), n_buckets)


def vocabulary_from_counts(
    uniques: np.ndarray,
    counts: np.ndarray,
    n_missing: int,
    *,
    min_frequency: int | float | None,
    max_categories: int | None,
    n_rows: int,
    always_keep: np.ndarray | None = None,
    n_buckets: int = 0,
) -> Vocabulary:
    """:func:`learn_vocabulary` from the distinct values and their counts alone.

    What a streamed fit (Dask) uses: the counts are summed over partitions,
    and the rows are encoded later, partition by partition.
    """
    counts = np.asarray(counts)
    in_sorted_order = sort_order(uniques)
    # most frequent first; among equal counts, sorted category order
    by_frequency = in_sorted_order[np.argsort(-counts[in_sorted_order], kind="stable")]
    keep = np.ones(len(uniques), dtype=bool)
    if min_frequency is not None:
        if isinstance(min_frequency, numbers.Integral):
            threshold = min_frequency
        else:
            threshold = min_frequency * n_rows
        keep &= counts >= threshold
    if max_categories is not None:
        keep[by_frequency[max_categories:]] = False
    categories = uniques[in_sorted_order[keep[in_sorted_order]]]
    infrequent = uniques[in_sorted_order[~keep[in_sorted_order]]]
    if always_keep is not None and len(always_keep):
        in_table = lookup_codes(build_lookup(always_keep), infrequent) >= 0
        absent = lookup_codes(build_lookup(uniques), always_keep) < 0
        categories = _concat(categories, infrequent[in_table], always_keep[absent])
        categories = categories[sort_order(categories)]
        infrequent = infrequent[~in_table]
    return Vocabulary(categories, infrequent, int(n_missing), n_buckets)


def _concat(*arrays: np.ndarray) -> np.ndarray:
    """Concatenate category arrays; mixing kinds (int with str) gives an object array."""
    arrays = [a for a in arrays if len(a)] or [arrays[0]]
    if len({a.dtype.kind for a in arrays}) > 1:
        arrays = [a.astype(object) for a in arrays]
    return np.concatenate(arrays)
