"""The speed benchmark's run: sections 1-4 in order, into one payload."""

from __future__ import annotations

import gc
import time

import torch

from .._common import (
    Timer,
    busy_warning,
    fmt_bytes,
    fmt_rate,
    fmt_seconds,
    machine_info,
    machine_summary,
)
from .gpu import run_gpu
from .memory import measure_memory
from .report import fmt_setup
from .training import (
    time_dataloader,
    time_encoder_epochs,
)
from .transform import (
    TRANSFORMERS,
    time_transforms,
)
from .workloads import (
    CPU_TARGET,
    GPU_TARGET,
    LAB_BATCH,
    LAB_CARDINALITIES,
    LAB_EMBEDDING_DIMS,
    LAB_HIDDEN,
    TRANSFORM_CARDINALITIES,
    default_encoder,
    lab_encoder,
    make_lab_data,
    make_transform_data,
)


def run(args) -> dict:
    t_start = time.perf_counter()
    device = "cuda" if torch.cuda.is_available() else "cpu"
    if args.device != "auto":
        device = args.device
    target = GPU_TARGET if device.startswith("cuda") else CPU_TARGET
    info = machine_info()
    print(f"# Speed benchmark{' (--quick)' if args.quick else ''}")
    print(machine_summary(info))
    if busy_warning(info):
        print(busy_warning(info))
    print(f"training device: {device}; torch threads: {torch.get_num_threads()}", flush=True)
    payload = {
        "benchmark": "speed",
        "quick": args.quick,
        "gpu_only": args.gpu_only,
        "gpu_smoke": args.gpu_smoke,
        "machine": info,
        "device": device,
        "config": {
            "lab_rows": args.rows,
            "lab_cardinalities": LAB_CARDINALITIES,
            "lab_embedding_dims": LAB_EMBEDDING_DIMS,
            "lab_hidden_layer_sizes": LAB_HIDDEN,
            "lab_batch_size": LAB_BATCH,
            "extra_epochs": args.epochs,
            "fit_repeats": args.fit_repeats,
            "default_extra_epochs": args.default_epochs,
            "dataloader_warmup_batches": args.warmup_batches,
            "dataloader_timed_batches": args.dl_batches,
            "dataloader_adam": args.baseline_adam,
            "transform_rows": args.transform_rows,
            "transform_cardinalities": TRANSFORM_CARDINALITIES,
            "transform_repeats": args.repeats,
            "torch_threads": torch.get_num_threads(),
            "baseline_adam": args.baseline_adam,
            "lab_dropout": args.dropout if args.dropout is not None else "encoder default",
        },
        "method": (
            "Encoder epoch time = (fit(max_iter=1+k) - fit(max_iter=1)) / k; setup = "
            "fit(max_iter=1) - epoch time (validation, factorizing, copying to the "
            "device, building the network). DataLoader: the time of the timed batches "
            "after the warm-up batches, scaled to a whole epoch, plus the time to start "
            "the epoch's iterator; its preprocessing (codes, scaling, tensors, network) "
            "is reported separately. rows/s = training rows per epoch / epoch time."
        ),
    }

    if args.gpu_only or args.gpu_smoke:
        payload["gpu"] = run_gpu(args, device)
        payload["total_seconds"] = time.perf_counter() - t_start
        return payload

    # -- training --------------------------------------------------------------
    with Timer() as t_data:
        X, y = make_lab_data(args.rows)
    print(
        f"\n## Training: {len(X):,} rows, cardinalities {LAB_CARDINALITIES} (Zipf), "
        f"positive rate {y.mean():.3f}; data generated in {fmt_seconds(t_data.seconds)}",
        flush=True,
    )
    # the two trainers are timed in alternating rounds, so that both see the same machine
    # state: on a shared 2-core VM the speed of torch arithmetic drifts by up to 2x over
    # minutes, which a ratio of measurements taken minutes apart would mistake for a change
    rounds = []
    for r in range(args.rounds):
        lab_r = time_encoder_epochs(
            lambda m: lab_encoder(m, device, args.dropout), X, y, args.epochs, args.fit_repeats
        )
        print(
            f"  [round {r + 1}] EntityEmbeddingEncoder (lab network): epoch "
            f"{fmt_seconds(lab_r['epoch_s'])} -> {fmt_rate(lab_r['rows_per_s'])}; setup "
            f"{fmt_setup(lab_r['setup_s'])}",
            flush=True,
        )
        dl_r = time_dataloader(
            X,
            y,
            device,
            args.dl_batches,
            args.warmup_batches,
            fused=args.baseline_adam == "fused",
            dropout=args.dropout,
        )
        print(
            f"  [round {r + 1}] per-item Dataset + DataLoader: {dl_r['timed_batches']} batches "
            f"in {fmt_seconds(dl_r['timed_s'])} -> extrapolated epoch "
            f"{fmt_seconds(dl_r['epoch_s_extrapolated'])}, {fmt_rate(dl_r['rows_per_s'])} "
            f"(extrapolated from {dl_r['timed_batches']} of {dl_r['batches_per_epoch']} "
            f"batches); preprocessing {fmt_seconds(dl_r['preprocess_s'])}",
            flush=True,
        )
        rounds.append((lab_r["rows_per_s"] / dl_r["rows_per_s"], lab_r, dl_r))
    ratio, lab, dl = sorted(rounds, key=lambda item: item[0])[len(rounds) // 2]
    print(
        f"  ratio per round: {', '.join(f'{q:.2f}x' for q, _, _ in rounds)}; median {ratio:.2f}x",
        flush=True,
    )
    defaults = time_encoder_epochs(
        lambda m: default_encoder(m, device), X, y, args.default_epochs, args.fit_repeats
    )
    print(
        f"  EntityEmbeddingEncoder() defaults (dims {defaults['embedding_dims']}, batch "
        f"{defaults['batch_size']}, early stopping): epoch {fmt_seconds(defaults['epoch_s'])} "
        f"-> {fmt_rate(defaults['rows_per_s'])}; setup {fmt_setup(defaults['setup_s'])}",
        flush=True,
    )
    payload["training"] = {
        "rows": len(X),
        "positive_rate": float(y.mean()),
        "data_generation_s": t_data.seconds,
        "encoder_lab": lab,
        "dataloader_lab": dl,
        "encoder_defaults": defaults,
        "ratio": ratio,
        "round_ratios": [q for q, _, _ in rounds],
        "round_rows_per_s": [
            {"encoder": lab_r["rows_per_s"], "dataloader": dl_r["rows_per_s"]}
            for _, lab_r, dl_r in rounds
        ],
        "target_ratio": target,
        "pass": bool(ratio >= target),
    }
    del X, y
    gc.collect()

    # -- transform -------------------------------------------------------------
    with Timer() as t_data:
        X, y = make_transform_data(args.transform_rows)
    print(
        f"\n## Transform: {len(X):,} rows, string columns {list(X.columns)} "
        f"({', '.join(str(X[c].dtype) for c in X.columns)}); data generated in "
        f"{fmt_seconds(t_data.seconds)}",
        flush=True,
    )
    transforms = time_transforms(X, y, device, args.repeats)
    for name, r in transforms.items():
        print(
            f"  {name:<24} {fmt_rate(r['rows_per_s']):>16}  {r['output_gb_per_s']:.3f} GB/s "
            f"output {tuple(r['output_shape'])} {r['output_dtype']} "
            f"(best of {args.repeats}, median {fmt_rate(r['rows_per_s_median'])}, first call "
            f"{fmt_seconds(r['first_call_s'])}; fit {fmt_seconds(r['fit_s'])})",
            flush=True,
        )
    ee_rate = transforms["EntityEmbeddingEncoder"]["rows_per_s"]
    ord_rate = transforms["OrdinalEncoder"]["rows_per_s"]
    payload["transform"] = {
        "rows": len(X),
        "input_bytes": int(X.memory_usage(deep=True).sum()),
        "results": transforms,
        "ratio_vs_ordinal": ee_rate / ord_rate,
        "pass": bool(ee_rate >= ord_rate),
    }
    del X, y
    gc.collect()

    # -- memory ----------------------------------------------------------------
    memory = {}
    if not args.no_memory:
        print("\n## Peak memory (fresh subprocess per measurement)", flush=True)
        tasks = [("fit_lab", args.rows), ("fit_default", args.rows)]
        tasks += [(f"transform_{name}", args.transform_rows) for name in TRANSFORMERS]
        for task, rows in tasks:
            m = measure_memory(task, rows, device, args)
            memory[task] = m
            if "error" in m:
                print(f"  {task:<40} error: {m['error']}", flush=True)
                continue
            cuda = ""
            if "cuda_peak_allocated_bytes" in m:
                cuda = f", CUDA peak allocated {fmt_bytes(m['cuda_peak_allocated_bytes'])}"
            print(
                f"  {task:<40} peak RSS {fmt_bytes(m['peak_rss_bytes'])} (+"
                f"{fmt_bytes(m['peak_increase_bytes'])} over {fmt_bytes(m['rss_before_bytes'])}"
                f" before; input {fmt_bytes(m['input_bytes'])}){cuda}",
                flush=True,
            )
    payload["memory"] = memory

    # -- GPU: data on the device -------------------------------------------------
    payload["gpu"] = run_gpu(args, device)
    payload["total_seconds"] = time.perf_counter() - t_start
    return payload
