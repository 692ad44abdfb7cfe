"""Results (成绩): the result registry, its export, and item analysis after a window closes."""
