"""Public, read-only endpoints."""

from flask import jsonify
from sqlalchemy import func, select

from calibrate.api import bp
from calibrate.infra.extensions import db
from calibrate.models import Exercise, Item


@bp.get("/exercises")
def list_exercises():
    """Public exercises with their size and data source."""
    n_items = select(func.count(Item.id)).where(Item.exercise_id == Exercise.id).scalar_subquery()
    rows = db.session.execute(
        select(Exercise, n_items.label("n_items")).where(Exercise.is_public).order_by(Exercise.title)
    )
    return jsonify(
        [
            {
                "slug": exercise.slug,
                "title": exercise.title,
                "n_items": count,
                "population": exercise.population,
                "source": exercise.source,
                "citation": exercise.citation,
                "license": exercise.license,
            }
            for exercise, count in rows
        ]
    )
