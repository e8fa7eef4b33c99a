"""Vector tables and files: labelled frames, CSV / Parquet columns, word-vector text."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._values import is_missing


def is_pandas_object(value) -> bool:
    """A pandas DataFrame (the form of pretrained tables and of ``get_embeddings``)."""
    return isinstance(value, pd.DataFrame)


EXTRA_ROWS_ATTR = "skembed_extra_rows"  # frame.attrs key: labels of the non-category rows


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
        extra = getattr(spec, "attrs", {}).get(EXTRA_ROWS_ATTR)
        if extra:  # a frame of get_embeddings / read_embeddings: its categories only
            spec = spec[~spec.index.isin(extra)]
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
