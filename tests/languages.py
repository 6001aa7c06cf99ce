"""Checks that a German page has no English left in it, shared by the page tests of every role.

A page's visible text is read as a browser shows it (no scripts, styles or
hidden inputs; an element marked ``lang="en"``, like the language switch's
"English", is skipped), then searched for words that are English and never
German. Words of proper names that the pages must show as they are (the
research paper's journal, brand names in exercise data) are allowed.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

# Frequent English words that are not also German words.
ENGLISH_ONLY = frozenset(
    """the and your you with this that these those of are is were what which who how why when where
    from have has not for can would should could been being their there them they our we my
    about after before into over under between than then only each every other more most some such
    answer answers prediction predictions own taste round rounds room workshop's participant
    participants sign please enter save saved next back shows open close closed started finished
    results delete new create edit share recorded value values range ranges table""".split()
)
# Parts of names shown as they are in every language.
PROPER_NAMES = ("Journal of Marketing Research",)
SKIPPED_TAGS = {"script", "style", "template", "noscript"}


class _VisibleText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._stack: list[tuple[str, bool]] = []

    def _skipping(self) -> bool:
        return any(skip for _, skip in self._stack)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag in {"input", "img", "br", "meta", "link", "hr", "source", "area", "col", "wbr"}:
            if not self._skipping():
                for name in ("placeholder", "alt", "aria-label", "title"):
                    if attributes.get(name):
                        self.parts.append(attributes[name])
                if tag == "input" and attributes.get("type") in {"submit", "button"} and attributes.get("value"):
                    self.parts.append(attributes["value"])
            return
        skip = tag in SKIPPED_TAGS or attributes.get("lang", "").startswith("en") or "hidden" in attributes
        if not skip and not self._skipping():
            for name in ("aria-label", "title", "placeholder"):
                if attributes.get(name):
                    self.parts.append(attributes[name])
        self._stack.append((tag, skip))

    def handle_endtag(self, tag):
        for index in range(len(self._stack) - 1, -1, -1):
            if self._stack[index][0] == tag:
                del self._stack[index:]
                return

    def handle_data(self, data):
        if not self._skipping():
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _VisibleText()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def english_words(html: str) -> list[str]:
    """English words left on a page that should be German, each with a little context to find it."""
    text = visible_text(html)
    for name in PROPER_NAMES:
        text = text.replace(name, "")
    text = re.sub(r"\S*/\S*", "", text)  # links shown as text: a random token may spell "HAs" or "the"
    found = []
    for match in re.finditer(r"[A-Za-z][A-Za-z']*", text):
        if match.group().lower() in ENGLISH_ONLY:
            found.append(text[max(0, match.start() - 30): match.end() + 30])
    return found
