"""Balanced block randomisation, observed through real joins by code."""

from __future__ import annotations

from collections import Counter
from html.parser import HTMLParser

from sqlalchemy import select

from calibrate.infra.extensions import db
from calibrate.models import Participant


class ConditionRows(HTMLParser):
    """The cell texts of every table row with a data-condition attribute, by condition, in page order."""

    def __init__(self, html: str):
        super().__init__()
        self.rows: list[tuple[str, list[str]]] = []
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "tr" and "data-condition" in attrs:
            self._row = []
            self.rows.append((attrs["data-condition"], self._row))
        elif tag == "td" and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag):
        if tag == "td" and self._cell is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr":
            self._row = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def join_many(client, code: str, n: int) -> list[str]:
    """Conditions of `n` people joining one after another, in order of joining."""
    for i in range(n):
        response = client.post(f"/j/{code}", data={"consent": "y", "pseudonym": f"p{i}"})
        assert response.status_code == 302, response.text
    return list(db.session.scalars(select(Participant.condition).order_by(Participant.allocation_index)))


def test_two_conditions_one_to_one_split_exactly(client, new_workshop):
    workshop = new_workshop(conditions=("control", "perspective"))
    conditions = join_many(client, workshop.code, 20)
    assert Counter(conditions) == {"control": 10, "perspective": 10}
    for block in range(10):
        assert sorted(conditions[2 * block : 2 * block + 2]) == ["control", "perspective"]


def test_three_conditions_two_one_one_exact_in_every_block(client, new_workshop):
    workshop = new_workshop(conditions=("control", "perspective", "perspective_suppress"), allocation=(2, 1, 1))
    conditions = join_many(client, workshop.code, 22)
    for block in range(5):
        assert Counter(conditions[4 * block : 4 * block + 4]) == {"control": 2, "perspective": 1, "perspective_suppress": 1}
    assert Counter(conditions[:20]) == {"control": 10, "perspective": 5, "perspective_suppress": 5}
    assert len(conditions) == 22, "an incomplete last block still admits everyone"


def test_order_within_blocks_is_random_not_fixed(client, new_workshop):
    workshop = new_workshop(conditions=("control", "perspective"))
    conditions = join_many(client, workshop.code, 40)
    first_of_each_block = {conditions[2 * block] for block in range(20)}
    assert first_of_each_block == {"control", "perspective"}


def test_dashboard_counts_the_allocation(trainer_client, client, new_workshop):
    workshop = new_workshop(conditions=("control", "market_research"), allocation=(1, 3))
    join_many(client, workshop.code, 8)
    response = trainer_client.get(f"/trainer/workshops/{workshop.id}/dashboard/live")
    assert response.status_code == 200
    # The first table with a row per condition is "Progress by condition": label, joined, ...
    progress = {}
    for condition, cells in ConditionRows(response.text).rows:
        progress.setdefault(condition, cells)
    assert {condition: cells[:2] for condition, cells in progress.items()} == {
        "control": ["Control", "2"],
        "market_research": ["Market research shown", "6"],
    }
