"""Tests that need a CUDA GPU: marked ``gpu`` (``pytest -m gpu`` selects them).

Every test here skips without CUDA; those with CuPy, cuDF or cuML skip without those
libraries too. The same features are tested on the CPU elsewhere: tensors in and out in
``test_device_input.py``, mixed precision and batch sizes in ``test_gpu_training.py``,
the CuPy and cuDF glue against stand-in modules in ``test_gpu_stand_ins.py``.
"""

import importlib.util
import subprocess
import sys

import joblib
import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OrdinalEncoder

from conftest import make_frame
from skembed import EntityEmbeddingEncoder
from skembed.datasets import load_adult_sample

torch = pytest.importorskip("torch")
pytestmark = [
    pytest.mark.gpu,
    pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU"),
]
has_cupy = importlib.util.find_spec("cupy") is not None
has_cudf = importlib.util.find_spec("cudf") is not None


def _auc(encoder, X, y):
    half = len(y) // 2
    encoder.fit(X.iloc[:half], y[:half])
    Z = encoder.transform(X)
    model = LogisticRegression(max_iter=1000).fit(Z[:half], y[:half])
    return roc_auc_score(y[half:], model.predict_proba(Z[half:])[:, 1])


def _adult_matrix():
    """The bundled census sample as one float64 matrix: ordinal codes, then numbers."""
    X, y = load_adult_sample()
    cat = X.select_dtypes(exclude="number").columns
    num = X.select_dtypes(include="number").columns
    codes = OrdinalEncoder(encoded_missing_value=np.nan).fit_transform(X[cat])
    matrix = np.column_stack([codes, X[num].to_numpy(dtype=np.float64)])
    return matrix, np.asarray(y), list(range(len(cat)))


# ------------------------------------------------ CUDA fits, saved and loaded without CUDA


def test_fit_on_cuda_transform_without_cuda(tmp_path):
    """Fit on CUDA, pickle, load with CUDA hidden: transform gives the same output."""
    X, y = make_frame(500)
    enc = EntityEmbeddingEncoder(device="cuda", max_iter=3, random_state=0).fit(X, y)
    assert all(isinstance(t, np.ndarray) for t in enc.embeddings_)
    joblib.dump((enc, X, enc.transform(X)), tmp_path / "enc.joblib")
    code = f"""
import joblib, numpy as np, torch
assert not torch.cuda.is_available()
enc, X, expected = joblib.load({str(tmp_path / "enc.joblib")!r})
np.testing.assert_array_equal(enc.transform(X), expected)
print("ok")
"""
    env = {**__import__("os").environ, "CUDA_VISIBLE_DEVICES": ""}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


def test_auto_device_uses_cuda_and_matches_cpu_quality():
    """device='auto' trains on CUDA; its embeddings are finite and close in loss to the CPU's."""
    X, y = make_frame(2000)
    # the same batch size on both devices ("auto" would pick 8192 on CUDA)
    gpu = EntityEmbeddingEncoder(max_iter=5, batch_size=128, random_state=0).fit(X, y)
    cpu = EntityEmbeddingEncoder(device="cpu", max_iter=5, batch_size=128, random_state=0)
    cpu.fit(X, y)
    assert gpu.batch_size_ == cpu.batch_size_ == 128
    assert np.isfinite(gpu.transform(X)).all()
    assert abs(gpu.loss_curve_[-1] - cpu.loss_curve_[-1]) < 0.05


def test_saved_on_cuda_loads_without_cuda(tmp_path):
    """Fit on CUDA, encoder.save, skembed.load with CUDA hidden: identical transform."""
    X, y = make_frame(500)
    enc = EntityEmbeddingEncoder(device="cuda", max_iter=3, random_state=0).fit(X, y)
    enc.save(tmp_path / "enc.skembed")
    joblib.dump((X, enc.transform(X)), tmp_path / "expected.joblib")
    code = f"""
import joblib, numpy as np, torch, skembed
assert not torch.cuda.is_available()
X, expected = joblib.load({str(tmp_path / "expected.joblib")!r})
enc = skembed.load({str(tmp_path / "enc.skembed")!r})
np.testing.assert_array_equal(enc.transform(X), expected)
print("ok")
"""
    env = {**__import__("os").environ, "CUDA_VISIBLE_DEVICES": ""}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


# -------------------------------------------------------------- training on CUDA


def test_auto_device_trains_on_cuda_with_larger_batches():
    """device='auto' on a GPU machine uses n_train // 32 rows per step and learns census income."""
    X, y = load_adult_sample()
    y = np.asarray(y)
    encoder = EntityEmbeddingEncoder(random_state=0)
    assert _auc(encoder, X, y) > 0.85
    n_train = len(y) // 2 - round(0.1 * (len(y) // 2))
    assert encoder.batch_size_ == max(128, n_train // 32)


def test_bf16_on_cuda_matches_float32_quality():
    """bf16 autocast on a CUDA GPU learns census tables as good as float32."""
    X, y = load_adult_sample()
    y = np.asarray(y)
    params = dict(device="cuda", max_iter=4, batch_size=256, random_state=0)
    full = _auc(EntityEmbeddingEncoder(**params), X, y)
    mixed = _auc(EntityEmbeddingEncoder(**params, mixed_precision="bf16"), X, y)
    assert abs(mixed - full) < 0.01


def test_cuda_fits_agree_to_rounding():
    """Two CUDA fits with the same seed agree to float rounding (documented, not bitwise)."""
    X, y = load_adult_sample()
    params = dict(device="cuda", max_iter=3, random_state=0)
    a = EntityEmbeddingEncoder(**params).fit(X, y)
    b = EntityEmbeddingEncoder(**params).fit(X, y)
    for ta, tb in zip(a.embeddings_, b.embeddings_):
        np.testing.assert_allclose(ta, tb, atol=1e-3)


# ------------------------------------------- device containers in and out: torch, CuPy, cuDF


def test_cuda_tensor_in_cuda_tensor_out():
    """A CUDA tensor trains on its device and transforms to a CUDA tensor equal to the CPU's."""
    matrix, y, cat = _adult_matrix()
    X = torch.as_tensor(matrix, device="cuda")
    enc = EntityEmbeddingEncoder(categorical_features=cat, max_iter=3, random_state=0)
    out = enc.fit(X, torch.as_tensor(y, device="cuda")).transform(X)
    assert out.device.type == "cuda" and out.dtype == torch.float32
    np.testing.assert_allclose(out.cpu().numpy(), enc.transform(matrix), rtol=1e-6, atol=1e-6)


@pytest.mark.skipif(not has_cupy, reason="needs CuPy")
def test_cupy_in_cupy_out_shares_the_device():
    """CuPy in gives CuPy out on the same device, equal to the NumPy transform."""
    import cupy

    matrix, y, cat = _adult_matrix()
    X = cupy.asarray(matrix)
    enc = EntityEmbeddingEncoder(categorical_features=cat, max_iter=2, random_state=0)
    out = enc.fit(X, cupy.asarray(y)).transform(X)
    assert isinstance(out, cupy.ndarray) and out.device.id == X.device.id
    np.testing.assert_allclose(cupy.asnumpy(out), enc.transform(matrix), rtol=1e-6, atol=1e-6)


@pytest.mark.skipif(not has_cudf, reason="needs cuDF")
def test_cudf_in_cudf_out_with_names_and_index():
    """A cuDF frame (string columns detected) gives a cuDF frame with the feature names."""
    import cudf

    X, y = load_adult_sample()
    gdf = cudf.from_pandas(X)
    enc = EntityEmbeddingEncoder(max_iter=2, random_state=0).fit(gdf, y)
    out = enc.transform(gdf)
    assert isinstance(out, cudf.DataFrame)
    assert list(out.columns) == list(enc.get_feature_names_out())
    host = EntityEmbeddingEncoder(max_iter=2, random_state=0).fit(X, y)
    assert [list(c) for c in enc.categories_] == [list(c) for c in host.categories_]


@pytest.mark.skipif(
    importlib.util.find_spec("cuml") is None or not has_cudf, reason="needs cuML and cuDF"
)
def test_cuml_pipeline_stays_on_the_device():
    """Pipeline(encoder, cuML random forest) fits and predicts on cuDF data."""
    import cudf
    from cuml.ensemble import RandomForestClassifier

    X, y = load_adult_sample()
    gdf, gy = cudf.from_pandas(X), cudf.Series(y.astype(np.int32))
    pipe = make_pipeline(
        EntityEmbeddingEncoder(max_iter=3, random_state=0), RandomForestClassifier(n_estimators=20)
    )
    pipe.fit(gdf, gy)
    assert len(pipe.predict(gdf)) == len(X)
