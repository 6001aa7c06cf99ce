"""Locust scenario for `load_participants.py`: a room of participants taking a workshop.

Not meant to be run by hand (the orchestrator prepares the database, starts gunicorn
and passes the settings below through the environment), but it can be:

    LOAD_CODE=ABC123 LOAD_RESULTS=/tmp/load.json .venv/bin/locust -f benchmarks/load_locustfile.py \
        --headless --users 500 --spawn-rate 50 --host http://127.0.0.1:8000

Each simulated participant keeps its own cookie jar (the session cookie carries the
CSRF secret) and walks the flow like a browser that does not follow redirects by
itself, so every request is timed on its own:

    GET /j/<code> -> think, POST /j/<code> (consent) -> GET /p/<token> -> GET .../instructions
    -> think, POST .../instructions -> 20 x (GET item page, think, POST answer) -> GET .../feedback

A request that fails is sent again the way the app's own pages do it (answers are
idempotent: one row per participant, item and round): after a 503 with Retry-After, the
same form once that time has passed (0.9-1.2 x, as static/js/retry.js); after a lost
connection or another 5xx, after a short pause. A participant gives up on a request
only after GIVE_UP_AFTER seconds. Every failed attempt is recorded, so a killed worker
or a database restart shows up as counted, retried failures. Every item POST
answered with a redirect is recorded with the values sent, so the orchestrator can
check that each acknowledged answer is in the database exactly once.

Environment: LOAD_CODE (workshop code), LOAD_RESULTS (JSON output path),
LOAD_PARTICIPANTS (how many finish before Locust quits), LOAD_THINK_MIN/MAX (seconds
between items), LOAD_TRAINER_EMAIL/PASSWORD and LOAD_WORKSHOP_ID (poll the trainer's
live dashboard every LOAD_DASHBOARD_EVERY seconds; skipped when unset or missing).
"""

from __future__ import annotations

import json
import os
import random
import re
import time

import gevent
from locust import FastHttpUser, constant, events, task
from locust.contrib.fasthttp import FastHttpSession

CODE = os.environ.get("LOAD_CODE", "")
RESULTS_PATH = os.environ.get("LOAD_RESULTS", "load_results.json")
PARTICIPANTS = int(os.environ.get("LOAD_PARTICIPANTS", "500"))
THINK_MIN = float(os.environ.get("LOAD_THINK_MIN", "1.0"))
THINK_MAX = float(os.environ.get("LOAD_THINK_MAX", "3.0"))
TRAINER_EMAIL = os.environ.get("LOAD_TRAINER_EMAIL", "")
TRAINER_PASSWORD = os.environ.get("LOAD_TRAINER_PASSWORD", "")
WORKSHOP_ID = os.environ.get("LOAD_WORKSHOP_ID", "")
DASHBOARD_EVERY = float(os.environ.get("LOAD_DASHBOARD_EVERY", "2.0"))
GIVE_UP_AFTER = 90.0
RETRY_PAUSE = 0.5
MAX_STEPS = 200

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
RADIO_RE = re.compile(r'<input type="radio" name="own" value="([^"]*)"')
OWN_RANGE_RE = re.compile(r"Your answer \(([-\d.]+)–([-\d.]+)\)")
PRED_RANGE_RE = re.compile(r'name="prediction"[^>]*data-min="([-\d.e+]+)" data-max="([-\d.e+]+)"')
ITEM_PATH_RE = re.compile(r"/p/[^/]+/r(\d+)/item/(\d+)$")

DESCRIPTION = (
    "A typical customer is a busy parent in their forties who shops once a week at a large supermarket, "
    "compares prices on the shelf, and mostly buys the brands the family already knows."
)

# Shared by every greenlet of this process; written once when the run ends.
samples: list[tuple[str, float, int, float]] = []  # (request kind, ms, status, wall-clock start)
failures: list[dict] = []  # every failed attempt, retried or not
participants: list[dict] = []
dashboard_state: dict = {"enabled": False, "note": ""}
finished = {"count": 0}


def kind_of(method: str, path: str) -> str:
    """Group a request by what it does, for per-type latency tables."""
    path = path.split("?")[0]
    if path.startswith("/j/"):
        return f"join {method}"
    if ITEM_PATH_RE.search(path):
        return f"item {method}"
    if path.endswith("/instructions"):
        return f"instructions {method}"
    if path.endswith("/feedback"):
        return f"feedback {method}"
    if path.endswith("/dashboard/live"):
        return f"dashboard {method}"
    if path.startswith("/login"):
        return f"login {method}"
    if re.fullmatch(r"/p/[^/]+", path):
        return f"resume {method}"
    return f"other {method}"


def truncated(response) -> str | None:
    """A body cut short (the worker died while sending it): Locust reports it to its stats only, not on the response."""
    expected = (response.headers or {}).get("content-length", "")
    try:
        received = len(response.content or b"")
    except Exception as exc:  # noqa: BLE001 - reading the rest of the body failed
        return f"body not received: {type(exc).__name__}"
    if expected.isdigit() and received != int(expected):
        return f"incomplete body: {received} of {expected} bytes"
    return None


def retry_pause(response, attempt: int, rng: random.Random) -> float:
    """How long the page waits before sending again: its Retry-After (with the page's spread), else a short pause."""
    value = (response.headers or {}).get("Retry-After", "") if response.status_code == 503 else ""
    if value.strip().isdigit():
        return int(value) * rng.uniform(0.9, 1.2)
    return RETRY_PAUSE * min(attempt, 6)


def send(client: FastHttpSession, method: str, path: str, who: str, data: dict | None = None, headers=None):
    """One request, timed, without following redirects; sent again after a lost connection or a 5xx."""
    kind = kind_of(method, path)
    give_up = time.time() + GIVE_UP_AFTER
    rng = random.Random()
    attempt = 0
    while True:
        attempt += 1
        start = time.time()
        t0 = time.perf_counter()
        response = client.request(method, path, name=kind, data=data, headers=headers, allow_redirects=False)
        elapsed = (time.perf_counter() - t0) * 1000.0
        cut_off = truncated(response)
        status = 0 if cut_off else (response.status_code or 0)  # no complete answer: as good as a lost connection
        error = getattr(response, "error", None) or cut_off  # Locust also sets `error` for a 4xx or 5xx status
        samples.append((kind, elapsed, status, start))
        if error is None and 200 <= status < 400:
            return response
        retryable = status == 0 or status >= 500  # a lost connection or a server error; never a 4xx
        pause = retry_pause(response, attempt, rng) if retryable else 0.0
        retried = retryable and time.time() + pause < give_up
        failures.append(
            {
                "who": who,
                "kind": kind,
                "path": path,
                "status": status,
                "error": (error if isinstance(error, str) else repr(error))[:200] if error is not None else "",
                "attempt": attempt,
                "at": start,
                "retried": retried,
            }
        )
        if not retried:
            return response
        gevent.sleep(pause)


def csrf(html: str) -> str:
    match = CSRF_RE.search(html)
    if match is None:
        raise ValueError("no csrf_token on the page")
    return match.group(1)


def local_path(location: str) -> str:
    """Location headers may be absolute; keep the path (traffic stays on the configured host)."""
    return re.sub(r"^https?://[^/]+", "", location)


def item_answer(html: str, rng: random.Random) -> dict:
    """A plausible answer to the item page shown: own choice, prediction and an 80% range."""
    radios = [v for v in RADIO_RE.findall(html) if v != ""]
    if radios:
        own = rng.choice(radios)
    else:
        match = OWN_RANGE_RE.search(html)
        low, high = (float(match.group(1)), float(match.group(2))) if match else (0.0, 100.0)
        own = f"{rng.uniform(low, high):.1f}"
    match = PRED_RANGE_RE.search(html)
    low, high = (float(match.group(1)), float(match.group(2))) if match else (0.0, 100.0)
    prediction = round(rng.uniform(low, high), 1)
    half = rng.uniform(2, 20) * (high - low) / 100.0
    lower, upper = max(low, round(prediction - half, 1)), min(high, round(prediction + half, 1))
    return {"own": own, "prediction": f"{prediction:.1f}", "lower": f"{lower:.1f}", "upper": f"{upper:.1f}"}


class WorkshopParticipant(FastHttpUser):
    """One person in the room: joins with the code and answers every item once."""

    wait_time = constant(0)
    network_timeout = 60.0
    connection_timeout = 60.0

    @task
    def take_part(self) -> None:
        if len(participants) >= PARTICIPANTS:
            self._idle()
        rng = random.Random()
        record = {"token": None, "answers": {}, "finished": False, "error": "", "steps": 0}
        participants.append(record)
        try:
            self._flow(record, rng)
        except Exception as exc:  # noqa: BLE001 - one broken participant must not stop the room
            record["error"] = f"{type(exc).__name__}: {exc}"[:300]
        finally:
            finished["count"] += 1
            if finished["count"] >= PARTICIPANTS:
                gevent.spawn_later(DASHBOARD_EVERY + 0.5, self.environment.runner.quit)
        self._idle()

    def _idle(self) -> None:
        # A stopped user would be replaced by the spawner while it ramps up; an idle one is not.
        while True:
            gevent.sleep(3600)

    def _flow(self, record: dict, rng: random.Random) -> None:
        client = self.client
        who = f"participant {len(participants)}"
        page = send(client, "GET", f"/j/{CODE}", who)
        if page.status_code != 200:
            raise RuntimeError(f"join page {page.status_code}")
        gevent.sleep(rng.uniform(THINK_MIN, THINK_MAX))  # reads the consent text, ticks the box
        response = send(
            client,
            "POST",
            f"/j/{CODE}",
            who,
            data={"csrf_token": csrf(page.text), "consent": "y", "pseudonym": ""},
        )
        if response.status_code != 302:
            raise RuntimeError(f"join POST {response.status_code}")
        location = local_path(response.headers["Location"])
        record["token"] = location.rstrip("/").split("/")[2]
        who = record["token"][:8]
        for _ in range(MAX_STEPS):
            record["steps"] += 1
            page = send(client, "GET", location, who)
            if page.status_code in (301, 302, 303):
                location = local_path(page.headers["Location"])
                continue
            if page.status_code != 200:
                raise RuntimeError(f"GET {kind_of('GET', location)} {page.status_code}")
            if location.endswith("/feedback"):
                record["finished"] = True
                return
            if location.endswith("/instructions"):
                gevent.sleep(rng.uniform(THINK_MIN, THINK_MAX))
                data = {"csrf_token": csrf(page.text), "description": DESCRIPTION}
            elif ITEM_PATH_RE.search(location):
                gevent.sleep(rng.uniform(THINK_MIN, THINK_MAX))
                data = {"csrf_token": csrf(page.text), **item_answer(page.text, rng)}
            else:
                raise RuntimeError(f"unexpected page {location}")
            response = send(client, "POST", location, who, data=data)
            if response.status_code not in (302, 303):
                raise RuntimeError(f"POST {kind_of('POST', location)} {response.status_code}")
            match = ITEM_PATH_RE.search(location)
            if match:
                round_no, position = match.groups()
                answer = {k: data[k] for k in ("own", "prediction", "lower", "upper")}
                record["answers"][f"{round_no}:{position}"] = answer
            location = local_path(response.headers["Location"])
        raise RuntimeError("too many steps")


def poll_dashboard(environment) -> None:
    """The trainer's live dashboard open during the whole session (polled like htmx does)."""
    host = environment.host
    client = FastHttpSession(host, request_event=environment.events.request, user=None,
                             network_timeout=60.0, connection_timeout=60.0)
    page = send(client, "GET", "/login", "trainer")
    if page.status_code != 200:
        dashboard_state["note"] = f"login page {page.status_code}"
        return
    response = send(
        client,
        "POST",
        "/login",
        "trainer",
        data={"csrf_token": csrf(page.text), "email": TRAINER_EMAIL, "password": TRAINER_PASSWORD},
    )
    if response.status_code not in (302, 303):
        dashboard_state["note"] = f"login POST {response.status_code}"
        return
    path = f"/trainer/workshops/{WORKSHOP_ID}/dashboard/live"
    probe = send(client, "GET", path, "trainer", headers={"HX-Request": "true"})
    if probe.status_code != 200:
        dashboard_state["note"] = f"{path} answered {probe.status_code}; dashboard not polled"
        return
    dashboard_state["enabled"] = True
    while True:
        gevent.sleep(DASHBOARD_EVERY)
        send(client, "GET", path, "trainer", headers={"HX-Request": "true"})


@events.test_start.add_listener
def _start(environment, **_kwargs) -> None:
    if TRAINER_EMAIL and WORKSHOP_ID:
        gevent.spawn(poll_dashboard, environment)
    else:
        dashboard_state["note"] = "no trainer given"


@events.quitting.add_listener
def _write_results(environment, **_kwargs) -> None:
    with open(RESULTS_PATH, "w", encoding="utf-8") as handle:
        json.dump(
            {
                "samples": samples,
                "failures": failures,
                "participants": participants,
                "dashboard": dashboard_state,
            },
            handle,
        )
