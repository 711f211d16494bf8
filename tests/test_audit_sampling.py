"""Pure sampling: stratified by team and cohort, reproducible from a seed, auditors never doubled up."""

import random
from collections import Counter

import pytest

from lib.audits.sampling import Candidate, Manager, allocate, assign_auditors, draw


def register(sizes: dict[tuple, int]) -> list[Candidate]:
    """A register with the given number of households per (team, cohort)."""
    found, number = [], 0
    for (team, cohort), n in sizes.items():
        for _ in range(n):
            number += 1
            found.append(Candidate(number, f"R{number:04d}", team, cohort))
    return found


SIZES = {(1, "mainstream"): 60, (1, "kinship"): 10, (2, "mainstream"): 40, (2, "kinship"): 30, (3, "kinship"): 4}


def test_the_same_seed_gives_the_same_sample_whatever_order_the_register_comes_in():
    households = register(SIZES)
    shuffled = households[:]
    random.Random(1).shuffle(shuffled)
    assert draw(households, 12, 2026) == draw(shuffled, 12, 2026)
    assert draw(households, 12, 2026) != draw(households, 12, 2027)


def test_a_change_in_one_team_does_not_reshuffle_another_teams_cases():
    before = draw(register(SIZES), 12, 5)
    grown = register(SIZES) + [Candidate(999, "R9999", 3, "kinship")]
    after = draw(grown, 12, 5)
    assert [c for c in before if c.team_id == 1] == [c for c in after if c.team_id == 1]


def test_every_team_and_cohort_gets_a_case_and_the_rest_follow_the_registers_proportions():
    sample = draw(register(SIZES), 14, 3)
    counts = Counter(c.stratum for c in sample)
    assert set(counts) == set(SIZES) and len(sample) == 14
    # One each (5), then 9 more by largest shortfall against the shares 14 x size / 144.
    assert counts == {(1, "mainstream"): 5, (1, "kinship"): 1, (2, "mainstream"): 4, (2, "kinship"): 3,
                      (3, "kinship"): 1}


def test_a_sample_smaller_than_the_number_of_strata_goes_to_the_largest():
    assert allocate({"a": 5, "b": 50, "c": 20}, 2) == {"a": 0, "b": 1, "c": 1}


def test_a_sample_larger_than_the_register_takes_every_eligible_household():
    households = register({(1, "mainstream"): 3, (2, "kinship"): 2})
    assert sorted(c.household_id for c in draw(households, 50, 1)) == [1, 2, 3, 4, 5]
    assert draw([], 10, 1) == []


@pytest.mark.parametrize("seed", range(30))
def test_allocation_adds_up_and_never_gives_a_stratum_more_than_it_holds(seed):
    rng = random.Random(seed)
    sizes = {k: rng.randint(0, 12) for k in range(rng.randint(1, 8))}
    size = rng.randint(0, 60)
    given = allocate(sizes, size)
    assert sum(given.values()) == min(size, sum(sizes.values()))
    assert all(0 <= given[k] <= sizes[k] for k in sizes)
    if size >= sum(1 for n in sizes.values() if n):
        assert all(given[k] >= 1 for k, n in sizes.items() if n)


@pytest.mark.parametrize("bad", [-1, 1.5, True, "3"])
def test_a_bad_size_or_seed_is_refused(bad):
    with pytest.raises(ValueError):
        allocate({"a": 3}, bad)
    with pytest.raises(ValueError):
        draw(register({(1, "mainstream"): 3}), 2, bad)


MANAGERS = [Manager(10, 1), Manager(11, 1), Manager(20, 2), Manager(30, 3)]


def test_the_lead_is_a_manager_of_the_households_team_and_the_peer_a_manager_of_another_team():
    cases = register({(1, "mainstream"): 4, (2, "mainstream"): 2, (3, "kinship"): 2})
    pairs = assign_auditors(cases, MANAGERS)
    teams = {m.user_id: m.team_id for m in MANAGERS}
    for case, (lead, peer) in zip(cases, pairs):
        assert teams[lead] == case.team_id and teams[peer] != case.team_id and lead != peer
    # Team 1's two managers share its leads; peers are spread so nobody carries far more than the rest.
    assert Counter(lead for lead, _ in pairs[:4]) == {10: 2, 11: 2}
    load = Counter(x for pair in pairs for x in pair)
    assert max(load.values()) - min(load.values()) <= 1


def test_with_one_team_the_peer_is_its_other_manager_and_never_the_lead():
    pairs = assign_auditors(register({(1, "mainstream"): 5}), [Manager(10, 1), Manager(11, 1)])
    assert all(lead != peer and {lead, peer} == {10, 11} for lead, peer in pairs)


def test_a_team_without_a_manager_or_a_service_with_one_manager_leaves_a_gap_for_qa():
    assert assign_auditors(register({(4, "kinship"): 1}), MANAGERS) == [(None, 10)]
    assert assign_auditors(register({(1, "kinship"): 1}), [Manager(10, 1)]) == [(10, None)]
    assert assign_auditors(register({(None, "kinship"): 1}), MANAGERS)[0][0] is None
