"""The device adapter: torch tensors, CuPy arrays and cuDF DataFrames where they are.

torch is the one array library the device path computes with: a CuPy array (or a
numeric cuDF column) becomes a torch tensor through DLPack, which shares the memory.
Only distinct values (one per category) and per-column statistics travel to the host.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._containers import from_dlpack, import_optional, torch_module
from ._host_table import Table, checked_shape


@dataclass
class DeviceTable:
    """A column-wise view of a torch tensor, CuPy array or cuDF DataFrame, on its device.

    The same interface as :class:`Table`, except that :meth:`factorize` and
    :meth:`continuous` return torch tensors on ``device`` (the unique values
    stay a small NumPy array). List columns exist in cuDF only; they are split
    on the host (:meth:`bag`).

    Attributes
    ----------
    kind : {"torch", "cupy", "cudf"}
        The container ``X`` was passed as (its output follows it).
    data : torch.Tensor or cudf.DataFrame
        A 2-D tensor (a CuPy array is viewed as one through DLPack), or the
        cuDF DataFrame itself.
    device : torch.device
    """

    data: object
    kind: str
    columns: list | None
    n_rows: int
    n_columns: int
    device: object
    index: object = None  # the cuDF index, for cuDF output

    on_device = True

    def auto_categorical(self) -> np.ndarray:
        """Integer and boolean columns are categorical, floating-point ones continuous.

        cuDF: string, categorical, boolean and list columns are categorical.
        """
        if self.kind == "cudf":
            return np.array([_cudf_is_categorical(d) for d in self.data.dtypes], dtype=bool)
        dtype = self.data.dtype
        numeric = dtype.is_floating_point or dtype.is_complex
        return np.full(self.n_columns, not numeric, dtype=bool)

    def column_label(self, j: int) -> str:
        if self.columns is not None:
            return repr(self.columns[j])
        return f"at index {j}"

    def factorize(self, j: int):
        """Codes (int64 tensor on the device, -1 for missing) and distinct values (NumPy)."""
        torch = torch_module()
        if self.kind == "cudf":
            column = self.data.iloc[:, j]
            if self.is_list(j):
                raise TypeError(self._list_error(j))
            if column.dtype.kind == "f":  # cuDF keeps NaN apart from null
                column = column.nans_to_nulls()
            codes, uniques = column.factorize(use_na_sentinel=True)
            codes = from_dlpack(codes).to(torch.int64)
            uniques = np.asarray(uniques.to_pandas().to_numpy())
        else:
            column = self.data[:, j]
            if column.dtype.is_floating_point:
                present = ~torch.isnan(column)
                uniques, inverse = torch.unique(column[present], return_inverse=True)
                codes = torch.full((self.n_rows,), -1, dtype=torch.int64, device=self.device)
                codes[present] = inverse
            else:
                uniques, codes = torch.unique(column, return_inverse=True)
                codes = codes.to(torch.int64)
            if uniques.dtype in (torch.bfloat16, torch.float16):
                uniques = uniques.float()
            uniques = uniques.cpu().numpy()
        if uniques.dtype.kind in "UT" or uniques.dtype.kind == "O":
            uniques = uniques.astype(object)
        return codes, uniques

    def numeric_column(self, j: int):
        """Column ``j`` as a tensor when it holds numbers (bool included), else None."""
        if self.kind != "cudf":
            return self.data[:, j]
        column = self.data.iloc[:, j]
        if getattr(column.dtype, "kind", "O") not in "biuf":
            return None
        if column.dtype.kind == "f":
            return from_dlpack(column.to_cupy(na_value=np.nan))
        if column.has_nulls:  # integers with nulls: factorized (exact) instead
            return None
        return from_dlpack(column.to_cupy())

    def is_list(self, j: int) -> bool:
        if self.kind != "cudf":
            return False
        return type(self.data.dtypes.iloc[j]).__name__ == "ListDtype"

    def bag(self, j: int, separator: str | None = None):
        """:meth:`Table.bag` of a cuDF list (or ``separator``) column, split on the host.

        The one device path that copies a column to the host: the tokens are
        counted and padded with pandas, like a pandas column's.
        """
        if self.kind != "cudf":
            raise TypeError(self._list_error(j))
        column = self.data.iloc[:, j].to_pandas()
        host = Table(column.to_frame(), "pandas", [self.columns[j]], self.n_rows, 1)
        return host.bag(0, separator)

    def _list_error(self, j: int) -> str:
        return (
            f"Column {self.column_label(j)} is a list column (or has a separator), which "
            f"a {self.kind} input cannot hold. Pass the data as a pandas, polars or cuDF "
            "DataFrame, or drop the column."
        )

    def continuous(self, j: int):
        """Column ``j`` as a float64 tensor on the device, NaN for missing values."""
        torch = torch_module()
        if self.kind == "cudf":
            column = self.data.iloc[:, j]
            if column.dtype.kind not in "biuf":
                raise TypeError(f"a {column.dtype} column on the GPU")
            values = column.astype("float64").to_cupy(na_value=np.nan)
            return from_dlpack(values)
        column = self.data[:, j]
        if column.dtype.is_complex:
            raise TypeError(f"complex values ({column.dtype})")
        return column.to(torch.float64)


def _cudf_is_categorical(dtype) -> bool:
    name = type(dtype).__name__
    if name in ("CategoricalDtype", "ListDtype"):
        return True
    return getattr(dtype, "kind", "O") in "bOSUT" or str(dtype) in ("str", "string")


def _cupy_device():
    """The torch device of CuPy's current device, where cuDF's columns come out by DLPack."""
    cupy = import_optional("cupy", "cuDF input")
    return torch_module().device("cuda", cupy.cuda.runtime.getDevice())


def device_table(X, kind: str, allow_empty: bool) -> DeviceTable:
    """:func:`as_table` for the device containers."""
    if kind == "cudf":
        if type(X).__name__ == "Series":
            raise ValueError(
                "Expected a 2-D input, got a cuDF Series. Pass a cuDF DataFrame, e.g. "
                "X.to_frame()."
            )
        device = _cupy_device()
        table = DeviceTable(X, "cudf", list(X.columns), len(X), X.shape[1], device, X.index)
    else:
        tensor = X if kind == "torch" else from_dlpack(X)
        tensor = tensor.detach()
        if tensor.ndim != 2:
            raise ValueError(
                f"Expected a 2-D {kind} array of shape (n_samples, n_features), got shape "
                f"{tuple(tensor.shape)}. Reshape it, e.g. X.reshape(-1, 1) for one feature."
            )
        if tensor.dtype.is_complex:
            raise ValueError(
                f"Complex data not supported; got a {kind} array of {tensor.dtype}, expected "
                "real numbers. Pass the real part (X.real) or split it into two columns."
            )
        table = DeviceTable(tensor, kind, None, tensor.shape[0], tensor.shape[1], tensor.device)
    return checked_shape(table, allow_empty)


def device_1d(values, kind: str) -> np.ndarray:
    """``y`` or ``sample_weight`` held on the device, copied to the host (n values)."""
    if kind == "cudf":
        return values.to_pandas().to_numpy()
    tensor = values if kind == "torch" else from_dlpack(values)
    tensor = tensor.detach()
    if tensor.dtype in (torch_module().bfloat16, torch_module().float16):
        tensor = tensor.float()
    return tensor.cpu().numpy()
