"""The projector as slides: the join slide, then one chart per slide, moved by the presenter.

The slide shown is stored on the workshop (``revealed`` and ``projector_slide``),
so the arrow keys or a clicker on the projector and the buttons on the dashboard
move the same screen, and a reloaded projector comes back where it was.  Which
result slides exist depends on the data: conditions are compared only when
there are two or more with a result, rounds only when there is a round 2.
"""

from __future__ import annotations

from calibrate.models import Workshop
from calibrate.trainer.results import WorkshopResults

JOIN = "join"
WAITING = "waiting"  # revealed, but too few answers for any chart yet
MOVES = ("next", "previous", JOIN)


def result_slides(results: WorkshopResults) -> list[str]:
    """The result slides this room's data can fill, in the order a session tells its story."""
    r1 = results.overall_for(1)
    if not r1 or r1["mean"] is None:
        return []
    slides = ["items", "pull"]
    if len(results.charts.get("conditions", [])) > 1:
        slides.append("conditions")
    if results.charts.get("rounds"):
        slides.append("rounds")
    return slides


def current_slide(workshop: Workshop, results: WorkshopResults) -> str:
    if not workshop.revealed:
        return JOIN
    slides = result_slides(results)
    if not slides:
        return WAITING
    return slides[min(max(workshop.projector_slide, 0), len(slides) - 1)]


def slide_position(workshop: Workshop, results: WorkshopResults) -> tuple[int, int]:
    """(number of the slide shown, number of slides), counting the join slide as 1."""
    slides = result_slides(results)
    shown = current_slide(workshop, results)
    return (slides.index(shown) + 2 if shown in slides else 1), len(slides) + 1


def move(workshop: Workshop, results: WorkshopResults, to: str) -> None:
    """Go to the next or previous slide, or back to the join slide; the caller commits.

    Going forward from the join slide reveals the results; going back from the
    first result slide hides them again.  Past the last slide nothing changes.
    """
    if to not in MOVES:
        raise ValueError(f"unknown slide move {to!r}; use one of {', '.join(MOVES)}")
    count = len(result_slides(results))
    index = min(max(workshop.projector_slide, 0), max(count - 1, 0))
    if to == JOIN or (to == "previous" and (not workshop.revealed or index == 0)):
        workshop.revealed, workshop.projector_slide = False, 0
    elif to == "previous":
        workshop.projector_slide = index - 1
    elif not workshop.revealed:
        workshop.revealed, workshop.projector_slide = True, 0
    else:
        workshop.projector_slide = min(index + 1, max(count - 1, 0))
