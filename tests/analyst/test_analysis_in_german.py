"""The analysis pages in German: overview, statistics workspace and deletion with its counts in words."""

from __future__ import annotations

from tests.trainer.german import DE, german_leftovers


def test_overview_and_statistics_are_german(analyst_client, trainer_client, world):
    for client in (analyst_client, trainer_client):
        for url in ("/analysis/", "/analysis/statistics", f"/analysis/statistics?workshop={world.mine.code}&submitted=1"):
            response = client.get(url, headers=DE)
            assert response.status_code == 200, url
            assert '<html lang="de">' in response.text and german_leftovers(response.text) == [], url
    page = analyst_client.get("/analysis/statistics", headers=DE).text
    assert "Workshops im Vergleich" in page and "Egozentrisches Gewicht nach Workshop" in page


def test_deletion_counts_people_and_answers_in_german_plurals(trainer_client, world):
    page = trainer_client.get(f"/analysis/delete?workshop={world.mine.code}", headers=DE).text
    assert "Damit werden 8 Teilnehmende und " in page and " Antworten gelöscht." in page
    assert german_leftovers(page) == []
    english = trainer_client.get(f"/analysis/delete?workshop={world.mine.code}", headers={"Accept-Language": "en"}).text
    assert "This deletes 8 participants and " in english
    one = trainer_client.get(f"/analysis/delete?participant={world.self_serve_id}", headers=DE).text
    assert "Nichts zu löschen" in one
