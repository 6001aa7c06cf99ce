"""HTTP-aware lookups for the trainer views: a workshop or a 404, its public join link and QR code.

The join link is built on the public base URL (calibrate/infra/public_url.py),
never on whatever host the trainer typed: 127.0.0.1 on the wall reaches no phone.

Services stay free of requests; everything that needs the current user, a URL
or an HTTP error lives here, so every view loads a workshop the same way.
"""

from __future__ import annotations

import io

import segno
from flask import abort, current_app, request, url_for
from flask_login import current_user

from calibrate.infra.public_url import PublicBase, public_base
from calibrate.models import Workshop
from calibrate.trainer import services


def workshop_or_404(workshop_id: int) -> Workshop:
    """The signed-in trainer's workshop with this id; 404 for anyone else's, so ids reveal nothing."""
    workshop = services.owned_workshop(current_user, workshop_id)
    if workshop is None:
        abort(404)
    return workshop


def join_base() -> PublicBase:
    """Where phones reach this site; the trainer pages warn when it is not from CALIBRATE_PUBLIC_URL."""
    return public_base(current_app.config.get("PUBLIC_URL"), request.host_url)


def join_url(workshop: Workshop) -> str:
    return join_base().url + url_for("participant.join", code=workshop.code)


def qr_svg(workshop: Workshop) -> bytes:
    """The join link as a scalable SVG QR code; medium error correction survives a blurry projector."""
    buffer = io.BytesIO()
    segno.make(join_url(workshop), error="m").save(
        buffer, kind="svg", border=2, dark="#000000", light="#ffffff", omitsize=True, title=f"Join code {workshop.code}"
    )
    return buffer.getvalue()
