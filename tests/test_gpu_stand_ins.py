"""skembed's CuPy and cuDF glue, run on the CPU against stand-in modules.

Real CuPy and cuDF need a CUDA GPU, so on most machines the code that talks to
them would never run. These tests install small stand-ins under the names
``cupy`` and ``cudf`` -- CuPy arrays as NumPy arrays, cuDF frames as pandas
frames, with the few methods skembed calls (``factorize``, ``to_cupy``,
``nans_to_nulls``, ``has_nulls``, ``to_pandas``, DLPack) behaving as documented
for the real libraries -- so that skembed's branches for them (container
detection, factorizing, scaling, output in the input's container) execute and
are checked against the NumPy / pandas results. The tests with the real
libraries are in ``test_gpu.py`` and skip without a GPU.
"""

import sys
import types

import numpy as np
import pandas as pd
import pytest

from skembed import EntityEmbeddingEncoder
from skembed.datasets import load_adult_sample

torch = pytest.importorskip("torch")


class _CupyArray(np.ndarray):
    """A CuPy array stand-in: NumPy memory, CuPy's module name and CUDA interface."""

    @property
    def __cuda_array_interface__(self):
        return self.__array_interface__


_CupyArray.__module__ = "cupy"


def _cupy_asarray(values):
    return np.asarray(values).view(_CupyArray)


def _cupy_from_dlpack(tensor):
    if tensor.device.type == "cpu":  # as CuPy does: it imports device memory only
        raise TypeError("CPU arrays cannot be directly imported to CuPy")
    raise AssertionError("no GPU here")


class _Uniques:
    def __init__(self, index):
        self.index = index

    def to_pandas(self):
        return self.index


class _CudfSeries(pd.Series):
    """A cuDF Series stand-in on pandas, with the cuDF methods skembed uses."""

    @property
    def _constructor(self):
        return _CudfSeries

    def factorize(self, sort=False, use_na_sentinel=True):
        codes, uniques = pd.Series(self).factorize(sort=sort, use_na_sentinel=use_na_sentinel)
        return _cupy_asarray(codes), _Uniques(pd.Index(uniques))

    def nans_to_nulls(self):
        return self

    @property
    def has_nulls(self):
        return bool(self.isna().any())

    def to_cupy(self, dtype=None, copy=False, na_value=None):
        values = pd.Series(self)
        if na_value is not None:
            values = values.fillna(na_value)
        return _cupy_asarray(values.to_numpy(dtype=dtype))

    def to_pandas(self):
        return pd.Series(self)


class _CudfFrame(pd.DataFrame):
    """A cuDF DataFrame stand-in on pandas (rows selected with iloc stay stand-ins)."""

    @property
    def _constructor(self):
        return _CudfFrame

    @property
    def _constructor_sliced(self):
        return _CudfSeries

    def to_pandas(self):
        return pd.DataFrame(self)


_CudfSeries.__module__ = "cudf.core.series"
_CudfSeries.__name__ = _CudfSeries.__qualname__ = "Series"
_CudfFrame.__module__ = "cudf.core.dataframe"
_CudfFrame.__name__ = _CudfFrame.__qualname__ = "DataFrame"


@pytest.fixture
def stand_ins(monkeypatch):
    """``cupy`` and ``cudf`` stand-in modules; cuDF's device is the CPU here."""
    cupy = types.ModuleType("cupy")
    cupy.ndarray = _CupyArray
    cupy.asarray = _cupy_asarray
    cupy.from_dlpack = _cupy_from_dlpack
    cudf = types.ModuleType("cudf")
    cudf.DataFrame = _CudfFrame
    cudf.Series = _CudfSeries
    monkeypatch.setitem(sys.modules, "cupy", cupy)
    monkeypatch.setitem(sys.modules, "cudf", cudf)
    monkeypatch.setattr("skembed._device_table._cupy_device", lambda: torch.device("cpu"))
    return cupy, cudf


def test_cupy_in_cupy_out(stand_ins):
    """A CuPy array is fitted through DLPack and transformed to a CuPy array equal to NumPy's."""
    rng = np.random.RandomState(0)
    X = np.column_stack([rng.randint(0, 30, 2000), rng.randint(0, 4, 2000)])
    y = (X[:, 0] % 3 == 0).astype(np.float64)
    params = dict(device="cpu", max_iter=2, random_state=0)
    host = EntityEmbeddingEncoder(**params).fit(X, y)
    enc = EntityEmbeddingEncoder(**params).fit(_cupy_asarray(X), _cupy_asarray(y))
    out = enc.transform(_cupy_asarray(X))
    assert isinstance(out, _CupyArray)
    np.testing.assert_array_equal(np.asarray(out), host.transform(X))
    as_numpy = enc.set_params(output_type="numpy").transform(_cupy_asarray(X))
    assert type(as_numpy) is np.ndarray


def test_cupy_cross_fitting_selects_rows(stand_ins):
    """cv= with CuPy input takes fold rows from the CuPy array and returns CuPy."""
    rng = np.random.RandomState(1)
    X = rng.randint(0, 12, size=(600, 2))
    y = (X[:, 0] > 5).astype(np.float64)
    params = dict(device="cpu", max_iter=1, random_state=0, cv=3)
    out = EntityEmbeddingEncoder(**params).fit_transform(_cupy_asarray(X), y)
    assert isinstance(out, _CupyArray)
    np.testing.assert_array_equal(
        np.asarray(out), EntityEmbeddingEncoder(**params).fit_transform(X, y)
    )


def test_cudf_frame_in_cudf_frame_out(stand_ins):
    """A cuDF frame of census data gives the pandas fit's categories and a cuDF frame back."""
    X, y = load_adult_sample()
    X = X.iloc[:3000].copy()
    y = np.asarray(y)[:3000]
    X.loc[X.index[::50], "age"] = np.nan  # a continuous column with missing values
    gdf = _CudfFrame(X)
    params = dict(device="cpu", max_iter=2, random_state=0)
    host = EntityEmbeddingEncoder(**params).fit(X, y)
    enc = EntityEmbeddingEncoder(**params).fit(gdf, _CudfSeries(y))
    assert list(enc.categorical_columns_) == list(host.categorical_columns_)
    for ours, theirs in zip(enc.categories_, host.categories_):
        assert list(ours) == list(theirs)
    np.testing.assert_allclose(enc.continuous_mean_, host.continuous_mean_)
    out = enc.transform(gdf)
    assert type(out).__name__ == "DataFrame" and type(out).__module__.startswith("cudf")
    assert list(out.columns) == list(enc.get_feature_names_out())
    assert out.index.equals(X.index)
    np.testing.assert_allclose(out.to_numpy(), enc.transform(X), rtol=1e-6, atol=1e-6)


def test_cudf_integer_column_with_nulls_is_factorized_exactly(stand_ins):
    """Nullable integer ids (beyond 2**53) in a cuDF frame keep their own rows."""
    big = 2**53
    ids = pd.array([big, big + 1, 3, None] * 100, dtype="Int64")
    X = pd.DataFrame({"id": ids, "x": np.arange(400, dtype=float)})
    y = np.tile([0.0, 1.0], 200)
    enc = EntityEmbeddingEncoder(categorical_features=["id"], device="cpu", max_iter=1)
    enc.fit(X, y)
    out = enc.transform(_CudfFrame(X)).to_numpy()
    np.testing.assert_allclose(out, enc.transform(X), rtol=1e-6)
    assert not np.array_equal(out[0], out[1])  # 2**53 and 2**53 + 1 are different rows


def test_host_results_to_cupy_and_cudf(stand_ins):
    """output_type='cupy' / 'cudf' on NumPy or CPU-tensor input builds those containers."""
    rng = np.random.RandomState(0)
    X = rng.randint(0, 8, size=(300, 2))
    y = (X[:, 0] > 3).astype(float)
    enc = EntityEmbeddingEncoder(device="cpu", max_iter=1, random_state=0).fit(X, y)
    expected = enc.transform(X)
    as_cupy = enc.set_params(output_type="cupy").transform(torch.from_numpy(X))
    assert isinstance(as_cupy, _CupyArray)
    np.testing.assert_array_equal(np.asarray(as_cupy), expected)
    as_cudf = enc.set_params(output_type="cudf").transform(X)
    assert list(as_cudf.columns) == list(enc.get_feature_names_out())
    np.testing.assert_array_equal(as_cudf.to_numpy(), expected)


def test_cudf_separator_column_is_split_on_the_host(stand_ins):
    """A '|'-separated cuDF string column trains and encodes as the pandas column does."""
    rng = np.random.RandomState(0)
    genres = np.array(["drama", "comedy", "action", "horror"])
    tags = [
        "|".join(rng.choice(genres, size=rng.randint(1, 3), replace=False)) for _ in range(600)
    ]
    X = pd.DataFrame({"tags": tags, "city": rng.choice(["a", "b", "c"], 600)})
    y = np.array(["drama" in t for t in tags], dtype=float)
    params = dict(separator={"tags": "|"}, device="cpu", max_iter=2, random_state=0)
    host = EntityEmbeddingEncoder(**params).fit(X, y)
    enc = EntityEmbeddingEncoder(**params).fit(_CudfFrame(X), y)
    assert list(enc.bag_columns_) == [0]
    assert list(enc.categories_[0]) == list(host.categories_[0])
    for ours, theirs in zip(enc.embeddings_, host.embeddings_):
        np.testing.assert_allclose(ours, theirs, atol=1e-6)
    out = enc.transform(_CudfFrame(X))
    np.testing.assert_allclose(out.to_numpy(), enc.transform(X), rtol=1e-6, atol=1e-6)
