"""List columns (bags): how tokens are counted and how a list column is detected."""

import numpy as np
import pandas as pd

from skembed import EntityEmbeddingEncoder

FAST = dict(max_iter=3, random_state=0)


def test_bag_frequencies_count_rows_not_repeats():
    """min_frequency and category_counts_ count rows holding a token, not its repeats."""
    X = pd.DataFrame({"t": [["a"] * 5] + [["b"]] * 50})
    enc = EntityEmbeddingEncoder(min_frequency=5, **FAST).fit(X, np.arange(51) % 2)
    assert enc.categories_[0].tolist() == ["b"]
    assert enc.infrequent_categories_[0].tolist() == ["a"]
    assert enc.category_counts_[0].tolist() == [50]


def test_list_column_detected_with_duplicate_index_labels():
    """A list column is a bag even when the frame's index repeats labels."""
    X = pd.DataFrame({"t": [["a", "b"], ["c"]] * 20}, index=[0] * 40)
    enc = EntityEmbeddingEncoder(min_frequency=None, **FAST).fit(X, np.arange(40) % 2)
    assert enc.bag_columns_.tolist() == [0]
