"""The settings form's power panel: its numbers, its endpoint, its validation and who may call it.

The panel's numbers must be analysis.power's: the tests read the data
attributes of the rendered panel and recompute them from the exercise.
"""

from __future__ import annotations

import math
from html.parser import HTMLParser
from types import SimpleNamespace
from urllib.parse import urlencode

import pytest
from sqlalchemy import select

from analysis.power import about, people_needed, percent, welch_power
from calibrate.infra.extensions import db
from calibrate.models import Exercise, Workshop, WorkshopState
from calibrate.trainer import services
from tests.trainer.rooms import signed_in_client

POWER_URL = "/trainer/workshops/power"
VOID = {"input", "meta", "link", "br", "img", "hr", "source", "col", "wbr"}


class Element(SimpleNamespace):
    """A parsed element: tag, attrs (dict) and its text content."""

    @property
    def text(self) -> str:
        return " ".join("".join(self.parts).split())


class Page(HTMLParser):
    """Every element of an HTML page with its attributes and text, for assertions on parsed values."""

    def __init__(self, html: str):
        super().__init__()
        self.elements: list[Element] = []
        self._open: list[Element] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        element = Element(tag=tag, attrs={name: value or "" for name, value in attrs}, parts=[])
        self.elements.append(element)
        if tag not in VOID:
            self._open.append(element)

    def handle_endtag(self, tag):
        while self._open:
            if self._open.pop().tag == tag:
                break

    def handle_data(self, data):
        for element in self._open:
            element.parts.append(data)

    def all(self, predicate) -> list[Element]:
        return [element for element in self.elements if predicate(element)]

    def having(self, attribute: str) -> list[Element]:
        return self.all(lambda element: attribute in element.attrs)

    def one(self, attribute: str) -> Element:
        found = self.having(attribute)
        assert len(found) == 1, f"{len(found)} elements with {attribute}"
        return found[0]


def exercise(slug: str = "public-spending") -> Exercise:
    return db.session.scalar(select(Exercise).where(Exercise.slug == slug))


def query(slug: str = "public-spending", weights: dict[str, int] | None = None, expected=30, round2=False, **extra) -> str:
    """The panel's query string, as htmx builds it from the form: unticked conditions are left out."""
    params = {"exercise_id": exercise(slug).id, "expected_participants": expected}
    for key, weight in ({"control": 1, "perspective": 1} if weights is None else weights).items():
        params |= {f"use_{key}": "y", f"weight_{key}": weight}
    if round2:
        params["round2_enabled"] = "y"
    params |= extra
    return f"{POWER_URL}?{urlencode({key: value for key, value in params.items() if value is not None})}"


def panel(client, url: str, status: int = 200) -> Page:
    response = client.get(url)
    assert response.status_code == status, response.text
    return Page(response.text)


@pytest.mark.parametrize(
    ("weights", "expected", "round2"),
    [
        ({"control": 1, "perspective": 1}, 30, False),
        ({"control": 1, "perspective": 1}, 30, True),
        ({"control": 2, "perspective": 1, "market_research": 1}, 60, False),
        ({"control": 1, "perspective": 1, "perspective_suppress": 1, "market_research": 1}, 250, True),
        ({"perspective": 1, "perspective_suppress": 2}, 45, False),
    ],
)
def test_panel_numbers_are_analysis_power(trainer_client, weights, expected, round2):
    page = panel(trainer_client, query(weights=weights, expected=expected, round2=round2))
    plan = page.one("data-items-per-round").attrs
    total = len(exercise().items)
    items = math.ceil(total / 2) if round2 else total
    assert (int(plan["data-expected"]), int(plan["data-items-total"]), int(plan["data-items-per-round"])) == (
        expected,
        total,
        items,
    )
    assert plan["data-round2"] == ("true" if round2 else "false")

    share = sum(weights.values())
    people = {element.attrs["data-condition"]: int(element.attrs["data-people"]) for element in page.having("data-people")}
    assert set(people) == set(weights) and sum(people.values()) == expected
    for key, weight in weights.items():
        assert abs(people[key] - expected * weight / share) < 1

    comparisons = page.having("data-power")
    if "control" in weights:
        assert sorted(row.attrs["data-a"] for row in comparisons) == sorted(set(weights) - {"control"})
        assert {row.attrs["data-b"] for row in comparisons} == {"control"}
    else:  # the smallest pair stands for all
        assert len(comparisons) == 1
    for row in comparisons:
        n_a, n_b = int(row.attrs["data-n-a"]), int(row.attrs["data-n-b"])
        assert (n_a, n_b) == (people[row.attrs["data-a"]], people[row.attrs["data-b"]])
        chance = welch_power(n_a, n_b, items, groups=len(weights))
        assert float(row.attrs["data-power"]) == pytest.approx(chance, abs=1e-6)
        assert percent(chance) in row.text

    weakest = min(float(row.attrs["data-power"]) for row in comparisons)
    advice = page.one("data-advice").text
    assert f"{items} items per round" in advice and f"the chance is {percent(weakest)}" in advice
    if len(weights) > 2:
        assert "Games–Howell" in page.all(lambda element: element.attrs.get("class") == "help")[-1].text
    assert plan["data-state"] == ("enough" if weakest >= 0.8 else "low")


def test_advice_names_the_people_needed_and_one_round(trainer_client):
    """Half the items in round 1: the advice gives the room size for 80% and what one round with all items needs."""
    total = len(exercise().items)
    half = math.ceil(total / 2)
    advice = panel(trainer_client, query(expected=30, round2=True)).one("data-advice").text
    assert f"With 15 per condition and {half} items per round" in advice
    needed_split = people_needed(half)
    assert f"plan for about {about(needed_split)} per condition" in advice
    assert f"switch round 2 off so that round 1 uses all {total} items" in advice

    # A room that is enough with all items in one round but not with half of them.
    per_condition = people_needed(total)
    page = panel(trainer_client, query(expected=2 * per_condition, round2=True))
    assert page.one("data-items-per-round").attrs["data-state"] == "low"
    one_round = percent(welch_power(per_condition, per_condition, total))
    assert f"switch round 2 off so that round 1 uses all {total} items ({one_round})" in page.one("data-advice").text
    enough = panel(trainer_client, query(expected=2 * per_condition))
    assert enough.one("data-items-per-round").attrs["data-state"] == "enough"
    assert enough.one("data-advice").text.endswith("enough to detect a difference of 0.10 in egocentric weight.")


def test_unequal_allocation_plans_the_whole_room(trainer_client):
    advice = panel(trainer_client, query(weights={"control": 2, "perspective": 1}, expected=30)).one("data-advice").text
    assert "With 10 in Perspective taking, 20 in Control and" in advice
    assert "participants in all" in advice


def test_one_condition_has_nothing_to_compare(trainer_client):
    page = panel(trainer_client, query(weights={"control": 1}))
    assert page.one("data-items-per-round").attrs["data-state"] == "none"
    assert not page.having("data-power")
    assert "no comparison between conditions" in page.one("data-advice").text


def test_no_condition_ticked_is_incomplete_not_an_error(trainer_client):
    page = panel(trainer_client, query(weights={}))
    assert page.one("data-state").attrs["data-state"] == "incomplete"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"expected_participants": "1"}, "Expected participants: Use a whole number from 2 to 2000."),
        ({"expected_participants": "2001"}, "Expected participants: Use a whole number from 2 to 2000."),
        ({"expected_participants": "thirty"}, "Expected participants: Not a valid integer value."),
        ({"expected_participants": None}, "Expected participants: Say how many people you expect."),
        ({"exercise_id": "999999"}, "Exercise: Not a valid choice."),
        ({"exercise_id": "public-spending"}, "Exercise: "),
        ({"weight_perspective": "0"}, "Allocation weight for Perspective taking: Use a whole number from 1 to 9."),
        ({"weight_perspective": "x"}, "Allocation weight for Perspective taking: Not a valid integer value."),
    ],
)
def test_bad_query_parameters_are_a_400_with_a_message(trainer_client, overrides, message):
    url = query()
    params = dict(item.split("=", 1) for item in url.split("?", 1)[1].split("&"))
    params |= overrides
    page = panel(trainer_client, f"{POWER_URL}?{urlencode({k: v for k, v in params.items() if v is not None})}", status=400)
    assert page.one("data-state").attrs["data-state"] == "invalid"
    problems = [element.text for element in page.all(lambda element: element.tag == "li")]
    assert len(problems) == 1 and problems[0].startswith(message)
    assert not page.having("data-power")


def test_form_renders_the_panel_without_javascript(trainer_client):
    """First load: the panel is on the page already, wired to the endpoint with the form's own fields."""
    page = Page(trainer_client.get("/trainer/workshops/new").text)
    expected = page.one("data-expected")
    assert expected.attrs["data-expected"] == "30"  # the default size
    assert page.one("data-state").attrs["data-state"] == "none"  # control only, ticked by default
    section = page.all(lambda element: element.attrs.get("id") == "power-panel")[0]
    assert section.attrs["hx-get"] == POWER_URL
    names = {element.attrs.get("name") for element in page.all(lambda element: element.tag in ("input", "select"))}
    for selector in section.attrs["hx-include"].split(", "):
        if selector.startswith("#"):
            assert selector[1:] in names
        else:
            prefix = selector.split("'")[1]
            assert any(name and name.startswith(prefix) for name in names)
    field = page.all(lambda element: element.attrs.get("name") == "expected_participants")[0]
    assert (field.attrs["type"], field.attrs["min"], field.attrs["max"], field.attrs["value"]) == ("number", "2", "2000", "30")


def test_form_panel_follows_posted_values_and_errors(trainer_client):
    data = {
        "title": "Offsite",
        "exercise_id": str(exercise().id),
        "use_control": "y",
        "weight_control": "1",
        "use_perspective": "y",
        "weight_perspective": "1",
    }
    refused = trainer_client.post("/trainer/workshops/new", data=data | {"title": "", "expected_participants": "60"})
    assert refused.status_code == 422
    people = {element.attrs["data-condition"]: element.attrs["data-people"] for element in Page(refused.text).having("data-people")}
    assert people == {"control": "30", "perspective": "30"}

    bad_size = Page(trainer_client.post("/trainer/workshops/new", data=data | {"expected_participants": "1"}).text)
    assert bad_size.one("data-state").attrs["data-state"] == "invalid"
    assert db.session.scalar(select(Workshop)) is None


def test_expected_participants_is_saved_and_shown_when_editing(trainer_client, new_workshop):
    draft = new_workshop(state=WorkshopState.DRAFT.value, conditions=("control", "perspective"))
    db.session.get(Workshop, draft.id).expected_participants = None  # saved before the size was asked
    db.session.commit()
    page = Page(trainer_client.get(f"/trainer/workshops/{draft.id}/edit").text)
    assert page.all(lambda element: element.attrs.get("name") == "expected_participants")[0].attrs["value"] == "30"

    data = {
        "title": "Offsite",
        "exercise_id": str(draft.exercise_id),
        "use_control": "y",
        "weight_control": "1",
        "use_perspective": "y",
        "weight_perspective": "1",
        "expected_participants": "120",
    }
    assert trainer_client.post(f"/trainer/workshops/{draft.id}/edit", data=data).status_code == 302
    db.session.expire_all()
    assert db.session.get(Workshop, draft.id).expected_participants == 120
    page = Page(trainer_client.get(f"/trainer/workshops/{draft.id}/edit").text)
    assert page.one("data-expected").attrs["data-expected"] == "120"
    assert {element.attrs["data-people"] for element in page.having("data-people")} == {"60"}


def test_panel_needs_a_signed_in_trainer(app, client, exercises):
    url = query()
    response = client.get(url)
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert client.get(url, headers={"HX-Request": "true"}).status_code == 401
    analyst = signed_in_client(app, "analyst@example.org", role="analyst")
    assert analyst.get(url).status_code == 403


def test_another_trainer_learns_nothing_about_my_workshops(trainer_client, other_client, new_workshop):
    """The endpoint takes no workshop: another trainer gets the same arithmetic and none of my settings."""
    mine = new_workshop(state=WorkshopState.DRAFT.value, title="Secret strategy offsite", conditions=("control", "perspective"))
    url = query()
    theirs = other_client.get(url)
    assert theirs.status_code == 200 and theirs.text == trainer_client.get(url).text
    assert mine.title not in theirs.text and mine.code not in theirs.text
    assert other_client.get(f"{POWER_URL}?workshop_id={mine.id}").status_code == 400
    assert other_client.post(
        f"/trainer/workshops/{mine.id}/edit", data={"title": "Hijacked", "expected_participants": "999"}
    ).status_code == 404
    db.session.expire_all()
    assert db.session.get(Workshop, mine.id).expected_participants == services.DEFAULT_EXPECTED_PARTICIPANTS


def test_power_plan_rounds_people_and_picks_the_smallest_pair_without_control():
    """Pure service: 100 people split 1:2:4 by weight; without control the weakest pair is the two smallest."""
    twelve = SimpleNamespace(items=[object()] * 12)
    plan = services.power_plan(twelve, ["perspective", "perspective_suppress", "market_research"], [1, 2, 4], 100, True)
    assert [group.people for group in plan.groups] == [14, 29, 57]
    assert plan.items_per_round == 6
    (only,) = plan.comparisons
    assert (only.a.key, only.b.key) == ("perspective", "perspective_suppress")
    assert only.power == welch_power(14, 29, 6, groups=3) < welch_power(14, 29, 6)
    assert services.expected_people(31, [1, 1]) == [16, 15]
    assert services.expected_people(250, [1, 1, 1, 1]) == [63, 63, 62, 62]
    assert services.expected_people(2, [1, 1, 1, 1]) == [1, 1, 0, 0]
    seven = SimpleNamespace(items=[object()] * 7)
    assert services.items_per_round(seven, True) == 4
    short = services.power_plan(seven, ["control", "perspective"], [1, 1], 500, True)
    assert short.comparisons[0].power == 0.0
    assert "too noisy" in short.advice and "switch round 2 off" in short.advice
