"""The pages print item values through analysis.units, for ORM items, cached items and result rows alike."""

from __future__ import annotations

import pytest

from analysis.units import scale_text
from calibrate.infra.templating import (
    format_item_scale,
    format_item_value,
    format_metric,
    format_number,
    format_p,
    format_percent,
)


def test_template_filters_read_items_and_result_rows_alike():
    row = {"value_type": "money", "currency": "EUR", "unit": "median price", "min": 0, "max": 200}
    item = type("Item", (), row)()
    assert format_item_value(12.5, row) == format_item_value(12.5, item) == "EUR 12.50"
    assert format_item_scale(row) == format_item_scale(item) == scale_text("median price", "money", 0, 200, "EUR")
    assert format_item_value(50, {"value_type": None, "currency": ""}) == "50%"


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", {"num": "1,234.57", "num0": "1,235", "pct": "42%", "pct1": "42.5%", "p": ".034", "p_small": "< .001",
                "metric": "0.198", "money": "EUR 1,234.50", "share": "86.7%", "rating": "3.4",
                "scale": "mean rating on a scale from 1 to 5", "money_scale": "median price in EUR, EUR 0.00–EUR 200.00"}),
        ("de", {"num": "1.234,57", "num0": "1.235", "pct": "42\u00a0%", "pct1": "42,5\u00a0%", "p": ",034",
                "p_small": "< ,001", "metric": "0,198", "money": "1.234,50\u00a0EUR", "share": "86,7\u00a0%",
                "rating": "3,4", "scale": "mean rating auf einer Skala von 1 bis 5",
                "money_scale": "median price in EUR, 0,00\u00a0EUR–200,00\u00a0EUR"}),
    ],
)
def test_numbers_follow_the_page_language(app, language, expected):
    """German: decimal comma, a point between thousands, '42 %'; English reads exactly as before."""
    with app.test_request_context(headers={"Accept-Language": language}):
        assert format_number(1234.5678) == expected["num"] and format_number(1234.5678, 0) == expected["num0"]
        assert format_percent(0.42) == expected["pct"] and format_percent(0.425, 1) == expected["pct1"]
        assert format_p(0.0341) == expected["p"] and format_p(0.0004) == expected["p_small"]
        assert format_metric(0.19812, "b_own") == expected["metric"] and format_metric(12, "n_items") == "12"
        assert format_item_value(1234.5, {"value_type": "money", "currency": "EUR"}) == expected["money"]
        assert format_item_value(86.666, {"value_type": "share"}) == expected["share"]
        assert format_item_value(3.4, {"value_type": "rating"}) == expected["rating"]
        assert format_item_scale({"unit": "mean rating", "value_type": "rating", "min": 1, "max": 5}) == expected["scale"]
        assert format_item_scale({"unit": "median price", "value_type": "money", "min": 0, "max": 200,
                                  "currency": "EUR"}) == expected["money_scale"]
        assert format_number(None) == format_percent(float("nan")) == format_p(None) == "–"
