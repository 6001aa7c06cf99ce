"""The join link's base: CALIBRATE_PUBLIC_URL, the request's host, or the LAN address instead of a loopback host."""

from __future__ import annotations

import socket

import pytest

from calibrate.infra.public_url import is_loopback, lan_address, public_base


@pytest.mark.parametrize("host", ["127.0.0.1", "127.3.2.1", "localhost", "app.localhost", "::1", "[::1]"])
def test_loopback_hosts_are_recognised(host):
    assert is_loopback(host)


@pytest.mark.parametrize("host", ["192.168.1.20", "calibrate.example.org", "10.0.0.5", ""])
def test_other_hosts_are_not_loopback(host):
    assert not is_loopback(host)


def test_a_configured_url_wins_whatever_the_request_host():
    base = public_base("https://calibrate.example.org/", "http://127.0.0.1:5000/", detect=lambda: "192.168.1.20")
    assert (base.url, base.source, base.reachable_from_phones) == ("https://calibrate.example.org", "configured", True)


def test_a_reachable_request_host_is_kept():
    base = public_base(None, "http://192.168.1.20:5000/", detect=lambda: "10.0.0.9")
    assert (base.url, base.source) == ("http://192.168.1.20:5000", "request")


def test_a_loopback_host_is_replaced_by_the_lan_address_keeping_scheme_and_port():
    base = public_base(None, "http://127.0.0.1:5000/", detect=lambda: "192.168.1.20")
    assert (base.url, base.source, base.reachable_from_phones) == ("http://192.168.1.20:5000", "detected", True)


def test_without_a_network_the_loopback_address_stays_and_is_flagged():
    base = public_base(None, "http://localhost/", detect=lambda: None)
    assert (base.url, base.source, base.reachable_from_phones) == ("http://localhost", "loopback", False)


def test_lan_address_is_this_computers_own_non_loopback_address():
    address = lan_address()
    if address is None:
        pytest.skip("this machine has no network route")
    assert not is_loopback(address)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind((address, 0))  # only an address of this computer can be bound
