"""Does a large batch (the natural choice on a GPU) hurt the embeddings' quality?

A GPU reaches its throughput only with large batches, so the question for a
GPU default is whether batches of 1,024 or 8,192 rows give embeddings as good
as the default 128. Quality does not depend on the device (the same arithmetic
up to rounding), so this runs anywhere; it is the measurement behind the
``batch_size`` default on every device.

Protocol: the test splits of ``quality.py`` (adult: random 80/20, ROC AUC;
movielens: last 20% by time, RMSE). For each batch size the encoder is fitted
with every other parameter at its default, once with ``learning_rate_init`` as
is and once scaled by ``sqrt(batch_size / 128)`` (the usual rule for Adam),
then a linear model and HistGradientBoosting are trained on its output.
Epochs, fit seconds (CPU here) and test scores are recorded.

Usage::

    python -m benchmarks.studies.batch_size            # writes results/batch_size.{json,md}
    python -m benchmarks.studies.batch_size --quick    # adult only, 8,000 rows
"""

from __future__ import annotations

import argparse
import math
import time
from pathlib import Path

from skembed import EntityEmbeddingEncoder

from .._common import (
    DEFAULT_DATA_DIR,
    machine_info,
    machine_summary,
    markdown_table,
    write_results,
)
from ..quality.datasets import LOADERS
from ..quality.models import make_model, score

BATCH_SIZES = [128, 1024, 8192]
DEFAULT_LR = EntityEmbeddingEncoder().learning_rate_init


def run_one(ds, batch_size: int, lr: float, device: str) -> dict:
    encoder = EntityEmbeddingEncoder(
        categorical_features=ds.categorical,
        batch_size=batch_size,
        learning_rate_init=lr,
        device=device,
        random_state=0,
    )
    start = time.perf_counter()
    Z_train = encoder.fit_transform(ds.X_train, ds.y_train)
    seconds = time.perf_counter() - start
    Z_test = encoder.transform(ds.X_test)
    row = {
        "batch_size": batch_size,
        "learning_rate_init": lr,
        "epochs": encoder.n_iter_,
        "fit_s": seconds,
    }
    for model_name in ("linear", "hgb"):
        model = make_model(model_name, ds.task, quick=False).fit(Z_train, ds.y_train)
        row[model_name] = score(ds, model, Z_test)
    return row


def run(args) -> dict:
    payload = {"machine": machine_info(), "datasets": {}}
    names = ["adult"] if args.quick else ["adult", "movielens"]
    for name in names:
        ds = LOADERS[name](args.data_dir, 8000 if args.quick else None)
        rows = []
        for batch_size in BATCH_SIZES:
            rules = ["default"] if batch_size == 128 else ["default", "sqrt-scaled"]
            for rule in rules:
                lr = DEFAULT_LR * (math.sqrt(batch_size / 128) if rule == "sqrt-scaled" else 1)
                row = run_one(ds, batch_size, lr, args.device)
                row["lr_rule"] = rule
                rows.append(row)
                print(name, row, flush=True)
        payload["datasets"][name] = {"metric": ds.metric, "rows": rows}
    return payload


def render_markdown(payload: dict) -> str:
    lines = [
        "# Batch size and quality",
        "",
        machine_summary(payload["machine"]),
        "",
        "Test-split scores of a linear model and HistGradientBoosting on the encoder's "
        "output; every other encoder parameter at its default "
        "(`benchmarks/studies/batch_size.py`).",
    ]
    for name, result in payload["datasets"].items():
        metric = result["metric"]
        better = "higher" if metric == "roc_auc" else "lower"
        lines += ["", f"## {name} ({metric}, {better} is better)", ""]
        base = result["rows"][0]
        table = []
        for row in result["rows"]:
            table.append(
                [
                    f"{row['batch_size']:,}",
                    f"{row['learning_rate_init']:.4g} ({row['lr_rule']})",
                    str(row["epochs"]),
                    f"{row['fit_s']:.1f}",
                    f"{row['linear']:.4f} ({row['linear'] - base['linear']:+.4f})",
                    f"{row['hgb']:.4f} ({row['hgb'] - base['hgb']:+.4f})",
                ]
            )
        lines.append(
            markdown_table(
                ["batch", "learning rate", "epochs", "fit s", "linear (vs 128)", "HGB (vs 128)"],
                table,
            )
        )
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=DEFAULT_DATA_DIR,
    )
    parser.add_argument("--device", default="auto")
    parser.add_argument("--output", type=Path, default=None)
    args = parser.parse_args(argv)
    payload = run(args)
    markdown = render_markdown(payload)
    print(markdown)
    write_results("batch_size", args.quick, args.output, payload, markdown)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
