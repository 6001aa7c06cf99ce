"""The JSON API: tokens, scope, paging, filters, errors, rate limits and pulling a workshop into pandas."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from sqlalchemy import func, select

from analysis import person_metrics
from calibrate.infra.extensions import db
from calibrate.models import ApiToken, Participant
from calibrate.trainer.results import workshop_results
from tests.api.conftest import bearer

DATA_ENDPOINTS = ["/participants", "/responses", "/metrics", "/group-tests", "/item-stats", "/exports/responses"]


@pytest.mark.parametrize("path", ["/exercises", "/workshops", "/codebook", *DATA_ENDPOINTS])
def test_every_endpoint_needs_a_token(client, world, path):
    for headers in ({}, bearer("cal_not-a-token"), {"Authorization": "Basic eDp5"}):
        response = client.get("/api/v1" + path, headers=headers)
        assert response.status_code == 401 and response.is_json
        assert response.json["error"]["message"].startswith("No valid token")
        assert response.headers["WWW-Authenticate"].lower().startswith("bearer")


@pytest.mark.parametrize("path", DATA_ENDPOINTS)
def test_another_owners_workshop_is_not_found(client, tokens, world, path):
    response = client.get(f"/api/v1{path}?workshop={world.theirs.code}", headers=bearer(tokens["trainer"]))
    assert response.status_code == 404 and response.is_json
    assert "that you can see" in response.json["error"]["message"]


def test_trainer_token_sees_only_own_participants(client, tokens, world):
    rows = client.get("/api/v1/participants?limit=1000", headers=bearer(tokens["trainer"])).json["data"]
    assert {row["workshop"] for row in rows} == {world.mine.code}
    workshops = client.get("/api/v1/workshops", headers=bearer(tokens["trainer"])).json["data"]
    assert [w["code"] for w in workshops] == [world.mine.code]


def test_analyst_token_sees_everyone(client, tokens, world):
    rows = client.get("/api/v1/participants?limit=1000", headers=bearer(tokens["analyst"])).json["data"]
    assert len(rows) == db.session.scalar(select(func.count(Participant.id)))


def test_cursor_pages_cover_everyone_once(client, tokens):
    seen, cursor = [], None
    while True:
        url = "/api/v1/responses?limit=3" + (f"&cursor={cursor}" if cursor else "")
        page = client.get(url, headers=bearer(tokens["analyst"])).json
        people = {row["participant_id"] for row in page["data"]}
        assert len(people) <= 3 and not people & set(seen)
        seen += sorted(people, key=int)
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == db.session.scalar(select(func.count(Participant.id)))


def test_filters_by_condition_and_round(client, tokens, world):
    rows = client.get(f"/api/v1/responses?workshop={world.mine.code}&condition=perspective&round=1&limit=1000",
                      headers=bearer(tokens["trainer"])).json["data"]
    assert rows and {(row["condition"], row["round"]) for row in rows} == {("perspective", 1)}


@pytest.mark.parametrize(
    ("query", "field"), [("round=3", "round"), ("condition=nonsense", "condition"), ("limit=0", "limit"), ("cursor=abc", "cursor")]
)
def test_bad_filters_are_422_naming_the_field(client, tokens, query, field):
    response = client.get(f"/api/v1/responses?{query}", headers=bearer(tokens["analyst"]))
    assert response.status_code == 422 and response.is_json
    assert field in response.json["error"]["message"] and field in response.json["error"]["errors"]["query"]


def test_pulling_a_workshop_into_pandas_reproduces_the_report(client, tokens, world):
    """docs/analysts.md: the API's responses, through analysis.person_metrics, give the trainer report's numbers."""
    rows, cursor = [], None
    while True:
        page = client.get(f"/api/v1/responses?workshop={world.mine.code}" + (f"&cursor={cursor}" if cursor else ""),
                          headers=bearer(tokens["trainer"])).json
        rows += page["data"]
        if (cursor := page["next_cursor"]) is None:
            break
    metrics = person_metrics(pd.DataFrame(rows))
    overall = workshop_results(world.mine).overall[0]
    assert metrics["b_own"].mean() == pytest.approx(overall["mean"], rel=1e-9)
    api_metrics = pd.DataFrame(client.get(f"/api/v1/metrics?workshop={world.mine.code}", headers=bearer(tokens["trainer"])).json["data"])
    assert api_metrics["b_own"].mean() == pytest.approx(overall["mean"], rel=1e-9)


def test_export_endpoint_serves_files(client, tokens, world):
    csv = client.get(f"/api/v1/exports/metrics?workshop={world.mine.code}&format=csv", headers=bearer(tokens["trainer"]))
    assert csv.status_code == 200 and csv.mimetype == "text/csv"
    assert len(pd.read_csv(io.BytesIO(csv.data))) == 8
    parquet = client.get(f"/api/v1/exports/responses?workshop={world.mine.code}&format=parquet", headers=bearer(tokens["trainer"]))
    assert set(pd.read_parquet(io.BytesIO(parquet.data))["workshop"]) == {world.mine.code}
    assert client.get("/api/v1/exports/secrets", headers=bearer(tokens["trainer"])).status_code == 404


def test_deleting_needs_a_token_that_may_delete_and_sees_the_person(client, tokens, world):
    theirs = db.session.scalar(select(Participant.id).where(Participant.workshop_id == world.theirs.id))
    mine = db.session.scalar(select(Participant.id).where(Participant.workshop_id == world.mine.id))
    assert client.delete(f"/api/v1/participants/{mine}", headers=bearer(tokens["trainer"])).status_code == 403
    assert client.delete(f"/api/v1/participants/{theirs}", headers=bearer(tokens["trainer_rw"])).status_code == 404
    assert db.session.get(Participant, theirs) is not None
    assert client.delete(f"/api/v1/participants/{mine}", headers=bearer(tokens["trainer_rw"])).status_code == 204
    db.session.expire_all()
    assert db.session.get(Participant, mine) is None


def test_revoked_token_stops_working_and_use_is_noted(client, tokens, world):
    token = db.session.scalar(select(ApiToken).where(ApiToken.name == "notebook"))
    assert token.last_used_at is None
    assert client.get("/api/v1/exercises", headers=bearer(tokens["trainer"])).status_code == 200
    db.session.expire_all()
    assert db.session.get(ApiToken, token.id).last_used_at is not None
    from calibrate.auth.tokens import revoke

    revoke(world.trainer, token.id)
    assert client.get("/api/v1/exercises", headers=bearer(tokens["trainer"])).status_code == 401


def test_tokens_are_stored_hashed(tokens):
    stored = set(db.session.scalars(select(ApiToken.token_hash)))
    assert not stored & set(tokens.values())


def test_rate_limited_per_token(app_factory, tokens):
    limited = app_factory(RATELIMIT_ENABLED=True, API_RATE_LIMIT="2 per minute").test_client()
    codes = [limited.get("/api/v1/exercises", headers=bearer(tokens["analyst"])).status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    response = limited.get("/api/v1/exercises", headers=bearer(tokens["analyst"]))
    assert response.is_json and "Retry-After" in response.headers
    assert limited.get("/api/v1/exercises", headers=bearer(tokens["trainer"])).status_code == 200


def test_openapi_document_and_docs_page(client):
    spec = client.get("/api/openapi.json").json
    assert spec["openapi"] == "3.1.0"
    assert {"/api/v1/responses", "/api/v1/metrics", "/api/v1/group-tests", "/api/v1/exports/{table}"} <= set(spec["paths"])
    assert spec["components"]["securitySchemes"]["token"] == {"type": "http", "scheme": "bearer"}
    page = client.get("/api/docs")
    assert page.status_code == 200 and "vendor/swagger-ui/swagger-ui-bundle.js" in page.text
