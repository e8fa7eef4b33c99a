"""The CUDA path: runs where a GPU is present, skipped elsewhere."""

import subprocess
import sys

import joblib
import numpy as np
import pytest

from conftest import make_frame
from skembed import EntityEmbeddingEncoder

torch = pytest.importorskip("torch")
pytestmark = [
    pytest.mark.gpu,
    pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU"),
]


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
