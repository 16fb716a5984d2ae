"""Page set-up and the shared sidebar: the only place besides pages that calls ``st.*`` for layout.

Every page starts with :func:`setup_page`, which reads the settings, makes sure the database exists
(seeding it on first run), works out who is looking (:mod:`dashboard.roles`) and refuses the page when
they may not open it, parses the filters from the URL (or keeps the ones chosen on another page) against
the viewer's allow-lists, draws the sidebar (pages, identity, filters), the demo-data label and the
freshness line, and returns a :class:`PageContext`.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from functools import partial
from typing import Any

import pandas as pd
import streamlit as st

from dashboard import cache, i18n, names, roles, vocab
from dashboard import columns as C
from dashboard import format as fmt
from dashboard.figures import TABS, IndicatorFigures
from dashboard.filters import (
    PRESETS,
    Filters,
    Period,
    parse_query,
    preset_label,
    query_string,
    resolve_period,
    to_query,
)
from dashboard.i18n import _, ngettext
from dashboard.privacy import Audience, compute_public_filters, footnote
from dashboard.queries import Freshness, last_meeting
from dashboard.roles import escape_markdown
from dashboard.settings import Settings, SettingsError, load_settings
from dashboard.store import StoreError, describe_error
from dashboard.vocab import AGE_BANDS, ALL, COUNTRIES, ORG_TYPES, POPULATION_GROUPS, PYRAMID_LAYERS, SEX

FILTERS_KEY = "mhpss_filters"
LANG_KEY = "w_lang"
LANG_PARAM = "lang"
DRAWN_LANG_KEY = "mhpss_lang_drawn"  # the language the widgets were last drawn in
PAGE_KEY = "mhpss_page"  # the page the session's previous run drew


@dataclass(frozen=True)
class PageContext:
    """What a page needs: settings, the database URL and data version, filters and the resolved period,
    and who is looking (``access``; ``audience`` is what goes into cache keys)."""

    settings: Settings
    url: str
    version: int
    filters: Filters
    period: Period
    today: date
    freshness: Freshness
    access: roles.Access = roles.LOCAL

    @property
    def audience(self) -> Audience:
        return Audience(self.access.role, self.settings.suppression_threshold)

    def facts(self, *, with_indicator: bool = True, period: Period | None = None,
              filters: Filters | None = None) -> pd.DataFrame:
        """Fact rows for the filters, as this viewer may see them (see :func:`dashboard.cache.facts`)."""
        return cache.facts(self.url, self.version, filters or self.filters, period or self.period, with_indicator,
                           self.audience)

    def cube(self, *, with_indicator: bool = True, period: Period | None = None, filters: Filters | None = None,
             dims: tuple[str, ...] = (), rule: str | None = None) -> pd.DataFrame:
        """Values summed at the grain the indicator rules need (see :func:`dashboard.cache.cube`): the same
        totals as :meth:`facts` by every rule, from far fewer rows. For figures, not for listing reports."""
        return cache.cube(self.url, self.version, filters or self.filters, period or self.period, with_indicator,
                          self.audience, dims, rule)

    def computed(self, target: str, *args: object) -> Any:
        """``target`` (``"module:function"``) called with this context and ``args``, memoised per context and
        language (see :func:`dashboard.cache.computed`): a rerun with the same filters computes nothing."""
        return cache.computed(target, self.key, i18n.current(), args, self)

    @functools.cached_property
    def key(self) -> str:
        """Everything in this context, as a short text: what :meth:`computed` is keyed by (hashing the context
        object itself on each call cost Streamlit several milliseconds)."""
        return hashlib.sha256(repr(self).encode()).hexdigest()

    def indicators(self) -> pd.DataFrame:
        """The indicators this viewer may see (published ones for the public)."""
        return cache.indicators(self.url, self.version, self.audience)

    def figures(self, code: str, period: Period | None = None, *, complete: bool = False) -> IndicatorFigures:
        """One indicator's tables for the selection, suppressed for the public. For staff the table by sex and
        age band is a read of its own: left out unless ``complete``."""
        figures = cache.indicator_figures(self.url, self.version, self.filters, period or self.period, code,
                                          self.audience)
        missing = [n for n in TABS if n not in figures.tables] if complete else []
        if not missing:
            return figures
        return replace(figures, tables={**figures.tables, **{
            n: cache.indicator_table(self.url, self.version, self.filters, period or self.period, code, self.audience, n)
            for n in missing}})


@st.cache_resource(show_spinner=False)
def _bootstrap(url: str, seed_rows: int) -> bool:
    from dashboard.bootstrap import ensure_database

    return ensure_database(load_settings())


def setup_page(title: str, icon: str = ":material/dashboard:", *, filters: bool = True, intro: str = "",
               requires: str = "view") -> PageContext:
    """Set up a page: config, database, who is looking (refusing the page unless they may use
    ``requires``, see :data:`dashboard.roles.ACTIONS`), filters (URL ⇄ sidebar), demo label, freshness.

    ``title`` and ``intro`` are English text marked with ``N_`` in the page; they are translated here, once
    the language is known."""
    page = title  # the English title names the page
    cache.freeze_long_lived()
    lang = i18n.set_language(_choose_language())
    _redraw_widgets_on_language_change(lang)
    title, intro = i18n._(title), (i18n._(intro) if intro else "")
    st.set_page_config(page_title=f"{title} · {i18n._('MHPSS dashboard')}", page_icon=icon, layout="wide")
    try:
        settings = load_settings()
        with st.spinner(_("Preparing the database (first run: seeding reference facts and demo data)…")):
            _bootstrap(settings.database_url, settings.seed_rows)
        url = settings.database_url
        version = cache.data_version(url)
        freshness = cache.freshness(url, version)
    except (SettingsError, StoreError) as exc:
        st.title(title)
        st.error(_("The dashboard cannot start: {reason}").format(reason=exc))
        st.caption(_("Fix the setting (environment variable or .streamlit/secrets.toml) and reload the page."))
        st.stop()
        raise  # unreachable; st.stop raises
    except Exception as exc:  # a database failure mid-way is a user-facing problem, not a traceback
        st.title(title)
        st.error(_("The database could not be read: {reason}").format(reason=describe_error(exc)))
        st.stop()
        raise
    render_language_choice(lang)
    access = roles.current_access(settings)
    roles.render_navigation(access)
    roles.render_identity(access)
    roles.note_sign_in(access, url)
    if not roles.allowed(access.role, requires):
        roles.render_not_permitted(access, requires, title)
        roles.note_refusal(access, requires, url)
        st.stop()
    audience = Audience(access.role, settings.suppression_threshold)
    today = settings.current_date()
    chosen = _filters_from_url_or_session(url, version, audience)
    if audience.public:
        chosen = _public_choice(url, version, chosen, audience)
    if _page_changed(page) and filters:
        # Each page draws its own sidebar widgets (Streamlit ties a widget's state to its page): hand the
        # filters chosen on the previous page to this page's widgets, or they would start empty.
        _reset_widgets(chosen)
    events = cache.events(url, version)
    if filters:
        chosen = render_sidebar_filters(url, version, chosen, audience)
    period = resolve_period(chosen, today, str(freshness.first_month), last_meeting(events, today))
    st.session_state[FILTERS_KEY] = chosen
    _write_url(chosen, lang)
    st.title(title)
    if intro:
        st.caption(intro)
    render_status_line(freshness, period if filters else None)
    return PageContext(settings, url, version, chosen, period, today, freshness, access)


def _public_choice(url: str, version: int, filters: Filters, audience: Audience) -> Filters:
    """Filters the public may use: no organisation choices, a published indicator or none (a choice made
    while signed in does not carry over after signing out)."""
    cleaned = compute_public_filters(filters)
    if cleaned.indicator and cleaned.indicator not in set(cache.indicators(url, version, audience)["code"]):
        cleaned = replace(cleaned, indicator=None)
    if cleaned != filters:
        _reset_widgets(cleaned)
    return cleaned


def _choose_language() -> str:
    """The interface language: a ``?lang=`` link parameter when it names a new choice, else the one chosen
    in the sidebar earlier in the session, else the browser's preferred language, else English."""
    from_url = i18n.normalise(st.query_params.get(LANG_PARAM))
    if from_url and from_url != st.session_state.get("mhpss_lang_url"):
        st.session_state["mhpss_lang_url"] = from_url
        st.session_state[LANG_KEY] = from_url
        return from_url
    chosen = i18n.normalise(st.session_state.get(LANG_KEY))
    if chosen:
        return chosen
    browser = i18n.normalise(getattr(st.context, "locale", None)) or i18n.DEFAULT
    st.session_state[LANG_KEY] = browser
    return browser


def _page_changed(page: str) -> bool:
    """Whether this run draws another page than the session's previous run (reader followed a page link)."""
    previous = st.session_state.get(PAGE_KEY)
    st.session_state[PAGE_KEY] = page
    return previous is not None and previous != page


def _redraw_widgets_on_language_change(lang: str) -> None:
    """After a language change, hand every choice widget its own value again, so the browser redraws it.

    A keyed widget keeps its state in the browser, shown as the option's label: without this a chosen
    country would still read "Poland" after switching to Ukrainian (while the options say "Польща"), and the
    next click would send back a label the new options no longer have. Only values a choice or text widget
    can hold are set (strings, whole numbers, lists of them): buttons, uploads and editors may not be set
    through the session state, and their values are of other types."""
    drawn = st.session_state.get(DRAWN_LANG_KEY)
    st.session_state[DRAWN_LANG_KEY] = lang
    if drawn is None or drawn == lang:
        return
    for key in list(st.session_state):
        value = st.session_state[key]
        if key == LANG_KEY or not isinstance(key, str):
            continue
        if _is_choice(value) or (isinstance(value, list | tuple) and all(_is_choice(v) for v in value)):
            st.session_state[key] = value


def _is_choice(value: object) -> bool:
    return isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool))


def render_language_choice(lang: str) -> None:
    """The language picker at the top of the sidebar (its choice applies from the next run, at once)."""
    st.session_state[LANG_KEY] = lang
    st.sidebar.selectbox(":material/translate: " + _("Language"), list(i18n.LANGUAGES), key=LANG_KEY,
                         format_func=i18n.LANGUAGES.__getitem__)


def _filters_from_url_or_session(url: str, version: int, audience: Audience) -> Filters:
    params = {key: st.query_params.get_all(key) for key in st.query_params if key != LANG_PARAM}
    stored = st.session_state.get(FILTERS_KEY)
    if params and (stored is None or to_query(stored) != {k: ",".join(v) for k, v in params.items()}):
        parsed, notices = parse_query(params, cache.allow_lists(url, version, audience))
        for notice in notices:
            st.toast(escape_markdown(notice), icon=":material/warning:")
            st.session_state.setdefault("mhpss_notices", []).append(notice)
        _reset_widgets(parsed)
        return parsed
    if isinstance(stored, Filters):
        return stored
    default = Filters()
    _reset_widgets(default)
    return default


def _write_url(filters: Filters, lang: str = i18n.DEFAULT) -> None:
    wanted = to_query(filters)
    if lang != i18n.DEFAULT or st.query_params.get(LANG_PARAM):
        wanted[LANG_PARAM] = lang
        st.session_state["mhpss_lang_url"] = lang
    current = {key: ",".join(st.query_params.get_all(key)) for key in st.query_params}
    if wanted != current:
        st.query_params.from_dict(wanted)


_WIDGETS = {
    "preset": "w_preset", "month_from": "w_from", "month_to": "w_to", "countries": "w_country",
    "adm1": "w_adm1", "org_types": "w_orgtype", "organisations": "w_org", "activities": "w_activity",
    "layers": "w_layer", "indicator": "w_indicator", "population_groups": "w_group", "sexes": "w_sex",
    "age_bands": "w_age",
}


def _reset_widgets(filters: Filters) -> None:
    for attr, key in _WIDGETS.items():
        value = getattr(filters, attr)
        st.session_state[key] = list(value) if isinstance(value, tuple) else ("" if value is None and key ==
                                                                                   "w_indicator" else value)


def _init_widgets(filters: Filters) -> None:
    """Widgets keep their state only while drawn; restore it from the filters on every page."""
    for attr, key in _WIDGETS.items():
        if key not in st.session_state:
            value = getattr(filters, attr)
            st.session_state[key] = list(value) if isinstance(value, tuple) else value


@dataclass(frozen=True)
class SidebarOptions:
    """The sidebar filters' choices for one data version, viewer and language, with their labels (computed
    once: :func:`sidebar_options`). Shared between reruns and sessions: read-only."""

    months: list[str]  # YYYY-MM, first to last month with data
    areas: dict[str, tuple[str, str]]  # admin-1 ISO code -> (country, "name (code)" for the reader)
    organisations: tuple[tuple[str, str], ...]  # (name, organisation type); none for the public
    activities: dict[str, str]  # code -> "code name"
    indicators: dict[str, str]  # code -> name (published ones only for the public)


def sidebar_options(url: str, version: int, audience: Audience) -> SidebarOptions:
    """The sidebar's choices (:func:`compute_sidebar_options`), memoised per database, data version, viewer
    and language: they change only with the data (an import, a review) or the language."""
    key = f"sidebar|{url}|{version}|{audience!r}"
    return cache.computed("dashboard.ui:compute_sidebar_options", key, i18n.current(), (),  # type: ignore[no-any-return]
                          (url, version, audience))


def compute_sidebar_options(source: tuple[str, int, Audience]) -> SidebarOptions:
    """The choices for ``source`` (database URL, data version, viewer), labelled in the current language."""
    url, version, audience = source
    freshness = cache.freshness(url, version)
    months = pd.period_range(str(freshness.first_month), str(freshness.last_month or freshness.first_month),
                             freq="M").strftime("%Y-%m").tolist()
    locs = cache.locations(url, version)
    adm1 = locs[locs["admin_level"] == 1]
    countries = dict(zip(adm1["iso_code"], adm1["country"], strict=True))
    areas = {code: (str(countries[code]), f"{name} ({code})")
             for code, name in names.area_names(adm1, key="iso_code").items()}
    orgs = cache.organisations(url, version, audience)
    return SidebarOptions(
        months=months, areas=areas,
        organisations=tuple(zip(orgs["name"].tolist(), orgs["org_type"].tolist(), strict=True)),
        activities={code: f"{code} {name}" for code, name in names.activity_names(cache.activities(url, version)).items()},
        indicators=names.indicator_names(cache.indicators(url, version, audience)),
    )


def render_sidebar_filters(url: str, version: int, filters: Filters, audience: Audience | None = None) -> Filters:
    """Draw the shared filters in the sidebar and return the filters they now describe. The public gets no
    organisation filters and only published indicators."""
    audience = audience or Audience()
    options = sidebar_options(url, version, audience)
    _init_widgets(filters)
    notices = st.session_state.pop("mhpss_notices", [])
    sb = st.sidebar
    for notice in notices:
        sb.warning(escape_markdown(notice), icon=":material/warning:")
    sb.header(_("Filters"))
    months = options.months
    preset = sb.selectbox(_("Period"), list(PRESETS), format_func=preset_label, key="w_preset")
    month_from = month_to = None
    if preset == "custom":
        if st.session_state.get("w_from") not in months:
            st.session_state["w_from"] = months[0]
        if st.session_state.get("w_to") not in months:
            st.session_state["w_to"] = months[-1]
        col1, col2 = sb.columns(2)
        month_from = col1.selectbox(_("From"), months, key="w_from", format_func=fmt.month_label)
        month_to = col2.selectbox(_("To"), months, key="w_to", format_func=fmt.month_label)
        if month_from > month_to:
            sb.warning(_("The start month is after the end month; they were swapped."))
            month_from, month_to = month_to, month_from
    countries = sb.multiselect(_("Country"), list(COUNTRIES), format_func=vocab_label("country"), key="w_country")
    area_names = {code: label for code, (country, label) in options.areas.items() if not countries or country in countries}
    st.session_state["w_adm1"] = [v for v in st.session_state.get("w_adm1", []) if v in area_names]
    areas = sb.multiselect(_("Admin-1 area"), list(area_names), format_func=area_names.__getitem__, key="w_adm1")
    label = _("Activity") if audience.public else _("Organisation and activity")
    with sb.expander(label, expanded=bool(filters.organisations or filters.org_types
                                          or filters.activities or filters.layers)):
        org_types: list[str] = []
        organisations: list[str] = []
        if not audience.public:
            org_types = st.multiselect(_("Organisation type"), list(ORG_TYPES),
                                       format_func=vocab_label("org_type"), key="w_orgtype")
            org_names = [name for name, org_type in options.organisations if not org_types or org_type in org_types]
            st.session_state["w_org"] = [v for v in st.session_state.get("w_org", []) if v in org_names]
            organisations = st.multiselect(_("Organisation"), org_names, key="w_org")
        act_names = options.activities
        activities = st.multiselect(_("Activity (IASC 4Ws)"), list(act_names), format_func=act_names.__getitem__,
                                    key="w_activity")
        layers = st.multiselect(_("Pyramid layer"), list(PYRAMID_LAYERS), format_func=vocab_label("pyramid_layer"),
                                key="w_layer")
    ind_names = options.indicators
    if st.session_state.get("w_indicator") is None or st.session_state.get("w_indicator") not in ("", *ind_names):
        st.session_state["w_indicator"] = ""
    indicator = sb.selectbox(_("Indicator"), ["", *ind_names], key="w_indicator",
                             format_func=lambda c: ind_names.get(c) or _("All indicators")) or None
    with sb.expander(_("People"), expanded=bool(filters.population_groups or filters.sexes or filters.age_bands)):
        groups = st.multiselect(_("Population group"), [k for k in POPULATION_GROUPS if k != ALL],
                                format_func=vocab_label("population_group"), key="w_group")
        sexes = st.multiselect(_("Sex"), [k for k in SEX if k != ALL], format_func=vocab_label("sex"), key="w_sex")
        ages = st.multiselect(_("Age band"), [k for k in AGE_BANDS if k != ALL], format_func=vocab_label("age_band"),
                              key="w_age")
    chosen = Filters(
        preset=preset, month_from=month_from, month_to=month_to,
        countries=tuple(sorted(countries)), adm1=tuple(sorted(areas)), organisations=tuple(sorted(organisations)),
        org_types=tuple(sorted(org_types)), activities=tuple(sorted(activities)), layers=tuple(sorted(layers)),
        indicator=indicator, population_groups=tuple(sorted(groups)), sexes=tuple(sorted(sexes)),
        age_bands=tuple(sorted(ages)),
    )
    if sb.button(_("Reset filters"), key="w_reset"):
        _reset_widgets(Filters())
        st.session_state[FILTERS_KEY] = Filters()
        st.query_params.clear()
        st.rerun()
    base = st.context.url or ""
    sb.caption(_("Link to this view (copy with the icon):"))
    link = query_string(chosen)
    if i18n.current() != i18n.DEFAULT:
        link += ("&" if link else "?") + f"{LANG_PARAM}={i18n.current()}"
    sb.code(f"{base}{link}", language=None)
    return replace(chosen)


def vocab_label(dimension: str) -> Callable[[object], str]:
    """A widget's ``format_func`` showing a vocabulary's codes as labels in the current language."""
    return partial(vocab.label, dimension)


def render_status_line(freshness: Freshness, period: Period | None) -> None:
    """Demo label and data freshness, under the page title."""
    st.caption(compute_status_line(freshness, period))
    if freshness.demo_rows:
        st.info(demo_notice(freshness.demo_rows), icon=":material/science:")


def compute_status_line(freshness: Freshness, period: Period | None) -> str:
    """'**Period:** … · **Data:** 1,234 reports up to Nov 2026 · last import 23 November 2026, 14:05 UTC', in
    the current language (numbers and dates formatted per locale)."""
    parts = []
    if period is not None:
        parts.append(_("**Period:** {period}").format(period=period.label))
    if freshness.last_month:
        parts.append(ngettext("**Data:** {n} report up to {month}", "**Data:** {n} reports up to {month}",
                              int(freshness.rows)).format(n=i18n.format_number(freshness.rows),
                                                          month=fmt.month_label(str(freshness.last_month))))
    else:
        parts.append(_("**Data:** no reports yet"))
    if freshness.last_import is not None:
        parts.append(_("last import {when} UTC").format(when=i18n.format_datetime(freshness.last_import)))
    return " · ".join(parts)


def demo_notice(demo_rows: int) -> str:
    """The demo-data label: how many of the reports are synthetic."""
    return ngettext(
        "**Demo data.** {n} of these reports is synthetic demo data, generated to show how the dashboard works; "
        "organisations marked “(demo)” are fictional. Only the figures with a named source are real.",
        "**Demo data.** {n} of these reports are synthetic demo data, generated to show how the dashboard works; "
        "organisations marked “(demo)” are fictional. Only the figures with a named source are real.",
        int(demo_rows)).format(n=i18n.format_number(demo_rows))


def render_privacy_note(ctx: PageContext, hidden: int | None = None) -> None:
    """The footnote that explains small-cell suppression, on every page where it applies."""
    if ctx.audience.suppresses:
        st.caption(":material/shield_person: " + footnote(ctx.settings.suppression_threshold, hidden))


def render_empty(message: str | None = None) -> None:
    """An explicit empty state instead of an empty chart. ``message`` is already translated (the caller's
    ``_("...")``); by default "No data for these filters."."""
    st.info(_("{message} Widen the period or remove a filter in the sidebar.").format(
        message=message or _("No data for these filters.")), icon=":material/search_off:")


def render_alert(severity: str, message: str) -> None:
    """One data-quality alert: a red box for an error, an amber one for a warning, each with its icon. (Given
    an icon, Streamlit does not look for an emoji at the start of the text: that loads its emoji catalogue,
    about 0.1 s the first time in a process, and an alert's "·" sent it looking.)"""
    if severity == "error":
        st.error(message, icon=":material/error:")
    else:
        st.warning(message, icon=":material/warning:")


def render_demo_marker(has_demo: bool) -> str:
    return " " + _("(demo)") if has_demo else ""


__all__ = ["PageContext", "setup_page", "render_empty", "render_privacy_note", "render_sidebar_filters", "C"]


def render_stale_sources(ctx: PageContext, *frames: pd.DataFrame) -> None:
    """Under the figures: which live sources they depend on are out of date ("UNHCR figures are 9 days old").

    Each frame's ``source`` column names where its rows came from; nothing is shown when all are fresh.
    """
    from dashboard import staleness
    from dashboard.sources_ui import render_stale_notes

    ages = cache.source_ages(ctx.url, ctx.version, ctx.today, ctx.settings.stale_days)
    notes: list[str] = []
    for frame in frames:
        notes += [note for note in staleness.notes_for(ages, frame) if note not in notes]
    render_stale_notes(notes)
