"""The downstream models, their inputs and scores, and the LightGBM peer."""

from __future__ import annotations

import pandas as pd
import scipy.sparse as sp
from joblib import effective_n_jobs
from sklearn.ensemble import (
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
    RandomForestClassifier,
    RandomForestRegressor,
)
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.metrics import roc_auc_score, root_mean_squared_error
from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor

from .._common import Timer
from .datasets import Dataset
from .settings import MAX_DENSE_BYTES


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
