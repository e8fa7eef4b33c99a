"""Command line of the study: ``python -m benchmarks.studies.fused_tables``."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import torch

from skembed._table_training import SPARSE_MIN_ROWS

from ..._common import (
    RESULTS_DIR,
    busy_warning,
    machine_info,
    machine_summary,
    save_json,
)
from . import __doc__ as STUDY_DOC
from .report import (
    VARIANT_LABEL,
    render,
)
from .shapes import (
    ALPHA,
    DROPOUT,
    EMBEDDING_DROPOUT,
    HIDDEN,
    LEARNING_RATE,
    SHAPES,
    make_batches,
)
from .timing import (
    bench_config,
    check_equivalence,
)


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.studies.fused_tables", description=STUDY_DOC.splitlines()[0]
    )
    parser.add_argument("--shapes", nargs="+", default=list(SHAPES), choices=list(SHAPES))
    parser.add_argument("--batch-sizes", nargs="+", type=int, default=[128, 4096])
    parser.add_argument("--variants", nargs="+", default=["A", "B", "C", "D", "E"],
                        choices=sorted(VARIANT_LABEL), help="F: also C with aten RNG")  # fmt: skip
    parser.add_argument("--no-compile", action="store_true", help="A and B only")
    parser.add_argument(
        "--compile-mode",
        default="default",
        help="torch.compile mode, e.g. reduce-overhead (CUDA graphs) on a GPU",
    )
    parser.add_argument("--codes", choices=["zipf", "uniform"], default="zipf")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--block-seconds", type=float, default=0.3)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--threads", type=int, default=1, help="torch threads")
    parser.add_argument(
        "--warm-cache",
        action="store_true",
        help="keep the default inductor cache (compile times then are warm)",
    )
    parser.add_argument("--output", default=None, help="JSON path (default: results/)")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()
    if args.no_compile:
        args.variants = [v for v in args.variants if v in ("A", "B")]
    if not args.warm_cache:  # read when inductor first needs its cache: cold compile times
        os.environ["TORCHINDUCTOR_CACHE_DIR"] = tempfile.mkdtemp(prefix="fused_tables_inductor_")
    torch.set_num_threads(args.threads)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    info = machine_info()
    print(machine_summary(info))
    print(f"device {device}, threads {torch.get_num_threads()}, SPARSE_MIN_ROWS {SPARSE_MIN_ROWS}")
    warning = busy_warning(info)
    if warning:
        print(warning)
    start = time.perf_counter()

    equivalence = {}
    for name in args.shapes:
        batch = make_batches(SHAPES[name], 256, args.codes, device, seed=123)[0]
        equivalence[name] = check_equivalence(SHAPES[name], device, batch)
        print(f"equivalence {name}: {equivalence[name]}")

    results, failures = [], []
    print(f"{'shape':<12} {'batch':>6} {'variant':<22} {'ms/step':>9} {'rows/s':>12} {'vs A':>6}")
    for name in args.shapes:
        for batch_size in args.batch_sizes:
            rows, fails = bench_config(name, batch_size, args, device)
            results += rows
            failures += fails
            for r in rows:
                speedup = "" if r["speedup_vs_A"] is None else f"{r['speedup_vs_A']:.2f}x"
                print(
                    f"{r['shape']:<12} {r['batch']:>6} {VARIANT_LABEL[r['variant']]:<22} "
                    f"{r['ms_per_step']:>9.3f} {r['rows_per_s']:>12,.0f} {speedup:>6}"
                    f"   (first step {r['first_step_s']:.2f} s)",
                    flush=True,
                )

    payload = {
        "benchmark": "fused_tables",
        "machine": info,
        "device": str(device),
        "config": {
            "codes": args.codes,
            "rounds": args.rounds,
            "block_seconds": args.block_seconds,
            "warmup": args.warmup,
            "compile_mode": args.compile_mode,
            "inductor_cache": "warm (default)" if args.warm_cache else "cold (fresh directory)",
            "sparse_min_rows": SPARSE_MIN_ROWS,
            "hidden": HIDDEN,
            "dropout": DROPOUT,
            "embedding_dropout": EMBEDDING_DROPOUT,
            "lr": LEARNING_RATE,
            "alpha": ALPHA,
            "shapes": {name: SHAPES[name] for name in args.shapes},
            "command": " ".join(sys.argv),
        },  # fmt: skip
        "equivalence": equivalence,
        "results": results,
        "failures": failures,
        "total_seconds": time.perf_counter() - start,
    }
    default_path = RESULTS_DIR / f"fused_tables_{device.type}.json"
    json_path = Path(args.output) if args.output else default_path
    markdown = render(payload)
    save_json(json_path, payload)
    json_path.with_suffix(".md").write_text(markdown, encoding="utf-8")
    print()
    print(markdown)
    print(f"wrote {json_path} and {json_path.with_suffix('.md')}")
