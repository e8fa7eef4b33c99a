"""Rows whose category is new at test time, and ids whose numbering follows the target.

Two things an encoder of the categories meets on a real table that its training rows do
not show, measured on the test split of seed 0 of each table of a suite folder (the
suite's own, or the ten of ``benchmarks.fresh_tables``); nothing is chosen from them:

- **New categories.** For each table, the share of test rows holding a category of the
  widest column that no training row holds, and gradient boosting's score (the suite's
  model and metric) on the test rows with a known category and on those with a new one,
  for each encoder (``EE``, one-hot, ordinal, target encoding, as the suite fits them).
  A new category gets EE's unknown row, target encoding's prior, one-hot's infrequent
  column (``min_frequency=5``) and ordinal's code -1.
- **Numbering.** For each column whose categories are all integers, the spread (max minus
  min) of the target's mean over the ten tenths of the ids, ordered as numbers and as text
  (the order ``OrdinalEncoder`` gives the id strings); binary: the positive class's share,
  multiclass: the first class's. A table whose ids were numbered along its outcome shows
  it, and ordinal codes then read the target off the numbering.

Usage::

    python -m benchmarks.studies.new_categories                       # the suite's tables
    python -m benchmarks.studies.new_categories --data-dir /tmp/fresh_tables \\
        --output benchmarks/results/new_categories_fresh_tables.json   # ~20 min each
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .. import suite
from .._common import machine_summary, markdown_table, study_main

ENCODERS = ("ee", "onehot", "ordinal", "target")
MIN_ROWS = 30  # a subset of fewer test rows is not scored


def subset_score(task: str, model, B, y: np.ndarray, mask: np.ndarray) -> float | None:
    if mask.sum() < MIN_ROWS or (task != "regression" and len(np.unique(y[mask])) < 2):
        return None
    return suite.score(task, model, B[mask], y[mask])


def new_rows(frame, seed: int = 0) -> dict:
    """The new-category row of one table."""
    split = suite.make_split(frame, seed, False)
    widest = max(frame.categorical, key=lambda c: frame.X[c].nunique())
    values = split.X_test[widest]
    new = (~values.isin(set(split.X_train[widest].dropna())) & values.notna()).to_numpy()
    row = {"dataset": frame.name, "column": widest, "new_share": float(new.mean())}
    for name in ENCODERS:
        Z_train, Z_test, _ = suite.fit_encoder(name, "ct", frame, split, seed, {"n_jobs": 1})
        A, B, _, reason = suite.prepare_input("hgb", Z_train, Z_test)
        if reason is not None:
            row[name] = None
            continue
        model = suite.make_model("hgb", frame.task, seed).fit(A, split.y_train)
        row[name] = {
            "known": subset_score(frame.task, model, B, split.y_test, ~new),
            "new": subset_score(frame.task, model, B, split.y_test, new),
        }
    return row


def numbering(frame) -> list[dict]:
    """Per integer-valued categorical column: the target's spread over tenths of the ids."""
    out = []
    y = frame.y.astype(np.float64)  # regression: the target; binary: the positive share
    if frame.task == "multiclass":
        y = (frame.y == 0).astype(np.float64)
    for column in frame.categorical:
        values = pd.to_numeric(frame.X[column], errors="coerce")
        if values.isna().any() or values.nunique() < 50:
            continue
        row = {"dataset": frame.name, "column": column, "overall_sd": float(np.std(y))}
        # as numbers, and as text: the order OrdinalEncoder gives the ids (strings)
        for order, key in (("number", values), ("text", frame.X[column].astype(str))):
            tenths = pd.qcut(key.rank(method="first"), 10, labels=False)
            means = pd.Series(y).groupby(tenths.to_numpy()).mean()
            row[f"spread_{order}"] = float(means.max() - means.min())
            row[f"tenths_{order}"] = [round(float(m), 3) for m in means]
        out.append(row)
    return out


def run(data_dir: Path) -> dict:
    records = {"new_categories": [], "numbering": []}
    for spec in suite.load_tasks(data_dir).values():
        frame = suite.load_frame(spec, data_dir)
        records["new_categories"].append(new_rows(frame))
        records["numbering"] += numbering(frame)
        print(frame.name, flush=True)
    return records


def fmt(value) -> str:
    return "" if value is None else f"{value:.4f}"


def render(records: dict, info: dict) -> str:
    rows = []
    for r in records["new_categories"]:
        cells = [r["dataset"], r["column"], f"{100 * r['new_share']:.1f} %"]
        for part in ("known", "new"):
            cells += [fmt((r[name] or {}).get(part)) for name in ENCODERS]
        rows.append(cells)
    names = ["EE", "one-hot", "ordinal", "TE"]
    first = markdown_table(
        ["dataset", "widest column", "test rows new"]
        + [f"{n} known" for n in names] + [f"{n} new" for n in names],
        rows, ["l", "l"] + ["r"] * 9,
    )  # fmt: skip
    second = markdown_table(
        ["dataset", "column", "target sd", "spread (ids as numbers)", "tenths (as numbers)",
         "spread (ids as text)", "tenths (as text: ordinal codes' order)"],
        [[r["dataset"], r["column"], f"{r['overall_sd']:.3f}", f"{r['spread_number']:.3f}",
          " ".join(f"{t:g}" for t in r["tenths_number"]), f"{r['spread_text']:.3f}",
          " ".join(f"{t:g}" for t in r["tenths_text"])] for r in records["numbering"]],
        ["l", "l", "r", "r", "l", "r", "l"],
    )  # fmt: skip
    return (
        "# New categories at test time, and ids numbered by the target (test split, seed 0)"
        f"\n\n{machine_summary(info)}\n\nProtocol in `benchmarks/studies/new_categories.py`. "
        "Gradient boosting's score (the suite's metric: ROC AUC, RMSE or log loss) on the test "
        "rows whose category of the widest column was seen in training (`known`) and on those "
        f"whose category was not (`new`); empty: fewer than {MIN_ROWS} rows, one class, or "
        "not run; rows with a missing value count as known.\n\n" + first + "\n\nInteger ids "
        "(50 levels or more): the target's mean (regression), the positive class's share "
        "(binary) or the first class's (multiclass) over the ten tenths of the ids, ordered as "
        "numbers and as text.\n\n" + second + "\n"
    )


def main(argv=None) -> None:
    study_main("new_categories", __doc__.splitlines()[0], run, render, argv)


if __name__ == "__main__":
    main()
