"""Command line of the quality benchmark: ``python -m benchmarks.quality``."""

from __future__ import annotations

import argparse
from pathlib import Path

from .._common import (
    DEFAULT_DATA_DIR,
    write_results,
)
from . import __doc__ as QUALITY_DOC
from .datasets import LOADERS
from .report import render_markdown
from .runner import run
from .settings import (
    ENCODERS,
    MODELS,
    RF_BUDGET_S,
)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.quality", description=QUALITY_DOC.split("\n\n")[0]
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="smoke run: 10k adult / 20k movielens rows, 20 trees, EE max_iter=10; "
        "writes results/quality_quick.{json,md}",
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=DEFAULT_DATA_DIR,
        help=f"folder with adult.parquet and movielens100k.parquet (default {DEFAULT_DATA_DIR})",
    )
    parser.add_argument("--datasets", nargs="+", choices=list(LOADERS), default=list(LOADERS))
    parser.add_argument("--encoders", nargs="+", choices=ENCODERS, default=ENCODERS)
    parser.add_argument("--models", nargs="+", choices=MODELS, default=MODELS)
    parser.add_argument("--no-lightgbm", action="store_true", help="skip the LightGBM peer")
    parser.add_argument(
        "--no-leakage",
        action="store_true",
        help="skip the leakage comparison (benchmarks/leakage.py, about 15 min)",
    )
    parser.add_argument(
        "--rf-budget",
        type=float,
        default=RF_BUDGET_S,
        help="skip a random forest whose estimated fit time (from a 2-tree probe) exceeds "
        f"this many seconds (default {RF_BUDGET_S:.0f})",
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=None,
        help="limit torch, BLAS and OpenMP (HistGradientBoosting, k-NN, LightGBM) to this "
        "many threads; 1 avoids 10-100x slow-downs when other work shares the cores "
        "(default: the libraries' own defaults, one thread per core). The random "
        "forests keep n_jobs=-1.",
    )
    parser.add_argument("--output", type=Path, default=None, help="JSON path (default results/)")
    args = parser.parse_args(argv)
    args.data_dir = args.data_dir.resolve()
    for name in args.datasets:
        file = {"adult": "adult.parquet", "movielens": "movielens100k.parquet"}[name]
        if not (args.data_dir / file).exists():
            parser.error(f"{args.data_dir / file} not found; pass --data-dir")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    payload = run(args)
    write_results("quality", args.quick, args.output, payload, render_markdown(payload))
    return 0
