"""An analyst in Chromium: compares two workshops, downloads a figure as PNG and SVG, creates an API token.

`make screenshots` also refreshes docs/screenshots/analyst-*.png from this run (desktop and a 390 px phone).
"""

from __future__ import annotations

from playwright.sync_api import expect

from tests.analyst_data import ANALYST, build_world
from tests.browser.screens import save_screenshot
from tests.browser.test_workshop_browser import sign_in

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


def test_analyst_compares_workshops_and_downloads_figures(app, exercises, live_server, browser):
    with app.app_context():
        world = build_world(people=12)
        codes = (world.mine.code, world.theirs.code)
    errors: list[str] = []
    context = browser.new_context(viewport=DESKTOP, accept_downloads=True)
    page = context.new_page()
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" and "Failed to load" not in message.text else None)
    page.on("response", lambda response: errors.append(f"{response.status} {response.url}")
            if response.status >= 400 and not response.url.endswith("/favicon.ico") else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(page, live_server, ANALYST, "**/analysis/")
    expect(page.locator(f"tr[data-workshop='{codes[0]}']")).to_be_visible()
    save_screenshot(page, "analyst-overview")

    for code in codes:
        page.check(f"input[name=workshop][value='{code}']")
    page.click("button[formaction$='/analysis/statistics']")
    page.wait_for_url("**/analysis/statistics?**")
    assert all(f"workshop={code}" in page.url for code in codes)  # the address holds the selection
    expect(page.get_by_role("heading", name="Workshops compared")).to_be_visible()
    expect(page.locator("figure[data-figure=workshops] canvas")).to_be_visible()
    save_screenshot(page, "analyst-statistics")

    figure = page.locator("figure[data-figure=distribution]")
    with page.expect_download() as png:
        figure.locator("button[data-download=png]").click()
    assert png.value.suggested_filename == "calibrate-distribution.png"
    with page.expect_download() as svg:
        figure.locator("button[data-download=svg]").click()
    text = open(svg.value.path(), encoding="utf-8").read()
    assert text.lstrip().startswith("<svg") and "<path" in text and "Egocentric weight" in text
    assert errors == [], "\n".join(errors)

    phone = browser.new_context(viewport=PHONE).new_page()
    sign_in(phone, live_server, ANALYST, "**/analysis/")
    phone.goto(page.url)
    expect(phone.get_by_role("heading", name="Statistics")).to_be_visible()
    save_screenshot(phone, "analyst-statistics-phone")

    page.goto(live_server + "/account")
    page.fill("input[name=name]", "thesis notebook")
    page.click("form[action$='/account/tokens'] button[type=submit]")
    expect(page.locator("[data-secret]")).to_contain_text("cal_")
    save_screenshot(page, "analyst-token")

    page.goto(live_server + "/api/docs")
    expect(page.locator(".swagger-ui .opblock").first).to_be_visible(timeout=15000)
    save_screenshot(page, "analyst-api-docs", full_page=False)
    page.goto(live_server + f"/analysis/delete?workshop={codes[0]}")
    expect(page.locator("[data-found]")).to_contain_text("This deletes 12 participants")
    save_screenshot(page, "analyst-delete")
    assert errors == [], "\n".join(errors)
    context.close()
