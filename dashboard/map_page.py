"""The Map page: reading through the cache, the reader's choices, and drawing (``render_*``).

The arithmetic and the pydeck layers are in :mod:`dashboard.maps`; this module only wires them to the page
context, the boundaries setting and Streamlit.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, replace
from typing import Any

import pandas as pd
import streamlit as st

from dashboard import cache
from dashboard import columns as C
from dashboard import format as fmt
from dashboard.filters import Filters
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
from dashboard.vocab import COUNTRIES


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


def boundaries_for(ctx: PageContext) -> tuple[Any | None, str]:
    """The configured boundaries (cached) and a message: empty when fine or not configured, else why the
    map falls back to bubbles."""
    from geo.boundaries import BoundaryError, boundary_files, files_signature, resolve_boundaries_path

    setting = ctx.settings.boundaries
    if not setting:
        return None, ""
    try:
        path = resolve_boundaries_path(setting)
        signature = files_signature(boundary_files(path))
        return cache.boundaries(str(path), signature, ctx.url, ctx.version), ""
    except BoundaryError as exc:
        return None, f"The boundary file could not be used: {exc}. Showing bubbles at area centroids instead."
    except OSError as exc:
        return None, (f"MHPSS_BOUNDARIES: {setting} could not be read ({exc.strerror or exc}). "
                      "Showing bubbles at area centroids instead.")


def render_map_controls(ctx: PageContext, boundaries: Any | None) -> MapControls:
    """Measure, level and shape choices above the map."""
    inds = ctx.indicators()
    code = pick_map_indicator(inds, ctx.filters)
    name = str(inds.set_index("code").loc[code, "name"])
    locs = cache.locations(ctx.url, ctx.version)
    has_admin2 = bool((locs["admin_level"] == 2).any())
    cols = st.columns([3, 1, 1] if has_admin2 else [4, 1])
    measure = cols[0].radio("Measure", list(MEASURES), format_func=MEASURES.__getitem__, horizontal=True,
                            key="w_map_measure",
                            help="Per 10,000: the value divided by the area's refugee (IDP in Ukraine) or resident "
                                 "population. Gap view: areas with many people and few or no services reported.")
    level = 1
    if has_admin2:
        level = int(cols[1].radio("Areas", [1, 2], format_func=lambda v: f"Admin-{v}", horizontal=True,
                                  key="w_map_level"))
    bubbles = boundaries is None
    if boundaries is not None:
        bubbles = cols[-1].toggle("Bubbles", key="w_map_bubbles", help="Proportional bubbles at area centres "
                                  "instead of filled areas")
    st.caption(f"Indicator: **{name}**. Choose another in the sidebar.")
    return MapControls(code, str(measure), level, bool(bubbles))


def compute_page_view(ctx: PageContext, controls: MapControls, boundaries: Any | None, message: str) -> MapView:
    """The map view for the page's context: facts, locations, denominators and targets through the cache."""
    inds = ctx.indicators().set_index("code", drop=False)
    row = inds.loc[controls.indicator]
    if str(row["aggregation"]) == "distinct_organisations":
        facts = ctx.facts(with_indicator=False)
    else:
        facts = ctx.facts(filters=replace(ctx.filters, indicator=controls.indicator))
    view = compute_map_view(
        facts, row, cache.locations(ctx.url, ctx.version), cache.denominators(ctx.url, ctx.version),
        cache.targets(ctx.url, ctx.version), ctx.filters, ctx.period, controls.measure, controls.level,
    )
    if controls.bubbles and boundaries is not None:
        return replace(view, attribution="")
    return with_boundaries(view, boundaries, message)


def render_map(view: MapView) -> None:
    """The map, its attribution line and the demo label."""
    if view.boundary_message:
        st.warning(view.boundary_message, icon=":material/map:")
    st.pydeck_chart(build_map_deck(view), height=560, width="stretch")
    credits = []
    if view.attribution:
        credits.append(view.attribution)
    else:
        credits.append("Bubbles at area centres (no boundary file is in use; set MHPSS_BOUNDARIES to draw areas)")
    if view.has_demo:
        credits.append("includes synthetic demo data")
    st.caption(" · ".join(credits))


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


def render_map_notes(view: MapView) -> None:
    """What is not on the map, and why: country-wide reports, data areas without a polygon, boundary
    features that matched no area."""
    sentence = describe_off_map(view.off_map, view.unit)
    if sentence:
        st.caption(sentence)
    if view.without_boundary:
        names = view.areas.set_index(C.PCODE).loc[view.without_boundary, NAME]
        st.caption(f"{len(names)} areas have no polygon in the boundary file and are drawn as bubbles: "
                   + ", ".join(names.astype(str)) + ".")
    if view.unmatched_features is not None and not view.unmatched_features.empty:
        with st.expander(f"{len(view.unmatched_features)} boundary features matched no area"):
            st.dataframe(view.unmatched_features, hide_index=True, width="stretch")


def render_gap_table(view: MapView) -> None:
    """The gap view's ranking: areas with the most people and the fewest services first."""
    if view.measure != "gap" or "gap" not in view.areas:
        return
    a = view.areas.sort_values("gap_rank")
    gaps = a[a["gap"].isin(["no_services", "low"])]
    st.subheader("Service gaps")
    if gaps.empty:
        st.success("No area has many people and low or no coverage for this selection.",
                   icon=":material/check_circle:")
        return
    table = pd.DataFrame({
        "Area": gaps[NAME], "Country": gaps[C.COUNTRY].map(COUNTRIES),
        "People (denominator)": gaps[DENOM],
        "Value": gaps[C.VALUE].fillna(0.0) if not gaps["status"].astype(str).str.startswith("hidden").any() else
        [str(st_) if str(st_).startswith("hidden") else fmt.number(v if not pd.isna(v) else 0.0)
         for v, st_ in zip(gaps[C.VALUE], gaps["status"], strict=True)],
        "Per 10,000": gaps["per_10k"].round(1), "Gap": gaps["gap"].map(lambda g: GAP_COLOURS[g][1]),
        "Population source": gaps["denominator_source"],
    })
    st.dataframe(table, hide_index=True, width="stretch", column_config={
        "People (denominator)": st.column_config.NumberColumn(format="localized"),
        "Value": st.column_config.NumberColumn(format="localized")})


def render_map_download(view: MapView) -> None:
    """Download the map's data (one row per area) as CSV."""
    stem = f"mhpss_map_{view.indicator}_{view.measure}_admin{view.level}_{view.period_label.split(' (')[0]}"
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", stem).strip("._-")[:120] + ".csv"
    st.download_button("Download the map data (CSV)", data=compute_map_csv(view), file_name=name, mime="text/csv",
                       key="dl_map_csv", icon=":material/download:", on_click="ignore")
