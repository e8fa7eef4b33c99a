"""Sample weights: rows of weight 0 are absent, and min_frequency counts weight."""

import numpy as np
import pytest

from skembed import EntityEmbeddingEncoder
from skembed.datasets import load_adult_sample

FAST = dict(max_iter=2, random_state=0)


@pytest.fixture(scope="module")
def census():
    """2,000 rows of the bundled census sample; rows 0-29 relabelled to one odd country."""
    X, y = load_adult_sample()
    X, y = X.iloc[:2000].reset_index(drop=True), np.asarray(y[:2000])
    X["native-country"] = X["native-country"].astype(object)
    X.loc[:29, "native-country"] = "Atlantis"
    return X, y


def test_zero_weight_rows_are_as_if_absent(census):
    """A category seen only in weight-0 rows is unseen; the fit equals one without the rows."""
    X, y = census
    weight = np.ones(len(y))
    weight[:30] = 0.0
    encoder = EntityEmbeddingEncoder(**FAST).fit(X, y, sample_weight=weight)
    i = encoder.categorical_columns_.tolist().index(X.columns.get_loc("native-country"))
    assert "Atlantis" not in encoder.categories_[i].tolist()
    assert "Atlantis" not in encoder.infrequent_categories_[i].tolist()
    dropped = EntityEmbeddingEncoder(**FAST).fit(X.iloc[30:], y[30:], sample_weight=weight[30:])
    for a, b in zip(encoder.embeddings_, dropped.embeddings_):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(encoder.continuous_mean_, dropped.continuous_mean_)
    unknown = encoder.get_embeddings("native-country").loc["<unknown>"].to_numpy()
    start = encoder.get_feature_names_out().tolist().index("native-country_emb0")
    block = encoder.transform(X.iloc[:3])[:, start : start + len(unknown)]
    np.testing.assert_array_equal(block, np.tile(unknown, (3, 1)))


def test_min_frequency_counts_relative_weight(census):
    """min_frequency compares weighted counts over the mean weight; the scale does not matter."""
    X, y = census
    weight = np.ones(len(y))
    weight[:30] = 0.05  # 30 rows worth 1.5 rows: below min_frequency=5
    params = dict(min_frequency=5, **FAST)
    light = EntityEmbeddingEncoder(**params).fit(X, y, sample_weight=weight)
    i = light.categorical_columns_.tolist().index(X.columns.get_loc("native-country"))
    assert "Atlantis" in light.infrequent_categories_[i].tolist()
    plain = EntityEmbeddingEncoder(**params).fit(X, y)
    assert "Atlantis" in plain.categories_[i].tolist()
    scaled = EntityEmbeddingEncoder(**params).fit(X, y, sample_weight=weight * 1000)
    for a, b in zip(light.categories_, scaled.categories_):
        np.testing.assert_array_equal(a, b)


def test_dask_fit_treats_weights_as_in_memory(census):
    """A Dask fit leaves weight-0 rows out and counts weight for min_frequency too."""
    dd = pytest.importorskip("dask.dataframe")
    X, y = census
    weight = np.ones(len(y))
    weight[:30] = 0.0
    weight[30:60] = 0.01
    frame = dd.from_pandas(X.assign(target=y, w=weight), npartitions=3)
    params = dict(min_frequency=20, **FAST)
    streamed = EntityEmbeddingEncoder(**params).fit(
        frame[list(X.columns)], frame["target"], sample_weight=frame["w"]
    )
    memory = EntityEmbeddingEncoder(**params).fit(X, y, sample_weight=weight)
    for a, b in zip(streamed.categories_, memory.categories_):
        np.testing.assert_array_equal(a, b)
    for a, b in zip(streamed.infrequent_categories_, memory.infrequent_categories_):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(streamed.continuous_mean_, memory.continuous_mean_)


def test_all_zero_weights_is_a_clear_error(census):
    """Weights that are all zero leave nothing to fit: a ValueError saying so."""
    X, y = census
    with pytest.raises(ValueError, match="at least one non-zero"):
        EntityEmbeddingEncoder(**FAST).fit(X, y, sample_weight=np.zeros(len(y)))


def test_zero_weights_with_a_pyarrow_table_and_a_short_y(census):
    """Dropping weight-0 rows works on a pyarrow Table; a y of the wrong length names both."""
    pa = pytest.importorskip("pyarrow")
    X, y = census
    weight = np.ones(len(y))
    weight[:30] = 0.0
    table = pa.Table.from_pandas(X, preserve_index=False)
    from_arrow = EntityEmbeddingEncoder(**FAST).fit(table, y, sample_weight=weight)
    from_pandas = EntityEmbeddingEncoder(**FAST).fit(X, y, sample_weight=weight)
    for a, b in zip(from_arrow.embeddings_, from_pandas.embeddings_):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match=f"X has {len(y)} rows but y has {len(y) - 1}"):
        EntityEmbeddingEncoder(**FAST).fit(X, y[:-1], sample_weight=weight)


def test_a_category_seen_only_at_weight_zero_is_unknown_and_the_error_says_why(census):
    """Under handle_unknown="error", such a category raises and the message names the weights."""
    X, y = census
    weight = np.ones(len(y))
    weight[:30] = 0.0
    encoder = EntityEmbeddingEncoder(handle_unknown="error", **FAST)
    with pytest.raises(ValueError, match="'Atlantis'.*rows of sample_weight 0 do not count"):
        encoder.fit_transform(X, y, sample_weight=weight)
