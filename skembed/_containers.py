"""Which library holds an input: pandas, polars, Dask, torch, CuPy or cuDF.

Detection by the object's module, so that no optional library is imported to
recognise its objects; the import helpers give the install hint naming the extra.
"""

from __future__ import annotations

import pandas as pd


def module_root(obj) -> str:
    return type(obj).__module__.partition(".")[0]


def is_pandas_frame(X) -> bool:
    return isinstance(X, pd.DataFrame)


def is_polars_frame(X) -> bool:
    return module_root(X) == "polars" and type(X).__name__ == "DataFrame"


_DASK_HINT = 'Dask input needs dask[dataframe]: pip install "skembed[dask]".'


def is_dask_collection(X) -> bool:
    """Whether ``X`` is a Dask DataFrame or Series (dask-cuDF included)."""
    return module_root(X) in ("dask", "dask_expr", "dask_cudf") and hasattr(X, "to_delayed")


def dask_module():
    try:
        import dask
    except ImportError as exc:  # pragma: no cover - a Dask object implies dask
        raise ImportError(_DASK_HINT) from exc
    return dask


_GPU_HINT = (
    "{what} needs {package}, which is not installed. Install the GPU extra: "
    'pip install "skembed[gpu]" (CUDA 12: cupy-cuda12x, cudf-cu12, cuml-cu12).'
)
OUTPUT_TYPES = ("input", "numpy", "torch", "cupy", "cudf")


def device_kind(X) -> str | None:
    """``"torch"``, ``"cupy"`` or ``"cudf"`` for those containers, else None."""
    root = module_root(X)
    if root == "torch":
        import torch

        return "torch" if isinstance(X, torch.Tensor) else None
    if root == "cupy" and hasattr(X, "__cuda_array_interface__"):
        return "cupy"
    if root == "cudf" and type(X).__name__ in ("DataFrame", "Series"):
        return "cudf"
    return None


def import_optional(package: str, what: str):
    try:
        return __import__(package)
    except ImportError as exc:
        raise ImportError(_GPU_HINT.format(what=what, package=package)) from exc


def torch_module():
    import torch

    return torch


def from_dlpack(array):
    """A torch tensor sharing the memory of CuPy array ``array`` (DLPack, no copy)."""
    return torch_module().from_dlpack(array)
