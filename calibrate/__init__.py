"""Calibrate: shows marketers how much their own taste leaks into their predictions."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from flask_login import current_user
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.middleware.proxy_fix import ProxyFix

from calibrate.infra.config import check_config, load_config
from calibrate.infra.csp import CONTENT_SECURITY_POLICY
from calibrate.infra.csrf_tokens import register_csrf_token
from calibrate.infra.database import register_session_close
from calibrate.infra.extensions import csrf, db, limiter, login_manager, migrate, talisman
from calibrate.infra.health import register_health
from calibrate.infra.i18n import register_i18n
from calibrate.infra.input_guard import register_input_guard
from calibrate.infra.logs import configure_logging
from calibrate.infra.page_templates import PageLanguageEnvironment
from calibrate.infra.resources import resource_dir
from calibrate.infra.sessions import SessionCookies
from calibrate.infra.templating import register_template_helpers



def create_app(test_config: dict | None = None) -> Flask:
    """Application factory: configure extensions and register one blueprint per user role."""
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=str(resource_dir("templates")),
    )
    app.jinja_environment = PageLanguageEnvironment  # before anything reads app.jinja_env
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.from_mapping(load_config(Path(app.instance_path)))
    if test_config:
        app.config.from_mapping(test_config)
    check_config(app.config)
    app.session_interface = SessionCookies()
    configure_logging(app)
    # Before every extension's hooks: a request with NUL bytes and the like is refused before any database work.
    register_input_guard(app)
    if app.config["PROXY_FIX"]:
        # Behind one reverse proxy: trust its X-Forwarded-* so join links show the public host and scheme,
        # and rate limits count the forwarded client address instead of the proxy's.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)

    db.init_app(app)
    register_session_close(app)
    migrate.init_app(app, db, directory=str(resource_dir("migrations")), render_as_batch=True)
    csrf.init_app(app)
    register_csrf_token(app)
    limiter.init_app(app)
    # Templates read `current_user` lazily (a jinja global) instead of Flask-Login's context processor,
    # which loads the user for every page, also the participants' pages that never look.
    login_manager.init_app(app, add_context_processor=False)
    app.jinja_env.globals["current_user"] = current_user
    talisman.init_app(
        app,
        force_https=False,
        session_cookie_secure=app.config.get("SESSION_COOKIE_SECURE", False),
        content_security_policy=CONTENT_SECURITY_POLICY,
        referrer_policy="same-origin",
    )

    from calibrate.api import init_api

    init_api(app)  # before the blueprints: their error handlers answer the API's errors too
    _register_blueprints(app)
    register_health(app)
    register_template_helpers(app)
    register_i18n(app)

    from calibrate.cli import register_commands

    register_commands(app)
    return app


def _register_blueprints(app: Flask) -> None:
    from calibrate.admin import bp as admin_bp
    from calibrate.analyst import bp as analyst_bp
    from calibrate.auth import bp as auth_bp
    from calibrate.authoring import bp as authoring_bp
    from calibrate.errors import bp as errors_bp
    from calibrate.participant import bp as participant_bp
    from calibrate.trainer import bp as trainer_bp

    app.register_blueprint(errors_bp)
    app.register_blueprint(participant_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(admin_bp, url_prefix="/admin")
    app.register_blueprint(trainer_bp)
    app.register_blueprint(authoring_bp)
    app.register_blueprint(analyst_bp)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record) -> None:
    """WAL lets the live dashboard read while participants write; enforce foreign keys."""
    module = type(dbapi_connection).__module__
    if module.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()
