"""The command line of ``skembed``: its arguments, help texts and usage errors.

:func:`build_parser` only describes the arguments; the commands themselves
are in :mod:`skembed._cli_commands`, run by the name that the parser stores
in ``args.command``.
"""

from __future__ import annotations

import argparse

from ._cli_errors import PROG
from ._version import __version__

__all__ = ["EPILOG", "build_parser", "int_at_least"]

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


def int_at_least(low: int):
    """An argparse ``type`` that accepts ints ``>= low`` only.

    Parameters
    ----------
    low : int

    Returns
    -------
    parse : callable
        Text to int; raises :class:`argparse.ArgumentTypeError` otherwise.

    Examples
    --------
    >>> int_at_least(1)("3")
    3
    """

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
    """The argparse parser of the ``skembed`` command.

    Returns
    -------
    parser : argparse.ArgumentParser
        Its sub-command's name is stored in ``args.command``.

    Examples
    --------
    >>> build_parser().parse_args(["transform", "enc.skembed", "x.csv", "--out", "z.csv"])
    Namespace(command='transform', encoder='enc.skembed', data='x.csv', out='z.csv', keep=None)
    """
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Entity embeddings for scikit-learn: learn a vector per category.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    _add_demo_arguments(commands)
    _add_fit_arguments(commands)
    _add_transform_arguments(commands)
    return parser


def _add_demo_arguments(commands) -> None:
    """The ``demo`` sub-command and its options."""
    from .datasets import ADULT_CATEGORICAL

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
        type=int_at_least(1),
        default=None,
        help="epochs of the encoder (default: the encoder's own; small values for quick checks)",
    )
    demo.add_argument("--no-plot", action="store_true", help="skip the plot")
    demo.add_argument(
        "--threads",
        type=int_at_least(0),
        default=1,
        help="CPU threads for torch and scikit-learn (default: 1; 0: the libraries' defaults)",
    )
    demo.add_argument("--quiet", action="store_true", help="no progress bar")


def _add_fit_arguments(commands) -> None:
    """The ``fit`` sub-command and its options."""
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
        type=int_at_least(1),
        default=None,
        help=(
            "CPU threads for training (default: the encoder's n_jobs, 1 thread: as fast for "
            "its small batches, and never slowed down by busy cores)"
        ),
    )
    fit.add_argument("--quiet", action="store_true", help="no progress bar")


def _add_transform_arguments(commands) -> None:
    """The ``transform`` sub-command and its arguments."""
    transform = commands.add_parser(
        "transform",
        help="encode a CSV or Parquet file with a saved encoder",
        description=(
            "Replace DATA's categorical columns by their embeddings with an encoder saved "
            "by `skembed fit`; columns the encoder was not fitted on (such as the target) "
            "are left out unless --keep names them. ENCODER files written by "
            "EntityEmbeddingEncoder.save are read without running code from them; joblib "
            "files can run code: only load those if you trust them."
        ),
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    transform.add_argument("encoder", metavar="ENCODER", help="file written by `skembed fit`")
    transform.add_argument("data", metavar="DATA", help="data to encode, .csv or .parquet")
    transform.add_argument(
        "--out", required=True, metavar="FILE", help="output file, .csv or .parquet"
    )
    transform.add_argument(
        "--keep",
        default=None,
        metavar="COLS",
        help="comma-separated columns of DATA copied unchanged to the front of the output "
        "(an id, the target)",
    )
