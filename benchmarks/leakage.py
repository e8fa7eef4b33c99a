"""Leakage of the training rows' targets into their own embeddings, and what removes it.

For each dataset, the encoder is fitted on the training split and the downstream model
(random forest, histogram gradient boosting, k-NN) is trained on the training rows'
embeddings produced in four ways:

* ``in-sample``: ``cv=None`` (with ``shrinkage=0.2``, chosen for it):
  ``fit_transform`` is ``fit(X_train, y_train).transform(X_train)``; the rows' own
  targets shaped their vectors.
* ``cross-fitted tables (cv=5)``: the default: each row encoded by the copy of the
  tables that its fold did not train (``cross_fit="tables"``).
* ``fold models (cv=5, refit)``: each row encoded by a fold model that did not see it,
  aligned to the full model by orthogonal Procrustes.
* ``pooling + regularisation``: in-sample, but ``min_frequency=30`` and dropout 0.3,
  so rare categories share the unknown row and the network fits less.

The test rows are always encoded by ``transform`` of the fitted encoder. For context the
same models are trained on cross-fitted ``TargetEncoder`` features (sklearn's
``fit_transform`` cross-fits). Datasets: adult (binary, ROC AUC), movielens100k
(ratings, RMSE; random 80/20 split) and a synthetic binary problem from
``skembed.datasets.make_categorical`` with a 5,000-level column (20,000 rows: 4 rows
per level on average) where in-sample leakage is worst.

Usage::

    python -m benchmarks.leakage           # about 15 min on 2 cores
    python -m benchmarks.leakage --quick   # smoke run on subsamples
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from sklearn.ensemble import (
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
    RandomForestClassifier,
    RandomForestRegressor,
)
from sklearn.metrics import mean_squared_error, roc_auc_score
from sklearn.model_selection import KFold, StratifiedKFold, train_test_split
from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor
from sklearn.preprocessing import StandardScaler, TargetEncoder

from skembed import EntityEmbeddingEncoder
from skembed.datasets import make_categorical

from ._common import (
    DEFAULT_DATA_DIR,
    machine_info,
    machine_summary,
    markdown_table,
    write_results,
)

VARIANTS = {  # in sample with the shrinkage chosen for it; the tables are the defaults
    "in-sample": dict(cv=None, shrinkage=0.2),
    "cross-fitted tables (cv=5)": dict(),
    "fold models (cv=5, refit)": dict(cross_fit="refit", shrinkage=0.2),
    "pooling + regularisation": dict(cv=None, shrinkage=0.2, min_frequency=30, dropout=0.3),
}


def datasets(data_dir: Path, quick: bool):
    """(name, task, X_train, X_test, y_train, y_test, categorical columns)."""
    adult = pd.read_parquet(data_dir / "adult.parquet")
    y = (adult.pop("income") == ">50K").to_numpy().astype(int)
    if quick:
        adult, y = adult.iloc[:6000], y[:6000]
    cat = [
        c
        for c in adult.columns
        if adult[c].dtype != np.float64 and adult[c].dtype.kind not in "iu"
    ]
    yield ("adult", "binary", *train_test_split(adult, y, test_size=0.2, random_state=0), cat)

    ml = pd.read_parquet(data_dir / "movielens100k.parquet")
    if quick:
        ml = ml.iloc[:15000]
    y = ml["rating"].to_numpy(float)
    X = ml[["user_id", "movie_id", "age", "gender", "occupation", "zip_code", "genres"]].astype(
        {"user_id": str, "movie_id": str}
    )
    cat = ["user_id", "movie_id", "gender", "occupation", "zip_code", "genres"]
    yield ("movielens", "continuous", *train_test_split(X, y, test_size=0.2, random_state=0), cat)

    n = 5000 if quick else 20000
    X, y, _ = make_categorical(n, cardinalities=(5000, 20), skew=0.5, noise=0.5, random_state=0)
    cat = ["c0", "c1"]
    yield ("synthetic 5,000 levels", "binary", *train_test_split(X, y, test_size=0.2,
                                                                 random_state=0), cat)  # fmt: skip


def models(task: str, quick: bool):
    trees = 100 if not quick else 30
    if task == "binary":
        return {
            "random forest": RandomForestClassifier(trees, min_samples_leaf=3, n_jobs=2,
                                                    random_state=0),
            "gradient boosting": HistGradientBoostingClassifier(random_state=0),
            "k-NN": KNeighborsClassifier(30),
        }  # fmt: skip
    return {
        "random forest": RandomForestRegressor(trees, min_samples_leaf=3, n_jobs=2,
                                               random_state=0),
        "gradient boosting": HistGradientBoostingRegressor(random_state=0),
        "k-NN": KNeighborsRegressor(30),
    }  # fmt: skip


def score(task, model, Z, y) -> float:
    if task == "binary":
        return float(roc_auc_score(y, model.predict_proba(Z)[:, 1]))
    return float(np.sqrt(mean_squared_error(y, model.predict(Z))))


def target_encoded(task, X_train, X_test, y_train, cat):
    folds = (StratifiedKFold if task == "binary" else KFold)(5, shuffle=True, random_state=0)
    encoder = TargetEncoder(target_type=task, cv=folds)  # seeded through cv (sklearn >= 1.9)
    num = [c for c in X_train.columns if c not in cat]
    A = np.hstack([encoder.fit_transform(X_train[cat].astype(str), y_train),
                   X_train[num].to_numpy(float)])  # fmt: skip
    B = np.hstack([encoder.transform(X_test[cat].astype(str)), X_test[num].to_numpy(float)])
    scaler = StandardScaler().fit(A)
    return scaler.transform(A), scaler.transform(B)


def run(args) -> dict:
    results = []
    for name, task, X_train, X_test, y_train, y_test, cat in datasets(args.data_dir, args.quick):
        print(f"\n## {name}: {len(X_train):,} training rows", flush=True)
        features = {}
        for variant, params in VARIANTS.items():
            start = time.perf_counter()
            extra = {"separator": {"genres": "|"}} if name == "movielens" else {}
            encoder = EntityEmbeddingEncoder(
                categorical_features=cat, random_state=0, continuous="scale", **extra, **params
            )  # fmt: skip
            if task == "continuous":
                encoder.set_params(target_type="continuous")
            A = encoder.fit_transform(X_train, y_train)
            features[variant] = (A, encoder.transform(X_test))
            print(f"  {variant}: encoded in {time.perf_counter() - start:.1f} s", flush=True)
        features["TargetEncoder (cross-fitted)"] = target_encoded(
            task, X_train, X_test, y_train, cat
        )
        for model_name, model in models(task, args.quick).items():
            for variant, (A, B) in features.items():
                start = time.perf_counter()
                model.fit(A, y_train)
                value = score(task, model, B, y_test)
                results.append({"dataset": name, "task": task, "model": model_name,
                                "features": variant, "score": value,
                                "seconds": time.perf_counter() - start})  # fmt: skip
                print(f"  {model_name:17s} {variant:28s} {value:.4f}", flush=True)
    return {"results": results}


def render_sections(payload: dict, level: str = "##") -> list[str]:
    """One markdown table per dataset: models by feature variant."""
    lines = [
        "Each downstream model is trained on the training rows' embeddings made four ways "
        "(in-sample `fit_transform` with `cv=None`; the default cross-fitted tables, `cv=5`; "
        "fold models aligned to the full model, `cross_fit='refit'`; in-sample with "
        "`min_frequency=30, dropout=0.3`) and on cross-fitted TargetEncoder features; the "
        "test rows are always encoded by the fitted encoder (protocol: benchmarks/leakage.py).",
        "",
    ]
    frame = pd.DataFrame(payload["results"])
    for name, block in frame.groupby("dataset", sort=False):
        metric = "ROC AUC (higher is better)" if block["task"].iloc[0] == "binary" else (
            "RMSE (lower is better)")  # fmt: skip
        table = block.pivot(index="model", columns="features", values="score")
        table = table[[*VARIANTS, "TargetEncoder (cross-fitted)"]]
        rows = [[model] + [f"{v:.4f}" for v in table.loc[model]] for model in table.index]
        align = "l" + "r" * len(table.columns)
        lines += [f"{level} {name} — {metric}", "",
                  markdown_table(["model", *table.columns], rows, align), ""]  # fmt: skip
    return lines


def render(payload: dict) -> str:
    lines = ["# Leakage: in-sample against out-of-fold embeddings", "",
             machine_summary(payload["machine"]), ""]  # fmt: skip
    return "\n".join(lines + render_sections(payload))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    parser.add_argument("--threads", type=int, default=None, help="torch threads")
    parser.add_argument("--output", default=None)
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    info = machine_info()
    print(machine_summary(info), flush=True)
    payload = {"machine": info, **run(args)}
    write_results("leakage", args.quick, args.output, payload, render(payload))
    return 0


if __name__ == "__main__":
    sys.exit(main())
