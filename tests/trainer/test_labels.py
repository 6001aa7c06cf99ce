"""Trainers read conditions by the labels they chose them by, never by the engine's internal keys."""

from __future__ import annotations

import html
import re

from calibrate.domain.conditions import CONDITIONS, with_condition_labels
from tests.trainer.rooms import simulate_room

ALL_CONDITIONS = ("control", "perspective", "perspective_suppress", "market_research")
INTERNAL_KEYS = ("market_research", "perspective_suppress")


def visible_text(page: str) -> str:
    """What a reader sees: tags (with their data-* attributes and URLs) removed, entities decoded."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def test_keys_in_a_reason_become_labels():
    reason = "left out conditions with fewer than 2 persons or no variance: control, market_research, perspective"
    assert with_condition_labels(reason) == (
        "left out conditions with fewer than 2 persons or no variance: Control, Market research shown, Perspective taking"
    )
    assert with_condition_labels("perspective_suppress") == CONDITIONS["perspective_suppress"].label
    assert with_condition_labels("no condition column; controlling for empathy") == "no condition column; controlling for empathy"


def test_no_trainer_page_shows_an_internal_condition_key(trainer_client, new_workshop):
    # One person each in two conditions: the engine's Welch ANOVA leaves them out and names them by key.
    workshop = new_workshop(conditions=ALL_CONDITIONS, allocation=(3, 3, 1, 1), ask_empathy=True)
    simulate_room(workshop, 8, empathy=True)
    base = f"/trainer/workshops/{workshop.id}"
    trainer_client.post(f"{base}/reveal")
    pages = {path: visible_text(trainer_client.get(f"{base}/{path}").text)
             for path in ("dashboard", "dashboard/live", "report", "projector/live")}

    left_out = "left out conditions with fewer than 2 persons or no variance: "
    assert left_out + "Market research shown, Perspective taking + set own taste aside" in pages["dashboard/live"]
    assert left_out + "Market research shown" in pages["report"]
    for path, text in pages.items():
        for key in INTERNAL_KEYS:
            assert key not in text, f"{path} shows {key!r}: …{text[max(0, text.find(key) - 80):text.find(key) + 40]}…"
