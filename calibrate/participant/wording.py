"""How an item's long prediction prompt is laid out on a phone: the data's context, then the question itself.

Prompts describe the survey first and end with the question ("… What
percentage said 'too little'?").  Setting the context in smaller type and the
question in full size keeps the prediction field on the first screen of a phone
without dropping a word.
"""

from __future__ import annotations

import re

# The start of the last sentence: after ". ", "? " or "! " before a capital letter or a quote, or after any ": ".
_SENTENCE_START = re.compile(r"(?:(?<=[.?!])\s+(?=[A-Z'\"‘“(]))|(?<=:)\s+")


def question_parts(prompt: str) -> tuple[str, str]:
    """(context, question): the last sentence is the question; a one-sentence prompt has no context."""
    text = " ".join(prompt.split())
    starts = [match.end() for match in _SENTENCE_START.finditer(text)]
    if not starts:
        return "", text
    cut = starts[-1]
    return text[:cut].rstrip(), text[cut:]
