"""Flask extension objects, created unbound so blueprints can import them."""

import flask_limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from calibrate.infra.csrf_tokens import KeptCSRFProtect
from calibrate.infra.security_headers import CachedTalisman

# Named constraints keep Alembic migrations portable between SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Limiter(flask_limiter.Limiter):
    """Flask-Limiter, asking its request filters before anything else.

    Before every request Flask-Limiter resolves the endpoint's limits, and only then asks
    the filters registered with ``request_filter`` (about 60 µs of CPU per request,
    docs/performance.md). Asking them first skips that work for the requests no limit of
    it applies to, which are most of a room's (calibrate.infra.ratelimits). A route's own
    limit is checked by its decorator as before.
    """

    def _check_request_limit(self, callable_name: str | None = None, in_middleware: bool = True) -> None:
        if in_middleware and any(exempt() for exempt in self._request_filters):
            return
        super()._check_request_limit(callable_name, in_middleware)


class Base(DeclarativeBase):
    """Declarative base shared by every model."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


# Sessions live for one request; keeping loaded rows after commit saves the reloads that
# computing the next page would otherwise cost on every saved answer.
db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False})
migrate = Migrate()
csrf = KeptCSRFProtect()
login_manager = LoginManager()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
talisman = CachedTalisman()
