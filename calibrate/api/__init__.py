"""JSON API for analysts under /api/v1, described by an OpenAPI 3.1 document at /api/openapi.json.

Built with flask-smorest (apispec + marshmallow + webargs): the document is
generated from the routes, their argument schemas and the response schemas,
which are themselves generated from the export codebook, so the API, the
document and the export files cannot drift apart (docs/analysts.md explains the
choice).  Every request needs a personal access token (`Authorization: Bearer
...`), is rate limited per token and sees what the token's owner sees
(`calibrate.domain.scope`).  Errors are the site's JSON errors
(calibrate/errors), never HTML.
"""

from flask import Blueprint, Flask
from flask_smorest import Api
from flask_smorest import Blueprint as ApiBlueprint

from calibrate.api.schemas import ErrorSchema

API_SETTINGS = {
    "API_TITLE": "Calibrate API",
    "API_VERSION": "v1",
    "OPENAPI_VERSION": "3.1.0",
    "OPENAPI_URL_PREFIX": "/api",
    "OPENAPI_JSON_PATH": "openapi.json",
}


class CalibrateApi(Api):
    """flask-smorest's Api with the site's error body, answered by the site's own handlers."""

    ERROR_SCHEMA = ErrorSchema

    def _register_error_handlers(self):
        """calibrate/errors answers every error, the API's included, as {"error": {...}}."""


api = CalibrateApi()
bp = ApiBlueprint("api", __name__, url_prefix="/api/v1", description="Exercises, workshops, participants, answers and results.")
docs_bp = Blueprint("api_docs", __name__)


def init_api(app: Flask) -> None:
    for key, value in API_SETTINGS.items():
        app.config.setdefault(key, value)
    app.config.setdefault(
        "API_SPEC_OPTIONS",
        {
            "info": {"description": "Personal access tokens are created on the account page. Guide: docs/analysts.md."},
            "security": [{"token": []}],
            "components": {"securitySchemes": {"token": {"type": "http", "scheme": "bearer"}}},
        },
    )
    api.init_app(app)
    api.register_blueprint(bp)
    app.register_blueprint(docs_bp)


from calibrate.api import routes  # noqa: E402,F401  (registers the routes)
