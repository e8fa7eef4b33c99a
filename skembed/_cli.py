"""The ``skembed`` command line: ``demo``, ``fit`` and ``transform``.

Exit status: 0 on success, 2 for a problem with the command line or its
files (the message says what was expected, what was found and how to fix
it), 1 when the encoder itself fails on the data.

The command is split by concept: :mod:`skembed._cli_parser` (the
arguments), :mod:`skembed._cli_commands` (what each command does),
:mod:`skembed._cli_files` (reading and writing tables and encoders) and
:mod:`skembed._cli_errors` (the one-line error).
"""

from __future__ import annotations

import sys

from ._cli_commands import COMMANDS
from ._cli_errors import PROG, CLIError
from ._cli_parser import build_parser

__all__ = ["main"]


def main(argv=None) -> int:
    """Run the ``skembed`` command with ``argv`` (default: ``sys.argv[1:]``).

    Returns the exit status instead of calling ``sys.exit``; ``--help`` and
    argparse's usage errors return 0 and 2.

    Parameters
    ----------
    argv : list of str or path-like, default=None

    Returns
    -------
    status : int
        0 on success, 2 for a problem with the command line or its files, 1
        when the encoder fails on the data, 130 when interrupted.

    Examples
    --------
    >>> main(["--version"])  # doctest: +ELLIPSIS
    skembed ...
    0
    """
    parser = build_parser()
    try:
        args = parser.parse_args(None if argv is None else [str(a) for a in argv])
    except SystemExit as exc:  # --help, --version, usage errors
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    try:
        return COMMANDS[args.command](args)
    except CLIError as exc:
        print(f"{PROG} {args.command}: error: {exc}", file=sys.stderr)
        return exc.status
    except KeyboardInterrupt:
        print(f"{PROG} {args.command}: interrupted", file=sys.stderr)
        return 130
