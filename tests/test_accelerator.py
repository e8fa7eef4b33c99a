"""The device of a fit and the precision of its forward pass."""

import contextlib

import pytest

torch = pytest.importorskip("torch")

from skembed._accelerator import autocast_factory, grad_scaler, resolve_device  # noqa: E402

CPU = torch.device("cpu")


def test_resolve_device_rejects_what_torch_does_not_understand():
    """A device name torch rejects is a ValueError that lists the accepted names."""
    assert resolve_device("cpu") == CPU
    with pytest.raises(ValueError, match="'auto', 'cpu', 'cuda' or 'cuda:N'"):
        resolve_device("gpu-please")


def test_autocast_is_off_for_float32_and_bfloat16_under_bf16():
    """No mixed precision: a null context; bf16: linear layers run in bfloat16."""
    assert autocast_factory(CPU, None) is contextlib.nullcontext
    layer = torch.nn.Linear(3, 2)
    with autocast_factory(CPU, "bf16")():
        assert layer(torch.randn(4, 3)).dtype == torch.bfloat16


def test_grad_scaler_only_for_float16():
    """Loss scaling is used for float16 only."""
    assert grad_scaler(CPU, None) is None and grad_scaler(CPU, "bf16") is None
    assert isinstance(grad_scaler(CPU, "fp16"), torch.amp.GradScaler)
