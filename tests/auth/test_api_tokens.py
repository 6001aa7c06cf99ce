"""Personal access tokens on the account page: created with a name, shown once, listed with last use, revoked."""

from __future__ import annotations

from sqlalchemy import select

from calibrate.infra.extensions import db
from calibrate.models import ApiToken
from tests.trainer.rooms import make_account, signed_in_client


def test_token_is_shown_once_listed_and_revoked(app, app_ctx):
    client = signed_in_client(app, "ana@example.org", role="analyst")
    created = client.post("/account/tokens", data={"name": "thesis notebook", "read_only": "y"})
    assert created.status_code == 200 and "shown only this once" in created.text
    secret = created.text.split('data-secret>')[1].split("<")[0]
    assert secret.startswith("cal_")
    page = client.get("/account")
    assert "thesis notebook" in page.text and secret not in page.text and "never" in page.text
    assert client.get("/api/v1/exercises", headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    assert "never" not in client.get("/account").text.split('data-table="tokens"')[1].split("</table>")[0]
    token = db.session.scalar(select(ApiToken).where(ApiToken.name == "thesis notebook"))
    assert client.post(f"/account/tokens/{token.id}/revoke").status_code == 302
    assert client.get("/api/v1/exercises", headers={"Authorization": f"Bearer {secret}"}).status_code == 401


def test_token_needs_a_name(app, app_ctx):
    client = signed_in_client(app, "ana@example.org", role="analyst")
    response = client.post("/account/tokens", data={"name": "  "})
    assert response.status_code == 422 and "Name the token" in response.text
    assert db.session.scalar(select(ApiToken)) is None


def test_nobody_revokes_another_users_token(app, app_ctx):
    owner = make_account("owner@example.org", role="analyst")
    from calibrate.auth.tokens import create_token

    token, _ = create_token(owner, "owner's", read_only=True)
    intruder = signed_in_client(app, "intruder@example.org", role="analyst")
    assert intruder.post(f"/account/tokens/{token.id}/revoke").status_code == 404
    db.session.expire_all()
    assert db.session.get(ApiToken, token.id).revoked_at is None
