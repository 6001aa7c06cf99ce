"""A trainer turns their own survey file into an exercise in Debian Chromium and runs it in a workshop.

A bad file shows every problem; the good file's truths and standard errors equal an
independent statsmodels/pandas computation; each item previews as a 390-pixel phone
shows it; the saved exercise runs in a workshop that a participant finishes on a phone.
`make screenshots` also refreshes the authoring screenshots of docs/exercises.md.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.authoring.survey_fixture import META, SPECS, expected, item_texts, survey_frame
from tests.browser.screens import save_screenshot
from tests.browser.test_workshop_browser import DESKTOP, PHONE, join, sign_in
from tests.trainer.rooms import make_account

TRAINER = "author-browser@example.org"
BAD_FILE = b"brand,brand,\n"


def upload(page: Page, name: str, body: bytes, mime: str = "text/csv") -> None:
    page.set_input_files("input[name=survey]", files=[{"name": name, "mimeType": mime, "buffer": body}])
    page.click("form.card button[type=submit]")
    page.wait_for_load_state()


def fill_draft(page: Page) -> None:
    """Everything a trainer types: design columns, eight items and the description."""
    page.select_option("select[name=weight]", "weight")
    page.select_option("select[name=cluster]", "shopper")
    for index, spec in enumerate(SPECS):
        for key, value in {**item_texts(spec), **spec}.items():
            name = f"items-{index}-{key}"
            if page.locator(f"select[name='{name}']").count():
                page.select_option(f"select[name='{name}']", value)
            else:
                page.fill(f"[name='{name}']", value)
    for key, value in META.items():
        if key == "decision_kind":
            page.select_option("select[name=decision_kind]", value)
        else:
            page.fill(f"[name={key}]", value)


def answer_on_each_scale(page: Page) -> int:
    """Answer every item inside its own prediction range (percent, rating 1-7, EUR 0-100) until the feedback."""
    answered = 0
    while "/item/" in page.url and answered < 20:
        low = float(page.get_attribute("#prediction", "data-min"))
        high = float(page.get_attribute("#prediction", "data-max"))
        own = 10 + 40 * (answered % 3)
        prediction = low + (high - low) * (0.2 + own / 200)
        page.fill("#own", str(own))
        page.fill("#prediction", f"{prediction:.1f}")
        page.click(".nav-buttons button[type=submit]")
        page.wait_for_load_state()
        answered += 1
    return answered


def test_trainer_turns_a_survey_file_into_an_exercise_and_runs_it(live_server, browser, app, exercises):
    make_account(TRAINER)
    context = browser.new_context(viewport=DESKTOP)
    trainer = context.new_page()
    blocked: list[str] = []
    context.on("console", lambda message: blocked.append(message.text) if "Content Security Policy" in message.text else None)
    sign_in(trainer, live_server, TRAINER)
    trainer.click("header.site >> text=Exercises")
    trainer.click("text=New from your survey data")

    upload(trainer, "bad.csv", BAD_FILE)
    problems = trainer.locator(".problems li")
    expect(problems).to_have_count(3)
    expect(trainer.locator(".problems")).to_contain_text("has a header but no rows")
    expect(trainer.locator(".problems")).to_contain_text("column 3: has no name")
    expect(trainer.locator(".problems")).to_contain_text("has repeated column names")
    save_screenshot(trainer, "authoring-upload-errors")

    upload(trainer, "shoppers.csv", survey_frame().to_csv(index=False).encode())
    trainer.wait_for_url("**/trainer/exercises/drafts/*")
    fill_draft(trainer)
    trainer.click("button[name=compute]")
    expect(trainer.locator("text=ready to save")).to_be_visible()

    frame = survey_frame()
    for number, spec in enumerate(SPECS, start=1):
        shown = trainer.locator(f".computed[data-item='{number}']")
        truth, se = expected(frame, spec)
        assert float(shown.get_attribute("data-truth")) == pytest.approx(truth, abs=0.005), spec["item_id"]
        assert float(shown.get_attribute("data-se")) == pytest.approx(se, abs=0.005), spec["item_id"]
    expect(trainer.locator(".computed[data-item='8']")).to_contain_text("EUR")

    trainer.click("text=Preview item 8")
    preview = trainer.frame_locator("iframe[name=phone-preview]")
    expect(preview.locator("label[for=prediction]")).to_contain_text("median amount paid in EUR, EUR 0.00–EUR 100.00")
    trainer.locator("#item-8").scroll_into_view_if_needed()
    save_screenshot(trainer, "authoring-draft", full_page=False)

    phone = browser.new_context(viewport=PHONE).new_page()
    phone.context.add_cookies(context.cookies())
    phone.goto(live_server + trainer.locator(".preview-link").nth(6).get_attribute("href"))
    expect(phone.locator("label[for=prediction]")).to_contain_text("mean rating on a scale from 1 to 7")
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    save_screenshot(phone, "authoring-preview-phone")

    trainer.click("button[name=save]")
    trainer.wait_for_url("**/trainer/exercises/")
    expect(trainer.locator(".flash.success")).to_contain_text("saved with 8 items")
    expect(trainer.locator("tr", has_text=META["title"])).to_contain_text("you")
    save_screenshot(trainer, "authoring-exercises")

    trainer.click("header.site >> text=Workshops")
    trainer.click("text=New workshop")
    trainer.fill("input[name=title]", "Own survey, first run")
    trainer.select_option("select[name=exercise_id]", label=f"{META['title']} (8 items)")
    trainer.click("form.card button[type=submit]")
    trainer.click("button[data-action=open]")
    code = trainer.locator(".join-code").inner_text().split()[-1]  # after the screen reader's "Join code"

    participant = join(browser, live_server, code, "Cleo")
    expect(participant.locator("label[for=prediction]")).to_contain_text("percent of trips, 0%–100%")
    assert answer_on_each_scale(participant) == 8
    expect(participant).to_have_url(f"{live_server}/p/{participant.url.split('/p/')[1].split('/')[0]}/feedback")
    expect(participant.locator("main")).to_contain_text("EUR")
    assert blocked == []
