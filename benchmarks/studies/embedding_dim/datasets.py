"""The datasets of the study and their validation splits of the training rows."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from skembed.datasets import ADULT_CATEGORICAL, ADULT_CONTINUOUS

DATASET_METRICS = {"adult": ("roc_auc", True), "movielens": ("rmse", False)}
MOVIELENS_CATEGORICAL = ["user_id", "movie_id", "gender", "occupation", "zip_code"]
MOVIELENS_CONTINUOUS = ["age"]


def load_adult(data_dir: Path) -> dict:
    from sklearn.model_selection import train_test_split

    frame = pd.read_parquet(data_dir / "adult.parquet")
    X = frame[ADULT_CATEGORICAL + ADULT_CONTINUOUS]
    y = (frame["income"].astype(str).str.strip() == ">50K").to_numpy(dtype=np.int64)
    X_train, _X_test, y_train, _y_test = train_test_split(X, y, test_size=0.2, random_state=0)
    del _X_test, _y_test  # the test part is never looked at
    X_fit, X_val, y_fit, y_val = train_test_split(X_train, y_train, test_size=0.25, random_state=1)
    return {
        "name": "adult",
        "task": "binary",
        "metric": "roc_auc",
        "higher_is_better": True,
        "categorical": ADULT_CATEGORICAL,
        "X_fit": X_fit.reset_index(drop=True),
        "y_fit": y_fit,
        "X_val": X_val.reset_index(drop=True),
        "y_val": y_val,
    }


def load_movielens(data_dir: Path) -> dict:
    frame = pd.read_parquet(data_dir / "movielens100k.parquet")
    frame = frame.sort_values("timestamp", kind="stable").reset_index(drop=True)
    X = frame[MOVIELENS_CATEGORICAL + MOVIELENS_CONTINUOUS].copy()
    for column in MOVIELENS_CATEGORICAL:
        X[column] = X[column].astype(str)
    y = frame["rating"].to_numpy(dtype=np.float64)
    n_train = int(0.8 * len(frame))  # rows after n_train: test part, never looked at
    n_fit = int(0.75 * n_train)
    return {
        "name": "movielens",
        "task": "continuous",
        "metric": "rmse",
        "higher_is_better": False,
        "categorical": MOVIELENS_CATEGORICAL,
        "X_fit": X.iloc[:n_fit].reset_index(drop=True),
        "y_fit": y[:n_fit],
        "X_val": X.iloc[n_fit:n_train].reset_index(drop=True),
        "y_val": y[n_fit:n_train],
    }


def shrink(data: dict, n_fit: int, n_val: int) -> dict:
    """Head of the fit and validation parts (``--quick`` smoke runs only)."""
    data = dict(data)
    for part, n in (("fit", n_fit), ("val", n_val)):
        data[f"X_{part}"] = data[f"X_{part}"].iloc[:n]
        data[f"y_{part}"] = data[f"y_{part}"][:n]
    return data
