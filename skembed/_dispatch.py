"""The one place that touches dataframe and array libraries.

Every other module of skembed sees plain NumPy arrays. This module turns a
pandas DataFrame, a polars DataFrame, a NumPy array or a list of rows into:

* column names and a per-column "is categorical" guess from the dtype,
* for a categorical column: integer codes into a small array of unique values
  (``-1`` for missing), computed with pandas' hash tables (no Python loop over
  rows),
* for a continuous column: a float64 array with NaN for missing values.

polars and Dask are imported lazily and only when their objects are passed in;
the Dask helpers give the estimator partitions as pandas DataFrames.

Device-resident input (torch tensors, CuPy arrays, cuDF DataFrames; the last
section) is the exception to "plain NumPy": its codes and continuous columns
stay on the device as torch tensors, for the estimator's device path.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.utils.validation import check_array

__all__ = [
    "OUTPUT_TYPES",
    "DeviceTable",
    "Table",
    "deliver",
    "device_kind",
    "output_kind",
    "dask_compute",
    "dask_delayed",
    "dask_map_partitions",
    "dask_meta",
    "dask_partitions",
    "is_dask_collection",
    "merge_counts",
    "split_partition",
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

    on_device = False

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
    pyarrow_type = getattr(dtype, "pyarrow_dtype", None)
    if pyarrow_type is not None and "list" in str(pyarrow_type):
        return True
    return (
        isinstance(dtype, (pd.CategoricalDtype, pd.StringDtype))
        or pd.api.types.is_bool_dtype(dtype)
        or pd.api.types.is_object_dtype(dtype)
    )


def _polars_is_categorical(dtype) -> bool:
    import polars as pl

    return isinstance(
        dtype, (pl.String, pl.Categorical, pl.Enum, pl.Boolean, pl.Object, pl.List, pl.Array)
    )


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
    return _checked_shape(table, allow_empty)


def _checked_shape(table, allow_empty: bool):
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


def take_rows(X, index: np.ndarray):
    """Rows ``index`` of a pandas or polars DataFrame, or of an array."""
    if is_pandas_frame(X):
        return X.iloc[index]
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


def stable_hash(values: np.ndarray) -> np.ndarray:
    """A uint64 hash of each value that is the same on every machine and run.

    Values are hashed through a canonical text (``1``, ``1.0`` and
    ``np.int64(1)`` agree; other floats by ``repr(float(v))``, so a float32
    hashes the same before and after saving) with pandas' SipHash-2-4 under a
    fixed key -- unlike Python's ``hash``, which is salted per process.
    """
    text = np.array([_canonical_text(v) for v in np.asarray(values).tolist()], dtype=object)
    return pd.util.hash_array(text, categorize=False)


def _canonical_text(value) -> str:
    """One text per value, whatever its container: 99, 99.0 and np.float32(99) agree."""
    if isinstance(value, np.generic):  # NumPy scalars inside object arrays
        value = value.item()
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def sort_order(values: np.ndarray) -> np.ndarray:
    """Indices that sort distinct category values; mixed types sort by (type name, str)."""
    try:
        return np.argsort(values, kind="stable")
    except TypeError:
        keys = [(type(v).__name__, str(v)) for v in values]
        return np.asarray(sorted(range(len(values)), key=keys.__getitem__), dtype=np.int64)


# ----------------------------------------------------------- vector tables and files


def is_pandas_object(value) -> bool:
    """A pandas DataFrame (the form of pretrained tables and of ``get_embeddings``)."""
    return isinstance(value, pd.DataFrame)


def labelled_frame(matrix: np.ndarray, labels: list, columns: list, name) -> pd.DataFrame:
    """``matrix`` as a DataFrame indexed by ``labels`` (an object index named ``name``)."""
    return pd.DataFrame(
        matrix, index=pd.Index(labels, dtype=object, name=name), columns=list(columns)
    )


def frame_parts(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, list, object]:
    """A DataFrame as (index values, values, column labels, index name)."""
    index = frame.index.to_numpy()
    if index.dtype.kind == "U":
        index = index.astype(object)
    return index, frame.to_numpy(), list(frame.columns), frame.index.name


def frame_from_parts(index, values, columns, name) -> pd.DataFrame:
    """Inverse of :func:`frame_parts`."""
    return pd.DataFrame(values, index=pd.Index(index, name=name), columns=columns)


def vector_table(spec, column: str) -> tuple[np.ndarray, np.ndarray]:
    """A pretrained table as (category values, float64 matrix).

    ``spec`` is a pandas DataFrame indexed by category value (one row per
    category, one column per dimension) or a ``(categories, matrix)`` pair.
    ``column`` names the encoder column in error messages.
    """
    if is_pandas_object(spec):
        values, matrix = spec.index.to_numpy(), spec.to_numpy()
    elif isinstance(spec, tuple) and len(spec) == 2:
        labels = spec[0]
        values = np.asarray(labels, dtype=object if isinstance(labels, list) else None)
        matrix = np.asarray(spec[1])
    else:
        raise TypeError(
            f"pretrained_embeddings[{column}] must be a pandas DataFrame indexed by category "
            f"or a (categories, matrix) pair; got {type(spec).__name__}."
        )
    if values.dtype.kind == "U":
        values = values.astype(object)
    try:
        matrix = np.asarray(matrix, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(
            f"pretrained_embeddings[{column}] must hold numbers; got values of dtype "
            f"{np.asarray(matrix).dtype}."
        ) from None
    if matrix.ndim != 2 or values.ndim != 1 or len(values) != matrix.shape[0]:
        raise ValueError(
            f"pretrained_embeddings[{column}] must have one row of numbers per category: "
            f"got {values.shape[0] if values.ndim else 0} categories and a matrix of shape "
            f"{matrix.shape}."
        )
    if matrix.shape[0] == 0 or matrix.shape[1] == 0:
        raise ValueError(f"pretrained_embeddings[{column}] is empty (shape {matrix.shape}).")
    if not np.isfinite(matrix).all():
        raise ValueError(f"pretrained_embeddings[{column}] contains NaN or infinite values.")
    if is_missing(values).any():
        raise ValueError(
            f"pretrained_embeddings[{column}] has a missing category label (None/NaN); the "
            "missing row is learned, drop that row of the table."
        )
    duplicated = pd.Index(values).duplicated()
    if duplicated.any():
        raise ValueError(
            f"pretrained_embeddings[{column}] has duplicate categories "
            f"{list(values[duplicated][:5])}; expected one row per category."
        )
    return values, matrix


def _table_format(path) -> str:
    name = str(path).lower()
    if name.endswith((".parquet", ".pq")):
        return "parquet"
    if name.endswith((".csv", ".csv.gz", ".csv.bz2", ".csv.xz", ".csv.zst")):
        return "csv"
    raise ValueError(
        f"Cannot tell the format of {str(path)!r} from its name; expected a .parquet or .csv "
        "(optionally compressed: .csv.gz, ...) file name."
    )


def _require_pyarrow():
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        raise ImportError(
            'Parquet files need pyarrow: pip install "skembed[parquet]" (or pip install pyarrow).'
        ) from None


def write_columns(columns: dict, path, file_format: str | None = None) -> None:
    """Write named 1-D arrays as a Parquet or CSV file (format from the name)."""
    file_format = file_format or _table_format(path)
    frame = pd.DataFrame(columns)
    if file_format == "parquet":
        _require_pyarrow()
        frame.to_parquet(path, index=False)
    else:
        frame.to_csv(path, index=False)


def read_columns(path) -> dict:
    """Read a Parquet or CSV file as ``{name: 1-D array}``; CSV text stays text."""
    file_format = _table_format(path)
    if file_format == "parquet":
        _require_pyarrow()
        frame = pd.read_parquet(path)
    else:
        text = {"column": str, "row": str, "category": str, "category_type": str}
        frame = pd.read_csv(path, keep_default_na=False, na_filter=False, dtype=text)
        for name in frame.columns:  # vectors: empty cells (padding) are NaN
            if name not in text:
                frame[name] = pd.to_numeric(frame[name].replace("", np.nan))
    return {name: frame[name].to_numpy() for name in frame.columns}


def read_word_vectors(path, *, max_words=None, encoding="utf-8"):
    """Words and vectors of a GloVe / word2vec text file (one ``word v1 ... vd`` per line).

    A first line of just two integers (the word2vec header ``n_words dim``) is
    skipped. Words are kept verbatim (``"null"`` and ``"NaN"`` stay words).
    """
    import csv

    with open(path, encoding=encoding) as file:
        first = file.readline().split()
    header = len(first) == 2 and all(part.isdigit() for part in first)
    frame = pd.read_csv(
        path,
        sep=" ",
        header=None,
        skiprows=1 if header else 0,
        nrows=max_words,
        quoting=csv.QUOTE_NONE,
        keep_default_na=False,
        na_filter=False,
        encoding=encoding,
        engine="c",
        dtype={0: object},
    )
    last = frame.columns[-1]
    if frame.shape[1] > 2 and (frame[last].astype(str) == "").all():
        frame = frame.drop(columns=last)  # a trailing space makes an empty column
    words = frame.iloc[:, 0].to_numpy(dtype=object)
    try:
        matrix = frame.iloc[:, 1:].to_numpy(dtype=np.float32)
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"{str(path)!r} is not a word-vector text file: expected lines of a word "
            f"followed by numbers separated by single spaces ({exc})."
        ) from None
    return words, matrix


# ------------------------------------------------------------------ Dask


_DASK_HINT = 'Dask input needs dask[dataframe]: pip install "skembed[dask]".'


def is_dask_collection(X) -> bool:
    """Whether ``X`` is a Dask DataFrame or Series (dask-cuDF included)."""
    return _module_root(X) in ("dask", "dask_expr", "dask_cudf") and hasattr(X, "to_delayed")


def _dask():
    try:
        import dask
    except ImportError as exc:  # pragma: no cover - a Dask object implies dask
        raise ImportError(_DASK_HINT) from exc
    return dask


def dask_meta(X) -> pd.DataFrame:
    """The empty pandas frame describing the columns and dtypes of Dask DataFrame ``X``."""
    from dask.dataframe.utils import make_meta

    meta = make_meta(X)
    if not is_pandas_frame(meta):
        raise TypeError(
            f"Expected a Dask DataFrame of pandas partitions, got one whose partitions are "
            f"{type(meta).__name__}. Convert the partitions to pandas first "
            "(X.to_backend('pandas'))."
        )
    return meta


def dask_partitions(X, extras: dict) -> tuple[list, dict]:
    """Delayed pandas partitions of ``X`` with the Dask Series ``extras`` as more columns.

    Carrying ``y`` and ``sample_weight`` as columns of ``X`` keeps their rows
    lined up with the rows of ``X`` partition by partition, however Dask
    partitions each of them (``read_parquet`` may merge the files of a single
    column's read). Returns the partitions and the column name given to each
    extra (None values are left out); :func:`split_partition` takes them apart.
    """
    names = {}
    for key, series in extras.items():
        if series is None:
            continue
        if not is_dask_collection(series) or getattr(series, "ndim", 1) != 1:
            raise TypeError(
                f"X is a Dask DataFrame, so {key} must be a Dask Series with the same index "
                f"(for example X_all[{key!r}] before dropping that column), got "
                f"{type(series).__name__}."
            )
        name = f"__skembed_{key}__"
        while name in X.columns:
            name += "_"
        names[key] = name
    combined = X
    if names:
        try:
            combined = X.assign(**{name: extras[key] for key, name in names.items()})
        except (ValueError, TypeError, NotImplementedError) as exc:
            raise ValueError(
                f"Could not line up {' and '.join(names)} with the rows of X ({exc}); pass "
                "columns of the same Dask DataFrame, or Series whose index matches X's "
                "(known divisions)."
            ) from None
    return list(combined.to_delayed()), names


def split_partition(part: pd.DataFrame, names: dict) -> tuple[pd.DataFrame, dict]:
    """A partition of :func:`dask_partitions` as (X's columns, {extra: 1-D array})."""
    extras = {key: part[name].to_numpy() for key, name in names.items()}
    return (part.drop(columns=list(names.values())) if names else part), extras


def dask_delayed(function):
    """``dask.delayed(function)``, keyed by a fresh name instead of hashing arguments."""
    return _dask().delayed(function, pure=False)


def dask_compute(tasks: list) -> list:
    """Compute delayed ``tasks`` together (one pass; the active scheduler or Client)."""
    return list(_dask().compute(*tasks))


def dask_map_partitions(X, function, meta: pd.DataFrame, *args):
    """``X.map_partitions(function, *args, meta=meta)``: lazy, one task per partition."""
    return X.map_partitions(function, *args, meta=meta, align_dataframes=False)


def merge_counts(uniques: list, counts: list) -> tuple[np.ndarray, np.ndarray]:
    """Sum per-partition counts of distinct values into one array of distinct values."""
    if not uniques:
        return np.empty(0, dtype=object), np.empty(0, dtype=np.int64)
    kinds = {u.dtype.kind for u in uniques if len(u)}
    arrays = [u.astype(object) for u in uniques] if len(kinds) > 1 else uniques
    values = np.concatenate(arrays)
    codes, merged = pd.factorize(values, use_na_sentinel=True, sort=False)
    total = np.bincount(codes, weights=np.concatenate(counts), minlength=len(merged))
    merged = np.asarray(merged)
    if merged.dtype.kind == "U":
        merged = merged.astype(object)
    return merged, total.astype(np.int64)


def pandas_frame(values: np.ndarray, index, columns: list) -> pd.DataFrame:
    """A pandas DataFrame around ``values`` (no copy), with the given index and names."""
    return pd.DataFrame(values, index=index, columns=columns, copy=False)


# ---------------------------------------------------------------------------------------
# Device-resident input and output: torch tensors, CuPy arrays, cuDF DataFrames.
#
# torch is the one array library the device path computes with: a CuPy array (or a
# numeric cuDF column) becomes a torch tensor through DLPack, which shares the memory,
# and results go back the same way. Only distinct values (one per category) and
# per-column statistics travel to the host.

_GPU_HINT = (
    "{what} needs {package}, which is not installed. Install the GPU extra: "
    'pip install "skembed[gpu]" (CUDA 12: cupy-cuda12x, cudf-cu12, cuml-cu12).'
)
OUTPUT_TYPES = ("input", "numpy", "torch", "cupy", "cudf")


def device_kind(X) -> str | None:
    """``"torch"``, ``"cupy"`` or ``"cudf"`` for those containers, else None."""
    root = _module_root(X)
    if root == "torch":
        import torch

        return "torch" if isinstance(X, torch.Tensor) else None
    if root == "cupy" and hasattr(X, "__cuda_array_interface__"):
        return "cupy"
    if root == "cudf" and type(X).__name__ in ("DataFrame", "Series"):
        return "cudf"
    return None


def _import(package: str, what: str):
    try:
        return __import__(package)
    except ImportError as exc:
        raise ImportError(_GPU_HINT.format(what=what, package=package)) from exc


def _torch():
    import torch

    return torch


def _from_dlpack(array):
    """A torch tensor sharing the memory of CuPy array ``array`` (DLPack, no copy)."""
    return _torch().from_dlpack(array)


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
        torch = _torch()
        if self.kind == "cudf":
            column = self.data.iloc[:, j]
            if self.is_list(j):
                raise TypeError(self._list_error(j))
            if column.dtype.kind == "f":  # cuDF keeps NaN apart from null
                column = column.nans_to_nulls()
            codes, uniques = column.factorize(use_na_sentinel=True)
            codes = _from_dlpack(codes).to(torch.int64)
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
            return _from_dlpack(column.to_cupy(na_value=np.nan))
        if column.has_nulls:  # integers with nulls: factorized (exact) instead
            return None
        return _from_dlpack(column.to_cupy())

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
        torch = _torch()
        if self.kind == "cudf":
            column = self.data.iloc[:, j]
            if column.dtype.kind not in "biuf":
                raise TypeError(f"a {column.dtype} column on the GPU")
            values = column.astype("float64").to_cupy(na_value=np.nan)
            return _from_dlpack(values)
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
    cupy = _import("cupy", "cuDF input")
    return _torch().device("cuda", cupy.cuda.runtime.getDevice())


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
        tensor = X if kind == "torch" else _from_dlpack(X)
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
    return _checked_shape(table, allow_empty)


def device_1d(values, kind: str) -> np.ndarray:
    """``y`` or ``sample_weight`` held on the device, copied to the host (n values)."""
    if kind == "cudf":
        return values.to_pandas().to_numpy()
    tensor = values if kind == "torch" else _from_dlpack(values)
    tensor = tensor.detach()
    if tensor.dtype in (_torch().bfloat16, _torch().float16):
        tensor = tensor.float()
    return tensor.cpu().numpy()


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
    torch = _torch() if kind != "numpy" or not isinstance(out, np.ndarray) else None
    if kind == "numpy":
        return out if isinstance(out, np.ndarray) else out.cpu().numpy()
    if kind == "torch":
        return torch.from_numpy(out) if isinstance(out, np.ndarray) else out
    cupy = _import("cupy", f"output_type={kind!r}")
    if not isinstance(out, np.ndarray) and out.device.type == "cpu":
        out = out.numpy()  # CuPy imports device memory only
    matrix = cupy.asarray(out) if isinstance(out, np.ndarray) else cupy.from_dlpack(out)
    if kind == "cupy":
        return matrix
    cudf = _import("cudf", "output_type='cudf'")
    index = source.index if is_pandas_frame(source) or device_kind(source) == "cudf" else None
    return cudf.DataFrame(matrix, columns=list(columns), index=index)
