"""The participant flow in German in Debian Chromium: German text is longer, and the pages must still fit.

A browser whose language is German (``locale="de-DE"``) joins a workshop and goes through every participant
page on a phone and on a laptop: no serious or critical axe-core finding, no sideways scrolling, no text cut
off, and on the phone every item's prediction field and Save button on the first screen. ``make screenshots``
saves the German screenshots in docs/screenshots/de/.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from calibrate.infra.extensions import db
from calibrate.models import Exercise
from tests.browser.pages import check_page
from tests.browser.screens import save_screenshot
from tests.browser.test_accessibility import BUILT_IN, PHONE, participant_flow
from tests.trainer.rooms import make_account, make_workshop

DEVICES = {"phone": PHONE, "desktop": {"width": 1366, "height": 900}}
SCREENSHOTS = {"phone": ("landing", "join", "item", "feedback", "error-404"), "desktop": ("landing", "item", "feedback")}


def fold_problems(page: Page, where: str) -> list[str]:
    """The prediction field and Save must be on the first screen of a phone, every field above the Save bar."""
    bottoms = page.evaluate(
        """() => Object.fromEntries(['#own', '#prediction', '#lower', '#upper', '.nav-buttons button[type=submit]']
            .map((s) => [s, document.querySelector(s) ? document.querySelector(s).getBoundingClientRect().bottom : 0]))"""
    )
    save_top = page.evaluate("document.querySelector('.nav-buttons').getBoundingClientRect().top")
    problems = [f"{where}: Save is below the first screen"] if bottoms[".nav-buttons button[type=submit]"] > PHONE["height"] else []
    return problems + [f"{where}: {field} is below the Save bar" for field in ("#own", "#prediction", "#lower", "#upper")
                       if bottoms[field] > save_top]


@pytest.mark.parametrize("device", DEVICES)
def test_the_german_participant_pages_are_accessible_and_fit(live_server, browser, app, exercises, device):
    with app.app_context():
        workshop = make_workshop(make_account(f"de-{device}@example.org"), conditions=("perspective",),
                                 ask_empathy=True, title="Markenteam")
        code = workshop.code
        db.session.remove()
    context = browser.new_context(viewport=DEVICES[device], device_scale_factor=1, locale="de-DE")
    page = context.new_page()
    problems: list[str] = []

    def check(name: str) -> None:
        assert page.get_attribute("html", "lang") == "de", name
        problems.extend(check_page(page, f"{device} {name}"))
        if device == "phone" and name == "item":
            problems.extend(fold_problems(page, name))
        if name in SCREENSHOTS[device]:
            save_screenshot(page, f"de/{name}-{device}" if name in ("item", "feedback", "landing") else f"de/{name}")

    participant_flow(page, live_server, code, check)
    assert not problems, "\n".join(problems)
    context.close()


def test_every_built_in_exercise_starts_on_one_german_phone_screen(live_server, browser, app, exercises):
    """The first item of every built-in exercise, in German, keeps the prediction and Save above the fold."""
    context = browser.new_context(viewport=PHONE, locale="de-DE")
    page = context.new_page()
    problems: list[str] = []
    for slug in BUILT_IN:
        with app.app_context():
            assert db.session.scalar(db.select(Exercise).where(Exercise.slug == slug)) is not None
        page.goto(f"{live_server}/e/{slug}")
        page.check("input[name=consent]")
        page.click("form.card button[type=submit]")
        page.wait_for_url("**/item/0")
        problems.extend(fold_problems(page, slug))
        problems.extend(f"{slug}: {problem}" for problem in check_page(page, "item"))
    assert not problems, "\n".join(problems)
    context.close()
