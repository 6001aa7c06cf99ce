"""Saving the screenshots committed in docs/screenshots/.

Browser tests always run their pages; they write the PNGs only when
CALIBRATE_SCREENSHOTS=1 (`make screenshots`), so an ordinary test run leaves the
working tree untouched.
"""

from __future__ import annotations

import os
from pathlib import Path

from playwright.sync_api import Page

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def save_screenshot(page: Page, name: str, *, full_page: bool = True) -> None:
    if os.environ.get("CALIBRATE_SCREENSHOTS") == "1":
        path = SCREENSHOTS / f"{name}.png"  # a name may have a folder: "de/landing-phone"
        path.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(path), full_page=full_page)
