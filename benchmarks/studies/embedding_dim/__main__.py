"""``python -m benchmarks.studies.embedding_dim`` (``--help`` for the flags)."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
