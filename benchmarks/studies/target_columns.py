"""Would target-encoded columns bolted onto the embeddings win? (validation splits)

Issue #16 allows "a target-encoded column bolted onto the output" only if it wins. This
study fits, on every dataset's validation split (seed 0, the suite's ColumnTransformer
mode), the default entity embeddings and scikit-learn's cross-fitted ``TargetEncoder`` on
the same categorical columns, concatenates the two outputs (the continuous columns once),
and scores the suite's four models. Each cell is compared with the best classic encoder
of the same model (the suite's saved validation run) and with the embeddings alone; a cell
counts as "at least as good" within 0.2 % of the best classic value. The test rows are
never read.

Usage::

    python -m benchmarks.studies.target_columns   # ~5 min on 2 cores; writes
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


def run(data_dir) -> list[dict]:
    classic = saved_cells(VALIDATION / "s6_classic.json", ("onehot", "ordinal", "target"))
    alone = saved_cells(VALIDATION / "s6_A.json", ("ee",))
    tasks = suite.load_tasks(data_dir)
    records = []
    for name in sorted(tasks):
        frame = suite.load_frame(tasks[name], data_dir)
        split = suite.make_split(frame, 0, True)
        Ze, Ze_test, _ = suite.fit_encoder("ee", "ct", frame, split, 0, {"n_jobs": 1})
        Zt, Zt_test, _ = suite.fit_encoder("target", "ct", frame, split, 0, {})
        k = Zt.shape[1] - len(frame.continuous)  # the target-encoded columns come first
        Z, Z_test = np.hstack([Ze, Zt[:, :k]]), np.hstack([Ze_test, Zt_test[:, :k]])
        higher = frame.task == "binary"
        for model in suite.MODELS:
            value = suite.run_model(model, frame.task, 0, Z, Z_test, split)["value"]
            best = (max if higher else min)(classic[(name, model)])
            records.append(
                {"dataset": name, "model": model, "value": value, "best_classic": best,
                 "gain": relative(value, best, higher),
                 "gain_alone": relative(alone[(name, model)][0], best, higher)}
            )  # fmt: skip
            print(f"{name} {model}: {records[-1]['gain']:+.2f} %", flush=True)
    return records


def render(records: list[dict], info: dict) -> str:
    rows = [[r["dataset"], r["model"], f"{r['gain_alone']:+.2f} %", f"{r['gain']:+.2f} %"]
            for r in records]  # fmt: skip
    ok_alone = sum(r["gain_alone"] >= -TOLERANCE for r in records)
    ok_both = sum(r["gain"] >= -TOLERANCE for r in records)
    table = markdown_table(
        ["dataset", "model", "embeddings alone", "embeddings + target-encoded columns"],
        rows,
        ["l", "l", "r", "r"],
    )
    return (
        "# Target-encoded columns beside the embeddings (validation splits)\n\n"
        f"{machine_summary(info)}\n\n"
        "Gain over the best classic encoder with the same model, in % (positive = better); "
        "protocol in `benchmarks/studies/target_columns.py`.\n\n" + table + "\n\n"
        f"At least as good as the best classic encoder (within {TOLERANCE} %): embeddings "
        f"alone {ok_alone} of {len(records)} cells, with target-encoded columns {ok_both}.\n"
    )


def main(argv=None) -> None:
    study_main("target_columns", __doc__.splitlines()[0], run, render, argv)


if __name__ == "__main__":
    main()
