"""The datasets of the quality benchmark and their train/test splits."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

from skembed.datasets import ADULT_CATEGORICAL, ADULT_CONTINUOUS


@dataclass
class Dataset:
    name: str
    task: str  # "binary" or "regression"
    categorical: list[str]
    continuous: list[str]
    X_train: pd.DataFrame
    X_test: pd.DataFrame
    y_train: np.ndarray
    y_test: np.ndarray
    split: str
    notes: list[str] = field(default_factory=list)

    @property
    def metric(self) -> str:
        return "roc_auc" if self.task == "binary" else "rmse"

    @property
    def higher_is_better(self) -> bool:
        return self.task == "binary"


MOVIELENS_CATEGORICAL = ["user_id", "movie_id", "gender", "occupation", "zip_code"]
MOVIELENS_CONTINUOUS = ["age"]


def load_adult(data_dir: Path, max_rows: int | None) -> Dataset:
    df = pd.read_parquet(data_dir / "adult.parquet")
    if max_rows is not None and len(df) > max_rows:
        df = df.sample(n=max_rows, random_state=0).sort_index()
    y = (df["income"].astype(str).str.strip().str.rstrip(".") == ">50K").to_numpy(np.int64)
    X = df[ADULT_CATEGORICAL + ADULT_CONTINUOUS]
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=0)
    return Dataset(
        "adult",
        "binary",
        ADULT_CATEGORICAL,
        ADULT_CONTINUOUS,
        X_train,
        X_test,
        y_train,
        y_test,
        split="random 80/20 (train_test_split, random_state=0)",
    )


def load_movielens(data_dir: Path, max_rows: int | None) -> Dataset:
    df = pd.read_parquet(data_dir / "movielens100k.parquet")
    if max_rows is not None and len(df) > max_rows:
        df = df.sample(n=max_rows, random_state=0)
    df = df.sort_values("timestamp", kind="stable").reset_index(drop=True)
    # ids are integers in the file; as strings they are categorical for every encoder
    df["user_id"] = df["user_id"].astype(str)
    df["movie_id"] = df["movie_id"].astype(str)
    # `genres` ("Comedy|Romance") is left out: list-valued columns are not supported
    # by the encoder yet (nor by the other encoders without custom preprocessing).
    X = df[MOVIELENS_CATEGORICAL + MOVIELENS_CONTINUOUS]
    y = df["rating"].to_numpy(np.float64)
    n_train = int(0.8 * len(df))
    return Dataset(
        "movielens",
        "regression",
        MOVIELENS_CATEGORICAL,
        MOVIELENS_CONTINUOUS,
        X.iloc[:n_train],
        X.iloc[n_train:],
        y[:n_train],
        y[n_train:],
        split="by timestamp: first 80% train, last 20% test",
        notes=[
            "genres left out, so that every encoder sees the same columns (the encoder "
            "can embed them as a bag: see benchmarks/leakage.py and tests/test_bags.py)"
        ],
    )


LOADERS = {"adult": load_adult, "movielens": load_movielens}
