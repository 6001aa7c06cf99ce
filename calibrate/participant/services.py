"""Participant flow: who sees which items, saving answers, and what comes next.

Views stay thin; everything that decides or writes lives here.

A participant request starts from a :class:`Visit`: the participant with their
workshop, the current content hash of their exercise and what they have answered,
read in one statement (:func:`load_visit`). The exercise's items come from the
per-process snapshot of :mod:`calibrate.domain.exercise_cache`, and where the
participant is comes from :mod:`calibrate.domain.progress`, decided from those facts
without another query. An item page therefore costs one statement, and saving an
answer two: that read and one upsert of the answer (plus one update of the
participant when the answer completes the round), each committing by itself on the
worker's own connection (calibrate.infra.database.kept_autocommit_connection), the read
and the upsert straight on the driver's cursor (calibrate.infra.driver_statements), with
the participant as a plain :class:`FlowParticipant`. No statistics run while
answering: a finished round's stored result is only marked stale here
(calibrate.domain.round_results).
"""

from __future__ import annotations

import dataclasses
import random
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache

from flask import current_app
from sqlalchemy import Connection, Integer, String, and_, bindparam, cast, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased, contains_eager, load_only, scoped_session
from sqlalchemy.orm.attributes import set_committed_value

from calibrate.domain import exercise_cache, round_results
from calibrate.domain.conditions import condition_text
from calibrate.domain.exercise_cache import CachedItem, ExerciseSnapshot
from calibrate.domain.progress import ROUNDS, Progress, progress, round_items
from calibrate.infra.driver_statements import DriverStatement
from calibrate.infra.extensions import db
from calibrate.models import Exercise, Item, Participant, Response, Workshop, WorkshopState, utcnow

FINISHED_ATTRIBUTE = {1: "finished_round1_at", 2: "finished_round2_at"}
ANSWER_COLUMNS = ("own", "prediction", "lower", "upper", "research", "answered_at")
"""What a repeated submit of the same item overwrites."""


@dataclass(frozen=True)
class Answer:
    """A validated answer for one item (values in the item's own units)."""

    own: float | None
    prediction: float
    lower: float | None
    upper: float | None


@dataclass(frozen=True, slots=True)
class FlowWorkshop:
    """The settings of a participant's workshop that decide their page, as plain values."""

    state: str
    round2_enabled: bool
    round2_open: bool
    ask_empathy: bool
    language: str | None

    @property
    def is_open(self) -> bool:
        return self.state == WorkshopState.OPEN.value


@dataclass(frozen=True, slots=True)
class FlowParticipant:
    """What the item page needs of a participant, as plain values read with Core (no ORM entity, no session).

    It has the attributes of :class:`calibrate.models.Participant` that deciding the page,
    the form and saving an answer read (:data:`FLOW_PARTICIPANT_COLUMNS`).
    """

    id: int
    token: str
    exercise_id: int
    workshop_id: int | None
    condition: str
    ask_intervals: bool
    instructions_seen_at: datetime | None
    empathy_answers: dict | None
    finished_round1_at: datetime | None
    round2_started_at: datetime | None
    finished_round2_at: datetime | None
    workshop: FlowWorkshop | None


@dataclass(eq=False)
class Visit:
    """One request's view of a participant: who they are, the exercise's items and what they answered.

    ``answered`` maps round → ids of the items answered in it; ``saved`` is the stored
    answer of the item the request asked about (:func:`load_visit`), if any. ``database``
    is where the visit was read and where its writes go: the ORM session (``participant``
    is then the ORM entity) or a connection whose statements commit alone (``participant``
    is then a :class:`FlowParticipant`).
    """

    participant: Participant | FlowParticipant
    exercise: ExerciseSnapshot
    answered: dict[int, set[int]]
    database: scoped_session | Connection
    saved: Answer | None = None
    _progress: Progress | None = field(default=None, init=False, repr=False)

    @property
    def progress(self) -> Progress:
        """Where the participant is (calibrate.domain.progress decides), decided once per state of the visit."""
        if self._progress is None:
            counts = {round_no: len(ids) for round_no, ids in self.answered.items()}
            self._progress = progress(self.participant, counts, self.exercise.items)
        return self._progress

    def changed(self) -> None:
        """The participant's facts changed in this request (an answer, instructions, ...): decide again when asked."""
        self._progress = None

    def round_items(self, round_no: int) -> list[CachedItem]:
        return round_items(self.exercise.items, self.participant.workshop, round_no)

    def item_at(self, round_no: int, position: int) -> CachedItem | None:
        return next((item for item in self.round_items(round_no) if item.position == position), None)

    def next_unanswered(self, round_no: int) -> CachedItem | None:
        done = self.answered.get(round_no, set())
        return next((item for item in self.round_items(round_no) if item.id not in done), None)

    def research_positions(self, round_no: int) -> frozenset[int]:
        return research_positions(self.participant, round_no, self.round_items(round_no))


# --------------------------------------------------------------------------- reading a participant


def _answered_pairs():
    """'round:item_id' of every answer of the outer query's participant, comma-separated, as one column."""
    done = aliased(Response)
    pair = cast(done.round, String) + ":" + cast(done.item_id, String)
    return (
        select(func.aggregate_strings(pair, ","))
        .where(done.participant_id == Participant.id)
        .correlate(Participant)
        .scalar_subquery()
    )


FLOW_PARTICIPANT_COLUMNS = (
    Participant.token, Participant.exercise_id, Participant.workshop_id, Participant.condition,
    Participant.ask_intervals, Participant.instructions_seen_at, Participant.empathy_answers,
    Participant.finished_round1_at, Participant.round2_started_at, Participant.finished_round2_at,
)
FLOW_WORKSHOP_COLUMNS = (
    Workshop.state, Workshop.round2_enabled, Workshop.round2_open, Workshop.ask_empathy, Workshop.exercise_id,
    Workshop.language,
)


PLAIN_WORKSHOP_FIELDS = tuple(f.name for f in dataclasses.fields(FlowWorkshop))
PLAIN_PARTICIPANT_FIELDS = ("id", *(column.key for column in FLOW_PARTICIPANT_COLUMNS))


@cache
def _visit_query(with_saved: bool, plain: bool):
    """The one statement of :func:`load_visit`, built once per process (building it costs more than running it).

    ``plain``: columns for a :class:`FlowParticipant` (Core rows, no ORM entity); otherwise the
    ORM participant with its workshop. Either way the participant's token, exercise hash and
    answered (round, item) pairs come first, then the saved answer when asked for.
    """
    if plain:
        workshop_columns = [getattr(Workshop, name) for name in PLAIN_WORKSHOP_FIELDS]
        participant_columns = [getattr(Participant, name) for name in PLAIN_PARTICIPANT_FIELDS]
        query = select(*participant_columns, *workshop_columns).outerjoin(
            Workshop, Workshop.id == Participant.workshop_id
        )
    else:
        query = (
            select(Participant)
            .outerjoin(Participant.workshop)
            .options(
                # Only what deciding the page needs: fewer columns are cheaper to read on every request.
                # Anything else (a pseudonym, a workshop's title) loads when a rarer page first touches it.
                load_only(*FLOW_PARTICIPANT_COLUMNS),
                contains_eager(Participant.workshop).load_only(*FLOW_WORKSHOP_COLUMNS),
            )
            .execution_options(populate_existing=True)
        )
    query = (
        query.add_columns(Exercise.content_hash, _answered_pairs())
        .join(Exercise, Exercise.id == Participant.exercise_id)
        .where(Participant.token == bindparam("token", type_=String))
    )
    if with_saved:
        position = bindparam("position", type_=Integer)
        round_no = bindparam("round_no", type_=Integer)
        query = (
            query.add_columns(Response.id, Response.own, Response.prediction, Response.lower, Response.upper)
            .outerjoin(Item, and_(Item.exercise_id == Participant.exercise_id, Item.position == position))
            .outerjoin(
                Response,
                and_(Response.participant_id == Participant.id, Response.item_id == Item.id, Response.round == round_no),
            )
        )
    return query


@cache
def _plain_visit_statement(with_saved: bool) -> DriverStatement:
    """The plain visit query, run on the driver's cursor (the item page's, per request)."""
    return DriverStatement(_visit_query(with_saved, True), {"token": "", "round_no": 1, "position": 0})


def _plain_participant(row) -> tuple[FlowParticipant, tuple]:
    """The :class:`FlowParticipant` at the start of a plain visit row, and the rest of the row."""
    people, places = len(PLAIN_PARTICIPANT_FIELDS), len(PLAIN_WORKSHOP_FIELDS)
    values = dict(zip(PLAIN_PARTICIPANT_FIELDS, row))
    workshop = None
    if values["workshop_id"] is not None:
        workshop = FlowWorkshop(*row[people:people + places])
    return FlowParticipant(**values, workshop=workshop), tuple(row[people + places:])


def _parse_answered(text: str | None) -> dict[int, set[int]]:
    answered: dict[int, set[int]] = {}
    for pair in (text or "").split(","):
        if pair:
            round_no, item_id = pair.split(":")
            answered.setdefault(int(round_no), set()).add(int(item_id))
    return answered


def load_visit(
    token: str, saved_for: tuple[int, int] | None = None, connection: Connection | None = None
) -> Visit | None:
    """The participant owning this token and what they answered, in one statement; None for an unknown token.

    The same statement reads the participant's workshop and their exercise's current
    content hash, which selects the cached items. With ``saved_for=(round, position)``
    it also returns the stored answer of that item, for the item page to show again.
    With a ``connection`` (the item page's, calibrate.infra.database.kept_autocommit_connection)
    the participant is a plain :class:`FlowParticipant` read with Core and the visit's
    writes go to that connection: no ORM entity and no session on the busiest page.
    Otherwise it is the ORM entity in the session, for pages that need more of it.
    """
    params = {"token": token}
    if saved_for is not None:
        params["round_no"], params["position"] = saved_for
    if connection is None:
        database, row = db.session, db.session.execute(_visit_query(saved_for is not None, False), params).first()
    else:
        rows = _plain_visit_statement(saved_for is not None).execute(connection, params)
        database, row = connection, (rows[0] if rows else None)
    if row is None:
        return None
    if connection is None:
        participant, rest = row[0], tuple(row[1:])
    else:
        participant, rest = _plain_participant(row)
    content_hash, answered = rest[0], rest[1]
    saved = None
    if saved_for is not None and rest[2] is not None:
        saved = Answer(own=rest[3], prediction=rest[4], lower=rest[5], upper=rest[6])
    visit = Visit(
        participant=participant,
        exercise=exercise_cache.exercise_items(participant.exercise_id, content_hash or ""),
        answered=_parse_answered(answered),
        database=database,
        saved=saved,
    )
    _stamp_unstamped_rounds(visit)
    return visit


def _update_participant(visit: Visit, changes: dict) -> None:
    """Write these columns of the visit's participant with one UPDATE, and let the visit see them.

    The ORM entity gets them as committed values (nothing left to flush); a plain
    participant is replaced by a copy with them. The caller commits.
    """
    participant = visit.participant
    visit.database.execute(update(Participant.__table__).where(Participant.id == participant.id).values(changes))
    if isinstance(participant, FlowParticipant):
        visit.participant = dataclasses.replace(
            participant, **{name: value for name, value in changes.items() if name in PLAIN_PARTICIPANT_FIELDS}
        )
    else:
        for name, value in changes.items():
            set_committed_value(participant, name, value)
    visit.changed()


def _stamp_unstamped_rounds(visit: Visit) -> None:
    """Repair a round whose every item is answered but that carries no finished stamp.

    Saving an answer stamps the round it completes, but two answers of one person
    saved at the same instant (two tabs) could each miss the other's. Progress would
    then send the person to a feedback page that waits for the stamp, so it is set
    here. Never the case in the ordinary flow, where this writes nothing.
    """
    participant = visit.participant
    stamps = {}
    for round_no in ROUNDS:
        attribute = FINISHED_ATTRIBUTE[round_no]
        if getattr(participant, attribute) is not None or not visit.answered.get(round_no):
            continue
        if visit.round_items(round_no) and visit.next_unanswered(round_no) is None:
            stamps[attribute] = utcnow()
    if stamps:
        _update_participant(visit, stamps)
        visit.database.commit()


def exercise_items(participant: Participant) -> tuple[CachedItem, ...]:
    """The participant's exercise's items in position order, from the per-process snapshot."""
    return exercise_cache.items_of(participant.exercise)


def items_for_round(participant: Participant, round_no: int) -> list[CachedItem]:
    return round_items(exercise_items(participant), participant.workshop, round_no)


def research_positions(participant: Participant, round_no: int, items=None) -> frozenset[int]:
    """Positions of the items that show the market-research cue to this participant in this round.

    Only the market-research condition sees research, and then on a random half
    of the round's items that have a cue, drawn per person and round from the
    participant's secret token: the same half on every visit and device, half in
    every round (with or without round 2), and different between people, so
    research use can be measured within each person (docs/methods.md, section 3).
    ``items`` are the round's items, when the caller has them already.
    """
    if not condition_text(participant.condition).shows_market_research:
        return frozenset()
    if items is None:
        items = items_for_round(participant, round_no)
    positions = sorted(item.position for item in items if item.research_estimate is not None)
    draw = random.Random(f"research:{participant.token}:{round_no}")
    draw.shuffle(positions)
    # With an odd count, a coin decides whether the extra item shows research, so neither way is favoured.
    half = len(positions) // 2 + (len(positions) % 2 if draw.random() < 0.5 else 0)
    return frozenset(positions[:half])


# --------------------------------------------------------------------------- joining


def _joined_already(token: str, exercise_id: int, workshop_id: int | None) -> Participant | None:
    """The participant a repeated join created (calibrate.participant.join_keys), if this is a repeat."""
    return db.session.scalar(
        select(Participant).where(
            Participant.token == token, Participant.exercise_id == exercise_id, Participant.workshop_id == workshop_id,
        )
    )


def _add_once(participant: Participant) -> Participant:
    """Insert a new participant; a simultaneous repeat of the same join loses the race and gets the winner."""
    db.session.add(participant)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        existing = _joined_already(participant.token, participant.exercise_id, participant.workshop_id)
        if existing is None:
            raise
        return existing
    return participant


def start_self_serve(exercise: Exercise, pseudonym: str | None, token: str) -> Participant:
    existing = _joined_already(token, exercise.id, None)
    if existing is not None:
        return existing
    return _add_once(
        Participant(token=token, exercise_id=exercise.id, pseudonym=pseudonym or None, ask_intervals=True)
    )


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


def join_workshop(workshop: Workshop, pseudonym: str | None, token: str) -> Participant:
    """Create a participant in the next allocation slot and its block-randomised condition, once per join key."""
    existing = _joined_already(token, workshop.exercise_id, workshop.id)
    if existing is not None:
        return existing
    index = _take_slot(workshop)
    return _add_once(Participant(
        token=token,
        exercise_id=workshop.exercise_id,
        workshop_id=workshop.id,
        pseudonym=pseudonym or None,
        condition=condition_for_index(workshop, index),
        allocation_index=index,
        ask_intervals=workshop.ask_intervals,
    ))


# --------------------------------------------------------------------------- the flow's writes
# Each write also records the participant as seen: the trainer's dashboard lists people
# who are busy but have not been seen for a while (calibrate.trainer.results). Item pages
# themselves write nothing; a saved answer's own time counts as seen.


def seen(visit: Visit) -> None:
    """Record activity of a participant who comes back (their private link) without saving anything."""
    visit.participant.last_seen_at = utcnow()
    db.session.commit()


def record_instructions(visit: Visit, description: str | None) -> None:
    participant = visit.participant
    if condition_text(participant.condition).asks_description:
        participant.customer_description = description
    participant.instructions_seen_at = participant.last_seen_at = utcnow()
    db.session.commit()
    visit.changed()


@cache
def _upsert(dialect: str) -> DriverStatement:
    """INSERT ... ON CONFLICT (participant, item, round) DO UPDATE for this database, built once per process."""
    insert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}.get(dialect)
    if insert is None:
        raise RuntimeError(f"saving answers needs PostgreSQL or SQLite, not {dialect}")
    columns = ("participant_id", "item_id", "round", *ANSWER_COLUMNS)
    statement = insert(Response.__table__).values({name: bindparam(name) for name in columns})
    statement = statement.on_conflict_do_update(
        index_elements=["participant_id", "item_id", "round"],
        set_={name: statement.excluded[name] for name in ANSWER_COLUMNS},
    )
    return DriverStatement(statement)


def save_answer(visit: Visit, item: CachedItem, round_no: int, answer: Answer) -> None:
    """Insert or update the one response for (participant, item, round); safe to repeat and to race.

    The answer is written first, as an upsert (a simultaneous submit of the same item
    updates the row instead of failing), so it is stored whatever happens next. Its
    ``answered_at`` is also when the person was last seen (the dashboard reads it so), so
    the participant row is written only when this answer completes the round: one UPDATE
    with the finished stamp (a stamp missed by a failure here is set on the next visit,
    :func:`_stamp_unstamped_rounds`). Plain statements, not the ORM's unit of work.
    """
    participant = visit.participant
    now = utcnow()
    shown = item.position in visit.research_positions(round_no)
    database = visit.database  # the item page's connection: load_visit(..., connection)
    _upsert(database.dialect.name).execute(
        database,
        {
            "participant_id": participant.id,
            "item_id": item.id,
            "round": round_no,
            "own": answer.own,
            "prediction": answer.prediction,
            "lower": answer.lower,
            "upper": answer.upper,
            "research": item.research_estimate if shown else None,
            "answered_at": now,
        },
    )
    attribute = FINISHED_ATTRIBUTE[round_no]
    if getattr(participant, attribute) is not None:
        # Only a finished round has a stored result (its feedback page stores it); this answer made it stale.
        database.execute(round_results.invalidation(participant.id, round_no))
    visit.answered.setdefault(round_no, set()).add(item.id)
    visit.changed()
    if getattr(participant, attribute) is None and visit.next_unanswered(round_no) is None:
        _update_participant(visit, {attribute: now, "last_seen_at": now})
    database.commit()


def start_round2(visit: Visit) -> None:
    participant = visit.participant
    if visit.progress.round2_offered and participant.round2_started_at is None:
        participant.round2_started_at = participant.last_seen_at = utcnow()
        db.session.commit()
        visit.changed()


def record_questionnaire(visit: Visit, answers: dict[str, int], score: float) -> None:
    participant = visit.participant
    participant.empathy_answers = answers
    participant.empathy_score = score
    participant.last_seen_at = utcnow()
    db.session.commit()
    visit.changed()


def delete_participant(participant: Participant) -> None:
    """Remove a participant and every answer they gave."""
    db.session.delete(participant)
    db.session.commit()
