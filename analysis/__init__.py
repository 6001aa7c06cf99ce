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
* :mod:`analysis.pooled` - :func:`pooled_model`, mixed model with conditions and shrunk weights;
* :mod:`analysis.power` - :func:`welch_power`, :func:`comparison_power`, :func:`recommend` for planning;
* :mod:`analysis.vocabulary` - :data:`METRICS`, :data:`GROUP_TESTS`: labels, units and titles for every output;
* :mod:`analysis.values` - :func:`plain_value`, :func:`plain_records`: NaN and NumPy scalars as plain Python;
* :mod:`analysis.cli` - the ``analyze`` click command.
"""

from analysis.datasets import example_responses
from analysis.errors import ResponseDataError, ResponseFileError
from analysis.feedback import FEEDBACK_KEYS, OWN_SCALES, feedback_text, parse_note, pull_is_clear
from analysis.group import (
    condition_tests,
    welch_anova,
    egocentrism_test,
    empathy_test,
    group_tests,
    hedges_g,
    research_test,
    round_test,
)
from analysis.io import read_responses, validate_responses
from analysis.items import ITEM_COLUMNS, item_stats
from analysis.metrics import (
    METRIC_COLUMNS,
    REQUIRED_COLUMNS,
    RESEARCH_METRIC_COLUMNS,
    person_metrics,
    prepare_responses,
    rescale,
)
from analysis.pooled import pooled_model
from analysis.power import (
    ComparisonPower,
    Recommendation,
    comparison_power,
    people_needed,
    recommend,
    welch_power,
)
from analysis.values import plain_records, plain_value
from analysis.vocabulary import GROUP_TESTS, METRICS, metric

__all__ = [
    "ComparisonPower",
    "FEEDBACK_KEYS",
    "GROUP_TESTS",
    "ITEM_COLUMNS",
    "METRICS",
    "METRIC_COLUMNS",
    "OWN_SCALES",
    "RESEARCH_METRIC_COLUMNS",
    "REQUIRED_COLUMNS",
    "Recommendation",
    "ResponseDataError",
    "ResponseFileError",
    "comparison_power",
    "condition_tests",
    "welch_anova",
    "egocentrism_test",
    "empathy_test",
    "example_responses",
    "feedback_text",
    "group_tests",
    "hedges_g",
    "item_stats",
    "metric",
    "parse_note",
    "people_needed",
    "person_metrics",
    "plain_records",
    "plain_value",
    "pooled_model",
    "prepare_responses",
    "pull_is_clear",
    "read_responses",
    "recommend",
    "rescale",
    "research_test",
    "round_test",
    "validate_responses",
    "welch_power",
]
