"""The host frame adapter: a column-wise view of pandas, polars or NumPy input.

A categorical column becomes integer codes into a small array of unique values
(``-1`` for missing), computed with pandas' hash tables (no Python loop over rows);
a continuous column a float64 array with NaN for missing values; a bag column
(lists, or strings split by a separator) one code per token with the row it came from.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ._values import is_missing


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

    on_device = False

    def auto_categorical(self) -> np.ndarray:
        """Boolean mask of the columns that ``categorical_features="auto"`` selects."""
        if self.kind == "pandas":
            return np.array(
                [
                    _object_is_categorical(self.data.iloc[:, j])
                    if pd.api.types.is_object_dtype(dtype)
                    else _pandas_is_categorical(dtype)
                    for j, dtype in enumerate(self.data.dtypes)
                ],
                dtype=bool,
            )
        if self.kind == "polars":
            return np.array(
                [_polars_is_categorical(dtype) for dtype in self.data.dtypes], dtype=bool
            )
        if self.data.dtype.kind == "O":  # what a ColumnTransformer outputs: look inside
            return np.array(
                [_object_is_categorical(self.data[:, j]) for j in range(self.n_columns)],
                dtype=bool,
            )
        return np.full(self.n_columns, self.data.dtype.kind in "biuSU", dtype=bool)

    def is_integer(self, j: int) -> bool:
        """Whether column ``j`` has an integer dtype (NumPy, nullable, Arrow or polars)."""
        if self.kind == "pandas":
            dtype = self.data.dtypes.iloc[j]
            return pd.api.types.is_integer_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype)
        if self.kind == "polars":
            return self.data.dtypes[j].is_integer()
        return self.data.dtype.kind in "iu"

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

    def is_list(self, j: int) -> bool:
        """Whether column ``j`` holds lists (polars List/Array, pyarrow list, Python lists).

        Tuples are not lists here: they are hashable, so a tuple is one category.
        """
        if self.kind == "polars":
            import polars as pl

            return isinstance(self.data.dtypes[j], (pl.List, pl.Array))
        if self.kind == "pandas":
            column = self.data.iloc[:, j]
            pyarrow_type = getattr(column.dtype, "pyarrow_dtype", None)
            if pyarrow_type is not None:
                import pyarrow as pa

                return pa.types.is_list(pyarrow_type) or pa.types.is_large_list(pyarrow_type)
            if column.dtype != object:
                return False
            present = column.notna().to_numpy()
            return bool(present.any()) and isinstance(column.iloc[present.argmax()], _LIST_TYPES)
        column = self.data[:, j]
        if column.dtype != object:
            return False
        present = ~is_missing(column)
        return bool(present.any()) and isinstance(column[present.argmax()], _LIST_TYPES)

    def bag(self, j: int, separator: str | None = None):
        """The tokens of a list-valued column ``j``, flattened.

        Cells are lists, tuples or arrays (a scalar cell is a bag of one), or
        strings split on ``separator`` (empty tokens dropped). Missing cells,
        empty lists and missing tokens contribute no token.

        Returns
        -------
        cell : ndarray of shape (n_tokens,), int64
            Row of each token, ascending.
        codes : ndarray of shape (n_tokens,), int64
            Index of each token into ``uniques``.
        uniques : ndarray
            The distinct tokens, in order of first appearance.
        """
        if self.kind == "polars":
            import polars as pl

            column = self.data.to_series(j)
            if separator is not None:
                if column.dtype not in (pl.String, pl.Null):
                    raise TypeError(self._split_error(j, str(column.dtype)))
                column = column.cast(pl.String).str.split(separator)
            if isinstance(column.dtype, (pl.List, pl.Array)):
                frame = pl.DataFrame({"cell": np.arange(self.n_rows), "token": column})
                exploded = frame.explode("token")
                cell = exploded["cell"].to_numpy()
                tokens = exploded["token"].to_numpy()
            else:  # scalar cells (say, all missing): bags of one
                cell, tokens = np.arange(self.n_rows), column.to_numpy()
            if tokens.dtype.kind == "U":
                tokens = tokens.astype(object)
        else:
            if self.kind == "pandas":
                values = self.data.iloc[:, j].to_numpy(dtype=object)
            else:
                values = self.data[:, j]
            column = pd.Series(values, dtype=object, copy=False)
            if separator is not None:
                kind = pd.api.types.infer_dtype(column, skipna=True)
                if kind not in ("string", "empty"):
                    raise TypeError(self._split_error(j, kind))
                column = column.str.split(separator, regex=False)
            exploded = column.explode()
            cell = exploded.index.to_numpy(dtype=np.int64)
            tokens = exploded.to_numpy(dtype=object)
        if separator is not None:  # "a||b" and "" hold no empty token
            empty = (pd.Series(tokens, dtype=object) == "").to_numpy()
            tokens = np.where(empty, None, np.asarray(tokens, dtype=object))
        try:
            codes, uniques = pd.factorize(tokens, use_na_sentinel=True)
        except TypeError as exc:
            raise TypeError(
                f"List column {self.column_label(j)} holds tokens that cannot be hashed "
                f"({exc}); expected lists of str, int, float or bool."
            ) from None
        keep = codes >= 0
        uniques = np.asarray(uniques)
        if uniques.dtype.kind == "U":
            uniques = uniques.astype(object)
        return np.asarray(cell[keep], np.int64), np.asarray(codes[keep], np.int64), uniques

    def _split_error(self, j: int, found: str) -> str:
        return (
            f"separator is set for column {self.column_label(j)}, so its cells must be "
            f"strings to split, but they are {found}. Remove the column from separator "
            "(list cells need none), or convert the cells to strings."
        )

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
_LIST_TYPES = (list, np.ndarray)  # a tuple is hashable: a category of its own


# what pandas' infer_dtype calls an object column of numbers or points in time: continuous
_CONTINUOUS_OBJECTS = {"floating", "mixed-integer-float", "decimal", "date", "datetime",
                       "datetime64", "timedelta", "timedelta64"}  # fmt: skip


def _object_is_categorical(values) -> bool:
    """Whether an object column holds categories, not real numbers or dates.

    An object column of floats (a ``ColumnTransformer``'s output keeps its numbers as
    objects) or of ``datetime.date`` values is continuous; ints, strings, bools, lists
    and mixtures are categories.
    """
    return pd.api.types.infer_dtype(values, skipna=True) not in _CONTINUOUS_OBJECTS


def _pandas_float(column: pd.Series) -> np.ndarray:
    """A pandas column as float64, NaN for missing; dates as seconds since 1970 (UTC)."""
    if column.dtype == object and pd.api.types.infer_dtype(column, skipna=True) == "date":
        column = pd.to_datetime(column)
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
    pyarrow_type = getattr(dtype, "pyarrow_dtype", None)
    if pyarrow_type is not None:  # pd.ArrowDtype: strings, dictionaries, bools, lists
        return _arrow_is_categorical(pyarrow_type)
    return (
        isinstance(dtype, (pd.CategoricalDtype, pd.StringDtype))
        or pd.api.types.is_bool_dtype(dtype)
        or pd.api.types.is_object_dtype(dtype)
    )


def _arrow_is_categorical(arrow_type) -> bool:
    """Whether a pyarrow type holds categories: text, dictionary, bool, binary or lists."""
    import pyarrow as pa

    types = pa.types
    return (
        types.is_string(arrow_type)
        or types.is_large_string(arrow_type)
        or getattr(types, "is_string_view", lambda t: False)(arrow_type)
        or types.is_dictionary(arrow_type)
        or types.is_boolean(arrow_type)
        or types.is_binary(arrow_type)
        or types.is_large_binary(arrow_type)
        or types.is_list(arrow_type)
        or types.is_large_list(arrow_type)
        or types.is_fixed_size_list(arrow_type)
    )


def _polars_is_categorical(dtype) -> bool:
    import polars as pl

    return isinstance(
        dtype, (pl.String, pl.Categorical, pl.Enum, pl.Boolean, pl.Object, pl.List, pl.Array)
    )


def checked_shape(table, allow_empty: bool):
    """``table``, after scikit-learn's errors for no rows (unless allowed) or no columns."""
    if table.n_rows < 1 and not allow_empty:
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
