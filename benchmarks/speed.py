"""Speed benchmark: training throughput, transform throughput and peak memory.

1. Training. Synthetic data shaped like the "seed lab" problem: 2,461,697 rows, four
   categorical columns with 3303, 14, 61 and 90 categories drawn with Zipf-like
   (skewed) frequencies, one continuous column and a binary target computed from
   them. The lab's network -- embeddings of width 7, 3, 3, 3, an MLP of 200 and 70
   units, batches of 1000 rows, Adam -- is trained twice in the same process:

   * by ``EntityEmbeddingEncoder.fit`` configured as that network, and
   * by a plain PyTorch loop over the *same* module (``skembed._module.
     EntityEmbeddingNet`` with the same arguments, so the arithmetic per batch is
     identical) fed by a per-item ``torch.utils.data.Dataset`` (``__getitem__``
     returns the tensors of one row) and ``DataLoader(batch_size=1000,
     shuffle=True)``.

   Rates are rows per second of one training epoch, preprocessing excluded: the
   encoder is fitted with ``max_iter=1`` and with ``max_iter=1+k``; the difference
   divided by ``k`` is the time of an epoch, and what is left of the 1-epoch fit is
   the setup (validation, factorizing, moving data to the device, building the
   network) reported separately. The per-item DataLoader is slow, so it is timed on
   a subset of batches after a few warm-up batches and extrapolated to a whole epoch.
   The two are timed in alternating rounds (``--rounds``, default 3: encoder, then
   DataLoader, three times) and the round with the median ratio is reported, so that
   a drift of the machine's speed over minutes (up to 2x on a shared VM) affects both
   sides of a ratio alike.
   Target: the encoder is at least 3x faster on CPU (50x on a CUDA GPU).
   The encoder's default settings (``EntityEmbeddingEncoder()``) are timed on the
   same data as well.

2. Transform. 1,000,000 rows of pandas string columns (cardinalities 10, 1000 and
   100000): rows/s and output GB/s of ``EntityEmbeddingEncoder.transform`` against
   ``OrdinalEncoder.transform`` and ``TargetEncoder.transform``. Target: the
   encoder's transform is at least as fast (rows/s) as OrdinalEncoder's.

3. Peak memory (RSS) of fit and transform, each measured in a fresh subprocess;
   the peak CUDA memory as well when training runs on a GPU.

4. GPU figures, measured only when CUDA is available (and ``--device`` is not
   ``cpu``); otherwise the results say "not measured". The data is already on the
   device: X is one float32 CUDA tensor (``torch.as_tensor(matrix, device="cuda")``;
   category codes are stored as float32 values, exact below 2**24, next to the
   continuous columns) and y an int64 CUDA tensor, so neither fit nor transform
   copies rows from the host. Two shapes:

   * the lab shape above as a matrix (4 code columns, then the continuous one),
     with the encoder's default network (``categorical_features=[0, 1, 2, 3]``);
   * a Criteo-like shape (``make_criteo_like``): 10,000,000 rows, 26 categorical
     columns with cardinalities log-spaced from 10 to 1,000,000 and Zipf-skewed
     codes, 13 lognormal continuous columns and a binary target depending on four
     categorical and two continuous columns; ``embedding_dim=16`` for every column,
     default network otherwise (``--quick``: 1,000,000 rows).

   Training: rows/s per epoch by the same epoch difference as in section 1
   (``early_stopping=False``), with ``torch.cuda.synchronize()`` around the fits, at
   batch sizes 128 (the default), 1024, 8192 and 65536, and with
   ``mixed_precision="bf16"`` at the largest batch; the peak CUDA memory allocated
   (``torch.cuda.max_memory_allocated``, input tensors included) is recorded.
   Transform: ``transform(X_cuda)`` on the Criteo-like matrix (output a float32 CUDA
   tensor: the output follows the input), synchronized, fastest of 3 calls after a
   warm-up call; GB/s = (bytes of X read + bytes of the output written) / seconds.
   Next to it the device's memory bandwidth: the rate of a 2 GiB device-to-device
   ``dst.copy_(src)`` (read + write bytes), and the theoretical peak
   ``2 * memory clock * bus width / 8`` where torch exposes those properties.
   Targets: training at least 100M rows/s per epoch on an H100 for the default
   network with the data on the device (the fastest batch size counts, and is
   named); transform at least 70% of the measured copy bandwidth.
   ``--gpu-smoke`` runs this section's code on the CPU with torch CPU tensors and
   20,000 rows (a check of the code path, not a measurement; results/
   speed_gpu_smoke.*); ``--gpu-only`` runs only this section (results/speed_gpu.*).

Usage::

    python benchmarks/speed.py              # full run (about 5-15 min on 2 cores)
    python benchmarks/speed.py --quick      # smoke run on 200k rows, results/speed_quick.json
    python benchmarks/speed.py --gpu-only   # only the GPU figures, results/speed_gpu.json
    python benchmarks/speed.py --gpu-smoke  # GPU code path on the CPU, tiny sizes
"""

from __future__ import annotations

import argparse
import gc
import json
import subprocess
import sys
import time
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from torch.utils.data import DataLoader, Dataset

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (  # noqa: E402
    Timer,
    busy_warning,
    fmt_bytes,
    fmt_rate,
    fmt_seconds,
    machine_info,
    machine_summary,
    markdown_table,
    peak_rss,
    reset_peak,
    rss_now,
    write_results,
)

LAB_ROWS = 2_461_697
LAB_CARDINALITIES = (3303, 14, 61, 90)
LAB_COLUMNS = ("c0", "c1", "c2", "c3")
LAB_EMBEDDING_DIMS = (7, 3, 3, 3)
LAB_HIDDEN = (200, 70)
LAB_BATCH = 1000
# What the lab configuration leaves open, fixed here (the encoder's defaults until the tuning
# of benchmarks/tune_defaults.py), so that this reference workload, and the comparison with
# the DataLoader, do not drift when the encoder's defaults change.
LAB_FIXED = {"dropout": 0.1, "embedding_dropout": 0.0, "learning_rate_init": 1e-3, "alpha": 1e-5}
TRANSFORM_ROWS = 1_000_000
TRANSFORM_CARDINALITIES = (10, 1000, 100_000)
CPU_TARGET = 3.0
GPU_TARGET = 50.0
CRITEO_ROWS = 10_000_000
CRITEO_CATEGORICAL = 26
CRITEO_CONTINUOUS = 13
CRITEO_MAX_CARDINALITY = 1_000_000
CRITEO_DIM = 16
CRITEO_SIGNAL_COLUMNS = (2, 9, 17, 25)  # categorical columns the target depends on
GPU_BATCH_SIZES = (128, 1024, 8192, 65536)
GPU_TRAIN_TARGET = 100e6  # rows/s per epoch
GPU_TRANSFORM_TARGET = 0.70  # of the measured device-to-device copy bandwidth
GPU_TRANSFORM_REPEATS = 3
GPU_COPY_BYTES = 2 * 2**30
GPU_SMOKE_ROWS = 20_000


# ---------------------------------------------------------------------- data


def zipf_codes(rng: np.random.Generator, n: int, cardinality: int, s: float = 1.1):
    """``n`` draws from ``cardinality`` categories with P(rank r) ~ 1 / r**s."""
    weights = 1.0 / np.arange(1, cardinality + 1, dtype=np.float64) ** s
    cdf = np.cumsum(weights / weights.sum())
    cdf[-1] = 1.0
    codes = np.searchsorted(cdf, rng.random(n), side="right")
    # the most frequent category should not always be the first label
    return rng.permutation(cardinality)[codes].astype(np.int32)


def make_lab_data(n: int, seed: int = 0):
    """The seed-lab-shaped frame: 4 categorical columns (pandas category), 1 float, y."""
    rng = np.random.default_rng(seed)
    columns, logit = {}, np.zeros(n)
    for name, card in zip(LAB_COLUMNS, LAB_CARDINALITIES):
        codes = zipf_codes(rng, n, card)
        effect = rng.normal(0.0, 0.8, size=card)
        logit += effect[codes]
        labels = np.array([f"{name}_{k:05d}" for k in range(card)], dtype=object)
        columns[name] = pd.Categorical.from_codes(codes, categories=pd.Index(labels))
    x = rng.normal(0.0, 1.0, size=n)
    interaction = rng.normal(0.0, 0.5, size=LAB_CARDINALITIES[1])
    logit += 0.7 * x + interaction[np.asarray(columns["c1"].codes)] * x - 1.0
    columns["x0"] = x.astype(np.float64)
    y = (rng.random(n) < 1.0 / (1.0 + np.exp(-logit))).astype(np.int64)
    return pd.DataFrame(columns), y


def make_transform_data(n: int, seed: int = 1):
    """``n`` rows of pandas string columns (default ``str`` dtype) and a binary y."""
    rng = np.random.default_rng(seed)
    columns, logit = {}, np.zeros(n)
    for card in TRANSFORM_CARDINALITIES:
        name = f"s{card}"
        codes = zipf_codes(rng, n, card, s=0.9)
        labels = np.array([f"{name}_{k}" for k in range(card)], dtype=object)
        columns[name] = pd.Series(labels[codes])  # pandas 3: inferred `str` dtype
        logit += rng.normal(0.0, 0.5, size=card)[codes]
    y = (rng.random(n) < 1.0 / (1.0 + np.exp(-logit))).astype(np.int64)
    return pd.DataFrame(columns), y


def criteo_cardinalities() -> tuple[int, ...]:
    """The 26 cardinalities of the Criteo-like shape: log-spaced from 10 to 1,000,000."""
    grid = np.geomspace(10, CRITEO_MAX_CARDINALITY, CRITEO_CATEGORICAL)
    return tuple(int(round(c)) for c in grid)


def make_criteo_like(n: int, seed: int = 2):
    """A Criteo-like float32 matrix ``X`` of shape (n, 39) and a binary int64 target ``y``.

    Columns 0-25 are categorical: Zipf-skewed codes (``zipf_codes``) over the
    cardinalities of ``criteo_cardinalities`` (10 to 1,000,000), stored as float32
    values (exact below 2**24) so that one float32 matrix holds every column. Columns
    26-38 are continuous: lognormal, heavy-tailed like Criteo's counts. The target
    depends on the categorical columns ``CRITEO_SIGNAL_COLUMNS`` and on two of the
    continuous ones.
    """
    rng = np.random.default_rng(seed)
    X = np.empty((n, CRITEO_CATEGORICAL + CRITEO_CONTINUOUS), dtype=np.float32)
    logit = np.full(n, -1.5)
    for j, card in enumerate(criteo_cardinalities()):
        codes = zipf_codes(rng, n, card)
        X[:, j] = codes
        if j in CRITEO_SIGNAL_COLUMNS:
            logit += rng.normal(0.0, 0.8, size=card)[codes]
    for k in range(CRITEO_CONTINUOUS):
        X[:, CRITEO_CATEGORICAL + k] = rng.lognormal(0.0, 0.5 + 0.1 * k, size=n)
    first = CRITEO_CATEGORICAL
    logit += 0.6 * np.log(X[:, first]) - 0.4 * np.log(X[:, first + 1])
    y = (rng.random(n) < 1.0 / (1.0 + np.exp(-logit))).astype(np.int64)
    return X, y


def lab_matrix(X: pd.DataFrame) -> np.ndarray:
    """The lab frame as one float32 matrix: the 4 category codes, then ``x0``."""
    columns = [np.asarray(X[c].cat.codes, dtype=np.float32) for c in LAB_COLUMNS]
    columns.append(X["x0"].to_numpy(np.float32))
    return np.stack(columns, axis=1)


# ------------------------------------------------------------------ training


def lab_encoder(max_iter: int, device: str, dropout: float | None = None):
    from skembed import EntityEmbeddingEncoder

    extra = {**LAB_FIXED, **({} if dropout is None else {"dropout": dropout})}
    return EntityEmbeddingEncoder(
        **extra,
        embedding_dim=dict(zip(LAB_COLUMNS, LAB_EMBEDDING_DIMS)),
        hidden_layer_sizes=LAB_HIDDEN,
        batch_size=LAB_BATCH,
        early_stopping=False,
        min_frequency=None,
        n_iter_no_change=1_000_000,
        max_iter=max_iter,
        device=device,
        random_state=0,
    )


def default_encoder(max_iter: int, device: str):
    from skembed import EntityEmbeddingEncoder

    return EntityEmbeddingEncoder(max_iter=max_iter, device=device, random_state=0)


def time_encoder_epochs(make, X, y, extra_epochs: int, repeats: int = 1) -> dict:
    """Per-epoch time from fits with ``max_iter=1`` and ``max_iter=1+extra_epochs``.

    A small fit first takes the one-time costs of the process (lazy imports, first
    use of the kernels) out of the measured fits. With ``repeats > 1`` each fit is
    timed that many times and the fastest kept (less noise on a busy machine).
    """
    make(1).fit(X.iloc[:5000], y[:5000])
    t1 = tk = np.inf
    for _ in range(repeats):
        gc.collect()
        with Timer() as t:
            enc = make(1).fit(X, y)
        t1 = min(t1, t.seconds)
        del enc
        gc.collect()
        with Timer() as t:
            enc = make(1 + extra_epochs).fit(X, y)
        tk = min(tk, t.seconds)
    if enc.n_iter_ != 1 + extra_epochs:
        raise RuntimeError(f"expected {1 + extra_epochs} epochs, the fit ran {enc.n_iter_}")
    epoch = max((tk - t1) / extra_epochs, 1e-9)
    n_train = len(X) - (
        int(round(enc.validation_fraction * len(X))) if enc.validation_scores_ is not None else 0
    )
    return {
        "fit_1_epoch_s": t1,
        f"fit_{1 + extra_epochs}_epochs_s": tk,
        "fit_repeats": repeats,
        "epoch_s": epoch,
        "setup_s": t1 - epoch,
        "n_train_rows": n_train,
        "rows_per_s": n_train / epoch,
        "early_stopping": enc.validation_scores_ is not None,
        "embedding_dims": [int(d) for d in enc.embedding_dims_],
        "hidden_layer_sizes": list(enc.hidden_layer_sizes),
        "batch_size": enc.batch_size,
        "final_train_loss": float(enc.loss_curve_[-1]),
    }


class RowDataset(Dataset):
    """The usual per-item Dataset: ``__getitem__`` returns the tensors of one row."""

    def __init__(self, codes, cont, target):
        self.codes, self.cont, self.target = codes, cont, target

    def __len__(self):
        return self.codes.shape[0]

    def __getitem__(self, i):
        return self.codes[i], self.cont[i], self.target[i]


def lab_arrays(X: pd.DataFrame, y: np.ndarray):
    """What a hand-written pipeline prepares: codes, standardized float, float target."""
    codes = np.stack([np.asarray(X[c].cat.codes, dtype=np.int64) for c in LAB_COLUMNS], 1)
    x = X["x0"].to_numpy(np.float64)
    cont = ((x - x.mean()) / x.std()).astype(np.float32).reshape(-1, 1)
    target = y.astype(np.float32).reshape(-1, 1)
    return codes, cont, target


def time_dataloader(
    X,
    y,
    device_name: str,
    n_batches: int,
    warmup: int,
    fused: bool = False,
    dropout: float | None = None,
) -> dict:
    """Plain PyTorch: per-item Dataset + DataLoader(batch_size=1000, shuffle=True) + Adam."""
    from torch.nn import functional as F

    from skembed._module import EntityEmbeddingNet

    device = torch.device(device_name)
    torch.manual_seed(0)
    with Timer() as t_prep:
        codes, cont, target = lab_arrays(X, y)
        # the same table sizes as the encoder: categories + unknown row + missing row
        table_sizes = [int(codes[:, i].max()) + 1 + 2 for i in range(codes.shape[1])]
        dataset = RowDataset(
            torch.from_numpy(codes), torch.from_numpy(cont), torch.from_numpy(target)
        )
        # what the lab configuration does not set, as for the encoder (LAB_FIXED):
        # dropout, embedding dropout, learning rate, L2 penalty (Adam's weight decay)
        defaults = LAB_FIXED
        net = EntityEmbeddingNet(
            table_sizes,
            LAB_EMBEDDING_DIMS,
            1,
            LAB_HIDDEN,
            1,
            dropout=defaults["dropout"] if dropout is None else dropout,
            embedding_dropout=defaults["embedding_dropout"],
        ).to(device)
        # torch's default Adam implementation unless --baseline-adam fused
        optimizer = torch.optim.Adam(
            net.parameters(),
            lr=defaults["learning_rate_init"],
            weight_decay=defaults["alpha"],
            **({"fused": True} if fused else {}),
        )
    loader = DataLoader(
        dataset,
        batch_size=LAB_BATCH,
        shuffle=True,
        pin_memory=device.type == "cuda",
        generator=torch.Generator().manual_seed(0),
    )
    n_batches_epoch = len(loader)
    n_batches = min(n_batches, n_batches_epoch - warmup)
    if n_batches < 1:
        raise ValueError("too few rows for the DataLoader warm-up and timed batches")

    def sync():
        if device.type == "cuda":
            torch.cuda.synchronize()

    net.train()
    with Timer() as t_iter:
        iterator = iter(loader)  # draws the epoch's permutation
    timed_rows = 0
    for b in range(warmup + n_batches):
        if b == warmup:
            sync()
            start = time.perf_counter()
        codes_b, cont_b, target_b = next(iterator)
        if device.type == "cuda":
            codes_b = codes_b.to(device, non_blocking=True)
            cont_b = cont_b.to(device, non_blocking=True)
            target_b = target_b.to(device, non_blocking=True)
        loss = F.binary_cross_entropy_with_logits(net(codes_b, cont_b), target_b)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        if b >= warmup:
            timed_rows += codes_b.shape[0]
    sync()
    timed = time.perf_counter() - start
    per_batch = timed / n_batches
    epoch = t_iter.seconds + per_batch * n_batches_epoch
    return {
        "preprocess_s": t_prep.seconds,
        "iterator_s": t_iter.seconds,
        "warmup_batches": warmup,
        "timed_batches": n_batches,
        "timed_rows": timed_rows,
        "timed_s": timed,
        "batches_per_epoch": n_batches_epoch,
        "epoch_s_extrapolated": epoch,
        "rows_per_s": len(X) / epoch,
        "adam": "fused" if fused else "torch default",
    }


# ----------------------------------------------------------------- transform


TRANSFORMERS = ("EntityEmbeddingEncoder", "OrdinalEncoder", "TargetEncoder")


def fit_transformer(name: str, X, y, device: str):
    """Fit one of TRANSFORMERS on the whole frame; returns (estimator, fit seconds)."""
    from sklearn.preprocessing import OrdinalEncoder, TargetEncoder

    from skembed import EntityEmbeddingEncoder

    with Timer() as t:
        if name == "EntityEmbeddingEncoder":  # one epoch: only the transform is timed
            est = EntityEmbeddingEncoder(max_iter=1, device=device, random_state=0).fit(X, y)
        elif name == "OrdinalEncoder":
            est = OrdinalEncoder().fit(X)
        else:
            est = TargetEncoder().fit(X, y)
    return est, t.seconds


def time_transforms(X, y, device: str, repeats: int) -> dict:
    results = {}
    for name in TRANSFORMERS:
        est, fit_s = fit_transformer(name, X, y, device)
        # the first call also pays for getting fresh memory from the OS for the output
        # (slow on some VMs); it is reported on its own and not among the repeats
        gc.collect()
        with Timer() as t_first:
            out = est.transform(X)
        del out
        times = []
        for _ in range(repeats):
            gc.collect()
            with Timer() as t:
                out = est.transform(X)
            times.append(t.seconds)
        median, best = float(np.median(times)), min(times)
        results[name] = {
            "fit_s": fit_s,
            "first_call_s": t_first.seconds,
            "transform_s_all": times,
            "transform_s_median": median,
            "transform_s_best": best,
            # the fastest repeat: the least disturbed by other work on the machine
            "rows_per_s": len(X) / best,
            "rows_per_s_median": len(X) / median,
            "output_shape": list(out.shape),
            "output_dtype": str(out.dtype),
            "output_bytes": int(out.nbytes),
            "output_gb_per_s": out.nbytes / best / 1e9,
        }
        del out
    return results


# -------------------------------------------------------------------- memory


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
    cmd = [sys.executable, str(Path(__file__).resolve()), "--memory-child", task]
    cmd += ["--rows", str(rows), "--device", device]
    if args.threads is not None:
        cmd += ["--threads", str(args.threads)]
    if args.dropout is not None:
        cmd += ["--dropout", str(args.dropout)]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        return {"task": task, "error": proc.stderr.strip().splitlines()[-1:]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


# ----------------------------------------------------------------------- GPU


def _synchronizer(device: str):
    """``torch.cuda.synchronize`` for a CUDA device, a no-op otherwise."""
    if torch.device(device).type == "cuda":
        return lambda: torch.cuda.synchronize(device)
    return lambda: None


def gpu_encoder(
    max_iter: int,
    *,
    device: str,
    batch_size: int,
    n_categorical: int,
    embedding_dim="auto",
    mixed_precision: str | None = None,
):
    """The encoder's default network on a float32 matrix whose first columns are codes."""
    from skembed import EntityEmbeddingEncoder

    return EntityEmbeddingEncoder(
        mixed_precision=mixed_precision,
        categorical_features=list(range(n_categorical)),
        embedding_dim=embedding_dim,
        batch_size=batch_size,
        early_stopping=False,
        n_iter_no_change=1_000_000,
        max_iter=max_iter,
        device=device,
        random_state=0,
    )


def time_device_epochs(make, X, y, extra_epochs: int, device: str) -> dict:
    """``time_encoder_epochs`` for tensors on ``device``, synchronized around each fit.

    A fit on the first 5000 rows first takes the one-time costs (kernels, autocast)
    out of the timings; the peak CUDA memory is that of the two timed fits, the
    input tensors included.
    """
    sync, cuda = _synchronizer(device), torch.device(device).type == "cuda"
    warm = min(len(X), 5000)
    make(1).fit(X[:warm], y[:warm])
    sync()
    gc.collect()
    if cuda:
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats(device)
    sync()
    with Timer() as t1:
        enc = make(1).fit(X, y)
        sync()
    del enc
    gc.collect()
    sync()
    with Timer() as tk:
        enc = make(1 + extra_epochs).fit(X, y)
        sync()
    if enc.n_iter_ != 1 + extra_epochs:
        raise RuntimeError(f"expected {1 + extra_epochs} epochs, the fit ran {enc.n_iter_}")
    epoch = max((tk.seconds - t1.seconds) / extra_epochs, 1e-9)
    peak = int(torch.cuda.max_memory_allocated(device)) if cuda else None
    return {
        "fit_1_epoch_s": t1.seconds,
        f"fit_{1 + extra_epochs}_epochs_s": tk.seconds,
        "epoch_s": epoch,
        "setup_s": t1.seconds - epoch,
        "n_train_rows": len(X),
        "rows_per_s": len(X) / epoch,
        "embedding_dims": [int(d) for d in enc.embedding_dims_],
        "table_rows": [int(np.shape(e)[0]) for e in enc.embeddings_],
        "hidden_layer_sizes": list(enc.hidden_layer_sizes),
        "final_train_loss": float(enc.loss_curve_[-1]),
        "cuda_peak_allocated_bytes": peak,
    }


def copy_bandwidth(device: str, nbytes: int, copies: int = 10, repeats: int = 3) -> dict:
    """Rate of ``dst.copy_(src)`` of ``nbytes`` on ``device``, read + write bytes counted."""
    sync = _synchronizer(device)
    src = torch.ones(nbytes, dtype=torch.uint8, device=device)
    dst = torch.empty_like(src)
    dst.copy_(src)  # warm-up
    sync()
    best = np.inf
    for _ in range(repeats):
        sync()
        with Timer() as t:
            for _ in range(copies):
                dst.copy_(src)
            sync()
        best = min(best, t.seconds / copies)
    del src, dst
    return {
        "copy_bytes": nbytes,
        "copy_s_best": best,
        "bytes_per_s": 2 * nbytes / best,
        "gb_per_s": 2 * nbytes / best / 1e9,
    }


def gpu_properties(device: str) -> dict:
    """Name, versions, memory size and the theoretical memory bandwidth of ``device``."""
    info = {"torch": torch.__version__, "cuda": torch.version.cuda}
    if torch.device(device).type != "cuda":
        return {**info, "name": "CPU (--gpu-smoke)"}
    props = torch.cuda.get_device_properties(device)
    clock_khz = getattr(props, "memory_clock_rate", None)
    bus_bits = getattr(props, "memory_bus_width", None)
    peak = 2 * clock_khz * 1e3 * bus_bits / 8 if clock_khz and bus_bits else None
    return {
        **info,
        "name": props.name,
        "compute_capability": f"{props.major}.{props.minor}",
        "multi_processor_count": props.multi_processor_count,
        "total_memory_bytes": int(props.total_memory),
        "memory_clock_khz": clock_khz,
        "memory_bus_width_bits": bus_bits,
        "theoretical_bytes_per_s": peak,
        "theoretical_gb_per_s": peak / 1e9 if peak else None,
    }


def time_device_transform(enc, X, device: str, repeats: int) -> dict:
    """``enc.transform(X)`` with X on ``device``: fastest of ``repeats`` after a warm-up."""
    sync = _synchronizer(device)
    sync()
    with Timer() as t_first:
        out = enc.transform(X)
        sync()
    kind = f"{type(out).__module__}.{type(out).__qualname__}"
    out_device = str(out.device) if isinstance(out, torch.Tensor) else "host"
    shape, dtype, out_bytes = list(out.shape), str(out.dtype), int(out.nbytes)
    del out
    times = []
    for _ in range(repeats):
        gc.collect()
        sync()
        with Timer() as t:
            out = enc.transform(X)
            sync()
        times.append(t.seconds)
        del out
    best = min(times)
    in_bytes = int(X.nbytes)
    follows = isinstance(X, torch.Tensor) and out_device == str(X.device)
    return {
        "rows": len(X),
        "first_call_s": t_first.seconds,
        "transform_s_all": times,
        "transform_s_best": best,
        "rows_per_s": len(X) / best,
        "input_bytes": in_bytes,
        "output_bytes": out_bytes,
        "output_shape": shape,
        "output_dtype": dtype,
        "output_type": kind,
        "output_device": out_device,
        "output_follows_input": follows,
        "bytes_per_s": (in_bytes + out_bytes) / best,
        "gb_per_s": (in_bytes + out_bytes) / best / 1e9,
    }


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
    sync = _synchronizer(device)
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


# ---------------------------------------------------------------------- main


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


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
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


if __name__ == "__main__":
    sys.exit(main())
