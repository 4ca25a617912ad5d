"""Test setup: headless Qt for every test, and the lecture example as fixtures."""

from __future__ import annotations

import os

# Before anything imports Qt: tests never need (or may use) a real display.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
