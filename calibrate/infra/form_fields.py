"""Form fields shared by the blueprints' forms."""

from __future__ import annotations

from flask_babel import gettext as _
from wtforms import IntegerField

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
