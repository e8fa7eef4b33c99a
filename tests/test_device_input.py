"""Tensor and GPU containers in and out: torch (any device), CuPy, cuDF, output_type.

The torch-tensor tests run everywhere (CPU tensors take the same device code
path as CUDA ones); the CUDA, CuPy, cuDF and cuML tests are in ``test_gpu.py``.
"""

import importlib.util

import joblib
import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.preprocessing import OrdinalEncoder

from skembed import EntityEmbeddingEncoder
from skembed.datasets import load_adult_sample

torch = pytest.importorskip("torch")
has_cupy = importlib.util.find_spec("cupy") is not None


def _codes(n=3000, seed=0):
    rng = np.random.RandomState(seed)
    X = np.column_stack([rng.randint(0, 40, n), rng.randint(0, 5, n)]).astype(np.int64)
    y = ((X[:, 0] % 3 == 0) ^ (X[:, 1] == 1)).astype(np.float64)
    return X, y


def _adult_matrix():
    """The bundled census sample as one float64 matrix: ordinal codes, then numbers."""
    X, y = load_adult_sample()
    cat = X.select_dtypes(exclude="number").columns
    num = X.select_dtypes(include="number").columns
    codes = OrdinalEncoder(encoded_missing_value=np.nan).fit_transform(X[cat])
    matrix = np.column_stack([codes, X[num].to_numpy(dtype=np.float64)])
    return matrix, np.asarray(y), list(range(len(cat)))


def test_int_tensor_fit_is_bitwise_the_numpy_fit():
    """An int64 torch tensor (and y tensor) trains exactly the tables of the same NumPy array."""
    X, y = _codes()
    params = dict(device="cpu", max_iter=4, random_state=0)
    a = EntityEmbeddingEncoder(**params).fit(X, y)
    b = EntityEmbeddingEncoder(**params).fit(torch.from_numpy(X), torch.from_numpy(y))
    for cats_a, cats_b, emb_a, emb_b in zip(
        a.categories_, b.categories_, a.embeddings_, b.embeddings_
    ):
        np.testing.assert_array_equal(cats_a, cats_b)
        np.testing.assert_array_equal(emb_a, emb_b)
    out = b.transform(torch.from_numpy(X))
    assert isinstance(out, torch.Tensor) and out.dtype == torch.float32
    np.testing.assert_array_equal(out.numpy(), a.transform(X))


def test_adult_tensor_matches_array_and_learns():
    """On the census sample as a float tensor the fit equals the NumPy fit and predicts income."""
    matrix, y, cat = _adult_matrix()
    params = dict(categorical_features=cat, device="cpu", max_iter=5, random_state=0)
    params["continuous"] = "scale"  # for the logistic regression below
    by_array = EntityEmbeddingEncoder(**params).fit(matrix, y)
    by_tensor = EntityEmbeddingEncoder(**params).fit(torch.from_numpy(matrix), y)
    np.testing.assert_allclose(by_tensor.continuous_mean_, by_array.continuous_mean_)
    np.testing.assert_allclose(by_tensor.continuous_scale_, by_array.continuous_scale_)
    for emb_a, emb_b in zip(by_array.embeddings_, by_tensor.embeddings_):
        np.testing.assert_allclose(emb_b, emb_a, atol=1e-5)
    Z = by_tensor.transform(torch.from_numpy(matrix))
    np.testing.assert_allclose(Z.numpy(), by_array.transform(matrix), atol=1e-5)
    assert torch.isfinite(Z).all()
    half = len(y) // 2
    model = LogisticRegression(max_iter=500).fit(Z[:half].numpy(), y[:half])
    assert roc_auc_score(y[half:], model.predict_proba(Z[half:].numpy())[:, 1]) > 0.85


def test_missing_and_unseen_values_in_a_tensor():
    """NaN in a float categorical column is the missing row; unseen codes get the unknown row."""
    X, y = _codes()
    Xf = X.astype(np.float64)
    Xf[::10, 1] = np.nan
    params = dict(categorical_features=[0, 1], device="cpu", max_iter=2, random_state=0)
    enc = EntityEmbeddingEncoder(**params).fit(torch.from_numpy(Xf), y)
    new = torch.tensor([[1.0, np.nan], [999.0, 2.0]], dtype=torch.float64)
    out = enc.transform(new).numpy()
    d0 = enc.embedding_dims_[0]
    vocab0, vocab1 = enc.categories_
    np.testing.assert_array_equal(out[0, d0:], enc.embeddings_[1][len(vocab1) + 1])
    np.testing.assert_array_equal(out[1, :d0], enc.embeddings_[0][len(vocab0)])
    np.testing.assert_array_equal(out, enc.transform(new.numpy()))
    strict = EntityEmbeddingEncoder(**params, handle_unknown="error").fit(torch.from_numpy(Xf), y)
    with pytest.raises(ValueError, match=r"unknown categories in column at index 0.*999"):
        strict.transform(new)


def test_hash_buckets_and_self_supervised_fit_on_tensor():
    """Hash buckets and fit(X) without y give the same result from a tensor as from NumPy."""
    X, _ = _codes(2000, seed=1)
    params = dict(device="cpu", max_iter=2, random_state=0, hash_buckets=4, min_frequency=60)
    a = EntityEmbeddingEncoder(**params).fit(X)
    b = EntityEmbeddingEncoder(**params).fit(torch.from_numpy(X))
    for emb_a, emb_b in zip(a.embeddings_, b.embeddings_):
        np.testing.assert_array_equal(emb_a, emb_b)
    unseen = np.array([[1000, 1], [1001, 2]])
    np.testing.assert_array_equal(
        b.transform(torch.from_numpy(unseen)).numpy(), a.transform(unseen)
    )


def test_output_type_forces_a_container():
    """output_type='numpy' / 'torch' override the input's container; 'input' follows it."""
    X, y = _codes(500)
    enc = EntityEmbeddingEncoder(device="cpu", max_iter=1, random_state=0).fit(X, y)
    expected = enc.transform(X)
    as_torch = enc.set_params(output_type="torch").transform(X)
    assert isinstance(as_torch, torch.Tensor)
    np.testing.assert_array_equal(as_torch.numpy(), expected)
    as_numpy = enc.set_params(output_type="numpy").transform(torch.from_numpy(X))
    assert isinstance(as_numpy, np.ndarray)
    np.testing.assert_array_equal(as_numpy, expected)
    fitted = enc.set_params(output_type="torch").fit_transform(X, y)
    assert isinstance(fitted, torch.Tensor)


def test_set_output_applies_to_numpy_results_only():
    """Under set_output('pandas') tensor input still gives a tensor, NumPy input a DataFrame."""
    X, y = _codes(500)
    enc = EntityEmbeddingEncoder(device="cpu", max_iter=1, random_state=0).set_output(
        transform="pandas"
    )
    enc.fit(torch.from_numpy(X), y)
    assert isinstance(enc.transform(torch.from_numpy(X)), torch.Tensor)
    assert isinstance(enc.fit_transform(torch.from_numpy(X), y), torch.Tensor)
    frame = enc.transform(X)
    assert isinstance(frame, pd.DataFrame)
    assert list(frame.columns) == list(enc.get_feature_names_out())


def test_cross_fitted_fit_transform_on_tensor():
    """cv= with tensor input returns the same out-of-fold rows as with a NumPy array."""
    X, y = _codes(900)
    params = dict(device="cpu", max_iter=2, random_state=0, cv=3)
    a = EntityEmbeddingEncoder(**params).fit_transform(X, y)
    b = EntityEmbeddingEncoder(**params).fit_transform(torch.from_numpy(X), torch.from_numpy(y))
    np.testing.assert_array_equal(b.numpy(), a)


def test_tensor_fitted_encoder_pickles_as_numpy(tmp_path):
    """An encoder fitted on tensors holds NumPy only and reloads to the same transform."""
    X, y = _codes(500)
    enc = EntityEmbeddingEncoder(device="cpu", max_iter=1, random_state=0)
    enc.fit(torch.from_numpy(X), torch.from_numpy(y))
    assert all(isinstance(t, np.ndarray) for t in enc.embeddings_ + enc.categories_)
    joblib.dump(enc, tmp_path / "enc.joblib")
    loaded = joblib.load(tmp_path / "enc.joblib")
    np.testing.assert_array_equal(loaded.transform(X), enc.transform(torch.from_numpy(X)).numpy())


def test_refit_replaces_the_cached_device_tables(tmp_path):
    """transform after a refit uses the new tables; the device copies are not pickled."""
    X, y = _codes(500)
    tensor = torch.from_numpy(X)
    enc = EntityEmbeddingEncoder(device="cpu", max_iter=1, random_state=0).fit(X, y)
    first = enc.transform(tensor)
    enc.set_params(random_state=1).fit(X, y)
    second = enc.transform(tensor)
    assert not torch.equal(first, second)
    np.testing.assert_array_equal(second.numpy(), enc.transform(X))
    joblib.dump(enc, tmp_path / "enc.joblib")
    assert "_device_tables" not in joblib.load(tmp_path / "enc.joblib").__dict__


def test_uint64_ids_beyond_int64_round_trip():
    """uint64 categories above 2**63 (hashed ids) are found again in a uint64 tensor."""
    ids = np.array([5, 9, 2**63 + 1, 2**63 + 7], dtype=np.uint64)
    X = np.repeat(ids, 50)[:, None]
    y = np.tile([0.0, 1.0], len(X) // 2)
    enc = EntityEmbeddingEncoder(device="cpu", max_iter=1, random_state=0, handle_unknown="error")
    enc.fit(X, y)
    out = enc.transform(torch.from_numpy(ids[:, None]))
    np.testing.assert_array_equal(out.numpy(), enc.transform(ids[:, None]))


def test_list_column_of_fit_is_refused_on_the_device_path():
    """A column fitted as a list column cannot be transformed from a tensor: a clear error."""
    cells = np.empty(200, dtype=object)
    cells[:] = [[k % 3, k % 5] for k in range(200)]
    X = np.column_stack([cells, np.arange(200) % 4]).astype(object)
    y = np.arange(200) % 2
    enc = EntityEmbeddingEncoder(device="cpu", max_iter=1, random_state=0).fit(X, y)
    assert list(enc.bag_columns_) == [0]
    with pytest.raises(TypeError, match="Column at index 0 is a list column"):
        enc.transform(torch.zeros((3, 2), dtype=torch.int64))


def test_bool_and_sample_weight_tensors():
    """A bool tensor is categorical; sample_weight as a tensor equals it as an array."""
    rng = np.random.RandomState(0)
    X = rng.rand(600, 3) > 0.5
    y = X[:, 0].astype(float)
    w = rng.rand(600)
    params = dict(device="cpu", max_iter=2, random_state=0)
    a = EntityEmbeddingEncoder(**params).fit(X, y, sample_weight=w)
    b = EntityEmbeddingEncoder(**params).fit(
        torch.from_numpy(X), y, sample_weight=torch.from_numpy(w)
    )
    assert [len(c) for c in b.categories_] == [2, 2, 2]
    for emb_a, emb_b in zip(a.embeddings_, b.embeddings_):
        np.testing.assert_array_equal(emb_a, emb_b)


@pytest.mark.parametrize(
    ("X", "match"),
    [
        (torch.arange(6), "Expected a 2-D torch array.*got shape \\(6,\\)"),
        (torch.zeros((0, 2), dtype=torch.int64), "0 sample"),
        (torch.zeros((3, 2), dtype=torch.complex64), "Complex data not supported"),
    ],
)
def test_bad_tensor_shapes_are_rejected(X, match):
    """1-D, empty and complex tensors give scikit-learn-style errors."""
    with pytest.raises(ValueError, match=match):
        EntityEmbeddingEncoder(device="cpu").fit(X, np.zeros(len(X)))


def test_tensor_errors_name_the_column_and_keep_the_fit():
    """Infinity in a continuous tensor column, or too few columns, raise and keep the fit."""
    X, y = _codes(300)
    Xf = np.column_stack([X.astype(float), np.linspace(0, 1, 300)])
    enc = EntityEmbeddingEncoder(categorical_features=[0, 1], device="cpu", max_iter=1)
    enc.fit(torch.from_numpy(Xf), y)
    before = [e.copy() for e in enc.embeddings_]
    bad = torch.from_numpy(Xf.copy())
    bad[3, 2] = float("inf")
    with pytest.raises(ValueError, match="Continuous column at index 2 contains infinity"):
        enc.fit(bad, y)
    with pytest.raises(ValueError, match="X has 2 features"):
        enc.transform(torch.from_numpy(X))
    for old, new in zip(before, enc.embeddings_):
        np.testing.assert_array_equal(old, new)
    huge = torch.from_numpy(Xf.copy())
    huge[0, 2] = 1e300
    with pytest.raises(ValueError, match="beyond the largest float32"):
        enc.set_params(continuous="passthrough").transform(huge)


@pytest.mark.skipif(has_cupy, reason="checks the message shown when CuPy is missing")
def test_cupy_output_without_cupy_names_the_extra():
    """output_type='cupy' without CuPy installed says how to install it."""
    X, y = _codes(300)
    enc = EntityEmbeddingEncoder(device="cpu", max_iter=1, output_type="cupy").fit(X, y)
    with pytest.raises(ImportError, match=r'pip install "skembed\[gpu\]"'):
        enc.transform(X)


def test_dask_input_rejects_a_forced_output_type():
    """output_type other than 'input' with a Dask DataFrame is a clear error."""
    dd = pytest.importorskip("dask.dataframe")
    X, y = _codes(300)
    frame = pd.DataFrame({"a": X[:, 0].astype(str), "b": X[:, 1].astype(str)})
    enc = EntityEmbeddingEncoder(device="cpu", max_iter=1).fit(frame, y)
    enc.set_params(output_type="torch")
    with pytest.raises(ValueError, match="does not apply to Dask input"):
        enc.transform(dd.from_pandas(frame, npartitions=2))
