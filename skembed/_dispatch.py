"""The one place that touches dataframe and array libraries.

Every other module of skembed sees plain NumPy arrays. This module turns a
pandas DataFrame, a polars DataFrame, a NumPy array or a list of rows into:

* column names and a per-column "is categorical" guess from the dtype,
* for a categorical column: integer codes into a small array of unique values
  (``-1`` for missing), computed with pandas' hash tables (no Python loop over
  rows),
* for a continuous column: a float64 array with NaN for missing values.

polars is imported lazily and only when a polars object is passed in.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.utils.validation import check_array

__all__ = [
    "Table",
    "as_1d",
    "as_table",
    "build_lookup",
    "is_missing",
    "lookup_codes",
    "sort_order",
]


def _module_root(obj) -> str:
    return type(obj).__module__.partition(".")[0]


def is_pandas_frame(X) -> bool:
    return isinstance(X, pd.DataFrame)


def is_polars_frame(X) -> bool:
    return _module_root(X) == "polars" and type(X).__name__ == "DataFrame"


@dataclass
class Table:
    """A read-only, column-wise view of the user's 2-D input.

    Attributes
    ----------
    kind : {"pandas", "polars", "array"}
    columns : list of str or None
        Column names for dataframes; ``None`` for arrays.
    n_rows, n_columns : int
    """

    data: object
    kind: str
    columns: list | None
    n_rows: int
    n_columns: int

    def auto_categorical(self) -> np.ndarray:
        """Boolean mask of the columns that ``categorical_features="auto"`` selects."""
        if self.kind == "pandas":
            return np.array(
                [_pandas_is_categorical(dtype) for dtype in self.data.dtypes], dtype=bool
            )
        if self.kind == "polars":
            return np.array(
                [_polars_is_categorical(dtype) for dtype in self.data.dtypes], dtype=bool
            )
        return np.full(self.n_columns, self.data.dtype.kind in "biuOSU", dtype=bool)

    def column_label(self, j: int) -> str:
        """A name for column ``j`` that error messages can show."""
        if self.columns is not None:
            return repr(self.columns[j])
        return f"at index {j}"

    def factorize(self, j: int) -> tuple[np.ndarray, np.ndarray]:
        """Codes of column ``j`` into its unique values.

        Returns
        -------
        codes : ndarray of shape (n_rows,), dtype int64
            Index into ``uniques``; ``-1`` for a missing value (None, NaN,
            pd.NA, NaT, polars null).
        uniques : ndarray of shape (n_unique,)
            The distinct non-missing values, in order of first appearance.
        """
        if self.kind == "pandas":
            column = self.data.iloc[:, j]
        elif self.kind == "polars":
            column = self.data.to_series(j).to_numpy()
        else:
            column = self.data[:, j]
        try:
            codes, uniques = pd.factorize(column, use_na_sentinel=True, sort=False)
        except TypeError as exc:  # unhashable cells: lists, dicts, arrays
            kinds = sorted({type(v).__name__ for v in _unhashable(column)})
            raise TypeError(
                f"Categorical column {self.column_label(j)} holds unhashable values of "
                f"type {', '.join(kinds) or 'unknown'} ({exc}); expected one hashable "
                "category per cell (str, int, float, bool). Convert the cells, e.g. "
                "lists to tuples or strings."
            ) from None
        uniques = np.asarray(uniques)
        if uniques.dtype.kind == "U":
            uniques = uniques.astype(object)
        return np.asarray(codes, dtype=np.int64), uniques

    def continuous(self, j: int) -> np.ndarray:
        """Column ``j`` as float64 with NaN for missing values.

        Datetimes become seconds since 1970-01-01 (UTC for time-zone aware
        ones), durations seconds, and NaT is missing.

        Raises
        ------
        TypeError
            If the column holds values that are not numbers.
        """
        if self.kind == "pandas":
            column = self.data.iloc[:, j]
            if isinstance(column.dtype, pd.CategoricalDtype):
                column = column.astype(object)
            return _pandas_float(column)
        if self.kind == "polars":
            import polars as pl

            column = self.data.to_series(j)
            try:
                if isinstance(column.dtype, (pl.Datetime, pl.Duration)):
                    per_second = _PER_SECOND[column.dtype.time_unit or "us"]
                    return column.cast(pl.Int64).cast(pl.Float64).to_numpy() / per_second
                if isinstance(column.dtype, pl.Date):  # days since 1970-01-01
                    return column.cast(pl.Int64).cast(pl.Float64).to_numpy() * 86400.0
                return column.cast(pl.Float64).to_numpy()
            except Exception as exc:  # polars raises its own error types
                raise TypeError(str(exc)) from exc
        column = self.data[:, j]
        if column.dtype.kind in "OmM":
            return _pandas_float(pd.Series(column))
        return np.asarray(column, dtype=np.float64)


_PER_SECOND = {"ns": 1e9, "us": 1e6, "ms": 1e3}


def _pandas_float(column: pd.Series) -> np.ndarray:
    """A pandas column as float64, NaN for missing; dates as seconds since 1970 (UTC)."""
    if pd.api.types.is_datetime64_any_dtype(column.dtype):
        utc = getattr(column.dtype, "tz", None) is not None
        epoch = pd.Timestamp(0, tz="UTC") if utc else pd.Timestamp(0)
        column = (column - epoch) / pd.Timedelta(seconds=1)
    elif pd.api.types.is_timedelta64_dtype(column.dtype):
        column = column / pd.Timedelta(seconds=1)
    return column.to_numpy(dtype=np.float64, na_value=np.nan)


def _unhashable(column) -> list:
    """The first few cells of ``column`` that cannot be hashed."""
    found = []
    for value in np.asarray(column, dtype=object).ravel():
        try:
            hash(value)
        except TypeError:
            found.append(value)
            if len(found) == 5:
                break
    return found


def _pandas_is_categorical(dtype) -> bool:
    return (
        isinstance(dtype, (pd.CategoricalDtype, pd.StringDtype))
        or pd.api.types.is_bool_dtype(dtype)
        or pd.api.types.is_object_dtype(dtype)
    )


def _polars_is_categorical(dtype) -> bool:
    import polars as pl

    return isinstance(dtype, (pl.String, pl.Categorical, pl.Enum, pl.Boolean, pl.Object))


def as_table(X) -> Table:
    """Wrap 2-D input ``X`` without copying dataframes.

    Arrays and lists of rows go through :func:`sklearn.utils.check_array`
    (``dtype=None`` so that strings and objects survive), which also gives the
    standard scikit-learn errors for sparse, complex, 1-D and empty input.
    """
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
    if table.n_rows < 1:
        raise ValueError(
            f"Found array with 0 sample(s) (shape={(table.n_rows, table.n_columns)}) "
            "while a minimum of 1 is required."
        )
    if table.n_columns < 1:
        raise ValueError(
            f"Found array with 0 feature(s) (shape={(table.n_rows, table.n_columns)}) "
            "while a minimum of 1 is required."
        )
    return table


def as_1d(values) -> np.ndarray:
    """``y`` or ``sample_weight`` from a list, pandas or polars Series, or array."""
    if _module_root(values) == "polars" or isinstance(values, (pd.Series, pd.DataFrame)):
        return values.to_numpy()
    return np.asarray(values)


def is_missing(values: np.ndarray) -> np.ndarray:
    """Boolean mask of None, NaN, pd.NA and NaT entries."""
    return np.asarray(pd.isna(values), dtype=bool)


def build_lookup(categories: np.ndarray) -> pd.Index:
    """A hash index over ``categories`` used by :func:`lookup_codes`."""
    return pd.Index(categories, dtype=object if categories.dtype.kind == "O" else None)


def lookup_codes(lookup: pd.Index, uniques: np.ndarray) -> np.ndarray:
    """Position of each of ``uniques`` in ``lookup``; ``-1`` where absent."""
    if len(uniques) == 0:
        return np.empty(0, dtype=np.int64)
    return np.asarray(lookup.get_indexer(uniques), dtype=np.int64)


def sort_order(values: np.ndarray) -> np.ndarray:
    """Indices that sort distinct category values; mixed types sort by (type name, str)."""
    try:
        return np.argsort(values, kind="stable")
    except TypeError:
        keys = [(type(v).__name__, str(v)) for v in values]
        return np.asarray(sorted(range(len(values)), key=keys.__getitem__), dtype=np.int64)
