"""The optional self-report perspective-taking questionnaire, defined in a data file.

The file holds the English text and, under ``[translations.<language>]``,
the same text in other languages (title, intro, scale labels, and each
item's statement by key); anything missing there is shown in English.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache

from calibrate.infra.resources import resource_dir

QUESTIONNAIRE_FILE = "questionnaires/perspective_taking.toml"


@dataclass(frozen=True)
class Questionnaire:
    title: str
    intro: str
    citation: str
    scale_min: int
    scale_max: int
    scale_labels: list[str]
    items: list[dict]

    def score(self, answers: dict[str, int]) -> float:
        """Mean answer after reverse-coding, on the questionnaire's own scale."""
        values = [
            self.scale_min + self.scale_max - answers[item["key"]] if item.get("reverse") else answers[item["key"]]
            for item in self.items
        ]
        return sum(values) / len(values)


@lru_cache(maxsize=4)
def load_questionnaire(language: str = "en") -> Questionnaire:
    """The questionnaire in ``language`` (keys, scale and scoring are the same in every language)."""
    data = tomllib.loads((resource_dir("experiments") / QUESTIONNAIRE_FILE).read_text(encoding="utf-8"))
    words = data.get("translations", {}).get(language, {})
    statements = words.get("items", {})
    return Questionnaire(
        title=words.get("title", data["title"]),
        intro=words.get("intro", data["intro"]),
        citation=data["citation"],
        scale_min=int(data["scale_min"]),
        scale_max=int(data["scale_max"]),
        scale_labels=list(words.get("scale_labels", data["scale_labels"])),
        items=[item | {"text": statements.get(item["key"], item["text"])} for item in data["items"]],
    )
