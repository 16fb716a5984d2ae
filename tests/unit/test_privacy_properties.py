"""Property tests: for random reports and random filters, no public figure is a count from 1 to 4, and no
hidden small count can be worked out from what the public sees on the same page.

The auditor does not use the relations the suppression registered. For indicators that add up (the ``sum``
rule) every figure is a sum over report rows, so it is a sum over *atoms*: every combination of month,
place, sex, age band, population group, organisation type and pyramid layer that the selection's values
allow. A reader who knows how each table is made (which atoms each figure covers) but not the reports can
work a hidden figure out exactly if and only if its atom vector lies in the span of the shown figures'
vectors (categories a table does not list count as shown zeros). That is the check, by matrix rank.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboard import cache, privacy, queries
from dashboard import columns as C
from dashboard.figures import STATUS, compute_indicator_figures, compute_place_roll_up
from dashboard.filters import Filters, Period, resolve_period
from dashboard.privacy import SHOWN, SMALL, Audience
from tests.conftest import FIXTURE_TODAY

THRESHOLD = 5
PUBLIC = Audience("public", THRESHOLD)
PUBLIC_VIEW = PUBLIC
MONTHS = ["2024-01", "2024-02", "2024-03"]
LOCATIONS = pd.DataFrame({
    "pcode": ["PL", "PL01", "PL02", "PL0101", "LT", "LT01"],
    "iso_code": ["PL", "PL-A", "PL-B", None, "LT", "LT-A"],
    "country": ["POL", "POL", "POL", "POL", "LTU", "LTU"],
    "admin_level": [0, 1, 1, 2, 0, 1],
    "name_en": ["Poland", "Alpha", "Beta", "Alpha-West", "Lithuania", "Gamma"],
    "parent_pcode": [None, "PL", "PL", "PL01", None, "LT"],
    "lat": [52.0, 52.1, 51.0, 52.2, 55.0, 55.1], "lon": [19.0, 21.0, 22.0, 20.9, 24.0, 24.1],
})
ORGS = {"Org A": "un", "Org B": "ingo", "Org C": "nngo"}
ACTIVITIES = {"2.1": 3, "1.4": 2, "T": None}
DISAGGREGATIONS = (C.SEX, C.AGE, C.GROUP, C.DISABILITY)

row_strategy = st.fixed_dictionaries({
    "org": st.sampled_from(sorted(ORGS)), "activity": st.sampled_from(sorted(ACTIVITIES)),
    "pcode": st.sampled_from(list(LOCATIONS["pcode"])), "month": st.sampled_from(MONTHS),
    "sex": st.sampled_from(["female", "male", "all"]), "age": st.sampled_from(["0-4", "18-59", "all"]),
    "group": st.sampled_from(["refugee", "host", "all"]),
    "value": st.one_of(st.integers(0, 6), st.integers(0, 40)).map(float),
})
filter_strategy = st.fixed_dictionaries({
    "months": st.tuples(st.integers(0, 2), st.integers(0, 2)).map(lambda p: (min(p), max(p))),
    "countries": st.sets(st.sampled_from(["POL", "LTU"])),
    "sexes": st.sets(st.sampled_from(["female", "male"]), max_size=1),
    "groups": st.sets(st.sampled_from(["refugee", "host"])),
})


def build_facts(rows: list[dict[str, object]]) -> pd.DataFrame:
    locs = LOCATIONS.set_index("pcode")
    frame = pd.DataFrame({
        C.ID: range(1, len(rows) + 1), C.INDICATOR: "IND",
        C.ORGANISATION: [r["org"] for r in rows], C.ORG_TYPE: [ORGS[str(r["org"])] for r in rows],
        C.ACTIVITY: [r["activity"] for r in rows],
        C.LAYER: pd.array([ACTIVITIES[str(r["activity"])] for r in rows], dtype="Int64"),
        C.COUNTRY: [locs.loc[r["pcode"], "country"] for r in rows], C.PCODE: [r["pcode"] for r in rows],
        C.ISO: [locs.loc[r["pcode"], "iso_code"] for r in rows], C.AREA: [locs.loc[r["pcode"], "name_en"] for r in rows],
        C.ADMIN_LEVEL: [int(locs.loc[r["pcode"], "admin_level"]) for r in rows],
        C.MONTH: [r["month"] for r in rows], C.SEX: [r["sex"] for r in rows], C.AGE: [r["age"] for r in rows],
        C.GROUP: [r["group"] for r in rows], C.DISABILITY: "all", C.VALUE: [float(r["value"]) for r in rows],  # type: ignore[arg-type]
        C.IS_DEMO: False, C.SOURCE: None, C.NOTE: None, C.BATCH: 1,
    })
    for col in (C.INDICATOR, C.ORGANISATION, C.ORG_TYPE, C.ACTIVITY, C.COUNTRY, C.PCODE, C.AREA, C.MONTH, C.SEX, C.AGE,
                C.GROUP, C.DISABILITY):
        frame[col] = frame[col].astype("str")
    return frame


def apply_filters(facts: pd.DataFrame, chosen: dict[str, object]) -> tuple[pd.DataFrame, Period]:
    """The same selection the SQL read path makes (a disaggregation filter keeps only rows reported for it)."""
    months: tuple[int, int] = chosen["months"]  # type: ignore[assignment]
    first, last = months
    period = Period(MONTHS[first], MONTHS[last])
    keep = (facts[C.MONTH] >= period.start) & (facts[C.MONTH] <= period.end)
    for col, key in ((C.COUNTRY, "countries"), (C.SEX, "sexes"), (C.GROUP, "groups")):
        if chosen[key]:
            keep &= facts[col].isin(chosen[key])  # type: ignore[arg-type]
    return facts[keep].reset_index(drop=True), period


def figures_for(facts: pd.DataFrame, period: Period, aggregation: str):  # type: ignore[no-untyped-def]
    indicator = pd.Series({"code": "IND", "aggregation": aggregation, "name": "Indicator", "unit": "people"})
    return compute_indicator_figures(facts, indicator, period, LOCATIONS, PUBLIC)


ATTRS = [C.MONTH, C.PCODE, C.SEX, C.AGE, C.GROUP, C.ORG_TYPE, C.LAYER]


def atoms_of(facts: pd.DataFrame) -> pd.DataFrame:
    """Every combination of the attribute values present in the selection, with the attributes derived
    from the place (country, the map areas it rolls up to)."""
    values = [sorted(set(_attr(facts, a))) for a in ATTRS]
    atoms = pd.MultiIndex.from_product(values, names=ATTRS).to_frame(index=False)
    locs = LOCATIONS.set_index("pcode")
    atoms[C.COUNTRY] = atoms[C.PCODE].map(locs["country"])
    for level in (1, 2):
        atoms[f"map{level}"] = compute_place_roll_up(atoms[[C.PCODE]], LOCATIONS, level).to_numpy()
    return atoms


def _attr(frame: pd.DataFrame, attr: str) -> pd.Series:
    return frame[attr].astype("str").fillna("") if attr == C.LAYER else frame[attr].astype("str")


def cell_vectors(figures, atoms: pd.DataFrame) -> dict[str, tuple[np.ndarray, str]]:  # type: ignore[no-untyped-def]
    """Each figure (and each category combination a table leaves out, as a shown zero) as an atom vector."""
    out: dict[str, tuple[np.ndarray, str]] = {}
    for name, frame in figures.tables.items():
        dims = [c for c in frame.columns if c not in (C.VALUE, STATUS)]
        base = np.ones(len(atoms), dtype=bool)
        for dim in dims:
            if dim in DISAGGREGATIONS:
                base &= (atoms[dim] != "all").to_numpy()
            if name == f"month_{C.LAYER}" and dim == C.LAYER:
                base &= (atoms[C.LAYER] != "").to_numpy()
        def column(dim: str, name: str = name) -> pd.Series:
            return atoms[name] if name.startswith("map") else _attr(atoms, dim)

        listed = {tuple(str(v) for v in row) for row in frame[dims].itertuples(index=False)} if dims else {()}
        for i, row in frame.iterrows():
            mask = base.copy()
            for dim in dims:
                mask &= (column(dim) == str(row[dim])).to_numpy()
            out[f"{name}#{i}"] = (mask, str(row[STATUS]))
        if dims:  # categories the table does not list are zeros a reader can count on
            possible = pd.DataFrame({d: column(d).to_numpy() for d in dims})[base].drop_duplicates()
            for j, combo in enumerate(possible.itertuples(index=False)):
                if tuple(str(v) for v in combo) not in listed:
                    mask = base.copy()
                    for dim, value in zip(dims, combo, strict=True):
                        mask &= (column(dim) == str(value)).to_numpy()
                    out[f"{name}#absent{j}"] = (mask, SHOWN)
    return out


def published_numbers(figures) -> list[float]:  # type: ignore[no-untyped-def]
    numbers = [float(v) for t in figures.tables.values() for v in t[C.VALUE] if not pd.isna(v)]
    if figures.cumulative is not None:
        numbers += [float(v) for v in figures.cumulative]
    return numbers


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(row_strategy, min_size=1, max_size=14), chosen=filter_strategy,
       aggregation=st.sampled_from(["sum", "unique_max", "latest", "distinct_organisations"]))
def test_no_public_figure_is_a_small_count(rows: list[dict[str, object]], chosen: dict[str, object],
                                           aggregation: str) -> None:
    facts, period = apply_filters(build_facts(rows), chosen)
    figures = figures_for(facts, period, aggregation)
    for number in published_numbers(figures):
        assert not 0 < number < THRESHOLD, number
    for frame in figures.tables.values():  # a hidden figure carries no number
        assert frame.loc[frame[STATUS] != SHOWN, C.VALUE].isna().all()
    month_hidden = (figures.tables["month"][STATUS] != SHOWN).any()
    assert figures.cumulative is None or not month_hidden


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(row_strategy, min_size=1, max_size=12), chosen=filter_strategy)
def test_no_hidden_small_count_follows_from_the_shown_figures(rows: list[dict[str, object]],
                                                              chosen: dict[str, object]) -> None:
    facts, period = apply_filters(build_facts(rows), chosen)
    if facts.empty:
        return
    figures = figures_for(facts, period, "sum")
    atoms = atoms_of(facts)
    vectors = cell_vectors(figures, atoms)
    # The atom vectors reproduce every shown number (else the audit would be about something else).
    atom_values = _atom_values(facts, atoms)
    for key, (mask, state) in vectors.items():
        if state == SHOWN and "#absent" not in key:
            name, index = key.split("#")
            assert math.isclose(float(atom_values[mask].sum()), float(figures.tables[name][C.VALUE][int(index)]))
    shown = np.array([m for m, s in vectors.values() if s == SHOWN], dtype=float).reshape(-1, len(atoms))
    basis = np.zeros((0, len(atoms)))
    if len(shown):  # an orthonormal basis of the span of the shown figures' vectors
        _, sing, vt = np.linalg.svd(shown, full_matrices=False)
        basis = vt[: int((sing > 1e-9 * max(1.0, float(sing.max()))).sum())]
    for key, (mask, state) in sorted(vectors.items()):
        if state == SMALL:
            vector = mask.astype(float)
            residual = vector - basis.T @ (basis @ vector)
            assert np.abs(residual).max() > 1e-6, f"{key} can be worked out from the shown figures"


def _atom_values(facts: pd.DataFrame, atoms: pd.DataFrame) -> np.ndarray:
    keyed = facts.assign(**{a: _attr(facts, a) for a in ATTRS}).groupby(ATTRS)[C.VALUE].sum()
    index = pd.MultiIndex.from_frame(atoms[ATTRS])
    return keyed.reindex(index, fill_value=0.0).to_numpy()


@settings(max_examples=150, deadline=None)
@given(cells=st.lists(st.integers(0, 30), min_size=2, max_size=6), extra=st.lists(st.integers(0, 30), max_size=6))
def test_a_table_and_its_total_never_give_a_small_cell_away(cells: list[int], extra: list[int]) -> None:
    """One row of parts with its total (and optionally a second table of the same total): the suppressed
    pattern leaves every small cell with at least two possible values, checked by enumerating them."""
    fig = privacy.Figures()
    fig.add("T", sum(cells))
    keys = [fig.add(f"a{i}", v) for i, v in enumerate(cells)]
    fig.relate("T", keys)
    if extra and sum(extra) == sum(cells):
        fig.relate("T", [fig.add(f"b{i}", v) for i, v in enumerate(extra)])
    status = fig.suppress(THRESHOLD)
    for key, state in status.items():
        assert state != SHOWN or not 0 < fig.values[key] < THRESHOLD
    # Every completion a reader could consider: small cells 1..4, other hidden cells 0 or 5..total.
    total_known = status["T"] == SHOWN
    if not total_known:
        return
    for group in (keys, [k for k in fig.values if k.startswith("b")]):
        hidden = [k for k in group if status[k] != SHOWN]
        if not hidden:
            continue
        remainder = fig.values["T"] - sum(fig.values[k] for k in group if status[k] == SHOWN)
        options = {k: (range(1, THRESHOLD) if status[k] == SMALL else [0, *range(THRESHOLD, int(remainder) + 1)])
                   for k in hidden}
        seen: dict[str, set[int]] = {k: set() for k in hidden}
        _enumerate(hidden, options, int(remainder), {}, seen)
        for key in hidden:
            if status[key] == SMALL:
                assert len(seen[key]) >= 2, (key, status, fig.values)


def _enumerate(keys: list[str], options: Mapping[str, Iterable[int]], remaining: int, chosen: dict[str, int],
               seen: dict[str, set[int]]) -> None:
    if not keys:
        if remaining == 0:
            for key, value in chosen.items():
                seen[key].add(value)
        return
    head, rest = keys[0], keys[1:]
    for value in options[head]:
        if value <= remaining:
            _enumerate(rest, options, remaining - value, {**chosen, head: value}, seen)


PRESET_CHOICES = ["last_month", "last_quarter", "ytd", "all", "custom"]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_random_filters_on_the_fixture_database_show_no_small_count(fixture_db_path: Path, data: st.DataObject) -> None:
    """The real read path (cache, public facts, figure sets) over the fixture database: whatever the
    filters, the public figures hold no count from 1 to 4 and name no organisation."""
    url = f"sqlite:///{fixture_db_path}"
    engine = cache.engine(url)
    version = cache.data_version(url)
    allow = cache.allow_lists(url, version, PUBLIC_VIEW)
    months = [f"{y}-{m:02d}" for y in range(2022, 2027) for m in range(1, 13) if f"{y}-{m:02d}" <= "2026-11"]
    first, last = sorted(data.draw(st.lists(st.sampled_from(months), min_size=2, max_size=2)))
    chosen = Filters(
        preset=data.draw(st.sampled_from(PRESET_CHOICES)), month_from=first, month_to=last,
        countries=tuple(sorted(data.draw(st.sets(st.sampled_from(["POL", "UKR", "LTU"]), max_size=2)))),
        adm1=tuple(sorted(data.draw(st.sets(st.sampled_from(sorted(allow.adm1)), max_size=2)))),
        activities=tuple(sorted(data.draw(st.sets(st.sampled_from(sorted(allow.activities)), max_size=2)))),
        sexes=tuple(sorted(data.draw(st.sets(st.sampled_from(["female", "male", "other"]), max_size=1)))),
        age_bands=tuple(sorted(data.draw(st.sets(st.sampled_from(["0-4", "5-11", "12-17", "18-59", "60+"]), max_size=2)))),
        population_groups=tuple(sorted(data.draw(st.sets(st.sampled_from(["refugee", "host", "idp"]), max_size=1)))),
        organisations=("IOM",),  # ignored for the public
    )
    period = resolve_period(chosen, FIXTURE_TODAY, "2022-03", None)
    facts = cache.facts(url, version, chosen, period, False, PUBLIC_VIEW)
    real_names = set(queries.fetch_organisations(engine)["name"])
    assert not set(facts[C.ORGANISATION]) & real_names  # no organisation is ever named
    for code in cache.indicators(url, version, PUBLIC_VIEW)["code"]:
        figures = cache.indicator_figures(url, version, chosen, period, str(code), PUBLIC_VIEW)
        for number in published_numbers(figures):
            assert not 0 < number < THRESHOLD, (code, number)
        for frame in figures.tables.values():  # a hidden figure carries no number
            assert frame.loc[frame[STATUS] != SHOWN, C.VALUE].isna().all()
        small_months = figures.tables["month"][STATUS] != SHOWN
        assert figures.cumulative is None or not small_months.any()
