"""The vocabulary: which categories keep a row, the row layout, and encoding values to rows."""

import numpy as np
import pandas as pd

from skembed._categories import Vocabulary, learn_vocabulary, vocabulary_from_counts
from skembed._host_table import Table
from skembed._tables import as_table


def test_rows_are_categories_then_unknown_missing_and_buckets():
    """Kept categories first (sorted), then the unknown row, the missing row, the buckets."""
    vocabulary = Vocabulary(np.array(["a", "b"], dtype=object), np.array(["z"]), 0, n_buckets=3)
    assert (vocabulary.unknown_row, vocabulary.missing_row, vocabulary.n_rows) == (2, 3, 7)


def test_min_frequency_pools_rare_categories_and_encodes_every_value():
    """Rare values go to the unknown row, missing ones (code -1) to the missing row."""
    codes = np.array([0, 0, 0, 1, -1, 2, 2, 2])
    uniques = np.array(["b", "rare", "a"], dtype=object)
    vocabulary, rows = learn_vocabulary(codes, uniques, min_frequency=2, max_categories=None)
    assert vocabulary.categories.tolist() == ["a", "b"]
    assert vocabulary.infrequent.tolist() == ["rare"]
    assert rows.tolist() == [1, 1, 1, 2, 3, 0, 0, 0]


def test_max_categories_keeps_the_most_frequent_and_always_keep_wins():
    """max_categories keeps the most frequent; always_keep keeps a category even if absent."""
    uniques = np.array(["a", "b", "c"], dtype=object)
    vocabulary = vocabulary_from_counts(
        uniques, np.array([5, 9, 1]), 0, min_frequency=1, max_categories=1, n_rows=15,
        always_keep=np.array(["d"], dtype=object),
    )  # fmt: skip
    assert vocabulary.categories.tolist() == ["b", "d"]


def test_encode_reports_unseen_values_and_uses_hash_buckets():
    """Unseen values are listed; with buckets they get a bucket row instead of the unknown."""
    vocabulary = Vocabulary(np.array(["a"], dtype=object), np.array([]), 0, n_buckets=4)
    rows, unseen = vocabulary.encode(np.array([0, 1]), np.array(["a", "new"], dtype=object))
    assert unseen.tolist() == ["new"] and rows[0] == 0 and 3 <= rows[1] < 7


def test_host_table_views_pandas_without_copying_and_factorizes():
    """A pandas frame is wrapped as is; factorize gives codes (-1 missing) and uniques."""
    frame = pd.DataFrame({"city": ["x", None, "y", "x"], "n": [1.0, 2.0, np.nan, 4.0]})
    table = as_table(frame)
    assert isinstance(table, Table) and table.data is frame and table.columns == ["city", "n"]
    codes, uniques = table.factorize(0)
    assert codes.tolist() == [0, -1, 1, 0] and list(uniques) == ["x", "y"]
    assert np.isnan(table.continuous(1)[2]) and table.auto_categorical().tolist() == [True, False]
