"""Larger than memory: fit and transform a Criteo-like parquet dataset through Dask.

1. Writes a synthetic Criteo-like dataset as parquet partitions (once; reused when
   the directory already holds it): ``--rows`` rows (default 20,000,000) in
   partitions of ``--partition-rows`` rows, 26 categorical columns ``C1..C26``
   (int64 ids, cardinalities from 1,000,000 down to 3, Zipf-like frequencies), 13
   continuous columns ``I1..I13`` (log-normal, 5% missing) and a binary ``label``
   that depends on three categorical columns and two continuous ones.
2. In a fresh subprocess (so that its peak RSS is the fit's and transform's alone):
   ``dd.read_parquet`` -> ``EntityEmbeddingEncoder(...).fit(X, y)`` for one epoch
   (the statistics pass, then the streamed epoch) -> ``transform(X).to_parquet``.
   It reports rows/s of each phase and the process's peak RSS, and scores the
   embeddings: ROC AUC of a logistic regression trained on the first 200,000
   transformed rows and tested on the next 100,000.

Target: peak RSS under 4 GiB while the dataset in memory (pandas, all partitions)
is larger than that.

Usage::

    python -m benchmarks.dask_scale                 # 20M rows, about 20 min on 2 cores
    python -m benchmarks.dask_scale --quick         # 1M rows smoke run
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from ._common import (
    child_env,
    fmt_bytes,
    fmt_rate,
    fmt_seconds,
    machine_info,
    machine_summary,
    markdown_table,
    module_command,
    write_results,
)

CARDINALITIES = [
    1_000_000, 600_000, 300_000, 150_000, 100_000, 50_000, 25_000, 10_000, 5_000, 3_000,
    2_000, 1_000, 800, 500, 300, 200, 150, 100, 60, 40, 25, 15, 10, 6, 4, 3,
]  # fmt: skip
CATEGORICAL = [f"C{i + 1}" for i in range(26)]
CONTINUOUS = [f"I{i + 1}" for i in range(13)]
RSS_TARGET = 4 * 2**30
ENCODER_PARAMS = dict(
    categorical_features=CATEGORICAL,
    embedding_dim=4,
    max_iter=1,
    early_stopping=False,
    batch_size=4096,
    partitions_per_buffer=2,
    random_state=0,
)


def _effect(ids: np.ndarray, salt: int) -> np.ndarray:
    """A fixed pseudo-random effect in [-1, 1) per category id."""
    mixed = (ids.astype(np.uint64) * np.uint64(2654435761) + np.uint64(salt)) % np.uint64(1000)
    return mixed.astype(np.float64) / 500.0 - 1.0


def make_partition(k: int, n: int) -> pd.DataFrame:
    rng = np.random.default_rng(1000 + k)
    columns = {}
    for name, cardinality in zip(CATEGORICAL, CARDINALITIES):
        # Zipf-like: id = floor(K * u**3) puts most rows on the smallest ids
        columns[name] = np.floor(cardinality * rng.random(n) ** 3).astype(np.int64)
    for name in CONTINUOUS:
        values = rng.lognormal(0.0, 1.0, n)
        values[rng.random(n) < 0.05] = np.nan
        columns[name] = values
    logit = (
        1.5 * _effect(columns["C1"], 1)
        + 1.0 * _effect(columns["C5"], 2)
        + 1.0 * _effect(columns["C12"], 3)
        + 0.5 * np.nan_to_num(np.log(columns["I1"]))
        - 0.3 * np.nan_to_num(np.log(columns["I2"]))
    )
    columns["label"] = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(np.int8)
    return pd.DataFrame(columns)


def generate(directory: Path, rows: int, partition_rows: int) -> dict:
    """Write the dataset (or reuse it); its size on disk and in memory."""
    stamp = directory / "_dataset.json"
    expected = {"rows": rows, "partition_rows": partition_rows, "version": 1}
    if stamp.exists() and json.loads(stamp.read_text()).get("spec") == expected:
        return json.loads(stamp.read_text())
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    start, in_memory = time.perf_counter(), 0
    for k, begin in enumerate(range(0, rows, partition_rows)):
        part = make_partition(k, min(partition_rows, rows - begin))
        in_memory += int(part.memory_usage(deep=True, index=False).sum())
        part.to_parquet(directory / f"part.{k:04d}.parquet", index=False)
    on_disk = sum(p.stat().st_size for p in directory.glob("*.parquet"))
    info = {"spec": expected, "in_memory_bytes": in_memory, "on_disk_bytes": on_disk,
            "partitions": k + 1, "seconds": time.perf_counter() - start}  # fmt: skip
    stamp.write_text(json.dumps(info))
    return info


def run_child(data: Path, out: Path, threads: int) -> dict:
    """The measured part (in its own process): fit, transform to parquet, score."""
    import dask
    import dask.dataframe as dd
    import torch
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score

    from skembed import EntityEmbeddingEncoder

    torch.set_num_threads(threads)
    dask.config.set(scheduler="threads", num_workers=threads)
    frame = dd.read_parquet(str(data))
    X, y = frame.drop(columns="label"), frame["label"]
    encoder = EntityEmbeddingEncoder(**ENCODER_PARAMS)
    start = time.perf_counter()
    encoder.fit(X, y)
    fit_s = time.perf_counter() - start
    start = time.perf_counter()
    shutil.rmtree(out, ignore_errors=True)
    encoder.transform(X).to_parquet(str(out), write_index=False)
    transform_s = time.perf_counter() - start
    embedded = dd.read_parquet(str(out)).partitions[:1].compute()
    labels = frame["label"].partitions[:1].compute().to_numpy()
    n_fit = min(200_000, len(embedded) * 2 // 3)
    model = LogisticRegression(max_iter=1000).fit(embedded.iloc[:n_fit], labels[:n_fit])
    auc = roc_auc_score(labels[n_fit:], model.predict_proba(embedded.iloc[n_fit:])[:, 1])
    with open("/proc/self/status", encoding="ascii") as f:
        peak = next(int(line.split()[1]) * 1024 for line in f if line.startswith("VmHWM:"))
    return {
        "fit_seconds": fit_s,
        "transform_seconds": transform_s,
        "peak_rss_bytes": peak,
        "n_categories": [len(c) for c in encoder.categories_],
        "output_columns": len(encoder.get_feature_names_out()),
        "output_bytes": sum(p.stat().st_size for p in out.glob("*.parquet")),
        "auc_first_partition": float(auc),
        "loss": encoder.loss_curve_,
    }


def render(payload: dict) -> str:
    d, r = payload["dataset"], payload["run"]
    rows = payload["rows"]
    verdict = "PASS" if r["peak_rss_bytes"] < RSS_TARGET < d["in_memory_bytes"] else "FAIL"
    lines = [
        "# Larger than memory: Dask fit and transform of a Criteo-like dataset",
        "",
        machine_summary(payload["machine"]),
        "",
        f"Data: {rows:,} rows in {d['partitions']} parquet partitions, 26 categorical columns "
        "(cardinalities 1,000,000 down to 3), 13 continuous, binary label; "
        f"{fmt_bytes(d['on_disk_bytes'])} on disk, {fmt_bytes(d['in_memory_bytes'])} as "
        "pandas DataFrames.",
        "",
        f"Encoder: `EntityEmbeddingEncoder({', '.join(f'{k}={v!r}' for k, v in ENCODER_PARAMS.items() if k != 'categorical_features')})`, "  # noqa: E501
        f"threaded Dask scheduler, {payload['threads']} threads.",
        "",
        markdown_table(
            ["phase", "time", "rows/s"],
            [
                [
                    "fit (statistics pass + 1 streamed epoch)",
                    fmt_seconds(r["fit_seconds"]),
                    fmt_rate(rows / r["fit_seconds"]),
                ],
                [
                    "transform -> to_parquet",
                    fmt_seconds(r["transform_seconds"]),
                    fmt_rate(rows / r["transform_seconds"]),
                ],
            ],  # fmt: skip
            "lrr",
        ),
        "",
        f"Peak RSS of the fitting process: **{fmt_bytes(r['peak_rss_bytes'])}** "
        f"(target < {fmt_bytes(RSS_TARGET)} with the data larger than that in memory: "
        f"{verdict}).",
        "",
        f"Output: {r['output_columns']} columns, {fmt_bytes(r['output_bytes'])} of parquet. "
        f"Kept categories per column (min_frequency=5): {r['n_categories']}.",
        "",
        f"Sanity check of the embeddings: ROC AUC {r['auc_first_partition']:.4f} of a logistic "
        "regression on the transformed first partition (2/3 train, 1/3 test; the label "
        "depends on C1, C5, C12, I1, I2).",
        "",
    ]
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--rows", type=int, default=None)
    parser.add_argument("--partition-rows", type=int, default=500_000)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/skembed_dask_scale"))
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--output", default=None)
    parser.add_argument("--child", nargs=2, type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(run_child(*args.child, args.threads)))
        return 0
    rows = args.rows or (1_000_000 if args.quick else 20_000_000)
    info = machine_info()
    print(machine_summary(info), flush=True)
    data = args.workdir / f"criteo_like_{rows}"
    dataset = generate(data, rows, args.partition_rows)
    print(f"dataset: {dataset}", flush=True)
    out = args.workdir / f"embedded_{rows}"
    child = subprocess.run(
        [*module_command(__spec__.name), "--child", str(data), str(out),
         "--threads", str(args.threads)],
        capture_output=True, text=True, check=False, env=child_env(),
    )  # fmt: skip
    if child.returncode:
        print(child.stdout, child.stderr, file=sys.stderr)
        return child.returncode
    result = json.loads(child.stdout.strip().splitlines()[-1])
    payload = {"machine": info, "rows": rows, "threads": args.threads, "dataset": dataset,
               "run": result}  # fmt: skip
    markdown = render(payload)
    write_results("dask_scale", args.quick, args.output, payload, markdown)
    print(markdown)
    shutil.rmtree(out, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
