"""What the dashboard, projector and report show, checked against the analysis engine itself."""

from __future__ import annotations

import html
import json
import re

import pytest
from sqlalchemy import select, update

from analysis import GROUP_TESTS, METRICS, group_tests, item_stats, person_metrics, pooled_model, research_test
from analysis.power import comparison_power, percent
from calibrate.domain.long_format import long_frame
from calibrate.infra.extensions import db
from calibrate.models import Response, utcnow
from calibrate.trainer.results import comparison_reading
from tests.trainer.rooms import simulate_room


def chart_data(page: str) -> dict:
    return json.loads(html.unescape(re.search(r'class="workshop-charts">(.*?)</script>', page, re.S).group(1)))


def _row_cells(page: str, marker: str) -> list[str]:
    """The text of each cell of the table row carrying ``marker`` (tags stripped, spaces collapsed)."""
    row = re.search(rf"<tr[^>]*{re.escape(marker)}[^>]*>(.*?)</tr>", page, re.S).group(1)
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
    return [" ".join(html.unescape(re.sub(r"<[^>]+>", " ", cell)).split()) for cell in cells]


def test_empty_workshop_renders_everywhere(trainer_client, workshop):
    base = f"/trainer/workshops/{workshop.id}"
    assert "Results appear as soon as people have answered at least four items." in trainer_client.get(f"{base}/dashboard").text
    assert "nothing to analyse" in trainer_client.get(f"{base}/report").text
    assert "0</strong> joined" in trainer_client.get(f"{base}/projector").text
    trainer_client.post(f"{base}/reveal")
    assert "Results appear when at least two people have answered four items." in trainer_client.get(f"{base}/projector/live").text


def test_dashboard_shows_the_engines_group_results(trainer_client, new_workshop):
    workshop = new_workshop(conditions=("control", "perspective"))
    simulate_room(workshop, 30)
    metrics = person_metrics(long_frame(workshop_ids=[workshop.id]))
    overall = group_tests(metrics)["egocentrism"].iloc[0]
    by_condition = group_tests(metrics, by=["condition"])["egocentrism"].set_index("condition")

    page = trainer_client.get(f"/trainer/workshops/{workshop.id}/dashboard/live").text
    assert f"{overall['mean']:.2f}" in page
    assert f"two-sided 95% CI {overall['ci_low']:.2f} to {overall['ci_high']:.2f}, n = 30" in page
    for condition in ("control", "perspective"):
        row = by_condition.loc[condition]
        # The one-sided p is printed with the one-sided lower bound that matches it, never with the two-sided CI.
        cells = _row_cells(page[page.index("conditions-table") :], f'data-condition="{condition}"')
        assert cells[2] == f"{row['mean']:.2f} (≥ {row['ci_one_sided_low']:.2f})"
        assert (row["ci_one_sided_low"] > 0) == (row["p"] < 0.05)
    assert "Welch ANOVA across conditions" in page

    charts = chart_data(page)
    assert sum(charts["egocentric"]["series"][0]["counts"]) == metrics["b_own"].notna().sum()
    assert sum(charts["mae"]["series"][0]["counts"]) == 30
    assert [group["label"] for group in charts["conditions"]] == ["Control", "Perspective taking"]


def test_idle_list_names_stragglers_and_where_they_are(trainer_client, workshop):
    simulate_room(workshop, 2)  # finished long ago: not idle, just done
    simulate_room(workshop, 3, n_items=2, idle_minutes=5, seed=2)
    simulate_room(workshop, 2, n_items=2, idle_minutes=0, seed=3)
    page = trainer_client.get(f"/trainer/workshops/{workshop.id}/dashboard/live").text
    idle = page[page.index("Stragglers: idle for a minute or more") : page.index("Results so far")]
    assert [f"secret-name-{i}" in idle for i in range(7)] == [False, False, True, True, True, False, False]
    assert idle.count("Item 3 of 12") == 3 and idle.count("5 min") == 3
    assert '<div class="value">5</div>' in page  # answering: 3 idle + 2 active


def test_a_recent_answer_counts_as_seen_although_the_participant_row_is_old(trainer_client, workshop):
    """Answering writes only the answer (its time is 'last seen'): such a person is not listed as idle."""
    ids = simulate_room(workshop, 2, n_items=2, idle_minutes=5, seed=4)
    db.session.execute(update(Response).where(Response.participant_id == ids[0]).values(answered_at=utcnow()))
    db.session.commit()
    page = trainer_client.get(f"/trainer/workshops/{workshop.id}/dashboard/live").text
    idle = page[page.index("Stragglers: idle for a minute or more") : page.index("Results so far")]
    assert "secret-name-0" not in idle and "secret-name-1" in idle


def test_projector_shows_only_code_and_count_until_revealed(trainer_client, workshop):
    simulate_room(workshop, 6)
    live = f"/trainer/workshops/{workshop.id}/projector/live"
    before = trainer_client.get(live).text
    assert workshop.code in before and "<strong>6</strong> joined" in before
    assert "workshop-charts" not in before and "Egocentric weight" not in before

    trainer_client.post(f"/trainer/workshops/{workshop.id}/reveal")
    after = trainer_client.get(live).text
    assert 'data-slide="items"' in after and 'data-chart="items"' in after
    assert "secret-name" not in after, "no pseudonyms on the projector"
    assert len(chart_data(after)["items"]["labels"]) == 12


def test_report_has_every_section_from_the_engine(trainer_client, new_workshop):
    workshop = new_workshop(conditions=("control", "perspective"), round2_enabled=True, ask_empathy=True)
    trainer_client.post(f"/trainer/workshops/{workshop.id}/open-round2")
    simulate_room(workshop, 24, rounds=(1, 2), empathy=True)
    trainer_client.post(f"/trainer/workshops/{workshop.id}/close")
    page = html.unescape(trainer_client.get(f"/trainer/workshops/{workshop.id}/report").text)

    long = long_frame(workshop_ids=[workshop.id])
    tests = group_tests(person_metrics(long))
    pairs = tests["pairs"].set_index("round")
    rounds = tests["rounds"].set_index("metric")
    assert "Interim report" not in page
    for heading in ("1. Participation", "2. Did own taste pull", "3. Conditions", "Welch ANOVA", "Games–Howell",
                    "4. Empathy and the egocentric weight", "5. Before and after personal feedback", "6. Items"):
        assert heading in page
    for test in ("egocentrism", "conditions", "pairs", "empathy", "rounds"):
        assert GROUP_TESTS[test].title in page
    for metric in ("b_own", "mae"):  # the round comparison names each measure as everywhere else
        assert re.search(rf"<tr><td>{re.escape(METRICS[metric].label)}</td><td class=\"num\">24</td>", page)
    assert "Perspective taking" in page and "Control" in page
    assert f"{pairs.loc[1, 'hedges_g']:.2f}" in page
    assert f"{rounds.loc['b_own', 'mean_diff']:.2f}" in page and f"{rounds.loc['mae', 'mean_round2']:.2f}" in page
    assert "Empathy score (per scale point)" in page and "Condition: Perspective taking" in page

    items = item_stats(long).set_index("item_id")
    assert f"{items.loc['gss_natmass', 'false_consensus_r']:.2f}" in page
    assert "mass transportation" in page.lower()
    exercise = workshop.exercise
    assert exercise.citation.split(".")[0] in page and exercise.license in page
    assert f'href="/trainer/workshops/{workshop.id}/responses.csv"' in page
    assert "@media print" in trainer_client.get("/static/css/trainer.css").text


def test_report_of_an_open_workshop_says_it_is_interim(trainer_client, workshop):
    simulate_room(workshop, 5)
    assert "Interim report: the workshop is open." in trainer_client.get(f"/trainer/workshops/{workshop.id}/report").text


def test_report_words_each_comparison_by_its_power(trainer_client, new_workshop):
    workshop = new_workshop(conditions=("control", "perspective"))
    simulate_room(workshop, 12)
    page = trainer_client.get(f"/trainer/workshops/{workshop.id}/report").text
    pair = group_tests(person_metrics(long_frame(workshop_ids=[workshop.id])))["pairs"].iloc[0]
    spread = pair["se"] / (1 / pair["n_A"] + 1 / pair["n_B"]) ** 0.5
    power = comparison_power(int(pair["n_A"]), int(pair["n_B"]), len(workshop.exercise.items), sd=spread)
    reading = _row_cells(page, f'data-pair="{pair["A"]}-{pair["B"]}"')[-1]
    if pair["p"] < 0.05:
        assert reading.startswith("differ")
    elif power.adequate:
        assert reading.startswith("no difference of 0.10 or more detected")
    else:
        needed = f"; about {power.people_needed} per condition needed" if power.people_needed else ""
        assert reading == f"inconclusive with this many people ({percent(power.power)} power to detect 0.10{needed})"
    assert "no effect" not in html.unescape(page).replace("not evidence of no effect", "")


def test_report_says_how_much_market_research_was_used(trainer_client, new_workshop):
    workshop = new_workshop(conditions=("control", "market_research"))
    simulate_room(workshop, 16)
    page = trainer_client.get(f"/trainer/workshops/{workshop.id}/report").text
    metrics = person_metrics(long_frame(workshop_ids=[workshop.id]))
    research, with_without = research_test(metrics)
    assert research.iloc[0]["n"] == metrics.query("condition == 'market_research'")["b_research"].notna().sum() > 0
    section = page[page.index('data-section="research"') :]
    cells = _row_cells(section, 'data-round="1"')
    assert cells[1] == str(research.iloc[0]["n"])
    assert cells[2] == f"{research.iloc[0]['mean']:.2f} (≥ {research.iloc[0]['ci_one_sided_low']:.2f})"
    assert f"{with_without.iloc[0]['mean_diff']:.2f}" in section


def test_report_compares_conditions_with_the_mixed_model_too(trainer_client, new_workshop):
    workshop = new_workshop(conditions=("control", "perspective"))
    simulate_room(workshop, 16)
    page = trainer_client.get(f"/trainer/workshops/{workshop.id}/report").text
    model = pooled_model(long_frame(workshop_ids=[workshop.id]))
    row = model["conditions"].set_index("condition").loc["perspective"]
    cells = _row_cells(page, 'data-model-condition="perspective"')
    assert cells[1] == str(row["n_persons"])
    assert cells[2] == f"{row['b_own']:.2f} [{row['ci_low']:.2f}, {row['ci_high']:.2f}]"
    assert cells[3] == f"{row['diff']:.2f} [{row['diff_ci_low']:.2f}, {row['diff_ci_high']:.2f}]"
    warnings = [w for w in model["diagnostics"]["warning"] if w]
    assert page.count("data-model-warning") == len(warnings)


@pytest.mark.parametrize(
    ("p", "se", "expected"),
    [
        (0.01, 0.03, "differ: higher egocentric weight in Perspective taking"),
        (0.40, 0.02, "no difference of 0.10 or more detected"),
        (0.40, 0.20, "inconclusive with this many people"),
    ],
)
def test_every_reading_of_a_comparison(p, se, expected):
    """Each branch of the wording, including a significant pair (labels read from the labelled row)."""
    pair = {"A": "perspective", "B": "control", "label_A": "Perspective taking", "label_B": "Control",
            "n_A": 30, "n_B": 30, "diff": 0.12, "se": se, "p": p}
    assert comparison_reading(pair, items=12, groups=2)["verdict"].startswith(expected)


def test_the_report_fits_the_mixed_model_once_per_set_of_answers(trainer_client, workshop, monkeypatch):
    """Reopening a report reuses the fit; any changed answer fits again (the cache keys on the answers)."""
    from calibrate.trainer import results

    fits = []
    monkeypatch.setattr(results, "pooled_model", lambda long: fits.append(len(long)) or pooled_model(long))
    results.pooled_fit.cache_clear()
    simulate_room(workshop, 8, seed=11)
    report = f"/trainer/workshops/{workshop.id}/report"
    first = trainer_client.get(report).text
    assert trainer_client.get(report).text == first
    assert len(fits) == 1
    db.session.execute(update(Response).where(Response.id == db.session.scalar(select(Response.id).limit(1))).values(prediction=1.0))
    db.session.commit()
    trainer_client.get(report)
    assert len(fits) == 2


def test_live_pages_compute_what_they_draw_and_the_report_everything(app_ctx, new_workshop):
    """The 2 s polls skip the report's tests (Games-Howell pairs integrate numerically); the numbers they share agree."""
    from calibrate.trainer.results import LIVE, PROGRESS, REPORT, workshop_results

    workshop = new_workshop(conditions=("control", "perspective"), ask_empathy=True)
    simulate_room(workshop, 12, empathy=True)
    live, report, progress = (workshop_results(workshop, detail=d) for d in (LIVE, REPORT, PROGRESS))
    assert live.overall and live.by_condition and live.anova and live.items and live.charts["egocentric"]
    assert not (live.pairs or live.empathy or live.rounds or live.pooled)
    assert report.pairs and report.empathy and report.pooled
    for name in ("overall", "by_condition", "anova", "items", "charts", "totals", "participation"):
        assert getattr(live, name) == getattr(report, name), name
    assert progress.totals == live.totals and progress.participation == live.participation and not progress.overall
