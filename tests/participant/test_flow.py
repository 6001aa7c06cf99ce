"""The self-serve participant flow end to end through the test client."""

from __future__ import annotations

import html
import json
import re

import numpy as np
import pandas as pd
import pingouin as pg
import pytest
from sqlalchemy import func, select

from analysis import METRICS, RESEARCH_METRIC_COLUMNS
from analysis.vocabulary import MIN_ITEMS_REGRESSION
from calibrate.domain.exercises import read_exercises
from calibrate.infra.extensions import db
from calibrate.infra.resources import resource_dir
from calibrate.models import Participant, Response
from tests.participant.conftest import exercise


def egocentric_answers(item) -> dict:
    """Own answer alternates; prediction = truth pulled 10 points towards the own answer."""
    own = item.own_max if item.position % 3 else item.own_min
    pull = 10 if own == item.own_max else -10
    prediction = min(item.max, max(item.min, item.truth + pull + (item.position % 4)))
    return {"own": f"{own:g}", "prediction": f"{prediction:.1f}", "lower": f"{max(0, prediction - 15):.1f}", "upper": f"{min(100, prediction + 15):.1f}"}


def test_landing_lists_real_exercises(client, exercises):
    page = html.unescape(client.get("/").text)
    for definition in read_exercises(resource_dir("experiments")):
        assert f'href="/e/{definition.slug}"' in page
        assert definition.meta["population"].strip() in page  # who the recorded values describe


def test_consent_is_required(client, exercises):
    response = client.post("/e/public-spending", data={"pseudonym": "x"})
    assert response.status_code == 200
    assert "Please tick the box" in response.text
    assert db.session.scalar(select(func.count(Participant.id))) == 0


def test_token_is_long_and_unguessable(start):
    token = start()
    assert len(token) >= 43  # 32 random bytes, URL-safe


def test_complete_flow_gives_feedback_matching_pingouin(client, start, answer_all):
    token = start(pseudonym="Kim")
    items = answer_all(token, egocentric_answers)
    assert len(items) == len(exercise("public-spending").items)
    feedback = client.get(f"/p/{token}")
    assert feedback.headers["Location"].endswith(f"/p/{token}/feedback")
    page = client.get(f"/p/{token}/feedback").text

    own = np.array([float(egocentric_answers(i)["own"]) for i in items])
    pred = np.array([float(egocentric_answers(i)["prediction"]) for i in items])
    truth = np.array([i.truth for i in items])
    own_pct = np.array([100 * (o - i.own_min) / (i.own_max - i.own_min) for o, i in zip(own, items)])
    reference = pg.linear_regression(pd.DataFrame({"t": truth, "o": own_pct}), pred)
    b_own = reference.set_index("names").loc["o", "coef"]
    shown = float(re.search(r'data-metric="b_own"[^>]*data-value="([^"]+)"', page).group(1))
    assert shown == pytest.approx(b_own, abs=1e-9)
    assert "Egocentric weight" in page and "General Social Survey" in page
    assert "chart-truth-1" in page and "chart-own-1" in page


def test_all_statistics_use_the_registrys_words(client, start, answer_all):
    token = start()
    answer_all(token, egocentric_answers)
    page = html.unescape(client.get(f"/p/{token}/feedback").text)
    table = page[page.index("<strong>All statistics</strong>") :]
    metrics = json.loads(client.get(f"/p/{token}/results.json").data)["metrics"][0]
    for name, entry in METRICS.items():
        if name in RESEARCH_METRIC_COLUMNS:
            continue
        assert f"<strong>{entry.label}</strong>" in table and f'{entry.help} <code lang="en" translate="no">{name}</code>' in table
    rows = {name: re.sub(r"<[^>]+>", "", cell).strip()
            for name, cell in re.findall(r'<code[^>]*>(\w+)</code></div></td>\s*<td class="num">(.*?)</td>', table, re.S)}
    assert rows["n_items"] == "12" and rows["n_intervals"] == "12"
    assert rows["interval_hit_rate"] == f"{100 * metrics['interval_hit_rate']:.0f}%"
    assert rows["b_own"] == f"{metrics['b_own']:.3f}"
    assert rows["b_own_p"] == ("< .001" if metrics["b_own_p"] < 0.001 else f"{metrics['b_own_p']:.3f}".lstrip("0"))


def _field_value(page: str, name: str) -> str:
    """The value attribute of the input named ``name``."""
    return re.search(rf'<input[^>]*name="{name}"[^>]*value="([^"]*)"', page).group(1)


def test_resume_continues_where_the_person_stopped(client, start):
    token = start()
    first = client.get(f"/p/{token}").headers["Location"]
    client.post(first, data={"own": "35", "prediction": "70"})
    resumed = client.get(f"/p/{token}").headers["Location"]
    assert resumed != first and resumed.endswith("/item/1")
    # Going back shows the saved answer, so nothing is lost.
    back = client.get(first).text
    assert _field_value(back, "prediction") == "70" and _field_value(back, "own") == "35"


def test_double_submit_updates_instead_of_duplicating(client, start):
    token = start()
    location = client.get(f"/p/{token}").headers["Location"]
    client.post(location, data={"own": "3", "prediction": "70"})
    client.post(location, data={"own": "2", "prediction": "65"})
    responses = db.session.scalars(select(Response)).all()
    assert len(responses) == 1
    assert (responses[0].own, responses[0].prediction) == (2, 65)


def test_validation_messages_keep_what_was_entered(client, start):
    token = start()
    location = client.get(f"/p/{token}").headers["Location"]
    cases = [
        ({"own": "", "prediction": ""}, ["Your own answer: please choose", "Your prediction: please enter"]),
        ({"own": "3", "prediction": "abc"}, ["'abc' is not a number"]),
        ({"own": "3", "prediction": "nan"}, ["enter an ordinary number"]),
        ({"own": "3", "prediction": "inf"}, ["enter an ordinary number"]),
        ({"own": "3", "prediction": "101"}, ["between 0 and 100"]),
        ({"own": "170", "prediction": "50"}, ["Your own answer: enter a value between 0 and 100"]),
        ({"own": "3", "prediction": "50", "lower": "60", "upper": "40"}, ["low end must not be above the high end"]),
        ({"own": "3", "prediction": "50", "lower": "40"}, ["Give both ends"]),
        ({"own": "3", "prediction": "5" * 40}, ["too long to be a number"]),
    ]
    for data, messages in cases:
        response = client.post(location, data=data)
        assert response.status_code == 422
        for message in messages:
            assert message in html.unescape(response.text), (data, message)
    response = client.post(location, data={"own": "20", "prediction": "abc", "lower": "10", "upper": "30"})
    values = {name: _field_value(response.text, name) for name in ("own", "prediction", "lower", "upper")}
    assert values == {"own": "20", "prediction": "abc", "lower": "10", "upper": "30"}
    assert db.session.scalar(select(func.count(Response.id))) == 0


def test_decimal_comma_is_accepted(client, start):
    token = start()
    location = client.get(f"/p/{token}").headers["Location"]
    assert client.post(location, data={"own": "1", "prediction": "62,5"}).status_code == 302
    assert db.session.scalar(select(Response.prediction)) == 62.5


def test_another_participants_token_or_item_is_404(client, start):
    mine, theirs = start(), start()
    assert client.get(f"/p/{'x' * 43}").status_code == 404
    altered = theirs[:-1] + ("A" if theirs[-1] != "A" else "B")
    assert client.get(f"/p/{altered}/feedback").status_code == 404
    assert client.get(f"/p/{mine}/r1/item/999").status_code == 404
    assert client.get(f"/p/{mine}/r2/item/0").status_code == 404
    # An item of another exercise is not reachable through this participant.
    assert client.post(f"/p/{mine}/r1/item/50", data={"own": "1", "prediction": "5"}).status_code == 404


def test_feedback_waits_until_the_round_is_finished(client, start):
    token = start()
    response = client.get(f"/p/{token}/feedback")
    assert response.status_code == 302 and "/item/0" in response.headers["Location"]


def test_too_few_items_explain_undefined_metrics(client, start, answer_all, app_ctx):
    token = start()
    location = client.get(f"/p/{token}").headers["Location"]
    client.post(location, data={"own": "3", "prediction": "70"})
    participant = db.session.scalar(select(Participant).where(Participant.token == token))
    participant.finished_round1_at = participant.consented_at
    db.session.commit()
    page = client.get(f"/p/{token}/feedback").text
    assert "not defined" in page
    assert f"at least {MIN_ITEMS_REGRESSION}" in page


def test_download_and_delete_own_results(client, start, answer_all):
    token = start()
    answer_all(token, egocentric_answers)
    data = json.loads(client.get(f"/p/{token}/results.json").data)
    assert len(data["answers"]) == 12 and data["metrics"][0]["b_own"] is not None
    csv_text = client.get(f"/p/{token}/results.csv").text
    assert csv_text.splitlines()[0].startswith("participant_id,workshop,condition,round,item_id,own,prediction")
    assert len(csv_text.strip().splitlines()) == 13
    assert client.get(f"/p/{token}/delete").status_code == 200
    assert client.post(f"/p/{token}/delete").status_code == 302
    assert client.get(f"/p/{token}/feedback").status_code == 404
    assert db.session.scalar(select(func.count(Response.id))) == 0


def test_a_pseudonym_of_only_spaces_is_no_pseudonym(client, exercises):
    """Found by fuzzing on PostgreSQL: whitespace skipped the length check and overflowed the column."""
    response = client.post("/e/public-spending", data={"consent": "y", "pseudonym": " " * 70})
    assert response.status_code == 302
    assert db.session.scalar(select(Participant.pseudonym)) is None


def test_overlong_pseudonym_is_rejected(client, exercises):
    response = client.post("/e/public-spending", data={"consent": "y", "pseudonym": "x" * 41})
    assert "under 40 characters" in response.text
    assert db.session.scalar(select(func.count(Participant.id))) == 0


def test_feedback_does_not_explain_research_metrics_to_people_shown_no_research(client, start, answer_all):
    token = start()
    answer_all(token, egocentric_answers)
    page = client.get(f"/p/{token}/feedback").text
    note = re.search(r"Why some values are not defined:</strong>(.*?)</p>", page, re.S)
    assert note is None  # every other metric is defined for this person, so only research clauses could appear
    assert "b_research" not in page
