"""`python -m backprop_lab [ARGS]`: the same program as `backprop-lab-cli` and `python main.py`."""

from __future__ import annotations

import sys

from main import main

if __name__ == "__main__":
    sys.exit(main())
