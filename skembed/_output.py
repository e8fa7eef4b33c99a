"""Output out: ``transform``'s result as the container ``output_type`` asks for."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._containers import device_kind, import_optional, is_pandas_frame, torch_module

OUTPUT_TYPES = ("input", "numpy", "torch", "cupy", "cudf")


def output_kind(output_type: str, input_kind: str | None) -> str:
    """The container ``transform`` returns: ``"numpy"``, ``"torch"``, ``"cupy"`` or ``"cudf"``."""
    if output_type != "input":
        return output_type
    return input_kind or "numpy"


def deliver(out, kind: str, columns, source=None):
    """``out`` (a NumPy array or a torch tensor) as the container ``kind``.

    Device data stay on their device: torch and CuPy share memory through
    DLPack, and a cuDF DataFrame is built from the CuPy view (with the index
    of ``source`` when that is a pandas or cuDF DataFrame). Host data are
    moved to the current CUDA device only for ``"cupy"`` and ``"cudf"``.
    """
    torch = torch_module() if kind != "numpy" or not isinstance(out, np.ndarray) else None
    if kind == "numpy":
        return out if isinstance(out, np.ndarray) else out.cpu().numpy()
    if kind == "torch":
        return torch.from_numpy(out) if isinstance(out, np.ndarray) else out
    cupy = import_optional("cupy", f"output_type={kind!r}")
    if not isinstance(out, np.ndarray) and out.device.type == "cpu":
        out = out.numpy()  # CuPy imports device memory only
    matrix = cupy.asarray(out) if isinstance(out, np.ndarray) else cupy.from_dlpack(out)
    if kind == "cupy":
        return matrix
    cudf = import_optional("cudf", "output_type='cudf'")
    index = source.index if is_pandas_frame(source) or device_kind(source) == "cudf" else None
    return cudf.DataFrame(matrix, columns=list(columns), index=index)


def pandas_frame(values: np.ndarray, index, columns: list) -> pd.DataFrame:
    """A pandas DataFrame around ``values`` (no copy), with the given index and names."""
    return pd.DataFrame(values, index=index, columns=columns, copy=False)
