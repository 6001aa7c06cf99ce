"""A new person completes a built-in exercise in Debian Chromium, on a desktop and on a phone.

`make screenshots` also refreshes the participant screenshots from this run.
"""

from __future__ import annotations

import pytest

from tests.browser.screens import save_screenshot
VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}


def _answer_item(page, number: int) -> None:
    """Own answer first (typed, or tapped on its slider), then a prediction pulled towards it, then an 80% range."""
    own = (20 + 23 * number) % 101
    if number % 2:
        slider = page.locator("#own-slider")
        box = slider.bounding_box()
        slider.click(position={"x": box["width"] * own / 100, "y": box["height"] / 2})
        own = float(page.input_value("#own"))
    else:
        page.fill("#own", str(own))
    prediction = round(20 + 0.4 * own + number % 5)
    page.fill("#prediction", str(prediction))
    page.fill("#lower", str(max(0, prediction - 12)))
    page.fill("#upper", str(min(100, prediction + 12)))


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_new_user_completes_an_exercise_and_sees_their_bias(live_server, browser, exercises, device):
    context = browser.new_context(viewport=VIEWPORTS[device], device_scale_factor=1)
    page = context.new_page()
    page.goto(live_server + "/")
    save_screenshot(page, f"landing-{device}")

    page.click("a[href='/e/public-spending']")
    page.check("input[name=consent]")
    page.fill("input[name=pseudonym]", f"tester-{device}")
    page.click("button[type=submit]")

    page.wait_for_url("**/item/0")
    # No anchor: nothing is filled in and no slider shows a thumb until the person chooses a value.
    for field in ("#own", "#prediction"):
        assert page.input_value(field) == ""
        assert "untouched" in page.get_attribute(f"{field}-slider", "class")
    page.fill("#own", "64")
    assert "untouched" not in page.get_attribute("#own-slider", "class")
    assert page.input_value("#own-slider") == "64"
    # An invalid prediction gets an inline message and keeps the own answer.
    page.fill("#prediction", "150")
    page.click("button[type=submit]")
    assert "enter a value between 0 and 100" in page.inner_text(".field-error")
    assert page.input_value("#own") == "64"

    number = 0
    while "/item/" in page.url:
        _answer_item(page, number)
        if number == 3:
            save_screenshot(page, f"item-{device}")
        if number == 5:
            # Reload mid-way: the flow resumes at the next unanswered item.
            page.click("button[type=submit]")
            page.wait_for_url("**/item/6")
            page.reload()
            assert page.url.endswith("/item/6")
            assert page.locator("progress").get_attribute("value") == "6"
            number += 1
            continue
        with page.expect_navigation():
            page.click("button[type=submit]")
        number += 1

    assert page.url.endswith("/feedback")
    assert page.locator("[data-metric=b_own] .value").inner_text() not in {"", "–"}
    assert page.locator("[data-summary]").inner_text().startswith("For every 10 points more you liked something")
    page.wait_for_function("document.querySelectorAll('canvas').length === 3 && Object.keys(Chart.instances).length === 3")
    save_screenshot(page, f"feedback-{device}")
    context.close()
