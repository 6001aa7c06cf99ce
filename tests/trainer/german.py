"""German pages of the staff side: what English is left once data that is not catalogue text is set aside.

Workshop titles, e-mail addresses, exercise and item texts are data (shown through ``|localised``); an exercise
without German text shows its English, which is right, so it is removed
before looking.  Labels that arrive from ``analysis`` (test titles, metric
names, number words, condition labels) are removed only while the catalogue
has no German for them: once it has, the page must show the German.
"""

from __future__ import annotations

import re
from html import escape

from flask_babel import force_locale, gettext
from sqlalchemy import select

from analysis import vocabulary
from calibrate.domain.conditions import CONDITIONS
from calibrate.infra.extensions import db
from calibrate.models import Exercise, User, Workshop
from tests.languages import english_words

DE = {"Accept-Language": "de"}


def _exercise_texts(exercise: Exercise) -> list[str]:
    rows = [exercise, *exercise.items]
    return [value for row in rows for column in row.__table__.columns
            if isinstance(value := getattr(row, column.key), str) and len(value) > 2]


def _untranslated_labels() -> list[str]:
    labels = [*(test.title for test in vocabulary.GROUP_TESTS.values()),
              *(test.method for test in vocabulary.GROUP_TESTS.values()),
              *(metric.label for metric in vocabulary.METRICS.values()),
              *(text.label for text in CONDITIONS.values()), *(text.heading for text in CONDITIONS.values())]
    with force_locale("de"):
        return [label for label in labels if gettext(label) == label]


def german_leftovers(html: str) -> list[str]:
    """English words on a German page, apart from exercise data and not yet translated labels of `analysis`."""
    exercises = db.session.scalars(select(Exercise)).all()
    texts = {*_untranslated_labels(), *(text for exercise in exercises for text in _exercise_texts(exercise)),
             *db.session.scalars(select(Workshop.title)), *db.session.scalars(select(User.email))}
    # The question all items share is put together from their prompts (calibrate.trainer.results._shared_question);
    # code (commands, column names) is the same in every language.
    html = re.sub(r'<p class="survey-question">.*?</p>|<code[^>]*>.*?</code>', " ", html, flags=re.S)
    for text in sorted(texts, key=len, reverse=True):
        for shown in (escape(text), escape(text).replace("&#x27;", "&#39;"), text):
            html = html.replace(shown, " ")
    return english_words(html)
