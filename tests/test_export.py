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
    tables = skembed.read_embeddings(enc.to_csv(tmp_path / "t.csv"), include_special=False)
    assert sorted(tables["c"].index) == sorted(["", "nan", "NA", "b"])


def test_round_trip_is_lossless_and_a_literal_unknown_category_stays_unique(tmp_path):
    """A category spelled "<unknown>" keeps a unique index; read_embeddings returns every row."""
    X = pd.DataFrame({"c": ["<unknown>", "<missing>", "a", "b"] * 30})
    encoder = EntityEmbeddingEncoder(hash_buckets=2, **FAST).fit(X, np.arange(120) % 2)
    table = encoder.get_embeddings("c")
    assert table.index.is_unique
    assert table.index[-4:].tolist() == ["<<unknown>>", "<<missing>>", "<<hash 0>>", "<<hash 1>>"]
    for path in (tmp_path / "t.csv", tmp_path / "t.parquet"):
        writer = encoder.to_csv if path.suffix == ".csv" else encoder.to_parquet
        back = skembed.read_embeddings(writer(path))["c"]
        pd.testing.assert_frame_equal(back, table)
        refit = EntityEmbeddingEncoder(
            pretrained_embeddings={"c": back}, freeze_pretrained=True, **FAST
        ).fit(X, np.arange(120) % 2)
        assert refit.categories_[0].tolist() == ["<missing>", "<unknown>", "a", "b"]
        np.testing.assert_array_equal(refit.get_embeddings("c").loc["a"], table.loc["a"])
