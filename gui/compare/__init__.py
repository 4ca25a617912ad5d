"""Compared runs in the window: the controller that keeps them at run 1's step
(`runs.ComparedRuns`) and the views that show them."""
