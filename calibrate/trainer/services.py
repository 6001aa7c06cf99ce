"""Workshop logic for trainers: ownership, settings and their power plan, states, join link, QR code and data.

Views call these functions and render; nothing here knows about requests
(404s, URLs and the QR code live in `calibrate/trainer/lookups.py`).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, replace
from itertools import combinations

from flask_babel import format_decimal
from flask_babel import gettext as _
from sqlalchemy import func, select

import analysis.power as power_analysis
from calibrate.domain.conditions import CONDITIONS
from calibrate.infra.database import insert_unique
from calibrate.infra.extensions import db
from calibrate.models import Condition, Exercise, Participant, User, Workshop, WorkshopState, utcnow
from calibrate.domain.long_format import long_frame
from calibrate.domain.workshop_codes import new_code

MAX_WEIGHT = 9
MAX_CODE_ATTEMPTS = 10
# b_own needs at least 4 answered items per person and round (docs/methods.md, section 2), so a
# split into two rounds needs 8 items.
MIN_ITEMS_FOR_ROUND2 = 8
DEFAULT_EXPECTED_PARTICIPANTS = 30
MIN_EXPECTED_PARTICIPANTS = 2
MAX_EXPECTED_PARTICIPANTS = 2000


class WorkshopStateError(Exception):
    """A state change that does not apply now (e.g. closing a draft); the message says why."""


@dataclass(frozen=True)
class WorkshopSettings:
    title: str
    exercise_id: int
    conditions: list[str]
    allocation: list[int]
    ask_intervals: bool
    ask_empathy: bool
    round2_enabled: bool
    expected_participants: int = DEFAULT_EXPECTED_PARTICIPANTS
    language: str | None = None  # the language participants see first; None lets each browser decide


def settings_problems(exercise: Exercise, settings: WorkshopSettings) -> list[tuple[str, str]]:
    """(field, message) for every setting this exercise cannot support; empty when all is well."""
    problems = []
    if not settings.conditions:
        problems.append(("conditions", _("Choose at least one condition.")))
    has_research = any(item.research_estimate is not None for item in exercise.items)
    if Condition.MARKET_RESEARCH.value in settings.conditions and not has_research:
        problems.append(
            ("conditions", _("This exercise has no market-research summaries; choose another condition or exercise."))
        )
    if settings.round2_enabled and len(exercise.items) < MIN_ITEMS_FOR_ROUND2:
        problems.append(
            ("round2_enabled", _("A second round needs at least %(needed)s items; this exercise has %(items)s.",
                                 needed=MIN_ITEMS_FOR_ROUND2, items=len(exercise.items)))
        )
    return problems


@dataclass(frozen=True)
class PlannedGroup:
    key: str
    label: str
    weight: int
    people: int


@dataclass(frozen=True)
class PlannedComparison:
    a: PlannedGroup
    b: PlannedGroup
    power: float

    @property
    def percent(self) -> str:
        return power_analysis.percent(self.power)


@dataclass(frozen=True)
class PowerPlan:
    """What the planned workshop can detect: the power panel of the settings form (docs/methods.md §6)."""

    expected_participants: int
    items_total: int
    items_per_round: int
    round2_enabled: bool
    groups: list[PlannedGroup]
    comparisons: list[PlannedComparison]
    advice: str
    delta: float = power_analysis.DELTA
    target: float = power_analysis.TARGET_POWER

    @property
    def weakest(self) -> PlannedComparison | None:
        return min(self.comparisons, key=lambda comparison: comparison.power, default=None)

    @property
    def enough(self) -> bool:
        weakest = self.weakest
        return weakest is not None and weakest.power >= self.target

    @property
    def assumptions(self) -> dict[str, float]:
        """The model's assumed spreads (analysis.power), for the panel's small print."""
        return {
            "tau": power_analysis.PULL_SD,
            "sigma": power_analysis.RESIDUAL_SD,
            "own_sd": power_analysis.OWN_SD_GIVEN_TRUTH,
        }


def items_per_round(exercise: Exercise, round2_enabled: bool) -> int:
    """Items a person answers in round 1: all of them, or every other one (ceil(k/2)) when round 2 follows."""
    total = len(exercise.items)
    return math.ceil(total / 2) if round2_enabled else total


def expected_people(expected: int, allocation: list[int]) -> list[int]:
    """The expected room split by the allocation weights into whole people that add up to it.

    Each condition gets its share rounded down; the people left over go to the
    largest remainders (the earlier condition on a tie), as the last,
    incomplete block of the randomisation would place them on average.
    """
    total = sum(allocation)
    shares = [expected * weight / total for weight in allocation]
    people = [math.floor(share) for share in shares]
    by_remainder = sorted(range(len(shares)), key=lambda i: (people[i] - shares[i], i))
    for i in by_remainder[: expected - sum(people)]:
        people[i] += 1
    return people


def power_plan(
    exercise: Exercise, conditions: list[str], allocation: list[int], expected: int, round2_enabled: bool
) -> PowerPlan:
    """The chance of detecting a difference of 0.10 in egocentric weight between the planned conditions.

    Every condition is compared with control; without control, the pair with
    the least power (the two smallest conditions) stands for all.  With more
    than two conditions each pair's power is that of the report's Games-Howell
    comparison, which adjusts for the number of pairs.  The advice
    names the people needed for the weakest comparison to reach 80% and,
    when a round 2 halves the items, whether one round with all items would.
    """
    items = items_per_round(exercise, round2_enabled)
    groups = [
        PlannedGroup(key, CONDITIONS[key].label, weight, people)
        for key, weight, people in zip(conditions, allocation, expected_people(expected, allocation))
    ]
    control = next((group for group in groups if group.key == Condition.CONTROL.value), None)
    if control is not None:
        pairs = [(group, control) for group in groups if group is not control]
    elif len(groups) > 1:
        pairs = [min(combinations(groups, 2), key=lambda pair: _pair_power(*pair, items, len(groups)))]
    else:
        pairs = []
    comparisons = [PlannedComparison(a, b, _pair_power(a, b, items, len(groups))) for a, b in pairs]
    plan = PowerPlan(expected, len(exercise.items), items, round2_enabled, groups, comparisons, advice="")
    return replace(plan, advice=_power_advice(plan))


def _pair_power(a: PlannedGroup, b: PlannedGroup, items: int, groups: int) -> float:
    """Welch's test for two conditions; with more, the report's Games-Howell pair (adjusted for the number of pairs)."""
    return power_analysis.welch_power(a.people, b.people, items, groups=groups)


def _power_advice(plan: PowerPlan) -> str:
    """The recommendation in plain words, for the weakest comparison (whole sentences, so each language orders them)."""
    weakest = plan.weakest
    if weakest is None:
        return _(
            "With one condition there is no comparison between conditions; the report still tests whether "
            "the room's own taste pulled its predictions. Tick a second condition to compare them."
        )
    items, total = plan.items_per_round, plan.items_total
    if items < power_analysis.MIN_ITEMS:
        if plan.round2_enabled and total >= power_analysis.MIN_ITEMS:
            return _(
                "With %(items)s items per round each person's egocentric weight is too noisy to compare conditions: "
                "switch round 2 off so that round 1 uses all %(total)s items, or choose an exercise with more items.",
                items=items, total=total,
            )
        return _(
            "With %(items)s items per round each person's egocentric weight is too noisy to compare conditions: "
            "choose an exercise with more items.", items=items,
        )
    a, b = sorted((weakest.a, weakest.b), key=lambda group: group.weight)
    equal = len({group.weight for group in plan.groups}) == 1
    if equal:
        start = _("With %(people)s per condition and %(items)s items per round the chance is %(percent)s",
                  people=a.people, items=items, percent=weakest.percent)
    else:
        start = _(
            "With %(people_a)s in %(label_a)s, %(people_b)s in %(label_b)s and %(items)s items per round, "
            "the chance is %(percent)s",
            people_a=a.people, label_a=_(a.label), people_b=b.people, label_b=_(b.label), items=items,
            percent=weakest.percent,
        )
    delta = format_decimal(plan.delta, format="0.00")
    if weakest.power >= plan.target:
        return _("%(start)s: enough to detect a difference of %(delta)s in egocentric weight.", start=start, delta=delta)
    people = _people_for(plan, items, a, b, equal)
    if not plan.round2_enabled:
        return _("%(start)s: %(people)s.", start=start, people=people)
    one_round = _pair_power(weakest.a, weakest.b, total, len(plan.groups))
    if one_round >= plan.target:
        return _(
            "%(start)s: %(people)s, or switch round 2 off so that round 1 uses all %(total)s items (%(percent)s).",
            start=start, people=people, total=total, percent=power_analysis.percent(one_round),
        )
    return _(
        "%(start)s: %(people)s, or switch round 2 off so that round 1 uses all %(total)s items and %(people_all)s.",
        start=start, people=people, total=total, people_all=_people_for(plan, total, a, b, equal),
    )


def _people_for(plan: PowerPlan, items: int, a: PlannedGroup, b: PlannedGroup, equal: bool) -> str:
    """'plan for about N ...': the room that gives the weakest pair (a has the smaller weight) the target power."""
    needed = power_analysis.people_needed(
        items, plan.delta, ratio=b.weight / a.weight, target=plan.target, groups=len(plan.groups)
    )
    if needed is None:  # only beyond analysis.power.MAX_PEOPLE per condition
        return _("plan for far more people than a workshop holds")
    room = math.ceil(needed * sum(group.weight for group in plan.groups) / a.weight)
    if equal:
        return _("plan for about %(needed)s per condition (%(room)s in all)",
                 needed=power_analysis.about(needed), room=power_analysis.about(room))
    return _("plan for about %(room)s participants in all", room=power_analysis.about(room))


def exercise_of_own_workshop(owner: User, exercise_id: int | None) -> Exercise | None:
    """The exercise version one of the owner's workshops uses (it may be older or archived), or None."""
    if exercise_id is None:
        return None
    return db.session.scalar(
        select(Exercise).join(Workshop, Workshop.exercise_id == Exercise.id)
        .where(Exercise.id == exercise_id, Workshop.owner_id == owner.id).limit(1)
    )


def owned_workshop(owner: User, workshop_id: int) -> Workshop | None:
    """The owner's workshop with this id; None for anyone else's."""
    return db.session.scalar(select(Workshop).where(Workshop.id == workshop_id, Workshop.owner_id == owner.id))


def workshops_with_counts(owner: User) -> list[tuple[Workshop, int]]:
    """The owner's workshops, newest first, each with its number of participants (one query)."""
    query = (
        select(Workshop, func.count(Participant.id))
        .outerjoin(Participant, Participant.workshop_id == Workshop.id)
        .where(Workshop.owner_id == owner.id)
        .group_by(Workshop.id)
        .order_by(Workshop.created_at.desc(), Workshop.id.desc())
    )
    return [(workshop, count) for workshop, count in db.session.execute(query)]


def create_workshop(owner: User, settings: WorkshopSettings) -> Workshop:
    """A new draft workshop with a fresh join code; a code taken meanwhile is simply redrawn."""
    return insert_unique(
        lambda: Workshop(owner=owner, code=new_code(), **asdict(settings)),
        MAX_CODE_ATTEMPTS,
        "no free workshop code found; try again",
    )


def ensure_editable(workshop: Workshop) -> None:
    """Settings are fixed once the workshop opens: people who joined must keep a valid condition."""
    if workshop.state != WorkshopState.DRAFT.value:
        raise WorkshopStateError(_("Settings can only be changed before the workshop is opened."))


def update_workshop(workshop: Workshop, settings: WorkshopSettings) -> None:
    ensure_editable(workshop)
    for name, value in asdict(settings).items():
        setattr(workshop, name, value)
    db.session.commit()


def open_workshop(workshop: Workshop) -> str:
    if workshop.is_open:
        raise WorkshopStateError(_("The workshop is open already."))
    workshop.state = WorkshopState.OPEN.value
    workshop.opened_at = workshop.opened_at or utcnow()
    workshop.closed_at = None
    return _("The workshop is open: participants can join with the code.")


def close_workshop(workshop: Workshop) -> str:
    if not workshop.is_open:
        raise WorkshopStateError(_("Only an open workshop can be closed."))
    workshop.state = WorkshopState.CLOSED.value
    workshop.closed_at = utcnow()
    return _("The workshop is closed. Everything saved is kept; the report is final.")


def open_round2(workshop: Workshop) -> str:
    if not workshop.round2_enabled:
        raise WorkshopStateError(_("This workshop has no second round."))
    if not workshop.is_open:
        raise WorkshopStateError(_("Open the workshop before starting round 2."))
    if workshop.round2_open:
        raise WorkshopStateError(_("Round 2 is open already."))
    workshop.round2_open = True
    return _("Round 2 is open: participants who finished round 1 see their feedback and then fresh items.")


def reveal_results(workshop: Workshop) -> str:
    workshop.revealed = True
    workshop.projector_slide = 0
    return _("The projector now shows the results.")


def hide_results(workshop: Workshop) -> str:
    workshop.revealed = False
    return _("The projector shows only the join code and the count.")


# Every button on the workshop, dashboard and projector pages posts one of these actions.
ACTIONS = {
    "open": open_workshop,
    "close": close_workshop,
    "open-round2": open_round2,
    "reveal": reveal_results,
    "hide": hide_results,
}


def apply_action(workshop: Workshop, action: str) -> str:
    """Run one state change (a key of ACTIONS) and commit it; returns the message for the trainer."""
    message = ACTIONS[action](workshop)
    db.session.commit()
    return message


def responses_csv(workshop: Workshop) -> str:
    """This workshop's answers in the long format (docs/methods.md, section 0), for analysis elsewhere."""
    return long_frame(workshop_ids=[workshop.id]).to_csv(index=False)
