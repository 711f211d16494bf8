"""Pure: drawing a quarter's case-file audit sample and choosing its auditors. No I/O, no clock.

The sample is stratified by team and cohort. Every stratum with an eligible household gets one
case when the sample is at least as large as the number of strata; the remaining cases go one at
a time to the stratum furthest below its proportional share (its households / all households x
sample size), so the sample mirrors the register. Within a stratum the cases are a simple random
sample from a generator seeded with the seed and the stratum, over the households in reference
order: the same register and seed always give the same sample, and a change in one team does not
reshuffle another.
"""

from __future__ import annotations

import random
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Candidate:
    """A household that may be sampled: active on the register and not audited recently."""

    household_id: int
    reference: str
    team_id: int | None
    cohort: str

    @property
    def stratum(self) -> tuple[int | None, str]:
        return (self.team_id, self.cohort)


def _order(key: tuple[int | None, str]) -> tuple:
    team, cohort = key
    return (team is None, team or 0, cohort)


def allocate(sizes: Mapping[Hashable, int], size: int) -> dict[Hashable, int]:
    """How many cases each stratum gets: a floor of one each when the sample allows, the rest by largest shortfall.

    sizes maps a stratum to its number of eligible households. Never more than a stratum holds;
    the total is the sample size, or every eligible household if there are fewer. Ties go to the
    larger stratum, then to the earlier one in the mapping's order.
    """
    if isinstance(size, bool) or not isinstance(size, int) or size < 0:
        raise ValueError("The sample size must be a whole number of zero or more.")
    strata = [k for k, n in sizes.items() if n > 0]
    total = sum(sizes[k] for k in strata)
    wanted = min(size, total)
    given = {k: 0 for k in sizes}
    if strata and wanted >= len(strata):
        given.update({k: 1 for k in strata})
    rank = {k: i for i, k in enumerate(strata)}
    while sum(given.values()) < wanted:
        # Shortfall against the proportional share, in whole numbers: share = sizes*wanted/total.
        open_ = [k for k in strata if given[k] < sizes[k]]
        chosen = max(open_, key=lambda k: (sizes[k] * wanted - given[k] * total, sizes[k], -rank[k]))
        given[chosen] += 1
    return given


def draw(candidates: Sequence[Candidate], size: int, seed: int) -> list[Candidate]:
    """The sample: stratified by (team, cohort), random within each stratum from the seed; in stratum order.

    Raises ValueError for a negative or non-whole size or seed.
    """
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError("The seed must be a whole number of zero or more.")
    by_stratum: dict[tuple, list[Candidate]] = {}
    for candidate in sorted(candidates, key=lambda c: (_order(c.stratum), c.reference.lower(), c.household_id)):
        by_stratum.setdefault(candidate.stratum, []).append(candidate)
    counts = allocate({k: len(v) for k, v in by_stratum.items()}, size)
    chosen: list[Candidate] = []
    for key, members in by_stratum.items():
        generator = random.Random(f"{seed}:{key[0]}:{key[1]}")
        picked = generator.sample(members, counts[key])
        chosen.extend(sorted(picked, key=lambda c: c.reference.lower()))
    return chosen


@dataclass(frozen=True)
class Manager:
    user_id: int
    team_id: int | None


def assign_auditors(cases: Sequence[Candidate], managers: Sequence[Manager], *,
                    leads: Mapping[int, int] | None = None,
                    load: Mapping[int, int] | None = None) -> list[tuple[int | None, int | None]]:
    """A (lead, peer) pair for each case, in order.

    The lead is a manager of the household's team (the one with fewest leads so far); the peer is
    another manager, from another team where there is one, with the fewest audits so far. Lead and
    peer are never the same person; either is None where nobody fits (QA assigns one by hand).
    leads and load are the cases each manager already leads and audits, when adding to a programme.
    """
    leads = {m.user_id: (leads or {}).get(m.user_id, 0) for m in managers}
    load = {m.user_id: (load or {}).get(m.user_id, 0) for m in managers}
    pairs = []
    for case in cases:
        team = [m for m in managers if case.team_id is not None and m.team_id == case.team_id]
        lead = min(team, key=lambda m: (leads[m.user_id], load[m.user_id], m.user_id)).user_id if team else None
        others = [m for m in managers if m.user_id != lead]
        elsewhere = [m for m in others if m.team_id != case.team_id] or others
        peer = min(elsewhere, key=lambda m: (load[m.user_id], m.user_id)).user_id if elsewhere else None
        if lead is not None:
            leads[lead] += 1
            load[lead] += 1
        if peer is not None:
            load[peer] += 1
        pairs.append((lead, peer))
    return pairs
