"""``python -m skdash``: the command line (see :mod:`skdash.cli`)."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
