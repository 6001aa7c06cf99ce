"""Set-up commands from the README: users and the demo trainer."""

from sqlalchemy import select

from calibrate.cli import DEMO_TRAINER_EMAIL
from calibrate.infra.extensions import db
from calibrate.models import User


def test_create_user_hashes_password_and_resets(app, app_ctx):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["create-user", "Ana@Example.org", "--role", "analyst", "--password", "long-enough-pw"])
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.email == "ana@example.org"))
    assert user.role == "analyst"
    assert "long-enough-pw" not in user.password_hash and user.check_password("long-enough-pw")
    result = runner.invoke(args=["create-user", "ana@example.org", "--role", "trainer", "--password", "another-long-pw"])
    assert result.exit_code == 0, result.output
    assert "Updated trainer ana@example.org." in result.output
    db.session.refresh(user)
    assert user.check_password("another-long-pw") and user.role == "trainer"


def test_create_user_rejects_short_password_and_bad_email(app, app_ctx):
    runner = app.test_cli_runner()
    short = runner.invoke(args=["create-user", "a@b.org", "--password", "short"])
    assert short.exit_code == 2 and "at least 10 characters" in short.output
    no_email = runner.invoke(args=["create-user", "nobody", "--password", "long-enough-pw"])
    assert no_email.exit_code == 2 and "must be an e-mail address" in no_email.output
    assert db.session.scalars(select(User.email)).all() == [], "nobody was created"


def test_demo_trainer_password_is_printed_once(app, app_ctx):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["create-demo-trainer"]).output
    assert DEMO_TRAINER_EMAIL in first and "Password:" in first
    password = first.split("Password:")[1].split()[0]
    user = db.session.scalar(select(User).where(User.email == DEMO_TRAINER_EMAIL))
    assert user.check_password(password)
    second = runner.invoke(args=["create-demo-trainer"])
    assert second.exit_code == 0, second.output
    assert "Password:" not in second.output and "exists" in second.output
    db.session.refresh(user)
    assert user.check_password(password), "the password printed first still works"


def test_init_db_is_repeatable(app):
    result = app.test_cli_runner().invoke(args=["init-db"])
    assert result.exit_code == 0 and "up to date" in result.output
