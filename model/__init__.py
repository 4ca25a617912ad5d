"""Backprop Lab's engine: numpy only, never Qt (tests/test_model_is_qt_free.py checks)."""
