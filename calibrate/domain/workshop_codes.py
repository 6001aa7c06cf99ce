"""Workshop join codes: short, easy to read aloud, with no look-alike characters."""

from __future__ import annotations

import secrets

# No 0/O, 1/I/L, 2/Z, 5/S, 8/B: a room can read the code off a projector without doubt.
CODE_ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"
CODE_LENGTH = 6


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(text: str) -> str:
    """Accept what people type: lower case, spaces and dashes."""
    return "".join(ch for ch in text.upper() if ch.isalnum())[:CODE_LENGTH * 2]
