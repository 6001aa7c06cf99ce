"""Calibrate's pure statistics engine (no Flask).

Per-person calibration metrics of predictions of consumer preferences
(Hattula et al. 2015; Hoch 1987, 1988; Krueger & Clement 1994; Gneiting &
Raftery 2007), group tests, item statistics and plain-language feedback.
"""

from analysis.errors import ResponseDataError, ResponseFileError
from analysis.metrics import METRIC_COLUMNS, person_metrics, rescale

__all__ = [
    "METRIC_COLUMNS",
    "ResponseDataError",
    "ResponseFileError",
    "person_metrics",
    "rescale",
]
