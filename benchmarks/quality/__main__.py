"""``python -m benchmarks.quality``: run the quality benchmark (``--help`` for the flags)."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
