"""Database models.

An *exercise* is a set of *items* with recorded truths. A *participant* answers
the items of one exercise, either self-serve or inside a trainer's *workshop*;
each answer is a *response* (one per participant, item and round, so a repeated
submit updates instead of duplicating).
"""

from __future__ import annotations

import enum
import re
import secrets
from datetime import datetime, timezone

from flask_login import UserMixin
from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from calibrate.infra.extensions import db, login_manager


def utcnow() -> datetime:
    """Timezone-aware now; stored as UTC everywhere."""
    return datetime.now(timezone.utc)


def new_participant_token() -> str:
    """256 random bits, URL-safe: participants are identified by this alone."""
    return secrets.token_urlsafe(32)


class Role(str, enum.Enum):
    TRAINER = "trainer"
    ANALYST = "analyst"
    ADMIN = "admin"


class Condition(str, enum.Enum):
    """Experimental conditions after Hattula et al. (2015); docs/methods.md, section 0."""

    CONTROL = "control"
    PERSPECTIVE = "perspective"
    PERSPECTIVE_SUPPRESS = "perspective_suppress"
    MARKET_RESEARCH = "market_research"


class WorkshopState(str, enum.Enum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"


class User(UserMixin, db.Model):
    """A trainer, analyst or admin who signs in; participants never have accounts."""

    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True, index=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20), default=Role.TRAINER.value)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # Part of every session and remember cookie (get_id); raising it signs the user out everywhere.
    session_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    workshops: Mapped[list[Workshop]] = relationship(back_populates="owner")
    api_tokens: Mapped[list[ApiToken]] = relationship(back_populates="owner", cascade="all, delete-orphan")

    def get_id(self) -> str:
        """Flask-Login's id in the session and the remember cookie: "id:session_version"."""
        return f"{self.id}:{self.session_version}"

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password, method="scrypt")

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN.value


class ApiToken(db.Model):
    """A personal access token for the JSON API (docs/analysts.md).

    Only a SHA-256 digest of the secret is stored: the secret is shown once
    when the token is created.  A token sees exactly what its owner sees.
    """

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    # The first characters of the secret, so an owner can tell their tokens apart without the secret.
    prefix: Mapped[str] = mapped_column(String(12))
    read_only: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)

    owner: Mapped[User] = relationship(back_populates="api_tokens")

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class Exercise(db.Model):
    """One version of a built-in or uploaded calibration exercise with its provenance.

    Versions of one exercise share its slug. A version that has answers is never
    rewritten: a changed definition becomes a new version, so every answer keeps the
    items and truths it was given on (docs/exercises.md, "Versions and archiving").
    """

    __tablename__ = "exercise"
    __table_args__ = (UniqueConstraint("slug", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), index=True)
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    # The trainer who uploaded it; None for the built-in exercises an operator loads.
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), nullable=True, index=True)
    # Archived exercises are hidden from new workshops and the landing page; their answers stay.
    archived_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    population: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(Text, default="")
    citation: Mapped[str] = mapped_column(Text, default="")
    license: Mapped[str] = mapped_column(String(200), default="")
    prediction_prompt: Mapped[str] = mapped_column(Text, default="")
    own_prompt: Mapped[str] = mapped_column(Text, default="")
    # Provenance shown to participants (docs/exercises.md): one of the four decision kinds of Hattula et al.
    # (2015), when the recorded data were collected, and how many observations the truths rest on.
    decision_kind: Mapped[str] = mapped_column(String(40), default="", server_default="")
    period: Mapped[str] = mapped_column(String(200), default="", server_default="")
    sample_size: Mapped[str] = mapped_column(String(200), default="", server_default="")
    minutes: Mapped[int] = mapped_column(Integer, default=10)
    is_public: Mapped[bool] = mapped_column(Boolean, default=True)
    content_hash: Mapped[str] = mapped_column(String(64), default="")
    # The text fields in other languages, {"de": {"title": ..., ...}} (calibrate.domain.exercise_text).
    translations: Mapped[dict] = mapped_column(JSON, default=dict, server_default="{}")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    items: Mapped[list[Item]] = relationship(
        back_populates="exercise", order_by="Item.position", cascade="all, delete-orphan"
    )
    owner: Mapped[User | None] = relationship()

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None


class Item(db.Model):
    """One question: the participant's own answer and a prediction of `truth`."""

    __tablename__ = "item"
    __table_args__ = (UniqueConstraint("exercise_id", "item_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    exercise_id: Mapped[int] = mapped_column(ForeignKey("exercise.id", ondelete="CASCADE"), index=True)
    item_key: Mapped[str] = mapped_column(String(80))
    position: Mapped[int] = mapped_column(Integer)
    label: Mapped[str] = mapped_column(String(200))
    prompt: Mapped[str] = mapped_column(Text)
    own_prompt: Mapped[str] = mapped_column(Text)
    own_min: Mapped[float] = mapped_column(Float)
    own_max: Mapped[float] = mapped_column(Float)
    own_step: Mapped[float | None] = mapped_column(Float, nullable=True)
    own_choices: Mapped[list | None] = mapped_column(JSON, nullable=True)
    own_optional: Mapped[bool] = mapped_column(Boolean, default=False)
    unit: Mapped[str] = mapped_column(String(80))
    # How values are printed (analysis.vocabulary.VALUE_TYPES): percent, share, rating or money (with currency).
    value_type: Mapped[str] = mapped_column(String(20), default="percent", server_default="percent")
    currency: Mapped[str] = mapped_column(String(3), default="", server_default="")
    min: Mapped[float] = mapped_column(Float)
    max: Mapped[float] = mapped_column(Float)
    truth: Mapped[float] = mapped_column(Float)
    n: Mapped[int] = mapped_column(Integer)
    se: Mapped[float] = mapped_column(Float)
    segment: Mapped[str] = mapped_column(String(120), default="")
    # The market-research cue: a pilot subsample's estimate of `truth` with its 95% CI, in the item's unit.
    research_estimate: Mapped[float | None] = mapped_column(Float, nullable=True)
    research_low: Mapped[float | None] = mapped_column(Float, nullable=True)
    research_high: Mapped[float | None] = mapped_column(Float, nullable=True)
    research_sample: Mapped[str | None] = mapped_column(String(120), nullable=True)
    # The text fields in other languages, {"de": {"label": ..., "own_choices": [...]}}; truths have no language.
    translations: Mapped[dict] = mapped_column(JSON, default=dict, server_default="{}")

    exercise: Mapped[Exercise] = relationship(back_populates="items")


class Workshop(db.Model):
    """A trainer-run session of one exercise with conditions and rounds."""

    __tablename__ = "workshop"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    exercise_id: Mapped[int] = mapped_column(ForeignKey("exercise.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    code: Mapped[str] = mapped_column(String(12), unique=True, index=True)
    state: Mapped[str] = mapped_column(String(10), default=WorkshopState.DRAFT.value)
    conditions: Mapped[list] = mapped_column(JSON, default=lambda: [Condition.CONTROL.value])
    allocation: Mapped[list] = mapped_column(JSON, default=lambda: [1])
    ask_intervals: Mapped[bool] = mapped_column(Boolean, default=True)
    ask_empathy: Mapped[bool] = mapped_column(Boolean, default=False)
    round2_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    round2_open: Mapped[bool] = mapped_column(Boolean, default=False)
    revealed: Mapped[bool] = mapped_column(Boolean, default=False)
    # Which result slide the projector shows once revealed (calibrate/trainer/slides.py).
    projector_slide: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    allocation_cursor: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    expected_participants: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # The language participants see first (calibrate/infra/i18n.py); None lets each browser decide.
    language: Mapped[str | None] = mapped_column(String(5), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    opened_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)

    owner: Mapped[User] = relationship(back_populates="workshops")
    exercise: Mapped[Exercise] = relationship()
    participants: Mapped[list[Participant]] = relationship(back_populates="workshop")

    @property
    def is_open(self) -> bool:
        return self.state == WorkshopState.OPEN.value


class Participant(db.Model):
    """An anonymous person taking one exercise, known only by an unguessable token."""

    __tablename__ = "participant"
    __table_args__ = (UniqueConstraint("workshop_id", "allocation_index"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True, index=True, default=new_participant_token)
    exercise_id: Mapped[int] = mapped_column(ForeignKey("exercise.id"), index=True)
    workshop_id: Mapped[int | None] = mapped_column(ForeignKey("workshop.id"), nullable=True, index=True)
    pseudonym: Mapped[str | None] = mapped_column(String(60), nullable=True)
    condition: Mapped[str] = mapped_column(String(30), default=Condition.CONTROL.value)
    allocation_index: Mapped[int | None] = mapped_column(Integer, nullable=True)
    ask_intervals: Mapped[bool] = mapped_column(Boolean, default=True)
    customer_description: Mapped[str | None] = mapped_column(Text, nullable=True)
    instructions_seen_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    empathy_score: Mapped[float | None] = mapped_column(Float, nullable=True)
    empathy_answers: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    consented_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # Last activity other than answering (joining, instructions, coming back, the questionnaire): each answer
    # carries its own time, and the dashboard takes the later of the two (calibrate.trainer.results).
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_round1_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    round2_started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    finished_round2_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)

    exercise: Mapped[Exercise] = relationship()
    workshop: Mapped[Workshop | None] = relationship(back_populates="participants")
    responses: Mapped[list[Response]] = relationship(
        back_populates="participant", cascade="all, delete-orphan"
    )
    round_results: Mapped[list[RoundResult]] = relationship(cascade="all, delete-orphan")

    @property
    def short_id(self) -> str:
        """What a trainer sees for a participant without a pseudonym."""
        return self.pseudonym or f"#{self.id:04d}"


class Response(db.Model):
    """One answer: own value, prediction and optional 80% interval for one item and round."""

    __tablename__ = "response"
    __table_args__ = (UniqueConstraint("participant_id", "item_id", "round"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(
        ForeignKey("participant.id", ondelete="CASCADE"), index=True
    )
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id"), index=True)
    round: Mapped[int] = mapped_column(Integer, default=1)
    own: Mapped[float | None] = mapped_column(Float, nullable=True)
    prediction: Mapped[float] = mapped_column(Float)
    lower: Mapped[float | None] = mapped_column(Float, nullable=True)
    upper: Mapped[float | None] = mapped_column(Float, nullable=True)
    # The research estimate shown with this item (NULL when none was shown), as the person saw it.
    research: Mapped[float | None] = mapped_column(Float, nullable=True)
    answered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    participant: Mapped[Participant] = relationship(back_populates="responses")
    item: Mapped[Item] = relationship()


class AuthoringDraft(db.Model):
    """A trainer's exercise in the making from their own survey file, kept between the authoring steps.

    The uploaded respondent rows are stored as parsed CSV text, never as the uploaded
    file; nothing becomes an exercise until the whole draft validates (calibrate/authoring).
    """

    __tablename__ = "authoring_draft"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    data_csv: Mapped[str] = mapped_column(Text)
    settings: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)


class RoundResult(db.Model):
    """A finished round's egocentric weight, kept so a workshop's peers can be ranked in one query."""

    __tablename__ = "round_result"
    __table_args__ = (UniqueConstraint("participant_id", "round"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(
        ForeignKey("participant.id", ondelete="CASCADE"), index=True
    )
    round: Mapped[int] = mapped_column(Integer)
    b_own: Mapped[float | None] = mapped_column(Float, nullable=True)
    computed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


_SESSION_USER_ID = re.compile(r"(\d{1,18}):(\d{1,18})", re.ASCII)


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """Flask-Login session lookup: the user, if the cookie's session version is still the current one."""
    match = _SESSION_USER_ID.fullmatch(user_id or "")
    if match is None:
        return None  # also ids from before session versions existed: those sessions end
    # populate_existing: compare with the stored version, never with a copy cached in this session.
    user = db.session.get(User, int(match.group(1)), populate_existing=True)
    if user is None or user.session_version != int(match.group(2)):
        return None
    return user
