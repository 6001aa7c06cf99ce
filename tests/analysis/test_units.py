"""Values and scales of every item type are written by one owner (analysis.units)."""

from __future__ import annotations

import pytest

from analysis.units import VALUE_TYPES, format_value, scale_text


@pytest.mark.parametrize(
    ("value", "value_type", "currency", "text"),
    [
        (86.666, "percent", "", "86.7%"),
        (40.0, "share", "", "40%"),
        (4.25, "rating", "", "4.2"),
        (1234.5, "money", "EUR", "EUR 1,234.50"),
        (float("nan"), "money", "EUR", "–"),
    ],
)
def test_each_value_type_reads_as_its_unit(value, value_type, currency, text):
    assert format_value(value, value_type, currency) == text


def test_every_value_type_has_a_scale_in_words():
    for name in VALUE_TYPES:
        text = scale_text("unit", name, 1, 7, "USD" if name == "money" else "")
        assert text.startswith("unit") and "7" in text

