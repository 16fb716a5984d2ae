"""The Map in the public view: the indicator's figure set decides which areas are hidden (the same cells
as everywhere else for this selection), and everything derived from a hidden value goes too: the value,
coverage per 10,000, % of target, the class colour, the tooltip numbers, the CSV and the country-wide
figures listed under the map. Hidden areas get their own colour and legend entry.

The status column keeps the machine form (``hidden (<5)``, ``hidden (hidden)``: the map's CSV holds it); the
tooltip and legend words are in the reader's language.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pandas as pd

from dashboard import columns as C
from dashboard import format as fmt
from dashboard import privacy
from dashboard.figures import STATUS as FIGURE_STATUS
from dashboard.figures import IndicatorFigures
from dashboard.i18n import _, ngettext
from dashboard.maps import (
    CLASS,
    DENOM,
    DENOMINATOR_OF,
    GAP_COLOURS,
    METRIC,
    STATUS,
    Legend,
    MapView,
    compute_legend,
    compute_tooltips,
)

HIDDEN_COLOUR = "#B39DDB"
_DERIVED = ("colour", CLASS, "gap", "gap_rank", "code_text", "value_text", "metric_text", "denominator_text",
            "source_text")


def compute_public_map_view(view: MapView, figures: IndicatorFigures) -> MapView:
    """``view`` with the figure set's suppression applied (unchanged for staff)."""
    if not figures.audience.suppresses:
        return view
    table = figures.tables.get(f"map{view.level}")
    if table is None:
        return view
    states = dict(zip(table[C.PCODE].astype(str), table[FIGURE_STATUS], strict=True))
    threshold = figures.audience.threshold
    areas = view.areas.drop(columns=[c for c in _DERIVED if c in view.areas])
    state = areas[C.PCODE].astype(str).map(states).fillna(privacy.SHOWN)
    hidden = state != privacy.SHOWN
    true_per = areas["per_10k"].copy()
    for col in (C.VALUE, "per_10k", "pct_target", METRIC):
        areas[col] = areas[col].where(~hidden, np.nan)
    areas.loc[hidden, STATUS] = [f"hidden ({privacy.display(None, s, threshold, translate=False)})"
                                 for s in state[hidden]]
    denominator = DENOMINATOR_OF.get(view.measure, "refugees_present" if view.measure == "gap" else "")
    areas, legend = compute_legend(areas, view.measure, view.unit, denominator)
    if view.measure == "gap":
        areas = _gaps_of_hidden(areas, hidden, true_per)
    areas = compute_tooltips(areas, view.measure, view.unit)
    areas.loc[hidden, "colour"] = HIDDEN_COLOUR
    areas.loc[hidden, "value_text"] = [_("{value} {unit} (hidden to protect privacy)").format(
                                           value=privacy.display(None, s, threshold), unit=view.unit)
                                       for s in state[hidden]]
    if view.measure != "gap":
        areas.loc[hidden, "metric_text"] = ""
    if hidden.any():
        label = _("{small} or hidden (privacy)").format(small=privacy.small_label(threshold))
        legend = Legend(legend.title, (*legend.entries, (HIDDEN_COLOUR, label, False)), legend.note)
    off_state = view.off_map[C.PCODE].astype(str).map(states).fillna(privacy.SHOWN) if not view.off_map.empty else None
    off_map = view.off_map if off_state is None else view.off_map[off_state == privacy.SHOWN].reset_index(drop=True)
    return replace(view, areas=areas, legend=legend, off_map=off_map)


def _gaps_of_hidden(areas: pd.DataFrame, hidden: pd.Series, true_per: pd.Series) -> pd.DataFrame:
    """Gap classes of hidden areas: a hidden value is not "no services"; it is "low coverage" when the area
    has many people and its coverage is in the lowest quarter of the areas shown, else "other" (a class,
    never a number)."""
    out = areas.copy()
    has_denom = out[DENOM].notna() & (out[DENOM] > 0)
    median_people = float(out.loc[has_denom, DENOM].median()) if has_denom.any() else math.inf
    served = out.loc[has_denom & (out["per_10k"] > 0), "per_10k"]
    low_cut = float(served.quantile(0.25)) if not served.empty else math.inf
    many = has_denom & (out[DENOM] >= median_people)
    low = many & (true_per <= low_cut)
    out.loc[hidden & has_denom, "gap"] = np.where(low[hidden & has_denom], "low", "other")
    out.loc[hidden & has_denom, "colour"] = out.loc[hidden & has_denom, "gap"].map(lambda g: GAP_COLOURS[g][0])
    return out


def describe_hidden(view: MapView) -> str:
    """One sentence on how many areas are hidden, or ''."""
    hidden = int(view.areas[STATUS].astype(str).str.startswith("hidden").sum())
    if not hidden:
        return ""
    return ngettext("{n} area is hidden to protect privacy.", "{n} areas are hidden to protect privacy.",
                    hidden).format(n=fmt.number(hidden))
