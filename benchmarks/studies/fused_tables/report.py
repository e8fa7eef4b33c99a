"""The markdown report of the fused-tables study."""

from __future__ import annotations

from ..._common import (
    busy_warning,
    machine_summary,
    markdown_table,
)
from .shapes import SHAPES

VARIANT_LABEL = {
    "A": "A per-column tables",
    "B": "B grouped fused",
    "C": "C A + torch.compile",
    "D": "D B + torch.compile",
    "E": "E D, aten dropout RNG",
    "F": "F C, aten dropout RNG",
}


def render(payload: dict) -> str:
    info, rows = payload["machine"], payload["results"]
    lines = [
        "# Fused embedding tables and torch.compile: time of one training step",
        "",
        machine_summary(info),
    ]
    warning = busy_warning(info)
    if warning:
        lines.append(warning)
    cfg = payload["config"]
    lines += [
        f"Device: {payload['device']}, torch threads {info['torch_threads']}; codes "
        f"{cfg['codes']}; SPARSE_MIN_ROWS = {cfg['sparse_min_rows']:,}; compile mode "
        f"{cfg['compile_mode']}, inductor cache {cfg['inductor_cache']}; total "
        f"{payload['total_seconds']:.0f} s.",
        "",
        "One step = forward, weighted per-sample BCE, backward, optimizer step(s), "
        "zero_grad(set_to_none=True); MLP (128, 64), dropout 0.1, embedding dropout 0.1; "
        "fused Adam + SparseAdam for sparse tables as skembed._training._Adam. ms/step: "
        f"median over {cfg['rounds']} rounds of a block of about {cfg['block_seconds']} s "
        "per variant, variants interleaved; min-max over the rounds in brackets. "
        "First step: the first call (compilation for C to F; the first compilation of "
        "the run also pays for loading inductor), with the number of graphs dynamo compiled "
        "(1: the whole loss function, no graph break, no fallback).",
        "",
    ]
    for name, shape in SHAPES.items():
        if not any(r["shape"] == name for r in rows):
            continue
        sizes = shape["table_sizes"]
        n_sparse = sum(s >= cfg["sparse_min_rows"] for s in sizes)
        lines.append(
            f"- {name}: {len(sizes)} columns, tables {min(sizes):,}..{max(sizes):,} rows "
            f"({sum(sizes):,} in all, {n_sparse} sparse), widths {sorted(set(shape['dims']))}, "
            f"{shape['n_continuous']} continuous."
        )
    lines += ["", "## Results", ""]
    table = [
        [
            r["shape"], r["batch"], VARIANT_LABEL[r["variant"]], r["n_tables"],
            f"{r['ms_per_step']:.3f} ({r['ms_min']:.3f}-{r['ms_max']:.3f})",
            f"{r['rows_per_s'] / 1e3:,.1f} k",
            "—" if r["speedup_vs_A"] is None else f"{r['speedup_vs_A']:.2f}x",
            f"{r['first_step_s']:.2f} s"
            + (f" ({r['compiled_graphs']} graph)" if r["variant"] not in "AB" else ""),
        ]
        for r in rows
    ]  # fmt: skip
    lines.append(
        markdown_table(
            ["shape", "batch", "variant", "tables", "ms/step", "rows/s", "vs A", "first step"],
            table,
            ["l", "r", "l", "r", "r", "r", "r", "r"],
        )
    )
    if payload["failures"]:
        lines += ["", "## Failures", ""]
        lines += [
            f"- {f['shape']} batch {f['batch']} variant {f['variant']}: `{f['error']}`"
            for f in payload["failures"]
        ]
    lines += ["", "## Equivalence of A and B (B's tables initialised from A's)", ""]
    for name, check in payload["equivalence"].items():
        lines.append(
            f"- {name}: allclose passed; max |A - B| eval output "
            f"{check['eval_max_abs_diff']:.1e}, training loss {check['train_loss_abs_diff']:.1e}, "
            f"output after one step {check['after_step_max_abs_diff']:.1e}"
        )
    return "\n".join(lines) + "\n"
