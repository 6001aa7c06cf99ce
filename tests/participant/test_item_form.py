"""The item form kept in pieces is, byte for byte, the form the template renders whole."""

from __future__ import annotations

import itertools

import pytest
from sqlalchemy import select

from calibrate.domain import exercise_cache
from calibrate.infra.extensions import db
from calibrate.infra.i18n import COOKIE
from calibrate.models import Exercise
from calibrate.participant.item_form import item_form

AWKWARD = {"own": '4<5 & "6"', "prediction": "55,5", "lower": "'10'", "upper": "<script>"}
EMPTY = {"own": None, "prediction": None, "lower": None, "upper": None}


def _snapshot_items(slug: str):
    exercise = db.session.scalar(select(Exercise).where(Exercise.slug == slug))
    return exercise_cache.exercise_items(exercise.id, exercise.content_hash).items


@pytest.mark.parametrize("language", ["en", "de"])
@pytest.mark.parametrize("slug", ["supermarket-brands", "public-spending", "nature-attitudes"])
def test_kept_form_is_the_form_rendered_whole(app, exercises, slug, language):
    items = _snapshot_items(slug)
    assert items
    with app.test_request_context("/", headers={"Cookie": f"{COOKIE}={language}"}):
        for item, last, previous_url, ask_intervals, show_research in itertools.product(
            items, [False, True], [None, "/p/abc/r1/item/3?x=1&y=2"], [True, False], [False, True],
        ):
            own_values = ["1", "0", None] if item.own_choices else [AWKWARD["own"], None]
            for own in own_values:
                for texts in ({**AWKWARD, "own": own}, {**EMPTY, "own": own}):
                    settings = dict(texts=texts, errors={}, csrf="token-1", previous_url=previous_url, last=last,
                                    ask_intervals=ask_intervals, show_research=show_research)
                    whole = item_form(item, **settings, keep=False)
                    assert item_form(item, **settings) == whole  # rendered with marks and kept
                    assert item_form(item, **settings) == whole  # joined from what was kept
                    assert item_form(item, **{**settings, "csrf": "token-2"}) == whole.replace("token-1", "token-2")


def test_a_form_with_errors_is_rendered_whole(app, exercises):
    item = _snapshot_items("public-spending")[0]
    with app.test_request_context("/"):
        form = item_form(item, texts=EMPTY, errors={"prediction": ["Enter a number."]}, csrf="t", previous_url=None,
                         last=False, ask_intervals=True, show_research=False, posted=True)
    assert "has-error" in form and "Enter a number." in form


def test_a_new_version_of_the_exercise_is_not_served_from_the_old(app, exercises):
    """Kept pieces belong to one snapshot object; another with the same id and position renders afresh."""
    item = _snapshot_items("public-spending")[0]
    settings = dict(texts=EMPTY, errors={}, csrf="t", previous_url=None, last=False, ask_intervals=True,
                    show_research=False)
    changed = exercise_cache.CachedItem(**{**{name: getattr(item, name) for name in exercise_cache.ITEM_FIELDS},
                                           "prompt": "A reworded question?"})
    with app.test_request_context("/"):
        assert "A reworded question?" not in item_form(item, **settings)
        assert "A reworded question?" in item_form(changed, **settings)
