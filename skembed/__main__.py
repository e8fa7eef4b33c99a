"""``python -m skembed``: the same command line as the ``skembed`` script."""

import sys

from ._cli import main

if __name__ == "__main__":
    sys.exit(main())
