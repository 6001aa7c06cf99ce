"""Immutable snapshots of exercises and their items, cached per process.

An exercise's items only change when the loader writes a new version of its files,
and every such write changes ``Exercise.content_hash`` (calibrate.domain.exercises).
So the items of one (exercise id, content hash) never change: each worker reads them
once into plain frozen objects (no ORM rows, no session) and serves every participant
request from that copy. A request reads the exercise's current hash together with the
participant (one query); a hash this process has not seen means a fresh load, so a
reload in another process is picked up on the next request, and the loader in this
process drops the entry at once (:func:`clear`).

An exercise without a hash was not written by the loader and has no version to key
on; it is read afresh every time and never cached.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from sqlalchemy import select

from calibrate.infra.extensions import db
from calibrate.models import Exercise, Item

ITEM_FIELDS = (
    "id", "exercise_id", "item_key", "position", "label", "prompt", "own_prompt", "own_min", "own_max", "own_step",
    "own_choices", "own_optional", "unit", "value_type", "currency", "min", "max", "truth", "n", "se", "segment",
    "research_estimate", "research_low", "research_high", "research_sample", "translations",
)


@dataclass(frozen=True, slots=True)
class CachedItem:
    """One item as plain values, with the attributes of :class:`calibrate.models.Item` that pages and forms read."""

    id: int
    exercise_id: int
    item_key: str
    position: int
    label: str
    prompt: str
    own_prompt: str
    own_min: float
    own_max: float
    own_step: float | None
    own_choices: tuple[Mapping, ...] | None
    own_optional: bool
    unit: str
    value_type: str
    currency: str
    min: float
    max: float
    truth: float
    n: int
    se: float
    segment: str
    research_estimate: float | None
    research_low: float | None
    research_high: float | None
    research_sample: str | None
    # The texts in other languages, {"de": {"label": ...}}, read through calibrate.domain.exercise_text.
    translations: Mapping = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True)
class ExerciseSnapshot:
    """An exercise's items in position order, for one content hash."""

    id: int
    content_hash: str
    items: tuple[CachedItem, ...]
    by_id: Mapping[int, CachedItem] = field(repr=False, compare=False, default_factory=dict)


_snapshots: dict[int, ExerciseSnapshot] = {}
_lock = threading.Lock()


def _frozen_choices(choices) -> tuple[Mapping, ...] | None:
    if choices is None:
        return None
    return tuple(MappingProxyType(dict(choice)) for choice in choices)


def _frozen_translations(translations) -> Mapping:
    """Each language's texts, read-only like the rest of the snapshot (its own_choices too)."""
    return MappingProxyType({
        language: MappingProxyType({
            field: _frozen_choices(text) if field == "own_choices" else text for field, text in texts.items()
        })
        for language, texts in (translations or {}).items()
    })


def _item(row: Mapping) -> CachedItem:
    values = {name: row[name] for name in ITEM_FIELDS}
    values["own_choices"] = _frozen_choices(values["own_choices"])
    values["translations"] = _frozen_translations(values["translations"])
    values["own_optional"] = bool(values["own_optional"])
    return CachedItem(**values)


def _read(exercise_id: int) -> ExerciseSnapshot | None:
    """The exercise's items and the hash they belong to, from one statement (one consistent view)."""
    columns = [getattr(Item, name) for name in ITEM_FIELDS]
    rows = db.session.execute(
        select(Exercise.content_hash, *columns)
        .select_from(Exercise)
        .outerjoin(Item, Item.exercise_id == Exercise.id)
        .where(Exercise.id == exercise_id)
        .order_by(Item.position)
    ).mappings().all()
    if not rows:
        return None
    items = tuple(_item(row) for row in rows if row["id"] is not None)
    return ExerciseSnapshot(
        id=exercise_id,
        content_hash=rows[0]["content_hash"] or "",
        items=items,
        by_id=MappingProxyType({item.id: item for item in items}),
    )


def snapshot(exercise_id: int, content_hash: str) -> ExerciseSnapshot | None:
    """The cached snapshot for exactly this version, or None."""
    cached = _snapshots.get(exercise_id)
    if cached is not None and content_hash and cached.content_hash == content_hash:
        return cached
    return None


def exercise_items(exercise_id: int, content_hash: str) -> ExerciseSnapshot:
    """The exercise's snapshot for this content hash: from the cache, or read once and kept."""
    cached = snapshot(exercise_id, content_hash)
    if cached is not None:
        return cached
    fresh = _read(exercise_id)
    if fresh is None:
        return ExerciseSnapshot(id=exercise_id, content_hash=content_hash, items=(), by_id=MappingProxyType({}))
    if fresh.content_hash:
        with _lock:
            _snapshots[exercise_id] = fresh
    return fresh


def items_of(exercise: Exercise) -> tuple[CachedItem, ...]:
    """An exercise's items in position order from the snapshot of its current version, not as ORM rows."""
    return exercise_items(exercise.id, exercise.content_hash).items


def clear(exercise_id: int | None = None) -> None:
    """Forget one exercise's snapshot, or all of them (the loader calls this after writing)."""
    with _lock:
        if exercise_id is None:
            _snapshots.clear()
        else:
            _snapshots.pop(exercise_id, None)
