"""Stored per-round results: the one owner of the ``round_result`` table.

A finished round's egocentric weight is stored so that a participant's place
among the workshop's peers is one indexed query instead of recomputing the
room.  The stored value is always the one the person's own feedback page
computed and showed (:func:`store`), never a second computation; saving an
answer only marks the round's row stale (:func:`invalidation`, no statistics
inside the request that saves an answer), and the next feedback view stores
it afresh.  After the engine changes, ``calibrate recompute-results``
(:func:`recompute_all`) refreshes every row from the stored answers.
"""

from __future__ import annotations

from sqlalchemy import Delete, delete, select

from analysis import person_metrics, plain_value
from calibrate.infra.extensions import db
from calibrate.models import Participant, RoundResult, utcnow
from calibrate.domain.long_format import long_frame

RECOMPUTE_BATCH = 2_000


def store(participant: Participant, b_own_by_round: dict[int, float | None]) -> None:
    """Keep the weights the participant's feedback page just computed for their finished rounds."""
    existing = {
        result.round: result
        for result in db.session.scalars(select(RoundResult).where(RoundResult.participant_id == participant.id))
    }
    changed = False
    for round_no, b_own in b_own_by_round.items():
        result = existing.get(round_no)
        value = plain_value(b_own)
        if result is not None and result.b_own == value:
            continue
        if result is None:
            result = RoundResult(participant_id=participant.id, round=round_no)
            db.session.add(result)
        result.b_own, result.computed_at = value, utcnow()
        changed = True
    if changed:
        db.session.commit()


def invalidation(participant_id: int, round_no: int) -> Delete:
    """The statement that marks a round's stored weight stale after one of its answers changed.

    The caller runs it where it writes the answer (the item page's own connection).
    """
    return delete(RoundResult).where(RoundResult.participant_id == participant_id, RoundResult.round == round_no)


def peer_weights(participant: Participant, round_no: int) -> list[float]:
    """Egocentric weights of the other people in the participant's workshop with a stored result for this round."""
    return list(
        db.session.scalars(
            select(RoundResult.b_own)
            .join(Participant, RoundResult.participant_id == Participant.id)
            .where(
                Participant.workshop_id == participant.workshop_id,
                Participant.id != participant.id,
                RoundResult.round == round_no,
                RoundResult.b_own.is_not(None),
            )
        )
    )


def recompute_all() -> int:
    """Recompute every finished round from the stored answers (after an engine change); returns rows written."""
    finished = {
        (participant_id, 1 if round1 is not None else None, 2 if round2 is not None else None)
        for participant_id, round1, round2 in db.session.execute(
            select(Participant.id, Participant.finished_round1_at, Participant.finished_round2_at).where(
                (Participant.finished_round1_at.is_not(None)) | (Participant.finished_round2_at.is_not(None))
            )
        )
    }
    wanted = {(pid, r) for pid, r1, r2 in finished for r in (r1, r2) if r is not None}
    ids = sorted({pid for pid, _ in wanted})
    written = 0
    for start in range(0, len(ids), RECOMPUTE_BATCH):
        batch = ids[start : start + RECOMPUTE_BATCH]
        metrics = person_metrics(long_frame(participant_ids=batch))
        values = {(int(row.participant_id), int(row.round)): plain_value(row.b_own) for row in metrics.itertuples()}
        db.session.execute(delete(RoundResult).where(RoundResult.participant_id.in_(batch)))
        for pid, round_no in sorted(key for key in wanted if key[0] in set(batch)):
            db.session.add(RoundResult(participant_id=pid, round=round_no, b_own=values.get((pid, round_no))))
            written += 1
        db.session.commit()
    return written
