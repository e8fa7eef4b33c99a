"""``python -m benchmarks.speed``: run the speed benchmark (``--help`` for the flags)."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
