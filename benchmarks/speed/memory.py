"""Section 3: peak memory (RSS, and CUDA when training there) of fit and transform,
each measured in a fresh ``python -m benchmarks.speed --memory-child`` process.
"""

from __future__ import annotations

import gc
import json
import subprocess

import torch

from .._common import (
    child_env,
    module_command,
    peak_rss,
    reset_peak,
    rss_now,
)
from .transform import fit_transformer
from .workloads import (
    default_encoder,
    lab_encoder,
    make_lab_data,
    make_transform_data,
)


def memory_child(task: str, rows: int, device: str, dropout: float | None = None) -> dict:
    """Run one measured operation in this (fresh) process; returns its memory figures."""
    on_cuda = torch.device(device).type == "cuda"
    # each branch first runs the operation on a few rows, so that what is loaded or
    # initialised once per process (code pages of torch, thread pools) is already in
    # the "before" figure and the increase reflects the data
    if task.startswith("fit"):
        X, y = make_lab_data(rows)
        if task == "fit_lab":
            make = lambda: lab_encoder(1, device, dropout)  # noqa: E731
        else:
            make = lambda: default_encoder(1, device)  # noqa: E731
        make().fit(X.iloc[:5000], y[:5000])
        op = lambda: make().fit(X, y)  # noqa: E731
    else:
        X, y = make_transform_data(rows)
        est, _ = fit_transformer(task.removeprefix("transform_"), X, y, device)
        est.transform(X.iloc[:5000])
        op = lambda: est.transform(X)  # noqa: E731
    gc.collect()
    input_bytes = int(X.memory_usage(deep=True).sum())
    if on_cuda:
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
    before = rss_now()
    method = reset_peak()
    result = op()
    peak = peak_rss(method)
    out = {
        "task": task,
        "rows": rows,
        "input_bytes": input_bytes,
        "rss_before_bytes": before,
        "peak_rss_bytes": peak,
        "peak_increase_bytes": (peak - before) if peak and before else None,
        "method": method,
    }
    if hasattr(result, "nbytes"):
        out["output_bytes"] = int(result.nbytes)
    if on_cuda and task.startswith("fit"):
        out["cuda_peak_allocated_bytes"] = int(torch.cuda.max_memory_allocated())
        out["cuda_peak_reserved_bytes"] = int(torch.cuda.max_memory_reserved())
    return out


def measure_memory(task: str, rows: int, device: str, args) -> dict:
    cmd = [*module_command(__package__), "--memory-child", task]
    cmd += ["--rows", str(rows), "--device", device]
    if args.threads is not None:
        cmd += ["--threads", str(args.threads)]
    if args.dropout is not None:
        cmd += ["--dropout", str(args.dropout)]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False, env=child_env())
    if proc.returncode != 0:
        return {"task": task, "error": proc.stderr.strip().splitlines()[-1:]}
    return json.loads(proc.stdout.strip().splitlines()[-1])
