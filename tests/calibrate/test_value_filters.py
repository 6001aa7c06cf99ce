"""The pages print item values through analysis.units, for ORM items, cached items and result rows alike."""

from __future__ import annotations

from analysis.units import scale_text
from calibrate.infra.templating import format_item_scale, format_item_value


def test_template_filters_read_items_and_result_rows_alike():
    row = {"value_type": "money", "currency": "EUR", "unit": "median price", "min": 0, "max": 200}
    item = type("Item", (), row)()
    assert format_item_value(12.5, row) == format_item_value(12.5, item) == "EUR 12.50"
    assert format_item_scale(row) == format_item_scale(item) == scale_text("median price", "money", 0, 200, "EUR")
    assert format_item_value(50, {"value_type": None, "currency": ""}) == "50%"
