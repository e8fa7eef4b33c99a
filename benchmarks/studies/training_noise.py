"""Noise on the training rows' vectors, shrinking with their category's count (validation).

A downstream model trusts in-sample vectors of rare categories too much: they were fitted
on those very rows' labels. Noisy target encoders (category_encoders' ``sigma``) answer
that by adding noise to the training rows' encodings only. This study does the same to
the default embeddings in the suite's ColumnTransformer mode: each training row's block
gets Gaussian noise of ``sigma`` times the table's per-dimension spread over the square
root of its category's count; the evaluation rows are encoded as usual. Validation
splits, seed 0; a cell counts as at least as good as the best classic encoder (the saved
validation run) within 0.2 %. The test rows are never read.

Usage::

    python -m benchmarks.studies.training_noise   # ~10 min on 2 cores; writes
                                                  # results/training_noise.{json,md}
"""

from __future__ import annotations

import numpy as np

from .. import suite
from .._common import (
    machine_summary,
    markdown_table,
    study_main,
)
from .target_columns import TOLERANCE, VALIDATION, relative, saved_cells

SIGMAS = (0.0, 0.5, 1.0, 2.0)


def noisy(Z, encoder, X_train, categorical, sigma: float, seed: int = 0) -> np.ndarray:
    """``Z`` (the training rows' output) with count-scaled noise on each embedding block."""
    rng = np.random.RandomState(seed)
    out = np.array(Z, dtype=np.float64, copy=True)
    starts = np.cumsum([0, *encoder.embedding_dims_])
    for i, column in enumerate(categorical):
        counts = dict(zip(encoder.categories_[i].tolist(), encoder.category_counts_[i].tolist()))
        count = X_train[column].map(counts).fillna(1).to_numpy(dtype=float).clip(min=1)
        table = encoder.embeddings_[i][: len(encoder.categories_[i])]
        spread = table.std(0) if len(table) > 1 else np.ones(table.shape[1])
        noise = rng.normal(size=(len(count), table.shape[1])) * spread / np.sqrt(count)[:, None]
        out[:, starts[i] : starts[i + 1]] += sigma * noise
    return out


def run(data_dir) -> list[dict]:
    classic = saved_cells(VALIDATION / "s6_classic.json", ("onehot", "ordinal", "target"))
    tasks = suite.load_tasks(data_dir)
    records = []
    for name in sorted(tasks):
        frame = suite.load_frame(tasks[name], data_dir)
        split = suite.make_split(frame, 0, True)
        pipeline = suite.make_encoder("ee", "ct", frame, 0, {"n_jobs": 1})
        Z = pipeline.fit_transform(split.X_train, split.y_train)
        Z_test = pipeline.transform(split.X_test)
        encoder = pipeline.named_transformers_["cat"]
        for sigma in SIGMAS:
            Z_noisy = noisy(Z, encoder, split.X_train, frame.categorical, sigma)
            for model in suite.MODELS:
                value = suite.run_model(model, frame.task, 0, Z_noisy, Z_test, split)["value"]
                higher = frame.task == "binary"
                best = (max if higher else min)(classic[(name, model)])
                gain = relative(value, best, higher)
                records.append({"dataset": name, "model": model, "sigma": sigma,
                                "value": value, "gain": gain})  # fmt: skip
        print(name, flush=True)
    return records


def render(records: list[dict], info: dict) -> str:
    rows = []
    for sigma in SIGMAS:
        gains = [r["gain"] for r in records if r["sigma"] == sigma]
        ok = sum(g >= -TOLERANCE for g in gains)
        rows.append([sigma, f"{ok} / {len(gains)}", f"{np.mean(np.minimum(gains, 0)):+.2f} %"])
    table = markdown_table(
        ["sigma", "cells >= best classic", "mean gain of the losses (clipped at 0)"],
        rows,
        ["r", "r", "r"],
    )
    return (
        "# Count-scaled noise on the training rows' vectors (validation splits)\n\n"
        f"{machine_summary(info)}\n\n"
        "Protocol in `benchmarks/studies/training_noise.py` (sigma 0 = the defaults).\n\n"
        + table
        + "\n"
    )


def main(argv=None) -> None:
    study_main("training_noise", __doc__.splitlines()[0], run, render, argv)


if __name__ == "__main__":
    main()
