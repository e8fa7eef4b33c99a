"""Quality suite: entity embeddings against classic encoders on 14 real datasets.

What it measures. For each dataset and seed, every categorical encoder -- the
``EntityEmbeddingEncoder`` (EE), scikit-learn's one-hot, ordinal and target
encoders -- is fitted once on the training rows inside a ``ColumnTransformer``
(continuous columns imputed and standardized alongside), and four downstream models
are trained on its output: logistic regression / ridge, 50-nearest neighbours, a
random forest and histogram gradient boosting. LightGBM on native categorical
columns is the single-model peer. Metrics on the held-out rows: ROC AUC (binary),
RMSE on the transformed target (regression) and log loss (multiclass). The report
gives mean ± sd over seeds, EE's verdict against the best classic encoder with the
same model (win / tie / loss), EE + gradient boosting against LightGBM, and the
encoders' fit times.

Datasets (``../shared/datasets`` next to the repository root, or ``--data-dir``):
adult and movielens100k, and the 12 tables of ``suite/tasks.json`` with their splits
("random": 80/20 drawn with the seed, stratified for classification; "time:<col>":
the last ~20% of the rows by that column, fixed, the seed varies only the models;
grants: train on ``is_2008 == 0``, test on ``is_2008 == 1``). ``--validation``
splits the training rows again the same way and scores on that part, never reading
the test rows: use it for tuning.

Usage (one torch thread; the script also limits BLAS/OpenMP to one thread)::

    OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 python -m benchmarks.suite     # full run
    python -m benchmarks.suite --quick          # 4 small datasets, seed 0
    python -m benchmarks.suite --validation     # tuning: validation part of train
    python -m benchmarks.suite --encoders ee --ee-params '{"dropout": 0.2}' \\
        --tag drop02 --baseline benchmarks/results/suite.json

Outputs ``results/suite[_validation][_quick][_TAG].{json,md}``. Runtime with one
thread on 2 CPU cores shared with other jobs: ``--quick`` 1.5-2.5 minutes; the full
run (14 datasets, 3 seeds, ColumnTransformer mode) 38.5 minutes, of which EE's
training is ~10% and HistGradientBoosting on dense one-hot columns and forests on
wide inputs most of the rest. ``--time-budget`` (default 100 minutes) starts no seed
that would not fit, so a stopped run holds complete seeds.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import traceback
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import (
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
    RandomForestClassifier,
    RandomForestRegressor,
)
from sklearn.exceptions import ConvergenceWarning
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.metrics import log_loss, roc_auc_score, root_mean_squared_error
from sklearn.model_selection import KFold, StratifiedKFold, train_test_split
from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, StandardScaler, TargetEncoder

if not __package__:  # python benchmarks/suite.py: import as benchmarks.suite (PEP 366)
    sys.path.append(str(Path(__file__).resolve().parents[1]))
    __package__ = "benchmarks"

from ._common import (  # noqa: E402
    DEFAULT_DATA_DIR,
    RESULTS_DIR,
    Timer,
    busy_warning,
    fmt_seconds,
    machine_info,
    machine_summary,
    markdown_table,
    save_json,
)

# ------------------------------------------------------------------ constants

ENCODERS = ["ee", "onehot", "ordinal", "target", "lightgbm"]
CLASSIC = ["onehot", "ordinal", "target"]
LABELS = {
    "ee": "EE",
    "ee_whole": "EE whole frame",
    "onehot": "One-hot",
    "ordinal": "Ordinal",
    "target": "Target enc.",
    "lightgbm": "LightGBM native",
}
MODELS = ["linear", "knn", "rf", "hgb"]
MODEL_LABELS = {
    "linear": ("LogisticRegression", "Ridge"),
    "knn": ("KNeighbors (k=50)", "KNeighbors (k=50)"),
    "rf": ("RandomForest", "RandomForest"),
    "hgb": ("HistGradientBoosting", "HistGradientBoosting"),
}
MODES = ["ct", "whole"]
METRICS = {"binary": "roc_auc", "regression": "rmse", "multiclass": "log_loss"}
METRIC_LABELS = {"roc_auc": "ROC AUC ↑", "rmse": "RMSE ↓", "log_loss": "log loss ↓"}
QUICK_DATASETS = ["resume_callback", "grants", "hotel_rates", "tuna_choice"]
# HistGradientBoosting needs dense input: no dense copy of a sparse one-hot matrix
# larger than this (train + test, float64 bytes); the cell is skipped instead.
MAX_DENSE_BYTES = 2**30
TEST_SHARE = 0.2
# ties: |difference| within one standard error, or within this tolerance
# (absolute for ROC AUC, relative to the best classic score for RMSE / log loss)
TIE_ABS_AUC = 0.002
TIE_REL = 0.002
RF_PARAMS = {"n_estimators": 100, "max_features": "sqrt", "min_samples_leaf": 5}

# adult and movielens are described in ../shared/README.md, not in tasks.json
BUILTIN_TASKS = [
    {
        "name": "adult",
        "file": "../adult.parquet",
        "target": "income",
        "task": "binary",
        "target_transform": None,
        "target_definition": 'income == ">50K" (a trailing "." stripped)',
        "categorical": [
            {"column": c}
            for c in (
                "workclass",
                "education",
                "marital-status",
                "occupation",
                "relationship",
                "race",
                "gender",
                "native-country",
            )
        ],
        "continuous": [
            "age",
            "fnlwgt",
            "educational-num",
            "capital-gain",
            "capital-loss",
            "hours-per-week",
        ],
        "split": "random",
        "notes": "",
    },
    {
        "name": "movielens",
        "file": "../movielens100k.parquet",
        "target": "rating",
        "task": "regression",
        "target_transform": None,
        "categorical": [
            {"column": c} for c in ("user_id", "movie_id", "gender", "occupation", "zip_code")
        ],
        "continuous": ["age"],
        "split": "time:timestamp",
        "notes": "",
    },
]

# choices made here beyond tasks.json, reported in the markdown
CHOICES = {
    "movielens": "genres (a '|' list) dropped, as in quality.py; movie_title and "
    "release_date dropped as near-duplicates of movie_id; user_id and movie_id cast "
    "to categories",
    "hotel_rates": "arrival_month (12) and arrival_weekday (7) derived from arrival_date "
    "and added as categorical columns (the notes' strong seasonality)",
    "grants": "fixed split is_2008 == 0 / 1; for --validation the training rows (all "
    "is_2008 == 0) are split at random, stratified, random_state=0, fixed over seeds",
}


# ------------------------------------------------------------------ datasets


@dataclass
class Frame:
    """One dataset, prepared: features, encoded target and how to split it."""

    name: str
    task: str
    X: pd.DataFrame
    y: np.ndarray
    categorical: list[str]
    continuous: list[str]
    split: str
    split_key: pd.Series | None
    target_transform: str | None
    classes: list | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def metric(self) -> str:
        return METRICS[self.task]

    @property
    def seeded_split(self) -> bool:
        """Whether the seed changes the split (random splits only)."""
        return self.split == "random"


@dataclass
class Split:
    """Train and evaluation rows of one frame for one seed."""

    X_train: pd.DataFrame
    X_test: pd.DataFrame
    y_train: np.ndarray
    y_test: np.ndarray
    description: str


def load_tasks(data_dir: Path) -> dict[str, dict]:
    """The builtin tasks and those of ``suite/tasks.json``, by name.

    Another folder of tables (such as ``benchmarks.fresh_tables`` writes) may lack the
    builtin ones, which are then left out; the default folder must have them.
    """
    with open(data_dir / "suite" / "tasks.json", encoding="utf-8") as f:
        suite = json.load(f)
    builtin = [s for s in BUILTIN_TASKS if (data_dir / "suite" / s["file"]).exists()]
    if len(builtin) < len(BUILTIN_TASKS) and data_dir.resolve() == DEFAULT_DATA_DIR.resolve():
        missing = [s["name"] for s in BUILTIN_TASKS if s not in builtin]
        raise FileNotFoundError(
            f"{data_dir} lacks the files of {missing}: see ../shared/README.md"
        )
    return {spec["name"]: spec for spec in builtin + suite}


def as_category_strings(col: pd.Series) -> pd.Series:
    """Values as Python strings in an object column, missing values as NaN."""
    out = col.astype(str).astype(object)
    return out.where(col.notna(), np.nan)


def derive_columns(name: str, df: pd.DataFrame) -> list[str]:
    """Add dataset-specific derived categorical columns; return their names."""
    if name != "hotel_rates":
        return []
    date = df["arrival_date"]
    df["arrival_month"] = date.dt.month.astype(str)
    df["arrival_weekday"] = date.dt.day_name()
    return ["arrival_month", "arrival_weekday"]


def encode_target(spec: dict, df: pd.DataFrame) -> tuple[np.ndarray, list | None]:
    """The target as a NumPy array (transformed for regression) and the class labels."""
    y = df[spec["target"]]
    if spec["name"] == "adult":
        y = y.astype(str).str.strip().str.rstrip(".") == ">50K"
    if spec["task"] == "regression":
        values = y.to_numpy(np.float64)
        transform = spec.get("target_transform")
        if transform == "log":
            return np.log(values), None
        if transform == "log1p":
            return np.log1p(values), None
        if transform is not None:
            raise ValueError(f"unknown target_transform {transform!r}")
        return values, None
    classes, codes = np.unique(y.astype(str).to_numpy(), return_inverse=True)
    return codes.astype(np.int64), classes.tolist()


def load_frame(spec: dict, data_dir: Path) -> Frame:
    """Read a dataset and apply its quirks: id casts, derived columns, target transform."""
    df = pd.read_parquet((data_dir / "suite" / spec["file"]).resolve())
    df = df[df[spec["target"]].notna()].reset_index(drop=True)
    categorical = [c["column"] for c in spec["categorical"]]
    categorical += derive_columns(spec["name"], df)
    continuous = list(spec["continuous"])
    X = pd.DataFrame(
        {c: as_category_strings(df[c]) for c in categorical}
        | {c: df[c].astype(np.float64) for c in continuous}
    )
    y, classes = encode_target(spec, df)
    split = spec["split"]
    key = None
    if split.startswith("time:"):
        key = df[split.split(":", 1)[1]]
    notes = [CHOICES[spec["name"]]] if spec["name"] in CHOICES else []
    return Frame(
        spec["name"],
        spec["task"],
        X,
        y,
        categorical,
        continuous,
        split,
        key,
        spec.get("target_transform"),
        classes,
        notes,
    )


def time_cut(key: pd.Series, share: float = TEST_SHARE) -> np.ndarray:
    """Mask of the rows from the cut on: the distinct value of ``key`` whose tail share
    of the rows is closest to ``share`` (rows with equal values stay together)."""
    ranks = key.rank(method="min").to_numpy()
    values, counts = np.unique(ranks, return_counts=True)
    tail = np.cumsum(counts[::-1])[::-1] / len(ranks)
    i = 1 + int(np.argmin(np.abs(tail[1:] - share)))
    return ranks >= values[i]


def random_cut(frame: Frame, rows: np.ndarray, seed: int) -> np.ndarray:
    """Mask over ``rows``: a random 20% (stratified for classification)."""
    stratify = frame.y[rows] if frame.task != "regression" else None
    _, test = train_test_split(
        np.arange(len(rows)), test_size=TEST_SHARE, random_state=seed, stratify=stratify
    )
    mask = np.zeros(len(rows), dtype=bool)
    mask[test] = True
    return mask


def holdout_mask(frame: Frame, rows: np.ndarray, seed: int, level: str) -> tuple:
    """Mask of the held-out part of ``rows`` and a description of the cut."""
    if frame.name == "grants":
        if level == "test":
            return frame.split_key.to_numpy()[rows] == 1, "train is_2008 == 0, test 1"
        return random_cut(frame, rows, 0), "random 80/20 of is_2008 == 0, stratified, seed 0"
    if frame.split_key is not None:
        key = frame.split_key.iloc[rows].reset_index(drop=True)
        mask = time_cut(key)
        cut = key[mask].min()
        return mask, f"by {frame.split.split(':', 1)[1]}: rows from {cut} on"
    return random_cut(frame, rows, seed), f"random 80/20 (seed {seed}" + (
        ", stratified)" if frame.task != "regression" else ")"
    )


def make_split(frame: Frame, seed: int, validation: bool) -> Split:
    """The seed's train/test split, or with ``validation`` a split of its train rows."""
    rows = np.arange(len(frame.y))
    mask, description = holdout_mask(frame, rows, seed, "test")
    if validation:
        rows = rows[~mask]
        mask, inner = holdout_mask(frame, rows, seed, "validation")
        description = f"validation: {inner}, inside the train part of [{description}]"
    train, test = rows[~mask], rows[mask]
    return Split(
        frame.X.iloc[train],
        frame.X.iloc[test],
        frame.y[train],
        frame.y[test],
        f"{description}; {len(train)} train / {len(test)} evaluation rows",
    )


# ------------------------------------------------------------------ encoders


def classic_encoder(name: str, task: str, seed: int):
    """One of scikit-learn's encoders (they all take NaN as a category of its own)."""
    if name == "onehot":
        return OneHotEncoder(min_frequency=5, handle_unknown="infrequent_if_exist")
    if name == "ordinal":
        return OrdinalEncoder(
            handle_unknown="use_encoded_value", unknown_value=-1, encoded_missing_value=-2
        )
    if name == "target":
        # fit_transform cross-fits; the seed goes through `cv` (random_state is
        # deprecated in scikit-learn 1.9)
        folds = (KFold if task == "regression" else StratifiedKFold)(
            n_splits=5, shuffle=True, random_state=seed
        )
        target_type = "continuous" if task == "regression" else task
        return TargetEncoder(target_type=target_type, cv=folds)
    raise ValueError(name)


def entity_encoder(frame: Frame, seed: int, ee_params: dict):
    from skembed import EntityEmbeddingEncoder

    params = {"target_type": "continuous" if frame.task == "regression" else frame.task}
    return EntityEmbeddingEncoder(
        categorical_features=frame.categorical, random_state=seed, **(params | ee_params)
    )


def make_encoder(name: str, mode: str, frame: Frame, seed: int, ee_params: dict):
    """The transformer of the features: a ColumnTransformer, or EE on the whole frame."""
    if mode == "whole":  # scaled continuous columns, as the ColumnTransformer gives
        return entity_encoder(frame, seed, {"continuous": "scale", **ee_params})
    cat = (
        entity_encoder(frame, seed, ee_params)
        if name == "ee"
        else classic_encoder(name, frame.task, seed)
    )
    num = make_pipeline(SimpleImputer(), StandardScaler())
    parts = [("cat", cat, frame.categorical)]
    if frame.continuous:
        parts.append(("num", num, frame.continuous))
    # one-hot output stays sparse (sparse_threshold=1); densified per model below
    return ColumnTransformer(parts, sparse_threshold=1.0)


def encoder_details(name: str, encoder) -> dict:
    """Training facts of a fitted EE (epochs, widths); empty for the others."""
    if name != "ee":
        return {}
    ee = encoder.named_transformers_["cat"] if hasattr(encoder, "named_transformers_") else encoder
    return {
        "n_iter": int(ee.n_iter_),
        "best_iter": int(ee.best_iter_),
        "batch_size": int(ee.batch_size_),
        "embedding_dims": [int(d) for d in ee.embedding_dims_],
    }


def fit_encoder(name: str, mode: str, frame: Frame, split: Split, seed: int, ee_params):
    """Fit one encoder on the train rows; its matrices and a record of the fit."""
    encoder = make_encoder(name, mode, frame, seed, ee_params)
    with Timer() as t_fit:
        Z_train = encoder.fit_transform(split.X_train, split.y_train)
    with Timer() as t_tr:
        Z_test = encoder.transform(split.X_test)
    record = {
        "fit_transform_s": t_fit.seconds,
        "transform_s": t_tr.seconds,
        "n_features_out": int(Z_train.shape[1]),
        "sparse": bool(sp.issparse(Z_train)),
        **encoder_details(name, encoder),
    }
    return Z_train, Z_test, record


# ------------------------------------------------------------------- models


def make_model(name: str, task: str, seed: int):
    """A downstream model with the suite's fixed parameters (single-threaded)."""
    classify = task != "regression"
    if name == "linear":
        return LogisticRegression(max_iter=1000) if classify else Ridge()
    if name == "knn":
        cls = KNeighborsClassifier if classify else KNeighborsRegressor
        return cls(n_neighbors=50, n_jobs=1)
    if name == "rf":
        cls = RandomForestClassifier if classify else RandomForestRegressor
        return cls(**RF_PARAMS, random_state=seed, n_jobs=1)
    if name == "hgb":
        cls = HistGradientBoostingClassifier if classify else HistGradientBoostingRegressor
        return cls(random_state=seed)
    raise ValueError(name)


def prepare_input(model: str, Z_train, Z_test):
    """``(A, B, layout, skip_reason)``: the matrices a model gets.

    Dense output is used as is. Sparse (one-hot) output stays sparse for the linear
    model; the others get a dense copy up to ``MAX_DENSE_BYTES``; above it k-NN and
    the forest take CSR input and HistGradientBoosting (dense only) is skipped.
    """
    if not sp.issparse(Z_train):
        return Z_train, Z_test, "dense", None
    dense_bytes = (Z_train.shape[0] + Z_test.shape[0]) * Z_train.shape[1] * 8
    if model == "linear":
        return Z_train.tocsr(), Z_test.tocsr(), "sparse", None
    if dense_bytes <= MAX_DENSE_BYTES:
        return Z_train.toarray(), Z_test.toarray(), "dense", None
    if model in ("knn", "rf"):
        return Z_train.tocsr(), Z_test.tocsr(), "sparse", None
    reason = (
        f"{Z_train.shape[1]} one-hot columns: a dense copy for HistGradientBoosting "
        f"would take {dense_bytes / 2**30:.1f} GiB (limit {MAX_DENSE_BYTES / 2**30:.0f} GiB)"
    )
    return None, None, None, reason


def score(task: str, model, X, y: np.ndarray) -> float:
    """ROC AUC (binary), log loss (multiclass) or RMSE (regression) on ``X, y``."""
    if task == "binary":
        return float(roc_auc_score(y, model.predict_proba(X)[:, 1]))
    if task == "multiclass":
        return float(log_loss(y, model.predict_proba(X), labels=model.classes_))
    return float(root_mean_squared_error(y, model.predict(X)))


def run_model(model_name: str, task: str, seed: int, Z_train, Z_test, split: Split) -> dict:
    """Fit one downstream model on an encoding and score it; a result record."""
    A, B, layout, reason = prepare_input(model_name, Z_train, Z_test)
    if reason is not None:
        return {"status": f"skipped ({reason})", "value": None}
    model = make_model(model_name, task, seed)
    with Timer() as t_fit:
        model.fit(A, split.y_train)
    with Timer() as t_pred:
        value = score(task, model, B, split.y_test)
    return {
        "status": "ok",
        "value": value,
        "input": layout,
        "n_columns": int(A.shape[1]),
        "model_fit_s": t_fit.seconds,
        "predict_s": t_pred.seconds,
    }


def lightgbm_frames(frame: Frame, split: Split):
    """Train/test frames with pandas category columns (training categories only)."""
    train, test = split.X_train.copy(), split.X_test.copy()
    for col in frame.categorical:
        train[col] = train[col].astype("category")
        categories = train[col].cat.categories
        known = test[col].where(test[col].isin(categories))  # unseen: missing
        test[col] = pd.Categorical(known, categories=categories)
    return train, test


def run_lightgbm(frame: Frame, split: Split, seed: int) -> dict:
    """LightGBM with native categorical support on the raw columns (no encoder)."""
    import lightgbm as lgb

    X_train, X_test = lightgbm_frames(frame, split)
    cls = lgb.LGBMRegressor if frame.task == "regression" else lgb.LGBMClassifier
    model = cls(random_state=seed, n_jobs=1, verbose=-1)
    with Timer() as t_fit:
        model.fit(X_train, split.y_train, categorical_feature=frame.categorical)
    with Timer() as t_pred:
        value = score(frame.task, model, X_test, split.y_test)
    return {
        "status": "ok",
        "value": value,
        "model_fit_s": t_fit.seconds,
        "predict_s": t_pred.seconds,
    }


# --------------------------------------------------------------------- run


def log(message: str) -> None:
    """A progress line on stderr, with the wall-clock time."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def deterministic(frame: Frame, encoder: str, model: str) -> bool:
    """Whether the seed cannot change this cell's score (then it is computed once)."""
    seed_free = encoder in ("onehot", "ordinal") and model in ("linear", "knn")
    return seed_free and not frame.seeded_split


class Runner:
    """Runs the cells of one suite invocation and collects their records."""

    def __init__(self, args, payload: dict):
        self.args = args
        self.payload = payload
        self.cache: dict[tuple, dict] = {}

    def record_failure(self, base: dict, models: list[str], exc: Exception) -> None:
        traceback.print_exc()
        self.payload["encoders"].append({**base, "error": repr(exc)})
        for model in models:
            self.payload["results"].append(
                {**base, "model": model, "status": f"error (encoder: {exc!r})", "value": None}
            )

    def run_cell(self, frame, split, seed, base, model, Z_train, Z_test) -> dict:
        """One (encoder, model) score, reused across seeds when it cannot change."""
        key = (frame.name, base["mode"], base["encoder"], model)
        if deterministic(frame, base["encoder"], model) and key in self.cache:
            return {**self.cache[key], "seed": seed, "reused_from_seed": self.cache[key]["seed"]}
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                row = run_model(model, frame.task, seed, Z_train, Z_test, split)
        except Exception as exc:  # record it and go on with the other cells
            traceback.print_exc()
            row = {"status": f"error ({exc!r})", "value": None}
        row = {**base, "model": model, **row}
        if deterministic(frame, base["encoder"], model):
            self.cache[key] = row
        return {**row, "seed": seed}

    def run_encoder(self, frame: Frame, split: Split, seed: int, encoder: str, mode: str):
        base = {"dataset": frame.name, "seed": seed, "mode": mode, "encoder": encoder}
        models = self.args.models
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)  # unknown categories
                Z_train, Z_test, record = fit_encoder(
                    encoder, mode, frame, split, seed, self.args.ee_params
                )
        except Exception as exc:  # record it and go on with the other encoders
            self.record_failure(base, models, exc)
            return
        self.payload["encoders"].append({**base, **record})
        log(
            f"{frame.name} seed {seed} {mode}/{encoder}: "
            f"fit {fmt_seconds(record['fit_transform_s'])}"
            f", {record['n_features_out']} columns{' (sparse)' if record['sparse'] else ''}"
        )
        for model in models:
            row = self.run_cell(frame, split, seed, base, model, Z_train, Z_test)
            self.payload["results"].append(row)
            value = "—" if row["value"] is None else f"{row['value']:.4f}"
            took = fmt_seconds(row.get("model_fit_s")) if "model_fit_s" in row else ""
            log(f"    {model:<6} {frame.metric} {value} {took} {row['status'][:60]}")

    def run_lightgbm(self, frame: Frame, split: Split, seed: int) -> None:
        base = {"dataset": frame.name, "seed": seed, "mode": "ct", "encoder": "lightgbm"}
        try:
            row = run_lightgbm(frame, split, seed)
        except Exception as exc:
            traceback.print_exc()
            row = {"status": f"error ({exc!r})", "value": None}
        self.payload["results"].append({**base, "model": "native", **row})
        if row["value"] is not None:
            log(f"{frame.name} seed {seed} lightgbm: {frame.metric} {row['value']:.4f}")

    def run_dataset(self, frame: Frame, seed: int) -> None:
        split = make_split(frame, seed, self.args.validation)
        info = self.payload["datasets"].setdefault(frame.name, describe(frame))
        info["splits"][str(seed)] = split.description
        log(f"== {frame.name} seed {seed}: {split.description}")
        for mode in self.args.modes:
            for encoder in self.args.encoders:
                if encoder == "lightgbm" or (mode == "whole" and encoder != "ee"):
                    continue
                self.run_encoder(frame, split, seed, encoder, mode)
        if "lightgbm" in self.args.encoders:
            self.run_lightgbm(frame, split, seed)


def describe(frame: Frame) -> dict:
    """The dataset facts written to the JSON file."""
    return {
        "task": frame.task,
        "metric": frame.metric,
        "n_rows": len(frame.y),
        "categorical": {c: int(frame.X[c].nunique()) for c in frame.categorical},
        "continuous": frame.continuous,
        "split": frame.split,
        "target_transform": frame.target_transform,
        "classes": frame.classes,
        "notes": frame.notes,
        "splits": {},
    }


def run(args, payload: dict) -> dict:
    """All seeds (outer loop, so a stopped run holds complete seeds) and datasets."""
    tasks = load_tasks(args.data_dir)
    frames = {name: load_frame(tasks[name], args.data_dir) for name in args.datasets}
    runner = Runner(args, payload)
    t0 = time.perf_counter()
    for i, seed in enumerate(args.seeds):
        elapsed = time.perf_counter() - t0
        if i and args.time_budget and elapsed / i * (i + 1) > args.time_budget * 60:
            payload["stopped"] = (
                f"stopped before seed {seed}: {i} seed(s) took {elapsed / 60:.1f} min, "
                f"another would pass the --time-budget of {args.time_budget:.0f} min"
            )
            log(payload["stopped"])
            break
        for frame in frames.values():
            runner.run_dataset(frame, seed)
            payload["seeds_done"] = args.seeds[: i + 1]
            payload["total_seconds"] = time.perf_counter() - t0
            write_outputs(args, payload)
        log(f"seed {seed} done after {fmt_seconds(time.perf_counter() - t0)}")
    payload["total_seconds"] = time.perf_counter() - t0
    return payload


# --------------------------------------------------------------- statistics


def cell_values(payload: dict) -> dict[tuple, list[float]]:
    """``{(dataset, mode, encoder, model): [value per seed]}`` of the finished cells."""
    out: dict[tuple, list[float]] = {}
    for r in payload["results"]:
        if r["value"] is not None:
            key = (r["dataset"], r["mode"], r["encoder"], r["model"])
            out.setdefault(key, []).append(r["value"])
    return out


def mean_sd(values: list[float]) -> tuple[float, float, int]:
    v = np.asarray(values, dtype=float)
    sd = float(v.std(ddof=1)) if len(v) > 1 else 0.0
    return float(v.mean()), sd, len(v)


def compare(metric: str, a: list[float], b: list[float]) -> dict:
    """EE (``a``) against a reference (``b``): verdict, difference, relative difference.

    ``diff`` > 0 means ``a`` is better. Tie: |diff| within the standard error
    sqrt(sd_a^2/n_a + sd_b^2/n_b), or within 0.002 (ROC AUC) / 0.2% of the
    reference's mean (RMSE, log loss).
    """
    (ma, sa, na), (mb, sb, nb) = mean_sd(a), mean_sd(b)
    sign = 1.0 if metric == "roc_auc" else -1.0
    diff = sign * (ma - mb)
    se = float(np.sqrt(sa**2 / na + sb**2 / nb))
    tol = TIE_ABS_AUC if metric == "roc_auc" else TIE_REL * abs(mb)
    verdict = "tie" if abs(diff) <= max(se, tol) else ("win" if diff > 0 else "loss")
    return {
        "verdict": verdict,
        "diff": diff,
        "rel_pct": 100 * diff / abs(mb),
        "se": se,
        "tol": tol,
    }


def comparisons(payload: dict) -> list[dict]:
    """EE (ColumnTransformer mode) against the best classic encoder per (dataset, model)."""
    values = cell_values(payload)
    out = []
    for ds, info in payload["datasets"].items():
        for model in MODELS:
            ee = values.get((ds, "ct", "ee", model))
            classic = {
                e: values[(ds, "ct", e, model)] for e in CLASSIC if (ds, "ct", e, model) in values
            }
            if not ee or not classic:
                continue
            pick = max if info["metric"] == "roc_auc" else min
            best = pick(classic, key=lambda e: np.mean(classic[e]))
            out.append(
                {
                    "dataset": ds,
                    "model": model,
                    "best_classic": best,
                    **compare(info["metric"], ee, classic[best]),
                }
            )
    return out


def lightgbm_comparisons(payload: dict) -> list[dict]:
    """EE + HistGradientBoosting against LightGBM native, per dataset."""
    values = cell_values(payload)
    out = []
    for ds, info in payload["datasets"].items():
        ee = values.get((ds, "ct", "ee", "hgb"))
        lgb = values.get((ds, "ct", "lightgbm", "native"))
        if ee and lgb:
            out.append({"dataset": ds, **compare(info["metric"], ee, lgb)})
    return out


def summarize(cmp: list[dict], lgb: list[dict]) -> dict:
    """Counts of wins / ties / losses, the share EE >= best classic, the worst loss."""
    counts = {v: sum(c["verdict"] == v for c in cmp) for v in ("win", "tie", "loss")}
    worst = min(cmp, key=lambda c: c["rel_pct"], default=None)
    return {
        **counts,
        "cells": len(cmp),
        "share_ee_ge_best": (counts["win"] + counts["tie"]) / len(cmp) if cmp else None,
        "worst": worst,
        "ee_hgb_ge_lightgbm": sum(c["verdict"] != "loss" for c in lgb),
        "lightgbm_datasets": len(lgb),
    }


# ----------------------------------------------------------------- markdown


def fmt_cell(values: list[float] | None) -> str:
    if not values:
        return "—"
    m, s, n = mean_sd(values)
    return f"{m:.4f} ± {s:.4f}" if n > 1 else f"{m:.4f}"


def status_notes(payload: dict) -> dict[tuple, str]:
    """``{(dataset, mode, encoder, model): status}`` of cells that did not score."""
    return {
        (r["dataset"], r["mode"], r["encoder"], r["model"]): r["status"]
        for r in payload["results"]
        if r["value"] is None
    }


def verdict_cells(c: dict | None) -> list[str]:
    """The verdict and relative-difference cells of one (dataset, model) row."""
    if c is None:
        return ["n/a", ""]
    verdict = f"{c['verdict']} vs {LABELS[c['best_classic']]}"
    if c["verdict"] == "loss":
        verdict = f"**{verdict}**"
    return [verdict, f"{c['rel_pct']:+.2f}%"]


def main_table(payload: dict, cmp: list[dict]) -> tuple[str, list[str]]:
    """The (dataset, model) table and its footnotes (skipped or failed cells)."""
    values, notes = cell_values(payload), status_notes(payload)
    by_key = {(c["dataset"], c["model"]): c for c in cmp}
    run_cells = {(k[0], k[3]) for k in [*values, *notes]}
    whole = any(k[1] == "whole" for k in values)
    encs = [("ct", "ee"), *[("ct", e) for e in CLASSIC]] + ([("whole", "ee")] if whole else [])
    enc_labels = [LABELS["ee_whole" if m == "whole" else e] for m, e in encs]
    headers = ["Dataset", "Model", "Metric", *enc_labels, "LightGBM native"]
    headers += ["EE vs best classic", "rel. diff"]
    rows, footnotes = [], []
    for ds, info in payload["datasets"].items():
        lgb = fmt_cell(values.get((ds, "ct", "lightgbm", "native")))
        for model in [m for m in MODELS if (ds, m) in run_cells]:
            label = MODEL_LABELS[model][info["task"] == "regression"]
            cells = [ds, label, METRIC_LABELS[info["metric"]]]
            for mode, enc in encs:
                key = (ds, mode, enc, model)
                cell = fmt_cell(values.get(key))
                if key in notes and not values.get(key):
                    footnotes.append(f"{ds} / {label} / {mode} {LABELS[enc]}: {notes[key]}")
                    cell = f"{notes[key].split(' (')[0]} [{len(footnotes)}]"
                cells.append(cell)
            rows.append(cells + [lgb, *verdict_cells(by_key.get((ds, model)))])
    align = ["l", "l", "l"] + ["r"] * (len(encs) + 1) + ["l", "r"]
    return markdown_table(headers, rows, align), footnotes


def summary_lines(payload: dict, summary: dict, lgb: list[dict]) -> list[str]:
    """The win / tie / loss summary and the LightGBM comparison."""
    if not summary["cells"]:
        return ["No cell has both EE and a classic encoder."]
    w = summary["worst"]
    lines = [
        f"- EE against the best classic encoder with the same model, over "
        f"{summary['cells']} (dataset, model) cells: **{summary['win']} wins, "
        f"{summary['tie']} ties, {summary['loss']} losses**; EE >= best classic (win or "
        f"tie) in **{100 * summary['share_ee_ge_best']:.0f}%** of the cells.",
        f"- Worst relative result: {w['dataset']} / {w['model']}: {w['rel_pct']:+.2f}% "
        f"against {LABELS[w['best_classic']]} ({w['verdict']}).",
        f"- EE + HistGradientBoosting >= LightGBM native (win or tie) on "
        f"{summary['ee_hgb_ge_lightgbm']} of {summary['lightgbm_datasets']} datasets.",
        "",
    ]
    rows = [
        [
            c["dataset"],
            c["verdict"],
            f"{c['rel_pct']:+.2f}%",
            "yes" if c["verdict"] != "loss" else "**no**",
        ]
        for c in lgb
    ]
    headers = ["Dataset", "EE+HGB vs LightGBM", "rel. diff", "EE+HGB >= LightGBM"]
    return lines + [markdown_table(headers, rows, ["l", "l", "r", "l"])]


def fit_time_table(payload: dict) -> str:
    """Median fit_transform time (train rows) per encoder and dataset, and LightGBM's fit."""
    times: dict[tuple, list[float]] = {}
    for e in payload["encoders"]:
        if "fit_transform_s" in e:
            label = "ee_whole" if e["mode"] == "whole" else e["encoder"]
            times.setdefault((e["dataset"], label), []).append(e["fit_transform_s"])
    for r in payload["results"]:
        if r["encoder"] == "lightgbm" and r.get("model_fit_s") is not None:
            times.setdefault((r["dataset"], "lightgbm"), []).append(r["model_fit_s"])
    cols = [c for c in ["ee", "ee_whole", *CLASSIC, "lightgbm"] if any(k[1] == c for k in times)]
    rows = [
        [ds]
        + [
            fmt_seconds(float(np.median(times[(ds, c)]))) if (ds, c) in times else "—"
            for c in cols
        ]
        for ds in payload["datasets"]
    ]
    headers = ["Dataset"] + [LABELS[c] + (" (model fit)" if c == "lightgbm" else "") for c in cols]
    return markdown_table(headers, rows, ["l"] + ["r"] * len(cols))


def dataset_table(payload: dict) -> str:
    rows = []
    for ds, info in payload["datasets"].items():
        cats = ", ".join(f"{c} {n}" for c, n in info["categorical"].items())
        split = next(iter(info["splits"].values()), "")
        transform = f" ({info['target_transform']})" if info["target_transform"] else ""
        rows.append([ds, info["task"] + transform, info["n_rows"], split, cats])
    headers = ["Dataset", "Task", "Rows", "Split (first seed)", "Categorical (levels)"]
    return markdown_table(headers, rows, ["l", "l", "r", "l", "l"])


def render_markdown(payload: dict) -> str:
    cmp, lgb = comparisons(payload), lightgbm_comparisons(payload)
    summary = summarize(cmp, lgb)
    payload["comparisons"], payload["lightgbm_comparisons"] = cmp, lgb
    payload["summary"] = summary
    cfg = payload["config"]
    table, footnotes = main_table(payload, cmp)
    part = "validation part of the training rows" if cfg["validation"] else "test rows"
    seeds = payload.get("seeds_done", [])
    lines = [
        f"# Quality suite{' (' + cfg['name'] + ')' if cfg['name'] != 'suite' else ''}",
        "",
        machine_summary(payload["machine"]),
        "",
        *([busy_warning(payload["machine"]), ""] if busy_warning(payload["machine"]) else []),
        f"skembed imported from `{payload['skembed_file']}`. Seeds {seeds}; "
        f"EE parameters: {json.dumps(cfg['ee_params']) if cfg['ee_params'] else 'defaults'}"
        f" (random_state=seed). Scores on the {part}. Mode(s): {', '.join(cfg['modes'])}.",
        "",
        *([f"**{payload['stopped']}**", ""] if payload.get("stopped") else []),
        *(
            [
                f"Cells of encoders other than {cfg['encoders']} copied from `{cfg['baseline']}`.",
                "",
            ]
            if cfg.get("baseline")
            else []
        ),
        "Protocol: each encoder is fitted once per (dataset, seed) inside "
        "`ColumnTransformer([('cat', encoder, categorical), ('num', SimpleImputer + "
        "StandardScaler, continuous)])` on the training rows (TargetEncoder cross-fits in "
        "fit_transform; EE too under its cv, in sample with cv=None), and the four models "
        "are trained on its output. "
        "Cells are mean ± sd over the seeds. Metric per row: ROC AUC (binary, higher is "
        "better), RMSE on the transformed target (regression), log loss (multiclass); "
        "lower is better for the last two. 'EE vs best classic' compares EE with the best "
        "mean of one-hot, ordinal and target encoding for the same model: a tie when "
        "|difference of means| <= max(standard error of the difference = "
        "sqrt(sd_a²/n + sd_b²/n), tolerance), the tolerance being 0.002 absolute for ROC "
        "AUC and 0.2% of the best classic mean for RMSE and log loss. 'rel. diff' is "
        "(EE − best)/best in %, signed so that positive means EE is better. On time "
        "splits the seed changes only the models and encoders (one-hot and ordinal with "
        "the linear model and k-NN are deterministic there: computed once, sd 0).",
        "",
        table,
    ]
    lines += [""] + [f"[{i}] {note}" for i, note in enumerate(footnotes, 1)] if footnotes else []
    lines += ["", "## Summary", "", *summary_lines(payload, summary, lgb)]
    lines += [
        "",
        "## Encoder fit time",
        "",
        "Median over seeds of `fit_transform` on the training rows (wall clock, one "
        "thread; another job was running on the second core, so the times are "
        "noisy). EE includes its training; LightGBM is its model fit.",
        "",
        fit_time_table(payload),
    ]
    lines += ["", "## Datasets", "", dataset_table(payload), ""]
    lines += [f"- {ds}: {n}" for ds, info in payload["datasets"].items() for n in info["notes"]]
    lines += [
        f"- Models: LogisticRegression(max_iter=1000) / Ridge(); KNeighbors(n_neighbors=50); "
        f"RandomForest({', '.join(f'{k}={v!r}' for k, v in RF_PARAMS.items())}, "
        "random_state=seed, n_jobs=1); HistGradientBoosting(random_state=seed); LightGBM "
        "defaults (random_state=seed, n_jobs=1) on pandas category columns. One-hot "
        "output stays sparse for the linear model, else is densified up to 1 GiB "
        "(HistGradientBoosting is skipped above it).",
    ]
    lines.append(f"\nTotal run time: {fmt_seconds(payload.get('total_seconds'))}.")
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------- main


def output_name(args) -> str:
    parts = ["suite"] + ["validation"] * args.validation + ["quick"] * args.quick
    return "_".join(parts + ([args.tag] if args.tag else []))


def write_outputs(args, payload: dict) -> None:
    """Write the JSON and markdown files (also after each dataset, for partial runs)."""
    name = output_name(args)
    markdown = render_markdown(payload)
    save_json(RESULTS_DIR / f"{name}.json", payload)
    (RESULTS_DIR / f"{name}.md").write_text(markdown, encoding="utf-8")


def merge_baseline(args, payload: dict) -> None:
    """Copy the cells of encoders not run now from a previous JSON (same protocol)."""
    base = json.loads(Path(args.baseline).read_text(encoding="utf-8"))
    if base["config"]["validation"] != args.validation:
        raise SystemExit("--baseline was run with a different --validation setting")

    def keep(r):
        return (
            r["encoder"] not in args.encoders
            and r["dataset"] in args.datasets
            and r["seed"] in args.seeds
        )

    payload["results"] += [r for r in base["results"] if keep(r)]
    payload["encoders"] += [e for e in base["encoders"] if keep(e)]
    for ds, info in base["datasets"].items():
        if ds in args.datasets:
            payload["datasets"].setdefault(ds, info)


def start_payload(args) -> dict:
    import torch

    import skembed

    log(f"skembed imported from {skembed.__file__}")
    if args.skembed_root and not Path(skembed.__file__).resolve().is_relative_to(
        Path(args.skembed_root).resolve()
    ):
        raise SystemExit(f"skembed is not under {args.skembed_root}: {skembed.__file__}")
    log(
        f"torch threads {torch.get_num_threads()}, OMP_NUM_THREADS="
        f"{os.environ.get('OMP_NUM_THREADS')}"
    )
    config = {k: v for k, v in vars(args).items() if k != "data_dir"}
    config |= {
        "name": output_name(args),
        "data_dir": str(args.data_dir),
        "rf_params": RF_PARAMS,
        "max_dense_bytes": MAX_DENSE_BYTES,
        "tie_abs_auc": TIE_ABS_AUC,
        "tie_rel": TIE_REL,
    }
    payload = {
        "benchmark": "suite",
        "config": config,
        "machine": machine_info(),
        "skembed_file": skembed.__file__,
        "datasets": {},
        "encoders": [],
        "results": [],
    }
    if args.baseline:
        merge_baseline(args, payload)
    return payload


def csv_list(kind, choices=None):
    def parse(text: str):
        items = [kind(t) for t in text.split(",") if t]
        bad = [t for t in items if choices is not None and t not in choices]
        if bad:
            raise argparse.ArgumentTypeError(f"unknown {bad}; choose from {choices}")
        return items

    return parse


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument(
        "--quick",
        action="store_true",
        help=f"{', '.join(QUICK_DATASETS)}, seed 0; writes suite_quick.*",
    )
    p.add_argument("--datasets", type=csv_list(str), default=None, help="comma-separated")
    p.add_argument("--seeds", type=csv_list(int), default=None, help="default 0,1,2")
    p.add_argument("--encoders", type=csv_list(str, ENCODERS), default=ENCODERS)
    p.add_argument("--models", type=csv_list(str, MODELS), default=MODELS)
    p.add_argument(
        "--modes",
        type=csv_list(str, MODES),
        default=["ct"],
        help="ct (ColumnTransformer, default) and/or whole (EE on all columns)",
    )
    p.add_argument("--ee-params", type=json.loads, default={}, help="JSON of EE parameters")
    p.add_argument("--tag", default=None, help="writes results/suite_TAG.*")
    p.add_argument(
        "--validation",
        action="store_true",
        help="score on a split of the training rows; never read the test rows",
    )
    p.add_argument(
        "--baseline",
        default=None,
        help="JSON of a previous run: cells of encoders not run now are copied",
    )
    p.add_argument(
        "--time-budget",
        type=float,
        default=100.0,
        help="minutes; no new seed is started that would pass it (0: none)",
    )
    p.add_argument(
        "--skembed-root",
        default=None,
        help="fail unless skembed is imported from under this folder",
    )
    p.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    args = p.parse_args(argv)
    args.data_dir = args.data_dir.resolve()
    names = list(load_tasks(args.data_dir))
    args.datasets = args.datasets or (QUICK_DATASETS if args.quick else names)
    args.seeds = args.seeds or ([0] if args.quick else [0, 1, 2])
    unknown = sorted(set(args.datasets) - set(names))
    if unknown:
        p.error(f"unknown datasets {unknown}; choose from {names}")
    return args


def main(argv=None) -> int:
    import torch
    from threadpoolctl import threadpool_limits

    torch.set_num_threads(1)
    threadpool_limits(limits=1)
    args = parse_args(argv)
    payload = start_payload(args)
    run(args, payload)
    write_outputs(args, payload)
    print(render_markdown(payload))
    log(f"wrote {RESULTS_DIR / output_name(args)}.{{json,md}}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
