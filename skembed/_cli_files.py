"""The files of the ``skembed`` command: CSV / Parquet tables and saved encoders.

Every problem with a file (a name whose format cannot be told, a path that
does not exist, a missing Parquet engine, a file that cannot be parsed) is
raised as a :class:`~skembed._cli_errors.CLIError` that says what was
expected and how to fix it.
"""

from __future__ import annotations

import importlib
from pathlib import Path

from ._cli_errors import CLIError

__all__ = [
    "CSV_SUFFIXES",
    "PARQUET_HINT",
    "PARQUET_SUFFIXES",
    "PICKLE_SUFFIXES",
    "check_input",
    "check_output",
    "detect_format",
    "is_pickle_name",
    "load_encoder",
    "peek_columns",
    "read_table",
    "require_parquet_engine",
    "save_encoder",
    "write_table",
]

CSV_SUFFIXES = (".csv", ".csv.gz", ".csv.bz2", ".csv.xz", ".csv.zst", ".csv.zip")
PARQUET_SUFFIXES = (".parquet", ".pq")
PARQUET_HINT = 'pip install "skembed[parquet]"'
PICKLE_SUFFIXES = (".joblib", ".pkl", ".pickle")


# ---------------------------------------------------------------------- tables


def detect_format(path: Path) -> str:
    """The table format of ``path``, told by its extension.

    Parameters
    ----------
    path : pathlib.Path

    Returns
    -------
    kind : {"csv", "parquet"}

    Raises
    ------
    CLIError
        If the extension is neither a CSV one (compressed or not) nor a
        Parquet one.

    Examples
    --------
    >>> from pathlib import Path
    >>> detect_format(Path("train.csv.gz")), detect_format(Path("TEST.PQ"))
    ('csv', 'parquet')
    """
    name = path.name.lower()
    if name.endswith(CSV_SUFFIXES):
        return "csv"
    if name.endswith(PARQUET_SUFFIXES):
        return "parquet"
    suffix = "".join(path.suffixes) or "no extension"
    raise CLIError(
        f"cannot tell the format of {str(path)!r} from its extension ({suffix}): expected a "
        f"CSV file ({', '.join(CSV_SUFFIXES)}) or a Parquet file "
        f"({', '.join(PARQUET_SUFFIXES)}). Rename the file or convert it to one of these."
    )


def require_parquet_engine(path: Path) -> None:
    """Raise a CLIError with the install hint unless pyarrow or fastparquet imports."""
    for engine in ("pyarrow", "fastparquet"):
        try:
            importlib.import_module(engine)
            return
        except ImportError:
            continue
    raise CLIError(
        f"{str(path)!r} is a Parquet file, which needs pyarrow, but pyarrow is not "
        f"installed. Install it with: {PARQUET_HINT} (or use a .csv file)."
    )


def check_input(path: Path, what: str) -> str:
    """The format of an input table that exists and can be read.

    Parameters
    ----------
    path : pathlib.Path
    what : str
        Name of the argument in messages, such as ``"DATA"``.

    Returns
    -------
    kind : {"csv", "parquet"}
    """
    if not path.exists():
        raise CLIError(
            f"{what} file {str(path)!r} does not exist (working directory: {Path.cwd()}). "
            "Check the path."
        )
    kind = detect_format(path)
    if path.is_dir() and kind != "parquet":
        raise CLIError(f"{what} {str(path)!r} is a directory; expected a {kind} file.")
    if kind == "parquet":
        require_parquet_engine(path)
    return kind


def check_output(path: Path, formats=None) -> str | None:
    """Check that ``path`` can be written; its table format when ``formats`` is true.

    Parameters
    ----------
    path : pathlib.Path
    formats : bool, default=None
        Whether ``path`` is a table whose format comes from its extension
        (``--out`` of ``transform``) rather than an encoder file.

    Returns
    -------
    kind : {"csv", "parquet"} or None
        None when ``formats`` is false.
    """
    kind = detect_format(path) if formats else None
    if kind == "parquet":
        require_parquet_engine(path)
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise CLIError(
            f"cannot write {str(path)!r}: its folder {str(parent)!r} does not exist. Create "
            "it first or choose another --out."
        )
    return kind


def peek_columns(path: Path, kind: str):
    """The column names of a table, reading as little as its format allows.

    Returns
    -------
    columns : list of str
    frame : pandas.DataFrame or None
        The whole table when it had to be read (Parquet), None for a CSV file,
        of which only the header was read.
    """
    if kind == "parquet":
        frame = read_table(path, kind)
        return [str(c) for c in frame.columns], frame
    import pandas as pd

    try:
        return [str(c) for c in pd.read_csv(path, nrows=0).columns], None
    except Exception as exc:  # pandas raises many types
        raise CLIError(f"could not read {str(path)!r} as csv: {exc}") from None


def read_table(path: Path, kind: str, string_columns=()):
    """Read a CSV or Parquet table; ``string_columns`` of a CSV file are read as text."""
    import pandas as pd

    try:
        if kind == "csv":
            dtype = {name: "str" for name in string_columns} or None
            return pd.read_csv(path, dtype=dtype)
        return pd.read_parquet(path)
    except Exception as exc:  # pandas and pyarrow raise many types
        raise CLIError(f"could not read {str(path)!r} as {kind}: {exc}") from None


def write_table(frame, path: Path, kind: str) -> None:
    """Write ``frame`` without its index as CSV or Parquet."""
    try:
        if kind == "csv":
            frame.to_csv(path, index=False)
        else:
            frame.to_parquet(path, index=False)
    except OSError as exc:
        raise CLIError(f"could not write {str(path)!r}: {exc}") from None


# -------------------------------------------------------------------- encoders


def is_pickle_name(path: Path) -> bool:
    """Whether ``path`` is named as a joblib / pickle file (which runs code when loaded).

    Examples
    --------
    >>> from pathlib import Path
    >>> is_pickle_name(Path("enc.joblib")), is_pickle_name(Path("enc.skembed"))
    (True, False)
    """
    return path.name.lower().endswith(PICKLE_SUFFIXES)


ENCODER_SUFFIX = ".skembed"


def check_encoder_name(path: Path) -> None:
    """Raise unless ``path`` is named as an encoder file: ``.skembed``, or a pickle name."""
    if path.name.lower().endswith(ENCODER_SUFFIX) or is_pickle_name(path):
        return
    raise CLIError(
        f"cannot tell how to save the encoder to {str(path)!r}: expected a name ending in "
        f"{ENCODER_SUFFIX} (pickle-free, read with skembed.load) or in "
        f"{', '.join(PICKLE_SUFFIXES)} (a joblib pickle). Rename --out."
    )


def save_encoder(encoder, path: Path) -> None:
    """Save with joblib when ``path`` is named as a pickle, else with ``encoder.save``."""
    if is_pickle_name(path):
        import joblib

        joblib.dump(encoder, path)
    else:
        encoder.save(path)


def load_encoder(path: Path):
    """A fitted EntityEmbeddingEncoder read from a file written by ``skembed fit``.

    Only files named as pickles go to the unpickler, never a damaged
    ``.skembed`` file.

    Parameters
    ----------
    path : pathlib.Path

    Returns
    -------
    encoder : EntityEmbeddingEncoder
    """
    from ._encoder import EntityEmbeddingEncoder

    if not path.exists():
        raise CLIError(
            f"ENCODER file {str(path)!r} does not exist (working directory: {Path.cwd()}). "
            "Create it with `skembed fit ... --out FILE` or check the path."
        )
    encoder = _unpickle(path) if is_pickle_name(path) else _load_skembed_file(path)
    if not isinstance(encoder, EntityEmbeddingEncoder) or not hasattr(encoder, "embeddings_"):
        raise CLIError(
            f"{str(path)!r} holds a {type(encoder).__name__}, not a fitted "
            "EntityEmbeddingEncoder; expected a file written by `skembed fit`."
        )
    return encoder


def _load_skembed_file(path: Path):
    """Whatever :func:`skembed.load` reads from ``path`` (no code from the file runs)."""
    from ._persistence import load

    try:
        return load(path)
    except (ValueError, OSError) as exc:
        raise CLIError(f"could not load ENCODER: {exc}") from None


def _unpickle(path: Path):
    """Whatever joblib reads from ``path``."""
    import joblib

    try:
        return joblib.load(path)
    except Exception as exc:  # unpickling raises anything
        raise CLIError(
            f"could not load {str(path)!r} as a skembed or joblib file "
            f"({type(exc).__name__}: {exc}); expected a file written by `skembed fit`."
        ) from None
