"""German pages of the staff side: what English is left once data that is not catalogue text is set aside.

Workshop titles and e-mail addresses are data, and so are the exercise texts that have no German (an uploaded
exercise in one language, a source or citation): those show their English, which is right, so they are removed
before looking. Everything else, the catalogue's words and the German of the built-in exercises, must be German.
"""

from __future__ import annotations

import re
from html import escape

from sqlalchemy import select

from calibrate.infra.extensions import db
from calibrate.models import Exercise, User, Workshop
from tests.languages import english_words

DE = {"Accept-Language": "de"}


def _english_only_texts(exercise: Exercise) -> list[str]:
    """The exercise's and its items' texts that have no German."""
    rows = [exercise, *exercise.items]
    return [value for row in rows for column in row.__table__.columns
            if isinstance(value := getattr(row, column.key), str) and len(value) > 2
            and column.key not in (row.translations or {}).get("de", {})]


def german_leftovers(html: str) -> list[str]:
    """English words on a German page, apart from exercise data and not yet translated labels of `analysis`."""
    exercises = db.session.scalars(select(Exercise)).all()
    texts = {*(text for exercise in exercises for text in _english_only_texts(exercise)),
             *db.session.scalars(select(Workshop.title)), *db.session.scalars(select(User.email))}
    # The question all items share is put together from their prompts (calibrate.trainer.results._shared_question);
    # code (commands, column names) is the same in every language.
    html = re.sub(r'<p class="survey-question">.*?</p>|<code[^>]*>.*?</code>', " ", html, flags=re.S)
    for text in sorted(texts, key=len, reverse=True):
        for shown in (escape(text), escape(text).replace("&#x27;", "&#39;"), text):
            html = html.replace(shown, " ")
    return english_words(html)
