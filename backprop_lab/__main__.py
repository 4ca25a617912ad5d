"""`python -m backprop_lab [ARGS]`: the same program as `backprop-lab-cli` and `python main.py`."""

from __future__ import annotations

import sys

from main import main

if __name__ == "__main__":
    sys.argv[0] = "python -m backprop_lab"  # what --help shows, instead of "__main__.py"
    sys.exit(main())
