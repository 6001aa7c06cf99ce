"""Where a participant is in the flow: the one owner of that decision.

A participant's stage follows from a few facts (instructions seen, items left
in each round, questionnaire given, round 2 started, the workshop's state).
:func:`decide` turns those facts into a :class:`Progress`; the participant's
pages use it through :func:`progress` and the trainer's dashboard, for a whole
room at once, through :func:`room_progress` -- the same rule both times.

Which items belong to which round depends only on the workshop, so
:func:`round_items` takes the exercise's items and the workshop, never a
participant: both blueprints import it from here. It and :func:`progress` accept
any items with a ``position`` -- ORM rows or the cached snapshots of
:mod:`calibrate.domain.exercise_cache`.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass

from calibrate.models import Item, Participant, Workshop

ROUNDS = (1, 2)


class Stage(str, enum.Enum):
    """The page a participant belongs on now."""

    INSTRUCTIONS = "instructions"
    ITEMS = "items"
    QUESTIONNAIRE = "questionnaire"
    CLOSED = "closed"  # items left, but the workshop takes no more answers
    FEEDBACK = "feedback"


def has_round2(workshop: Workshop | None) -> bool:
    return bool(workshop and workshop.round2_enabled)


def round_items(items: Sequence[Item], workshop: Workshop | None, round_no: int) -> list[Item]:
    """Round 1 gets every item, or every other item when a round 2 on the held-out items follows."""
    if not has_round2(workshop):
        return list(items) if round_no == 1 else []
    return [item for item in items if item.position % 2 == round_no - 1]


@dataclass(frozen=True)
class Facts:
    """What the decision needs about one participant, as plain values."""

    in_workshop: bool
    workshop_open: bool
    round2_enabled: bool
    round2_open: bool
    asks_empathy: bool
    instructions_seen: bool
    empathy_given: bool
    finished1: bool
    started2: bool
    finished2: bool
    left1: int  # unanswered items in round 1
    left2: int  # unanswered items in round 2


@dataclass(frozen=True)
class Progress:
    """The participant's stage and round, and what the feedback page offers about round 2."""

    stage: Stage
    round: int
    accepts_answers: bool  # self-serve, or the workshop is open
    round2_offered: bool  # round 2 is open to this person and not finished
    round2_waiting: bool  # round 2 will come once the trainer opens it

    @property
    def busy(self) -> bool:
        """Still expected to do something: the dashboard watches these people for idling."""
        return self.stage in (Stage.INSTRUCTIONS, Stage.ITEMS, Stage.QUESTIONNAIRE) or (
            self.round2_offered and self.stage != Stage.CLOSED
        )

    @property
    def on_feedback_before_round2(self) -> bool:
        return self.stage == Stage.FEEDBACK and self.round2_offered and self.round == 1


def decide(facts: Facts) -> Progress:
    """The single rule of the participant flow (instructions, items, questionnaire, feedback; round 2 after feedback)."""
    accepts = not facts.in_workshop or facts.workshop_open
    round2_available = facts.finished1 and facts.round2_enabled and facts.round2_open
    round_no = 2 if facts.started2 and round2_available else 1
    left = facts.left2 if round_no == 2 else facts.left1
    round2_offered = round2_available and not facts.finished2 and accepts
    round2_waiting = facts.round2_enabled and not facts.round2_open and facts.workshop_open
    if facts.in_workshop and not facts.instructions_seen:
        stage = Stage.INSTRUCTIONS
    elif left and accepts:
        stage = Stage.ITEMS
    elif facts.asks_empathy and not facts.empathy_given and accepts:
        stage = Stage.QUESTIONNAIRE
    elif left:
        stage = Stage.CLOSED
    else:
        stage = Stage.FEEDBACK
    return Progress(
        stage=stage, round=round_no, accepts_answers=accepts, round2_offered=round2_offered, round2_waiting=round2_waiting
    )


def _round_sizes(items: Sequence[Item], workshop: Workshop | None) -> dict[int, int]:
    return {r: len(round_items(items, workshop, r)) for r in ROUNDS}


def _facts(person: Participant, workshop: Workshop | None, sizes: dict[int, int], answered: dict[int, int]) -> Facts:
    return Facts(
        in_workshop=workshop is not None,
        workshop_open=bool(workshop and workshop.is_open),
        round2_enabled=has_round2(workshop),
        round2_open=bool(workshop and workshop.round2_open),
        asks_empathy=bool(workshop and workshop.ask_empathy),
        instructions_seen=person.instructions_seen_at is not None,
        empathy_given=person.empathy_answers is not None,
        finished1=person.finished_round1_at is not None,
        started2=person.round2_started_at is not None,
        finished2=person.finished_round2_at is not None,
        left1=sizes[1] - answered.get(1, 0),
        left2=sizes[2] - answered.get(2, 0),
    )


def progress(participant: Participant, answered: dict[int, int], items: Sequence[Item] | None = None) -> Progress:
    """One participant's progress; ``answered`` maps round → items answered in it.

    ``items`` are the exercise's items in position order; the participant pages pass the
    per-process snapshot (calibrate.domain.exercise_cache) so that no ORM rows are loaded.
    Without them the participant's exercise is read.
    """
    workshop = participant.workshop
    items = participant.exercise.items if items is None else items
    return decide(_facts(participant, workshop, _round_sizes(items, workshop), answered))


def room_progress(
    workshop: Workshop, people: Sequence[Participant], answered: dict[int, dict[int, int]], items: Sequence[Item]
) -> list[Progress]:
    """Progress of everyone in a workshop at once; ``answered`` maps participant id → {round: items answered}.

    ``items`` are the exercise's items in position order (the trainer pages pass the per-process snapshot).
    """
    sizes = _round_sizes(items, workshop)
    return [decide(_facts(person, workshop, sizes, answered.get(person.id, {}))) for person in people]
