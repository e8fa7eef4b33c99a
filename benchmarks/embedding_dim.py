"""Which rule should ``embedding_dim="auto"`` use?  Compare embedding-width rules.

Protocol (fixed in advance; no test split is ever read)
-------------------------------------------------------
Datasets (``../shared/datasets`` next to the repository root, or ``--data-dir``):

- **adult**: binary target ``income == ">50K"``. Categorical: workclass, education,
  marital-status, occupation, relationship, race, gender, native-country. Continuous:
  age, fnlwgt, educational-num, capital-gain, capital-loss, hours-per-week. A random
  80/20 split (``random_state=0``) sets the test 20 % aside, untouched; the 80 % training
  part is split again 75/25 (``random_state=1``) into *fit* and *validation*.
- **movielens**: regression on ``rating`` (``target_type="continuous"``). Categorical:
  user_id, movie_id, gender, occupation, zip_code (all cast to str). Continuous: age.
  Rows sorted by timestamp; the first 80 % are training (the last 20 % are the test part,
  untouched); within training the first 75 % are *fit*, the last 25 % *validation*.

Rules, each passed as a callable ``embedding_dim=f(n_categories)`` with
``max_embedding_dim=10_000`` so the encoder's cap never interferes (``n`` is the number
of categories the encoder keeps, after ``min_frequency=5``):

==============  =======================================  =================================
name            width                                    origin
==============  =======================================  =================================
lab             ``max(3, round(n ** 0.25))``             seed lab rule (4th root)
log2            ``max(2, ceil(log2(n)) + 1)``            logarithmic rule
fixed8          ``8``                                    constant
fixed16         ``16``                                   constant
half50          ``min(50, (n + 1) // 2)``                Guo & Berkhahn / Kaggle rule
fastai50        ``min(50, max(2, round(1.6 n^0.56)))``   "auto" until tuned (cap 50)
fastai600       ``min(600, round(1.6 n^0.56))``          fastai as published (cap 600)
==============  =======================================  =================================

For every rule, dataset and seed (``random_state`` 0 and 1) the encoder is fitted on the
*fit* part with default parameters otherwise, and two downstream models are trained on
its transformed fit part and scored on the transformed *validation* part:

- adult: ``LogisticRegression(max_iter=1000)`` and
  ``HistGradientBoostingClassifier(random_state=0)``, ROC AUC (higher is better);
- movielens: ``Ridge()`` and ``HistGradientBoostingRegressor(random_state=0)``, RMSE
  (lower is better).

Recorded: the scores, the output width of ``transform``, the encoder's fit time (wall
clock, ``--threads`` torch / BLAS / OpenMP threads, 1 by default so that timings are not
distorted by over-subscription on a shared machine) and the epochs run.

Two rules that give the same widths on a dataset give bitwise identical fits (CPU fits
with an int ``random_state`` are deterministic), so that fit is run once and shared; the
widths are read beforehand by a probe that stops ``fit`` as soon as the rule is called.

Recommendation: in each of the four (dataset, model) cells the rules are ranked by their
mean score over the seeds, and the *noise* of the cell is the pooled standard deviation
of the score across seeds. A rule is *within noise* of the best in a cell when its gap to
the best mean is at most that noise. The recommended rule is, among the rules within noise
of the best in every cell, the one with the smallest total output width (then the fastest
fit); if no rule is within noise everywhere, the best mean rank wins (ties: narrower).
As a diagnostic only, the mean over cells of (gap to the best) / (cell noise) is reported
too. Caveats: two seeds give a crude noise estimate, and it covers the encoder's
randomness only (the splits and the boosting seed are fixed).

Usage::

    python benchmarks/embedding_dim.py                # full protocol, ~10 min on 1 core
    python benchmarks/embedding_dim.py --quick        # smoke test, to a temporary folder
    python benchmarks/embedding_dim.py --report-only  # re-render from embedding_dim.json

Writes ``benchmarks/results/embedding_dim.json`` and ``embedding_dim.md``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from skembed.datasets import ADULT_CATEGORICAL, ADULT_CONTINUOUS

HERE = Path(__file__).resolve().parent
DEFAULT_DATA_DIR = HERE.parent.parent / "shared" / "datasets"
DEFAULT_OUTPUT_DIR = HERE / "results"
NO_CAP = 10_000  # max_embedding_dim large enough never to cut a rule


# ----------------------------------------------------------------------------- rules


def lab_rule(n: int) -> int:
    return max(3, round(n**0.25))


def log2_rule(n: int) -> int:
    return max(2, math.ceil(math.log2(max(n, 1))) + 1)


def fixed8_rule(n: int) -> int:
    return 8


def fixed16_rule(n: int) -> int:
    return 16


def half50_rule(n: int) -> int:
    return max(1, min(50, (n + 1) // 2))


def fastai50_rule(n: int) -> int:
    return min(50, max(2, round(1.6 * max(n, 1) ** 0.56)))


def fastai600_rule(n: int) -> int:
    return max(1, min(600, round(1.6 * max(n, 1) ** 0.56)))


RULES: dict[str, tuple[Callable[[int], int], str]] = {
    "lab": (lab_rule, "max(3, round(n**0.25))"),
    "log2": (log2_rule, "max(2, ceil(log2(n)) + 1)"),
    "fixed8": (fixed8_rule, "8"),
    "fixed16": (fixed16_rule, "16"),
    "half50": (half50_rule, "min(50, (n + 1) // 2)"),
    "fastai50": (fastai50_rule, "min(50, round(1.6 * n**0.56))  ['auto' when this study ran]"),
    "fastai600": (fastai600_rule, "min(600, round(1.6 * n**0.56))"),
}
CURRENT_RULE = "fastai50"


# -------------------------------------------------------------------------- datasets


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


# ------------------------------------------------------------------------- protocol


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


# ------------------------------------------------------------------------- analysis


def aggregate(runs: list[dict], datasets: list[dict], rules: list[str]) -> dict:
    """Mean / std over seeds per (rule, dataset, model) and per (rule, dataset)."""
    table: dict = {}
    for data in datasets:
        name = data["name"]
        table[name] = {}
        for rule in rules:
            rows = [r for r in runs if r["dataset"] == name and r["rule"] == rule]
            entry = {
                "embedding_dims": rows[0]["embedding_dims"],
                "output_width": rows[0]["output_width"],
                "fit_time_s": float(np.mean([r["fit_time_s"] for r in rows])),
                "n_iter": float(np.mean([r["n_iter"] for r in rows])),
                "scores": {},
            }
            for model in rows[0]["scores"]:
                values = np.array([r["scores"][model] for r in rows])
                entry["scores"][model] = {
                    "mean": float(values.mean()),
                    "std": float(values.std(ddof=1)) if len(values) > 1 else float("nan"),
                    "values": values.tolist(),
                }
            table[name][rule] = entry
    return table


def recommend(table: dict, datasets: list[dict], rules: list[str]) -> dict:
    cells = []
    mean_rank = dict.fromkeys(rules, 0.0)
    std_gap = dict.fromkeys(rules, 0.0)
    within_everywhere = set(rules)
    for data in datasets:
        name, sign = data["name"], (1.0 if data["higher_is_better"] else -1.0)
        for model in table[name][rules[0]]["scores"]:
            means = {r: table[name][r]["scores"][model]["mean"] for r in rules}
            stds = [table[name][r]["scores"][model]["std"] for r in rules]
            stds = [float(v) if _finite(v) else np.nan for v in stds]
            noise = float(np.sqrt(np.nanmean(np.square(stds)))) if any(np.isfinite(stds)) else 0.0
            best = max(rules, key=lambda r: sign * means[r])
            order = sorted(rules, key=lambda r: -sign * means[r])
            ranks = _average_ranks([sign * means[r] for r in order])
            within = [r for r in rules if sign * (means[best] - means[r]) <= noise]
            for r, rank in zip(order, ranks):
                mean_rank[r] += rank
            within_everywhere &= set(within)
            for r in rules:
                gap = sign * (means[best] - means[r])
                std_gap[r] += gap / noise if noise > 0 else (0.0 if gap == 0 else np.nan)
            cells.append(
                {
                    "dataset": name,
                    "model": model,
                    "metric": data["metric"],
                    "best": best,
                    "best_mean": means[best],
                    "noise": noise,
                    "ranking": order,
                    "within_noise_of_best": within,
                    "gap_to_best": {r: sign * (means[best] - means[r]) + 0.0 for r in rules},
                }
            )
    n_cells = len(cells)
    mean_rank = {r: v / n_cells for r, v in mean_rank.items()}
    std_gap = {r: v / n_cells for r, v in std_gap.items()}
    total_width = {r: sum(table[d["name"]][r]["output_width"] for d in datasets) for r in rules}
    total_time = {r: sum(table[d["name"]][r]["fit_time_s"] for d in datasets) for r in rules}
    best_rank_rule = min(rules, key=lambda r: (mean_rank[r], total_width[r]))
    if within_everywhere:
        chosen = min(within_everywhere, key=lambda r: (total_width[r], total_time[r]))
        why = (
            f"{chosen!r} is within seed noise of the best rule in all {n_cells} "
            "(dataset, model) cells and is the narrowest such rule "
            f"(total output width {total_width[chosen]}, "
            f"{', '.join(sorted(within_everywhere))} qualify)."
        )
    else:
        chosen = best_rank_rule
        why = (
            "No rule is within seed noise of the best in every cell, so the rule with the "
            f"best mean rank wins (ties broken by total output width): {chosen!r} "
            f"(mean rank {mean_rank[chosen]:.2f})."
        )
    return {
        "recommended": chosen,
        "reason": why,
        "best_mean_rank": best_rank_rule,
        "mean_rank": mean_rank,
        "mean_gap_over_noise": std_gap,
        "total_output_width": total_width,
        "total_fit_time_s": total_time,
        "within_noise_everywhere": sorted(within_everywhere),
        "cells": cells,
        "current_rule": CURRENT_RULE,
    }


def _average_ranks(values_desc: list[float]) -> list[float]:
    """Ranks (1 = best) of values sorted in decreasing order, ties share the mean rank."""
    ranks, i = [0.0] * len(values_desc), 0
    while i < len(values_desc):
        j = i
        while j + 1 < len(values_desc) and values_desc[j + 1] == values_desc[i]:
            j += 1
        for k in range(i, j + 1):
            ranks[k] = (i + j) / 2 + 1
        i = j + 1
    return ranks


# --------------------------------------------------------------------------- output


MODEL_LABEL = {"linear": "linear", "hgb": "HGB"}


def markdown(result: dict) -> str:
    table, rec, meta = result["table"], result["recommendation"], result["meta"]
    rules, datasets = meta["rules"], meta["datasets"]
    lines = [
        "# Embedding-dimension rules",
        "",
        f"Generated by `benchmarks/embedding_dim.py` on {meta['date']} "
        f"({meta['platform']}, Python {meta['python']}, torch {meta['torch']}, "
        f"scikit-learn {meta['sklearn']}, {meta['threads']} thread(s)"
        + (f", skembed at git {meta['git']}" if meta.get("git") else "")
        + "). "
        f"Seeds: {meta['seeds']}; encoder max_iter: {meta['encoder_max_iter'] or 'default'}; "
        f"total runtime {meta['runtime_s'] / 60:.1f} min.",
        "",
        "Validation scores (mean over seeds, ± std across seeds): adult ROC AUC "
        "(higher is better), movielens RMSE (lower is better). *width* is the output "
        "width of `transform` (embeddings + continuous columns), *fit s* the encoder's "
        "mean fit time, *epochs* the mean epochs run. Scores are on the validation part "
        "of the training data; the test parts are never read.",
        "",
        "| rule | width rule | adult linear AUC | adult HGB AUC | adult width | adult fit s "
        "| adult epochs | ml linear RMSE | ml HGB RMSE | ml width | ml fit s | ml epochs "
        "| mean rank | mean gap / noise |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for rule in rules:
        cells = [f"`{rule}`", f"`{meta['rule_formulas'][rule]}`"]
        for name in datasets:
            entry = table[name][rule]
            for model in ("linear", "hgb"):
                s = entry["scores"][model]
                std = "" if not _finite(s["std"]) else f" ± {s['std']:.4f}"
                cells.append(f"{s['mean']:.4f}{std}")
            cells += [
                str(entry["output_width"]),
                f"{entry['fit_time_s']:.1f}",
                f"{entry['n_iter']:.1f}",
            ]
        cells.append(f"{rec['mean_rank'][rule]:.2f}")
        gap = rec["mean_gap_over_noise"][rule]
        cells.append(f"{gap:.2f}" if _finite(gap) else "n/a")
        lines.append("| " + " | ".join(cells) + " |")
    lines += ["", "Embedding widths per column (in the order of the categorical columns):", ""]
    for name in datasets:
        counts = ", ".join(
            f"{c}={n}" for c, n in zip(meta["categorical"][name], meta["n_categories"][name])
        )
        lines.append(f"- **{name}** kept categories: {counts}")
        for rule in rules:
            lines.append(f"  - `{rule}`: {table[name][rule]['embedding_dims']}")
    lines += ["", "Per cell (gap to the best mean, in metric units; noise = pooled seed std):", ""]
    for cell in rec["cells"]:
        gaps = ", ".join(f"{r} {cell['gap_to_best'][r]:+.4f}" for r in cell["ranking"])
        lines.append(
            f"- {cell['dataset']} / {MODEL_LABEL[cell['model']]} ({cell['metric']}): best "
            f"`{cell['best']}` {cell['best_mean']:.4f}, noise {cell['noise']:.4f}; "
            f"within noise: {', '.join(cell['within_noise_of_best'])}. Gaps: {gaps}"
        )
    lines += ["", "## Recommendation", "", rec["text"], ""]
    return "\n".join(lines)


def recommendation_text(rec: dict, table: dict, datasets: list[str]) -> str:
    chosen, current = rec["recommended"], rec["current_rule"]
    parts = [f"Recommended default rule: `{chosen}`. {rec['reason']}"]
    parts.append(
        f"Best mean rank: `{rec['best_mean_rank']}` "
        f"({rec['mean_rank'][rec['best_mean_rank']]:.2f}); "
        f"`{chosen}` mean rank {rec['mean_rank'][chosen]:.2f}; current `{current}` mean rank "
        f"{rec['mean_rank'][current]:.2f}."
    )
    gaps = sorted(rec["mean_gap_over_noise"].items(), key=lambda item: item[1])
    parts.append(
        "Diagnostic only (not used for the choice), mean gap to the best in units of the "
        "cell's seed noise: "
        + ", ".join(f"{r} {g:.2f}" if _finite(g) else f"{r} n/a" for r, g in gaps)
        + "."
    )
    for rule in dict.fromkeys([chosen, current]):
        widths = ", ".join(f"{d} {table[d][rule]['output_width']}" for d in datasets)
        times = ", ".join(f"{d} {table[d][rule]['fit_time_s']:.1f}s" for d in datasets)
        parts.append(f"`{rule}`: output width {widths}; fit time {times}.")
    if chosen == current:
        parts.append("The current default stays.")
    return " ".join(parts)


def _finite(value) -> bool:
    return value is not None and math.isfinite(value)


def _jsonable(value):
    """Non-finite floats become null (strict JSON)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value


def git_state() -> str | None:
    """Commit of the checkout, with "+dirty" when skembed/ has uncommitted changes."""
    import subprocess

    def git(*cmd: str) -> str:
        return subprocess.run(
            ["git", *cmd], cwd=HERE.parent, capture_output=True, text=True, check=True
        ).stdout.strip()

    try:
        commit = git("rev-parse", "--short", "HEAD")
        dirty = git("status", "--porcelain", "--", "skembed")
    except (OSError, subprocess.CalledProcessError):
        return None
    return commit + ("+dirty" if dirty else "")


def write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


# ----------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    parser.add_argument(
        "--output-dir",
        type=Path,
        default=None,
        help="default: benchmarks/results (a temporary folder with --quick)",
    )
    parser.add_argument(
        "--report-only",
        action="store_true",
        help="re-render the markdown and recommendation from an existing embedding_dim.json",
    )
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    parser.add_argument("--rules", nargs="+", choices=list(RULES), default=list(RULES))
    parser.add_argument(
        "--datasets", nargs="+", choices=["adult", "movielens"], default=["adult", "movielens"]
    )
    parser.add_argument(
        "--max-iter",
        type=int,
        default=None,
        help="cap on the encoder's epochs (default: the encoder's default)",
    )
    parser.add_argument(
        "--hgb-max-iter",
        type=int,
        default=None,
        help="cap on the boosting iterations (default: sklearn's default)",
    )
    parser.add_argument(
        "--threads", type=int, default=1, help="torch / BLAS / OpenMP threads (default 1)"
    )
    parser.add_argument(
        "--quick", action="store_true", help="smoke test: 3000 fit rows, 2 epochs, 1 seed, 2 rules"
    )
    args = parser.parse_args(argv)

    if not args.data_dir.is_dir():
        print(f"data directory {args.data_dir} not found; pass --data-dir", file=sys.stderr)
        return 2
    if args.quick:
        args.seeds, args.max_iter, args.hgb_max_iter = args.seeds[:1], 2, 20
        if args.rules == list(RULES):
            args.rules = ["lab", "fastai50"]
    if args.output_dir is None:
        args.output_dir = (
            Path(tempfile.gettempdir()) / "skembed-embedding-dim-quick"
            if args.quick
            else DEFAULT_OUTPUT_DIR
        )
    if args.report_only:
        result = json.loads((args.output_dir / "embedding_dim.json").read_text())
        return finish(result, args.output_dir)

    import sklearn
    import torch
    from threadpoolctl import threadpool_limits

    torch.set_num_threads(args.threads)
    loaders = {"adult": load_adult, "movielens": load_movielens}
    datasets = [loaders[name](args.data_dir) for name in args.datasets]
    if args.quick:
        datasets = [shrink(d, 3000, 1000) for d in datasets]

    started = time.perf_counter()
    runs: list[dict] = []
    n_categories: dict[str, list[int]] = {}
    with threadpool_limits(limits=args.threads):
        warm_up(datasets[0], args)
        for data in datasets:
            counts = kept_category_counts(data, encoder_params(data, args))
            n_categories[data["name"]] = counts
            print(
                f"[{data['name']}] fit {len(data['y_fit'])} rows, validation "
                f"{len(data['y_val'])} rows; kept categories {counts}",
                flush=True,
            )
            for seed in args.seeds:
                cache: dict[tuple[int, ...], tuple[str, dict]] = {}
                for rule in args.rules:
                    fn = RULES[rule][0]
                    dims = tuple(min(fn(n), NO_CAP) for n in counts)
                    if dims in cache:
                        source, record = cache[dims]
                        record = {**record, "shared_fit_with": source}
                        note = f"same widths as {source}, fit shared"
                    else:
                        record = run_one_fit(data, fn, seed, args)
                        if tuple(record["embedding_dims"]) != dims:
                            raise RuntimeError(
                                f"probe predicted {dims}, fit used {record['embedding_dims']}"
                            )
                        cache[dims] = (rule, record)
                        note = f"fit {record['fit_time_s']:.1f}s, {record['n_iter']} epochs"
                    runs.append({"dataset": data["name"], "rule": rule, "seed": seed, **record})
                    scores = ", ".join(f"{k} {v:.4f}" for k, v in record["scores"].items())
                    print(
                        f"  [{time.perf_counter() - started:6.0f}s] seed {seed} {rule:>9}: "
                        f"width {record['output_width']:>4}, {scores} ({note})",
                        flush=True,
                    )
    runtime = time.perf_counter() - started

    names = [d["name"] for d in datasets]
    result = {
        "meta": {
            "date": time.strftime("%Y-%m-%d"),
            "platform": f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs",
            "python": platform.python_version(),
            "torch": torch.__version__,
            "sklearn": sklearn.__version__,
            "threads": args.threads,
            "git": git_state(),
            "seeds": args.seeds,
            "encoder_max_iter": args.max_iter,
            "hgb_max_iter": args.hgb_max_iter,
            "quick": args.quick,
            "runtime_s": runtime,
            "rules": args.rules,
            "rule_formulas": {r: RULES[r][1] for r in args.rules},
            "datasets": names,
            "categorical": {d["name"]: d["categorical"] for d in datasets},
            "n_categories": n_categories,
            "n_fit": {d["name"]: len(d["y_fit"]) for d in datasets},
            "n_validation": {d["name"]: len(d["y_val"]) for d in datasets},
            "downstream": {
                d["name"]: {k: v[0] for k, v in downstream_models(d["task"], None).items()}
                for d in datasets
            },
            "protocol": __doc__,
        },
        "runs": runs,
        "table": aggregate(runs, datasets, args.rules),
    }
    return finish(result, args.output_dir)


def finish(result: dict, output_dir: Path) -> int:
    """Rank the rules, write the JSON and the markdown, print the report."""
    meta, table = result["meta"], result["table"]
    datasets = [
        {
            "name": name,
            "metric": DATASET_METRICS[name][0],
            "higher_is_better": DATASET_METRICS[name][1],
        }
        for name in meta["datasets"]
    ]
    rec = recommend(table, datasets, meta["rules"])
    rec["text"] = recommendation_text(rec, table, meta["datasets"])
    result["recommendation"] = rec
    output_dir.mkdir(parents=True, exist_ok=True)
    write_atomic(
        output_dir / "embedding_dim.json",
        json.dumps(_jsonable(result), indent=2, allow_nan=False) + "\n",
    )
    write_atomic(output_dir / "embedding_dim.md", markdown(result))
    print()
    print(markdown(result))
    print(f"total runtime {meta['runtime_s'] / 60:.1f} min; results in {output_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
