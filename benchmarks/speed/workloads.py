"""The workloads of the speed benchmark: the lab and Criteo-like shapes, the string
frame of the transform section, and the encoders configured for them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

LAB_ROWS = 2_461_697
LAB_CARDINALITIES = (3303, 14, 61, 90)
LAB_COLUMNS = ("c0", "c1", "c2", "c3")
LAB_EMBEDDING_DIMS = (7, 3, 3, 3)
LAB_HIDDEN = (200, 70)
LAB_BATCH = 1000
# What the lab configuration leaves open, fixed here (the encoder's defaults until the tuning
# of benchmarks/studies/tune_defaults.py), so that this reference workload, and the comparison
# with the DataLoader, do not drift when the encoder's defaults change.
LAB_FIXED = {"dropout": 0.1, "embedding_dropout": 0.0, "learning_rate_init": 1e-3, "alpha": 1e-5}
TRANSFORM_ROWS = 1_000_000
TRANSFORM_CARDINALITIES = (10, 1000, 100_000)
CPU_TARGET = 3.0
GPU_TARGET = 50.0
CRITEO_ROWS = 10_000_000
CRITEO_CATEGORICAL = 26
CRITEO_CONTINUOUS = 13
CRITEO_MAX_CARDINALITY = 1_000_000
CRITEO_DIM = 16
CRITEO_SIGNAL_COLUMNS = (2, 9, 17, 25)  # categorical columns the target depends on
GPU_BATCH_SIZES = (128, 1024, 8192, 65536)
GPU_TRAIN_TARGET = 100e6  # rows/s per epoch
GPU_TRANSFORM_TARGET = 0.70  # of the measured device-to-device copy bandwidth
GPU_TRANSFORM_REPEATS = 3
GPU_COPY_BYTES = 2 * 2**30
GPU_SMOKE_ROWS = 20_000


# ---------------------------------------------------------------------- data


def zipf_codes(rng: np.random.Generator, n: int, cardinality: int, s: float = 1.1):
    """``n`` draws from ``cardinality`` categories with P(rank r) ~ 1 / r**s."""
    weights = 1.0 / np.arange(1, cardinality + 1, dtype=np.float64) ** s
    cdf = np.cumsum(weights / weights.sum())
    cdf[-1] = 1.0
    codes = np.searchsorted(cdf, rng.random(n), side="right")
    # the most frequent category should not always be the first label
    return rng.permutation(cardinality)[codes].astype(np.int32)


def make_lab_data(n: int, seed: int = 0):
    """The seed-lab-shaped frame: 4 categorical columns (pandas category), 1 float, y."""
    rng = np.random.default_rng(seed)
    columns, logit = {}, np.zeros(n)
    for name, card in zip(LAB_COLUMNS, LAB_CARDINALITIES):
        codes = zipf_codes(rng, n, card)
        effect = rng.normal(0.0, 0.8, size=card)
        logit += effect[codes]
        labels = np.array([f"{name}_{k:05d}" for k in range(card)], dtype=object)
        columns[name] = pd.Categorical.from_codes(codes, categories=pd.Index(labels))
    x = rng.normal(0.0, 1.0, size=n)
    interaction = rng.normal(0.0, 0.5, size=LAB_CARDINALITIES[1])
    logit += 0.7 * x + interaction[np.asarray(columns["c1"].codes)] * x - 1.0
    columns["x0"] = x.astype(np.float64)
    y = (rng.random(n) < 1.0 / (1.0 + np.exp(-logit))).astype(np.int64)
    return pd.DataFrame(columns), y


def make_transform_data(n: int, seed: int = 1):
    """``n`` rows of pandas string columns (default ``str`` dtype) and a binary y."""
    rng = np.random.default_rng(seed)
    columns, logit = {}, np.zeros(n)
    for card in TRANSFORM_CARDINALITIES:
        name = f"s{card}"
        codes = zipf_codes(rng, n, card, s=0.9)
        labels = np.array([f"{name}_{k}" for k in range(card)], dtype=object)
        columns[name] = pd.Series(labels[codes])  # pandas 3: inferred `str` dtype
        logit += rng.normal(0.0, 0.5, size=card)[codes]
    y = (rng.random(n) < 1.0 / (1.0 + np.exp(-logit))).astype(np.int64)
    return pd.DataFrame(columns), y


def criteo_cardinalities() -> tuple[int, ...]:
    """The 26 cardinalities of the Criteo-like shape: log-spaced from 10 to 1,000,000."""
    grid = np.geomspace(10, CRITEO_MAX_CARDINALITY, CRITEO_CATEGORICAL)
    return tuple(int(round(c)) for c in grid)


def make_criteo_like(n: int, seed: int = 2):
    """A Criteo-like float32 matrix ``X`` of shape (n, 39) and a binary int64 target ``y``.

    Columns 0-25 are categorical: Zipf-skewed codes (``zipf_codes``) over the
    cardinalities of ``criteo_cardinalities`` (10 to 1,000,000), stored as float32
    values (exact below 2**24) so that one float32 matrix holds every column. Columns
    26-38 are continuous: lognormal, heavy-tailed like Criteo's counts. The target
    depends on the categorical columns ``CRITEO_SIGNAL_COLUMNS`` and on two of the
    continuous ones.
    """
    rng = np.random.default_rng(seed)
    X = np.empty((n, CRITEO_CATEGORICAL + CRITEO_CONTINUOUS), dtype=np.float32)
    logit = np.full(n, -1.5)
    for j, card in enumerate(criteo_cardinalities()):
        codes = zipf_codes(rng, n, card)
        X[:, j] = codes
        if j in CRITEO_SIGNAL_COLUMNS:
            logit += rng.normal(0.0, 0.8, size=card)[codes]
    for k in range(CRITEO_CONTINUOUS):
        X[:, CRITEO_CATEGORICAL + k] = rng.lognormal(0.0, 0.5 + 0.1 * k, size=n)
    first = CRITEO_CATEGORICAL
    logit += 0.6 * np.log(X[:, first]) - 0.4 * np.log(X[:, first + 1])
    y = (rng.random(n) < 1.0 / (1.0 + np.exp(-logit))).astype(np.int64)
    return X, y


def lab_matrix(X: pd.DataFrame) -> np.ndarray:
    """The lab frame as one float32 matrix: the 4 category codes, then ``x0``."""
    columns = [np.asarray(X[c].cat.codes, dtype=np.float32) for c in LAB_COLUMNS]
    columns.append(X["x0"].to_numpy(np.float32))
    return np.stack(columns, axis=1)


# ------------------------------------------------------------------ training


def lab_encoder(max_iter: int, device: str, dropout: float | None = None):
    from skembed import EntityEmbeddingEncoder

    extra = {**LAB_FIXED, **({} if dropout is None else {"dropout": dropout})}
    return EntityEmbeddingEncoder(
        **extra,
        embedding_dim=dict(zip(LAB_COLUMNS, LAB_EMBEDDING_DIMS)),
        hidden_layer_sizes=LAB_HIDDEN,
        batch_size=LAB_BATCH,
        early_stopping=False,
        min_frequency=None,
        n_iter_no_change=1_000_000,
        max_iter=max_iter,
        device=device,
        random_state=0,
    )


def default_encoder(max_iter: int, device: str):
    from skembed import EntityEmbeddingEncoder

    return EntityEmbeddingEncoder(max_iter=max_iter, device=device, random_state=0)
