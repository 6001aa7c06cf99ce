"""What the trainer should do next, read from the room's state: the dashboard's banner and main button.

A session runs waiting for joins -> answering -> ready to reveal -> (round 2 ->)
ready to close.  The room counts as ready when nobody is still actively
answering: people idle for a minute or more (listed as stragglers) do not hold
the room up, because a trainer in a workshop cannot wait for them.  While round 2
is open only round 2 counts: those who finished round 1 are expected, and of the
stragglers only those who still have round-2 items; someone idle in round 1 is
neither missing nor a straggler of round 2.  The words
for each step live in templates/trainer/_next_step.html.
"""

from __future__ import annotations

from dataclasses import dataclass

from calibrate.models import WorkshopState
from calibrate.trainer.results import WorkshopResults


@dataclass(frozen=True)
class NextStep:
    key: str  # draft, waiting, answering, ready_to_reveal, ready_for_round2, answering2, ready_to_close, closed
    action: str | None  # the action of calibrate.trainer.services.ACTIONS the main button runs, if any
    finished: int = 0  # people done with the round in play ...
    expected: int = 0  # ... out of those who take part in it
    idle: int = 0  # of those not done, how many are idle (stragglers)


def next_step(workshop, results: WorkshopResults) -> NextStep:
    totals = results.totals
    if workshop.state == WorkshopState.DRAFT.value:
        return NextStep("draft", "open")
    if workshop.state == WorkshopState.CLOSED.value:
        return NextStep("closed", None)
    if totals["joined"] == 0:
        return NextStep("waiting", None)
    if workshop.round2_open:
        finished, expected = totals["finished2"], totals["finished"]
        idle = results.idle_in_round.get(2, 0)
        if finished < expected and expected - finished > idle:
            return NextStep("answering2", None, finished, expected, idle)
        return NextStep("ready_to_close", "close", finished, expected, idle)
    finished, expected = totals["finished"], totals["joined"]
    idle = results.idle_in_round.get(1, 0)
    if not workshop.revealed:
        ready = finished > 0 and expected - finished <= idle
        return NextStep("ready_to_reveal" if ready else "answering", "reveal", finished, expected, idle)
    if workshop.round2_enabled:
        return NextStep("ready_for_round2", "open-round2", finished, expected, idle)
    return NextStep("ready_to_close", "close", finished, expected, idle)
