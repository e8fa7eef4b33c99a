"""Errors name the column, what was expected, what was received, and leave no half fit."""

import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import NotFittedError

from conftest import make_frame
from skembed import EntityEmbeddingEncoder

FAST = dict(max_iter=2, random_state=0)


@pytest.fixture
def fitted():
    """A fitted encoder and its training frame."""
    X, y = make_frame(200)
    return EntityEmbeddingEncoder(**FAST).fit(X, y), X, y


def test_transform_before_fit():
    """transform before fit raises NotFittedError."""
    X, _ = make_frame(20)
    with pytest.raises(NotFittedError):
        EntityEmbeddingEncoder().transform(X)


def test_different_columns_at_transform(fitted):
    """Renamed, missing or extra columns at transform are refused."""
    enc, X, _ = fitted
    with pytest.raises(ValueError, match="feature names"):
        enc.transform(X.rename(columns={"city": "town"}))
    with pytest.raises(ValueError, match="missing:\n- age"):
        enc.transform(X.drop(columns="age"))
    with (
        pytest.warns(UserWarning, match="does not have valid feature names"),
        pytest.raises(ValueError, match="X has 3 features, but .* is expecting 4"),
    ):
        enc.transform(X.to_numpy()[:, :3])


def test_unknown_column_names_in_categorical_features():
    """Naming a column that X lacks lists the missing names and the available ones."""
    X, y = make_frame(50)
    with pytest.raises(ValueError, match=r"\['town'\] that are not in X.*'city'"):
        EntityEmbeddingEncoder(categorical_features=["city", "town"]).fit(X, y)


def test_names_for_array_input():
    """Column names for an array without names ask for a DataFrame or indices."""
    X, y = make_frame(50)
    with pytest.raises(ValueError, match="no column names"):
        EntityEmbeddingEncoder(categorical_features=["city"]).fit(X.to_numpy(), y)


def test_bad_mask_and_indices():
    """A mask of the wrong length or an index out of range is refused."""
    X, y = make_frame(50)
    with pytest.raises(ValueError, match="expected 4, got 2"):
        EntityEmbeddingEncoder(categorical_features=[True, False]).fit(X, y)
    with pytest.raises(ValueError, match=r"indices \[7\] out of range"):
        EntityEmbeddingEncoder(categorical_features=[7]).fit(X, y)


def test_y_length_mismatch():
    """y of another length than X is refused with both lengths."""
    X, y = make_frame(50)
    with pytest.raises(ValueError, match="X has 50 rows but y has 49"):
        EntityEmbeddingEncoder().fit(X, y[:-1])


def test_nan_in_y():
    """Missing values in y are refused."""
    X, y = make_frame(50)
    y = y.astype(float)
    y[3] = np.nan
    with pytest.raises(ValueError, match="y contains missing values"):
        EntityEmbeddingEncoder().fit(X, y)


def test_y_none_without_categorical_column_to_predict():
    """fit without y and without a categorical column fits nothing to embed, cleanly."""
    X, _ = make_frame(50)
    enc = EntityEmbeddingEncoder().fit(X[["age", "income"]])
    assert enc.n_iter_ == 0 and enc.transform(X[["age", "income"]]).shape == (50, 2)


@pytest.mark.parametrize("when", ["fit", "transform"])
def test_inf_in_continuous_column(fitted, when):
    """Infinity in a continuous column names the column, at fit and at transform."""
    enc, X, y = fitted
    X = X.copy()
    X.loc[3, "income"] = np.inf
    with pytest.raises(ValueError, match="'income' contains infinity"):
        if when == "fit":
            EntityEmbeddingEncoder(**FAST).fit(X, y)
        else:
            enc.transform(X)


def test_non_numeric_continuous_column():
    """A string column declared continuous says how to embed it instead."""
    X, y = make_frame(50)
    with pytest.raises(TypeError, match="'colour' is treated as continuous.*categorical_features"):
        EntityEmbeddingEncoder(categorical_features=["city"]).fit(X, y)


def test_empty_x():
    """X with no rows or no columns is refused."""
    X, y = make_frame(50)
    with pytest.raises(ValueError, match="0 sample"):
        EntityEmbeddingEncoder().fit(X.iloc[:0], y[:0])
    with pytest.raises(ValueError, match="0 feature"):
        EntityEmbeddingEncoder().fit(X.iloc[:, :0], y)


def test_all_missing_categorical_column_warns_and_keeps_its_missing_row():
    """An all-missing categorical column (a fold of a sparse column) warns, naming it, and fits."""
    X, y = make_frame(50)
    X["city"] = pd.Series([None] * 50, dtype=object)
    encoder = EntityEmbeddingEncoder(categorical_features=["city", "colour"], max_iter=2)
    with pytest.warns(UserWarning, match="'city' has only missing values"):
        encoder.fit(X, y)
    assert len(encoder.categories_[0]) == 0 and encoder.embeddings_[0].shape[0] == 2
    table = encoder.get_embeddings("city")
    Z = encoder.transform(X.assign(city=["new"] * 25 + [None] * 25))
    block = Z[:, : encoder.embedding_dims_[0]]
    np.testing.assert_array_equal(block[:25], np.tile(table.loc["<unknown>"], (25, 1)))
    np.testing.assert_array_equal(block[25:], np.tile(table.loc["<missing>"], (25, 1)))


def test_handle_unknown_error(fitted):
    """handle_unknown='error' lists unseen values and the column; pooled values pass."""
    _, X, y = fitted
    enc = EntityEmbeddingEncoder(handle_unknown="error", min_frequency=5, **FAST).fit(X, y)
    assert "rare" in enc.infrequent_categories_[0]
    X2 = X.head(3).copy()
    X2["city"] = ["atlantis", "rare", "paris"]
    with pytest.raises(ValueError, match=r"unknown categories in column 'city'.*'atlantis'"):
        enc.transform(X2)
    X2["city"] = ["rare", "rare", "paris"]
    assert np.isfinite(enc.transform(X2)).all()


def test_unseen_categories_embed_by_default(fitted):
    """By default unseen values get the trained unknown row and finite output."""
    enc, X, _ = fitted
    X2 = X.head(3).copy()
    X2["city"] = ["atlantis", "mu", None]
    Z = enc.transform(X2)
    assert np.isfinite(Z).all()
    unknown = enc.get_embeddings("city").loc["<unknown>"].to_numpy()
    np.testing.assert_array_equal(Z[0, : len(unknown)], unknown)


@pytest.mark.parametrize(
    "params, match",
    [
        (dict(embedding_dim=0), "'embedding_dim' parameter"),
        (dict(min_frequency=1.5), "'min_frequency' parameter"),
        (dict(handle_unknown="ignore"), "'handle_unknown' parameter .* 'embed'"),
        (dict(hidden_layer_sizes=(0,)), "'hidden_layer_sizes'"),
        (dict(dropout=1.0), r"'dropout' parameter .* \[0, 1\)"),
        (dict(dtype=np.int32), "'dtype' parameter"),
        (dict(early_stopping="yes"), "'early_stopping' parameter .* must be a bool. Got 'yes'"),
        (dict(device="tpu:0"), "device='tpu:0'"),
    ],
)
def test_invalid_parameters(params, match):
    """Invalid constructor parameters are reported at fit with the expected values."""
    X, y = make_frame(50)
    with pytest.raises(ValueError, match=match):
        EntityEmbeddingEncoder(**params).fit(X, y)


def test_cuda_requested_without_cuda():
    """device='cuda' on a machine without CUDA says so and suggests 'auto'."""
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    X, y = make_frame(50)
    with pytest.raises(ValueError, match="CUDA is not available"):
        EntityEmbeddingEncoder(device="cuda").fit(X, y)


def test_embedding_dim_dict_with_unknown_column():
    """embedding_dim naming a column absent from X is refused."""
    X, y = make_frame(50)
    with pytest.raises(ValueError, match=r"columns \['town'\]"):
        EntityEmbeddingEncoder(embedding_dim={"town": 3}).fit(X, y)


def test_get_embeddings_of_unknown_or_continuous_column(fitted):
    """get_embeddings names the categorical columns when given another one."""
    enc, _, _ = fitted
    with pytest.raises(KeyError, match="not seen in fit"):
        enc.get_embeddings("town")
    with pytest.raises(KeyError, match="'age' is continuous"):
        enc.get_embeddings("age")


def test_bad_transform_leaves_encoder_usable(fitted):
    """A failing transform does not change the fitted encoder."""
    enc, X, _ = fitted
    before = enc.transform(X)
    X2 = X.copy()
    X2.loc[0, "age"] = -np.inf
    with pytest.raises(ValueError):
        enc.transform(X2)
    np.testing.assert_array_equal(enc.transform(X), before)


def test_unsupported_device_is_refused_clearly():
    """device='mps' (or any non-CPU, non-CUDA device) gets an error naming what works."""
    X, y = make_frame(60)
    with pytest.raises(ValueError, match="device='mps' is not supported"):
        EntityEmbeddingEncoder(device="mps", max_iter=1).fit(X, y)


def test_polars_lazyframe_says_collect():
    """A polars LazyFrame is refused with the fix: call .collect()."""
    pl = pytest.importorskip("polars")
    X, y = make_frame(60)
    with pytest.raises(TypeError, match=r"LazyFrame.*X.collect\(\)"):
        EntityEmbeddingEncoder(max_iter=1).fit(pl.from_pandas(X).lazy(), y)


def test_most_similar_on_a_column_without_kept_categories():
    """When every category was pooled, the KeyError says so instead of listing none."""
    X = pd.DataFrame({"id": [f"u{i}" for i in range(40)], "city": ["a", "b"] * 20})
    with pytest.warns(UserWarning, match="pooled"):
        encoder = EntityEmbeddingEncoder(min_frequency=2, max_iter=1).fit(X, [0, 1] * 20)
    with pytest.raises(KeyError, match="No category of column 'id' kept a row"):
        encoder.most_similar("id", "u1")
