"""Export and import of tables (``skembed._export``): CSV round trips, word vectors."""

import numpy as np
import pandas as pd

import skembed
from skembed import EntityEmbeddingEncoder

FAST = dict(max_iter=3, random_state=0)


def test_word_vectors_with_trailing_spaces(tmp_path):
    """word2vec/fastText lines ending in a space load (the empty field is dropped)."""
    path = tmp_path / "v.vec"
    path.write_text("2 3\nparis 0.1 0.2 0.3 \nrome 1 2 3 \n", encoding="utf-8")
    table = skembed.load_word_vectors(path)
    assert table.shape == (2, 3) and table.index.tolist() == ["paris", "rome"]


def test_csv_export_keeps_empty_string_categories(tmp_path):
    """A "" category survives to_csv / read_embeddings, distinct from "nan" and "NA"."""
    X = pd.DataFrame({"c": ["", "nan", "NA", "b"] * 30})
    enc = EntityEmbeddingEncoder(**FAST).fit(X, np.arange(120) % 2)
    tables = skembed.read_embeddings(enc.to_csv(tmp_path / "t.csv"))
    assert sorted(tables["c"].index) == sorted(["", "nan", "NA", "b"])
