"""What each experimental condition shows before the items (Hattula et al. 2015; docs/methods.md, section 0)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from calibrate.models import Condition


@dataclass(frozen=True)
class ConditionText:
    """Words of a condition, translated when shown (lazy): the label trainers pick, what participants read."""

    label: str
    heading: str
    instruction: tuple[str, ...]
    """Whole sentences, shown one after the other: each is translated on its own."""
    asks_description: bool = False
    shows_market_research: bool = False


_PREDICT = (
    _l("For each item you will first answer for yourself, as a consumer."),
    _l("Then you predict the value that was actually recorded for the customers described."),
)
_PERSPECTIVE = (
    _l("Before you start, put yourself in the customers' shoes."),
    _l("In a few sentences, describe a typical customer from this population: who they are, what their day looks "
       "like, what they care about."),
    _l("While predicting, imagine their thoughts and reactions."),
)

CONDITIONS: dict[str, ConditionText] = {
    Condition.CONTROL.value: ConditionText(
        label=_l("Control"),
        heading=_l("Predict what customers prefer"),
        instruction=_PREDICT,
    ),
    Condition.PERSPECTIVE.value: ConditionText(
        label=_l("Perspective taking"),
        heading=_l("Take the customer's perspective"),
        instruction=_PERSPECTIVE + _PREDICT,
        asks_description=True,
    ),
    Condition.PERSPECTIVE_SUPPRESS.value: ConditionText(
        label=_l("Perspective taking + set own taste aside"),
        heading=_l("Take the customer's perspective, and set your own taste aside"),
        instruction=_PERSPECTIVE + (
            _l("Important: while you do so, consciously set aside your own preferences as a consumer."),
            _l("Your own taste is not a good guide to what these customers do."),
        ) + _PREDICT,
        asks_description=True,
    ),
    Condition.MARKET_RESEARCH.value: ConditionText(
        label=_l("Market research shown"),
        heading=_l("Predict what customers prefer, with market research"),
        instruction=_PREDICT + (_l("For some items you will also see a market-research summary."),),
        shows_market_research=True,
    ),
}


def condition_text(key: str) -> ConditionText:
    """Instructions for a condition key; unknown keys fall back to control."""
    return CONDITIONS.get(key, CONDITIONS[Condition.CONTROL.value])


# Longest key first, and whole words only (``_`` is a word character), so that
# ``perspective`` never matches inside ``perspective_suppress``.
_KEYS = re.compile(r"\b(?:" + "|".join(sorted(map(re.escape, CONDITIONS), key=len, reverse=True)) + r")\b")


def with_condition_labels(text: str) -> str:
    """``text`` with every condition key replaced by the condition's label.

    The engine's reasons name conditions by their internal keys ("left out
    conditions ...: control, market_research"); trainers chose the conditions
    by their labels and should read those.
    """
    return _KEYS.sub(lambda match: str(CONDITIONS[match.group()].label), text)
