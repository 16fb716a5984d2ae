"""Altair chart builders (``build_*``: they return charts and never call ``st.*``) and the chart cache.

Colours come from the Okabe–Ito palette, which stays distinguishable with the common colour-vision
deficiencies. Numbers carry thousands separators. Axis titles, legends and tooltips are translated when the
chart is built, and :func:`with_locale` gives a top-level chart the reader's number and date formats
(``1 234`` and ``лист. 2026`` in Ukrainian) through Vega-Lite's ``config.locale``.

Building an Altair chart and turning it into Vega-Lite (``to_dict`` with its schema validation) costs tens
to hundreds of milliseconds, while the data behind a chart is a small, already computed frame. So pages
draw charts with :func:`render_chart`, which keeps the finished spec per process (:func:`cached_spec`, a
bounded LRU) keyed by the builder, a content hash of its arguments, the current language and the Altair
theme: a rerun whose chart data did not change neither builds nor converts the chart. A builder declared
with :func:`in_parts` splits its input into data (frames) and shape (titles, categories, scale domains…);
its spec is then kept per shape with the data left out (:func:`cached_template`), so new data of a known
shape (another filter) costs only the frames' Arrow conversion, not a new Altair chart.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping
from datetime import date
from functools import cache
from types import MappingProxyType
from typing import Any, Literal, NamedTuple, TypeAlias, TypeVar, cast

import altair as alt
import numpy as np
import pandas as pd
from babel import dates as babel_dates

from dashboard import columns as C
from dashboard import i18n
from dashboard.i18n import _

OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
ACCENT = OKABE_ITO[0]
TARGET_COLOUR = "#D55E00"
_EN_SHORT_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

TopChart = TypeVar("TopChart", bound=alt.Chart | alt.LayerChart | alt.VConcatChart | alt.FacetChart)
AnyChart = alt.Chart | alt.LayerChart | alt.VConcatChart | alt.FacetChart
#: How many finished specs the process keeps (each a few kB: small monthly frames as Arrow bytes).
SPEC_CACHE_SIZE = 256

ChartData: TypeAlias = "pd.DataFrame | alt.NamedData"
Build = TypeVar("Build", bound=Callable[..., Any])
_PLACEHOLDER = "mhpss-chart-data:"
_VALUE = "mhpss-chart-value:"

_specs: OrderedDict[Hashable, dict[str, Any]] = OrderedDict()
_templates: OrderedDict[Hashable, dict[str, Any]] = OrderedDict()
_specs_lock = threading.Lock()  # script runs are threads of one process, and both caches are per process


class ChartParts(NamedTuple):
    """A chart's input split: ``frames`` (each one dataset of the chart, by role), ``shape`` (the small hashable
    values the chart is drawn from) and ``values`` (numbers, strings or lists of strings the chart only writes
    into its spec as they are: a scale's domain, a height, a sort order). Two charts of one shape differ only
    in their data and values."""

    frames: dict[str, pd.DataFrame]
    shape: tuple[Any, ...]
    values: Mapping[str, Any] = MappingProxyType({})


_recipes: dict[Callable[..., Any], tuple[Callable[..., ChartParts], Callable[..., Any]]] = {}


def in_parts(parts: Callable[..., ChartParts], draw: Callable[..., Any]) -> Callable[[Build], Build]:
    """Declare that a builder is ``draw(frames, *shape, **values)`` of its ``parts(...)``: ``parts`` shapes the
    data (pandas only) and ``draw`` makes the Altair chart. The chart cache then keeps one spec per shape, drawn
    from stand-ins for the frames and values, and fills the real ones in (see :func:`cached_spec`); so ``draw``
    must put each value into the chart as it is, never compute with it."""
    def register(build: Build) -> Build:
        _recipes[build] = (parts, draw)
        return build
    return register


def drawn(draw: Callable[..., TopChart], parts: ChartParts) -> TopChart:
    """``draw`` applied to ``parts`` (the builder's own path: real frames)."""
    return draw(parts.frames, *parts.shape, **parts.values)


@cache
def vega_locale(lang: str) -> dict[str, Any]:
    """Vega's number and time format locale for ``lang`` (decimal mark, thousands separator, month and day
    names from Babel; stand-alone month names, so an axis reads ``листопад 2026``, not the genitive)."""
    where = i18n.babel_locale(lang)
    months = babel_dates.get_month_names("wide", context="stand-alone", locale=where)
    short_months = babel_dates.get_month_names("abbreviated", context="stand-alone", locale=where)
    days = babel_dates.get_day_names("wide", context="stand-alone", locale=where)
    short_days = babel_dates.get_day_names("abbreviated", context="stand-alone", locale=where)
    periods = babel_dates.get_period_names(locale=where)
    sunday_first = [6, 0, 1, 2, 3, 4, 5]  # Babel counts from Monday, d3 from Sunday
    return {
        "number": i18n.d3_locale(lang),
        "time": {
            "dateTime": "%x, %X", "date": "%d.%m.%Y" if lang != "en" else "%d/%m/%Y", "time": "%H:%M:%S",
            "periods": [str(periods.get("am", "AM")), str(periods.get("pm", "PM"))],
            "days": [str(days[i]) for i in sunday_first], "shortDays": [str(short_days[i]) for i in sunday_first],
            "months": [str(months[i]) for i in range(1, 13)],
            # English keeps the compact "Sep" the pages show (CLDR's en_GB says "Sept").
            "shortMonths": list(_EN_SHORT_MONTHS) if lang == i18n.DEFAULT else
            [str(short_months[i]) for i in range(1, 13)],
        },
    }


def with_locale(chart: TopChart) -> TopChart:
    """``chart`` (a top-level chart: it cannot be layered or concatenated afterwards) formatting its numbers
    and dates for the current language."""
    out = cast(TopChart, chart.copy(deep=False))
    config = chart.config.copy(deep=True) if chart.config is not alt.Undefined else alt.Config()
    config.locale = vega_locale(i18n.current())
    out.config = config
    return out


def build_monthly_bars(monthly: pd.DataFrame, unit: str, target: float | None = None) -> alt.LayerChart:
    """Monthly values as bars with the cumulative value as a line and, when known, the target as a rule
    (``unit`` as the reader reads it: it goes into the axis titles)."""
    data = monthly.assign(date=pd.to_datetime(monthly[C.MONTH]))
    bars = alt.Chart(data).mark_bar(color="#9cc3e6").encode(
        x=alt.X("yearmonth(date):T", title=_("Month"), axis=alt.Axis(format="%b %Y")),
        y=alt.Y(f"{C.VALUE}:Q", title=_("{unit} per month").format(unit=unit), axis=alt.Axis(format=",.0f")),
        tooltip=[alt.Tooltip("yearmonth(date):T", title=_("Month"), format="%B %Y"),
                 alt.Tooltip(f"{C.VALUE}:Q", title=_("Value"), format=",.0f"),
                 alt.Tooltip("cumulative:Q", title=_("Cumulative"), format=",.0f")],
    )
    line = alt.Chart(data).mark_line(color=ACCENT, strokeWidth=2).encode(
        x="yearmonth(date):T",
        y=alt.Y("cumulative:Q", title=_("cumulative {unit}").format(unit=unit), axis=alt.Axis(format=",.0f")),
    )
    layers: list[alt.Chart] = [line]
    if target:
        rule = alt.Chart(pd.DataFrame({"target": [target]})).mark_rule(
            color=TARGET_COLOUR, strokeDash=[6, 4]).encode(
            y="target:Q", tooltip=alt.Tooltip("target:Q", title=_("Target"), format=",.0f"))
        layers.append(rule)
    right = alt.layer(*layers)
    return with_locale(alt.layer(bars, right).resolve_scale(y="independent").properties(height=280, width="container"))


def bar_breakdown_parts(frame: pd.DataFrame, dim: str, label: str, colour_dim: str | None = None,
                        colour_label: str | None = None) -> ChartParts:
    return ChartParts({"data": frame}, (dim, label, colour_dim, colour_label),
                      {"height": max(120, 22 * int(frame[dim].nunique()))})


def _draw_bar_breakdown(frames: dict[str, ChartData], dim: str, label: str, colour_dim: str | None,
                        colour_label: str | None, *, height: int) -> alt.Chart:
    colour_title = colour_label or (colour_dim or "").replace("_", " ")
    enc_colour = (alt.Color(f"{colour_dim}:N", title=colour_title,
                            scale=alt.Scale(range=OKABE_ITO)) if colour_dim else alt.value(ACCENT))
    tooltip = [alt.Tooltip(f"{dim}:N", title=label), alt.Tooltip(f"{C.VALUE}:Q", title=_("Value"), format=",.0f")]
    if colour_dim:
        tooltip.insert(1, alt.Tooltip(f"{colour_dim}:N", title=colour_title))
    return with_locale(
        alt.Chart(frames["data"])
        .mark_bar()
        .encode(
            y=alt.Y(f"{dim}:N", title=label, sort="-x"),
            x=alt.X(f"sum({C.VALUE}):Q", title=_("Value"), axis=alt.Axis(format=",.0f")),
            color=enc_colour,
            tooltip=tooltip,
        )
        .properties(height=height, width="container")
    )


@in_parts(bar_breakdown_parts, _draw_bar_breakdown)
def build_bar_breakdown(frame: pd.DataFrame, dim: str, label: str, colour_dim: str | None = None,
                        colour_label: str | None = None) -> alt.Chart:
    """Horizontal bars of value by ``dim`` (optionally stacked by ``colour_dim``), largest first; ``label``
    and ``colour_label`` are the (translated) titles of the two dimensions."""
    return drawn(_draw_bar_breakdown, bar_breakdown_parts(frame, dim, label, colour_dim, colour_label))


# --- the chart cache ------------------------------------------------------------------------------------


def _fingerprint(value: object) -> Hashable:
    """A cheap hashable stand-in for a builder argument: frames by a hash of their content, columns and
    dtypes (a categorical's categories included); small scalars and tuples by value."""
    if isinstance(value, pd.DataFrame | pd.Series):
        frame = value.to_frame() if isinstance(value, pd.Series) else value
        rows = pd.util.hash_pandas_object(frame, index=True).to_numpy()
        digest = hashlib.blake2b(rows.tobytes(), digest_size=16).hexdigest()
        return (type(value).__name__, tuple(map(str, frame.columns)), tuple(map(repr, frame.dtypes)),
                repr(frame.index.dtype), len(frame), digest)
    if value is None or isinstance(value, str | bool | int | float | date | np.generic):
        return (type(value).__name__, repr(value))
    if isinstance(value, tuple | list):
        return (type(value).__name__, tuple(_fingerprint(v) for v in value))
    raise TypeError(f"a cached chart cannot be keyed on a {type(value).__name__} argument")


def chart_key(build: Callable[..., AnyChart], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Hashable:
    """The cache key of ``build(*args, **kwargs)`` in the current language and Altair theme."""
    return (build, i18n.current(), alt.theme.active, tuple(_fingerprint(a) for a in args),
            tuple(sorted((k, _fingerprint(v)) for k, v in kwargs.items())))


#: Whether building a spec checks it against the Vega-Lite schema. Checking is most of what building a chart's
#: template costs (about 0.1 s of 0.2 s) and says nothing new once a shape has passed it: the tests switch it on
#: (tests/conftest.py), so every chart shape they draw is checked, and the app leaves it off.
VALIDATE = False


def vega_lite_spec(chart: AnyChart) -> dict[str, Any]:
    """``chart`` as the Vega-Lite dict ``st.altair_chart`` would send (data as Arrow datasets named by a hash of
    their content, Streamlit's handling of Altair's theme), so ``st.vega_lite_chart`` draws it the same."""
    # Streamlit's own conversion (_convert_altair_to_vega_lite_spec) but for the schema check (VALIDATE), so the
    # spec is exactly what st.altair_chart sends; it holds Streamlit's lock over Altair's process-wide theme and
    # data transformer (tests/unit/test_chart_cache.py compares the two).
    from contextlib import nullcontext

    from streamlit.elements.vega_charts import _altair_globals_lock, _to_arrow_dataset

    datasets: dict[str, Any] = {}
    alt.data_transformers.register("to_arrow_dataset", _to_arrow_dataset)
    with _altair_globals_lock:
        theme = alt.theme.enable("none") if alt.theme.active == "default" else nullcontext()
        with theme, alt.data_transformers.enable("to_arrow_dataset", datasets=datasets):
            spec = chart.to_dict(validate=VALIDATE)
    existing = spec.get("datasets")
    spec["datasets"] = {**existing, **datasets} if isinstance(existing, dict) else datasets
    return spec


def _kept(store: OrderedDict[Hashable, dict[str, Any]], key: Hashable) -> dict[str, Any] | None:
    with _specs_lock:
        spec = store.get(key)
        if spec is not None:
            store.move_to_end(key)
        return spec


def _keep(store: OrderedDict[Hashable, dict[str, Any]], key: Hashable, spec: dict[str, Any]) -> None:
    with _specs_lock:
        store[key] = spec
        store.move_to_end(key)
        while len(store) > SPEC_CACHE_SIZE:
            store.popitem(last=False)


def _stand_in(name: str, value: object, index: int) -> object:
    """What ``draw`` gets instead of a value when a template is made: of the same kind, so it passes the schema,
    and unlike anything a chart holds."""
    if isinstance(value, bool) or not isinstance(value, int | float | str | tuple | list):
        raise TypeError(f"chart value {name!r} must be a number, a string or a list of strings")
    if isinstance(value, int):
        return -987_654_321 - index
    if isinstance(value, float):
        return -9.87654321e-299 * (index + 1)
    return _VALUE + name if isinstance(value, str) else (_VALUE + name,)


def cached_template(draw: Callable[..., AnyChart], roles: tuple[str, ...], shape: tuple[Any, ...],
                    values: Mapping[str, Any]) -> tuple[dict[str, Any], dict[object, str]]:
    """The spec ``draw`` makes for ``shape`` in the current language and theme from stand-ins for the frames (a
    dataset name ``mhpss-chart-data:<role>``) and for the values, and which stand-in is which value. Kept like
    the specs."""
    names = tuple(sorted(values))
    stand_ins = {name: _stand_in(name, values[name], i) for i, name in enumerate(names)}
    key = (draw, i18n.current(), alt.theme.active, roles, _fingerprint(shape),
           tuple((name, type(stand_ins[name]).__name__) for name in names))
    template = _kept(_templates, key)
    if template is None:
        frames = {role: alt.NamedData(name=_PLACEHOLDER + role) for role in roles}
        template = vega_lite_spec(draw(frames, *shape, **stand_ins))
        _keep(_templates, key, template)
    which = {(s[0] if isinstance(s, tuple) else s): name for name, s in stand_ins.items()}
    return template, which


def _filled(node: Any, names: dict[str, str], values: dict[object, Any], seen: dict[str, None]) -> Any:
    """A copy of a template with every stand-in replaced (``seen`` collects the dataset names in order)."""
    if isinstance(node, dict):
        return {k: _filled(v, names, values, seen) for k, v in node.items()}
    if isinstance(node, list):
        if len(node) == 1 and isinstance(node[0], str) and node[0] in values:
            return list(values[node[0]])
        return [_filled(v, names, values, seen) for v in node]
    if isinstance(node, str) and node in names:
        seen[node] = None
        return names[node]
    if type(node) in (int, float, str) and node in values:
        return values[node]
    return node


def spec_from_parts(draw: Callable[..., AnyChart], parts: ChartParts) -> dict[str, Any]:
    """The spec of ``draw`` over ``parts``: the kept template of its shape with the frames' data and the values
    filled in, the data as Streamlit would have named and serialised it (Arrow, named by a hash of the bytes)."""
    from streamlit.elements.vega_charts import _to_arrow_dataset

    template, which = cached_template(draw, tuple(parts.frames), parts.shape, parts.values)
    arrow: dict[str, Any] = {}
    names = {_PLACEHOLDER + role: _to_arrow_dataset(frame, arrow)["name"] for role, frame in parts.frames.items()}
    values = {stand_in: parts.values[name] for stand_in, name in which.items()}
    seen: dict[str, None] = {}
    spec = cast(dict[str, Any], _filled({k: v for k, v in template.items() if k != "datasets"}, names, values, seen))
    # Datasets in the order the chart first uses them, only those it uses (as Altair's conversion does).
    spec["datasets"] = {**template.get("datasets", {}), **{names[p]: arrow[names[p]] for p in seen}}
    return spec


def cached_spec(build: Callable[..., AnyChart], *args: Any, **kwargs: Any) -> dict[str, Any]:
    """The Vega-Lite spec of ``build(*args, **kwargs)``, built once per distinct input (per language and theme)
    and then kept, least recently used dropped first. A builder declared with :func:`in_parts` is drawn from
    the template of its shape; any other is built and converted (``to_dict`` with validation). Callers must not
    modify the spec."""
    key = chart_key(build, args, kwargs)
    spec = _kept(_specs, key)
    if spec is None:
        # Built outside the lock: two threads may build one chart once each, but never wait on each other.
        recipe = _recipes.get(build)
        spec = (spec_from_parts(recipe[1], recipe[0](*args, **kwargs)) if recipe is not None else
                vega_lite_spec(build(*args, **kwargs)))
        _keep(_specs, key, spec)
    return spec


def clear_chart_cache() -> None:
    """Forget every kept spec and template (tests)."""
    with _specs_lock:
        _specs.clear()
        _templates.clear()


def _sendable(spec: dict[str, Any]) -> dict[str, Any]:
    """A copy of a kept spec that ``st.vega_lite_chart`` may modify: it copies the top level itself but patches
    a null colour legend title in place, so the encoding's colour (and its legend) are copied too."""
    out = dict(spec)
    encoding = out.get("encoding")
    if isinstance(encoding, dict) and isinstance(encoding.get("color"), dict):
        colour = dict(encoding["color"])
        if isinstance(colour.get("legend"), dict):
            colour["legend"] = dict(colour["legend"])
        out["encoding"] = {**encoding, "color": colour}
    return out


def render_chart(build: Callable[..., AnyChart], *args: Any, width: Literal["stretch", "content"] | int = "stretch",
                 **kwargs: Any) -> Callable[[], AnyChart]:
    """Draw ``build(*args, **kwargs)`` (an Altair chart builder) from the chart cache, as ``st.altair_chart``
    with the Streamlit theme and ``width`` would; return a function that builds the chart again in the current
    language (for the PNG/SVG downloads, which run outside the script run and only when asked for)."""
    import streamlit as st

    st.vega_lite_chart(_sendable(cached_spec(build, *args, **kwargs)), width=width)
    lang = i18n.current()

    def rebuild() -> AnyChart:
        with i18n.language(lang):
            return build(*args, **kwargs)

    return rebuild
