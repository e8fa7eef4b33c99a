"""Quality benchmark: entity embeddings vs one-hot, ordinal and target encoding.

Each encoder turns the categorical columns into numbers (the continuous columns are
standardized alongside), then four downstream models are trained on the result:
a linear model, k-nearest neighbours, a random forest and histogram gradient
boosting. LightGBM on native categorical columns is reported as the strongest
single-model peer (no encoder, no downstream model).

Datasets (``../shared/datasets`` next to the repository root, or ``--data-dir``):

* adult -- census income, binary target ``income == ">50K"``, ROC AUC on a random
  80/20 split (seed 0).
* movielens -- MovieLens 100k ratings, regression on ``rating``, RMSE on the last
  20% of the ratings by timestamp (train on the first 80%).

Usage::

    python benchmarks/quality.py            # full run, writes results/quality.{json,md}
    python benchmarks/quality.py --quick    # smoke run, writes results/quality_quick.*

The full run takes about 10-20 minutes on 2 CPU cores. Combinations that are not
practical there (a random forest on ~2,500 one-hot columns) are recorded as
"skipped (reason)" instead of being run.
"""

from __future__ import annotations

import argparse
import sys
import time
import traceback
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp
from joblib import effective_n_jobs
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import (
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
    RandomForestClassifier,
    RandomForestRegressor,
)
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.metrics import roc_auc_score, root_mean_squared_error
from sklearn.model_selection import KFold, StratifiedKFold, train_test_split
from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor
from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, StandardScaler, TargetEncoder

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (  # noqa: E402
    DEFAULT_DATA_DIR,
    Timer,
    busy_warning,
    fmt_seconds,
    machine_info,
    machine_summary,
    markdown_table,
    write_results,
)

from skembed import EntityEmbeddingEncoder  # noqa: E402
from skembed.datasets import ADULT_CATEGORICAL, ADULT_CONTINUOUS  # noqa: E402

TIE_TOLERANCE = 0.002
# Dense copies of a sparse one-hot matrix larger than this are not made (bytes).
MAX_DENSE_BYTES = 512 * 2**20
# A random forest whose estimated fit time exceeds this is skipped (seconds; --rf-budget).
RF_BUDGET_S = 240.0

ENCODERS = ["ee", "onehot", "ordinal", "target"]
ENCODER_LABELS = {
    "ee": "EntityEmbedding",
    "onehot": "One-hot",
    "ordinal": "Ordinal",
    "target": "Target enc.",
}
MODELS = ["linear", "knn", "rf", "hgb"]


# ------------------------------------------------------------------ datasets


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


# ------------------------------------------------------------------ encoders


def make_encoder(name: str, ds: Dataset, quick: bool):
    cat, cont = ds.categorical, ds.continuous
    if name == "ee":
        params = {}
        if quick:
            params["max_iter"] = 10
        return EntityEmbeddingEncoder(
            categorical_features=cat,
            target_type="continuous" if ds.task == "regression" else "auto",
            random_state=0,
            **params,
        )
    if name == "onehot":
        inner = OneHotEncoder(handle_unknown="infrequent_if_exist", min_frequency=5)
    elif name == "ordinal":
        inner = OrdinalEncoder(
            handle_unknown="use_encoded_value", unknown_value=-1, encoded_missing_value=-1
        )
    elif name == "target":
        # the default cross-fitting of fit_transform (5 folds, shuffled; stratified for
        # a binary target), seeded through `cv` as scikit-learn >= 1.9 recommends
        if ds.task == "regression":
            folds = KFold(n_splits=5, shuffle=True, random_state=0)
        else:
            folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
        inner = TargetEncoder(
            target_type="continuous" if ds.task == "regression" else "binary", cv=folds
        )
    else:
        raise ValueError(name)
    # sparse_threshold=1.0: one-hot output stays sparse; it is densified per model below
    return ColumnTransformer(
        [("cat", inner, cat), ("num", StandardScaler(), cont)], sparse_threshold=1.0
    )


def encoder_details(name: str, encoder) -> dict:
    if name == "ee":
        return {
            "n_iter": int(encoder.n_iter_),
            "best_iter": int(encoder.best_iter_),
            "embedding_dims": [int(d) for d in encoder.embedding_dims_],
        }
    return {}


# ------------------------------------------------------------------- models


def make_model(name: str, task: str, quick: bool):
    n_trees = 20 if quick else 200
    if task == "binary":
        return {
            "linear": lambda: LogisticRegression(max_iter=1000),
            "knn": lambda: KNeighborsClassifier(n_neighbors=50),
            "rf": lambda: RandomForestClassifier(
                n_estimators=n_trees, min_samples_leaf=5, n_jobs=-1, random_state=0
            ),
            "hgb": lambda: HistGradientBoostingClassifier(random_state=0),
        }[name]()
    return {
        "linear": lambda: Ridge(),
        "knn": lambda: KNeighborsRegressor(n_neighbors=50),
        # max_features="sqrt" as for classification: the regressor's default (all
        # columns at every split) makes a forest on 225 embedding columns ~15x slower
        "rf": lambda: RandomForestRegressor(
            n_estimators=n_trees,
            min_samples_leaf=5,
            max_features="sqrt",
            n_jobs=-1,
            random_state=0,
        ),
        "hgb": lambda: HistGradientBoostingRegressor(random_state=0),
    }[name]()


MODEL_LABELS = {
    "binary": {
        "linear": "LogisticRegression",
        "knn": "KNeighbors (k=50)",
        "rf": "RandomForest",
        "hgb": "HistGradientBoosting",
    },
    "regression": {
        "linear": "Ridge",
        "knn": "KNeighbors (k=50)",
        "rf": "RandomForest",
        "hgb": "HistGradientBoosting",
    },
}


def prepare_input(model: str, Z_train, Z_test):
    """The matrices a model is trained on, or a reason to skip the combination.

    Dense encoder output is used as is. Sparse (one-hot) output stays sparse for the
    linear model; the other models get a dense copy when it is small enough, else
    k-NN (brute force on CSR) and the random forest (CSC) use the sparse matrix and
    HistGradientBoosting, which needs dense input, is skipped.

    Returns ``(Z_train, Z_test, layout, skip_reason)``.
    """
    if not sp.issparse(Z_train):
        return Z_train, Z_test, "dense", None
    n_rows, n_cols = Z_train.shape
    dense_bytes = (n_rows + Z_test.shape[0]) * n_cols * 8
    if model == "linear":
        return Z_train.tocsr(), Z_test.tocsr(), "sparse", None
    if dense_bytes <= MAX_DENSE_BYTES:
        return Z_train.toarray(), Z_test.toarray(), "dense", None
    if model in ("knn", "rf"):
        return Z_train.tocsr(), Z_test.tocsr(), "sparse", None
    return (
        None,
        None,
        None,
        f"{n_cols} one-hot columns: HistGradientBoosting needs dense input, a dense "
        f"copy takes {dense_bytes / 2**30:.1f} GiB (limit {MAX_DENSE_BYTES / 2**20:.0f} "
        "MiB), and its cost grows with the column count (while writing this benchmark, "
        "10 of the default 100 iterations took ~40 s on 2 shared cores)",
    )


def fit_model(name: str, model, A, y, budget_s: float):
    """Fit ``model``; a random forest is first grown to a few trees to time it.

    The forest is grown with ``warm_start``, which gives the same trees as a single
    fit (scikit-learn advances the random state past the trees already grown). If
    the time of the probe, scaled to all trees, exceeds ``budget_s``, the fit stops
    there and the reason is returned instead.

    Returns ``(fitted_model_or_None, skip_reason_or_None)``.
    """
    if name != "rf":
        model.fit(A, y)
        return model, None
    n_trees = model.n_estimators
    n_probe = min(n_trees, max(2, effective_n_jobs(model.n_jobs)))
    model.set_params(warm_start=True, n_estimators=n_probe)
    with Timer() as t_probe:
        model.fit(A, y)
    estimate = t_probe.seconds * n_trees / n_probe
    if estimate > budget_s:
        return None, (
            f"a {n_probe}-tree probe took {t_probe.seconds:.1f} s on {A.shape[1]} "
            f"{'sparse ' if sp.issparse(A) else ''}columns, so {n_trees} trees would take "
            f"~{estimate:.0f} s, over the {budget_s:.0f} s budget per model (--rf-budget)"
        )
    model.set_params(n_estimators=n_trees)
    model.fit(A, y)
    return model, None


def score(ds: Dataset, model, Z_test) -> float:
    if ds.task == "binary":
        return float(roc_auc_score(ds.y_test, model.predict_proba(Z_test)[:, 1]))
    return float(root_mean_squared_error(ds.y_test, model.predict(Z_test)))


def run_lightgbm(ds: Dataset, quick: bool) -> dict:
    import lightgbm as lgb

    def to_lgb(X: pd.DataFrame, categories: dict | None):
        X = X.copy()
        for col in ds.categorical:
            values = X[col].astype(object)
            if categories is None:
                X[col] = values.astype("category")
            else:  # test split: the training categories, unseen ones become missing
                known = values.where(values.isin(categories[col]), None)
                X[col] = known.astype(pd.CategoricalDtype(categories[col]))
        return X

    X_train = to_lgb(ds.X_train, None)
    categories = {c: X_train[c].cat.categories for c in ds.categorical}
    X_test = to_lgb(ds.X_test, categories)  # unseen categories become NaN
    cls = lgb.LGBMClassifier if ds.task == "binary" else lgb.LGBMRegressor
    model = cls(random_state=0, verbose=-1, n_estimators=100)
    with Timer() as t_fit:
        model.fit(X_train, ds.y_train, categorical_feature=ds.categorical)
    with Timer() as t_pred:
        value = score(ds, model, X_test)
    return {
        "value": value,
        "fit_s": t_fit.seconds,
        "predict_s": t_pred.seconds,
        "params": "LGBM defaults (100 trees, 31 leaves), pandas category dtype",
    }


# --------------------------------------------------------------------- main


def run_model(ds: Dataset, enc_name: str, model_name: str, Z_train, Z_test, args) -> dict:
    """Train one downstream model on one encoding; a result row for the JSON file."""
    row = {"dataset": ds.name, "encoder": enc_name, "model": model_name}
    A, B, layout, reason = prepare_input(model_name, Z_train, Z_test)
    if reason is not None:
        return {**row, "status": f"skipped ({reason})", "value": None}
    model = make_model(model_name, ds.task, args.quick)
    try:
        with Timer() as t_fit:
            model, reason = fit_model(model_name, model, A, ds.y_train, args.rf_budget)
        if reason is not None:
            return {**row, "status": f"skipped ({reason})", "value": None,
                    "probe_s": t_fit.seconds}  # fmt: skip
        with Timer() as t_pred:
            value = score(ds, model, B)
    except Exception as exc:  # record it and go on with the other combinations
        traceback.print_exc()
        return {**row, "status": f"error ({exc!r})", "value": None}
    return {
        **row,
        "status": "ok",
        "value": value,
        "input": layout,
        "n_columns": int(A.shape[1]),
        "model_fit_s": t_fit.seconds,
        "predict_s": t_pred.seconds,
    }


def verdict(ds: Dataset, ee: float | None, others: dict[str, float | None]) -> dict:
    available = {k: v for k, v in others.items() if v is not None}
    if ee is None or not available:
        return {"verdict": "n/a", "best_other": None, "best_other_name": None, "diff": None}
    pick = max if ds.higher_is_better else min
    best_name = pick(available, key=available.get)
    best = available[best_name]
    diff = (ee - best) if ds.higher_is_better else (best - ee)  # > 0: EE is better
    if abs(diff) <= TIE_TOLERANCE:
        word = "ties"
    elif diff > 0:
        word = "wins"
    else:
        word = "loses"
    return {"verdict": word, "best_other": best, "best_other_name": best_name, "diff": diff}


def run(args) -> dict:
    t_start = time.perf_counter()
    if args.threads is not None:
        import torch
        from threadpoolctl import threadpool_limits

        torch.set_num_threads(args.threads)
        threadpool_limits(limits=args.threads)
    info = machine_info()
    print(f"# Quality benchmark{' (--quick)' if args.quick else ''}")
    print(machine_summary(info), flush=True)
    if busy_warning(info):
        print(busy_warning(info), flush=True)
    quick_rows = {"adult": 10_000, "movielens": 20_000} if args.quick else {}

    payload = {
        "benchmark": "quality",
        "quick": args.quick,
        "machine": info,
        "config": {
            "tie_tolerance": TIE_TOLERANCE,
            "rf_trees": 20 if args.quick else 200,
            "ee_params": "defaults, random_state=0"
            + (", max_iter=10 (--quick)" if args.quick else ""),
            "max_dense_bytes": MAX_DENSE_BYTES,
            "rf_budget_s": args.rf_budget,
            "threads": args.threads,
            "quick_rows": quick_rows,
        },
        "datasets": {},
        "encoders": {},
        "results": [],
        "lightgbm": {},
        "comparison": [],
    }
    for ds_name in args.datasets:
        ds = LOADERS[ds_name](args.data_dir, quick_rows.get(ds_name))
        payload["datasets"][ds_name] = {
            "task": ds.task,
            "metric": ds.metric,
            "n_train": len(ds.X_train),
            "n_test": len(ds.X_test),
            "categorical": ds.categorical,
            "continuous": ds.continuous,
            "split": ds.split,
            "notes": ds.notes,
        }
        print(
            f"\n## {ds_name}: {len(ds.X_train)} train / {len(ds.X_test)} test rows, "
            f"metric {ds.metric}",
            flush=True,
        )
        payload["encoders"][ds_name] = {}
        for enc_name in args.encoders:
            encoder = make_encoder(enc_name, ds, args.quick)
            entry = {}
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", UserWarning)  # unknown categories
                    with Timer() as t_fit:
                        Z_train = encoder.fit_transform(ds.X_train, ds.y_train)
                    with Timer() as t_tr:
                        Z_test = encoder.transform(ds.X_test)
            except Exception as exc:  # record and go on with the other encoders
                traceback.print_exc()
                payload["encoders"][ds_name][enc_name] = {"error": repr(exc)}
                for model_name in args.models:
                    payload["results"].append(
                        {
                            "dataset": ds_name,
                            "encoder": enc_name,
                            "model": model_name,
                            "status": f"error (encoder: {exc!r})",
                            "value": None,
                        }
                    )
                continue
            entry = {
                "fit_transform_s": t_fit.seconds,
                "transform_test_s": t_tr.seconds,
                "n_features_out": int(Z_train.shape[1]),
                "sparse": bool(sp.issparse(Z_train)),
                **encoder_details(enc_name, encoder),
            }
            payload["encoders"][ds_name][enc_name] = entry
            print(
                f"  {ENCODER_LABELS[enc_name]:<16} fit {fmt_seconds(t_fit.seconds):>8}, "
                f"{Z_train.shape[1]} columns{' (sparse)' if entry['sparse'] else ''}",
                flush=True,
            )
            for model_name in args.models:
                row = run_model(ds, enc_name, model_name, Z_train, Z_test, args)
                payload["results"].append(row)
                if row["status"] == "ok":
                    print(
                        f"    {model_name:<7} {ds.metric} {row['value']:.4f}  (fit "
                        f"{fmt_seconds(row['model_fit_s'])}, predict "
                        f"{fmt_seconds(row['predict_s'])}, {row['input']} input)",
                        flush=True,
                    )
                else:
                    print(f"    {model_name:<7} {row['status']}", flush=True)
        if not args.no_lightgbm:
            try:
                lgb_res = run_lightgbm(ds, args.quick)
            except Exception as exc:
                traceback.print_exc()
                lgb_res = {"value": None, "error": repr(exc)}
            payload["lightgbm"][ds_name] = lgb_res
            if lgb_res.get("value") is not None:
                print(
                    f"  LightGBM native categorical: {ds.metric} {lgb_res['value']:.4f} "
                    f"(fit {fmt_seconds(lgb_res['fit_s'])})",
                    flush=True,
                )
        for model_name in args.models:
            values = {
                r["encoder"]: r["value"]
                for r in payload["results"]
                if r["dataset"] == ds_name and r["model"] == model_name
            }
            payload["comparison"].append(
                {
                    "dataset": ds_name,
                    "model": model_name,
                    **verdict(
                        ds,
                        values.get("ee"),
                        {k: values.get(k) for k in ("onehot", "target") if k in values},
                    ),
                }
            )
    if not args.no_leakage:
        from leakage import run as run_leakage

        print("\n# Leakage: in-sample against out-of-fold embeddings", flush=True)
        payload["leakage"] = run_leakage(args)
    payload["goals"] = goals(payload)
    payload["total_seconds"] = time.perf_counter() - t_start
    return payload


def goals(payload: dict) -> list[dict]:
    """The defaults' goals (issue 5), each with its margin; > 0 means met with room."""
    results = {(r["dataset"], r["model"], r["encoder"]): r["value"] for r in payload["results"]}
    out = []
    for ds_name, ds_info in payload["datasets"].items():
        sign = 1.0 if ds_info["metric"] == "roc_auc" else -1.0
        for model in MODELS:
            ee, te = results.get((ds_name, model, "ee")), results.get((ds_name, model, "target"))
            if ee is None or te is None:
                continue
            diff = sign * (ee - te)
            out.append({"goal": f"{ds_name}: EE + {model} >= TargetEncoder + {model}",
                        "margin": diff, "met": diff >= -TIE_TOLERANCE})  # fmt: skip
        ee, oh = results.get((ds_name, "knn", "ee")), results.get((ds_name, "knn", "onehot"))
        if ee is not None and oh is not None:
            diff = sign * (ee - oh)
            out.append({"goal": f"{ds_name}: EE + knn > one-hot + knn", "margin": diff,
                        "met": diff > TIE_TOLERANCE})  # fmt: skip
    fit = payload["encoders"].get("adult", {}).get("ee", {}).get("fit_transform_s")
    if fit is not None:
        out.append({"goal": "adult: EE fit < 30 s on 2 CPU cores", "margin": 30.0 - fit,
                    "met": fit < 30.0, "seconds": fit})  # fmt: skip
    return out


def render_markdown(payload: dict) -> str:
    lines = [
        f"# Quality benchmark{' (--quick smoke run)' if payload['quick'] else ''}",
        "",
        machine_summary(payload["machine"]),
        "",
        *([busy_warning(payload["machine"]), ""] if busy_warning(payload["machine"]) else []),
        "Metric on the test split: ROC AUC for adult (higher is better), RMSE for "
        "movielens (lower is better). Each encoder is fitted on the training split "
        "(`fit_transform`; TargetEncoder cross-fits there), continuous columns "
        "standardized. The last column compares EntityEmbedding with the best of "
        f"one-hot and target encoding for the same model (|difference| <= "
        f"{payload['config']['tie_tolerance']} is a tie). LightGBM is one model on the "
        "raw columns with native categorical support (no encoder, same value on every "
        "row of a dataset).",
        "",
    ]
    headers = ["Dataset", "Model", "Metric"] + [ENCODER_LABELS[e] for e in ENCODERS]
    headers += ["LightGBM native", "EE vs best(one-hot, target)"]
    rows = []
    results = {(r["dataset"], r["model"], r["encoder"]): r for r in payload["results"]}
    comparison = {(c["dataset"], c["model"]): c for c in payload["comparison"]}
    skip_notes = []
    for ds_name, ds_info in payload["datasets"].items():
        metric = "ROC AUC ↑" if ds_info["metric"] == "roc_auc" else "RMSE ↓"
        lgb_value = payload["lightgbm"].get(ds_name, {}).get("value")
        for model in MODELS:
            if not any((ds_name, model, e) in results for e in ENCODERS):
                continue
            label = MODEL_LABELS[ds_info["task"]][model]
            cells = [ds_name, label, metric]
            for enc in ENCODERS:
                r = results.get((ds_name, model, enc))
                if r is None:
                    cells.append("—")
                elif r["value"] is not None:
                    cells.append(f"{r['value']:.4f}")
                else:
                    status = r["status"]
                    skip_notes.append(f"{ds_name} / {label} / {ENCODER_LABELS[enc]}: {status}")
                    cells.append(status.split(" (")[0] + f" [{len(skip_notes)}]")
            cells.append(f"{lgb_value:.4f}" if lgb_value is not None else "—")
            c = comparison.get((ds_name, model))
            if c is None or c["verdict"] == "n/a":
                cells.append("n/a")
            else:
                other = ENCODER_LABELS[c["best_other_name"]]
                sign = "+" if c["diff"] >= 0 else "−"
                word = "**loses**" if c["verdict"] == "loses" else c["verdict"]
                cells.append(f"{word} ({sign}{abs(c['diff']):.4f} vs {other})")
            rows.append(cells)
    lines.append(markdown_table(headers, rows, ["l", "l", "l"] + ["r"] * 5 + ["l"]))
    if skip_notes:
        lines += [""] + [f"[{i}] {note}" for i, note in enumerate(skip_notes, 1)]
    lines += ["", "Encoder cost (training split, seconds of wall clock):", ""]
    headers = ["Dataset", "Encoder", "fit_transform", "transform (test)", "Output columns"]
    rows = []
    for ds_name, encs in payload["encoders"].items():
        for enc, e in encs.items():
            if "error" in e:
                rows.append([ds_name, ENCODER_LABELS[enc], e["error"], "", ""])
                continue
            width = f"{e['n_features_out']}{' (sparse)' if e['sparse'] else ''}"
            if enc == "ee":
                width += f"; {e['n_iter']} epochs"
            rows.append(
                [
                    ds_name,
                    ENCODER_LABELS[enc],
                    fmt_seconds(e["fit_transform_s"]),
                    fmt_seconds(e["transform_test_s"]),
                    width,
                ]
            )
        lgb_res = payload["lightgbm"].get(ds_name)
        if lgb_res and lgb_res.get("value") is not None:
            rows.append([ds_name, "LightGBM (model fit)", fmt_seconds(lgb_res["fit_s"]), "", ""])
    lines.append(markdown_table(headers, rows, ["l", "l", "r", "r", "l"]))
    for ds_name, ds_info in payload["datasets"].items():
        for note in ds_info["notes"]:
            lines.append(f"\nNote ({ds_name}): {note}.")
    if payload.get("goals"):
        lines += ["", "## The defaults' goals", "",
                  f"Met when the margin is >= -{TIE_TOLERANCE} (a tie counts) for the "
                  "TargetEncoder comparisons, > +0.002 for k-NN against one-hot; margins are "
                  "in the metric's units, positive when EE is better.", ""]  # fmt: skip
        rows = []
        for g in payload["goals"]:
            margin = f"{g['margin']:+.1f} s" if "seconds" in g else f"{g['margin']:+.4f}"
            rows.append([g["goal"], margin, "met" if g["met"] else "**not met**"])
        lines.append(markdown_table(["goal", "margin", ""], rows, ["l", "r", "l"]))
    if payload.get("leakage"):
        from leakage import render_sections

        lines += ["", "## Leakage: in-sample against out-of-fold embeddings", ""]
        lines += render_sections(payload["leakage"], level="###")
    lines.append(f"\nTotal run time: {fmt_seconds(payload['total_seconds'])}.")
    return "\n".join(lines) + "\n"


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--quick",
        action="store_true",
        help="smoke run: 10k adult / 20k movielens rows, 20 trees, EE max_iter=10; "
        "writes results/quality_quick.{json,md}",
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=DEFAULT_DATA_DIR,
        help=f"folder with adult.parquet and movielens100k.parquet (default {DEFAULT_DATA_DIR})",
    )
    parser.add_argument("--datasets", nargs="+", choices=list(LOADERS), default=list(LOADERS))
    parser.add_argument("--encoders", nargs="+", choices=ENCODERS, default=ENCODERS)
    parser.add_argument("--models", nargs="+", choices=MODELS, default=MODELS)
    parser.add_argument("--no-lightgbm", action="store_true", help="skip the LightGBM peer")
    parser.add_argument(
        "--no-leakage",
        action="store_true",
        help="skip the leakage comparison (benchmarks/leakage.py, about 15 min)",
    )
    parser.add_argument(
        "--rf-budget",
        type=float,
        default=RF_BUDGET_S,
        help="skip a random forest whose estimated fit time (from a 2-tree probe) exceeds "
        f"this many seconds (default {RF_BUDGET_S:.0f})",
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=None,
        help="limit torch, BLAS and OpenMP (HistGradientBoosting, k-NN, LightGBM) to this "
        "many threads; 1 avoids 10-100x slow-downs when other work shares the cores "
        "(default: the libraries' own defaults, one thread per core). The random "
        "forests keep n_jobs=-1.",
    )
    parser.add_argument("--output", type=Path, default=None, help="JSON path (default results/)")
    args = parser.parse_args(argv)
    args.data_dir = args.data_dir.resolve()
    for name in args.datasets:
        file = {"adult": "adult.parquet", "movielens": "movielens100k.parquet"}[name]
        if not (args.data_dir / file).exists():
            parser.error(f"{args.data_dir / file} not found; pass --data-dir")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    payload = run(args)
    write_results("quality", args.quick, args.output, payload, render_markdown(payload))
    return 0


if __name__ == "__main__":
    sys.exit(main())
