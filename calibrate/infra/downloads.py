"""File downloads offered by the participant and trainer pages."""

from flask import Response


def attachment(body: str, mimetype: str, filename: str) -> Response:
    """A response the browser saves as `filename` instead of showing it."""
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{filename}"'})
