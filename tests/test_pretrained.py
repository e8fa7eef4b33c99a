"""Pretrained tables: matched by value, frozen bit for bit, loaded from text files."""

import io
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

import skembed
from conftest import make_frame
from skembed import EntityEmbeddingEncoder
from skembed._encode import fitted_vocabularies
from skembed.datasets import load_adult_sample

FAST = dict(max_iter=4, random_state=0)


def position(encoder, name):
    """Index into categories_ / embeddings_ of the column called ``name``."""
    j = encoder.feature_names_in_.tolist().index(name)
    return encoder.categorical_columns_.tolist().index(j)


@pytest.fixture(scope="module")
def census():
    """The bundled census sample and an education table from a first fit, with edits."""
    X, y = load_adult_sample()
    first = EntityEmbeddingEncoder(max_iter=5, random_state=1).fit(X, y)
    table = first.get_embeddings("education").iloc[:-2]
    table = table.drop(index=["Masters", "Doctorate"])  # absent: they get trained rows
    rng = np.random.default_rng(0)
    extra = pd.DataFrame(  # a category the data never shows
        rng.normal(size=(1, table.shape[1])).astype(np.float32),
        index=["Astronaut-school"],
        columns=table.columns,
    )
    return X, y, pd.concat([table, extra])


def test_frozen_rows_are_bit_identical_after_fit(census):
    """Frozen pretrained rows come out of fit exactly as given; the others train."""
    X, y, table = census
    encoder = EntityEmbeddingEncoder(
        pretrained_embeddings={"education": table}, freeze_pretrained=True, **FAST
    ).fit(X, y)
    learned = encoder.get_embeddings("education")
    np.testing.assert_array_equal(learned.loc[table.index].to_numpy(), table.to_numpy())
    assert encoder.embedding_dims_[position(encoder, "education")] == table.shape[1]
    # absent categories got rows of their own, which trained
    untouched = EntityEmbeddingEncoder(
        pretrained_embeddings={"education": table}, freeze_pretrained=True,
        learning_rate_init=1e-12, **FAST,
    ).fit(X, y).get_embeddings("education")  # fmt: skip
    assert not np.allclose(learned.loc["Masters"], untouched.loc["Masters"], atol=1e-4)
    # the table's extra category is kept, counted 0, and transformed to its vector
    i = position(encoder, "education")
    assert "Astronaut-school" in encoder.categories_[i].tolist()
    k = encoder.categories_[i].tolist().index("Astronaut-school")
    assert encoder.category_counts_[i][k] == 0
    row = X.iloc[:1].assign(education="Astronaut-school")
    start = encoder.get_feature_names_out().tolist().index("education_emb0")
    out = encoder.transform(row)[0, start : start + table.shape[1]]
    np.testing.assert_array_equal(out, table.loc["Astronaut-school"].to_numpy())


def test_unfrozen_rows_start_from_the_table(census):
    """Without freezing, pretrained rows start at the table (unchanged at lr ~ 0) and train."""
    X, y, table = census
    params = dict(pretrained_embeddings={"education": table}, **FAST)
    still = EntityEmbeddingEncoder(learning_rate_init=1e-12, **params).fit(X, y)
    np.testing.assert_allclose(
        still.get_embeddings("education").loc[table.index].to_numpy(), table.to_numpy(),
        atol=1e-6,
    )  # fmt: skip
    moved = EntityEmbeddingEncoder(learning_rate_init=1e-2, **params).fit(X, y)
    drift = moved.get_embeddings("education").loc[table.index].to_numpy() - table.to_numpy()
    assert np.abs(drift).max() > 1e-3


def test_pair_form_equals_dataframe_form(census):
    """A (categories, matrix) pair gives the same fit as the DataFrame."""
    X, y, table = census
    pair = (table.index.to_numpy(), table.to_numpy())
    a = EntityEmbeddingEncoder(pretrained_embeddings={"education": table}, **FAST).fit(X, y)
    b = EntityEmbeddingEncoder(pretrained_embeddings={"education": pair}, **FAST).fit(X, y)
    np.testing.assert_array_equal(a.transform(X), b.transform(X))


def test_pretrained_categories_are_never_pooled(census):
    """min_frequency / max_categories do not pool a category that has a pretrained vector."""
    X, y, table = census
    encoder = EntityEmbeddingEncoder(
        pretrained_embeddings={"education": table}, max_categories=3, **FAST
    ).fit(X, y)
    kept = encoder.categories_[position(encoder, "education")].tolist()
    top3 = X["education"].value_counts().index[:3].tolist()
    assert set(kept) == set(table.index) | set(top3)


def test_glove_text_file_loads_into_a_frozen_table(tmp_path, census):
    """A GloVe-style file (one documented call) becomes a frozen table, exactly."""
    X, y, _ = census
    words = sorted(X["occupation"].dropna().unique().tolist()) + ["null", "NaN"]
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(len(words), 6)).round(5)
    lines = [" ".join([w] + [f"{v:.5f}" for v in row]) for w, row in zip(words, vectors)]
    glove = tmp_path / "glove.6d.txt"
    glove.write_text("\n".join(lines) + "\n", encoding="utf-8")
    table = skembed.load_word_vectors(glove)
    assert table.index.tolist() == words and table.dtypes.unique().tolist() == [np.float32]
    word2vec = tmp_path / "vectors.w2v.txt"
    word2vec.write_text(f"{len(words)} 6\n" + "\n".join(lines) + "\n", encoding="utf-8")
    pd.testing.assert_frame_equal(skembed.load_word_vectors(word2vec), table)
    assert len(skembed.load_word_vectors(glove, max_words=3)) == 3

    encoder = EntityEmbeddingEncoder(
        pretrained_embeddings={"occupation": table}, freeze_pretrained=["occupation"], **FAST
    ).fit(X, y)
    learned = encoder.get_embeddings("occupation")
    np.testing.assert_array_equal(learned.loc[table.index].to_numpy(), table.to_numpy())
    np.testing.assert_array_equal(
        learned.loc["Sales"].to_numpy(), vectors[words.index("Sales")].astype(np.float32)
    )


def test_text_labels_match_int_categories_with_a_fallback():
    """Labels read as text ("10") match int categories (10); no overlap at all warns."""
    X, y = make_frame(300)
    X["code"] = np.arange(300) % 4 * 10
    table = pd.DataFrame(np.eye(4, 3), index=["0", "10", "20", "30"])
    encoder = EntityEmbeddingEncoder(
        categorical_features=["city", "colour", "code"], freeze_pretrained=True,
        pretrained_embeddings={"code": table}, **FAST,
    ).fit(X, y)  # fmt: skip
    assert encoder.categories_[2].tolist() == [0, 10, 20, 30]
    np.testing.assert_array_equal(encoder.embeddings_[2][:4], np.eye(4, 3))
    strangers = pd.DataFrame(np.eye(2, 3), index=["x", "y"])
    with pytest.warns(UserWarning, match="None of the 2 categories .* 'code'"):
        EntityEmbeddingEncoder(
            categorical_features=["city", "colour", "code"],
            pretrained_embeddings={"code": strangers}, **FAST,
        ).fit(X, y)  # fmt: skip


@pytest.mark.parametrize(
    "spec, freeze, error, match",
    [
        ({"city": [[1, 2]]}, False, TypeError, "DataFrame indexed by category"),
        ({"city": (["paris", "rome"], np.ones((3, 2)))}, False, ValueError, "one row"),
        ({"city": (["paris"], [["a", "b"]])}, False, TypeError, "must hold numbers"),
        ({"city": (["paris"], [[np.nan, 1.0]])}, False, ValueError, "NaN or infinite"),
        ({"city": (["paris", "paris"], np.ones((2, 2)))}, False, ValueError, "duplicate"),
        ({"city": ([None], np.ones((1, 2)))}, False, ValueError, "missing category label"),
        ({"nope": (["a"], np.ones((1, 2)))}, False, ValueError, "'nope', which is not in X"),
        ({"age": ([30.0], np.ones((1, 2)))}, False, ValueError, "'age'.*continuous"),
        ({"city": (["paris"], np.ones((1, 2)))}, ["colour"], ValueError, "no table"),
    ],
)
def test_bad_tables_raise_clear_errors(spec, freeze, error, match):
    """Shape, type, label and column problems raise errors naming the column."""
    X, y = make_frame(200)
    encoder = EntityEmbeddingEncoder(pretrained_embeddings=spec, freeze_pretrained=freeze, **FAST)
    with pytest.raises(error, match=match):
        encoder.fit(X, y)


def test_embedding_dim_conflicting_with_table_is_an_error():
    """An embedding_dim entry that disagrees with the table's width is refused."""
    X, y = make_frame(200)
    encoder = EntityEmbeddingEncoder(
        pretrained_embeddings={"city": (["paris", "rome"], np.ones((2, 3)))},
        embedding_dim={"city": 4}, **FAST,
    )  # fmt: skip
    with pytest.raises(ValueError, match=r"embedding_dim\['city'\] is 4.*3 dimensions"):
        encoder.fit(X, y)


def test_pretrained_encoder_clones_and_saves(census):
    """clone() and the pickle-free save keep the tables; refits are identical."""
    X, y, table = census
    encoder = EntityEmbeddingEncoder(
        pretrained_embeddings={"education": table}, freeze_pretrained=True, **FAST
    )
    fitted = encoder.fit(X, y)
    again = clone(encoder).fit(X, y)
    np.testing.assert_array_equal(again.transform(X), fitted.transform(X))
    buffer = io.BytesIO()
    fitted.save(buffer)
    buffer.seek(0)
    loaded = skembed.load(buffer)
    pd.testing.assert_frame_equal(loaded.pretrained_embeddings["education"], table)
    np.testing.assert_array_equal(loaded.transform(X), fitted.transform(X))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_array_equal(loaded.fit(X, y).transform(X), fitted.transform(X))


@pytest.mark.parametrize("params", [{"hash_buckets": 4}, {"unknown_rate": 0.0}])
def test_pretrained_with_buckets_or_no_unknown_rate(params):
    """Pretrained tables combine with hash buckets and unknown_rate=0 (unknown row completed)."""
    X = pd.DataFrame({"a": list("abcde") * 40, "b": list("xyzzy") * 40})
    y = np.tile([0, 1], 100)
    table = pd.DataFrame(np.ones((3, 2)), index=["a", "b", "c"])
    encoder = EntityEmbeddingEncoder(
        pretrained_embeddings={"a": table}, min_frequency=1, max_iter=2, random_state=0, **params
    ).fit(X, y)
    vocabulary = fitted_vocabularies(encoder)[0]
    assert np.isfinite(encoder.embeddings_[0]).all()
    unseen = encoder.transform(pd.DataFrame({"a": ["never seen"], "b": ["x"]}))
    assert np.isfinite(unseen).all()
    if "hash_buckets" in params:  # the unknown row is the buckets' weighted mean
        buckets = encoder.embeddings_[0][vocabulary.missing_row + 1 :]
        assert not np.allclose(encoder.embeddings_[0][vocabulary.unknown_row], 0)
        assert buckets.shape[0] == 4
