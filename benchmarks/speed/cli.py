"""Command line of the speed benchmark: ``python -m benchmarks.speed``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import torch

from .._common import write_results
from . import __doc__ as SPEED_DOC
from .gpu import gpu_errors
from .memory import memory_child
from .report import render_markdown
from .runner import run
from .workloads import (
    CRITEO_ROWS,
    GPU_BATCH_SIZES,
    GPU_COPY_BYTES,
    GPU_SMOKE_ROWS,
    LAB_ROWS,
    TRANSFORM_ROWS,
)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.speed", description=SPEED_DOC.split("\n\n")[0]
    )
    parser.add_argument(
        "--quick", action="store_true", help="smoke run: 200k rows; results/speed_quick.*"
    )
    parser.add_argument("--rows", type=int, default=None, help=f"default {LAB_ROWS:,}")
    parser.add_argument(
        "--epochs",
        type=int,
        default=None,
        help="extra epochs timed for the lab network (default 3)",
    )
    parser.add_argument(
        "--default-epochs",
        type=int,
        default=None,
        help="extra epochs timed for the encoder defaults (default 2)",
    )
    parser.add_argument(
        "--dl-batches",
        type=int,
        default=None,
        help="DataLoader batches timed (default 300; 50 with --quick)",
    )
    parser.add_argument("--warmup-batches", type=int, default=10)
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="alternating rounds of encoder and DataLoader timing; the median ratio counts",
    )
    parser.add_argument(
        "--fit-repeats",
        type=int,
        default=1,
        help="time each encoder fit this many times and keep the fastest (default 1)",
    )
    parser.add_argument(
        "--transform-rows", type=int, default=None, help=f"default {TRANSFORM_ROWS:,}"
    )
    parser.add_argument(
        "--repeats", type=int, default=5, help="transform calls timed per encoder (default 5)"
    )
    parser.add_argument("--device", default="auto", help="auto (CUDA if available), cpu, cuda")
    parser.add_argument(
        "--threads",
        type=int,
        default=None,
        help="limit torch, BLAS and OpenMP to this many threads; 1 avoids 10-100x "
        "slow-downs when other work shares the cores (default: one thread per core)",
    )
    parser.add_argument(
        "--baseline-adam",
        choices=["default", "fused"],
        default="default",
        help="Adam implementation of the DataLoader baseline (default: torch's default)",
    )
    parser.add_argument(
        "--dropout",
        type=float,
        default=0.0,
        help="dropout of the lab network, on both sides of the comparison (default 0: the "
        "lab's network has none; the encoder's own default, 0.1, is measured separately)",
    )
    parser.add_argument("--no-memory", action="store_true", help="skip the memory runs")
    parser.add_argument(
        "--gpu-only",
        action="store_true",
        help="only the GPU section (4); results/speed_gpu.* (speed_gpu_quick.* with --quick)",
    )
    parser.add_argument(
        "--gpu-smoke",
        action="store_true",
        help="run the GPU section's code on the CPU with torch CPU tensors and "
        f"{GPU_SMOKE_ROWS:,} rows, to check the code path without a GPU; "
        "results/speed_gpu_smoke.*",
    )
    parser.add_argument(
        "--criteo-rows",
        type=int,
        default=None,
        help=f"rows of the Criteo-like shape (default {CRITEO_ROWS:,}; 1,000,000 with --quick)",
    )
    parser.add_argument(
        "--gpu-batch-sizes",
        type=lambda text: tuple(int(v) for v in text.split(",")),
        default=GPU_BATCH_SIZES,
        help="batch sizes timed on the GPU, comma-separated (default "
        f"{','.join(map(str, GPU_BATCH_SIZES))}); bf16 runs at the largest",
    )
    parser.add_argument(
        "--gpu-epochs",
        type=int,
        default=None,
        help="extra epochs timed per GPU configuration (default 2; 1 with --quick)",
    )
    parser.add_argument(
        "--gpu-copy-bytes",
        type=int,
        default=None,
        help=f"bytes of the device-to-device copy (default {GPU_COPY_BYTES:,})",
    )
    parser.add_argument("--output", type=Path, default=None)
    parser.add_argument("--memory-child", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    quick = args.quick
    if args.gpu_smoke:  # tiny sizes: the code path, on the CPU
        args.rows = args.rows or GPU_SMOKE_ROWS
        args.criteo_rows = args.criteo_rows or GPU_SMOKE_ROWS
        args.gpu_epochs = args.gpu_epochs or 1
        args.gpu_copy_bytes = args.gpu_copy_bytes or 64 * 2**20
    if args.criteo_rows is None:
        args.criteo_rows = 1_000_000 if quick else CRITEO_ROWS
    if args.gpu_epochs is None:
        args.gpu_epochs = 1 if quick else 2
    if args.gpu_copy_bytes is None:
        args.gpu_copy_bytes = GPU_COPY_BYTES
    if args.rows is None:
        args.rows = 200_000 if quick else LAB_ROWS
    if args.transform_rows is None:
        args.transform_rows = 200_000 if quick else TRANSFORM_ROWS
    if args.epochs is None:
        args.epochs = 3
    if args.default_epochs is None:
        args.default_epochs = 2
    if args.dl_batches is None:
        args.dl_batches = 50 if quick else 300
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.threads is not None:
        from threadpoolctl import threadpool_limits

        torch.set_num_threads(args.threads)
        threadpool_limits(limits=args.threads)
    if args.memory_child:
        print(json.dumps(memory_child(args.memory_child, args.rows, args.device, args.dropout)))
        return 0
    payload = run(args)
    if args.gpu_smoke:  # never the normal result files
        name, quick = "speed_gpu_smoke", False
    else:
        name, quick = ("speed_gpu" if args.gpu_only else "speed"), args.quick
    write_results(name, quick, args.output, payload, render_markdown(payload))
    errors = gpu_errors(payload.get("gpu") or {})
    for error in errors:
        print(f"GPU section error: {error}", file=sys.stderr)
    return 1 if errors and args.gpu_smoke else 0
