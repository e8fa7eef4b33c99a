"""Section 1: training rows/s of the encoder against a per-item ``DataLoader`` loop
over the same network.
"""

from __future__ import annotations

import gc
import time

import numpy as np
import pandas as pd
import torch
from torch.utils.data import DataLoader, Dataset

from .._common import Timer
from .workloads import (
    LAB_BATCH,
    LAB_COLUMNS,
    LAB_EMBEDDING_DIMS,
    LAB_FIXED,
    LAB_HIDDEN,
)


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
