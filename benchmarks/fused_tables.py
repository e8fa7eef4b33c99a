"""Fused embedding tables and torch.compile: is one training step faster?

Question (from the issue): where launch overhead dominates (small networks, many
columns), does one fused embedding table with per-column offsets, instead of one
``nn.Embedding`` per column, or ``torch.compile``, make a training step faster?
Keep what the benchmark shows is faster.

Method. The time of one full training step -- forward, per-sample binary
cross-entropy weighted by a sample weight (as ``skembed._training`` computes it),
backward, optimizer step, ``zero_grad(set_to_none=True)`` -- on a pool of
pre-generated batches already on the device, for the variants:

* **A** one ``nn.Embedding`` per column: ``skembed._module.EntityEmbeddingNet`` as
  it was at commit 4fe9897 (its single-column path, copied into this script so
  the baseline does not change with the package), with the optimizers of
  ``skembed._training._Adam`` at that commit: fused
  ``torch.optim.Adam`` (weight decay 1e-3 on the MLP, none on the tables) and
  ``SparseAdam`` for tables with ``SPARSE_MIN_ROWS`` rows or more (sparse
  gradients, the constant read from ``skembed._encoder``).
* **B** grouped fused tables (defined here): the columns with the same width and
  the same sparse flag share one ``nn.Embedding`` whose rows are their tables
  stacked; one precomputed offsets tensor is added to the batch's codes, one
  lookup per group gives ``(batch, n_cols_in_group, dim)``, reshaped to
  ``(batch, n_cols_in_group * dim)``; the groups' outputs are concatenated and,
  when the groups are not already in column order, put back into column order by
  one ``index_select``. Everything after (embedding dropout, continuous inputs,
  the MLP) is A's. Same optimizers (one SparseAdam for the sparse group).
* **C** A under ``torch.compile`` (forward and loss compiled; backward through
  AOTAutograd; the optimizers stay eager). A failure to compile is caught and
  reported.
* **D** B under ``torch.compile``, likewise.
* **E** D with inductor's ``fallback_random``: the dropout masks are drawn by
  aten's ``bernoulli_`` instead of inductor's generated random numbers (slow in
  the generated C++ on the CPU, where a probe without dropout had D ahead of B).
  The masks differ from
  eager's, the distribution is the same. **F** (``--variants ... F``): C likewise.

The network is the encoder's default: MLP (128, 64) of ``Linear -> BatchNorm1d
-> ReLU -> Dropout(0.1)``, embedding dropout 0.1, one output, Adam lr 3e-3.
Before timing, B is initialised from A's tables and MLP and checked to compute
the same function: the same eval-mode output, the same training loss (same
dropout masks), and the same output after one optimizer step (``allclose``).

Shapes: "lab" (4 columns, tables of 3305, 16, 63, 92 rows, widths 7, 3, 3, 3, one
continuous input), "many_small" (26 columns of 100 rows, width 16, 13 continuous)
and "criteo_like" (26 columns with table sizes log-spaced from 10 to 1,000,000 in
a fixed shuffled order, width 16, 13 continuous; the tables with at least
``SPARSE_MIN_ROWS`` rows are sparse). Batch sizes 128 (the encoder's default) and
4096. Codes are drawn with Zipf-like frequencies (``--codes uniform`` for uniform).

Timing: each variant gets warm-up steps (the first step of a compiled variant,
which compiles, is reported as its compile time, on a fresh inductor cache unless
``--warm-cache``), then ``--rounds`` rounds run every variant in turn for a block
of about ``--block-seconds`` seconds; ms/step is the median over rounds of block
time / steps (``torch.cuda.synchronize`` around each block on a GPU). The device
is CUDA when available, else the CPU; results go to
``results/fused_tables_{cpu|cuda}.md`` and ``.json``.

Usage::

    taskset -c 1 python benchmarks/fused_tables.py               # A to E, ~4.5 min on 1 core
    taskset -c 1 python benchmarks/fused_tables.py --variants A B C D E F --rounds 7
                                                # as in results/fused_tables_cpu.md, ~5.5 min
    python benchmarks/fused_tables.py --no-compile             # A and B only
    python benchmarks/fused_tables.py --shapes lab --batch-sizes 128 --rounds 3  # smoke
"""

from __future__ import annotations

import argparse
import copy
import os
import sys
import tempfile
import time
import traceback
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
from torch import Tensor, nn
from torch.nn import functional as F

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _common import (  # noqa: E402
    RESULTS_DIR,
    busy_warning,
    machine_info,
    machine_summary,
    markdown_table,
    save_json,
)

from skembed._encoder import SPARSE_MIN_ROWS  # noqa: E402

HIDDEN = (128, 64)
DROPOUT = 0.1
EMBEDDING_DROPOUT = 0.1
LEARNING_RATE = 3e-3
ALPHA = 1e-3  # the encoder's weight decay on the MLP (not on the tables)
N_POOL = 8  # distinct batches cycled through


def _criteo_like_sizes() -> list[int]:
    sizes = np.geomspace(10, 1_000_000, 26).round().astype(int)
    return [int(s) for s in np.random.default_rng(0).permutation(sizes)]


SHAPES = {
    "lab": {"table_sizes": [3305, 16, 63, 92], "dims": [7, 3, 3, 3], "n_continuous": 1},
    "many_small": {"table_sizes": [100] * 26, "dims": [16] * 26, "n_continuous": 13},
    "criteo_like": {"table_sizes": _criteo_like_sizes(), "dims": [16] * 26, "n_continuous": 13},
}


# ----------------------------------------------------------------- variant A


class PerColumnEmbeddingNet(nn.Module):
    """One ``nn.Embedding`` per column: ``skembed._module.EntityEmbeddingNet`` at 4fe9897.

    Its single-column path, copied here so that the baseline stays the
    per-column network whatever ``skembed/_module.py`` becomes (the same
    arguments, initialisation, layers and forward).
    """

    def __init__(
        self,
        table_sizes: Sequence[int],
        embedding_dims: Sequence[int],
        n_continuous: int,
        hidden_layer_sizes: Sequence[int],
        n_outputs: int,
        dropout: float = 0.0,
        embedding_dropout: float = 0.0,
        sparse: Sequence[bool] | None = None,
    ) -> None:
        super().__init__()
        sparse = list(sparse) if sparse is not None else [False] * len(table_sizes)
        self.embeddings = nn.ModuleList(
            nn.Embedding(size, dim, sparse=is_sparse)
            for size, dim, is_sparse in zip(table_sizes, embedding_dims, sparse)
        )
        for embedding in self.embeddings:
            nn.init.normal_(embedding.weight, std=0.05)
        self.embedding_dropout = nn.Dropout(embedding_dropout)
        layers: list[nn.Module] = []
        width = sum(embedding_dims) + n_continuous
        for size in hidden_layer_sizes:
            layers += [nn.Linear(width, size), nn.BatchNorm1d(size), nn.ReLU()]
            if dropout > 0:
                layers.append(nn.Dropout(dropout))
            width = size
        layers.append(nn.Linear(width, n_outputs))
        self.mlp = nn.Sequential(*layers)

    def forward(self, codes: Tensor, continuous: Tensor) -> Tensor:
        parts = [embedding(codes[:, k]) for k, embedding in enumerate(self.embeddings)]
        hidden = self.embedding_dropout(torch.cat(parts, dim=1))
        if continuous.shape[1]:
            hidden = torch.cat([hidden, continuous], dim=1)
        return self.mlp(hidden)


# ----------------------------------------------------------------- variant B


class GroupedEmbeddingNet(nn.Module):
    """``PerColumnEmbeddingNet`` with one table per (width, sparse) group of columns.

    Column ``c`` of group ``g`` owns rows ``offsets[c] : offsets[c] + table_sizes[c]``
    of group ``g``'s table. Same arguments, same function as ``PerColumnEmbeddingNet``.
    """

    def __init__(
        self,
        table_sizes: Sequence[int],
        embedding_dims: Sequence[int],
        n_continuous: int,
        hidden_layer_sizes: Sequence[int],
        n_outputs: int,
        dropout: float = 0.0,
        embedding_dropout: float = 0.0,
        sparse: Sequence[bool] | None = None,
    ) -> None:
        super().__init__()
        n_cols = len(table_sizes)
        sparse = list(sparse) if sparse is not None else [False] * n_cols
        keys: list[tuple[int, bool]] = []  # groups in order of their first column
        for dim, is_sparse in zip(embedding_dims, sparse):
            if (dim, is_sparse) not in keys:
                keys.append((dim, is_sparse))
        self.groups = [
            [c for c in range(n_cols) if (embedding_dims[c], sparse[c]) == key] for key in keys
        ]
        order = [c for group in self.groups for c in group]  # columns in group order
        offsets = np.zeros(n_cols, dtype=np.int64)
        self.embeddings = nn.ModuleList()
        self.bounds: list[tuple[int, int]] = []  # each group's slice of the reordered codes
        start = 0
        for (dim, is_sparse), group in zip(keys, self.groups):
            sizes = [table_sizes[c] for c in group]
            offsets[group] = np.concatenate([[0], np.cumsum(sizes)[:-1]])
            table = nn.Embedding(int(sum(sizes)), dim, sparse=is_sparse)
            nn.init.normal_(table.weight, std=0.05)
            self.embeddings.append(table)
            self.bounds.append((start, start + len(group)))
            start += len(group)
        # codes are reordered into group order (skipped when already in it), then offset
        self.reorder_codes = order != list(range(n_cols))
        self.register_buffer("code_order", torch.as_tensor(order, dtype=torch.int64))
        self.register_buffer("offsets", torch.as_tensor(offsets[order], dtype=torch.int64))
        # features of the concatenated groups back into column order
        feature_start = np.concatenate([[0], np.cumsum([embedding_dims[c] for c in order])])
        position = {c: k for k, c in enumerate(order)}
        feature_order = [
            int(feature_start[position[c]]) + j
            for c in range(n_cols)
            for j in range(embedding_dims[c])
        ]
        self.reorder_features = feature_order != list(range(len(feature_order)))
        self.register_buffer("feature_order", torch.as_tensor(feature_order, dtype=torch.int64))
        self.embedding_dropout = nn.Dropout(embedding_dropout)
        layers: list[nn.Module] = []
        width = sum(embedding_dims) + n_continuous
        for size in hidden_layer_sizes:
            layers += [nn.Linear(width, size), nn.BatchNorm1d(size), nn.ReLU()]
            if dropout > 0:
                layers.append(nn.Dropout(dropout))
            width = size
        layers.append(nn.Linear(width, n_outputs))
        self.mlp = nn.Sequential(*layers)

    @torch.no_grad()
    def copy_from(self, reference: PerColumnEmbeddingNet) -> GroupedEmbeddingNet:
        """Take ``reference``'s tables (stacked per group) and MLP: the same function."""
        for table, group in zip(self.embeddings, self.groups):
            table.weight.copy_(torch.cat([reference.embeddings[c].weight for c in group]))
        self.mlp.load_state_dict(reference.mlp.state_dict())
        return self

    def forward(self, codes: Tensor, continuous: Tensor) -> Tensor:
        if self.reorder_codes:
            codes = codes.index_select(1, self.code_order)
        codes = codes + self.offsets
        parts = [
            table(codes[:, start:stop]).flatten(1)
            for table, (start, stop) in zip(self.embeddings, self.bounds)
        ]
        hidden = parts[0] if len(parts) == 1 else torch.cat(parts, dim=1)
        if self.reorder_features:
            hidden = hidden.index_select(1, self.feature_order)
        hidden = self.embedding_dropout(hidden)
        if continuous.shape[1]:
            hidden = torch.cat([hidden, continuous], dim=1)
        return self.mlp(hidden)


# ------------------------------------------------------------- training step


def make_optimizers(net: nn.Module) -> list[torch.optim.Optimizer]:
    """What ``skembed._training._Adam`` builds: fused Adam for dense, SparseAdam for sparse."""
    sparse = [m.weight for m in net.embeddings if getattr(m, "sparse", False)]
    tables = [m.weight for m in net.embeddings if not getattr(m, "sparse", False)]
    table_ids = {id(p) for p in sparse + tables}
    weights = [p for p in net.parameters() if id(p) not in table_ids]
    groups = [
        {"params": weights, "weight_decay": ALPHA},
        {"params": tables, "weight_decay": 0.0},
    ]
    groups = [group for group in groups if group["params"]]
    optimizers: list[torch.optim.Optimizer] = []
    if groups:
        try:
            optimizers.append(torch.optim.Adam(groups, lr=LEARNING_RATE, fused=True))
        except (RuntimeError, TypeError, ValueError):
            optimizers.append(torch.optim.Adam(groups, lr=LEARNING_RATE))
    if sparse:
        optimizers.append(torch.optim.SparseAdam(sparse, lr=LEARNING_RATE))
    return optimizers


def make_loss_fn(net: nn.Module):
    def loss_fn(codes: Tensor, cont: Tensor, target: Tensor, weight: Tensor) -> Tensor:
        output = net(codes, cont)
        per_row = F.binary_cross_entropy_with_logits(output, target, reduction="none")
        return (per_row.mean(dim=1) * weight).sum() / codes.shape[0]

    return loss_fn


class Trainer:
    """One variant: a network, its optimizers and a (possibly compiled) loss function."""

    def __init__(
        self,
        name: str,
        net: nn.Module,
        compile_mode: str | None = None,
        aten_random: bool = False,
    ):
        self.name = name
        self.net = net.train()
        self.optimizers = make_optimizers(net)
        loss_fn = make_loss_fn(net)
        if compile_mode is None:
            self.loss_fn = loss_fn
        elif not aten_random:
            self.loss_fn = torch.compile(loss_fn, mode=compile_mode, dynamic=False)
        else:  # inductor's fallback_random: dropout masks by aten's bernoulli_, not codegen
            options = {"fallback_random": True}
            if compile_mode == "reduce-overhead":
                options["triton.cudagraphs"] = True
            self.loss_fn = torch.compile(loss_fn, options=options, dynamic=False)
        self.steps = 0

    def step(self, batch: tuple[Tensor, ...]) -> Tensor:
        for optimizer in self.optimizers:
            optimizer.zero_grad(set_to_none=True)
        loss = self.loss_fn(*batch)
        loss.backward()
        for optimizer in self.optimizers:
            optimizer.step()
        self.steps += 1
        return loss


# ---------------------------------------------------------------------- data


def make_batches(
    shape: dict, batch_size: int, codes: str, device: torch.device, seed: int
) -> list[tuple[Tensor, ...]]:
    rng = np.random.default_rng(seed)
    n = batch_size * N_POOL
    columns = []
    for size in shape["table_sizes"]:
        if codes == "uniform":
            columns.append(rng.integers(0, size, n))
        else:  # Zipf-like: frequency of rank r proportional to 1 / (r + 1) ** 1.1, ranks shuffled
            p = 1.0 / np.arange(1, size + 1) ** 1.1
            ranks = rng.choice(size, size=n, p=p / p.sum())
            columns.append(rng.permutation(size)[ranks])
    all_codes = torch.as_tensor(np.stack(columns, axis=1), dtype=torch.int64)
    cont = torch.as_tensor(rng.standard_normal((n, shape["n_continuous"])), dtype=torch.float32)
    target = torch.as_tensor(rng.integers(0, 2, (n, 1)), dtype=torch.float32)
    weight = torch.ones(n, dtype=torch.float32)
    tensors = (all_codes, cont, target, weight)
    return [
        tuple(t[k * batch_size : (k + 1) * batch_size].to(device) for t in tensors)
        for k in range(N_POOL)
    ]


# ---------------------------------------------------------------- equivalence


def check_equivalence(shape: dict, device: torch.device, batch: tuple[Tensor, ...]) -> dict:
    """B initialised from A: same eval output, same training loss, same output after a step."""
    torch.manual_seed(0)
    net_a = build_a(shape).to(device)
    net_b = build_b(shape).to(device).copy_from(net_a)
    codes, cont = batch[0], batch[1]
    tol = {"rtol": 1e-4, "atol": 1e-5}
    report = {}
    with torch.no_grad():
        out_a, out_b = net_a.eval()(codes, cont), net_b.eval()(codes, cont)
    torch.testing.assert_close(out_b, out_a, **tol)
    report["eval_max_abs_diff"] = float((out_a - out_b).abs().max())
    trainer_a, trainer_b = Trainer("A", net_a), Trainer("B", net_b)
    torch.manual_seed(1)
    loss_a = trainer_a.step(batch)
    torch.manual_seed(1)
    loss_b = trainer_b.step(batch)
    torch.testing.assert_close(loss_b, loss_a, **tol)
    report["train_loss_abs_diff"] = float((loss_a - loss_b).detach().abs())
    with torch.no_grad():
        out_a, out_b = net_a.eval()(codes, cont), net_b.eval()(codes, cont)
    torch.testing.assert_close(out_b, out_a, **tol)
    report["after_step_max_abs_diff"] = float((out_a - out_b).abs().max())
    return report


# -------------------------------------------------------------------- timing


def sparse_flags(shape: dict) -> list[bool]:
    return [size >= SPARSE_MIN_ROWS for size in shape["table_sizes"]]


def build_a(shape: dict) -> PerColumnEmbeddingNet:
    return PerColumnEmbeddingNet(
        shape["table_sizes"], shape["dims"], shape["n_continuous"], HIDDEN, 1,
        dropout=DROPOUT, embedding_dropout=EMBEDDING_DROPOUT, sparse=sparse_flags(shape),
    )  # fmt: skip


def build_b(shape: dict) -> GroupedEmbeddingNet:
    return GroupedEmbeddingNet(
        shape["table_sizes"], shape["dims"], shape["n_continuous"], HIDDEN, 1,
        dropout=DROPOUT, embedding_dropout=EMBEDDING_DROPOUT, sparse=sparse_flags(shape),
    )  # fmt: skip


def sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def run_steps(trainer: Trainer, batches, n: int, device: torch.device) -> float:
    sync(device)
    start = time.perf_counter()
    for k in range(n):
        trainer.step(batches[(trainer.steps + k) % len(batches)])
    sync(device)
    return time.perf_counter() - start


def _compiled_graphs() -> int:
    """Graphs dynamo has compiled so far: a compiled variant compiles once, no fallback."""
    return int(torch._dynamo.utils.counters["stats"]["unique_graphs"])


def bench_config(
    shape_name: str, batch_size: int, args, device: torch.device
) -> tuple[list[dict], list[dict]]:
    shape = SHAPES[shape_name]
    batches = make_batches(shape, batch_size, args.codes, device, seed=batch_size)
    torch.manual_seed(0)
    net_a = build_a(shape).to(device)
    net_b = build_b(shape).to(device).copy_from(net_a)
    builders = {
        "A": lambda: Trainer("A", net_a),
        "B": lambda: Trainer("B", net_b),
        "C": lambda: Trainer("C", copy.deepcopy(net_a), args.compile_mode),
        "D": lambda: Trainer("D", copy.deepcopy(net_b), args.compile_mode),
        "E": lambda: Trainer("E", copy.deepcopy(net_b), args.compile_mode, aten_random=True),
        "F": lambda: Trainer("F", copy.deepcopy(net_a), args.compile_mode, aten_random=True),
    }
    torch._dynamo.reset()  # every configuration compiles afresh, for static shapes
    trainers, failures, first_step, graphs = [], [], {}, {}
    for name in args.variants:
        try:
            compiled_before = _compiled_graphs()
            trainer = builders[name]()
            sync(device)
            start = time.perf_counter()
            trainer.step(batches[0])  # compiles, for C to F
            sync(device)
            first_step[name] = time.perf_counter() - start
            run_steps(trainer, batches, args.warmup, device)
            graphs[name] = _compiled_graphs() - compiled_before
        except Exception as exc:  # noqa: BLE001 -- a compile failure is a result
            message = f"{type(exc).__name__}: {str(exc).strip().splitlines()[0][:300]}"
            print(f"  {shape_name} batch {batch_size} variant {name} FAILED: {message}")
            if args.verbose:
                traceback.print_exc()
            failures.append({"shape": shape_name, "batch": batch_size, "variant": name,
                             "error": message})  # fmt: skip
            continue
        trainers.append(trainer)
    # steps per block from a short calibration of each variant
    per_block = {}
    for trainer in trainers:
        seconds = run_steps(trainer, batches, 5, device) / 5
        per_block[trainer.name] = max(3, int(args.block_seconds / max(seconds, 1e-6)))
    times: dict[str, list[float]] = {t.name: [] for t in trainers}
    for _ in range(args.rounds):
        for trainer in trainers:
            n = per_block[trainer.name]
            times[trainer.name].append(run_steps(trainer, batches, n, device) / n)
    rows = []
    base = float(np.median(times["A"])) if "A" in times else None
    for trainer in trainers:
        ms = 1000 * np.asarray(times[trainer.name])
        median = float(np.median(ms))
        rows.append({
            "shape": shape_name, "batch": batch_size, "variant": trainer.name,
            "ms_per_step": median, "ms_min": float(ms.min()), "ms_max": float(ms.max()),
            "rows_per_s": batch_size / (median / 1000),
            "speedup_vs_A": (1000 * base / median) if base else None,
            "first_step_s": first_step[trainer.name],
            "steps_per_round": per_block[trainer.name], "rounds": args.rounds,
            "n_tables": len(trainer.net.embeddings), "compiled_graphs": graphs[trainer.name],
        })  # fmt: skip
    return rows, failures


# -------------------------------------------------------------------- report

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
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


if __name__ == "__main__":
    main()
