"""Frozen reference values for the analysis tests (statsmodels ``tests/results`` style)."""
