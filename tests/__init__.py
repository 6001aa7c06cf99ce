"""Calibrate's test suite (a package, so `tests.*` never resolves to a same-named package of a dependency)."""
