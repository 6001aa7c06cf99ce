"""The address phones in the room use: CALIBRATE_PUBLIC_URL, or this computer's LAN address.

A trainer who opens the site as http://127.0.0.1:5000 would otherwise put an
address on the wall that no phone can reach.  Without a configured public URL
a loopback request host is replaced by the address this computer uses on its
network, and the trainer pages say so; when there is no such address either,
they warn that the link works on this computer only.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

# Any routable address: connecting a UDP socket sends nothing, it only picks the outgoing interface.
_PROBE_ADDRESS = ("10.255.255.255", 1)


@dataclass(frozen=True)
class PublicBase:
    """A base URL without a trailing slash, and how it was found."""

    url: str
    source: str  # "configured", "request", "detected" (LAN address instead of loopback) or "loopback"

    @property
    def reachable_from_phones(self) -> bool:
        return self.source != "loopback"


def is_loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def lan_address() -> str | None:
    """This computer's address on its network (the interface of its default route), or None when offline."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(_PROBE_ADDRESS)
            address = probe.getsockname()[0]
    except OSError:
        return None
    return None if is_loopback(address) or address == "0.0.0.0" else address


def public_base(configured: str | None, request_base: str, detect=None) -> PublicBase:
    """The base for join links and QR codes: the configured URL, else the request's, with a loopback host replaced."""
    if configured:
        return PublicBase(configured.rstrip("/"), "configured")
    parts = urlsplit(request_base.rstrip("/"))
    if not is_loopback(parts.hostname or ""):
        return PublicBase(urlunsplit(parts), "request")
    address = (detect or lan_address)()
    if address is None:
        return PublicBase(urlunsplit(parts), "loopback")
    netloc = address if parts.port is None else f"{address}:{parts.port}"
    return PublicBase(urlunsplit(parts._replace(netloc=netloc)), "detected")
