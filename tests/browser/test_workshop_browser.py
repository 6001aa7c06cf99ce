"""A trainer runs a whole workshop in Debian Chromium while two participants take part on phones.

`make screenshots` also refreshes the trainer screenshots from this run
(dashboard, projector and report on a desktop, a phone and a 1080p projector).
"""

from __future__ import annotations

import os
from pathlib import Path

from playwright.sync_api import Page, expect

from calibrate.infra.extensions import db
from calibrate.models import Workshop
from tests.browser.screens import SCREENSHOTS, save_screenshot
from tests.trainer.rooms import PASSWORD, make_account, make_workshop, simulate_room

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
PROJECTOR = {"width": 1920, "height": 1080}
TRAINER = "browser-trainer@example.org"
LIVE_WAIT_MS = 6000  # the dashboard polls every 2 s


def sign_in(page: Page, base: str, email: str = TRAINER, lands_on: str = "**/trainer/") -> None:
    """Sign in through the login form (the account's password is PASSWORD) and wait for the landing page."""
    page.goto(base + "/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("form.card button[type=submit]")
    page.wait_for_url(lands_on)


def answer_items(page: Page) -> int:
    """Answer every item shown until the feedback page, with own answers pulling the predictions."""
    answered = 0
    while "/item/" in page.url:
        own = 10 + 40 * (answered % 3)
        page.fill("#own", str(own))
        prediction = 20 + own // 2 + answered % 7
        page.fill("#prediction", str(prediction))
        page.fill("#lower", str(prediction - 10))
        page.fill("#upper", str(prediction + 10))
        page.click(".nav-buttons button[type=submit]")
        page.wait_for_load_state()
        answered += 1
    return answered


def join(browser, base: str, code: str, name: str) -> Page:
    """A participant on a phone types the code on the start page, consents and reads the instructions."""
    page = browser.new_context(viewport=PHONE).new_page()
    page.goto(base + "/")
    page.fill("#code", code.lower())
    page.click(".inline-form button[type=submit]")
    page.check("input[name=consent]")
    page.fill("input[name=pseudonym]", name)
    page.click("form.card button[type=submit]")
    page.wait_for_url("**/instructions")
    if page.locator("textarea[name=description]").count():
        page.fill("textarea[name=description]", "Busy parents in their forties who watch their budget closely.")
    page.click("form.card button[type=submit]")
    page.wait_for_url("**/item/*")
    return page


def test_trainer_runs_a_workshop_with_two_conditions(live_server, browser, app, exercises):
    make_account(TRAINER)
    trainer_context = browser.new_context(viewport=DESKTOP)
    trainer = trainer_context.new_page()
    blocked = []
    trainer_context.on("console", lambda message: blocked.append(message.text) if "Content Security Policy" in message.text else None)
    sign_in(trainer, live_server)

    trainer.click("text=New workshop")
    trainer.fill("input[name=title]", "Pricing team, spring")
    trainer.select_option("select[name=exercise_id]", label="Public spending priorities (GSS 2018) (12 items)")
    trainer.check("input[name=use_perspective]")
    trainer.check("input[name=round2_enabled]")
    trainer.click("form.card button[type=submit]")
    expect(trainer.locator(".badge.state-draft")).to_be_visible()
    trainer.click("button[data-action=open]")
    expect(trainer.locator(".badge.state-open")).to_be_visible()
    code = trainer.locator(".join-code").inner_text().split()[-1]  # after the screen reader's "Join code"
    expect(trainer.locator("img.qr")).to_be_visible()

    projector = trainer_context.new_page()
    projector.goto(trainer.url + "/projector")
    expect(projector.locator(".projector-code")).to_contain_text(code)

    trainer.click(".workshop-nav >> text=Live dashboard")
    trainer.evaluate("window.sameDocument = true")
    kpi = lambda name: trainer.locator(f"[data-kpi={name}] .value")  # noqa: E731
    expect(kpi("joined")).to_have_text("0")

    first, second = join(browser, live_server, code, "Ana"), join(browser, live_server, code, "Ben")
    expect(kpi("joined")).to_have_text("2", timeout=LIVE_WAIT_MS)
    for condition in ("control", "perspective"):
        # Balanced blocks of two: one person in each condition, whoever joined first.
        expect(trainer.locator(f"tr[data-condition={condition}] td").nth(1)).to_have_text("1", timeout=LIVE_WAIT_MS)

    assert answer_items(first) == 6 and answer_items(second) == 6
    expect(first).to_have_url(f"{live_server}/p/{first.url.split('/p/')[1].split('/')[0]}/feedback")
    expect(kpi("finished")).to_have_text("2", timeout=LIVE_WAIT_MS)
    expect(trainer.locator(".live")).to_contain_text("Mean egocentric weight")
    assert trainer.evaluate("window.sameDocument"), "the dashboard updated without a reload"

    expect(projector.locator("[data-live-count]")).to_contain_text("2 joined · 2 finished", timeout=LIVE_WAIT_MS)
    trainer.click("button[data-action=reveal]")
    expect(projector.locator("canvas[data-chart=items]")).to_be_visible(timeout=LIVE_WAIT_MS)
    assert "Ana" not in projector.locator("main").inner_text()

    trainer.click("button[data-action=open-round2]")
    expect(trainer.locator(".badge", has_text="Open · round 2")).to_be_visible()
    for page in (first, second):
        page.reload()
        page.click("text=Start round 2")
        assert answer_items(page) == 6
        expect(page.locator("h1")).to_have_text("Your results")
    expect(kpi("finished2")).to_have_text("2", timeout=LIVE_WAIT_MS)

    asked = []
    trainer.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    trainer.click("button[data-action=close]")
    expect(trainer.locator(".badge.state-closed")).to_be_visible()
    assert asked and asked[0].startswith("Close the workshop?")
    trainer.click(".workshop-nav >> text=Report")
    report = trainer.locator(".report-body")
    expect(report).to_contain_text("Control")
    expect(report).to_contain_text("Perspective taking")
    expect(report).to_contain_text("Games–Howell pairwise comparisons")
    expect(report).to_contain_text("Before and after personal feedback")
    assert "Ana" not in report.inner_text() and "Ben" not in report.inner_text()

    with trainer.expect_download() as download:
        trainer.click(".report-actions >> text=Download the data (CSV)")
    rows = Path(download.value.path()).read_text().splitlines()
    assert len(rows) == 1 + 2 * 12 and rows[0].startswith("participant_id,workshop,condition,round")
    assert blocked == [], "nothing on the trainer pages breaks the Content Security Policy"


def _shoot(page: Page, name: str, viewport: dict, *, full_page: bool = True) -> None:
    """Load the page afresh at this size, as that device would, and save a screenshot."""
    page.set_viewport_size(viewport)
    page.reload()
    page.wait_for_load_state("networkidle")
    save_screenshot(page, name, full_page=full_page)


def test_screenshots_of_a_busy_workshop(live_server, browser, app, exercises):
    """A room of 48 people in two conditions after both rounds, a few of them stuck."""
    with app.app_context():
        owner = make_account(TRAINER)
        workshop = make_workshop(
            owner, conditions=("control", "perspective"), round2_enabled=True, ask_empathy=True, title="Brand team offsite"
        )
        workshop.round2_open = True
        simulate_room(workshop, 44, rounds=(1, 2), empathy=True)
        simulate_room(workshop, 4, n_items=3, idle_minutes=4, seed=7)
        workshop_id = workshop.id
        db.session.remove()

    page = browser.new_context(viewport=DESKTOP, device_scale_factor=1).new_page()
    sign_in(page, live_server)
    base = f"{live_server}/trainer/workshops/{workshop_id}"

    page.goto(f"{live_server}/trainer/workshops/new")
    _shoot(page, "workshop-new-desktop", DESKTOP)
    page.goto(base)
    _shoot(page, "workshop-desktop", DESKTOP)
    _shoot(page, "workshop-phone", PHONE)
    page.goto(base + "/dashboard")
    expect(page.locator("[data-next-step]")).to_be_visible()
    expect(page.locator("canvas[data-chart=egocentric]")).to_be_visible()
    _shoot(page, "dashboard-desktop", DESKTOP)
    _shoot(page, "dashboard-phone", PHONE)

    page.goto(base + "/projector")
    _shoot(page, "projector-join-1080p", PROJECTOR, full_page=False)
    for slide in ("items", "pull", "conditions", "rounds"):
        page.keyboard.press("ArrowRight")  # the presenter's clicker
        expect(page.locator(".slide")).to_have_attribute("data-slide", slide)
        assert "secret-name" not in page.locator("main").inner_text(), "the projector shows no pseudonyms"
        _shoot(page, f"projector-{slide}-1080p", PROJECTOR, full_page=False)
    _shoot(page, "projector-desktop", DESKTOP, full_page=False)
    _shoot(page, "projector-phone", PHONE)
    page.set_viewport_size(PROJECTOR)
    for _ in range(3):
        page.keyboard.press("ArrowLeft")
    expect(page.locator(".slide")).to_have_attribute("data-slide", "items")

    page.goto(base + "/report")
    _shoot(page, "report-desktop", DESKTOP)
    _shoot(page, "report-phone", PHONE)
    page.emulate_media(media="print")
    _shoot(page, "report-print", {"width": 794, "height": 1123})
    assert page.locator("h1 .badge").all_inner_texts() == ["Open · round 2"], "one state badge, also in print"
    if os.environ.get("CALIBRATE_SCREENSHOTS") == "1":
        page.pdf(path=str(SCREENSHOTS / "report-print.pdf"), format="A4", print_background=True)

    with app.app_context():
        assert db.session.get(Workshop, workshop_id).revealed
