"""Would target-encoded columns bolted onto the embeddings win? (validation splits)

Issue #16 allows "a target-encoded column bolted onto the output" only if it wins. This
study fits, on every dataset's validation split (seed 0, the suite's ColumnTransformer
mode), the default entity embeddings and scikit-learn's cross-fitted ``TargetEncoder`` on
the same categorical columns, and scores the suite's four models on three outputs:

- the embeddings alone;
- ``append``: the two outputs concatenated (the continuous columns once), what a
  ``ColumnTransformer`` holding both encoders gives;
- ``scaled``: the same, each column's target-encoded columns centred and scaled on the
  training rows so that together they are as spread as its block's first coordinate
  (each of ``k`` classes' columns at ``1/sqrt(k)`` of it), so that they do not swamp
  k-NN's distances.

Each cell is compared with the best classic encoder of the same model (the suite's saved
validation run); a cell counts as "at least as good" within 0.2 % of the best classic
value. The test rows are never read. Seed 0 only: the six- and twelve-seed runs of the
same candidates (``benchmarks/prototypes/target_column.patch``) are in
``results/target_column.md`` and ``results/target_column_12_seeds.md``.

Usage::

    python -m benchmarks.studies.target_columns   # ~6 min on 2 cores; writes
                                                  # results/target_columns.{json,md}
"""

from __future__ import annotations

import json

import numpy as np

from .. import suite
from .._common import (
    RESULTS_DIR,
    machine_summary,
    markdown_table,
    study_main,
)

VALIDATION = RESULTS_DIR / "validation"
TOLERANCE = 0.2  # percent
VARIANTS = ("alone", "append", "scaled")  # the outputs scored, in the report's order


def saved_cells(path, encoders) -> dict:
    """``{(dataset, model): [values]}`` of the given encoders in a saved suite run."""
    cells = {}
    for r in json.loads(path.read_text())["results"]:
        if r["encoder"] in encoders and r["value"] is not None:
            cells.setdefault((r["dataset"], r["model"]), []).append(r["value"])
    return cells


def relative(value: float, reference: float, higher_is_better: bool) -> float:
    """(value - reference) / |reference| in %, positive when ``value`` is better."""
    sign = 1 if higher_is_better else -1
    return sign * (value - reference) / abs(reference) * 100


def scaled(Zt, Zt_test, Ze, dims) -> tuple[np.ndarray, np.ndarray]:
    """Target-encoded columns centred and scaled to each block's first coordinate."""
    starts = np.cumsum([0] + list(dims))[:-1]
    per = Zt.shape[1] // len(starts)  # k columns per categorical column (classes)
    spread = np.repeat(Ze[:, starts].std(axis=0), per) / np.sqrt(per)
    centre, scale = Zt.mean(axis=0), spread / np.maximum(Zt.std(axis=0), 1e-12)
    return (Zt - centre) * scale, (Zt_test - centre) * scale


def run(data_dir) -> list[dict]:
    classic = saved_cells(VALIDATION / "s6_classic.json", ("onehot", "ordinal", "target"))
    tasks = suite.load_tasks(data_dir)
    records = []
    for name in sorted(tasks):
        frame = suite.load_frame(tasks[name], data_dir)
        split = suite.make_split(frame, 0, True)
        Ze, Ze_test, fit = suite.fit_encoder("ee", "ct", frame, split, 0, {"n_jobs": 1})
        Zt, Zt_test, _ = suite.fit_encoder("target", "ct", frame, split, 0, {})
        k = Zt.shape[1] - len(frame.continuous)  # the target-encoded columns come first
        Zt, Zt_test = Zt[:, :k], Zt_test[:, :k]
        St, St_test = scaled(Zt, Zt_test, Ze, fit["embedding_dims"])
        outputs = {
            "alone": (Ze, Ze_test),
            "append": (np.hstack([Ze, Zt]), np.hstack([Ze_test, Zt_test])),
            "scaled": (np.hstack([Ze, St]), np.hstack([Ze_test, St_test])),
        }
        higher = frame.task == "binary"
        for model in suite.MODELS:
            best = (max if higher else min)(classic[(name, model)])
            record = {"dataset": name, "model": model, "best_classic": best}
            for variant in VARIANTS:
                Z, Z_test = outputs[variant]
                value = suite.run_model(model, frame.task, 0, Z, Z_test, split)["value"]
                record[variant] = relative(value, best, higher)
            records.append(record)
            print(f"{name} {model}: " + " ".join(f"{v} {record[v]:+.2f} %" for v in VARIANTS),
                  flush=True)  # fmt: skip
    return records


def render(records: list[dict], info: dict) -> str:
    rows = [[r["dataset"], r["model"]] + [f"{r[v]:+.2f} %" for v in VARIANTS] for r in records]
    ok = {v: sum(r[v] >= -TOLERANCE for r in records) for v in VARIANTS}
    table = markdown_table(
        ["dataset", "model", "embeddings alone", "+ target-encoded columns (append)",
         "+ scaled target-encoded columns"],
        rows,
        ["l", "l", "r", "r", "r"],
    )  # fmt: skip
    return (
        "# Target-encoded columns beside the embeddings (validation splits)\n\n"
        f"{machine_summary(info)}\n\n"
        "Gain over the best classic encoder with the same model, in % (positive = better); "
        "seed 0's validation split; protocol in `benchmarks/studies/target_columns.py`.\n\n"
        + table
        + "\n\n"
        f"At least as good as the best classic encoder (within {TOLERANCE} %): embeddings "
        f"alone {ok['alone']} of {len(records)} cells, with the target-encoded columns "
        f"{ok['append']}, with them scaled {ok['scaled']}.\n"
    )


def main(argv=None) -> None:
    study_main("target_columns", __doc__.splitlines()[0], run, render, argv)


if __name__ == "__main__":
    main()
