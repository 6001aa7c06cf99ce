"""Participant flow: who sees which items, saving answers, and what comes next.

Views stay thin; everything that decides or writes lives here.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from calibrate.domain.conditions import condition_text
from calibrate.infra.extensions import db
from calibrate.domain import round_results
from calibrate.models import Exercise, Item, Participant, Response, Workshop, utcnow
from calibrate.domain.progress import Progress, progress, round_items


@dataclass(frozen=True)
class Answer:
    """A validated answer for one item (values in the item's own units)."""

    own: float | None
    prediction: float
    lower: float | None
    upper: float | None


def find_participant(token: str) -> Participant | None:
    return db.session.scalar(select(Participant).where(Participant.token == token))


def items_for_round(participant: Participant, round_no: int) -> list[Item]:
    return round_items(participant.exercise.items, participant.workshop, round_no)


def research_positions(participant: Participant, round_no: int) -> frozenset[int]:
    """Positions of the items that show the market-research cue to this participant in this round.

    Only the market-research condition sees research, and then on a random half
    of the round's items that have a cue, drawn per person and round from the
    participant's secret token: the same half on every visit and device, half in
    every round (with or without round 2), and different between people, so
    research use can be measured within each person (docs/methods.md, section 3).
    """
    if not condition_text(participant.condition).shows_market_research:
        return frozenset()
    positions = sorted(
        item.position for item in items_for_round(participant, round_no) if item.research_estimate is not None
    )
    draw = random.Random(f"research:{participant.token}:{round_no}")
    draw.shuffle(positions)
    # With an odd count, a coin decides whether the extra item shows research, so neither way is favoured.
    half = len(positions) // 2 + (len(positions) % 2 if draw.random() < 0.5 else 0)
    return frozenset(positions[:half])


def answered_item_ids(participant: Participant, round_no: int) -> set[int]:
    return set(
        db.session.scalars(
            select(Response.item_id).where(
                Response.participant_id == participant.id, Response.round == round_no
            )
        )
    )


def participant_progress(participant: Participant) -> Progress:
    """Where this participant is now (calibrate.domain.progress owns the rule), from one count query."""
    counts = db.session.execute(
        select(Response.round, func.count()).where(Response.participant_id == participant.id).group_by(Response.round)
    )
    return progress(participant, {round_no: count for round_no, count in counts})


def start_round2(participant: Participant) -> None:
    if participant_progress(participant).round2_offered and participant.round2_started_at is None:
        participant.round2_started_at = utcnow()
        db.session.commit()


def start_self_serve(exercise: Exercise, pseudonym: str | None) -> Participant:
    participant = Participant(exercise=exercise, pseudonym=pseudonym or None, ask_intervals=True)
    db.session.add(participant)
    db.session.commit()
    return participant


def _block_order(workshop: Workshop, block: int) -> list[str]:
    """A shuffled block holding each condition as often as its allocation weight."""
    conditions = [c for c, weight in zip(workshop.conditions, workshop.allocation) for _ in range(int(weight))]
    seed = f"{current_app.config['SECRET_KEY']}:{workshop.id}:{block}"
    random.Random(seed).shuffle(conditions)
    return conditions


def condition_for_index(workshop: Workshop, index: int) -> str:
    """Balanced block randomisation: every complete block matches the allocation exactly."""
    block_size = sum(int(weight) for weight in workshop.allocation)
    return _block_order(workshop, index // block_size)[index % block_size]


def _take_slot(workshop: Workshop) -> int:
    """Atomically advance the workshop's allocation cursor and return the slot taken.

    UPDATE ... RETURNING locks the workshop row until commit, so simultaneous
    joins queue for a moment instead of drawing the same slot.
    """
    return db.session.execute(
        update(Workshop)
        .where(Workshop.id == workshop.id)
        .values(allocation_cursor=Workshop.allocation_cursor + 1)
        .returning(Workshop.allocation_cursor)
    ).scalar_one() - 1


def join_workshop(workshop: Workshop, pseudonym: str | None) -> Participant:
    """Create a participant in the next allocation slot and its block-randomised condition."""
    index = _take_slot(workshop)
    participant = Participant(
        exercise_id=workshop.exercise_id,
        workshop_id=workshop.id,
        pseudonym=pseudonym or None,
        condition=condition_for_index(workshop, index),
        allocation_index=index,
        ask_intervals=workshop.ask_intervals,
    )
    db.session.add(participant)
    db.session.commit()
    return participant


def record_instructions(participant: Participant, description: str | None) -> None:
    if condition_text(participant.condition).asks_description:
        participant.customer_description = description
    participant.instructions_seen_at = utcnow()
    db.session.commit()


def next_unanswered(participant: Participant, round_no: int) -> Item | None:
    done = answered_item_ids(participant, round_no)
    return next((item for item in items_for_round(participant, round_no) if item.id not in done), None)


def saved_answer(participant: Participant, item: Item, round_no: int) -> Response | None:
    return db.session.scalar(
        select(Response).where(
            Response.participant_id == participant.id,
            Response.item_id == item.id,
            Response.round == round_no,
        )
    )


def save_answer(participant: Participant, item: Item, round_no: int, answer: Answer) -> Response:
    """Insert or update the one response for (participant, item, round); safe to repeat."""
    for attempt in range(2):
        response = saved_answer(participant, item, round_no)
        if response is None:
            response = Response(participant_id=participant.id, item_id=item.id, round=round_no)
            db.session.add(response)
        response.own, response.prediction = answer.own, answer.prediction
        response.lower, response.upper = answer.lower, answer.upper
        shown = item.position in research_positions(participant, round_no)
        response.research = item.research_estimate if shown else None
        response.answered_at = participant.last_seen_at = utcnow()
        try:
            _mark_finished(participant, round_no)
            db.session.commit()
            return response
        except IntegrityError:
            # A simultaneous submit of the same item won the insert: update that row instead.
            db.session.rollback()
            if attempt:
                raise
    raise AssertionError("unreachable")


def _mark_finished(participant: Participant, round_no: int) -> None:
    """Stamp a completed round; any stored result of the round is stale once an answer changes."""
    db.session.flush()
    round_results.invalidate(participant, round_no)
    if next_unanswered(participant, round_no) is not None:
        return
    attribute = "finished_round1_at" if round_no == 1 else "finished_round2_at"
    if getattr(participant, attribute) is None:
        setattr(participant, attribute, utcnow())


def record_questionnaire(participant: Participant, answers: dict[str, int], score: float) -> None:
    participant.empathy_answers = answers
    participant.empathy_score = score
    db.session.commit()


def delete_participant(participant: Participant) -> None:
    """Remove a participant and every answer they gave."""
    db.session.delete(participant)
    db.session.commit()


def touch(participant: Participant) -> None:
    """Record activity so the trainer's dashboard can tell idle from active people."""
    participant.last_seen_at = utcnow()
    db.session.commit()
