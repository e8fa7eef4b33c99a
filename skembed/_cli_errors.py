"""The error that the ``skembed`` command reports in one line, without a traceback."""

from __future__ import annotations

__all__ = ["PROG", "CLIError"]

PROG = "skembed"


class CLIError(Exception):
    """A problem to report in one message on stderr, without a traceback.

    Parameters
    ----------
    message : str
        What was expected, what was found and how to fix it.
    status : int, default=2
        Exit status of the command: 2 for a problem with the command line or
        its files, 1 when the encoder itself fails on the data.

    Examples
    --------
    >>> error = CLIError("no such file", status=2)
    >>> str(error), error.status
    ('no such file', 2)
    """

    def __init__(self, message, status=2):
        super().__init__(message)
        self.status = status
