"""How many people and answers a deletion removes, in words of the page's language (plurals per language)."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import ngettext

from calibrate.domain.deletion import Count


def count_text(count: Count) -> str:
    """'3 participants and 40 answers' in the current language."""
    people = ngettext("%(num)s participant", "%(num)s participants", count.participants)
    answers = ngettext("%(num)s answer", "%(num)s answers", count.responses)
    return _("%(people)s and %(answers)s", people=people, answers=answers)
