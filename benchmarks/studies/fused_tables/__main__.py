"""``python -m benchmarks.studies.fused_tables`` (``--help`` for the flags)."""

from .cli import main

if __name__ == "__main__":
    main()
