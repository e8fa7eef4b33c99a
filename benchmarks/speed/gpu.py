"""Section 4: the GPU figures (training rows/s and transform GB/s, data on the
device); ``--gpu-smoke`` runs the same code on the CPU.
"""

from __future__ import annotations

import gc
from functools import partial

import torch

from .._common import (
    Timer,
    fmt_bytes,
    fmt_rate,
    fmt_seconds,
)
from .gpu_timing import (
    copy_bandwidth,
    gpu_encoder,
    gpu_properties,
    synchronizer,
    time_device_epochs,
    time_device_transform,
)
from .report import fmt_setup
from .workloads import (
    CRITEO_CATEGORICAL,
    CRITEO_CONTINUOUS,
    CRITEO_DIM,
    GPU_TRAIN_TARGET,
    GPU_TRANSFORM_REPEATS,
    GPU_TRANSFORM_TARGET,
    LAB_COLUMNS,
    criteo_cardinalities,
    lab_matrix,
    make_criteo_like,
    make_lab_data,
)


def _error(exc: BaseException) -> dict:
    return {"error": f"{type(exc).__name__}: {exc}".strip()[:500]}


def _free(device: str) -> None:
    gc.collect()
    if torch.device(device).type == "cuda":
        torch.cuda.empty_cache()


def gpu_configs(batch_sizes) -> list[tuple[int, str | None]]:
    """(batch size, mixed precision) pairs: every batch size, then bf16 at the largest."""
    return [(b, None) for b in batch_sizes] + [(max(batch_sizes), "bf16")]


def run_gpu(args, device: str) -> dict:
    """Section 4: training rows/s and transform GB/s with the data on the device."""
    smoke = args.gpu_smoke
    if smoke:
        device = "cpu"
    elif torch.device(device).type != "cuda":
        reason = "no CUDA device" if not torch.cuda.is_available() else f"--device {device}"
        print(f"\n## GPU figures: not measured ({reason})", flush=True)
        return {"measured": False, "reason": reason}
    sync = synchronizer(device)
    props = gpu_properties(device)
    configs = gpu_configs(args.gpu_batch_sizes)
    gpu = {
        "measured": True,
        "smoke": smoke,
        "device": device,
        "properties": props,
        "config": {
            "lab_rows": args.rows,
            "criteo_rows": args.criteo_rows,
            "criteo_cardinalities": criteo_cardinalities(),
            "criteo_continuous": CRITEO_CONTINUOUS,
            "criteo_embedding_dim": CRITEO_DIM,
            "batch_sizes": list(args.gpu_batch_sizes),
            "configs": [{"batch_size": b, "mixed_precision": mp} for b, mp in configs],
            "extra_epochs": args.gpu_epochs,
            "transform_repeats": GPU_TRANSFORM_REPEATS,
            "copy_bytes": args.gpu_copy_bytes,
        },
        "targets": {
            "training_rows_per_s": GPU_TRAIN_TARGET,
            "transform_fraction_of_copy_bandwidth": GPU_TRANSFORM_TARGET,
        },
    }
    title = "GPU code path on the CPU (--gpu-smoke)" if smoke else f"GPU: {props['name']}"
    print(
        f"\n## {title}; torch {props['torch']}, CUDA {props['cuda']}; data on {device}",
        flush=True,
    )

    # -- memory bandwidth: device-to-device copy --------------------------------
    try:
        bandwidth = copy_bandwidth(device, args.gpu_copy_bytes)
    except Exception as exc:  # reported; the other figures still run
        bandwidth = _error(exc)
    bandwidth["theoretical_gb_per_s"] = props.get("theoretical_gb_per_s")
    gpu["bandwidth"] = bandwidth
    _free(device)
    if "error" in bandwidth:
        print(f"  copy bandwidth: {bandwidth['error']}", flush=True)
    else:
        peak = bandwidth["theoretical_gb_per_s"]
        print(
            f"  memory bandwidth: copy of {fmt_bytes(bandwidth['copy_bytes'])} "
            f"{bandwidth['gb_per_s']:.1f} GB/s (read + write); theoretical peak "
            f"{f'{peak:.1f} GB/s' if peak else 'not exposed by torch'}",
            flush=True,
        )

    # -- training rows/s per epoch, data on the device -------------------------
    gpu["training"] = {}
    for shape in ("lab", "criteo"):
        with Timer() as t_data:
            if shape == "lab":
                frame, y_np = make_lab_data(args.rows)
                X_np, n_cat, dim = lab_matrix(frame), len(LAB_COLUMNS), "auto"
                del frame
            else:
                X_np, y_np = make_criteo_like(args.criteo_rows)
                n_cat, dim = CRITEO_CATEGORICAL, CRITEO_DIM
            X = torch.as_tensor(X_np, device=device)
            y = torch.as_tensor(y_np, device=device)
            del X_np, y_np
            sync()
        print(
            f"  {shape} shape: {tuple(X.shape)} {X.dtype} on {X.device}, positive rate "
            f"{y.double().mean().item():.3f}; generated and moved in "
            f"{fmt_seconds(t_data.seconds)}",
            flush=True,
        )
        runs = []
        for batch, precision in configs:
            make = partial(
                gpu_encoder,
                device=device,
                batch_size=batch,
                n_categorical=n_cat,
                embedding_dim=dim,
                mixed_precision=precision,
            )
            try:
                r = time_device_epochs(make, X, y, args.gpu_epochs, device)
            except Exception as exc:  # reported; the next configuration still runs
                r = _error(exc)
            _free(device)
            r = {"batch_size": batch, "mixed_precision": precision, **r}
            runs.append(r)
            label = f"    batch {batch:>6} {precision or 'fp32':<5}"
            if "error" in r:
                print(f"{label} error: {r['error']}", flush=True)
                continue
            print(
                f"{label} {fmt_rate(r['rows_per_s']):>16} per epoch (epoch "
                f"{fmt_seconds(r['epoch_s'])}, setup {fmt_setup(r['setup_s'])}, final loss "
                f"{r['final_train_loss']:.4f}, CUDA peak "
                f"{fmt_bytes(r['cuda_peak_allocated_bytes'])})",
                flush=True,
            )
        ok = [r for r in runs if "error" not in r]
        best = max(ok, key=lambda r: r["rows_per_s"]) if ok else None
        passed = best is not None and best["rows_per_s"] >= GPU_TRAIN_TARGET
        gpu["training"][shape] = {
            "rows": len(X),
            "columns": int(X.shape[1]),
            "n_categorical": n_cat,
            "embedding_dim": dim,
            "data_generation_s": t_data.seconds,
            "runs": runs,
            "best": best,
            "pass": None if smoke else bool(passed),
        }
        if shape == "lab":
            del X, y
            _free(device)

    # -- transform GB/s, input and output on the device ------------------------
    try:
        with Timer() as t_fit:
            enc = gpu_encoder(
                1,
                device=device,
                batch_size=max(args.gpu_batch_sizes),
                n_categorical=CRITEO_CATEGORICAL,
                embedding_dim=CRITEO_DIM,
            ).fit(X, y)
            sync()
        transform = time_device_transform(enc, X, device, GPU_TRANSFORM_REPEATS)
        transform["fit_s"] = t_fit.seconds
        del enc
    except Exception as exc:  # reported in the results
        transform = _error(exc)
    del X, y
    _free(device)
    if "error" not in transform and "error" not in bandwidth:
        fraction = transform["bytes_per_s"] / bandwidth["bytes_per_s"]
        transform["fraction_of_copy_bandwidth"] = fraction
        peak = props.get("theoretical_bytes_per_s")
        transform["fraction_of_theoretical"] = transform["bytes_per_s"] / peak if peak else None
        # the target is for device-resident output: a host output does not pass
        passed = fraction >= GPU_TRANSFORM_TARGET and transform["output_follows_input"]
        transform["pass"] = None if smoke else bool(passed)
    gpu["transform"] = transform
    if "error" in transform:
        print(f"  transform: error: {transform['error']}", flush=True)
    else:
        note = "" if transform["output_follows_input"] else " -- NOT on the input's device"
        print(
            f"  transform: {transform['rows']:,} rows in "
            f"{fmt_seconds(transform['transform_s_best'])} -> "
            f"{transform['gb_per_s']:.2f} GB/s ({fmt_bytes(transform['input_bytes'])} read + "
            f"{fmt_bytes(transform['output_bytes'])} written; output "
            f"{transform['output_type']} {transform['output_dtype']} on "
            f"{transform['output_device']}{note}); "
            f"{transform.get('fraction_of_copy_bandwidth', float('nan')):.0%} of the copy "
            f"bandwidth",
            flush=True,
        )
    return gpu


def gpu_errors(gpu: dict) -> list[str]:
    """The errors recorded by the GPU section, each prefixed with where it happened."""
    if not gpu.get("measured"):
        return []
    errors = (
        [f"copy bandwidth: {gpu['bandwidth']['error']}"] if "error" in gpu["bandwidth"] else []
    )
    for shape, t in gpu["training"].items():
        for r in t["runs"]:
            if "error" in r:
                precision = r["mixed_precision"] or "fp32"
                errors.append(f"{shape} batch {r['batch_size']} {precision}: {r['error']}")
    if "error" in gpu["transform"]:
        errors.append(f"transform: {gpu['transform']['error']}")
    return errors
