"""The trainer's and analyst's pages in a German browser: axe-core, nothing cut off or wider than the screen.

German words are long, so every staff page is checked with a ``de-DE`` browser
at laptop and projector size, the projector's slides at 1920×1080 as the room
sees them; `make screenshots` also saves them under docs/screenshots/de/.
"""

from __future__ import annotations

from playwright.sync_api import expect

from tests.analyst_data import ANALYST, build_world
from tests.browser.pages import check_page
from tests.browser.screens import save_screenshot
from tests.browser.test_accessibility import VIEWPORTS, busy_workshop
from tests.browser.test_workshop_browser import sign_in
from tests.trainer.rooms import make_account

GERMAN = {"locale": "de-DE", "extra_http_headers": {"Accept-Language": "de-DE,de;q=0.9"}}


def test_trainer_pages_in_german(live_server, browser, app, exercises):
    workshop_id = busy_workshop(app)
    base = f"{live_server}/trainer/workshops/{workshop_id}"
    problems: list[str] = []
    for device in ("phone", "laptop", "projector"):
        page = browser.new_context(viewport=VIEWPORTS[device], device_scale_factor=1, **GERMAN).new_page()
        sign_in(page, live_server)
        expect(page.locator("html")).to_have_attribute("lang", "de")
        for name, path in (("workshops", "/trainer/"), ("new", "/trainer/workshops/new"), ("account", "/account"),
                           ("exercises", "/trainer/exercises"),
                           ("workshop", base), ("dashboard", base + "/dashboard"), ("report", base + "/report")):
            page.goto(live_server + path if path.startswith("/") else path)
            page.wait_for_load_state("networkidle")
            problems += check_page(page, f"{device} {name}")
            if name == "dashboard" and device != "phone":
                problems += [f"{device} dashboard: a table must be scrolled sideways to be read" for _ in range(
                    page.evaluate("[...document.querySelectorAll('.dashboard-grid .table-wrap')]"
                                  ".filter(wrap => wrap.scrollWidth > wrap.clientWidth + 1).length"))]
            if device == "laptop" and name in ("dashboard", "report"):
                save_screenshot(page, f"de/{name}")
        page.goto(base + "/projector")
        page.keyboard.press("Home")  # back to the join slide, wherever the last run left the projector
        for slide in ("join", "items", "pull", "conditions", "rounds"):
            expect(page.locator(".slide")).to_have_attribute("data-slide", slide)
            page.wait_for_timeout(300)  # the chart is drawn right after htmx swaps the slide in
            problems += check_page(page, f"{device} projector {slide}")
            if device == "projector":
                assert page.evaluate("document.documentElement.scrollHeight") <= 1080, f"{slide} fits the screen"
            if device == "projector" and slide in ("join", "pull"):
                save_screenshot(page, f"de/projector-{slide}-1080p", full_page=False)
            page.keyboard.press("ArrowRight")
        page.context.close()
    assert not problems, "\n".join(problems)


def test_analysis_pages_in_german(live_server, browser, app, exercises):
    with app.app_context():
        build_world()
        make_account("german-admin@example.org", role="admin")
    page = browser.new_context(viewport=VIEWPORTS["laptop"], device_scale_factor=1, **GERMAN).new_page()
    sign_in(page, live_server, ANALYST, "**/analysis/")
    problems = check_page(page, "analysis overview")
    page.goto(live_server + "/analysis/statistics")
    page.wait_for_function("Object.keys(Chart.instances).length >= 2")
    expect(page.locator("h1")).to_have_text("Statistik")
    assert page.evaluate("Chart.getChart(document.querySelector('canvas')).options.scales.y.title.text") == "Personen"
    problems += check_page(page, "analysis statistics")
    save_screenshot(page, "de/analyst-statistics")
    for name, path in (("delete", "/analysis/delete"), ("account", "/account")):
        page.goto(live_server + path)
        problems += check_page(page, f"analysis {name}")
    page.context.close()
    admin = browser.new_context(viewport=VIEWPORTS["laptop"], **GERMAN).new_page()
    sign_in(admin, live_server, "german-admin@example.org")
    admin.goto(live_server + "/admin/users")
    problems += check_page(admin, "admin users")
    assert not problems, "\n".join(problems)
