"""The `calibrate` console script: Flask's CLI plus set-up and analysis commands."""

from __future__ import annotations

import re
import secrets
from pathlib import Path

import click
from flask import Flask
from flask.cli import FlaskGroup, with_appcontext
from tqdm import tqdm
from flask_migrate import upgrade
from sqlalchemy import select

from analysis.cli import analyze
from calibrate.auth.services import save_user
from calibrate.domain import codebook, deletion, round_results
from calibrate.domain.exports import FORMATS, Export, codebook_files, file_name, write_table
from calibrate.domain.scope import OPERATOR, Selection, SelectionError
from calibrate.domain.exercises import ExerciseLoadError, load_exercises, validate_path
from calibrate.infra.extensions import db
from calibrate.models import Role, User
from calibrate.infra.resources import resource_dir

DEMO_TRAINER_EMAIL = "demo-trainer@calibrate.local"


def _create_app():
    from calibrate import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app)
def main() -> None:
    """Calibrate: egocentric-bias calibration exercises, workshops and analysis."""


@click.command("init-db")
@with_appcontext
def init_db_command() -> None:
    """Create or migrate the database to the newest schema."""
    upgrade()
    click.echo("Database is up to date.")


@click.command("load-exercises")
@with_appcontext
@click.argument("directory", required=False, type=click.Path(file_okay=False, path_type=Path))
def load_exercises_command(directory: Path | None) -> None:
    """Load exercise folders from DIRECTORY (default: the built-in exercises)."""
    root = directory or resource_dir("experiments")
    if not root.is_dir():
        raise click.ClickException(f"{root} is not a directory")
    try:
        result = load_exercises(root)
    except ExerciseLoadError as exc:
        raise click.ClickException("nothing was loaded:\n" + str(exc)) from exc
    for slug, status in result.items():
        click.echo(f"{slug}: {status}")


@click.command("validate-exercise")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
def validate_exercise_command(path: Path) -> None:
    """Check an exercise folder (or a folder of them, an exercise.toml or an items.csv) without loading it.

    Lists every problem, each with file, row, column and how to fix it, and exits with 1;
    exits with 0 when everything is valid. Uses the loader's own validator (docs/exercises.md).
    """
    checked, problems = validate_path(path)
    for line in checked:
        click.echo(line)
    if problems:
        click.echo(f"\nEvery problem ({len(problems)}), to fix before loading:")
        for line in problems:
            click.echo(f"- {line}")
        raise SystemExit(1)
    click.echo("Valid.")


@click.command("create-user")
@with_appcontext
@click.argument("email")
@click.option("--role", type=click.Choice([r.value for r in Role]), default=Role.TRAINER.value)
@click.password_option(help="Asked for when not given.")
def create_user_command(email: str, role: str, password: str) -> None:
    """Create a trainer, analyst or admin account (or reset its password)."""
    if "@" not in email or len(email) > 254:
        raise click.BadParameter("must be an e-mail address", param_hint="EMAIL")
    if len(password) < 10:
        raise click.BadParameter("must have at least 10 characters", param_hint="--password")
    _, created = save_user(email, role, password)
    click.echo(f"{'Created' if created else 'Updated'} {role} {email.lower()}.")


@click.command("create-demo-trainer")
@with_appcontext
def create_demo_trainer_command() -> None:
    """Create the demo trainer once and print its password (only when created)."""
    if db.session.scalar(select(User).where(User.email == DEMO_TRAINER_EMAIL)):
        click.echo(
            f"Demo trainer {DEMO_TRAINER_EMAIL} exists (password was printed when it was created; "
            f"reset it with: calibrate create-user {DEMO_TRAINER_EMAIL} --role trainer)."
        )
        return
    password = secrets.token_urlsafe(12)
    save_user(DEMO_TRAINER_EMAIL, Role.TRAINER.value, password)
    click.echo("=" * 60)
    click.echo(f"Demo trainer account: {DEMO_TRAINER_EMAIL}")
    click.echo(f"Password:             {password}")
    click.echo("Sign in at http://127.0.0.1:5000/login (shown only this once).")
    click.echo("=" * 60)


@click.command("recompute-results")
@with_appcontext
def recompute_results_command() -> None:
    """Recompute every stored round result from the answers (run after upgrading the statistics engine)."""
    click.echo(f"Recomputed {round_results.recompute_all()} round results.")


@click.command("export")
@with_appcontext
@click.option("--workshop", "workshops", multiple=True, metavar="CODE", help="A workshop's join code (repeat for several).")
@click.option("--exercise", metavar="SLUG", help="An exercise: all its workshops and self-serve participants.")
@click.option("--format", "fmt", type=click.Choice(list(FORMATS)), default="csv", show_default=True)
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True, help="Folder to write into.")
def export_command(workshops: tuple[str, ...], exercise: str | None, fmt: str, out: Path) -> None:
    """Write every table of the codebook (responses, participants, items, metrics, group tests, item statistics)
    and codebook.md/.json into OUT; without --workshop or --exercise, everything in the database."""
    export = Export(OPERATOR, Selection(workshops=workshops, exercise=exercise))
    try:
        people = len(export.people())
    except SelectionError as error:
        raise click.BadParameter(error.message, param_hint=f"--{error.field}") from error
    out.mkdir(parents=True, exist_ok=True)
    tables = list(codebook.TABLES)
    # Three tables read every batch of people (responses, participants, metrics); the bar counts people read.
    with tqdm(total=3 * people, unit="people", desc="export", file=click.get_text_stream("stderr"), disable=people < 1000) as bar:
        export.progress = bar.update
        for name in tables:
            with (out / file_name(name, fmt)).open("wb") as handle:
                write_table(export, name, fmt, handle)
    for name, text in codebook_files().items():
        (out / name).write_text(text, encoding="utf-8")
    click.echo(f"Wrote {len(tables)} {fmt} files and the codebook for {people} participants to {out}.")


_AGE = re.compile(r"(\d{1,5})d")


@click.command("purge")
@with_appcontext
@click.option("--older-than", "age", required=True, metavar="DAYSd", help="e.g. 90d: participants last seen before then.")
@click.option("--yes", is_flag=True, help="Delete without asking (for cron).")
def purge_command(age: str, yes: bool) -> None:
    """Delete participants (with their answers) last seen more than the given number of days ago."""
    match = _AGE.fullmatch(age.strip())
    if match is None:
        raise click.BadParameter("give a number of days such as 90d", param_hint="--older-than")
    selection = deletion.older_than(int(match.group(1)))
    found = deletion.count(OPERATOR, selection)
    if found.participants == 0:
        click.echo(f"Nothing to delete: nobody was last seen more than {match.group(1)} days ago.")
        return
    if not yes:
        click.confirm(f"Delete {found}, last seen more than {match.group(1)} days ago?", abort=True)
    click.echo(f"Deleted {deletion.delete_selection(OPERATOR, selection)}.")


def register_commands(app: Flask) -> None:
    """Attach the set-up and analysis commands to the app's CLI."""
    for command in (
        init_db_command,
        load_exercises_command,
        validate_exercise_command,
        create_user_command,
        create_demo_trainer_command,
        recompute_results_command,
        export_command,
        purge_command,
        analyze,
    ):
        app.cli.add_command(command)
