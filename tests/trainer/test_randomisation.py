"""Balanced block randomisation, observed through real joins by code."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import select

from calibrate.infra.extensions import db
from calibrate.models import Participant


def join_many(client, code: str, n: int) -> list[str]:
    """Conditions of `n` people joining one after another, in order of joining."""
    for i in range(n):
        response = client.post(f"/j/{code}", data={"consent": "y", "pseudonym": f"p{i}"})
        assert response.status_code == 302, response.text
    return list(db.session.scalars(select(Participant.condition).order_by(Participant.allocation_index)))


def test_two_conditions_one_to_one_split_exactly(client, new_workshop):
    workshop = new_workshop(conditions=("control", "perspective"))
    conditions = join_many(client, workshop.code, 20)
    assert Counter(conditions) == {"control": 10, "perspective": 10}
    for block in range(10):
        assert sorted(conditions[2 * block : 2 * block + 2]) == ["control", "perspective"]


def test_three_conditions_two_one_one_exact_in_every_block(client, new_workshop):
    workshop = new_workshop(conditions=("control", "perspective", "perspective_suppress"), allocation=(2, 1, 1))
    conditions = join_many(client, workshop.code, 22)
    for block in range(5):
        assert Counter(conditions[4 * block : 4 * block + 4]) == {"control": 2, "perspective": 1, "perspective_suppress": 1}
    assert Counter(conditions[:20]) == {"control": 10, "perspective": 5, "perspective_suppress": 5}
    assert len(conditions) == 22, "an incomplete last block still admits everyone"


def test_order_within_blocks_is_random_not_fixed(client, new_workshop):
    workshop = new_workshop(conditions=("control", "perspective"))
    conditions = join_many(client, workshop.code, 40)
    first_of_each_block = {conditions[2 * block] for block in range(20)}
    assert first_of_each_block == {"control", "perspective"}


def test_dashboard_counts_the_allocation(trainer_client, client, new_workshop):
    workshop = new_workshop(conditions=("control", "market_research"), allocation=(1, 3))
    join_many(client, workshop.code, 8)
    page = trainer_client.get(f"/trainer/workshops/{workshop.id}/dashboard/live").text
    assert '<tr data-condition="control"><td>Control</td><td class="num">2</td>' in page
    assert '<tr data-condition="market_research"><td>Market research shown</td><td class="num">6</td>' in page
