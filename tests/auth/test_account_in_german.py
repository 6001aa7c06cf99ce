"""Sign-in, the account page with its tokens, and the admin's users page in German; dates by language."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import select

from calibrate.infra.extensions import db
from calibrate.models import ApiToken
from tests.trainer.german import DE, german_leftovers
from tests.trainer.rooms import signed_in_client


def test_sign_in_is_german(client, app_ctx):
    page = client.get("/login", headers=DE).text
    assert "Anmelden" in page and german_leftovers(page) == []
    wrong = client.post("/login", data={"email": "nobody@example.org", "password": "x" * 12}, headers=DE).text
    assert "E-Mail-Adresse oder Passwort ist falsch." in wrong


def test_account_page_with_a_token_is_german_with_german_dates(app, app_ctx):
    client = signed_in_client(app, "analyst-de@example.org", role="analyst")
    created = client.post("/account/tokens", data={"name": "Notebook", "read_only": "y"}, headers=DE)
    assert "Kopieren Sie Ihr neues Token jetzt" in created.text
    token = db.session.scalar(select(ApiToken))
    token.created_at = token.last_used_at = datetime(2026, 3, 9, 14, 5, tzinfo=timezone.utc)
    db.session.commit()
    page = client.get("/account", headers=DE).text
    assert german_leftovers(page) == [] and "09.03.2026, 14:05 UTC" in page and "nur lesen" in page
    assert "Mar 9, 2026" in client.get("/account", headers={"Accept-Language": "en"}).text


def test_admin_users_page_is_german(app, app_ctx):
    client = signed_in_client(app, "admin-de@example.org", role="admin")
    page = client.get("/admin/users", headers=DE).text
    assert "Konto anlegen" in page and german_leftovers(page) == []
    made = client.post("/admin/users", data={"email": "neu@example.org", "role": "trainer",
                                             "password": "a long enough password"}, headers=DE, follow_redirects=True)
    assert "Konto neu@example.org angelegt." in made.text
