"""The codebook explains every column, in both renderings, and its long format is the one the app writes."""

from __future__ import annotations

import json

from analysis.items import ITEM_COLUMNS
from analysis.metrics import METRIC_COLUMNS
from calibrate.domain.codebook import TABLES, codebook_json, codebook_markdown
from calibrate.domain.long_format import LONG_COLUMNS


def test_long_format_and_engine_outputs_are_in_the_codebook():
    assert TABLES["responses"].names == LONG_COLUMNS
    assert set(METRIC_COLUMNS) <= set(TABLES["metrics"].names)
    assert [c for c in TABLES["item_stats"].names if c not in ("exercise", "exercise_version", "item_id", "round")] == list(ITEM_COLUMNS)


def test_both_renderings_name_every_column_with_type_and_description():
    markdown = codebook_markdown()
    rendered = {table["name"]: table for table in json.loads(codebook_json())["tables"]}
    for name, table in TABLES.items():
        assert f"## {name}" in markdown
        assert [column["name"] for column in rendered[name]["columns"]] == table.names
        for column in table.columns:
            assert f"| `{column.name}` |" in markdown
            assert column.type in {"string", "integer", "number", "boolean", "datetime"} and column.description
