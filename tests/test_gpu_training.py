"""The training loop's GPU features, checked on the CPU where possible.

Mixed precision runs under CPU autocast too, and the count of host reads of
tensors is device-independent, so both are tested everywhere; the CUDA-only
checks are in ``test_gpu.py``.
"""

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

from skembed import EntityEmbeddingEncoder
from skembed.datasets import load_adult_sample

torch = pytest.importorskip("torch")


def _auc(encoder, X, y):
    half = len(y) // 2
    encoder.fit(X.iloc[:half], y[:half])
    Z = encoder.transform(X)
    model = LogisticRegression(max_iter=1000).fit(Z[:half], y[:half])
    return roc_auc_score(y[half:], model.predict_proba(Z[half:])[:, 1])


@pytest.mark.parametrize("precision", ["bf16", "fp16"])
def test_mixed_precision_learns_as_well_as_float32(precision):
    """bf16 / fp16 autocast gives float32 tables whose AUC on census data matches float32's."""
    X, y = load_adult_sample()
    y = np.asarray(y)
    params = dict(device="cpu", max_iter=4, random_state=0, continuous="scale")
    full = _auc(EntityEmbeddingEncoder(**params), X, y)
    mixed_encoder = EntityEmbeddingEncoder(**params, mixed_precision=precision)
    mixed = _auc(mixed_encoder, X, y)
    assert all(t.dtype == np.float32 and np.isfinite(t).all() for t in mixed_encoder.embeddings_)
    assert mixed > 0.85
    assert abs(mixed - full) < 0.01


@pytest.mark.parametrize("precision", ["bf16", "fp16"])
def test_self_supervised_fit_under_mixed_precision(precision):
    """fit(X) without y (masked-column loss) trains under bf16 / fp16 autocast."""
    X, _ = load_adult_sample()
    encoder = EntityEmbeddingEncoder(
        device="cpu", max_iter=2, random_state=0, mixed_precision=precision
    ).fit(X)
    assert all(np.isfinite(t).all() for t in encoder.embeddings_)
    assert np.isfinite(encoder.loss_curve_).all()


def test_mixed_precision_is_reproducible_on_the_cpu():
    """Two bf16 CPU fits with the same seed are identical."""
    X, y = load_adult_sample()
    params = dict(device="cpu", max_iter=2, random_state=3, mixed_precision="bf16")
    a = EntityEmbeddingEncoder(**params).fit(X, y)
    b = EntityEmbeddingEncoder(**params).fit(X, y)
    for ta, tb in zip(a.embeddings_, b.embeddings_):
        np.testing.assert_array_equal(ta, tb)


def test_mixed_precision_is_validated():
    """An unknown precision names the accepted values."""
    X, y = load_adult_sample()
    with pytest.raises(ValueError, match="mixed_precision"):
        EntityEmbeddingEncoder(mixed_precision="int8").fit(X, y)


def test_no_host_read_per_batch(monkeypatch):
    """The loss stays on the device: host reads of tensors are per epoch, not per batch."""
    rng = np.random.RandomState(0)
    n, epochs, batch = 6000, 3, 128
    X = rng.randint(0, 30, size=(n, 3))
    y = (X[:, 0] % 2).astype(float)
    reads = {"n": 0}
    for name in ("item", "__float__", "__int__", "__bool__", "tolist", "numpy", "cpu"):
        original = getattr(torch.Tensor, name)

        def counted(self, *args, _original=original, **kwargs):
            reads["n"] += 1
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(torch.Tensor, name, counted)
    counts = []
    for max_iter in (epochs, 2 * epochs):  # the fit's own setup reads cancel out
        reads["n"] = 0
        EntityEmbeddingEncoder(
            device="cpu", max_iter=max_iter, n_iter_no_change=max_iter, batch_size=batch,
            random_state=0,
        ).fit(X, y)  # fmt: skip
        counts.append(reads["n"])
    batches = epochs * (n * 9 // 10) // batch  # 126 more optimiser steps
    assert counts[1] - counts[0] < 30 < batches


def test_auto_batch_size_by_device():
    """batch_size="auto" keeps 64 steps per epoch on the CPU, 32 on CUDA; batch_size_ says so."""
    from skembed._training import resolve_batch_size

    cpu, cuda = torch.device("cpu"), torch.device("cuda", 0)
    assert resolve_batch_size(None, cpu, 10**7) == 1024
    assert resolve_batch_size(None, cpu, 39_073) == 610  # 64 steps per epoch
    assert resolve_batch_size(None, cpu, 8_000) == 128
    assert resolve_batch_size(None, cpu) == 128  # streamed: rows unknown
    assert resolve_batch_size(None, cuda, 10**7) == 8192
    assert resolve_batch_size(None, cuda, 100_000) == 3125  # 32 steps per epoch
    assert resolve_batch_size(None, cuda, 2_000) == 128
    assert resolve_batch_size(None, cuda) == 8192  # streamed: rows unknown
    assert resolve_batch_size(512, cuda, 2_000) == 512
    X, y = load_adult_sample()
    fitted = EntityEmbeddingEncoder(device="cpu", max_iter=1, cv=None).fit(X, y)
    assert fitted.batch_size_ == 140  # 9,000 training rows / 64
    crossed = EntityEmbeddingEncoder(device="cpu", max_iter=1).fit(X, y)  # cv=5
    assert crossed.batch_size_ == 562  # each row 4 times (cv): 36,000 / 64
    fitted = EntityEmbeddingEncoder(device="cpu", max_iter=1, batch_size=300).fit(X, y)
    assert fitted.batch_size_ == 300
