"""The device a fit runs on and the precision of its forward pass."""

from __future__ import annotations

import contextlib
from collections.abc import Callable

import torch

__all__ = ["autocast_factory", "grad_scaler", "resolve_device"]


def resolve_device(device: str) -> torch.device:
    """``"auto"`` -> CUDA when available, else the CPU; anything else as given.

    Raises
    ------
    ValueError
        When torch does not understand ``device``, or it names CUDA on a
        machine without it.
    """
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        resolved = torch.device(device)
    except RuntimeError as exc:
        raise ValueError(
            f"device={device!r} is not a device torch understands; "
            "expected 'auto', 'cpu', 'cuda' or 'cuda:N'."
        ) from exc
    if resolved.type not in ("cpu", "cuda"):
        raise ValueError(
            f"device={device!r} is not supported: skembed trains on 'cpu' or CUDA devices "
            "('cuda', 'cuda:N'); use device='auto' or device='cpu'."
        )
    if resolved.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(
            f"device={device!r} was requested but CUDA is not available on this "
            "machine; use device='auto' or device='cpu'."
        )
    return resolved


def autocast_factory(
    device: torch.device, mixed_precision: str | None
) -> Callable[[], contextlib.AbstractContextManager]:
    """What makes the autocast context of a forward pass: float32 (off), bfloat16 or float16.

    Under autocast the linear layers run in the low precision; embedding
    lookups, batch normalisation and the losses stay in float32, and so do the
    parameters and the optimiser's state.

    Parameters
    ----------
    device : torch.device
        Where the forward passes run.
    mixed_precision : {None, "bf16", "fp16"}
        None for float32 throughout.

    Returns
    -------
    callable
        Called with no arguments, a fresh context manager for one forward pass.
    """
    if mixed_precision is None:
        return contextlib.nullcontext
    dtype = {"bf16": torch.bfloat16, "fp16": torch.float16}[mixed_precision]
    return lambda: torch.autocast(device_type=device.type, dtype=dtype)


def grad_scaler(device: torch.device, mixed_precision: str | None) -> torch.amp.GradScaler | None:
    """A loss scaler for float16, else None.

    float16 gradients underflow without loss scaling; bfloat16 has float32's
    range and needs none.
    """
    return torch.amp.GradScaler(device.type) if mixed_precision == "fp16" else None
