"""The equivalence of A and B, and the timed training steps of each variant."""

from __future__ import annotations

import copy
import time
import traceback

import numpy as np
import torch
from torch import Tensor

from skembed._table_training import SPARSE_MIN_ROWS

from .networks import (
    GroupedEmbeddingNet,
    PerColumnEmbeddingNet,
)
from .shapes import (
    DROPOUT,
    EMBEDDING_DROPOUT,
    HIDDEN,
    SHAPES,
    make_batches,
)
from .training import Trainer


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
