"""Checks every room-ready page must pass in a real browser: axe-core, no sideways scrolling, no cut-off text."""

from __future__ import annotations

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

BLOCKING_IMPACTS = ("serious", "critical")
_AXE = Axe()

# Elements whose text a style cuts off: an ellipsis or hidden overflow with more text than room.
_TRUNCATED = """() => Array.from(document.querySelectorAll('body *'))
  .filter((e) => e.offsetParent !== null && e.children.length === 0 && e.textContent.trim())
  .filter((e) => { const s = getComputedStyle(e);
    return (s.textOverflow === 'ellipsis' || s.overflowX === 'hidden' || s.overflow === 'hidden')
      && e.clientWidth > 1 && e.scrollWidth > e.clientWidth + 1; })
  .map((e) => e.tagName + '.' + e.className + ': ' + e.textContent.trim().slice(0, 60))"""


def blocking_violations(page: Page) -> list[str]:
    """axe-core's serious and critical findings on the page as it is now, one line each."""
    response = _AXE.run(page).response
    return [
        f"{v['id']} ({v['impact']}): {v['help']} – {', '.join(str(node['target']) for node in v['nodes'][:3])}"
        for v in response["violations"]
        if v["impact"] in BLOCKING_IMPACTS
    ]


def horizontal_overflow(page: Page) -> int:
    """Pixels the page is wider than the viewport (0 when nothing scrolls sideways)."""
    return page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")


def truncated_texts(page: Page) -> list[str]:
    return page.evaluate(_TRUNCATED)


def check_page(page: Page, name: str) -> list[str]:
    """Every problem of the page as shown now, each naming the page."""
    problems = [f"{name}: {violation}" for violation in blocking_violations(page)]
    if (extra := horizontal_overflow(page)) > 0:
        problems.append(f"{name}: {extra} px wider than the screen")
    problems += [f"{name}: cut off: {text}" for text in truncated_texts(page)]
    return problems
