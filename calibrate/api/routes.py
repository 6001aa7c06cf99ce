"""Public, read-only endpoints."""

from flask import jsonify

from calibrate.api import bp
from calibrate.domain.exercise_catalogue import landing_exercises


@bp.get("/exercises")
def list_exercises():
    """The current version of every public exercise with its size and data source."""
    return jsonify(
        [
            {
                "slug": exercise.slug,
                "version": exercise.version,
                "title": exercise.title,
                "n_items": len(exercise.items),
                "population": exercise.population,
                "source": exercise.source,
                "citation": exercise.citation,
                "license": exercise.license,
            }
            for exercise in landing_exercises()
        ]
    )
