"""The output layout: X's column order, blocks in place, other columns passed through."""

import numpy as np
import pandas as pd
import pytest

from skembed import EntityEmbeddingEncoder
from skembed._layout import output_layout
from skembed.datasets import load_adult_sample

FAST = dict(max_iter=2, random_state=0)


@pytest.fixture(scope="module")
def adult():
    """The bundled census sample, 2,000 rows, with some ages missing."""
    X, y = load_adult_sample()
    X, y = X.iloc[:2000].reset_index(drop=True), np.asarray(y[:2000])
    X.loc[::9, "age"] = np.nan
    return X, y


def test_output_layout_positions():
    """Blocks replace their column in place; dropped continuous columns leave no gap."""
    layout = output_layout([1, 3], [0, 2, 4], [3, 2], keep_continuous=True)
    assert layout.starts.tolist() == [1, 5] and layout.continuous.tolist() == [0, 4, 7]
    assert layout.n_features == 8 and layout.blocks() == [(1, 4), (5, 7)]
    dropped = output_layout([1, 3], [0, 2, 4], [3, 2], keep_continuous=False)
    assert dropped.starts.tolist() == [0, 3] and dropped.n_features == 5
    assert output_layout([], [0, 1], [], keep_continuous=True).continuous.tolist() == [0, 1]


def test_census_output_follows_the_input_order(adult):
    """On census data every column keeps its place; continuous values and NaN pass through."""
    X, y = adult
    encoder = EntityEmbeddingEncoder(**FAST).fit(X, y)
    Z = encoder.transform(X)
    names = encoder.get_feature_names_out().tolist()
    # each input column, in X's order, owns a contiguous run of output columns
    owners = [name.rsplit("_emb", 1)[0] if "_emb" in name else name for name in names]
    assert list(dict.fromkeys(owners)) == list(X.columns)
    for column in ["age", "fnlwgt", "hours-per-week"]:
        np.testing.assert_array_equal(Z[:, names.index(column)], X[column].to_numpy(np.float32))
    assert np.isnan(Z[::9, names.index("age")]).all()
    for column in ["workclass", "native-country"]:
        start = names.index(f"{column}_emb0")
        table = encoder.get_embeddings(column)
        block = Z[:, start : start + table.shape[1]]
        codes = X[column].astype(object).where(X[column].notna(), "<missing>")
        np.testing.assert_array_equal(block, table.loc[codes].to_numpy())
    pandas_out = encoder.set_output(transform="pandas").transform(X)
    assert pandas_out.columns.tolist() == names


def test_scale_keeps_the_layout_and_standardizes(adult):
    """continuous="scale" puts the standardized, mean-imputed values in the same places."""
    X, y = adult
    encoder = EntityEmbeddingEncoder(continuous="scale", **FAST).fit(X, y)
    Z = encoder.transform(X)
    age = Z[:, encoder.get_feature_names_out().tolist().index("age")]
    assert np.isfinite(Z).all() and (age[::9] == 0).all()
    passed = EntityEmbeddingEncoder(**FAST).fit(X, y)
    assert passed.get_feature_names_out().tolist() == encoder.get_feature_names_out().tolist()
    for a, b in zip(passed.embeddings_, encoder.embeddings_):
        np.testing.assert_array_equal(a, b)  # the network saw the same scaled copies


def test_cross_fit_passes_the_other_columns_through(adult):
    """With cv, only the blocks are out of fold; the other columns are X's values."""
    X, y = adult
    encoder = EntityEmbeddingEncoder(cv=2, **FAST)
    Z = encoder.fit_transform(X, y)
    names = encoder.get_feature_names_out().tolist()
    np.testing.assert_array_equal(Z[:, names.index("fnlwgt")], X["fnlwgt"].to_numpy(np.float32))


def test_dask_output_has_the_in_memory_layout(adult):
    """A Dask fit names and orders its output as an in-memory fit does."""
    dd = pytest.importorskip("dask.dataframe")
    X, y = adult
    ddf = dd.from_pandas(X.assign(target=y), npartitions=3)
    streamed = EntityEmbeddingEncoder(**FAST).fit(ddf.drop(columns="target"), ddf["target"])
    memory = EntityEmbeddingEncoder(**FAST).fit(X, y)
    names = streamed.get_feature_names_out().tolist()
    assert names == memory.get_feature_names_out().tolist()
    Z = streamed.transform(ddf.drop(columns="target")).compute()
    np.testing.assert_array_equal(
        np.asarray(Z)[:, names.index("age")], X["age"].to_numpy(np.float32)
    )


def test_a_passthrough_name_equal_to_a_block_name_raises():
    """A column literally named like a generated column is refused at fit, naming both."""
    X = pd.DataFrame({"city": list("abcab") * 20, "city_emb0": np.arange(100.0)})
    y = np.arange(100) % 2
    with pytest.raises(ValueError, match="column 'city' would be named 'city_emb0'"):
        EntityEmbeddingEncoder(embedding_dim=2, **FAST).fit(X, y)
    dropped = EntityEmbeddingEncoder(embedding_dim=2, continuous="drop", **FAST).fit(X, y)
    assert dropped.get_feature_names_out().tolist() == ["city_emb0", "city_emb1"]
    # a width that does not reach the name is fine
    wide = X.rename(columns={"city_emb0": "city_emb5"})
    names = EntityEmbeddingEncoder(embedding_dim=2, **FAST).fit(wide, y).get_feature_names_out()
    assert names.tolist() == ["city_emb0", "city_emb1", "city_emb5"]


def test_all_missing_column_of_a_tensor_warns_and_transforms():
    """On the device path, an all-NaN categorical column keeps its missing row and warns."""
    torch = pytest.importorskip("torch")
    X = np.column_stack([np.arange(100) % 3, np.full(100, np.nan), np.arange(100.0)])
    y = np.arange(100) % 2
    encoder = EntityEmbeddingEncoder(categorical_features=[0, 1], device="cpu", **FAST)
    with pytest.warns(UserWarning, match="column at index 1 has only missing values"):
        encoder.fit(torch.from_numpy(X), y)
    Z = encoder.transform(torch.from_numpy(np.array([[0.0, 7.0, 1.0], [1.0, np.nan, 2.0]])))
    table = encoder.embeddings_[1]
    start = encoder.embedding_dims_[0]
    np.testing.assert_array_equal(Z[0, start : start + 2].numpy(), table[0])  # unknown row
    np.testing.assert_array_equal(Z[1, start : start + 2].numpy(), table[1])  # missing row


def test_the_collision_error_names_the_column_that_makes_the_name():
    """With columns a and a_emb both embedded, a passthrough a_emb_emb0 is blamed on a_emb."""
    X = pd.DataFrame({"a": list("xy") * 50, "a_emb": list("uvw") * 33 + ["u"], "a_emb_emb0": 1.0})
    y = np.arange(100) % 2
    with pytest.raises(ValueError, match="column 'a_emb' would be named 'a_emb_emb0'"):
        EntityEmbeddingEncoder(categorical_features=["a", "a_emb"], **FAST).fit(X, y)
