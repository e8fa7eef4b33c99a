"""How much of each id's *marginal* effect one output coordinate holds, against target encoding.

A target-encoded column is each category's smoothed mean of ``y``: the category's marginal
effect, in one number, with everything the id stands for folded in (an institution's state,
a household's habits). The encoder's first coordinate of a column is the direction its
linear path reads: the column's main effect *given the other columns*, since the network
sees them all at once. A tree splitting on one coordinate at a time reads the marginal
number more easily when ids nest in other columns (institutions in states).

For every binary or regression table of the suite, on the first validation split (the
test rows are never read), the default encoder and a cross-fitted ``TargetEncoder`` are
fitted on the categorical columns (the suite's ``ColumnTransformer`` mode); for each
column of at least 100 kept levels (categories with a row of their own) the table gives
the correlation with ``y`` on the validation rows of:

- ``TE``: the target-encoded column;
- ``EE first``: the encoder's first coordinate of the column (its main-effect axis);
- ``EE best``: the direction of the column's block fitted by least squares of ``y`` on
  the block over the training rows (their out-of-fold vectors): what a rotation could put
  first (not the best direction on the validation rows, which it can trail).

``TE~EE first``: the correlation of the two columns themselves. Multiclass tables are
left out (target encoding gives one column per class).

Usage::

    python -m benchmarks.studies.conditional_effects   # ~1 min on 2 cores; writes
                                                       # results/conditional_effects.{json,md}
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .. import suite
from .._common import machine_summary, markdown_table, study_main

MIN_LEVELS = 100


def correlation(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.corrcoef(np.asarray(a, dtype=np.float64), np.asarray(b, np.float64))[0, 1])


def one_table(frame, seed: int = 0) -> list[dict]:
    """The rows of the table for one dataset (its columns of at least MIN_LEVELS levels)."""
    split = suite.make_split(frame, seed, True)
    columns = list(frame.categorical)
    Xtr, Xva = split.X_train[columns], split.X_test[columns]
    ytr, yva = np.asarray(split.y_train, np.float64), np.asarray(split.y_test, np.float64)
    encoder = suite.entity_encoder(frame, seed, {"n_jobs": 1})  # as the suite fits them
    Etr = encoder.fit_transform(Xtr, ytr)
    Eva = encoder.transform(Xva)
    target = suite.classic_encoder("target", frame.task, seed)
    target.fit_transform(Xtr, ytr)  # cross-fits, as in a pipeline; the fitted means then
    Tva = target.transform(Xva)  # encode the validation rows
    starts = np.cumsum([0] + list(encoder.embedding_dims_))
    rows = []
    for i, column in enumerate(columns):
        levels = len(encoder.categories_[i])
        if levels < MIN_LEVELS:
            continue
        block = slice(starts[i], starts[i + 1])
        centred = Etr[:, block] - Etr[:, block].mean(0)
        direction, *_ = np.linalg.lstsq(centred, ytr - ytr.mean(), rcond=None)
        rows.append({
            "dataset": frame.name, "column": column, "levels": levels,
            "rows_per_level": len(ytr) / levels, "width": int(encoder.embedding_dims_[i]),
            "te": correlation(Tva[:, i], yva), "ee_first": correlation(Eva[:, starts[i]], yva),
            "ee_best": correlation(Eva[:, block] @ direction, yva),
            "te_vs_ee_first": correlation(Tva[:, i], Eva[:, starts[i]]),
        })  # fmt: skip
    return rows


def run(data_dir: Path) -> list[dict]:
    records = []
    for task in suite.load_tasks(data_dir).values():
        frame = suite.load_frame(task, data_dir)
        if frame.task != "multiclass":
            records += one_table(frame)
            print(frame.name, flush=True)
    return records


def render(records: list[dict], info: dict) -> str:
    rows = [
        [r["dataset"], r["column"], r["levels"], f"{r['rows_per_level']:.1f}", r["width"],
         f"{r['te']:.3f}", f"{r['ee_first']:.3f}", f"{r['ee_best']:.3f}",
         f"{r['te_vs_ee_first']:.3f}"]
        for r in records
    ]  # fmt: skip
    table = markdown_table(
        ["dataset", "column", "kept levels", "rows per kept level", "width", "TE", "EE first",
         "EE best", "TE~EE first"],
        rows, ["l", "l", "r", "r", "r", "r", "r", "r", "r"],
    )  # fmt: skip
    return (
        "# How much of each id's marginal effect one coordinate holds (validation splits)"
        f"\n\n{machine_summary(info)}\n\nProtocol in `benchmarks/studies/conditional_effects.py`"
        f" (seed 0; columns of at least {MIN_LEVELS} kept levels). TE, EE first, EE best: the "
        "correlation with y on the validation rows of the target-encoded column, of the "
        "encoder's first coordinate of the column, and of the best single direction of its "
        "vectors; TE~EE first: the correlation of the two columns.\n\n" + table + "\n"
    )


def main(argv=None) -> None:
    study_main("conditional_effects", __doc__.splitlines()[0], run, render, argv)


if __name__ == "__main__":
    main()
