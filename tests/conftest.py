"""Shared fixtures: small synthetic frames and the shared real datasets."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "datasets"


def shared_dataset(name: str) -> Path:
    """Path of a shared dataset, skipping the test when the folder is absent."""
    path = SHARED / name
    if not path.exists():
        pytest.skip(f"{path} is not available (a user's clone without ../shared)")
    return path


@pytest.fixture
def adult():
    """The census income table: (X, y) with y = 1 for income >50K."""
    frame = pd.read_parquet(shared_dataset("adult.parquet"))
    y = (frame.pop("income") == ">50K").to_numpy().astype(int)
    return frame, y


def needs_cuda(test):
    """Mark ``test`` as a GPU test (``pytest -m gpu`` selects them); skip it without CUDA."""
    import torch

    skip = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
    return pytest.mark.gpu(skip(test))


def make_frame(n=400, seed=0):
    """A small mixed frame whose target depends on a city, a colour and a number."""
    rng = np.random.RandomState(seed)
    city = rng.choice(
        ["paris", "rome", "oslo", "lima", "kyiv", "rare"],
        size=n,
        p=[0.3, 0.25, 0.2, 0.15, 0.095, 0.005],
    )
    colour = rng.choice(["red", "green", "blue"], size=n)
    age = rng.uniform(20, 60, size=n)
    income = rng.lognormal(10, 1, size=n)
    logit = (
        np.select([city == "paris", city == "rome", city == "oslo"], [1.5, -1.0, 0.5], 0.0)
        + (colour == "red") * 1.0
        + (age - 40) / 10
    )
    y = (logit + rng.logistic(size=n) > 0).astype(int)
    X = pd.DataFrame({"city": city, "age": age, "colour": colour, "income": income})
    return X, y


@pytest.fixture
def frame():
    """A small mixed pandas frame and a binary target."""
    return make_frame()


@pytest.fixture(scope="module")
def census():
    """The first 6,000 rows of the bundled census sample and their target."""
    from skembed.datasets import load_adult_sample

    X, y = load_adult_sample()
    return X.iloc[:6000].reset_index(drop=True), y[:6000]


def downstream_auc(encoder, X_train, y_train, X_test, y_test):
    """ROC AUC of a logistic regression trained on the encoder's output."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score

    model = LogisticRegression(max_iter=2000).fit(encoder.transform(X_train), y_train)
    return roc_auc_score(y_test, model.predict_proba(encoder.transform(X_test))[:, 1])
