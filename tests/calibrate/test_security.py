"""Cookies, invalid characters, rate-limit keys and the secret key: what an attacker or a busy room would probe."""

from __future__ import annotations

import html
import multiprocessing
import os
import re
import stat
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime

import pytest
from sqlalchemy import func, select

from calibrate.infra.config import ConfigError, _instance_secret, load_config
from calibrate.infra.extensions import db
from calibrate.models import Participant, Response, User, Workshop
from tests.trainer.rooms import PASSWORD, make_account, separate_sign_ins, signed_in_client  # noqa: F401  (autouse)

ITEM_ROUTE = re.compile(r"/p/([A-Za-z0-9_-]{43})/r1/item/(\d+)$")


def start_participant(client, slug: str = "public-spending") -> str:
    """Start a self-serve exercise; returns the URL of the participant's first item."""
    response = client.post(f"/e/{slug}", data={"consent": "y"})
    assert response.status_code == 302, response.text
    location = response.headers["Location"]
    while not ITEM_ROUTE.search(location):
        location = client.get(location).headers["Location"]
    return location


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


# -- cookies -------------------------------------------------------------------------------------


def _sign_in_cookies(app) -> dict[str, str]:
    make_account("kim@example.org")
    response = app.test_client().post(
        "/login", data={"email": "kim@example.org", "password": PASSWORD, "remember": "y"}
    )
    assert response.status_code == 302
    return {header.split("=", 1)[0]: header for header in response.headers.getlist("Set-Cookie")}


def test_cookies_are_httponly_and_samesite_lax_and_not_secure_by_default(app_factory, app_ctx, monkeypatch):
    monkeypatch.delenv("CALIBRATE_SECURE_COOKIES", raising=False)
    cookies = _sign_in_cookies(app_factory())
    assert set(cookies) == {"session", "remember_token"}
    for header in cookies.values():
        assert "HttpOnly" in header and "SameSite=Lax" in header and "Secure" not in header


def test_secure_cookies_setting_marks_every_cookie_secure(app_factory, app_ctx, monkeypatch):
    monkeypatch.setenv("CALIBRATE_SECURE_COOKIES", "1")
    monkeypatch.setenv("CALIBRATE_REMEMBER_DAYS", "7")
    cookies = _sign_in_cookies(app_factory())
    assert set(cookies) == {"session", "remember_token"}
    for header in cookies.values():
        assert "; Secure" in header and "HttpOnly" in header and "SameSite=Lax" in header
    expires = parsedate_to_datetime(re.search(r"Expires=([^;]+)", cookies["remember_token"]).group(1))
    assert abs((expires - datetime.now(timezone.utc)) - timedelta(days=7)) < timedelta(minutes=1)


def test_remember_cookie_lasts_thirty_days_by_default(tmp_path, monkeypatch):
    monkeypatch.delenv("CALIBRATE_REMEMBER_DAYS", raising=False)
    assert load_config(tmp_path)["REMEMBER_COOKIE_DURATION"].days == 30
    monkeypatch.setenv("CALIBRATE_REMEMBER_DAYS", "zero")
    with pytest.raises(ConfigError, match="CALIBRATE_REMEMBER_DAYS"):
        load_config(tmp_path)


# -- invalid characters ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "named"),
    [
        ("/p/abc%00def", "The address"),
        ("/e/public%00spending", "The address"),
        ("/login?next=/trainer/%00", "query parameter 'next'"),
        ("/?x=%1b[31m", "query parameter 'x'"),
    ],
)
def test_nul_and_controls_in_the_address_are_a_400(client, exercises, path, named):
    response = client.get(path)
    assert response.status_code == 400
    assert named in html.unescape(response.text)


def test_nul_in_a_pseudonym_is_refused_before_anything_is_written(client, exercises):
    response = client.post("/e/public-spending", data={"consent": "y", "pseudonym": "Kim\x00"})
    assert response.status_code == 400 and "field 'pseudonym' contains a NUL byte" in html.unescape(response.text)
    assert client.post("/e/public-spending", data={"consent": "y", "pseudonym": "K\x7fim\u2028"}).status_code == 302
    assert client.post("/e/public-spending", data={"consent": "y", "pseudonym": "K\x1bim"}).status_code == 400
    assert count(Participant) == 1


def test_tab_and_newlines_stay_allowed(client, exercises):
    assert client.post("/e/public-spending", data={"consent": "y", "pseudonym": "Kim\tLee\r\n"}).status_code == 302


def test_nul_in_an_answer_writes_nothing(client, exercises):
    item = start_participant(client)
    response = client.post(item, data={"own": "4\x00", "prediction": "50"})
    assert response.status_code == 400 and "own" in response.text
    assert client.post(item, data={"own\x00": "4", "prediction": "50"}).status_code == 400
    assert count(Response) == 0


def test_nul_in_an_e_mail_is_a_400(client, app_ctx):
    make_account("kim@example.org")
    response = client.post("/login", data={"email": "kim@example.org\x00", "password": PASSWORD})
    assert response.status_code == 400 and "email" in response.text


def test_nul_in_json_and_unpaired_surrogates_are_a_400(client):
    response = client.post("/login", data='{"email": "a\\ud800"}', content_type="application/json")
    assert response.status_code == 400 and "unpaired surrogate" in response.text
    response = client.post("/login", data='{"k\\u0000": 1}', content_type="application/json")
    assert response.status_code == 400


def test_nul_in_admin_and_trainer_forms_writes_nothing(app, app_ctx, exercises):
    admin = signed_in_client(app, "admin@example.org", role="admin")
    users = count(User)
    new_user = {"email": "new@exam\x00ple.org", "role": "trainer", "password": "initial password 1"}
    assert admin.post("/admin/users", data=new_user).status_code == 400
    assert count(User) == users
    trainer = signed_in_client(app, "trainer@example.org")
    exercise_id = re.search(r'<option[^>]*value="(\d+)"', trainer.get("/trainer/workshops/new").text).group(1)
    form = {"title": "Offsite\x00", "exercise_id": exercise_id, "use_control": "y", "expected_participants": "30"}
    response = trainer.post("/trainer/workshops/new", data=form)
    assert response.status_code == 400 and "title" in response.text
    assert count(Workshop) == 0
    assert trainer.post("/trainer/workshops/new", data=form | {"title": "Offsite"}).status_code == 302, "the same form without NUL"


def test_invalid_characters_are_refused_before_the_database_is_used(app_factory):
    """The check runs before any view or user lookup: an app without a database still answers 400."""
    broken = app_factory(SQLALCHEMY_DATABASE_URI="postgresql+psycopg://nobody@127.0.0.1:9/none")
    assert broken.test_client().post("/e/public-spending", data={"pseudonym": "\x00"}).status_code == 400


# -- rate-limit keys ------------------------------------------------------------------------------


def test_answers_are_limited_per_participant_not_per_address(app_factory, exercises):
    limited = app_factory(RATELIMIT_ENABLED=True, ANSWER_RATE_LIMIT="3 per minute")
    first, second = limited.test_client(), limited.test_client()
    first_item, second_item = start_participant(first), start_participant(second)
    statuses = [first.post(first_item, data={"own": "x"}).status_code for _ in range(4)]
    assert statuses == [422, 422, 422, 429]
    assert "Answers are arriving faster" in first.post(first_item, data={"own": "x"}).text
    german = first.post(first_item, data={"own": "x"}, headers={"Accept-Language": "de"})
    assert german.status_code == 429 and "Antworten kommen schneller an" in german.text
    assert german.headers["Retry-After"] == "60", "a fixed window of a minute is over within 60 s"
    assert first.get(first_item).status_code == 200, "reading the page is not limited"
    assert second.post(second_item, data={"own": "x"}).status_code == 422, "someone else on the same Wi-Fi is not affected"


def test_sign_in_limit_uses_the_forwarded_address_only_behind_a_proxy(app_factory, app_ctx):
    make_account("kim@example.org")
    wrong = {"email": "kim@example.org", "password": "wrong password!"}
    limits = {"RATELIMIT_ENABLED": True, "LOGIN_RATE_LIMIT": "2 per minute", "LOGIN_ACCOUNT_RATE_LIMIT": "100 per minute"}

    def attempts(app, forwarded_for):
        client = app.test_client()
        return [client.post("/login", data=wrong, headers={"X-Forwarded-For": ip}).status_code for ip in forwarded_for]

    behind_proxy = app_factory(PROXY_FIX=True, **limits)
    assert attempts(behind_proxy, ["203.0.113.1", "203.0.113.1", "203.0.113.1", "203.0.113.2"]) == [401, 401, 429, 401]
    direct = app_factory(PROXY_FIX=False, **limits)
    assert attempts(direct, ["203.0.113.3", "203.0.113.3", "203.0.113.4"]) == [401, 401, 429], "a client cannot pick its address"


# -- the secret key -------------------------------------------------------------------------------


def _read_key(barrier, directory, results):
    barrier.wait()
    results.put(_instance_secret(directory))


def test_workers_starting_together_share_one_secret_key(tmp_path):
    context = multiprocessing.get_context("fork")
    for attempt in range(4):
        directory = tmp_path / f"instance{attempt}"
        barrier, results = context.Barrier(8), context.Queue()
        workers = [context.Process(target=_read_key, args=(barrier, directory, results)) for _ in range(8)]
        for worker in workers:
            worker.start()
        keys = [results.get(timeout=20) for _ in workers]
        for worker in workers:
            worker.join(timeout=20)
            assert worker.exitcode == 0
        assert len(set(keys)) == 1 and len(keys[0]) == 64
        key_file = directory / "secret_key"
        assert key_file.read_text() == keys[0]
        assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
        assert os.listdir(directory) == ["secret_key"], "no temporary files are left behind"


def test_production_refuses_to_start_without_a_secret_key(app_factory, tmp_path, monkeypatch):
    monkeypatch.setenv("CALIBRATE_ENV", "production")
    monkeypatch.delenv("CALIBRATE_SECRET_KEY", raising=False)
    assert load_config(tmp_path)["SECRET_KEY"] is None
    assert not (tmp_path / "secret_key").exists(), "nothing is generated in production"
    with pytest.raises(ConfigError, match="CALIBRATE_SECRET_KEY is not set"):
        app_factory(SECRET_KEY=None)
    monkeypatch.setenv("CALIBRATE_SECRET_KEY", "k" * 64)
    assert load_config(tmp_path)["SECRET_KEY"] == "k" * 64
