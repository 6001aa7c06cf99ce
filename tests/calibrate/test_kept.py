"""The per-process memory of repeated work: bounded, oldest out first."""

from __future__ import annotations

from calibrate.infra.kept import Kept, fixed_url


def test_a_full_memory_forgets_its_oldest_value_first():
    kept = Kept(2)
    kept.keep("a", 1)
    kept.keep("b", 2)
    kept.keep("a", 10)  # already there: nothing needs to make room
    assert (kept.get("a"), kept.get("b")) == (10, 2)
    kept.keep("c", 3)
    assert (kept.get("a"), kept.get("b"), kept.get("c")) == (None, 2, 3)
    kept.clear()
    assert kept.get("c") is None


def test_fixed_urls_follow_the_script_root(app):
    with app.test_request_context("/"):
        assert fixed_url("static", filename="css/app.css") == "/static/css/app.css"
    with app.test_request_context("/", base_url="http://localhost/calibrate/"):
        assert fixed_url("static", filename="css/app.css") == "/calibrate/static/css/app.css"
        assert fixed_url("switch_language", code="de") == "/calibrate/language/de"
