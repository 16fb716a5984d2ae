"""The figure set of one indicator for one selection: every table the Indicators, Map and Home pages show
about it, computed once from the filtered facts, with small-cell suppression applied for the public.

Tables (cells keyed by their dimensions; rows not disaggregated on a sex, age or group dimension are left
out of the tables that break down by it):

==================  ==========================================================================
``total``           the indicator's value by its rule
``month``           value per month of the period (0 where nothing was reported)
``place``           value per reported location (any admin level): the Indicators page's "By place"
``age_sex``         by age band and sex; ``group``: by population group; ``org_type``: by organisation type
``month_<dim>``     breakdowns over time (sex, age band, population group, organisation type, country,
                    pyramid layer); only computed when suppressing, for everyone else the timeline
                    computes the one chosen
``map1`` ``map2``   the Map's areas at admin-1 / admin-2 (rolled up by the rule) and the reports above
                    that level, keyed by P-code; only when suppressing
``plain``           unique-people indicators: the plain sum and ``difference`` (possible double counting)
==================  ==========================================================================

Because everything is suppressed together, a figure hidden on one page is hidden on every page for the
same selection, and switching a widget (breakdown dimension, map level) never changes the pattern.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from dashboard import columns as C
from dashboard import privacy
from dashboard.filters import Filters, Period
from dashboard.indicators import compute_coded, compute_monthly, compute_plain_sum, compute_total
from dashboard.vocab import ALL

STATUS = "status"
SHOWN_TEXT = "shown"
TIME_DIMS = (C.SEX, C.AGE, C.GROUP, C.ORG_TYPE, C.COUNTRY, C.LAYER)
TABS = {"place": [C.PCODE], "age_sex": [C.AGE, C.SEX], "group": [C.GROUP], "org_type": [C.ORG_TYPE]}
_DISAGGREGATIONS = (C.SEX, C.AGE, C.GROUP, C.DISABILITY)
_SINGLE = ("total", "plain", "difference")


@dataclass
class IndicatorFigures:
    """The tables of one indicator for one selection, each with ``value`` (NaN where hidden) and
    ``status`` (shown, small, hidden); ``cumulative`` per month, or None where it is not published."""

    code: str
    aggregation: str
    audience: privacy.Audience
    tables: dict[str, pd.DataFrame]
    cumulative: pd.Series | None = None
    attrs: dict[str, pd.DataFrame] = field(default_factory=dict)

    def table(self, name: str) -> pd.DataFrame:
        """A copy of table ``name`` with a ``shown`` column: the text a reader sees for each value."""
        frame = self.tables.get(name)
        if frame is None:
            return pd.DataFrame(columns=[C.VALUE, STATUS, SHOWN_TEXT])
        out = frame.copy()
        out[SHOWN_TEXT] = [privacy.display(v, s, self.audience.threshold) for v, s in
                           zip(out[C.VALUE], out[STATUS], strict=True)]
        return out

    def cell(self, name: str) -> tuple[float, str]:
        """Value (NaN when hidden) and status of a one-cell table (``total``, ``plain``, ``difference``)."""
        frame = self.tables.get(name)
        if frame is None or frame.empty:
            return 0.0, privacy.SHOWN
        return float(frame[C.VALUE].iloc[0]), str(frame[STATUS].iloc[0])

    def text(self, name: str) -> str:
        value, state = self.cell(name)
        return privacy.display(value, state, self.audience.threshold)

    @property
    def hidden_count(self) -> int:
        return int(sum((t[STATUS] != privacy.SHOWN).sum() for t in self.tables.values()))

    def hidden_in(self, *names: str) -> int:
        return int(sum((self.tables[n][STATUS] != privacy.SHOWN).sum() for n in names if n in self.tables))


def indicator_filters(filters: Filters, code: str, aggregation: str) -> tuple[Filters, bool]:
    """The filters an indicator's figures are read with, and whether they choose the indicator: only its own
    reports, except for "organisations reporting", which counts every report (see :func:`indicator_rows`)."""
    own = aggregation != "distinct_organisations"
    return (replace(filters, indicator=code) if own else filters), own


def indicator_rows(facts: pd.DataFrame, code: str, aggregation: str) -> pd.DataFrame:
    """The facts an indicator's figures come from: all of them for 'organisations reporting'."""
    if aggregation == "distinct_organisations" or facts.empty:
        return facts
    return facts[facts[C.INDICATOR] == code]


# Columns the tables group by: as categories (compute_coded) they are hashed once per figure set instead of
# by each of its ten or so groupbys; the tables turn them back into text (_as_text).
_KEYS = (C.PCODE, C.GROUP, C.ORGANISATION, C.ACTIVITY, C.SEX, C.AGE, C.ORG_TYPE, C.COUNTRY, C.DISABILITY)


def _as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Category columns of a result table back as text, as every table gives its keys."""
    coded = [c for c in frame.columns if isinstance(frame[c].dtype, pd.CategoricalDtype)]
    return frame.assign(**{c: frame[c].astype("str") for c in coded}) if coded else frame


def _table(frame: pd.DataFrame, aggregation: str, dims: list[str]) -> pd.DataFrame:
    sub = frame
    for dim in dims:
        if dim in _DISAGGREGATIONS:
            sub = sub[sub[dim] != ALL]
    if sub.empty:
        return pd.DataFrame({**{d: pd.Series(dtype="str") for d in dims}, C.VALUE: pd.Series(dtype=float)})
    keyed = sub.assign(**{d: sub[d].astype("str").fillna("") for d in dims if d == C.LAYER})
    values = compute_total(keyed, aggregation, dims)
    assert isinstance(values, pd.Series)
    return _as_text(values.rename(C.VALUE).reset_index())


def compute_month_breakdown(frame: pd.DataFrame, aggregation: str, period: Period, dim: str) -> pd.DataFrame:
    """Value per month and per value of ``dim`` (codes), every month of the period for every category; rows
    without a value for ``dim`` (or not disaggregated on it) are left out, as on the staff timeline."""
    months = pd.period_range(period.start, period.end, freq="M").strftime("%Y-%m").tolist()
    table = _table(frame[frame[dim].notna()] if dim in frame else frame, aggregation, [C.MONTH, dim])
    if table.empty:
        return table
    table[dim] = table[dim].astype("str")
    categories = sorted(set(table[dim]))
    full = pd.MultiIndex.from_product([months, categories], names=[C.MONTH, dim])
    return table.set_index([C.MONTH, dim])[C.VALUE].reindex(full, fill_value=0.0).reset_index()


def compute_place_roll_up(place: pd.DataFrame, locations: pd.DataFrame, level: int) -> pd.Series:
    """For each place cell, the map cell it belongs to at ``level``: its ancestor at that level, or itself
    when it is reported above that level (a country-wide figure on an admin-1 map)."""
    parent = dict(zip(locations["pcode"].astype(str), locations["parent_pcode"], strict=True))
    levels = dict(zip(locations["pcode"].astype(str), locations["admin_level"].astype(int), strict=True))
    targets = []
    for pcode in place[C.PCODE].astype(str):
        code = pcode
        while levels.get(code, -1) > level and isinstance(parent.get(code), str):
            code = str(parent[code])
        targets.append(code)
    return pd.Series(targets, index=place.index, dtype="str")


def compute_indicator_figures(facts: pd.DataFrame, indicator: pd.Series, period: Period, locations: pd.DataFrame,
                              audience: privacy.Audience,
                              detail: Callable[[tuple[str, ...]], pd.DataFrame] | None = None) -> IndicatorFigures:
    """Every table of the indicator ``indicator`` (a catalogue row) for these filtered ``facts`` (all
    indicators' rows; the indicator's own are picked here), suppressed when the audience is public.

    ``facts`` may be the cube (values summed over sex, age band and disability: the same figures by every rule).
    The tables that break down by what the cube sums over then come from ``detail(dims)`` (the facts summed by
    ``dims`` as well), or, without ``detail``, are left out (:func:`compute_figure_table` computes one when it
    is shown; only for an audience that is not suppressed, whose tables do not depend on each other)."""
    code, aggregation = str(indicator["code"]), str(indicator["aggregation"])
    rows = compute_coded(indicator_rows(facts, code, aggregation), _KEYS)
    suppressing = audience.suppresses
    total = compute_total(rows, aggregation)
    assert isinstance(total, float)
    monthly = compute_monthly(rows, aggregation, period)
    tables: dict[str, pd.DataFrame] = {
        "total": pd.DataFrame({C.VALUE: [total]}),
        "month": monthly[[C.MONTH, C.VALUE]].copy(),
    }
    for name, dims in TABS.items():
        missing = tuple(d for d in dims if d not in rows)
        if not missing:
            tables[name] = _table(rows, aggregation, dims)
        elif detail is not None:
            tables[name] = compute_figure_table(detail(missing), indicator, name)
        # else left out: the caller reads it apart when it is shown (compute_figure_table)
    attrs = {"place": _as_text(_place_attrs(rows, tables["place"]))}
    if aggregation == "unique_max":
        plain = compute_plain_sum(rows)
        tables["plain"] = pd.DataFrame({C.VALUE: [plain]})
        tables["difference"] = pd.DataFrame({C.VALUE: [plain - total]})
    if suppressing:
        for dim in TIME_DIMS:
            if dim in rows and (rows[dim].astype("str") != ALL).any():
                tables[f"month_{dim}"] = compute_month_breakdown(rows, aggregation, period, dim)
        tables.update(_map_tables(rows, aggregation, locations))
    for frame in tables.values():
        frame[STATUS] = privacy.SHOWN
    figures = IndicatorFigures(code, aggregation, audience, tables, monthly.set_index(C.MONTH)["cumulative"], attrs)
    if suppressing and not rows.empty:
        _suppress(figures, locations)
    return figures


def compute_figure_table(detail: pd.DataFrame, indicator: pd.Series, name: str) -> pd.DataFrame:
    """Table ``name`` of :data:`TABS` from ``detail``, the facts summed by its dimensions as well (what
    :func:`compute_indicator_figures` leaves out without ``detail``), every figure shown (not for the public)."""
    code, aggregation = str(indicator["code"]), str(indicator["aggregation"])
    table = _table(compute_coded(indicator_rows(detail, code, aggregation), _KEYS), aggregation, TABS[name])
    table[STATUS] = privacy.SHOWN
    return table


def _place_attrs(rows: pd.DataFrame, place: pd.DataFrame) -> pd.DataFrame:
    """Name, country and level of each place cell (for display and for relating to other tables)."""
    if rows.empty:
        return pd.DataFrame(columns=[C.PCODE, C.AREA, C.COUNTRY, C.ADMIN_LEVEL])
    first = rows.drop_duplicates(C.PCODE).set_index(C.PCODE)
    out = place[[C.PCODE]].copy()
    out[C.AREA] = out[C.PCODE].map(first[C.AREA])
    out[C.COUNTRY] = out[C.PCODE].map(first[C.COUNTRY])
    out[C.ADMIN_LEVEL] = out[C.PCODE].map(first[C.ADMIN_LEVEL])
    return out


def _map_tables(rows: pd.DataFrame, aggregation: str, locations: pd.DataFrame) -> dict[str, pd.DataFrame]:
    from dashboard.maps import compute_area_values

    out = {}
    levels = [1, 2] if (locations["admin_level"] == 2).any() else [1]
    for level in levels:
        values, off_map = compute_area_values(rows, aggregation, locations, level)
        cells = pd.concat([values[[C.PCODE, C.VALUE]], off_map[[C.PCODE, C.VALUE]]], ignore_index=True)
        out[f"map{level}"] = cells.groupby(C.PCODE, as_index=False)[C.VALUE].sum()
    return out


def _keys(name: str, frame: pd.DataFrame) -> list[str]:
    dims = [c for c in frame.columns if c not in (C.VALUE, STATUS)]
    if not dims:
        return [name]
    return [name + "|" + "|".join(str(v) for v in row) for row in frame[dims].itertuples(index=False)]


def _suppress(figures: IndicatorFigures, locations: pd.DataFrame) -> None:
    """Register every table and relation, suppress, write the statuses back, decide on the cumulative."""
    tables = figures.tables
    fig = privacy.Figures()
    keys = {name: _keys(name, frame) for name, frame in tables.items()}
    for name, frame in tables.items():
        for key, value in zip(keys[name], frame[C.VALUE], strict=True):
            fig.add(key, value)
    multi = [n for n in tables if n not in _SINGLE]
    for name in multi:
        fig.relate("total", keys[name])
    if "plain" in tables:
        fig.relate("plain", ["total", "difference"])
    # Two tables broken down by a shared dimension add up to the same margins (country comes with places).
    dims_of = {n: [c for c in tables[n].columns if c not in (C.VALUE, STATUS, C.PCODE)] for n in multi}
    views = {n: tables[n].assign(_key=keys[n]) for n in multi}
    place_attrs = figures.attrs["place"]
    views["place"] = views["place"].assign(**{C.COUNTRY: place_attrs[C.COUNTRY].to_numpy()})
    for name in (n for n in multi if n.startswith("map")):
        country = tables[name][C.PCODE].map(dict(zip(locations["pcode"], locations["country"], strict=True)))
        views[name] = views[name].assign(**{C.COUNTRY: country.fillna(tables[name][C.PCODE]).to_numpy()})
    attrs_of = {n: dims_of[n] + ([C.COUNTRY] if n == "place" or n.startswith("map") else []) for n in multi}
    for a, b in itertools.combinations(multi, 2):
        common = sorted(set(attrs_of[a]) & set(attrs_of[b]))
        if not common:
            fig.relate_sums(keys[a], keys[b])
            continue
        left = views[a].groupby(common, dropna=False)["_key"].agg(list)
        right = views[b].groupby(common, dropna=False)["_key"].agg(list)
        for group in left.index.intersection(right.index):
            if set(common) == set(dims_of[a]):
                for cell in left[group]:
                    fig.relate(cell, right[group])
            elif set(common) == set(dims_of[b]):
                for cell in right[group]:
                    fig.relate(cell, left[group])
            else:
                fig.relate_sums(left[group], right[group])
    # Each map cell is a union of place cells.
    for name in (n for n in multi if n.startswith("map")):
        target = compute_place_roll_up(tables["place"], locations, int(name[3:]))
        place_keys = pd.Series(keys["place"], index=tables["place"].index)
        parts = place_keys.groupby(target).agg(list)
        for cell, pcode in zip(keys[name], tables[name][C.PCODE].astype(str), strict=True):
            if pcode in parts.index:
                fig.relate(cell, parts[pcode])
    threshold = figures.audience.threshold
    status = fig.suppress(threshold)
    for name, frame in tables.items():
        frame[STATUS] = [status[k] for k in keys[name]]
        frame[C.VALUE] = frame[C.VALUE].where(frame[STATUS] == privacy.SHOWN, np.nan)
    cumulative = figures.cumulative
    month_hidden = bool((tables["month"][STATUS] != privacy.SHOWN).any() or figures.cell("total")[1] != privacy.SHOWN)
    small_running = cumulative is not None and bool(((cumulative > 0) & (cumulative < threshold)).any())
    figures.cumulative = None if month_hidden or small_running else cumulative
