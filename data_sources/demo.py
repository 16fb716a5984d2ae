"""The deterministic synthetic demo dataset (``numpy.random.default_rng(42)``).

Everything made here is flagged as demo in the database and labelled on screen. Organisation names carry
"(demo)" so an exported row cannot be mistaken for a real partner's report. Facts are generated per
*programme* (organisation × indicator × activity × area with a start and an end month), so every row has a
unique report key and the volume scales to millions of rows in bounded memory (see :func:`fact_chunks`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from dashboard.vocab import ALL

SEED = 42
FIRST_MONTH = date(2022, 3, 1)

_ORG_TYPES = (["un"] * 6 + ["ingo"] * 15 + ["nngo"] * 22 + ["government"] * 5 + ["academic"] * 5
              + ["cbo"] * 7)
_WORDS_A = ("Harbour", "Bridge", "Open Door", "Sunflower", "Linden", "Amber", "Compass", "Lantern",
            "Meadow", "Riverbank", "Northstar", "Kalyna", "Willow", "Beacon", "Haven", "Mosaic")
_WORDS_B = ("Psychosocial Foundation", "Support Network", "Relief", "Counselling Centre", "Aid",
            "Wellbeing Association", "Helpline", "Community Initiative")

# Areas where programmes work, with a weight for how much activity each sees.
_AREAS: dict[str, tuple[tuple[str, float], ...]] = {
    "POL": (("PL14", 10), ("PL12", 6), ("PL02", 6), ("PL24", 5), ("PL30", 4), ("PL22", 4), ("PL10", 3),
            ("PL06", 4), ("PL18", 4), ("PL32", 2), ("PL04", 2), ("PL28", 1.5), ("PL20", 1.5), ("PL16", 1),
            ("PL26", 1), ("PL08", 1)),
    "UKR": (("UA46", 6), ("UA32", 5), ("UA80", 6), ("UA63", 5), ("UA12", 5), ("UA51", 4), ("UA53", 3),
            ("UA21", 3), ("UA73", 2), ("UA05", 2), ("UA26", 2), ("UA23", 3), ("UA48", 2), ("UA74", 2),
            ("UA59", 2)),
    "LTU": (("LT10", 5), ("LT02", 3), ("LT03", 2), ("LT06", 1), ("LT05", 1)),
}

# indicator -> (activities, base monthly size, disaggregation dims)
_PLANS: dict[str, tuple[tuple[str, ...], float, tuple[str, ...]]] = {
    "PPL_REACHED": (("1.3", "1.4", "1.5", "2.1", "2.2", "2.3", "2.4"), 260.0,
                    ("sex", "age_band", "population_group")),
    "CHILDREN_REACHED": (("1.4", "1.5", "2.1"), 140.0, ("sex", "age_band", "population_group")),
    "CAREGIVERS_PSS": (("1.3", "2.1"), 60.0, ("sex", "population_group")),
    "TRAININGS_HELD": (("3.2",), 2.5, ()),
    "SPECIALISTS_TRAINED": (("3.2",), 28.0, ("sex",)),
    "HELPLINE_CONTACTS": (("2.1",), 420.0, ("sex", "population_group")),
    "COMMUNITIES_RC": (("1.4",), 4.0, ()),
    "REFERRALS": (("2.1", "2.4"), 24.0, ("sex", "population_group")),
}
_PLAN_WEIGHTS = {"PPL_REACHED": 6, "CHILDREN_REACHED": 3, "CAREGIVERS_PSS": 2, "TRAININGS_HELD": 2,
                 "SPECIALISTS_TRAINED": 2, "HELPLINE_CONTACTS": 1, "COMMUNITIES_RC": 1, "REFERRALS": 2}
_CELLS = {
    "sex": (("female", 0.62), ("male", 0.36), ("other", 0.02)),
    "age_band": (("0-4", 0.07), ("5-11", 0.16), ("12-17", 0.14), ("18-59", 0.5), ("60+", 0.13)),
    "child_age_band": (("0-4", 0.2), ("5-11", 0.45), ("12-17", 0.35)),
    "population_group": (("refugee", 0.7), ("host", 0.3)),
    "ua_population_group": (("idp", 0.55), ("host", 0.35), ("returnee", 0.1)),
}
FACT_COLUMNS = ("organisation", "indicator", "activity", "location", "period_start", "period_end",
                "period_month", "sex", "age_band", "population_group", "disability", "value")


@dataclass(frozen=True)
class DemoOrganisation:
    name: str
    acronym: str
    org_type: str
    country: str


@dataclass(frozen=True)
class Programme:
    organisation: str
    indicator: str
    activity: str
    location: str
    start: int  # month index from FIRST_MONTH
    end: int  # inclusive
    size: float
    cells: tuple[tuple[tuple[str, str, str], float], ...]  # ((sex, age, group), share)


def month_starts(today: date) -> list[date]:
    """First days of every month from March 2022 to the month of ``today``, inclusive."""
    months = pd.date_range(FIRST_MONTH, date(today.year, today.month, 1), freq="MS")
    return [stamp.date() for stamp in months]


def organisations() -> list[DemoOrganisation]:
    """About sixty synthetic organisations of every type, based in Poland, Ukraine or Lithuania."""
    rng = np.random.default_rng(SEED)
    names: list[DemoOrganisation] = []
    seen: set[str] = set()
    countries = rng.choice(["POL", "UKR", "LTU"], size=len(_ORG_TYPES), p=[0.55, 0.33, 0.12])
    for i, org_type in enumerate(_ORG_TYPES):
        while True:
            name = f"{rng.choice(_WORDS_A)} {rng.choice(_WORDS_B)}"
            if name not in seen:
                break
        seen.add(name)
        acronym = "".join(word[0] for word in name.replace("-", " ").split()).upper()
        names.append(DemoOrganisation(f"{name} (demo)", f"{acronym}{i:02d}", org_type, str(countries[i])))
    return names


def _cells(indicator: str, dims: tuple[str, ...], country: str) -> tuple[tuple[tuple[str, str, str], float], ...]:
    def options(dim: str) -> tuple[tuple[str, float], ...]:
        if dim not in dims:
            return ((ALL, 1.0),)
        if dim == "age_band" and indicator == "CHILDREN_REACHED":
            return _CELLS["child_age_band"]
        if dim == "population_group" and country == "UKR":
            return _CELLS["ua_population_group"]
        return _CELLS[dim]

    return tuple(
        ((sex, age, group), ws * wa * wg)
        for sex, ws in options("sex")
        for age, wa in options("age_band")
        for group, wg in options("population_group")
    )


def programmes(n_months: int, rows: int) -> list[Programme]:
    """Programmes whose fact rows add up to at least ``rows`` (or the default mix when rows is small)."""
    rng = np.random.default_rng(SEED + 1)
    orgs = organisations()
    plan_names = list(_PLAN_WEIGHTS)
    plan_p = np.array([_PLAN_WEIGHTS[name] for name in plan_names], dtype=float)
    plan_p /= plan_p.sum()
    result: list[Programme] = []
    keys: set[tuple[str, str, str, str]] = set()
    total = 0
    attempts = 0
    while (total < rows * 1.1 or len(result) < len(orgs)) and attempts < rows * 20 + 1000:
        attempts += 1
        org = orgs[len(result) % len(orgs)] if len(result) < len(orgs) else orgs[int(rng.integers(len(orgs)))]
        indicator = str(rng.choice(plan_names, p=plan_p))
        activities, size, dims = _PLANS[indicator]
        country = org.country if rng.random() < 0.85 else str(rng.choice(["POL", "UKR", "LTU"]))
        if indicator == "COMMUNITIES_RC":
            country = "UKR"
        areas = _AREAS[country]
        weights = np.array([w for _, w in areas], dtype=float)
        location = areas[int(rng.choice(len(areas), p=weights / weights.sum()))][0]
        activity = str(rng.choice(activities))
        key = (org.name, indicator, activity, location)
        if key in keys:
            continue
        keys.add(key)
        start = int(min(n_months - 1, rng.geometric(0.08) - 1))
        end = n_months - 1
        draw = rng.random()
        if draw < 0.12:  # programme ended
            end = int(rng.integers(start, n_months))
        elif draw < 0.22:  # late with its last report
            end = max(start, n_months - 3)
        if start == n_months - 1 and end == start and n_months > 1:
            start = end - 1
        cells = _cells(indicator, dims, country)
        scale = float(rng.lognormal(0.0, 0.6)) * (1.6 if org.org_type in ("un", "ingo") else 1.0)
        result.append(Programme(org.name, indicator, activity, location, start, end, size * scale, cells))
        total += (end - start + 1) * len(cells)
    return result


def _trend(month_index: np.ndarray, month_of_year: np.ndarray) -> np.ndarray:
    """Surge after February 2022, a dip in 2023, steady growth since; quieter in August and December."""
    surge = 1.0 + 1.2 * np.exp(-((month_index - 4.0) ** 2) / 18.0)
    growth = 0.7 + 0.012 * month_index
    season = np.where(np.isin(month_of_year, (8, 12)), 0.8, 1.0)
    return np.asarray(surge * growth * season)


def fact_chunks(today: date, rows: int, chunk_rows: int = 500_000) -> Iterator[pd.DataFrame]:
    """Yield demo fact frames (columns :data:`FACT_COLUMNS`, codes not ids) totalling about ``rows``.

    The last complete month is reported by most programmes; the current month only by a few early
    reporters, as in real reporting.
    """
    months = month_starts(today)
    n_months = len(months)
    starts = np.array([m.isoformat() for m in months])
    ends = np.array([(pd.Timestamp(m) + pd.offsets.MonthEnd(0)).date().isoformat() for m in months])
    labels = np.array([m.strftime("%Y-%m") for m in months])
    moy = np.array([m.month for m in months])
    rng = np.random.default_rng(SEED + 2)
    buffer: list[pd.DataFrame] = []
    buffered = 0
    produced = 0
    for prog in programmes(n_months, rows):
        if produced >= rows:
            break
        last = prog.end
        if last == n_months - 1 and rng.random() > 0.15:
            last -= 1  # current month not reported yet
        if last < prog.start:
            continue
        idx = np.arange(prog.start, last + 1)
        cell_keys = np.array([key for key, _ in prog.cells], dtype=object)
        shares = np.array([share for _, share in prog.cells])
        n_cells = len(shares)
        month_idx = np.repeat(idx, n_cells)
        cell_idx = np.tile(np.arange(n_cells), len(idx))
        if prog.indicator == "COMMUNITIES_RC":  # a stock that grows over time
            expected = prog.size * (1 + (month_idx - prog.start) / 12.0)
            values = np.round(expected + rng.normal(0, 0.3, len(month_idx)))
        else:
            expected = prog.size * _trend(month_idx.astype(float), moy[month_idx]) * shares[cell_idx]
            values = rng.poisson(np.maximum(expected, 0.05))
        values = np.maximum(values, 0)
        keys = cell_keys[cell_idx]
        take = min(len(values), rows - produced)
        frame = pd.DataFrame(
            {
                "organisation": prog.organisation,
                "indicator": prog.indicator,
                "activity": prog.activity,
                "location": prog.location,
                "period_start": starts[month_idx[:take]],
                "period_end": ends[month_idx[:take]],
                "period_month": labels[month_idx[:take]],
                "sex": [k[0] for k in keys[:take]],
                "age_band": [k[1] for k in keys[:take]],
                "population_group": [k[2] for k in keys[:take]],
                "disability": ALL,
                "value": values[:take].astype(float),
            }
        )
        produced += take
        buffer.append(frame)
        buffered += take
        if buffered >= chunk_rows:
            yield pd.concat(buffer, ignore_index=True)
            buffer, buffered = [], 0
    if buffer:
        yield pd.concat(buffer, ignore_index=True)


def targets_from_totals(totals: pd.DataFrame, today: date) -> pd.DataFrame:
    """Yearly targets per indicator, overall and per area, set near each year's generated achievement.

    ``totals`` has columns indicator, location, year, value (the plain sum). The factor varies so that
    some targets are met and others are not.
    """
    rng = np.random.default_rng(SEED + 3)
    frame = totals.copy()
    frame = frame[frame["year"] <= today.year]
    factor = rng.uniform(0.85, 1.35, len(frame))
    frame["value"] = np.round(frame["value"] * factor / 10.0) * 10.0
    frame["value"] = frame["value"].clip(lower=10.0)
    frame["period_start"] = [date(int(y), 1, 1).isoformat() for y in frame["year"]]
    frame["period_end"] = [date(int(y), 12, 31).isoformat() for y in frame["year"]]
    return frame.drop(columns=["year"])


def events(today: date) -> pd.DataFrame:
    """Demo tWG meetings every second month and a few trainings, up to two months ahead of ``today``."""
    rows = []
    for stamp in pd.date_range("2022-04-01", pd.Timestamp(today) + pd.DateOffset(months=2), freq="2MS"):
        meeting = stamp + pd.offsets.WeekOfMonth(week=1, weekday=3)  # second Thursday
        status = "held" if meeting.date() <= today else "planned"
        rows.append((meeting.date(), "tWG coordination meeting", "Warsaw (online)", "twg_meeting", status))
    for stamp in pd.date_range("2022-06-01", today, freq="6MS"):
        day = (stamp + pd.Timedelta(days=14)).date()
        rows.append((day, "Training of trainers in psychological first aid", "Kraków", "training", "held"))
    frame = pd.DataFrame(rows, columns=["event_date", "title", "place", "kind", "status"])
    frame["title"] = frame["title"] + " (demo)"
    return frame


def denominators(pcodes: list[str], today: date) -> pd.DataFrame:
    """Demo resident and refugee populations per area (flagged demo until a real source is loaded)."""
    rng = np.random.default_rng(SEED + 4)
    rows = []
    ref = date(today.year - 1, 12, 31)
    for pcode in pcodes:
        residents = float(np.round(rng.uniform(0.4, 4.5) * 1_000_000, -3))
        share = 0.02 if pcode.startswith("UA") else 0.04
        group = "idp" if pcode.startswith("UA") else "refugee"
        refugees = float(np.round(residents * share * rng.uniform(0.4, 2.0), -2))
        rows.append((pcode, "residents", ALL, ref, residents))
        rows.append((pcode, "refugees_present", group, ref, refugees))
    return pd.DataFrame(rows, columns=["location", "measure", "population_group", "ref_date", "value"])
