"""Section 4's measurements with the data on the device: synchronized epoch timing,
device-to-device copy bandwidth, the device's properties and ``transform`` GB/s.
"""

from __future__ import annotations

import gc

import numpy as np
import torch

from .._common import Timer


def synchronizer(device: str):
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
    sync, cuda = synchronizer(device), torch.device(device).type == "cuda"
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
    sync = synchronizer(device)
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
    sync = synchronizer(device)
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
