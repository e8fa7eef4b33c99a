"""Input containers and dtypes: pandas, polars, NumPy and lists give the same output."""

import numpy as np
import pandas as pd
import pytest

from conftest import make_frame
from skembed import EntityEmbeddingEncoder

FAST = dict(max_iter=3, random_state=0)


def _fit_transform(X, y, **params):
    enc = EntityEmbeddingEncoder(**FAST, **params)
    return enc.fit(X, y).transform(X)


def test_pandas_polars_numpy_list_parity():
    """The same data as pandas, polars, a NumPy object array or a list give identical output."""
    pl = pytest.importorskip("polars")
    X, y = make_frame(300)
    X = X[["city", "colour"]]
    expected = _fit_transform(X, y)
    np.testing.assert_array_equal(_fit_transform(pl.from_pandas(X), y), expected)
    np.testing.assert_array_equal(_fit_transform(X.to_numpy(dtype=object), y), expected)
    np.testing.assert_array_equal(_fit_transform(X.to_numpy(dtype=object).tolist(), y), expected)
    np.testing.assert_array_equal(_fit_transform(X.to_numpy(dtype=str), y), expected)


def test_pandas_polars_parity_with_missing_and_continuous():
    """pandas and polars agree with missing categories and continuous columns."""
    pl = pytest.importorskip("polars")
    X, y = make_frame(300)
    X.loc[::5, "city"] = None
    X.loc[::4, "age"] = np.nan
    expected = _fit_transform(X, y)
    Xpl = pl.from_pandas(X)
    assert Xpl["city"].null_count() > 0
    np.testing.assert_array_equal(_fit_transform(Xpl, y), expected)


def test_y_as_list_series_polars_and_array_agree():
    """y as list, pandas Series, polars Series or array gives the same fit."""
    pl = pytest.importorskip("polars")
    X, y = make_frame(200)
    expected = _fit_transform(X, y)
    for target in (list(y), pd.Series(y), pl.Series(y)):
        np.testing.assert_array_equal(_fit_transform(X, target), expected)


@pytest.mark.parametrize(
    "convert",
    [
        lambda s: s.astype("category"),
        lambda s: s.astype(object),
        lambda s: s.astype("string[python]"),
        lambda s: s.astype(pd.StringDtype("pyarrow")),
    ],
    ids=["category", "object", "string-python", "string-pyarrow"],
)
def test_pandas_string_like_dtypes_agree(convert):
    """category, object, pandas 3 default str and nullable string dtypes give the same output."""
    X, y = make_frame(300)
    X = X[["city", "colour", "age"]]
    expected = _fit_transform(X, y)
    X2 = X.assign(city=convert(X["city"]), colour=convert(X["colour"]))
    np.testing.assert_array_equal(_fit_transform(X2, y), expected)


def test_pandas_default_string_dtype_keeps_missing():
    """pandas 3 'str' columns with NaN use the missing row, not a 'nan' category."""
    X, y = make_frame(300)
    X["city"] = X["city"].where(np.arange(300) % 6 != 0)
    assert X["city"].dtype == "str"
    enc = EntityEmbeddingEncoder(**FAST).fit(X, y)
    assert "nan" not in enc.categories_[0].tolist()
    Z = enc.transform(X)
    missing = enc.get_embeddings("city").loc["<missing>"].to_numpy()
    np.testing.assert_array_equal(Z[::6, : len(missing)], np.tile(missing, (50, 1)))


def test_nullable_int_bool_and_category_of_ints():
    """Nullable Int64 is continuous; boolean and int categories are categorical."""
    rng = np.random.RandomState(0)
    n = 300
    X = pd.DataFrame(
        {
            "count": pd.array(rng.randint(0, 9, n), dtype="Int64"),
            "flag": pd.array(rng.rand(n) > 0.5, dtype="boolean"),
            "level": pd.Categorical(rng.choice([10, 20, 30], n)),
            "plain_bool": rng.rand(n) > 0.3,
        }
    )
    X.loc[::10, "count"] = pd.NA
    X.loc[::7, "flag"] = pd.NA
    y = rng.randint(0, 2, n)
    enc = EntityEmbeddingEncoder(**FAST).fit(X, y)
    assert enc.categorical_columns_.tolist() == [1, 2, 3]
    assert enc.categories_[1].tolist() == [10, 20, 30]
    assert enc.categories_[0].tolist() == [False, True]
    Z = enc.transform(X)
    assert np.isfinite(Z[:, 1:]).all()
    np.testing.assert_array_equal(np.isnan(Z[:, 0]), X["count"].isna())  # passed through


def test_integer_categories_from_numpy_and_pandas_agree():
    """Integer codes as a NumPy array and as a pandas column declared categorical agree."""
    X, y = make_frame(300)
    codes = X["city"].factorize()[0].reshape(-1, 1)
    a = _fit_transform(codes, y)
    b = _fit_transform(pd.DataFrame({"c": codes[:, 0]}), y, categorical_features=["c"])
    np.testing.assert_array_equal(a, b)


def test_transform_does_not_mutate_input():
    """fit and transform leave the input frame unchanged."""
    X, y = make_frame(200)
    X.loc[::4, "city"] = None
    before = X.copy()
    _fit_transform(X, y)
    pd.testing.assert_frame_equal(X, before)


def test_datetime_columns_are_seconds_and_nat_is_missing():
    """Datetime and duration columns are continuous seconds, with NaT as a missing value."""
    X, y = make_frame(200)
    stamps = pd.Timestamp("2024-01-01") + pd.to_timedelta(np.arange(200) * 3600, unit="s")
    X["when"] = pd.Series(stamps).where(np.arange(200) % 7 != 0)  # NaT every 7th row
    X["wait"] = X["when"] - pd.Timestamp("2024-01-01")
    enc = EntityEmbeddingEncoder(continuous="passthrough", **FAST).fit(X, y)
    when, wait = enc.transform(X)[:, -2:].T
    hours = np.arange(200.0)
    expected = np.where(hours % 7 != 0, 1704067200 + 3600 * hours, np.nan)
    np.testing.assert_allclose(when, expected.astype(np.float32))
    np.testing.assert_allclose(wait, np.where(hours % 7 != 0, 3600 * hours, np.nan))
    scaled = EntityEmbeddingEncoder(continuous="scale", **FAST).fit(X, y).transform(X)
    assert np.isfinite(scaled).all()
    pl = pytest.importorskip("polars")
    np.testing.assert_array_equal(
        EntityEmbeddingEncoder(continuous="passthrough", **FAST).fit(pl.from_pandas(X), y)
        .transform(pl.from_pandas(X)),
        enc.transform(X),
    )  # fmt: skip


@pytest.mark.parametrize("arrow_type", ["string", "large_string", "dictionary"])
def test_pandas_arrow_text_columns_are_categorical(arrow_type):
    """pd.ArrowDtype text and dictionary columns are embedded under 'auto', like str ones."""
    pa = pytest.importorskip("pyarrow")
    types = {
        "string": pa.string(),
        "large_string": pa.large_string(),
        "dictionary": pa.dictionary(pa.int32(), pa.string()),
    }
    rng = np.random.RandomState(0)
    city = rng.choice(["a", "b", "c"], 300)
    X = pd.DataFrame({"city": pd.Series(city).astype(pd.ArrowDtype(types[arrow_type]))})
    X["x"] = rng.normal(size=300)
    y = (city == "a").astype(int)
    arrow = EntityEmbeddingEncoder(max_iter=1, random_state=0).fit(X, y)
    plain = EntityEmbeddingEncoder(max_iter=1, random_state=0).fit(X.astype({"city": object}), y)
    assert arrow.categorical_columns_.tolist() == [0]
    np.testing.assert_array_equal(arrow.transform(X), plain.transform(X.astype({"city": object})))


def test_object_array_of_floats_is_continuous():
    """A ColumnTransformer-style object array: floats are continuous, strings embedded."""
    from sklearn.linear_model import LogisticRegression

    rng = np.random.RandomState(0)
    x = rng.normal(size=600)
    y = (x > 0).astype(int)
    X = np.empty((600, 2), dtype=object)
    X[:, 0], X[:, 1] = x, rng.choice(["a", "b"], 600)
    encoder = EntityEmbeddingEncoder(max_iter=2, random_state=0).fit(X, y)
    assert encoder.continuous_columns_.tolist() == [0]
    Z = encoder.transform(X)
    assert LogisticRegression().fit(Z, y).score(Z, y) > 0.95


def test_object_column_of_dates_is_continuous_seconds():
    """datetime.date objects (polars.to_pandas gives them) count as seconds, not categories."""
    import datetime

    days = np.arange(300) % 50
    X = pd.DataFrame(
        {"day": [datetime.date(2020, 1, 1) + datetime.timedelta(int(d)) for d in days]}
    )
    X["city"] = np.where(days % 2, "a", "b")
    encoder = EntityEmbeddingEncoder(max_iter=1, random_state=0, continuous="passthrough")
    Z = encoder.fit(X, days % 3 == 0).transform(X)
    assert encoder.continuous_columns_.tolist() == [0]
    assert Z[1, 0] - Z[0, 0] == 86400.0


def test_a_column_whose_categories_are_all_pooled_warns():
    """Every category below min_frequency: a UserWarning naming the column and the fix."""
    X = pd.DataFrame({"id": [f"u{i}" for i in range(100)], "city": ["a", "b"] * 50})
    with pytest.warns(UserWarning, match="'id': all its 100 categories were pooled"):
        EntityEmbeddingEncoder(min_frequency=2, max_iter=1).fit(X, [0, 1] * 50)


def test_integer_id_column_left_continuous_warns():
    """Thousands of recurring integers left continuous warn under "auto"; a census weight not."""
    import warnings

    from skembed.datasets import load_adult_sample

    X, y = load_adult_sample()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # fnlwgt: 8,497 mostly unique integers, a quantity
        EntityEmbeddingEncoder(**FAST).fit(X, y)
    rng = np.random.RandomState(0)
    ids = X.assign(person_id=rng.randint(0, 3000, len(X)))
    with pytest.warns(UserWarning, match="'person_id' holds 2,[0-9]{3} distinct integers"):
        EntityEmbeddingEncoder(**FAST).fit(ids, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # explicit features: no guessing, no warning
        categorical = [*X.select_dtypes(exclude="number").columns, "person_id"]
        EntityEmbeddingEncoder(categorical_features=categorical, **FAST).fit(ids, y)


def test_pyarrow_table_keeps_its_column_names():
    """A pyarrow Table is read as a frame: names, Arrow strings as categories."""
    pa = pytest.importorskip("pyarrow")
    X, y = make_frame(200)
    table = pa.Table.from_pandas(X, preserve_index=False)
    encoder = EntityEmbeddingEncoder(**FAST).fit(table, y)
    assert encoder.feature_names_in_.tolist() == list(X.columns)
    assert encoder.categorical_columns_.tolist() == [0, 2]
    expected = EntityEmbeddingEncoder(**FAST).fit(X, y).transform(X)
    np.testing.assert_array_equal(encoder.transform(table), expected)
