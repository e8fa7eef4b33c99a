"""Pretrained tables: matching their labels to a column's values, and the starting table."""

from __future__ import annotations

import warnings

import numpy as np

from ._validation import caller_stacklevel
from ._values import build_lookup, lookup_codes

__all__ = ["initial_table", "match_labels"]


def match_labels(table, j: int, uniques: np.ndarray, values: np.ndarray, matrix: np.ndarray):
    """Pretrained rows whose labels match column ``j``'s values (by value, else by text).

    Returns the table's ``(labels, matrix)``, with text labels replaced by the column's
    own values when only their text matches (labels read from a file are strings).
    """
    found = lookup_codes(build_lookup(uniques), values) >= 0 if len(uniques) else None
    if found is not None and not found.any():
        labels_are_text = all(isinstance(v, str) for v in values)
        if labels_are_text and not all(isinstance(v, str) for v in uniques):
            as_text = np.array([str(v) for v in uniques], dtype=object)
            first = ~build_lookup(as_text).duplicated()  # 1 and "1": match the first
            uniques, as_text = uniques[first], as_text[first]
            position = lookup_codes(build_lookup(as_text), values)
            hit = position >= 0
            if hit.any():  # labels read from a text file: give them the column's types
                return uniques[position[hit]], matrix[hit]
        warnings.warn(
            f"None of the {len(values)} categories of the pretrained table of column "
            f"{table.column_label(j)} occurs in X (e.g. table {list(values[:3])} vs X "
            f"{list(uniques[:3])}); check that the labels have the same type and spelling.",
            UserWarning,
            stacklevel=caller_stacklevel(),
        )
    return values, matrix


def initial_table(vocabulary, values, matrix, seed: int):
    """Starting table of a pretrained column, and the rows holding pretrained vectors.

    Rows of categories in the table get their vector; the others are drawn
    from a normal with the table's spread; the unknown row starts at the
    table's mean.
    """
    rng = np.random.RandomState(seed % (2**32))
    spread = float(matrix.std()) or 0.05
    initial = rng.normal(0.0, spread, size=(vocabulary.n_rows, matrix.shape[1]))
    positions = lookup_codes(build_lookup(vocabulary.categories), values)
    initial[positions] = matrix
    initial[vocabulary.unknown_row] = matrix.mean(axis=0)
    return initial.astype(np.float32), positions
