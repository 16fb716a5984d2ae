"""The Map page: reading through the cache, the reader's choices, and drawing (``render_*``).

The arithmetic and the pydeck layers are in :mod:`dashboard.maps`; this module only wires them to the page
context, the boundaries setting and Streamlit. Everything the page draws is computed once per page context,
language, map choices and boundary files (:func:`map_page`); a rerun that changes none of them only draws.
Everything it writes is in the reader's language; the boundaries' credit line is kept as the data gives it
(only the word "Boundaries" is translated).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, replace
from typing import Any

import pandas as pd
import pydeck as pdk
import streamlit as st

from dashboard import cache, names
from dashboard import columns as C
from dashboard import format as fmt
from dashboard.filters import Filters
from dashboard.i18n import _, ngettext
from dashboard.maps import (
    DENOM,
    GAP_COLOURS,
    MEASURES,
    NAME,
    Legend,
    MapView,
    build_map_deck,
    compute_map_csv,
    compute_map_view,
    describe_off_map,
    with_boundaries,
)
from dashboard.ui import PageContext


@dataclass(frozen=True)
class MapControls:
    """What the reader chose on the Map page."""

    indicator: str
    measure: str
    level: int
    bubbles: bool


def pick_map_indicator(indicators: pd.DataFrame, filters: Filters) -> str:
    """The indicator from the filters, else the first headline indicator."""
    if filters.indicator and filters.indicator in set(indicators["code"]):
        return filters.indicator
    headline = indicators[indicators["is_headline"].astype(bool)]
    return str((headline if not headline.empty else indicators).iloc[0]["code"])


@dataclass(frozen=True)
class BoundarySource:
    """Which boundary files the map uses: their path and signature (paths, times and sizes, so it changes when
    a file does), or why there are none (``message``; empty when none are configured). Hashable: the memoised
    map is keyed by it, so an edited file is drawn afresh."""

    path: str = ""
    signature: str = ""
    message: str = ""


def boundary_source(ctx: PageContext) -> BoundarySource:
    """The configured boundary files (listed and looked at, not read)."""
    from geo.boundaries import BoundaryError, boundary_files, files_signature, resolve_boundaries_path

    setting = ctx.settings.boundaries
    if not setting:
        return BoundarySource()
    try:
        path = resolve_boundaries_path(setting)
        return BoundarySource(str(path), files_signature(boundary_files(path)))
    except BoundaryError as exc:
        return BoundarySource(message=_unusable(exc))
    except OSError as exc:
        return BoundarySource(message=_unreadable(setting, exc))


def _unusable(exc: Exception) -> str:
    return _("The boundary file could not be used: {reason}. Showing bubbles at area centroids instead.").format(
        reason=exc)


def _unreadable(setting: str, exc: OSError) -> str:
    return _("MHPSS_BOUNDARIES: {setting} could not be read ({reason}). Showing bubbles at area centroids "
             "instead.").format(setting=setting, reason=exc.strerror or exc)


def boundaries_for(ctx: PageContext, source: BoundarySource | None = None) -> tuple[Any | None, str]:
    """The configured boundaries (cached) and a message: empty when fine or not configured, else why the
    map falls back to bubbles."""
    from geo.boundaries import BoundaryError

    source = source or boundary_source(ctx)
    if not source.path:
        return None, source.message
    try:
        return cache.boundaries(source.path, source.signature, ctx.url, ctx.version), ""
    except BoundaryError as exc:
        return None, _unusable(exc)
    except OSError as exc:
        return None, _unreadable(ctx.settings.boundaries, exc)


def render_map_controls(ctx: PageContext, boundaries: Any | None) -> MapControls:
    """Measure, level and shape choices above the map."""
    code, name, has_admin2 = ctx.computed("dashboard.map_page:compute_map_choices")
    cols = st.columns([3, 1, 1] if has_admin2 else [4, 1])
    measure = cols[0].radio(_("Measure"), list(MEASURES), format_func=lambda m: _(MEASURES[m]), horizontal=True,
                            key="w_map_measure",
                            help=_("Per 10,000: the value divided by the area's refugee (IDP in Ukraine) or resident "
                                   "population. Gap view: areas with many people and few or no services reported."))
    level = 1
    if has_admin2:
        level = int(cols[1].radio(_("Areas"), [1, 2], format_func=lambda v: _("Admin-{level}").format(level=v),
                                  horizontal=True, key="w_map_level"))
    bubbles = boundaries is None
    if boundaries is not None:
        bubbles = cols[-1].toggle(_("Bubbles"), key="w_map_bubbles",
                                  help=_("Proportional bubbles at area centres instead of filled areas"))
    st.caption(_("Indicator: **{name}**. Choose another in the sidebar.").format(name=name))
    return MapControls(code, str(measure), level, bool(bubbles))


def compute_map_choices(ctx: PageContext) -> tuple[str, str, bool]:
    """The indicator the map shows (:func:`pick_map_indicator`), its name in the reader's language, and whether
    the data has admin-2 areas (then the reader may pick the level)."""
    inds = ctx.indicators()
    code = pick_map_indicator(inds, ctx.filters)
    locs = cache.locations(ctx.url, ctx.version)
    return code, names.indicator_names(inds).get(code, code), bool((locs["admin_level"] == 2).any())


@dataclass(frozen=True)
class MapPage:
    """Everything the Map page draws for one context, set of choices and boundary files, computed once
    (:func:`map_page`). Shared between reruns and sessions: read-only."""

    view: MapView  # suppressed for the public
    hidden: int | None  # areas hidden by small-cell suppression (the public's map), None for staff
    deck: pdk.Deck  # the map, written to JSON once
    csv: bytes  # the map's data (:func:`dashboard.maps.compute_map_csv`)
    file_name: str
    notes: tuple[str, ...]  # what is not on the map, and why (captions under it)
    unmatched_title: str  # the boundary features that matched no area: expander title and table
    unmatched_table: pd.DataFrame
    gap_table: pd.DataFrame | None  # the gap view's ranking (None for other measures)
    sources: pd.DataFrame  # the ``source`` values the figures come from (for the stale-source notes)


def map_page(ctx: PageContext, controls: MapControls, source: BoundarySource) -> MapPage:
    """The page's map (:func:`compute_map_page`), computed once per context, language, choices and boundary
    files: a rerun that changes none of them (a click elsewhere) draws the kept map."""
    return ctx.computed("dashboard.map_page:compute_map_page", controls, source)  # type: ignore[no-any-return]


def compute_map_page(ctx: PageContext, controls: MapControls, source: BoundarySource) -> MapPage:
    """The view (suppressed for the public), the deck, the CSV, the notes and tables the page shows."""
    from dashboard import public_map

    boundaries, message = boundaries_for(ctx, source)
    view = compute_page_view(ctx, controls, boundaries, message)
    hidden = None
    if ctx.audience.suppresses:  # the public's map hides small cells (the indicator's figure set)
        figures = ctx.figures(view.indicator)
        view = public_map.compute_public_map_view(view, figures)
        hidden = figures.hidden_in(f"map{view.level}")
    deck = build_map_deck(view).keep_json()  # written once here, not on every rerun
    unmatched = view.unmatched_features
    has_unmatched = unmatched is not None and not unmatched.empty
    # The stale-source notes need only which sources the map's figures come from, not the frames.
    frames = (cache.denominators(ctx.url, ctx.version), map_facts(ctx, controls))  # the view's frame: kept
    sources = pd.unique(pd.concat([f[C.SOURCE].dropna().astype(str) for f in frames if C.SOURCE in f]
                                  + [pd.Series([], dtype="str")]))
    return MapPage(
        view=view, hidden=hidden, deck=deck, csv=compute_map_csv(view), file_name=compute_map_file_name(view),
        notes=compute_map_notes(view),
        unmatched_title=ngettext("{n} boundary feature matched no area", "{n} boundary features matched no area",
                                 len(unmatched)).format(n=fmt.number(len(unmatched))) if has_unmatched else "",
        unmatched_table=compute_unmatched_table(unmatched) if has_unmatched else pd.DataFrame(),
        gap_table=compute_gap_table(view),
        sources=pd.DataFrame({C.SOURCE: sources}),
    )


def map_facts(ctx: PageContext, controls: MapControls) -> pd.DataFrame:
    """What the map's indicator is computed from: sums at the rules' grain (the cube), which give the same area
    values as the report rows from far fewer rows; every indicator's for "organisations reporting"."""
    inds = ctx.indicators().set_index("code", drop=False)
    if str(inds.loc[controls.indicator, "aggregation"]) == "distinct_organisations":
        return ctx.cube(with_indicator=False)
    return ctx.cube(filters=replace(ctx.filters, indicator=controls.indicator))


def compute_page_view(ctx: PageContext, controls: MapControls, boundaries: Any | None, message: str) -> MapView:
    """The map view for the page's context: facts, locations, denominators and targets through the cache."""
    row = ctx.indicators().set_index("code", drop=False).loc[controls.indicator]
    view = compute_map_view(
        map_facts(ctx, controls), row, cache.locations(ctx.url, ctx.version), cache.denominators(ctx.url, ctx.version),
        cache.targets(ctx.url, ctx.version), ctx.filters, ctx.period, controls.measure, controls.level,
    )
    if controls.bubbles and boundaries is not None:
        return replace(view, attribution="")
    return with_boundaries(view, boundaries, message)


def render_map(page: MapPage) -> None:
    """The map, its attribution line and the demo label."""
    view = page.view
    if view.boundary_message:
        st.warning(view.boundary_message, icon=":material/map:")
    st.pydeck_chart(page.deck, height=560, width="stretch")
    credits = []
    if view.attribution:
        credits.append(describe_attribution(view.attribution))
    else:
        credits.append(_("Bubbles at area centres (no boundary file is in use; set MHPSS_BOUNDARIES to draw areas)"))
    if view.has_demo:
        credits.append(_("includes synthetic demo data"))
    st.caption(" · ".join(credits))


def describe_attribution(attribution: str) -> str:
    """The boundaries' credit line for the reader: the credit itself as the data gives it (licences and
    names are not translated), after the word "Boundaries" in the reader's language."""
    prefix = "Boundaries: "
    if attribution.startswith(prefix):
        return _("Boundaries: {credits}").format(credits=attribution[len(prefix):])
    return attribution


def render_map_legend(legend: Legend) -> None:
    """The legend: one swatch per class, then the no-data swatches (outlined grey)."""
    items = []
    for colour, label, outline in legend.entries:
        style = (f"background:{colour}55;border:2px solid #636363" if outline
                 else f"background:{colour};border:1px solid #888")
        items.append(f"<span style='display:inline-flex;align-items:center;margin:0 14px 4px 0'>"
                     f"<span style='width:18px;height:14px;display:inline-block;margin-right:6px;{style}'></span>"
                     f"{html.escape(label)}</span>")
    note = f"<br/><small>{html.escape(legend.note)}</small>" if legend.note else ""
    st.markdown(f"<div><b>{html.escape(legend.title)}</b><br/>{''.join(items)}{note}</div>", unsafe_allow_html=True)


def render_map_notes(page: MapPage) -> None:
    """What is not on the map, and why: country-wide reports, data areas without a polygon, boundary
    features that matched no area."""
    for note in page.notes:
        st.caption(note)
    if page.unmatched_title:
        with st.expander(page.unmatched_title):
            st.dataframe(page.unmatched_table, hide_index=True, width="stretch")


def compute_map_notes(view: MapView) -> tuple[str, ...]:
    """The sentences under the map: country-wide reports, and data areas without a polygon."""
    notes = []
    sentence = describe_off_map(view.off_map, view.unit)
    if sentence:
        notes.append(sentence)
    if view.without_boundary:
        missing = view.areas.set_index(C.PCODE).loc[view.without_boundary, NAME].astype(str)
        notes.append(ngettext("{n} area has no polygon in the boundary file and is drawn as a bubble: {areas}.",
                              "{n} areas have no polygon in the boundary file and are drawn as bubbles: {areas}.",
                              len(missing)).format(n=fmt.number(len(missing)), areas=", ".join(missing)))
    return tuple(notes)


def compute_unmatched_table(unmatched: pd.DataFrame) -> pd.DataFrame:
    """The boundary features that matched no area, with headers and reasons in the reader's language."""
    from geo.boundaries import describe_reasons

    return pd.DataFrame({
        _("File"): unmatched["source_file"].to_numpy() if "source_file" in unmatched else "",
        _("Feature"): unmatched["feature"].to_numpy() if "feature" in unmatched else "",
        _("Label"): unmatched["label"].to_numpy() if "label" in unmatched else "",
        _("Reason"): describe_reasons(unmatched).to_numpy(),
    })


def render_gap_table(page: MapPage) -> None:
    """The gap view's ranking: areas with the most people and the fewest services first."""
    table = page.gap_table
    if table is None:
        return
    st.subheader(_("Service gaps"))
    if table.empty:
        st.success(_("No area has many people and low or no coverage for this selection."),
                   icon=":material/check_circle:")
        return
    people, value = _("People (denominator)"), _("Value")
    st.dataframe(table, hide_index=True, width="stretch", column_config={
        people: st.column_config.NumberColumn(format="localized"),
        value: st.column_config.NumberColumn(format="localized")})


def compute_gap_table(view: MapView) -> pd.DataFrame | None:
    """The gap view's ranking as the reader sees it (empty when no area has a gap); None for other measures."""
    if view.measure != "gap" or "gap" not in view.areas:
        return None
    a = view.areas.sort_values("gap_rank")
    gaps = a[a["gap"].isin(["no_services", "low"])]
    if gaps.empty:
        return pd.DataFrame()
    hidden = gaps["status"].astype(str).str.startswith("hidden")
    people, value = _("People (denominator)"), _("Value")
    return pd.DataFrame({
        _("Area"): gaps[NAME], _("Country"): gaps[C.COUNTRY].map(lambda c: fmt.label("country", c)),
        people: gaps[DENOM],
        value: gaps[C.VALUE].fillna(0.0) if not hidden.any() else
        [gaps_hidden_text(str(s)) if h else fmt.number(v if not pd.isna(v) else 0.0)
         for v, s, h in zip(gaps[C.VALUE], gaps["status"], hidden, strict=True)],
        _("Per 10,000"): gaps["per_10k"].round(1), _("Gap"): gaps["gap"].map(lambda g: _(GAP_COLOURS[g][1])),
        _("Population source"): gaps["denominator_source"],
    })


def gaps_hidden_text(status: str) -> str:
    """A hidden area's value in the gap table: ``<5`` or ``hidden`` in the reader's language (the status
    holds the machine form, ``hidden (<5)`` or ``hidden (hidden)``)."""
    inner = status[len("hidden ("):-1] if status.startswith("hidden (") and status.endswith(")") else status
    return _("hidden") if inner == "hidden" else inner


def render_map_download(page: MapPage) -> None:
    """Download the map's data (one row per area) as CSV."""
    st.download_button(_("Download the map data (CSV)"), data=page.csv, file_name=page.file_name,
                       mime="text/csv", key="dl_map_csv", icon=":material/download:", on_click="ignore")


def compute_map_file_name(view: MapView) -> str:
    """The CSV's file name: indicator, measure, level and months (safe characters only)."""
    months = (f"{view.period_start}_to_{view.period_end}" if view.period_start else view.period_label.split(" (")[0])
    stem = f"mhpss_map_{view.indicator}_{view.measure}_admin{view.level}_{months}"
    return re.sub(r"[^A-Za-z0-9._-]+", "_", stem).strip("._-")[:120] + ".csv"
