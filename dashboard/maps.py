"""The Map page's arithmetic (``compute_*``) and its pydeck map (``build_*``); drawing is in :mod:`dashboard.map_page`.

Values per area follow the indicator's aggregation rule (unique people: the largest figure per area and
population group, then areas added up; admin-2 reports roll up into their admin-1 area by the same
rule). Measures: the value itself, per 10,000 refugees/IDPs present or per 10,000 residents (from the
denominators table, with source and date), % of the area's target, and a gap view (areas with many
people and few or no services). Areas with no reports are drawn grey, distinct from a reported zero
(the lightest colour). Reports for a whole country cannot be placed on an admin-1 map and are listed.

With boundaries (``MHPSS_BOUNDARIES``) the map is a GeoJsonLayer choropleth; without them, or when the
file cannot be read, proportional bubbles at area centroids (the offline default).

Languages: the view is computed in the reader's language (the Map page keeps it per page context and
language, :func:`dashboard.map_page.map_page`), so its words (legend, tooltips, notes) are in that language,
numbers and dates through :mod:`dashboard.format`, area names as :mod:`dashboard.names` picks them. :func:`compute_area_values` is also used inside cached figure sets, so it
returns codes and English source words only (translated in :func:`compute_tooltips`). The map's CSV keeps
machine values (codes, English names, dot decimals, ISO dates) under headers in the reader's language.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd
import pydeck as pdk

from dashboard import columns as C
from dashboard import format as fmt
from dashboard import names
from dashboard.filters import Filters, Period
from dashboard.i18n import N_, _, pgettext
from dashboard.indicators import compute_total, years_of

#: Measure code -> English name (message id; show it with ``_()``).
MEASURES = {
    "value": N_("Value"),
    "per_refugees": N_("Per 10,000 refugees (IDPs in Ukraine)"),
    "per_residents": N_("Per 10,000 residents"),
    "pct_target": N_("% of target"),
    "gap": N_("Gap view"),
}
DENOMINATOR_OF = {"per_refugees": "refugees_present", "per_residents": "residents"}
PER = 10_000

# ColorBrewer YlGnBu (colour-blind safe): the lightest shade is a reported zero, the others the classes.
SEQUENTIAL = ["#ffffcc", "#c7e9b4", "#7fcdbb", "#41b6c4", "#2c7fb8", "#253494"]
NO_DATA_FILL = [189, 189, 189, 70]
NO_DATA_LINE = [99, 99, 99, 255]
GAP_COLOURS = {  # Okabe–Ito; the labels are English message ids (show them with ``_()``)
    "no_services": ("#D55E00", N_("Many people, no services reported")),
    "low": ("#E69F00", N_("Many people, low coverage")),
    "other": ("#56B4E9", N_("Fewer people or better coverage")),
    "no_denominator": ("#BDBDBD", N_("No population figure")),
}
#: Where an area's figures come from, besides named sources (English in the data, translated when shown).
PARTNER_REPORTS = N_("partner 4W reports")
DEMO_DATA = N_("synthetic demo data")
PCT_BREAKS = [25.0, 50.0, 75.0, 100.0]

# Map-frame columns (one row per area).
METRIC = "metric"
STATUS = "status"
CLASS = "class"
DENOM = "denominator"
NAME = "name"  # the area's name for the reader (names.area_name)
NAME_EN = "name_en"  # its English name (the CSV's)


@dataclass(frozen=True)
class Legend:
    """Legend entries (hex colour, label, whether the swatch is an outline only), title and a note."""

    title: str
    entries: tuple[tuple[str, str, bool], ...]
    note: str = ""


@dataclass
class MapView:
    """Everything the Map page draws for one indicator, measure and level."""

    indicator: str
    indicator_name: str
    unit: str
    aggregation: str
    measure: str
    level: int
    areas: pd.DataFrame  # one row per area shown: codes, names, centroid, value, denominator, metric, class
    legend: Legend
    off_map: pd.DataFrame  # reports that cannot be placed at this level (country-wide), by area
    geometry: dict[str, dict[str, Any]] | None = None  # GeoJSON geometry per P-code, None for bubbles
    attribution: str = ""
    boundary_message: str = ""  # why the map fell back to bubbles, when it did
    unmatched_features: pd.DataFrame = field(default_factory=pd.DataFrame)
    without_boundary: list[str] = field(default_factory=list)  # data areas with no polygon (drawn as bubbles)
    has_demo: bool = False
    period_label: str = ""  # in the reader's language
    period_start: str = ""  # YYYY-MM
    period_end: str = ""

    @property
    def mode(self) -> str:
        return "choropleth" if self.geometry else "bubbles"


# --- compute -------------------------------------------------------------------------------------------


def compute_area_values(facts: pd.DataFrame, aggregation: str, locations: pd.DataFrame,
                        level: int = 1) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Value per area at ``level`` by the aggregation rule, and the reports that cannot be placed.

    Returns (values with pcode, value, rows, is_demo, sources; off-map with pcode, area, admin_level, value).
    Reports below ``level`` roll up to their ancestor at ``level``; reports above it (a whole country on
    an admin-1 map) are off the map.
    """
    empty_values = pd.DataFrame({C.PCODE: pd.Series(dtype="str"), C.VALUE: pd.Series(dtype=float),
                                 "rows": pd.Series(dtype=int), C.IS_DEMO: pd.Series(dtype=bool),
                                 C.SOURCE: pd.Series(dtype="str")})
    empty_off = pd.DataFrame({C.PCODE: pd.Series(dtype="str"), C.AREA: pd.Series(dtype="str"),
                              C.ADMIN_LEVEL: pd.Series(dtype=int), C.VALUE: pd.Series(dtype=float)})
    if facts.empty:
        return empty_values, empty_off
    ancestor = _ancestors(locations, level)
    placed_code = facts[C.PCODE].map(ancestor)
    on_map = facts.assign(map_area=placed_code)[placed_code.notna()]
    off = facts[placed_code.isna()]
    values = empty_values
    if not on_map.empty:
        totals = compute_total(on_map, aggregation, ["map_area"])
        assert isinstance(totals, pd.Series)
        grouped = on_map.groupby("map_area")
        values = pd.DataFrame({
            C.PCODE: totals.index.astype(str),
            C.VALUE: totals.to_numpy(dtype=float),
            # Report rows per area; a cube row (the read path's sums) carries how many reports it sums.
            "rows": (grouped["rows"].sum() if "rows" in on_map else grouped.size()).reindex(totals.index)
            .to_numpy(dtype=int),
            C.IS_DEMO: grouped[C.IS_DEMO].any().reindex(totals.index).to_numpy(dtype=bool),
            C.SOURCE: pd.Series(_sources_by_area(on_map)).reindex(totals.index).to_numpy(dtype=object),
        })
    off_map = empty_off
    if not off.empty:
        off_totals = compute_total(off, aggregation, [C.PCODE, C.AREA, C.ADMIN_LEVEL])
        assert isinstance(off_totals, pd.Series)
        off_map = off_totals.rename(C.VALUE).reset_index()
    return values, off_map


def _sources_by_area(on_map: pd.DataFrame) -> dict[str, str]:
    """Where each area's figures come from: named sources, partner reports, synthetic demo data."""
    named: dict[str, set[str]] = {}
    pairs = on_map.loc[on_map[C.SOURCE].notna(), ["map_area", C.SOURCE]].drop_duplicates()
    for area, source in zip(pairs["map_area"], pairs[C.SOURCE], strict=True):
        if str(source):
            named.setdefault(str(area), set()).add(str(source))
    flags = on_map.assign(_partner=on_map[C.SOURCE].isna() & ~on_map[C.IS_DEMO].astype(bool),
                          _demo=on_map[C.IS_DEMO].astype(bool)).groupby("map_area")[["_partner", "_demo"]].any()
    out = {}
    for area, partner, demo in zip(flags.index, flags["_partner"], flags["_demo"], strict=True):
        parts = sorted(named.get(str(area), set()))
        parts += ([PARTNER_REPORTS] if partner else []) + ([DEMO_DATA] if demo else [])
        out[str(area)] = "; ".join(parts)
    return out


def _ancestors(locations: pd.DataFrame, level: int) -> dict[str, str]:
    """P-code → the P-code of its ancestor at ``level`` (itself at that level); higher levels map to none."""
    parents = dict(zip(locations["pcode"], locations["parent_pcode"], strict=True))
    levels = dict(zip(locations["pcode"], locations["admin_level"].astype(int), strict=True))
    out: dict[str, str] = {}
    for pcode, lvl in levels.items():
        code: str | None = pcode
        current = lvl
        while code is not None and current > level:
            parent = parents.get(code)
            code = str(parent) if isinstance(parent, str) and parent else None
            current = levels.get(code, current - 1) if code else current
        if code is not None and current == level:
            out[pcode] = code
    return out


def compute_denominators(denominators: pd.DataFrame, measure: str, period: Period) -> pd.DataFrame:
    """One denominator per area for ``measure``: the latest reference date on or before the period's end,
    else the earliest after it. Columns: pcode, denominator, denominator_group, denominator_date,
    denominator_source, denominator_is_demo."""
    cols = [C.PCODE, DENOM, "denominator_group", "denominator_date", "denominator_source", "denominator_is_demo"]
    sub = denominators[denominators["measure"] == measure].copy()
    if sub.empty:
        return pd.DataFrame(columns=cols)
    sub["ref_date"] = pd.to_datetime(sub["ref_date"]).dt.date
    end = pd.Period(period.end, "M").end_time.date()
    sub["after"] = sub["ref_date"] > end
    # Before-or-on the end first (latest first), then after it (earliest first).
    sub["order"] = [(-d.toordinal() if not a else d.toordinal() + 10**7) for d, a in zip(sub["ref_date"], sub["after"], strict=True)]
    best = sub.sort_values("order").drop_duplicates(C.PCODE)
    return pd.DataFrame({
        C.PCODE: best[C.PCODE].astype(str).to_numpy(),
        DENOM: best["value"].astype(float).to_numpy(),
        "denominator_group": best[C.GROUP].astype(str).to_numpy(),
        "denominator_date": best["ref_date"].to_numpy(),
        "denominator_source": best["source"].astype(str).to_numpy(),
        "denominator_is_demo": best[C.IS_DEMO].astype(bool).to_numpy(),
    })


def compute_area_targets(targets: pd.DataFrame, indicator: str, period: Period) -> pd.Series:
    """Target per area P-code: the annual area targets of every year the period touches, added up."""
    sub = targets[(targets[C.INDICATOR] == indicator) & targets[C.PCODE].notna()]
    years = years_of(period)
    # A boolean array, not a list: an empty list would select no columns instead of no rows.
    sub = sub[np.array([d.year in years for d in sub["period_start"]], dtype=bool)]
    return sub.groupby(C.PCODE)[C.TARGET].sum().astype(float)


def nice_number(value: float) -> float:
    """Round to two significant digits (1234 → 1200, 0.0456 → 0.046) for readable class breaks."""
    if value <= 0 or not math.isfinite(value):
        return value
    digits = 1 - int(math.floor(math.log10(value)))
    return float(round(value, digits))


def compute_class_breaks(values: pd.Series, measure: str, classes: int = 5) -> list[float]:
    """Upper bounds of the classes for positive values (the last class is open-ended).

    % of target uses fixed breaks (25, 50, 75, 100%); other measures use quantiles of the positive values,
    rounded to two significant digits, without repeats.
    """
    if measure == "pct_target":
        return list(PCT_BREAKS)
    positive = values[(values > 0) & values.notna()].astype(float)
    if positive.empty:
        return []
    qs = np.quantile(positive.to_numpy(), [i / classes for i in range(1, classes)])
    breaks: list[float] = []
    for q in qs:
        nice = nice_number(float(q))
        if nice > 0 and (not breaks or nice > breaks[-1]) and nice < float(positive.max()):
            breaks.append(nice)
    return breaks


def compute_classes(metric: pd.Series, breaks: list[float]) -> pd.Series:
    """Class per area: -1 no data, 0 a reported zero, 1..len(breaks)+1 the positive classes."""
    out = pd.Series(-1, index=metric.index, dtype=int)
    known = metric.notna()
    out[known & (metric <= 0)] = 0
    positive = known & (metric > 0)
    out[positive] = np.searchsorted(np.asarray(breaks, dtype=float), metric[positive].to_numpy(), side="left") + 1
    return out


def class_colours(n_classes: int) -> list[str]:
    """Colours for the zero class and ``n_classes`` positive classes, spread over the palette."""
    if n_classes <= 0:
        return [SEQUENTIAL[0]]
    picks = np.linspace(1, len(SEQUENTIAL) - 1, n_classes).round().astype(int)
    return [SEQUENTIAL[0], *[SEQUENTIAL[i] for i in picks]]


def compute_gaps(areas: pd.DataFrame) -> pd.DataFrame:
    """Gap category per area: many people (at least the median denominator of the areas shown) with no
    services reported, or with coverage per 10,000 in the lowest quarter of the areas that have services.

    Adds ``gap`` (no_services, low, other, no_denominator) and ``gap_rank`` (1 = largest unmet population).
    """
    out = areas.copy()
    has_denom = out[DENOM].notna() & (out[DENOM] > 0)
    per = out["per_10k"]
    median_people = float(out.loc[has_denom, DENOM].median()) if has_denom.any() else math.inf
    served = per[has_denom & (per > 0)]
    low_cut = float(served.quantile(0.25)) if not served.empty else 0.0
    many = has_denom & (out[DENOM] >= median_people)
    none = out[C.VALUE].isna() | (out[C.VALUE] <= 0)
    gap = pd.Series("other", index=out.index, dtype="str")
    gap[~has_denom] = "no_denominator"
    gap[many & none] = "no_services"
    gap[many & ~none & (per <= low_cut)] = "low"
    out["gap"] = gap
    order = {"no_services": 0, "low": 1, "other": 2, "no_denominator": 3}
    ranked = out.assign(_o=out["gap"].map(order), _p=-out[DENOM].fillna(0)).sort_values(["_o", "_p"])
    out["gap_rank"] = pd.Series(range(1, len(out) + 1), index=ranked.index).reindex(out.index)
    out.attrs["gap_rule"] = (
        _("Many people: at least {people} (the median of the areas shown). Low coverage: at most {per} per 10,000 "
          "(the lowest quarter of the areas with services).").format(people=fmt.number(median_people),
                                                                      per=fmt.number(low_cut))
        if has_denom.any() else _("No population figures for these areas."))
    return out


def compute_map_frame(
    locations: pd.DataFrame, values: pd.DataFrame, denominators: pd.DataFrame, area_targets: pd.Series,
    measure: str, level: int = 1, countries: tuple[str, ...] = (), adm1: tuple[str, ...] = (),
) -> pd.DataFrame:
    """One row per area shown (the countries and areas filtered, or all three countries), with value,
    denominator, target, the measure shown (``metric``, NaN when not available) and its ``status``."""
    locs = locations[locations["admin_level"].astype(int) == level]
    if countries:
        locs = locs[locs["country"].isin(countries)]
    if adm1:
        if level == 1:
            locs = locs[locs["iso_code"].isin(adm1)]
        else:
            parents = set(locations.loc[locations["iso_code"].isin(adm1), "pcode"])
            locs = locs[locs["parent_pcode"].isin(parents)]
    frame = pd.DataFrame({
        C.PCODE: locs["pcode"].astype(str).to_numpy(),
        C.ISO: locs["iso_code"].astype("str").to_numpy(),
        NAME: [names.area_name(row) for row in locs.to_dict(orient="records")],
        NAME_EN: locs["name_en"].astype(str).to_numpy(),
        C.COUNTRY: locs["country"].astype(str).to_numpy(),
        "lat": locs["lat"].astype(float).to_numpy(),
        "lon": locs["lon"].astype(float).to_numpy(),
    })
    frame = frame.merge(values, on=C.PCODE, how="left")
    frame = frame.merge(denominators, on=C.PCODE, how="left") if not denominators.empty else frame.assign(
        **{DENOM: np.nan, "denominator_group": None, "denominator_date": None, "denominator_source": None,
           "denominator_is_demo": False})
    frame[C.TARGET] = frame[C.PCODE].map(area_targets).astype(float)
    value = frame[C.VALUE]
    denom = frame[DENOM].astype(float)
    frame["per_10k"] = np.where(denom > 0, value.fillna(0.0) / denom * PER, np.nan)
    frame["per_10k"] = frame["per_10k"].where(value.notna() | (denom > 0))
    frame["pct_target"] = np.where(frame[C.TARGET] > 0, value.fillna(0.0) / frame[C.TARGET] * 100.0, np.nan)
    status = pd.Series("value", index=frame.index, dtype="str")
    status[value.fillna(-1) == 0] = "zero"
    status[value.isna()] = "no data"
    if measure == "value":
        frame[METRIC] = value
    elif measure in DENOMINATOR_OF:
        frame[METRIC] = frame["per_10k"].where(value.notna())
        status[value.notna() & ~(denom > 0)] = "no denominator"
    elif measure == "pct_target":
        frame[METRIC] = frame["pct_target"].where(value.notna())
        status[value.notna() & ~(frame[C.TARGET] > 0)] = "no target"
    else:  # gap
        frame[METRIC] = frame["per_10k"]
    frame.loc[status.isin(["no denominator", "no target"]), METRIC] = np.nan
    frame[STATUS] = status
    return frame.sort_values([C.COUNTRY, NAME], ignore_index=True)


def compute_legend(frame: pd.DataFrame, measure: str, unit: str, denominator_measure: str = "") -> tuple[pd.DataFrame, Legend]:
    """Class and colour per area, and the legend that explains them."""
    out = frame.copy()
    if measure == "gap":
        out = compute_gaps(out)
        out["colour"] = out["gap"].map(lambda g: GAP_COLOURS[g][0])
        out[CLASS] = out["gap"]
        present = [g for g in GAP_COLOURS if (out["gap"] == g).any()]
        gap_entries = tuple((GAP_COLOURS[g][0], _(GAP_COLOURS[g][1]), False) for g in present)
        title = (_("Gap view: refugees (IDPs in Ukraine) present and services reported")
                 if denominator_measure == "refugees_present" else
                 _("Gap view: residents present and services reported"))
        return out, Legend(title, gap_entries, str(out.attrs.get("gap_rule", "")))
    breaks = compute_class_breaks(out[METRIC], measure)
    classes = compute_classes(out[METRIC], breaks)
    positive_present = bool((classes > 0).any())
    colours = class_colours(len(breaks) + 1 if positive_present or measure == "pct_target" else 0)
    out[CLASS] = classes
    out["colour"] = [colours[c] if 0 <= c < len(colours) else "" for c in classes]
    unit_of = "%" if measure == "pct_target" else ""
    entries: list[tuple[str, str, bool]] = []
    if len(colours) > 1:
        bounds = [0.0, *breaks]
        for i in range(1, len(colours)):
            low = bounds[i - 1] if i - 1 < len(bounds) else None
            high = breaks[i - 1] if i - 1 < len(breaks) else None
            if high is None:
                label = _("more than {value}").format(value=fmt.number(low or 0.0, unit_of))
            elif i == 1:
                label = _("up to {value}").format(value=fmt.number(high, unit_of))
            else:
                label = f"{fmt.number(low)}–{fmt.number(high, unit_of)}"
            entries.append((colours[i], label, False))
    entries.insert(0, (colours[0], _("0 (reported, none)") if measure != "pct_target" else
                       _("0 (reported, none) or 0%"), False))
    entries.append(("#BDBDBD", _("no reports"), True))
    if (out[STATUS] == "no denominator").any():
        entries.append(("#BDBDBD", _("reports but no population figure"), True))
    if (out[STATUS] == "no target").any():
        entries.append(("#BDBDBD", _("reports but no target for the area"), True))
    if measure == "value":
        title = _("{unit} (by the indicator's rule)").format(unit=unit)
    elif measure == "per_refugees":
        title = _("{unit} per 10,000 refugees / IDPs present").format(unit=unit)
    elif measure == "per_residents":
        title = _("{unit} per 10,000 residents").format(unit=unit)
    elif measure == "pct_target":
        title = _("% of the area's target")
    else:
        title = _(MEASURES[measure]) if measure in MEASURES else measure
    note = (_("Classes: quantiles of the areas with reports, rounded.") if measure != "pct_target" else
            _("Fixed classes."))
    return out, Legend(title, tuple(entries), note)


def _hex_rgba(colour: str, alpha: int = 220) -> list[int]:
    colour = colour.lstrip("#")
    return [int(colour[0:2], 16), int(colour[2:4], 16), int(colour[4:6], 16), alpha]


def compute_tooltips(frame: pd.DataFrame, measure: str, unit: str) -> pd.DataFrame:
    """Add the text lines the map tooltip shows (name, value, denominator, source)."""
    out = frame.copy()
    code = out[C.ISO].where(out[C.ISO].notna() & (out[C.ISO] != "nan"), out[C.PCODE])
    out["code_text"] = code.where(code == out[C.PCODE], code + " · " + out[C.PCODE])
    values = out[C.VALUE]
    out["value_text"] = [
        _("No reports for these filters") if pd.isna(v) else f"{fmt.number(v)} {unit}" for v in values
    ]
    metric_lines = []
    for row in out.itertuples(index=False):
        status = getattr(row, STATUS)
        metric = getattr(row, METRIC)
        if measure in DENOMINATOR_OF or measure == "gap":
            text = (_("{value} per 10,000").format(value=fmt.number(metric)) if not pd.isna(metric) else
                    _("per 10,000: no population figure") if status == "no denominator" else "")
        elif measure == "pct_target":
            text = (_("{percent} of the area's target ({target})").format(
                        percent=fmt.percent(metric), target=fmt.number(getattr(row, C.TARGET)))
                    if not pd.isna(metric) else _("no target for this area") if status == "no target" else "")
        else:
            text = ""
        if measure == "gap":
            text = _(GAP_COLOURS[row.gap][1]) + (f" · {text}" if text else "")
        metric_lines.append(text)
    out["metric_text"] = metric_lines
    out["denominator_text"] = [_denominator_text(row) for row in out.itertuples(index=False)]
    out["source_text"] = [_("Reports: {sources}").format(sources=describe_sources(s)) if isinstance(s, str) and s
                          else "" for s in out[C.SOURCE]]
    return out


def _denominator_text(row: Any) -> str:
    """The tooltip's population line: which people, how many, when, whether a demo estimate, and the source."""
    denom = getattr(row, DENOM)
    if pd.isna(denom):
        return ""
    values = {"number": fmt.number(denom), "date": fmt.day(row.denominator_date), "source": row.denominator_source,
              "group": fmt.label("population_group", row.denominator_group)}
    demo = bool(row.denominator_is_demo)
    if str(row.denominator_group) == "all":
        text = (_("Residents: {number} on {date} (demo estimate), source: {source}") if demo else
                _("Residents: {number} on {date}, source: {source}"))
    else:
        text = (_("{group} present: {number} on {date} (demo estimate), source: {source}") if demo else
                _("{group} present: {number} on {date}, source: {source}"))
    return text.format(**values)


def describe_sources(sources: str) -> str:
    """An area's sources (``"UNHCR; partner 4W reports"``) in the reader's language: the words this module
    writes are translated, named sources stay as they are."""
    ours = {PARTNER_REPORTS, DEMO_DATA}
    return "; ".join(_(part) if part in ours else part for part in sources.split("; "))


TOOLTIP_HTML = "<b>{name}</b> <small>{code_text}</small><br/>{headline_text}<br/><small>{detail_text}</small>"


def compute_view_state(frame: pd.DataFrame, geometry: dict[str, dict[str, Any]] | None = None,
                       width: int = 900, height: int = 560) -> pdk.ViewState:
    """A view that fits the areas shown (their polygons when known, else their centroids)."""
    lons = frame["lon"].dropna().tolist()
    lats = frame["lat"].dropna().tolist()
    if geometry:
        import shapely

        shapes = [shapely.geometry.shape(geometry[p]) for p in frame[C.PCODE] if p in geometry]
        if shapes:
            minx, miny, maxx, maxy = shapely.total_bounds(np.array(shapes, dtype=object))
            lons += [minx, maxx]
            lats += [miny, maxy]
    if not lons:
        return pdk.ViewState(latitude=51.0, longitude=26.0, zoom=4.2)
    pad = 0.6
    min_lon, max_lon = min(lons) - pad, max(lons) + pad
    min_lat, max_lat = min(lats) - pad, max(lats) + pad
    lon_span = max(max_lon - min_lon, 0.5)
    merc = lambda lat: math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))  # noqa: E731
    lat_span = max(merc(max_lat) - merc(min_lat), 0.01)
    zoom_x = math.log2(width * 360.0 / (512.0 * lon_span))
    zoom_y = math.log2(height * 2 * math.pi / (512.0 * lat_span))
    zoom = max(2.0, min(zoom_x, zoom_y, 10.0))
    return pdk.ViewState(latitude=(min_lat + max_lat) / 2, longitude=(min_lon + max_lon) / 2, zoom=round(zoom, 2))


def map_table_headers() -> dict[str, str]:
    """The map CSV's column -> header in the reader's language (English: the machine names, unchanged)."""
    # Translators: column headers of the map's CSV download (short; the values stay codes and numbers).
    return {
        "pcode": pgettext("export column", "pcode"), "iso_3166_2": pgettext("export column", "iso_3166_2"),
        "area": pgettext("export column", "area"), "country": pgettext("export column", "country"),
        "admin_level": pgettext("export column", "admin_level"), "indicator": pgettext("export column", "indicator"),
        "period": pgettext("export column", "period"), "aggregation": pgettext("export column", "aggregation"),
        "value": pgettext("export column", "value"), "status": pgettext("export column", "status"),
        "denominator": pgettext("export column", "denominator"),
        "denominator_group": pgettext("export column", "denominator_group"),
        "denominator_date": pgettext("export column", "denominator_date"),
        "denominator_source": pgettext("export column", "denominator_source"),
        "denominator_is_demo": pgettext("export column", "denominator_is_demo"),
        "per_10000": pgettext("export column", "per_10000"), "target": pgettext("export column", "target"),
        "pct_of_target": pgettext("export column", "pct_of_target"),
        "measure_shown": pgettext("export column", "measure_shown"),
        "measure_value": pgettext("export column", "measure_value"), "class": pgettext("export column", "class"),
        "sources": pgettext("export column", "sources"), "demo_data": pgettext("export column", "demo_data"),
        "gap": pgettext("export column", "gap"),
    }


def compute_map_table(view: MapView) -> pd.DataFrame:
    """The map's data as a flat table (what the CSV download holds), one row per area, under the machine
    column names. Values are the same in every language: codes, English area names and labels, numbers,
    ISO dates."""
    a = view.areas
    period = f"{view.period_start} to {view.period_end}" if view.period_start else view.period_label
    table = pd.DataFrame({
        "pcode": a[C.PCODE], "iso_3166_2": a[C.ISO].where(a[C.ISO] != "nan"),
        "area": a[NAME_EN] if NAME_EN in a else a[NAME],
        "country": a[C.COUNTRY], "admin_level": view.level, "indicator": view.indicator,
        "period": period, "aggregation": view.aggregation,
        "value": a[C.VALUE], "status": a[STATUS],
        "denominator": a[DENOM], "denominator_group": a["denominator_group"],
        "denominator_date": a["denominator_date"].astype(str).where(a["denominator_date"].notna()),
        "denominator_source": a["denominator_source"], "denominator_is_demo": a["denominator_is_demo"],
        "per_10000": a["per_10k"].round(2), "target": a[C.TARGET], "pct_of_target": a["pct_target"].round(1),
        "measure_shown": MEASURES[view.measure], "measure_value": a[METRIC].round(2),
        "class": a[CLASS].astype(str), "sources": a[C.SOURCE], "demo_data": a[C.IS_DEMO].fillna(False).astype(bool),
    })
    if "gap" in a:
        table["gap"] = a["gap"].map(lambda g: GAP_COLOURS[g][1])
    # The same order in every language (the areas on the page are sorted by the reader's names).
    return table.sort_values(["country", "area", "pcode"], kind="stable", ignore_index=True)


def compute_map_csv(view: MapView) -> bytes:
    """CSV bytes of :func:`compute_map_table` (UTF-8; text a spreadsheet would run as a formula gets a
    leading apostrophe)."""
    table = compute_map_table(view)
    table = table.rename(columns=map_table_headers())
    for col in table.columns:
        if table[col].dtype == object or pd.api.types.is_string_dtype(table[col]):
            table[col] = table[col].map(lambda v: "'" + v if isinstance(v, str) and v.startswith(_FORMULA) else v)
    return table.to_csv(index=False, lineterminator="\r\n").encode("utf-8")


_FORMULA = ("=", "+", "-", "@", "\t", "\r")


# --- build ---------------------------------------------------------------------------------------------

_LINE_COLOUR = [255, 255, 255, 230]
HIGHLIGHT = [0, 0, 0, 45]  # a slight darkening: a coloured highlight would read as one more class


class CompactDeck(pdk.Deck):  # type: ignore[misc]
    """A Deck whose JSON has no indentation or key sorting: pydeck's default (indent=2, sorted keys) makes a
    map of 1,000 admin-2 polygons several megabytes and slow to write and parse; this is about a third."""

    def to_json(self) -> str:
        import json

        from pydeck.bindings.json_tools import default_serialize

        kept = self.__dict__.get("_kept_json")
        if kept is not None:
            return str(kept)
        return json.dumps(self, default=default_serialize, separators=(",", ":"))

    def keep_json(self) -> CompactDeck:
        """Write the JSON now and return that text from then on: a deck kept between reruns (the Map page's)
        is not written again on each of them. The deck must not change afterwards."""
        text = self.to_json()  # before the attribute exists, so the JSON does not hold it
        self._kept_json = text
        return self


def _bubble_records(frame: pd.DataFrame, measure: str) -> list[dict[str, Any]]:
    """Bubble data: radius in metres proportional to the square root of the shown quantity."""
    size_of = frame[DENOM] if measure == "gap" else frame[METRIC]
    size = size_of.where(size_of > 0).astype(float)
    top = float(size.max()) if size.notna().any() else 1.0
    records = []
    for row, s in zip(frame.to_dict(orient="records"), size, strict=True):
        status = row[STATUS]
        has_colour = bool(row.get("colour"))
        radius = 60_000.0 * math.sqrt(s / top) if not pd.isna(s) and top > 0 else 9_000.0
        records.append({
            **_props(row), "lon": row["lon"], "lat": row["lat"], "radius": round(max(radius, 9_000.0), 1),
            "fill": _hex_rgba(row["colour"], 200) if has_colour else [0, 0, 0, 0],
            "line": [60, 60, 60, 220] if has_colour else NO_DATA_LINE,
            "no_data": not has_colour or status in ("no data", "no denominator", "no target"),
        })
    return records


_PROPS = (C.PCODE, C.ISO, NAME, C.COUNTRY, C.VALUE, METRIC, STATUS, CLASS, DENOM, C.TARGET, "code_text", "value_text",
          "metric_text", "denominator_text", "source_text")


def _props(row: dict[str, Any]) -> dict[str, Any]:
    """One area's properties for the layer, with the two tooltip lines joined here (at build time, so a
    caller that rewrites ``value_text`` or ``metric_text`` after :func:`compute_tooltips` is obeyed)."""
    out: dict[str, Any] = {}
    for key in _PROPS:
        value = row.get(key)
        if isinstance(value, float) and math.isnan(value):
            value = None
        elif isinstance(value, (np.integer,)):
            value = int(value)
        elif isinstance(value, (np.floating,)):
            value = None if math.isnan(float(value)) else float(value)
        out[key] = value
    # The tooltip template is fixed, so empty lines are avoided by joining only the parts that exist.
    out["headline_text"] = " · ".join(str(t) for t in (out["value_text"], out["metric_text"]) if t)
    out["detail_text"] = (" · ".join(str(t) for t in (out["denominator_text"], out["source_text"]) if t)
                          or fmt.label("country", out[C.COUNTRY]))
    return out


def build_bubble_layers(frame: pd.DataFrame, measure: str, layer_id: str = "bubbles") -> list[pdk.Layer]:
    """Proportional bubbles for areas with a value, hollow grey rings for areas without, and labels."""
    records = _bubble_records(frame, measure)
    filled = [r for r in records if not r["no_data"]]
    rings = [r for r in records if r["no_data"]]
    layers = [
        pdk.Layer("ScatterplotLayer", id=f"{layer_id}-no-data", data=rings, get_position=["lon", "lat"],
                  get_radius="radius", radius_units="'meters'", radius_min_pixels=4, filled=False, stroked=True,
                  get_line_color=NO_DATA_LINE, line_width_min_pixels=1.5, pickable=True),
        pdk.Layer("ScatterplotLayer", id=layer_id, data=filled, get_position=["lon", "lat"], get_radius="radius",
                  radius_units="'meters'", radius_min_pixels=4, filled=True, stroked=True, get_fill_color="fill",
                  get_line_color="line", line_width_min_pixels=1, pickable=True, auto_highlight=True, highlight_color=HIGHLIGHT),
    ]
    layers.append(pdk.Layer(
        "TextLayer", id=f"{layer_id}-labels", data=[{"lon": r["lon"], "lat": r["lat"], "name": r[NAME]} for r in records],
        get_position=["lon", "lat"], get_text="name", get_size=11, get_color=[40, 40, 40, 230],
        get_pixel_offset=[0, 14], get_text_anchor="'middle'", get_alignment_baseline="'top'",
        character_set="'auto'", font_family="'\"Source Sans Pro\", sans-serif'",
    ))
    return layers


def build_choropleth_layer(frame: pd.DataFrame, geometry: dict[str, dict[str, Any]]) -> pdk.Layer:
    """A GeoJsonLayer of the areas that have a polygon, filled by class; no-data areas grey with a dark outline.

    Outlines are drawn for up to :data:`MAX_OUTLINED` areas. Stroking is what costs most in the browser
    (with 1,000 admin-2 polygons it took the redraw from about 1 s to 4–5 s in headless Chromium), and at
    the zoom that shows a country small areas read by their fill; no-data areas stay grey either way.
    """
    features = []
    for row in frame.to_dict(orient="records"):
        geom = geometry.get(row[C.PCODE])
        if geom is None:
            continue
        has_colour = bool(row.get("colour"))
        props = _props(row)
        props["fill"] = _hex_rgba(row["colour"], 215) if has_colour else NO_DATA_FILL
        props["line"] = _LINE_COLOUR if has_colour else NO_DATA_LINE
        props["line_width"] = 1 if has_colour else 1.6
        features.append({"type": "Feature", "properties": props, "geometry": geom})
    outlined = len(features) <= MAX_OUTLINED
    return pdk.Layer(
        "GeoJsonLayer", id="choropleth", data={"type": "FeatureCollection", "features": features},
        filled=True, stroked=outlined, get_fill_color="properties.fill", get_line_color="properties.line",
        get_line_width="properties.line_width", line_width_units="'pixels'", pickable=True, auto_highlight=True,
        highlight_color=HIGHLIGHT,
    )


MAX_OUTLINED = 300


def build_map_deck(view: MapView) -> pdk.Deck:
    """The pydeck map: a choropleth when the view has geometry, bubbles otherwise (and bubbles for areas
    whose polygon is missing). ``map_style`` is None: the Streamlit theme's basemap when online, nothing
    (the areas alone) offline; never a dict, which breaks the chart."""
    frame = view.areas
    layers: list[pdk.Layer] = []
    if view.geometry:
        layers.append(build_choropleth_layer(frame, view.geometry))
        missing = frame[~frame[C.PCODE].isin(list(view.geometry))]
        if not missing.empty:
            layers += build_bubble_layers(missing, view.measure, "missing-polygons")
    else:
        layers += build_bubble_layers(frame, view.measure)
    return CompactDeck(
        layers=layers,
        initial_view_state=compute_view_state(frame, view.geometry),
        map_style=None,
        tooltip={"html": TOOLTIP_HTML, "style": {"backgroundColor": "#ffffff", "color": "#222222",
                                                 "maxWidth": "340px", "whiteSpace": "normal",
                                                 "fontSize": "13px", "border": "1px solid #999"}},
    )


# --- the page's view -------------------------------------------------------------------------------------


def compute_map_view(
    facts: pd.DataFrame, indicator_row: pd.Series, locations: pd.DataFrame, denominators: pd.DataFrame,
    targets: pd.DataFrame, filters: Filters, period: Period, measure: str, level: int = 1,
    geometry: dict[str, dict[str, Any]] | None = None,
) -> MapView:
    """Assemble the map for one indicator from frames the page read through the cache (pure pandas)."""
    code = str(indicator_row["code"])
    aggregation = str(indicator_row["aggregation"])
    unit = names.indicator_text(indicator_row, "unit")
    rows = facts if aggregation == "distinct_organisations" else facts[facts[C.INDICATOR] == code]
    values, off_map = compute_area_values(rows, aggregation, locations, level)
    if not off_map.empty:  # the country-wide reports listed under the map, named for the reader
        reader = _reader_names(locations)
        off_map = off_map.assign(**{C.AREA: [reader.get(str(p), str(a)) for p, a in
                                             zip(off_map[C.PCODE], off_map[C.AREA], strict=True)]})
    denominator_measure = DENOMINATOR_OF.get(measure, "refugees_present" if measure == "gap" else "")
    dens = compute_denominators(denominators, denominator_measure, period) if denominator_measure else pd.DataFrame()
    area_targets = compute_area_targets(targets, code, period)
    frame = compute_map_frame(locations, values, dens, area_targets, measure, level, filters.countries, filters.adm1)
    frame, legend = compute_legend(frame, measure, unit, denominator_measure)
    frame = compute_tooltips(frame, measure, unit)
    return MapView(
        indicator=code, indicator_name=names.indicator_text(indicator_row, "name"), unit=unit, aggregation=aggregation,
        measure=measure, level=level, areas=frame, legend=legend, off_map=off_map, geometry=geometry,
        has_demo=bool(rows[C.IS_DEMO].any()) if not rows.empty else False, period_label=period.label,
        period_start=period.start, period_end=period.end,
    )


def with_boundaries(view: MapView, boundaries: Any | None, message: str = "") -> MapView:
    """The view drawn over matched boundary polygons (or as bubbles, with the reason, when there are none)."""
    if boundaries is None:
        return replace(view, geometry=None, boundary_message=message)
    feats = boundaries.features
    feats = feats[feats["admin_level"] == view.level]
    wanted = set(feats["pcode"])
    geometry = {p: g for p, g in boundaries.geometry_json().items() if p in wanted}
    if not geometry:
        return replace(view, geometry=None, attribution="",
                       boundary_message=message or _("The boundary files hold no admin-{level} areas; showing "
                                                     "bubbles at area centroids.").format(level=view.level),
                       unmatched_features=boundaries.unmatched)
    without = [p for p in view.areas[C.PCODE] if p not in geometry]
    return replace(view, geometry=geometry, attribution=boundaries.attribution, boundary_message=message,
                   unmatched_features=boundaries.unmatched, without_boundary=without)


def describe_off_map(off_map: pd.DataFrame, unit: str) -> str:
    """One sentence about the reports that are not on the map (country-wide figures), or ''."""
    if off_map.empty:
        return ""
    parts = [_("{value} {unit} for {area} as a whole").format(
                 value=fmt.number(v), unit=unit, area=fmt.label("country", a) if len(str(a)) == 3 else a)
             for a, v in zip(off_map[C.AREA], off_map[C.VALUE], strict=True)]
    return _("Not on the map (reported for a whole country, not an area): {items}.").format(items="; ".join(parts))


def _reader_names(locations: pd.DataFrame) -> dict[str, str]:
    """P-code -> the name the reader sees (a country in the reader's language, an area per names.area_name)."""
    return names.area_names(locations)
