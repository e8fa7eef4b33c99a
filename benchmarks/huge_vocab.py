"""Huge vocabularies: sparse against dense updates, a million categories, transform speed.

1. Step time of dense Adam against SparseAdam (``sparse_embeddings``) for one
   embedding table of 10k to 1M rows (width 32) under the default network, batches
   of 256 rows. This is where ``sparse_embeddings="auto"`` puts its threshold.

2. A column with 1,000,000 distinct values over 5,000,000 rows (every value at
   least once, the rest drawn with Zipf-like frequencies), a 50-level column, two
   continuous columns and a binary target from a hidden per-item effect. One epoch
   of ``EntityEmbeddingEncoder(embedding_dim=32)`` on the CPU, each fit in a fresh
   subprocess reporting its wall time and the peak RSS of the whole process
   (data generation included). Two configurations:

   * ``min_frequency=None``: all 1,000,000 categories get a row;
   * ``min_frequency=5, hash_buckets=65536``: rare items share 65,536 trained
     hash buckets.

   Target: peak RSS under 6 GiB.

3. Transform throughput on the 5,000,000 rows with the million-row table, against
   the same rows encoded by an encoder whose item column has 1,000 categories.
   Target: within 2x.

Usage::

    python -m benchmarks.huge_vocab           # full run (about 10 min on 2 cores)
    python -m benchmarks.huge_vocab --quick   # 500k rows / 100k values smoke run
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import torch

from skembed import EntityEmbeddingEncoder
from skembed._module import EntityEmbeddingNet
from skembed._training import TrainingConfig, _Adam

from ._common import (
    child_env,
    fmt_bytes,
    fmt_rate,
    fmt_seconds,
    machine_info,
    machine_summary,
    markdown_table,
    module_command,
    peak_rss,
    reset_peak,
    rss_now,
    write_results,
)


def make_data(n_rows: int, n_items: int, seed: int = 0):
    """Rows with an item id column of ``n_items`` values (all present), skewed."""
    rng = np.random.default_rng(seed)
    rest = n_rows - n_items
    zipf = rng.zipf(1.2, size=rest) - 1
    items = np.concatenate([np.arange(n_items), zipf % n_items])
    items = items[rng.permutation(n_rows)]
    effect = rng.normal(size=n_items)
    shop = rng.integers(0, 50, size=n_rows)
    x0, x1 = rng.normal(size=(2, n_rows))
    logit = effect[items] + 0.5 * x0 + 0.3 * (shop % 3 - 1)
    y = (logit + rng.logistic(size=n_rows) > 0).astype(np.int8)
    X = pd.DataFrame(
        {
            "item": pd.array(np.char.add("i", items.astype(str)), dtype="str"),
            "shop": pd.array(np.char.add("s", shop.astype(str)), dtype="str"),
            "x0": x0,
            "x1": x1,
        }
    )
    return X, y


# ------------------------------------------------------------ 1. step times


def step_times(table_rows: list[int], steps: int = 40, batch: int = 256) -> list[dict]:
    results = []
    for rows in table_rows:
        for sparse in (False, True):
            torch.manual_seed(0)
            net = EntityEmbeddingNet([rows], [32], 2, (128, 64), 1, dropout=0.1, sparse=[sparse])
            config = TrainingConfig(
                hidden_layer_sizes=(128, 64), dropout=0.1, embedding_dropout=0.0,
                unknown_rate=0.0, alpha=1e-5, batch_size=batch, learning_rate_init=1e-3,
                max_iter=1, early_stopping=False, validation_fraction=0.1,
                n_iter_no_change=1, tol=0.0, verbose=0, device="cpu", seed=0,
            )  # fmt: skip
            optimizer = _Adam(net, config)
            codes = torch.randint(0, rows, (steps + 5, batch, 1))
            cont = torch.randn(steps + 5, batch, 2)
            target = torch.randint(0, 2, (steps + 5, batch, 1)).float()

            batches = [(codes[k], cont[k], target[k]) for k in range(steps + 5)]
            for k, (c, x, t) in enumerate(batches):
                if k == 5:  # 5 warm-up steps, then the timed ones
                    start = time.perf_counter()
                out = net(c, x)
                loss = torch.nn.functional.binary_cross_entropy_with_logits(out, t)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
            seconds = (time.perf_counter() - start) / steps
            results.append(
                {
                    "table_rows": rows,
                    "sparse": sparse,
                    "ms_per_step": seconds * 1e3,
                    "rows_per_s": batch / seconds,
                }
            )
            print(
                f"  table {rows:>9,} rows, {'sparse' if sparse else 'dense '}: "
                f"{seconds * 1e3:6.2f} ms/step ({fmt_rate(batch / seconds)})",
                flush=True,
            )
    return results


# ------------------------------------------------------------ 2. big fits


CONFIGS = {
    "all_categories": dict(min_frequency=None),
    "hashed": dict(min_frequency=5, hash_buckets=65536),
}


def fit_child(config: str, n_rows: int, n_items: int) -> dict:
    """In a fresh process: generate, fit one epoch, transform, report times and memory."""
    X, y = make_data(n_rows, n_items)
    input_bytes = int(X.memory_usage(deep=True).sum())
    before = rss_now()
    method = reset_peak()
    encoder = EntityEmbeddingEncoder(
        embedding_dim=32, max_iter=1, early_stopping=False, device="cpu", random_state=0,
        **CONFIGS[config],
    )  # fmt: skip
    start = time.perf_counter()
    encoder.fit(X, y)
    fit_seconds = time.perf_counter() - start
    fit_peak = peak_rss(method)
    start = time.perf_counter()
    Z = encoder.transform(X)
    transform_seconds = time.perf_counter() - start
    small = EntityEmbeddingEncoder(embedding_dim=32, max_iter=1, random_state=0)
    X_small = X.assign(item=pd.array(np.char.add("i", (np.arange(n_rows) % 1000).astype(str))))
    small.fit(X_small.iloc[:200_000], y[:200_000])
    small.transform(X_small.iloc[:10_000])
    start = time.perf_counter()
    small.transform(X_small)
    small_seconds = time.perf_counter() - start
    i = list(encoder.categorical_columns_).index(0)
    return {
        "config": config,
        "rows": n_rows,
        "distinct_items": n_items,
        "input_bytes": input_bytes,
        "item_table_rows": int(encoder.embeddings_[i].shape[0]),
        "kept_items": int(len(encoder.categories_[i])),
        "fit_seconds": fit_seconds,
        "fit_rows_per_s": n_rows / fit_seconds,
        "epoch_loss": encoder.loss_curve_[-1],
        "rss_before_fit_bytes": before,
        "peak_rss_bytes": peak_rss("ru_maxrss"),
        "peak_rss_during_fit_bytes": fit_peak,
        "peak_method": method,
        "transform_seconds": transform_seconds,
        "transform_rows_per_s": n_rows / transform_seconds,
        "small_vocab_transform_rows_per_s": n_rows / small_seconds,
        "transform_slowdown": transform_seconds / small_seconds,
        "output_bytes": int(Z.nbytes),
    }


def run_child(config: str, n_rows: int, n_items: int, threads: int | None) -> dict:
    cmd = [*module_command(__spec__.name), "--child", config]
    cmd += ["--rows", str(n_rows), "--items", str(n_items)]
    if threads:
        cmd += ["--threads", str(threads)]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False, env=child_env())
    if proc.returncode != 0:
        return {"config": config, "error": proc.stderr.strip().splitlines()[-3:]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="500k rows, 100k items")
    parser.add_argument("--rows", type=int, default=None)
    parser.add_argument("--items", type=int, default=None)
    parser.add_argument("--threads", type=int, default=None, help="torch threads")
    parser.add_argument("--child", choices=sorted(CONFIGS), help=argparse.SUPPRESS)
    parser.add_argument("--output", default=None, help="JSON path (default: results/)")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    n_rows = args.rows or (500_000 if args.quick else 5_000_000)
    n_items = args.items or (100_000 if args.quick else 1_000_000)
    if args.child:
        print(json.dumps(fit_child(args.child, n_rows, n_items)))
        return 0

    info = machine_info()
    print(machine_summary(info), flush=True)
    print("\n## 1. Step time, dense Adam against SparseAdam (batch 256, width 32)", flush=True)
    sizes = [10_000, 50_000, 100_000] + ([] if args.quick else [1_000_000])
    steps = step_times(sizes)
    print(f"\n## 2-3. {n_items:,} distinct items over {n_rows:,} rows (fresh processes)")
    fits = []
    for config in CONFIGS:
        result = run_child(config, n_rows, n_items, args.threads)
        fits.append(result)
        print(f"  {config}: {result}", flush=True)

    by_size = {}
    for r in steps:
        by_size.setdefault(r["table_rows"], {})[r["sparse"]] = r["ms_per_step"]
    step_rows = [
        [f"{rows:,}", f"{v[False]:.2f} ms", f"{v[True]:.2f} ms", f"{v[False] / v[True]:.1f}x"]
        for rows, v in by_size.items()
    ]
    fit_rows = []
    for r in fits:
        if "error" in r:
            fit_rows.append([r["config"], "error: " + " ".join(r["error"])] + [""] * 6)
            continue
        fit_rows.append(
            [
                r["config"],
                f"{r['item_table_rows']:,}",
                fmt_seconds(r["fit_seconds"]),
                fmt_rate(r["fit_rows_per_s"]),
                fmt_bytes(r["peak_rss_bytes"]),
                fmt_rate(r["transform_rows_per_s"]),
                fmt_rate(r["small_vocab_transform_rows_per_s"]),
                f"{r['transform_slowdown']:.2f}x",
            ]
        )
    markdown = "\n".join(
        [
            "# Huge vocabularies",
            "",
            machine_summary(info),
            "",
            "## Step time: dense Adam against SparseAdam (batch 256, width 32)",
            "",
            markdown_table(
                ["table rows", "dense", "sparse", "sparse speed-up"], step_rows, "rrrr"
            ),
            "",
            f"## {n_items:,} distinct items over {n_rows:,} rows: one epoch, embedding_dim=32",
            "",
            "Peak RSS is the whole process's (data generation included); target < 6 GiB.",
            "Transform: the 5M rows with this table, against an item column of 1,000",
            "categories (target: within 2x).",
            "",
            markdown_table(
                [
                    "config",
                    "item table rows",
                    "fit (1 epoch)",
                    "fit rate",
                    "peak RSS",
                    "transform",
                    "small vocab",
                    "slowdown",
                ],
                fit_rows,
                "lrrrrrrr",
            ),
            "",
        ]
    )
    payload = {"machine": info, "step_times": steps, "fits": fits, "rows": n_rows}
    write_results("huge_vocab", args.quick, args.output, payload, markdown)
    return 0


if __name__ == "__main__":
    sys.exit(main())
