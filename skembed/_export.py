"""All embedding tables of an encoder as one long Parquet / CSV file, and back.

The file has one row per table row of every categorical column:

================  ==============================================================
column            the input column's name
row               ``"category"``, ``"unknown"``, ``"missing"`` or ``"hash"``
category          the category as text (``"<unknown>"`` / ``"<missing>"`` for
                  the extra rows; bytes as hex)
category_type     ``str``, ``int``, ``float``, ``bool``, ``bytes`` or
                  ``datetime64``: how to turn the text back into the value
emb0, emb1, ...   the vector, padded with empty cells (NaN) up to the widest
                  column's width
================  ==============================================================

:func:`read_embeddings` turns such a file back into ``{column: DataFrame}``,
the form ``pretrained_embeddings`` takes.
"""

from __future__ import annotations

import numbers
from pathlib import Path

import numpy as np
from sklearn.utils.validation import check_is_fitted

from ._categories import extra_row_labels
from ._encode import input_names
from ._files import EXTRA_ROWS_ATTR, labelled_frame, read_columns, read_word_vectors, write_columns

__all__ = ["TableExportMixin", "export_embeddings", "load_word_vectors", "read_embeddings"]


class TableExportMixin:
    """``to_parquet`` and ``to_csv``: an encoder's tables as one long file (module doc)."""

    def to_parquet(self, path):
        """Write every embedding table to one Parquet file (needs pyarrow).

        One row per table row: the column name, ``row`` (``"category"``,
        ``"unknown"`` or ``"missing"``), the category as text with its type,
        then ``emb0, emb1, ...`` (empty past a column's width).
        :func:`skembed.read_embeddings` reads it back as
        ``pretrained_embeddings``.

        Parameters
        ----------
        path : str or os.PathLike

        Returns
        -------
        path : pathlib.Path
        """
        check_is_fitted(self, "embeddings_")
        return export_embeddings(self, path, "parquet")

    def to_csv(self, path):
        """Write every embedding table to one CSV file (see :meth:`to_parquet`).

        Parameters
        ----------
        path : str or os.PathLike

        Returns
        -------
        path : pathlib.Path
        """
        check_is_fitted(self, "embeddings_")
        return export_embeddings(self, path, "csv")


def _as_text(value) -> tuple[str, str]:
    """A category as (text, type name) that :func:`_from_text` inverts exactly."""
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value)), "bool"
    if isinstance(value, numbers.Integral):
        return str(int(value)), "int"
    if isinstance(value, (float, np.floating)):
        return repr(float(value)), "float"
    if isinstance(value, str):
        return value, "str"
    if isinstance(value, bytes):
        return value.hex(), "bytes"
    if isinstance(value, np.datetime64):
        return str(value), "datetime64"
    raise TypeError(
        f"Cannot export the category {value!r} of type {type(value).__name__}; exportable "
        "categories are str, int, float, bool, bytes and numpy.datetime64."
    )


def _from_text(text: str, kind: str):
    if kind == "str":
        return text
    if kind == "int":
        return int(text)
    if kind == "float":
        return float(text)
    if kind == "bool":
        return text == "True"
    if kind == "bytes":
        return bytes.fromhex(text)
    if kind == "datetime64":
        return np.datetime64(text)
    raise ValueError(f"unknown category_type {kind!r}")


def export_embeddings(encoder, path, file_format: str | None = None) -> Path:
    """Write every embedding table of a fitted ``encoder`` to ``path``."""
    names = input_names(encoder)
    width = max(encoder.embedding_dims_, default=0)
    column, row, label, kind, vectors = [], [], [], [], []
    for i, j in enumerate(encoder.categorical_columns_):
        categories = encoder.categories_[i]
        texts = [_as_text(v) for v in categories]
        buckets = len(encoder.embeddings_[i]) - len(categories) - 2
        column += [names[j]] * len(encoder.embeddings_[i])
        row += ["category"] * len(categories) + ["unknown", "missing"] + ["hash"] * buckets
        label += [t for t, _ in texts] + extra_row_labels(categories, buckets)
        kind += [k for _, k in texts] + ["str"] * (2 + buckets)
        table = np.full((len(encoder.embeddings_[i]), width), np.nan, dtype=np.float32)
        table[:, : encoder.embedding_dims_[i]] = encoder.embeddings_[i]
        vectors.append(table)
    matrix = np.concatenate(vectors) if vectors else np.empty((0, width), np.float32)
    columns = {
        "column": np.array(column, dtype=object),
        "row": np.array(row, dtype=object),
        "category": np.array(label, dtype=object),
        "category_type": np.array(kind, dtype=object),
    }
    columns.update({f"emb{k}": matrix[:, k] for k in range(width)})
    write_columns(columns, path, file_format)
    return Path(path)


def read_embeddings(path, *, include_special: bool = True) -> dict:
    """Read a file written by ``to_parquet`` / ``to_csv`` as ``{column: DataFrame}``.

    Parameters
    ----------
    path : str or os.PathLike
        A ``.parquet`` or ``.csv`` file written by
        :meth:`EntityEmbeddingEncoder.to_parquet` or
        :meth:`EntityEmbeddingEncoder.to_csv`.
    include_special : bool, default=True
        Keep the ``"<unknown>"``, ``"<missing>"`` and ``"<hash k>"`` rows, so that
        the round trip is lossless (``get_embeddings`` gives the same frames).
        ``pretrained_embeddings`` accepts the frames either way: it leaves out
        the rows that ``frame.attrs["skembed_extra_rows"]`` lists.

    Returns
    -------
    tables : dict of str to pandas.DataFrame
        One table per column, indexed by the category values with their
        original types (int categories come back as ints, also from CSV),
        one column per dimension.

    Examples
    --------
    >>> import os, tempfile
    >>> import skembed
    >>> from skembed.datasets import make_categorical
    >>> X, y, _ = make_categorical(500, cardinalities=(5,), random_state=0)
    >>> encoder = skembed.EntityEmbeddingEncoder(max_iter=3, random_state=0).fit(X, y)
    >>> path = os.path.join(tempfile.mkdtemp(), "tables.csv")
    >>> _ = encoder.to_csv(path)
    >>> tables = skembed.read_embeddings(path)
    >>> tables["c0"].shape  # 5 categories, the unknown and the missing rows
    (7, 2)
    >>> refit = skembed.EntityEmbeddingEncoder(
    ...     pretrained_embeddings=tables, freeze_pretrained=True, max_iter=3, random_state=0
    ... ).fit(X, y)
    >>> bool((refit.get_embeddings("c0").iloc[:5] == encoder.get_embeddings("c0").iloc[:5])
    ...      .all(axis=None))
    True
    """
    data = read_columns(path)
    needed = {"column", "row", "category", "category_type"}
    if not needed <= set(data):
        raise ValueError(
            f"{str(path)!r} is not an embeddings file: expected the columns {sorted(needed)} "
            f"and emb0, emb1, ... as written by to_parquet / to_csv; got {sorted(data)}."
        )
    dims = sorted((int(name[3:]) for name in data if name[3:].isdigit()), key=int)
    matrix = np.column_stack([np.asarray(data[f"emb{k}"], np.float32) for k in dims])
    columns = np.asarray(data["column"]).astype(str)
    tables = {}
    for name in dict.fromkeys(columns.tolist()):
        selected = columns == name
        if not include_special:
            selected &= np.asarray(data["row"]).astype(str) == "category"
        block = matrix[selected]
        width = int(np.flatnonzero(~np.isnan(block).all(axis=0)).max(initial=-1)) + 1
        labels = [
            _from_text(str(text), str(kind))
            for text, kind in zip(data["category"][selected], data["category_type"][selected])
        ]
        tables[name] = labelled_frame(
            block[:, :width], labels, [f"{name}_emb{k}" for k in range(width)], name
        )
        kinds = np.asarray(data["row"]).astype(str)[selected]
        tables[name].attrs[EXTRA_ROWS_ATTR] = [
            str(text) for text, k in zip(data["category"][selected], kinds) if k != "category"
        ]
    return tables


def load_word_vectors(path, *, max_words=None, encoding="utf-8"):
    r"""Load a GloVe / word2vec / fastText text file of vectors as a table.

    Each line is a word followed by its vector, separated by single spaces
    (``the 0.418 0.24968 -0.41242 ...``). A first line holding just the
    counts (``400000 50``, the word2vec text header) is skipped. The result
    can be passed as a table of ``pretrained_embeddings``.

    Parameters
    ----------
    path : str or os.PathLike
        The text file (for example ``glove.6B.50d.txt``).
    max_words : int, default=None
        Read only the first ``max_words`` vectors (these files list frequent
        words first).
    encoding : str, default="utf-8"

    Returns
    -------
    table : pandas.DataFrame of shape (n_words, dim), float32
        Indexed by word (kept verbatim: ``"null"`` and ``"nan"`` stay words),
        columns ``dim0, dim1, ...``.

    Examples
    --------
    >>> import os, tempfile
    >>> import skembed
    >>> path = os.path.join(tempfile.mkdtemp(), "vectors.txt")
    >>> with open(path, "w") as file:
    ...     _ = file.write("paris 0.1 0.2 0.3\nrome 0.2 0.1 0.0\nnull 1 2 3\n")
    >>> table = skembed.load_word_vectors(path)
    >>> table.shape, table.index.tolist()
    ((3, 3), ['paris', 'rome', 'null'])
    """
    words, matrix = read_word_vectors(path, max_words=max_words, encoding=encoding)
    return labelled_frame(matrix, list(words), [f"dim{k}" for k in range(matrix.shape[1])], None)
