"""Calibrate's pure statistics engine (no Flask).

Per-person calibration metrics of predictions of consumer preferences
(Hattula et al. 2015; Hoch 1987, 1988; Krueger & Clement 1994; Gneiting &
Raftery 2007), the use of market research, group tests, item statistics
and plain-language feedback.  Every metric and test is defined in
``docs/methods.md``.  Organised by topic:

* :mod:`analysis.metrics` - :func:`person_metrics`, all persons at once;
* :mod:`analysis.group` - :func:`group_tests` on per-person metrics (incl. :func:`research_test`);
* :mod:`analysis.items` - :func:`item_stats`, per item across persons;
* :mod:`analysis.feedback` - :func:`feedback_text` for the feedback page;
* :mod:`analysis.io` - :func:`read_responses`, :func:`validate_responses`;
* :mod:`analysis.pooled` - :func:`pooled_model`, mixed model with shrunk weights;
* :mod:`analysis.cli` - the ``analyze`` click command.
"""

from analysis.errors import ResponseDataError, ResponseFileError
from analysis.feedback import FEEDBACK_KEYS, feedback_text, parse_note
from analysis.group import (
    condition_tests,
    egocentrism_test,
    empathy_test,
    group_tests,
    hedges_g,
    research_test,
    round_test,
)
from analysis.io import read_responses, validate_responses
from analysis.items import ITEM_COLUMNS, item_stats
from analysis.metrics import METRIC_COLUMNS, REQUIRED_COLUMNS, person_metrics, prepare_responses, rescale
from analysis.pooled import pooled_model

__all__ = [
    "FEEDBACK_KEYS",
    "ITEM_COLUMNS",
    "METRIC_COLUMNS",
    "REQUIRED_COLUMNS",
    "ResponseDataError",
    "ResponseFileError",
    "condition_tests",
    "egocentrism_test",
    "empathy_test",
    "feedback_text",
    "group_tests",
    "hedges_g",
    "item_stats",
    "parse_note",
    "person_metrics",
    "pooled_model",
    "prepare_responses",
    "read_responses",
    "rescale",
    "research_test",
    "round_test",
    "validate_responses",
]
