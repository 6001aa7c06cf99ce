"""An item's prompt is set as its context and its question, without losing or changing a word."""

from __future__ import annotations

import pytest

from calibrate.models import Item
from calibrate.participant.wording import question_parts
from calibrate.infra.extensions import db


@pytest.mark.parametrize(
    ("prompt", "context", "question"),
    [
        ("In a 2018 survey of 2,348 adults, people rated X. What percentage said 'too little'?",
         "In a 2018 survey of 2,348 adults, people rated X.", "What percentage said 'too little'?"),
        ("In 1,070 purchases in five U.S. stores, what share was Minute Maid?", "",
         "In 1,070 purchases in five U.S. stores, what share was Minute Maid?"),
        ("Travellers chose between tickets (1 guilder = EUR 0.45): when one was slower, what share chose it?",
         "Travellers chose between tickets (1 guilder = EUR 0.45):", "when one was slower, what share chose it?"),
        ("Rated 1 to 6. Of these, 3.5 on average. What share chose 4, 5 or 6?",
         "Rated 1 to 6. Of these, 3.5 on average.", "What share chose 4, 5 or 6?"),
    ],
)
def test_the_last_sentence_is_the_question(prompt, context, question):
    assert question_parts(prompt) == (context, question)


def test_every_built_in_prompt_keeps_every_word(exercises):
    for item in db.session.scalars(db.select(Item)):
        context, question = question_parts(item.prompt)
        assert " ".join(filter(None, (context, question))) == " ".join(item.prompt.split())
        assert question.endswith("?"), item.item_key


def test_the_start_page_counts_the_first_round_and_announces_the_second(app, client, exercises):
    from tests.trainer.rooms import make_account, make_workshop

    workshop = make_workshop(make_account("start-page@example.org"), round2_enabled=True)
    page = client.get(f"/j/{workshop.code}").text
    assert "For each of 6 items" in page and "a second round of 6 fresh items" in page
    alone = client.get("/e/public-spending").text
    assert "For each of 12 items" in alone and "second round" not in alone
