"""CSRF tokens signed and checked once per session secret, never passing a token Flask-WTF would refuse."""

from __future__ import annotations

import re

import flask_wtf.csrf
import pytest
from flask import session
from flask_wtf.csrf import ValidationError
from sqlalchemy import func, select

from calibrate.infra.csrf_tokens import csrf_token
from calibrate.infra.extensions import db
from calibrate.models import Participant

CONSENT = "/e/public-spending"
TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def _token(client) -> str:
    return TOKEN.search(client.get(CONSENT).text).group(1)


def _join(client, token: str | None, **headers) -> int:
    data = {"consent": "y"} | ({"csrf_token": token} if token is not None else {})
    return client.post(CONSENT, data=data, headers=headers).status_code


def _refuse_every_signature_check(monkeypatch) -> None:
    """From here on Flask-WTF's own check refuses everything: what still passes was not checked again."""

    def refuse(*args, **kwargs):
        raise ValidationError("The CSRF token is invalid.")

    monkeypatch.setattr(flask_wtf.csrf, "validate_csrf", refuse)


@pytest.fixture
def secured(app_factory, exercises):
    return app_factory(WTF_CSRF_ENABLED=True)


def test_a_token_checked_once_passes_again_without_checking_its_signature(secured, monkeypatch):
    client = secured.test_client()
    token = _token(client)
    assert _join(client, token) == 302
    _refuse_every_signature_check(monkeypatch)
    assert _join(client, token) == 302, "the same token with the same session secret"
    assert db.session.scalar(select(func.count(Participant.id))) == 2


def test_a_token_signed_in_this_process_counts_as_checked(secured, monkeypatch):
    client = secured.test_client()
    _token(client)  # the first page of a session creates its secret
    with client.session_transaction() as stored:
        secret = stored["csrf_token"]
    with secured.test_request_context("/"):
        session["csrf_token"] = secret
        token = csrf_token()  # as the item page's plain HTML form shows it
    _refuse_every_signature_check(monkeypatch)
    assert _join(client, token) == 302


def test_unknown_tokens_still_go_through_flask_wtfs_check(secured, monkeypatch):
    client = secured.test_client()
    token = _token(client)
    assert _join(client, token) == 302
    _refuse_every_signature_check(monkeypatch)
    assert _join(client, token[:-2] + "xx") == 400
    assert _join(client, None) == 400
    assert _join(client, "") == 400


def test_another_sessions_token_is_refused_after_it_passed_there(secured):
    victim, attacker = secured.test_client(), secured.test_client()
    stolen = _token(victim)
    assert _join(victim, stolen) == 302
    _token(attacker)  # the attacker's own session, with its own secret
    assert _join(attacker, stolen) == 400
    assert db.session.scalar(select(func.count(Participant.id))) == 1


def test_over_https_the_referrer_rule_holds_for_a_checked_token(secured):
    client = secured.test_client()
    https = {"base_url": "https://calibrate.example.org"}
    token = TOKEN.search(client.get(CONSENT, **https).text).group(1)
    own = {"Referer": "https://calibrate.example.org/e/public-spending"}
    assert client.post(CONSENT, data={"consent": "y", "csrf_token": token}, headers=own, **https).status_code == 302
    foreign = {"Referer": "https://elsewhere.example.com/"}
    assert client.post(CONSENT, data={"consent": "y", "csrf_token": token}, headers=foreign, **https).status_code == 400
    assert client.post(CONSENT, data={"consent": "y", "csrf_token": token}, **https).status_code == 400, "no referrer"
