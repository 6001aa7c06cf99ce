"""The report a client receives: one state badge, participation per round, the survey question once."""

from __future__ import annotations

import html
import re

from calibrate.infra.extensions import db
from tests.trainer.rooms import simulate_room


def test_a_closed_workshop_with_round_2_has_one_badge_and_counts_per_round(trainer_client, new_workshop):
    workshop = new_workshop(round2_enabled=True)
    workshop.round2_open = True
    db.session.commit()
    simulate_room(workshop, 6, rounds=(1, 2))
    simulate_room(workshop, 2, rounds=(1,), seed=4)  # finished round 1, never started round 2
    trainer_client.post(f"/trainer/workshops/{workshop.id}/close")
    page = trainer_client.get(f"/trainer/workshops/{workshop.id}/report").text
    heading = page[page.index("<h1") : page.index("</h1>")]
    assert re.findall(r'class="badge[^"]*">([^<]+)<', heading) == ["Closed"]
    total = re.search(r'<tr class="total">(.*?)</tr>', page, re.S).group(1)
    assert re.findall(r'<td class="num">(\d+)</td>', total) == ["8", "0", "0", "8", "0", "6"]


def test_the_shared_survey_question_is_given_once(trainer_client, workshop):
    simulate_room(workshop, 6)
    page = html.unescape(trainer_client.get(f"/trainer/workshops/{workshop.id}/report").text)
    shared = "In the 2018 General Social Survey of U.S. adults (2,348 respondents), people said whether the country spends"
    assert page.count(shared) == 1
    question = re.search(r"The question for every item:</strong> ([^<]+)</p>", page).group(1)
    assert question.startswith(shared) and question.endswith("What percentage said 'too little'?") and " … " in question
    items = page[page.index('class="items-table"') :]
    assert "Improving the nation's education system" in items and "What percentage" not in items
