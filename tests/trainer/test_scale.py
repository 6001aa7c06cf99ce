"""The live pages of a 500-person room: right numbers, and a number of queries that does not grow with the room.

How fast they render is measured, not asserted, by ``benchmarks/bench_dashboard.py``
(a wall-clock budget in a unit test fails on a slow or busy machine and passes on a fast
one whatever the code does).  What can be checked without a clock is checked here: every
page counts all 500 people correctly, and each page issues exactly as many SQL statements
for 500 people as for 8, so there is no query per participant.
"""

from __future__ import annotations

from collections import Counter
from html.parser import HTMLParser

import pytest
from sqlalchemy import event, select

from calibrate.infra.extensions import db
from calibrate.models import Participant
from tests.trainer.rooms import simulate_room

PEOPLE, ANSWERS, STRAGGLERS = 500, 10, 20
CONDITIONS = ("control", "perspective", "perspective_suppress", "market_research")
PAGES = ["dashboard/live", "projector/live", "report"]


class Elements(HTMLParser):
    """Every element of a page: its tag, attributes and whitespace-normalised text."""

    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}

    def __init__(self, html: str):
        super().__init__()
        self.found: list[dict] = []
        self._open: list[dict] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        element = {"tag": tag, "attrs": {name: value or "" for name, value in attrs}, "parts": [], "children": []}
        if self._open:
            self._open[-1]["children"].append(element)
        self.found.append(element)
        if tag not in self.VOID:
            self._open.append(element)

    def handle_endtag(self, tag):
        while self._open and self._open.pop()["tag"] != tag:
            pass

    def handle_data(self, data):
        for element in self._open:
            element["parts"].append(data)

    def where(self, tag: str, **attrs: str | None) -> list[dict]:
        """Elements with this tag whose attributes have these values (None: present with any value)."""
        return [
            e for e in self.found
            if e["tag"] == tag and all(k in e["attrs"] and (v is None or e["attrs"][k] == v) for k, v in attrs.items())
        ]


def text(element: dict) -> str:
    return " ".join("".join(element["parts"]).split())


def cells(row: dict) -> list[str]:
    return [text(child) for child in row["children"] if child["tag"] == "td"]


def room(new_workshop, people: int, stragglers: int):
    workshop = new_workshop(conditions=CONDITIONS)
    simulate_room(workshop, people - stragglers, n_items=ANSWERS)
    simulate_room(workshop, stragglers, n_items=ANSWERS, idle_minutes=3, seed=2)
    return workshop


@pytest.fixture
def big_room(new_workshop):
    return room(new_workshop, PEOPLE, STRAGGLERS)


def statements_for(client, url: str) -> tuple[int, str]:
    """SQL statements of one request that starts from an empty session, and the page it returned."""
    client.get(url)  # warm caches, as the page's first poll would
    db.session.remove()  # and start from an empty session, as every real request does
    statements = []
    count = lambda *args, **kwargs: statements.append(1)  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", count)
    try:
        response = client.get(url)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert response.status_code == 200, url
    return len(statements), response.text


def people_by_condition(workshop) -> Counter:
    return Counter(db.session.scalars(select(Participant.condition).where(Participant.workshop_id == workshop.id)))


@pytest.mark.parametrize("page", PAGES)
def test_queries_do_not_grow_with_the_room(trainer_client, new_workshop, big_room, page):
    small_room = room(new_workshop, 8, 2)
    counts = {}
    for workshop in (small_room, big_room):
        trainer_client.post(f"/trainer/workshops/{workshop.id}/reveal")
        counts[workshop.id], _ = statements_for(trainer_client, f"/trainer/workshops/{workshop.id}/{page}")
    assert counts[big_room.id] == counts[small_room.id], "no query per participant"


def test_dashboard_of_500_counts_everyone_and_lists_every_straggler(trainer_client, big_room):
    _, html = statements_for(trainer_client, f"/trainer/workshops/{big_room.id}/dashboard/live")
    page = Elements(html)
    joined = page.where("div", **{"data-kpi": "joined"})[0]
    assert text(joined["children"][1]) == str(PEOPLE)
    expected = people_by_condition(big_room)
    assert sum(expected.values()) == PEOPLE
    progress = {row["attrs"]["data-condition"]: cells(row) for row in page.where("tr", **{"data-condition": None})
                if len(cells(row)) == 5}  # the progress table: label, joined, not started, answering, finished
    assert {condition: int(row[1]) for condition, row in progress.items()} == dict(expected)
    stragglers = page.where("tr", **{"class": "long-idle"})
    assert len(stragglers) == STRAGGLERS, "every straggler listed"
    assert {cells(row)[-1] for row in stragglers} == {"3 min"}


def test_projector_of_500_counts_everyone(trainer_client, big_room):
    trainer_client.post(f"/trainer/workshops/{big_room.id}/reveal")
    _, html = statements_for(trainer_client, f"/trainer/workshops/{big_room.id}/projector/live")
    (count,) = Elements(html).where("span", **{"data-live-count": None})
    assert text(count) == f"{PEOPLE} joined · 0 finished"  # 10 of 12 items answered: nobody has finished


def test_report_of_500_has_a_result_for_everyone(trainer_client, big_room):
    _, html = statements_for(trainer_client, f"/trainer/workshops/{big_room.id}/report")
    rows = Elements(html).where("tr", **{"data-condition": None})
    people = {row["attrs"]["data-condition"]: int(cells(row)[1]) for row in rows}
    assert people == dict(people_by_condition(big_room)), "everyone answered 10 items, so everyone has a weight"
