"""The base form and the form fields shared by the blueprints' forms."""

from __future__ import annotations

from functools import cache

from babel import Locale, support
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from wtforms import IntegerField
from wtforms.i18n import messages_path


@cache
def _wtforms_messages(locale: Locale) -> support.Translations:
    """WTForms' own messages ("Field cannot be longer than ...") in one language, read from disk once."""
    return support.Translations.load(messages_path(), [locale], domain="wtforms")


class AppForm(FlaskForm):
    """Every form of the app: a FlaskForm (CSRF) whose WTForms messages come from a catalogue kept per language.

    Flask-WTF reads WTForms' catalogue from disk again in every request that builds a form,
    about half a millisecond of a join or instructions page.
    """

    class Meta(FlaskForm.Meta):
        def get_translations(self, form):
            return _wtforms_messages(get_locale())

MAX_WHOLE_NUMBER_DIGITS = 9


class WholeNumberField(IntegerField):
    """An IntegerField that refuses numbers too long to be meant, naming the problem.

    Python parses any number of digits, and WTForms' NumberRange then fails on a value
    beyond float range with an OverflowError (a 500), so such input stops here.
    """

    def process_formdata(self, valuelist):
        if valuelist and len(str(valuelist[0]).strip().lstrip("+-")) > MAX_WHOLE_NUMBER_DIGITS:
            self.data = None
            raise ValueError(_("That number is too long: use at most %(digits)s digits.", digits=MAX_WHOLE_NUMBER_DIGITS))
        super().process_formdata(valuelist)
