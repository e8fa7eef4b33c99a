"""The ``skembed`` command line: ``demo``, ``fit`` and ``transform``.

Exit status: 0 on success, 2 for a problem with the command line or its
files (the message says what was expected, what was found and how to fix
it), 1 when the encoder itself fails on the data.
"""

from __future__ import annotations

import argparse
import ast
import importlib
import sys
from pathlib import Path

__all__ = ["main"]

PROG = "skembed"
CSV_SUFFIXES = (".csv", ".csv.gz", ".csv.bz2", ".csv.xz", ".csv.zst", ".csv.zip")
PARQUET_SUFFIXES = (".parquet", ".pq")
PARQUET_HINT = 'pip install "skembed[parquet]"'
PICKLE_SUFFIXES = (".joblib", ".pkl", ".pickle")

EPILOG = """\
examples:
  skembed demo --out-dir plots
  skembed fit train.csv --target income --categorical workclass,education \\
      --param embedding_dim=4 --param max_iter=30 --param random_state=0 --out encoder.skembed
  skembed transform encoder.skembed test.parquet --out test_embedded.parquet

Encoders are saved with EntityEmbeddingEncoder.save (no pickle; read back by
skembed.load without running code from the file), or with joblib when the file name
ends in .joblib, .pkl or .pickle (pickle runs code when loaded: load only files you
trust). transform reads ENCODER the same way, by its name.

Files are read and written as CSV (.csv, optionally compressed: .csv.gz, ...) or
Parquet (.parquet, .pq; needs pyarrow: pip install "skembed[parquet]"), by extension.
Exit status: 0 success, 2 a problem with the command line or its files, 1 the encoder
failed on the data.
"""


class CLIError(Exception):
    """A problem to report in one message on stderr, without a traceback."""

    def __init__(self, message, status=2):
        super().__init__(message)
        self.status = status


# ----------------------------------------------------------------------- files


def _format(path: Path) -> str:
    """``"csv"`` or ``"parquet"`` from the file name; CLIError otherwise."""
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


def _require_parquet_engine(path: Path) -> None:
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


def _check_input(path: Path, what: str) -> str:
    if not path.exists():
        raise CLIError(
            f"{what} file {str(path)!r} does not exist (working directory: {Path.cwd()}). "
            "Check the path."
        )
    kind = _format(path)
    if path.is_dir() and kind != "parquet":
        raise CLIError(f"{what} {str(path)!r} is a directory; expected a {kind} file.")
    if kind == "parquet":
        _require_parquet_engine(path)
    return kind


def _check_output(path: Path, formats=None) -> str | None:
    kind = _format(path) if formats else None
    if kind == "parquet":
        _require_parquet_engine(path)
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise CLIError(
            f"cannot write {str(path)!r}: its folder {str(parent)!r} does not exist. Create "
            "it first or choose another --out."
        )
    return kind


def _peek(path: Path, kind: str):
    """``(columns, frame)``: a CSV's header only (frame None), or a whole Parquet file."""
    if kind == "parquet":
        frame = _read(path, kind)
        return [str(c) for c in frame.columns], frame
    import pandas as pd

    try:
        return [str(c) for c in pd.read_csv(path, nrows=0).columns], None
    except Exception as exc:  # pandas raises many types
        raise CLIError(f"could not read {str(path)!r} as csv: {exc}") from None


def _read(path: Path, kind: str, string_columns=()):
    import pandas as pd

    try:
        if kind == "csv":
            dtype = {name: "str" for name in string_columns} or None
            return pd.read_csv(path, dtype=dtype)
        return pd.read_parquet(path)
    except Exception as exc:  # pandas and pyarrow raise many types
        raise CLIError(f"could not read {str(path)!r} as {kind}: {exc}") from None


def _write(frame, path: Path, kind: str) -> None:
    try:
        if kind == "csv":
            frame.to_csv(path, index=False)
        else:
            frame.to_parquet(path, index=False)
    except OSError as exc:
        raise CLIError(f"could not write {str(path)!r}: {exc}") from None


# -------------------------------------------------------------------- commands


def _parse_value(text: str):
    lowered = text.strip().lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    if lowered in ("none", "null"):
        return None
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def _parse_params(items, encoder_class) -> dict:
    valid = sorted(encoder_class().get_params())
    params = {}
    for item in items or ():
        name, sep, value = item.partition("=")
        name = name.strip()
        if not sep or not name:
            raise CLIError(f"--param expects name=value (e.g. --param max_iter=20), got {item!r}.")
        if name not in valid:
            raise CLIError(
                f"--param {name!r} is not a parameter of EntityEmbeddingEncoder; expected "
                f"one of {', '.join(valid)}."
            )
        params[name] = _parse_value(value)
    return params


def _split_names(text: str | None) -> list[str]:
    if text is None:
        return []
    return [name.strip() for name in text.split(",") if name.strip()]


def _cmd_fit(args) -> int:
    from ._demo import limit_threads
    from ._encoder import EntityEmbeddingEncoder
    from ._validation import InvalidParameterError, validate_params

    data = Path(args.data)
    out = Path(args.out)
    params = _parse_params(args.param, EntityEmbeddingEncoder)
    categorical = _split_names(args.categorical)
    if categorical and "categorical_features" in params:
        raise CLIError(
            "the categorical columns were given twice, with --categorical and with "
            "--param categorical_features; keep one."
        )
    if categorical:
        params["categorical_features"] = categorical
    params.setdefault("verbose", 0 if args.quiet else 1)
    encoder = EntityEmbeddingEncoder(**params)
    try:
        validate_params(encoder)
    except InvalidParameterError as exc:
        raise CLIError(f"invalid --param: {exc}") from None

    kind = _check_input(data, "DATA")
    _check_output(out)
    columns, frame = _peek(data, kind)
    if args.target not in columns:
        raise CLIError(
            f"--target column {args.target!r} is not in {str(data)!r}; its columns are "
            f"{columns}. Pass one of them with --target."
        )
    missing = [name for name in categorical if name not in columns]
    if missing:
        raise CLIError(
            f"--categorical names {missing}, which {'is' if len(missing) == 1 else 'are'} "
            f"not in {str(data)!r}; its columns are {columns}. Fix the names in --categorical."
        )
    if args.target in categorical:
        raise CLIError(
            f"--target column {args.target!r} is also listed in --categorical; the target "
            "cannot be a feature. Remove it from --categorical."
        )

    if frame is None:
        frame = _read(data, kind, string_columns=categorical)
    X = frame.drop(columns=[args.target])
    y = frame[args.target].to_numpy()
    try:
        with limit_threads(args.threads):
            encoder.fit(X, y)
    except (ValueError, TypeError) as exc:
        raise CLIError(f"fitting the encoder on {str(data)!r} failed: {exc}", status=1) from None
    if out.name.lower().endswith(PICKLE_SUFFIXES):
        import joblib

        joblib.dump(encoder, out)
    else:
        encoder.save(out)
    names = [str(encoder.feature_names_in_[j]) for j in encoder.categorical_columns_]
    dims = ", ".join(f"{name}: {dim}" for name, dim in zip(names, encoder.embedding_dims_))
    print(
        f"Fitted EntityEmbeddingEncoder on {len(X):,} rows of {str(data)!r} in "
        f"{encoder.n_iter_} epochs; embedding widths {{{dims}}}, "
        f"{len(encoder.continuous_columns_)} continuous columns. Wrote {str(out)!r}."
    )
    return 0


def _load_encoder(path: Path):
    import joblib

    from ._encoder import EntityEmbeddingEncoder

    if not path.exists():
        raise CLIError(
            f"ENCODER file {str(path)!r} does not exist (working directory: {Path.cwd()}). "
            "Create it with `skembed fit ... --out FILE` or check the path."
        )
    # only files named as pickles go to the unpickler, never a damaged .skembed file
    if not path.name.lower().endswith(PICKLE_SUFFIXES):
        from ._persistence import load

        try:
            encoder = load(path)
        except (ValueError, OSError) as exc:
            raise CLIError(f"could not load ENCODER: {exc}") from None
    else:
        try:
            encoder = joblib.load(path)
        except Exception as exc:  # unpickling raises anything
            raise CLIError(
                f"could not load {str(path)!r} as a skembed or joblib file "
                f"({type(exc).__name__}: {exc}); expected a file written by `skembed fit`."
            ) from None
    if not isinstance(encoder, EntityEmbeddingEncoder) or not hasattr(encoder, "embeddings_"):
        raise CLIError(
            f"{str(path)!r} holds a {type(encoder).__name__}, not a fitted "
            "EntityEmbeddingEncoder; expected a file written by `skembed fit`."
        )
    return encoder


def _cmd_transform(args) -> int:
    import numpy as np
    import pandas as pd

    encoder_path, data, out = Path(args.encoder), Path(args.data), Path(args.out)
    out_kind = _check_output(out, formats=True)
    encoder = _load_encoder(encoder_path)
    kind = _check_input(data, "DATA")
    columns, frame = _peek(data, kind)
    names = getattr(encoder, "feature_names_in_", None)
    if names is not None:
        names = [str(name) for name in names]
        missing = [name for name in names if name not in columns]
        if missing:
            raise CLIError(
                f"{str(data)!r} lacks the columns {missing} that the encoder was fitted on; "
                f"it has {columns}. Give a file with all of {names} (other columns are "
                "ignored)."
            )
    elif len(columns) != encoder.n_features_in_:
        raise CLIError(
            f"the encoder was fitted on {encoder.n_features_in_} unnamed columns, but "
            f"{str(data)!r} has {len(columns)}. Give a file with exactly those columns."
        )
    # read categorical columns whose fitted categories are strings as strings, so that
    # e.g. "007" stays "007" in a CSV, as `skembed fit --categorical` did
    string_columns = []
    if names is not None:
        for i, j in enumerate(encoder.categorical_columns_):
            categories = encoder.categories_[i]
            if len(categories) and all(isinstance(v, str) for v in categories):
                string_columns.append(names[j])
    if frame is None:
        frame = _read(data, kind, string_columns=string_columns)
    X = frame[names] if names is not None else frame.to_numpy()
    try:
        Z = encoder.transform(X)
    except (ValueError, TypeError) as exc:
        raise CLIError(f"transforming {str(data)!r} failed: {exc}", status=1) from None
    result = pd.DataFrame(np.asarray(Z), columns=[str(c) for c in encoder.get_feature_names_out()])
    _write(result, out, out_kind)
    print(f"Encoded {len(result):,} rows into {result.shape[1]} columns. Wrote {str(out)!r}.")
    return 0


def _cmd_demo(args) -> int:
    from ._demo import run_demo

    run_demo(
        args.out_dir,
        column=args.column,
        max_iter=args.max_iter,
        plot=not args.no_plot,
        n_threads=args.threads,
        verbose=0 if args.quiet else 1,
    )
    return 0


# ---------------------------------------------------------------------- parser


def _int_at_least(low: int):
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or value < low:
            raise argparse.ArgumentTypeError(f"expected an int >= {low}, got {text!r}")
        return value

    return parse


def build_parser() -> argparse.ArgumentParser:
    """The argparse parser of the ``skembed`` command."""
    from . import __version__
    from .datasets import ADULT_CATEGORICAL

    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Entity embeddings for scikit-learn: learn a vector per category.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    demo = commands.add_parser(
        "demo",
        help="compare entity embeddings with one-hot and target encoding on census data",
        description=(
            "Fit EntityEmbeddingEncoder on 80%% of a bundled 10,000-row sample of the UCI "
            "Adult census data, compare the test ROC AUC of LogisticRegression and "
            "HistGradientBoosting on it with one-hot and target encoding, and plot one "
            'column\'s embeddings (needs matplotlib: pip install "skembed[plot]").'
        ),
    )
    demo.add_argument(
        "--out-dir",
        default=".",
        help="folder of the plot skembed_demo_<column>.png (default: current directory)",
    )
    demo.add_argument(
        "--column",
        default="occupation",
        choices=ADULT_CATEGORICAL,
        help="categorical column to plot (default: occupation)",
    )
    demo.add_argument(
        "--max-iter",
        type=_int_at_least(1),
        default=None,
        help="epochs of the encoder (default: the encoder's own; small values for quick checks)",
    )
    demo.add_argument("--no-plot", action="store_true", help="skip the plot")
    demo.add_argument(
        "--threads",
        type=_int_at_least(0),
        default=1,
        help="CPU threads for torch and scikit-learn (default: 1; 0: the libraries' defaults)",
    )
    demo.add_argument("--quiet", action="store_true", help="no progress bar")
    demo.set_defaults(func=_cmd_demo)

    fit = commands.add_parser(
        "fit",
        help="fit an encoder on a CSV or Parquet file and save it",
        description=(
            "Fit EntityEmbeddingEncoder on DATA (every column but --target) to predict "
            "--target, and save it to --out: with EntityEmbeddingEncoder.save (pickle-free), "
            "or with joblib when the name ends in .joblib, .pkl or .pickle."
        ),
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    fit.add_argument("data", metavar="DATA", help="training data, .csv or .parquet")
    fit.add_argument("--target", required=True, metavar="COL", help="column to predict")
    fit.add_argument(
        "--categorical",
        metavar="A,B,...",
        help=(
            "comma-separated categorical columns (read as strings from CSV); default: "
            "columns of string, object, category or bool dtype"
        ),
    )
    fit.add_argument(
        "--param",
        action="append",
        metavar="NAME=VALUE",
        help=(
            "an EntityEmbeddingEncoder parameter, repeatable: --param max_iter=30 "
            "--param hidden_layer_sizes=64,32; values are Python literals, else strings"
        ),
    )
    fit.add_argument("--out", required=True, metavar="FILE", help="where to save the encoder")
    fit.add_argument(
        "--threads",
        type=_int_at_least(0),
        default=0,
        help=(
            "CPU threads for training (default: 0, torch's default); 1 is often much faster "
            "for small networks on busy machines"
        ),
    )
    fit.add_argument("--quiet", action="store_true", help="no progress bar")
    fit.set_defaults(func=_cmd_fit)

    transform = commands.add_parser(
        "transform",
        help="encode a CSV or Parquet file with a saved encoder",
        description=(
            "Replace DATA's categorical columns by their embeddings with an encoder saved "
            "by `skembed fit`; columns the encoder was not fitted on (such as the target) "
            "are left out. ENCODER files written by EntityEmbeddingEncoder.save are read "
            "without running code from them; joblib files can run code: only load those "
            "if you trust them."
        ),
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    transform.add_argument("encoder", metavar="ENCODER", help="file written by `skembed fit`")
    transform.add_argument("data", metavar="DATA", help="data to encode, .csv or .parquet")
    transform.add_argument(
        "--out", required=True, metavar="FILE", help="output file, .csv or .parquet"
    )
    transform.set_defaults(func=_cmd_transform)
    return parser


def main(argv=None) -> int:
    """Run the ``skembed`` command with ``argv`` (default: ``sys.argv[1:]``).

    Returns the exit status instead of calling ``sys.exit``; ``--help`` and
    argparse's usage errors return 0 and 2.
    """
    parser = build_parser()
    try:
        args = parser.parse_args(None if argv is None else [str(a) for a in argv])
    except SystemExit as exc:  # --help, --version, usage errors
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    try:
        return args.func(args)
    except CLIError as exc:
        print(f"{PROG} {args.command}: error: {exc}", file=sys.stderr)
        return exc.status
    except KeyboardInterrupt:
        print(f"{PROG} {args.command}: interrupted", file=sys.stderr)
        return 130
