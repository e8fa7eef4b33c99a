"""The markdown report and the PASS/FAIL lines of the speed benchmark."""

from __future__ import annotations

from .._common import (
    busy_warning,
    fmt_bytes,
    fmt_rate,
    fmt_seconds,
    machine_summary,
    markdown_table,
)
from .workloads import (
    CRITEO_CATEGORICAL,
    CRITEO_CONTINUOUS,
    CRITEO_DIM,
    CRITEO_MAX_CARDINALITY,
    GPU_TRAIN_TARGET,
    GPU_TRANSFORM_TARGET,
)


def _verdict(passed: bool | None) -> str:
    return "SMOKE (not a target check)" if passed is None else ("PASS" if passed else "FAIL")


def gpu_pass_lines(gpu: dict | None) -> list[str]:
    """The GPU targets' lines; one line saying so when the GPU section was not measured."""
    if not gpu:
        return []
    if not gpu.get("measured"):
        reason = gpu.get("reason", "no CUDA device")
        where = " on this machine" if reason == "no CUDA device" else ""
        return [f"GPU figures: not measured ({reason}{where})"]
    lines = []
    name = gpu["properties"]["name"]
    for shape, t in gpu["training"].items():
        best, label = t["best"], "Criteo-like" if shape == "criteo" else "lab"
        if best is None:
            lines.append(f"FAIL: GPU training, {label} shape: every configuration failed")
            continue
        default = next(
            (r for r in t["runs"] if r["batch_size"] == 128 and r["mixed_precision"] is None),
            None,
        )
        at_default = (
            f"; batch 128: {fmt_rate(default['rows_per_s'])}"
            if default and "error" not in default
            else ""
        )
        lines.append(
            f"{_verdict(t['pass'])}: GPU training, {label} shape ({t['rows']:,} rows, data on "
            f"the device): {fmt_rate(best['rows_per_s'])} per epoch >= "
            f"{fmt_rate(GPU_TRAIN_TARGET)} at batch {best['batch_size']} "
            f"{best['mixed_precision'] or 'fp32'}{at_default}; on {name}"
        )
    tf, bw = gpu["transform"], gpu["bandwidth"]
    if "error" in tf or "error" in bw:
        lines.append("FAIL: GPU transform: " + tf.get("error", bw.get("error", "")))
    else:
        lines.append(
            f"{_verdict(tf['pass'])}: GPU transform, Criteo-like shape ({tf['rows']:,} rows, "
            f"input and output on the device): {tf['gb_per_s']:.1f} GB/s = "
            f"{tf['fraction_of_copy_bandwidth']:.0%} of the measured copy bandwidth "
            f"{bw['gb_per_s']:.1f} GB/s >= {GPU_TRANSFORM_TARGET:.0%}; on {name}"
        )
    return lines


def pass_lines(payload: dict) -> list[str]:
    gpu = gpu_pass_lines(payload.get("gpu"))
    if "training" not in payload:  # --gpu-only, --gpu-smoke
        return gpu
    tr, tf = payload["training"], payload["transform"]
    where = "GPU" if payload["device"].startswith("cuda") else "CPU"
    ee = tf["results"]["EntityEmbeddingEncoder"]["rows_per_s"]
    ordinal = tf["results"]["OrdinalEncoder"]["rows_per_s"]
    return [
        f"{'PASS' if tr['pass'] else 'FAIL'}: training throughput ratio EntityEmbeddingEncoder "
        f"/ per-item DataLoader = {tr['ratio']:.1f}x >= {tr['target_ratio']:.0f}x on {where} "
        f"({fmt_rate(tr['encoder_lab']['rows_per_s'])} vs "
        f"{fmt_rate(tr['dataloader_lab']['rows_per_s'])}, lab network, "
        f"{payload['training']['rows']:,} rows)",
        f"{'PASS' if tf['pass'] else 'FAIL'}: transform EntityEmbeddingEncoder "
        f"{fmt_rate(ee)} >= OrdinalEncoder {fmt_rate(ordinal)} "
        f"({tf['ratio_vs_ordinal']:.2f}x, {tf['rows']:,} rows of strings)",
        *gpu,
    ]


def fmt_setup(seconds: float) -> str:
    """The setup time; a negative difference of two timings is measurement noise."""
    return fmt_seconds(seconds) if seconds >= 0 else "≈0 (noise)"


def render_markdown(payload: dict) -> str:
    if payload.get("gpu_smoke"):
        title = " (--gpu-smoke: the GPU section's code on the CPU, not a measurement)"
    else:
        title = (" (--quick smoke run)" if payload["quick"] else "") + (
            " (--gpu-only)" if payload.get("gpu_only") else ""
        )
    lines = [
        f"# Speed benchmark{title}",
        "",
        machine_summary(payload["machine"]),
        *([busy_warning(payload["machine"])] if busy_warning(payload["machine"]) else []),
    ]
    if "training" in payload:
        lines += [
            f"Training device: {payload['device']}, torch threads "
            f"{payload['config']['torch_threads']}.",
            "",
            payload["method"],
            "",
            *cpu_sections_markdown(payload),
        ]
    lines += gpu_markdown(payload.get("gpu"))
    lines += ["", *pass_lines(payload), "", f"Total: {fmt_seconds(payload['total_seconds'])}."]
    return "\n".join(lines) + "\n"


def cpu_sections_markdown(payload: dict) -> list[str]:
    """Sections 1-3: training against the DataLoader, transform, peak memory."""
    tr, tf = payload["training"], payload["transform"]
    lab, dl, de = tr["encoder_lab"], tr["dataloader_lab"], tr["encoder_defaults"]
    lines = [
        f"## Training ({tr['rows']:,} rows, lab network: dims 7/3/3/3, MLP 200-70, batch 1000)",
        "",
    ]
    rows = [
        [
            "EntityEmbeddingEncoder (lab network)",
            fmt_rate(lab["rows_per_s"]),
            fmt_seconds(lab["epoch_s"]),
            fmt_setup(lab["setup_s"]),
            f"fits of 1 and {1 + payload['config']['extra_epochs']} epochs",
        ],
        [
            "per-item Dataset + DataLoader (same network)",
            fmt_rate(dl["rows_per_s"]),
            fmt_seconds(dl["epoch_s_extrapolated"]),
            fmt_seconds(dl["preprocess_s"]),
            f"extrapolated from {dl['timed_batches']} of {dl['batches_per_epoch']} batches; "
            f"Adam: {dl['adam']}",
        ],
        [
            "EntityEmbeddingEncoder() defaults",
            fmt_rate(de["rows_per_s"]),
            fmt_seconds(de["epoch_s"]),
            fmt_setup(de["setup_s"]),
            f"dims {de['embedding_dims']}, MLP {de['hidden_layer_sizes']}, batch "
            f"{de['batch_size']}, epoch includes the validation pass",
        ],
    ]
    lines.append(
        markdown_table(
            ["Trainer", "rows/s per epoch", "epoch", "setup / preprocessing", "how"],
            rows,
            ["l", "r", "r", "r", "l"],
        )
    )
    if tr.get("round_ratios"):
        per_round = ", ".join(
            f"{q:.2f}x ({fmt_rate(r['encoder'])} / {fmt_rate(r['dataloader'])})"
            for q, r in zip(tr["round_ratios"], tr["round_rows_per_s"])
        )
        lines += [
            "",
            f"Alternating rounds (encoder / DataLoader): {per_round}. The table shows the "
            "round with the median ratio.",
        ]
    lines += [
        "",
        f"## Transform ({tf['rows']:,} rows, pandas string columns)",
        "",
        f"Fastest of {payload['config']['transform_repeats']} calls after a first, "
        "untimed-for-the-rate call (shown as 'first call': it also pays for fresh memory "
        "for the output); the median is shown too. Each encoder is fitted on the same "
        "frame (EntityEmbeddingEncoder with max_iter=1).",
        "",
    ]
    rows = [
        [
            name,
            fmt_rate(r["rows_per_s"]),
            f"{r['output_gb_per_s']:.3f}",
            fmt_seconds(r["transform_s_best"]),
            fmt_rate(r["rows_per_s_median"]),
            fmt_seconds(r["first_call_s"]),
            f"{tuple(r['output_shape'])} {r['output_dtype']}",
            fmt_seconds(r["fit_s"]),
        ]
        for name, r in tf["results"].items()
    ]
    lines.append(
        markdown_table(
            [
                "Encoder",
                "rows/s",
                "output GB/s",
                "transform",
                "rows/s (median)",
                "first call",
                "output",
                "fit",
            ],
            rows,
            ["l", "r", "r", "r", "r", "r", "l", "r"],
        )
    )
    if payload["memory"]:
        lines += ["", "## Peak memory (fresh subprocess per measurement)", ""]
        rows = []
        for task, m in payload["memory"].items():
            if "error" in m:
                rows.append([task, "error", "", "", ""])
                continue
            rows.append(
                [
                    task,
                    fmt_bytes(m["peak_rss_bytes"]),
                    fmt_bytes(m["peak_increase_bytes"]),
                    fmt_bytes(m["input_bytes"]),
                    fmt_bytes(m.get("cuda_peak_allocated_bytes")),
                ]
            )
        lines.append(
            markdown_table(
                ["Operation", "peak RSS", "increase over before", "input frame", "CUDA peak"],
                rows,
                ["l", "r", "r", "r", "r"],
            )
        )
    return lines


def gpu_markdown(gpu: dict | None) -> list[str]:
    """Section 4: the GPU figures (``pass_lines`` says why when they were not measured)."""
    if not gpu or not gpu.get("measured"):
        return []
    props, cfg, bw, tf = gpu["properties"], gpu["config"], gpu["bandwidth"], gpu["transform"]
    head = (
        "GPU code path on the CPU (--gpu-smoke; figures are not GPU figures)"
        if gpu["smoke"]
        else f"GPU: {props['name']}"
    )
    lines = [
        "",
        f"## {head}",
        "",
        f"Device {gpu['device']}, torch {props['torch']}, CUDA {props['cuda']}"
        + (
            f", compute capability {props['compute_capability']}, "
            f"{fmt_bytes(props['total_memory_bytes'])}"
            if "compute_capability" in props
            else ""
        )
        + ". X is one float32 tensor on the device (category codes as float32 values, "
        "then the continuous columns) and y an int64 tensor on the device. Training: "
        f"rows/s per epoch = rows / ((fit(max_iter={1 + cfg['extra_epochs']}) - "
        f"fit(max_iter=1)) / {cfg['extra_epochs']}), early_stopping=False, synchronized; "
        "the encoder's default network. CUDA peak = torch.cuda.max_memory_allocated over "
        "the two timed fits, input tensors included.",
        "",
    ]
    shapes = {
        "lab": "lab shape: 4 categorical columns (3303, 14, 61, 90 categories, Zipf) + 1 "
        "continuous, embedding_dim='auto'",
        "criteo": f"Criteo-like: {CRITEO_CATEGORICAL} categorical columns (cardinalities "
        f"log-spaced from 10 to {CRITEO_MAX_CARDINALITY:,}, Zipf) + {CRITEO_CONTINUOUS} "
        f"lognormal, embedding_dim={CRITEO_DIM}",
    }
    lines += [f"* {shapes[shape]}." for shape in gpu["training"]] + [""]
    rows = []
    for shape, t in gpu["training"].items():
        for r in t["runs"]:
            label = "Criteo-like" if shape == "criteo" else "lab"
            cells = [f"{label}, {t['rows']:,} rows", r["batch_size"]]
            cells.append(r["mixed_precision"] or "fp32")
            if "error" in r:
                rows.append([*cells, "error", "", "", "", "", r["error"]])
                continue
            rows.append(
                [
                    *cells,
                    fmt_rate(r["rows_per_s"]),
                    fmt_seconds(r["epoch_s"]),
                    fmt_setup(r["setup_s"]),
                    fmt_bytes(r["cuda_peak_allocated_bytes"]),
                    f"{r['final_train_loss']:.4f}",
                    "",
                ]
            )
    lines.append(
        markdown_table(
            [
                "Shape",
                "batch",
                "precision",
                "rows/s per epoch",
                "epoch",
                "setup",
                "CUDA peak",
                "final loss",
                "note",
            ],
            rows,
            ["l", "r", "l", "r", "r", "r", "r", "r", "l"],
        )
    )
    lines += [
        "",
        f"Target: {fmt_rate(GPU_TRAIN_TARGET)} per epoch (H100, default network, data on "
        "the device); the fastest configuration counts.",
        "",
        "### Transform and memory bandwidth",
        "",
        "transform(X) with X on the device and the output on the device, synchronized, "
        f"fastest of {cfg['transform_repeats']} calls after a warm-up call; GB/s = (bytes "
        "of X + bytes of the output) / seconds. Copy bandwidth: dst.copy_(src) of "
        f"{fmt_bytes(cfg['copy_bytes'])} on the device, read + write bytes. Theoretical: "
        "2 x memory clock x bus width / 8.",
        "",
    ]
    if "error" in bw:
        copy = theory = "error"
    else:
        copy = f"{bw['gb_per_s']:.1f}"
        peak = bw.get("theoretical_gb_per_s")
        theory = f"{peak:.1f}" if peak else "not exposed"
    if "error" in tf:
        lines.append(f"Transform error: {tf['error']}")
        lines.append(f"Copy bandwidth {copy} GB/s; theoretical {theory} GB/s.")
        return lines
    fraction = tf.get("fraction_of_copy_bandwidth")
    theoretical_fraction = tf.get("fraction_of_theoretical")
    row = [
        f"{tf['rows']:,}",
        fmt_seconds(tf["transform_s_best"]),
        fmt_rate(tf["rows_per_s"]),
        f"{fmt_bytes(tf['input_bytes'])} + {fmt_bytes(tf['output_bytes'])}",
        f"{tf['gb_per_s']:.1f}",
        copy,
        f"{fraction:.0%}" if fraction is not None else "—",
        theory,
        f"{theoretical_fraction:.0%}" if theoretical_fraction is not None else "—",
        f"{tf['output_type']} {tf['output_dtype']} {tuple(tf['output_shape'])} on "
        f"{tf['output_device']}",
    ]
    lines.append(
        markdown_table(
            [
                "rows",
                "transform",
                "rows/s",
                "read + written",
                "GB/s",
                "copy GB/s",
                "of copy",
                "theoretical GB/s",
                "of theoretical",
                "output",
            ],
            [row],
            ["r", "r", "r", "r", "r", "r", "r", "r", "r", "l"],
        )
    )
    if not tf["output_follows_input"]:
        lines += ["", "Note: the output was not on the input's device (expected a tensor there)."]
    return lines
