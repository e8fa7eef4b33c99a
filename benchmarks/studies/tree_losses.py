"""Why forests and boosting still lose to target encoding on some tables: the gap, taken apart.

On the validation splits, the suite's tree cells that lose by more than 1 % (forests and
gradient boosting on ``college_scorecard``, ``tuna_choice``, ``resume_callback``,
``hotel_rates``, ``bundesliga``, ``bird_strikes``, ``mpls_stops``) are scored again with the
default encoder's output changed in one respect at a time, after the fit (the encoder is
fitted once per table and seed, as the suite fits it in its ``ColumnTransformer`` mode):

- ``EE``: the output as it is;
- ``in-sample rows``: the training rows encoded by the fitted tables (``transform``), not
  out of fold (what ``fit_transform`` gives them);
- ``spread``: each table of two or more coordinates turned once more (a reflection, so
  orthogonal: linear models and k-NN see the same geometry) so that its main-effect axis,
  the first coordinate, is shared equally by all its coordinates;
- ``spread, in-sample rows``: both;
- ``first coordinates``: only the first coordinate of each table (the main-effect axis);
- ``forest on all features``: the forest drawing every feature at each split
  (``max_features=1.0``) instead of the suite's ``"sqrt"``, on the output as it is; ``TE,
  forest on all features``: the same forest on the target-encoded columns.

Each value is the gain in % against the best of one-hot, ordinal and target encoding with
the same model (the suite's validation runs of those encoders, as ``benchmarks.paired``
reads them), averaged over seeds 0, 1, 2; the last two rows compare the forests on all
features with each other. The test rows are never read.

Usage::

    python -m benchmarks.studies.tree_losses   # ~8 min on 2 cores; writes
                                               # results/tree_losses.{json,md}
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .. import suite
from .._common import machine_summary, markdown_table, study_main
from ..lodo import signed_gain
from ..paired import CLASSIC, gains, load_cells

TABLES = (
    "college_scorecard", "tuna_choice", "resume_callback", "hotel_rates", "bundesliga",
    "bird_strikes", "mpls_stops",
)  # fmt: skip
SEEDS = (0, 1, 2)
MODELS = ("rf", "hgb")
VALIDATION = Path(__file__).resolve().parents[1] / "results" / "validation"
CLASSIC_RUNS = ("s6_classic.json", "s8_classic_seeds12.json")  # seeds 0, 1, 2
VARIANTS = (
    "EE", "in-sample rows", "spread", "spread, in-sample rows", "first coordinates",
)  # fmt: skip


def spread_basis(dim: int) -> np.ndarray:
    """The reflection that maps the first axis onto the diagonal ``(1, ..., 1) / sqrt(dim)``."""
    diagonal = np.full(dim, 1.0 / np.sqrt(dim))
    v = np.eye(dim)[0] - diagonal
    return np.eye(dim) - 2.0 * np.outer(v, v) / (v @ v)


def blocks(widths: list[int]) -> list[slice]:
    starts = np.cumsum([0] + list(widths))
    return [slice(int(a), int(b)) for a, b in zip(starts[:-1], starts[1:])]


def spread(Z: np.ndarray, widths: list[int]) -> np.ndarray:
    out = Z.copy()
    for block, width in zip(blocks(widths), widths):
        if width > 1:
            out[:, block] = Z[:, block] @ spread_basis(width)
    return out


def first_coordinates(Z: np.ndarray, widths: list[int]) -> np.ndarray:
    """Each table's first coordinate, then the columns after the tables (continuous)."""
    keep = [b.start for b in blocks(widths)] + list(range(sum(widths), Z.shape[1]))
    return Z[:, keep]


def forest_on_all_features(task: str, seed: int):
    model = suite.make_model("rf", task, seed)
    return model.set_params(max_features=1.0)


def score_model(model, task, split, A, B) -> float:
    model.fit(A, split.y_train)
    return suite.score(task, model, B, split.y_test)


def one_table(frame, seed: int) -> list[dict]:
    """Rows ``{dataset, seed, model, variant, value}`` for one table and seed."""
    split = suite.make_split(frame, seed, True)
    encoder = suite.make_encoder("ee", "ct", frame, seed, {"n_jobs": 1})
    Z_out = np.asarray(encoder.fit_transform(split.X_train, split.y_train), np.float64)
    Z_in = np.asarray(encoder.transform(split.X_train), np.float64)  # the fitted tables
    Z_test = np.asarray(encoder.transform(split.X_test), np.float64)
    widths = list(encoder.named_transformers_["cat"].embedding_dims_)
    inputs = {
        "EE": (Z_out, Z_test),
        "in-sample rows": (Z_in, Z_test),
        "spread": (spread(Z_out, widths), spread(Z_test, widths)),
        "spread, in-sample rows": (spread(Z_in, widths), spread(Z_test, widths)),
        "first coordinates": (first_coordinates(Z_out, widths), first_coordinates(Z_test, widths)),
    }  # fmt: skip
    rows = []
    for variant, (A, B) in inputs.items():
        for model in MODELS:
            value = score_model(suite.make_model(model, frame.task, seed), frame.task, split, A, B)
            rows.append({"model": model, "variant": variant, "value": value})
    rows.append({"model": "rf", "variant": "forest on all features",
                 "value": score_model(forest_on_all_features(frame.task, seed), frame.task,
                                      split, Z_out, Z_test)})  # fmt: skip
    target = suite.make_encoder("target", "ct", frame, seed, {})
    T_train = np.asarray(target.fit_transform(split.X_train, split.y_train), np.float64)
    T_test = np.asarray(target.transform(split.X_test), np.float64)
    rows.append({"model": "rf", "variant": "TE, forest on all features",
                 "value": score_model(forest_on_all_features(frame.task, seed), frame.task,
                                      split, T_train, T_test)})  # fmt: skip
    return [{"dataset": frame.name, "seed": seed, **row} for row in rows]


def run(data_dir: Path) -> list[dict]:
    tasks = suite.load_tasks(data_dir)
    records = []
    for name in TABLES:
        frame = suite.load_frame(tasks[name], data_dir)
        for seed in SEEDS:
            records += one_table(frame, seed)
        print(name, flush=True)
    return records


def mean_gains(records: list[dict], classic: dict, metrics: dict) -> dict[tuple, float]:
    """``{(dataset, model, variant): mean gain in %}`` against the best classic encoder."""
    found = {}
    for variant in {r["variant"] for r in records} - {"TE, forest on all features"}:
        cells = {(r["dataset"], r["model"], r["seed"], "ee"): r["value"]
                 for r in records if r["variant"] == variant}  # fmt: skip
        per = gains(classic, metrics, cells)
        for dataset, model in {(d, m) for d, m, _ in per}:
            values = [g for (d, m, _), g in per.items() if (d, m) == (dataset, model)]
            found[(dataset, model, variant)] = float(np.mean(values))
    return found


def forests_compared(records: list[dict], metrics: dict) -> dict[str, float]:
    """Per dataset: the gain (%) of EE over TE, both under the forest on all features."""
    out = {}
    for dataset in TABLES:
        ee = {
            r["seed"]: r["value"]
            for r in records
            if r["dataset"] == dataset and r["variant"] == "forest on all features"
        }
        te = {
            r["seed"]: r["value"]
            for r in records
            if r["dataset"] == dataset and r["variant"] == "TE, forest on all features"
        }
        if ee:
            out[dataset] = float(
                np.mean([signed_gain(ee[s], te[s], metrics[dataset]) for s in ee])
            )
    return out


def render(records: list[dict], info: dict) -> str:
    classic, metrics, _ = load_cells([str(VALIDATION / name) for name in CLASSIC_RUNS],
                                     set(CLASSIC))  # fmt: skip
    found = mean_gains(records, classic, metrics)
    columns = [(d, m) for d in TABLES for m in MODELS]
    header = ["variant"] + [f"{d} {'forest' if m == 'rf' else 'boosting'}" for d, m in columns]
    rows = []
    for variant in (*VARIANTS, "forest on all features"):
        row = [variant]
        for d, m in columns:
            value = found.get((d, m, variant))
            row.append("" if value is None else f"{value:+.1f}")
        rows.append(row)
    table = markdown_table(header, rows, ["l"] + ["r"] * len(columns))
    versus = forests_compared(records, metrics)
    second = markdown_table(
        ["dataset", "EE against TE, both with the forest on all features"],
        [[d, f"{g:+.1f} %"] for d, g in versus.items()], ["l", "r"],
    )  # fmt: skip
    return (
        "# Why the trees lose: the default output changed one respect at a time (validation "
        f"splits)\n\n{machine_summary(info)}\n\nProtocol in `benchmarks/studies/tree_losses.py`"
        " (seeds 0, 1, 2). Each cell: the gain (%) against the best classic encoder with the "
        "same model, averaged over the seeds (negative: EE worse); `forest on all features` "
        "changes the forest, not the encoder (the best classic encoder keeps the suite's "
        "forest).\n\n"
        + table
        + "\n\nThe forest on all features for both encoders:\n\n"
        + second
        + "\n"
    )


def main(argv=None) -> None:
    study_main("tree_losses", __doc__.splitlines()[0], run, render, argv)


if __name__ == "__main__":
    main()
