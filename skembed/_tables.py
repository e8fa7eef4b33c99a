"""Input in: any supported 2-D input as a table view, rows of it, and 1-D vectors."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.utils.validation import check_array

from ._containers import device_kind, is_pandas_frame, is_polars_frame, module_root
from ._device_table import device_1d, device_table
from ._host_table import Table, checked_shape


def as_table(X, *, allow_empty: bool = False) -> Table:
    """Wrap 2-D input ``X`` without copying dataframes.

    Arrays and lists of rows go through :func:`sklearn.utils.check_array`
    (``dtype=None`` so that strings and objects survive), which also gives the
    standard scikit-learn errors for sparse, complex, 1-D and empty input.
    torch tensors, CuPy arrays and cuDF DataFrames give a :class:`DeviceTable`
    that leaves the data where they are.
    """
    kind = device_kind(X)
    if kind is not None:
        return device_table(X, kind, allow_empty)
    if module_root(X) == "polars" and type(X).__name__ == "LazyFrame":
        raise TypeError(
            "X is a polars LazyFrame, a query that has not run yet; expected a DataFrame. "
            "Call X.collect() first."
        )
    if module_root(X) == "pyarrow" and type(X).__name__ in ("Table", "RecordBatch"):
        X = X.to_pandas(types_mapper=pd.ArrowDtype)  # keeps the names and the types
    if is_pandas_frame(X):
        duplicated = X.columns[X.columns.duplicated()].unique()
        if len(duplicated):
            raise ValueError(
                f"X has duplicate column names {list(duplicated)}; expected unique names, "
                "because columns are matched by name between fit and transform. Rename "
                "the columns."
            )
        table = Table(X, "pandas", list(X.columns), X.shape[0], X.shape[1])
    elif is_polars_frame(X):
        table = Table(X, "polars", list(X.columns), X.shape[0], X.shape[1])
    else:
        array = check_array(
            X,
            accept_sparse=False,
            dtype=None,
            ensure_all_finite=False,
            ensure_2d=True,
            ensure_min_samples=1,
            ensure_min_features=1,
        )
        if array.dtype.kind == "U":
            array = array.astype(object)
        return Table(array, "array", None, array.shape[0], array.shape[1])
    return checked_shape(table, allow_empty)


def take_rows(X, index: np.ndarray):
    """Rows ``index`` of a pandas or polars DataFrame, or of an array."""
    if is_pandas_frame(X):
        return X.iloc[index]
    if module_root(X) == "pyarrow" and hasattr(X, "take"):  # a Table or RecordBatch
        return X.take(np.asarray(index))
    if is_polars_frame(X):
        return X[index]
    if device_kind(X) == "cudf":
        return X.iloc[index]
    return np.asarray(X)[index] if not hasattr(X, "shape") else X[index]


def as_1d(values) -> np.ndarray:
    """``y`` or ``sample_weight`` from a list, pandas or polars Series, or array.

    torch tensors, CuPy arrays and cuDF Series are copied to the host.
    """
    kind = device_kind(values)
    if kind is not None:
        return device_1d(values, kind)
    if module_root(values) == "polars" or isinstance(values, (pd.Series, pd.DataFrame)):
        return values.to_numpy()
    return np.asarray(values)
