"""One fit of the encoder with a width rule, and the downstream scores of its output."""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from .rules import (
    NO_CAP,
)


class _Probe(Exception):
    pass


def kept_category_counts(data: dict, encoder_params: dict) -> list[int]:
    """Numbers of kept categories the encoder will hand the rule, per column.

    ``fit`` is started with a callable that records its argument and raises on the last
    column, so no network is trained.
    """
    from skembed import EntityEmbeddingEncoder

    seen: list[int] = []
    n_columns = len(data["categorical"])

    def probe(n: int) -> int:
        seen.append(int(n))
        if len(seen) == n_columns:
            raise _Probe
        return 1

    encoder = EntityEmbeddingEncoder(**{**encoder_params, "embedding_dim": probe})
    try:
        encoder.fit(data["X_fit"], data["y_fit"])
    except _Probe:
        return seen
    raise RuntimeError("the embedding_dim callable was not called once per column")


def downstream_models(task: str, max_iter: int | None):
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
    from sklearn.linear_model import LogisticRegression, Ridge

    hgb_kwargs = {"random_state": 0}
    if max_iter is not None:
        hgb_kwargs["max_iter"] = max_iter
    if task == "binary":
        return {
            "linear": ("LogisticRegression", LogisticRegression(max_iter=1000)),
            "hgb": (
                "HistGradientBoostingClassifier",
                HistGradientBoostingClassifier(**hgb_kwargs),
            ),
        }
    return {
        "linear": ("Ridge", Ridge()),
        "hgb": ("HistGradientBoostingRegressor", HistGradientBoostingRegressor(**hgb_kwargs)),
    }


def score(data: dict, model, Z_val: np.ndarray) -> float:
    from sklearn.metrics import roc_auc_score, root_mean_squared_error

    if data["metric"] == "roc_auc":
        return float(roc_auc_score(data["y_val"], model.predict_proba(Z_val)[:, 1]))
    return float(root_mean_squared_error(data["y_val"], model.predict(Z_val)))


def run_one_fit(data: dict, rule: Callable[[int], int], seed: int, args) -> dict:
    from sklearn.base import clone

    from skembed import EntityEmbeddingEncoder

    params = encoder_params(data, args)
    encoder = EntityEmbeddingEncoder(**params, embedding_dim=rule, random_state=seed)
    start = time.perf_counter()
    encoder.fit(data["X_fit"], data["y_fit"])
    fit_time = time.perf_counter() - start
    Z_fit = encoder.transform(data["X_fit"])
    Z_val = encoder.transform(data["X_val"])
    record = {
        "embedding_dims": [int(d) for d in encoder.embedding_dims_],
        "output_width": int(Z_fit.shape[1]),
        "fit_time_s": fit_time,
        "n_iter": int(encoder.n_iter_),
        "best_iter": int(encoder.best_iter_),
        "scores": {},
        "model_time_s": {},
    }
    for key, (_, model) in downstream_models(data["task"], args.hgb_max_iter).items():
        model = clone(model)
        start = time.perf_counter()
        model.fit(Z_fit, data["y_fit"])
        record["scores"][key] = score(data, model, Z_val)
        record["model_time_s"][key] = time.perf_counter() - start
    return record


def warm_up(data: dict, args) -> None:
    """One tiny fit, so that importing torch is not charged to the first timed fit."""
    from skembed import EntityEmbeddingEncoder

    params = {**encoder_params(data, args), "max_iter": 1, "random_state": 0}
    EntityEmbeddingEncoder(**params).fit(data["X_fit"].iloc[:512], data["y_fit"][:512])


def encoder_params(data: dict, args) -> dict:
    params = {
        "categorical_features": data["categorical"],
        "max_embedding_dim": NO_CAP,
        "device": "cpu",
    }
    if data["task"] == "continuous":
        params["target_type"] = "continuous"
    if args.max_iter is not None:
        params["max_iter"] = args.max_iter
    return params
