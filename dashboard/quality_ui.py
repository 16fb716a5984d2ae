"""The Data quality page: computing its findings (:func:`compute_report`) and drawing them (``render_*``),
plus :func:`render_unique_people_comparison`, which the Indicators page shows for unique-people indicators.

The findings (:func:`report`) and the tables and labels drawn from them (:func:`display`) are computed once
per page context and language, so a rerun that changes neither (a click elsewhere) only draws; the widgets
(forms, choices, switches) stay in the ``render_*`` functions. Writes (reporting plan, reviews) go through
:mod:`dashboard.quality_store`; a write bumps the data version, so the page reruns with a new context and shows
what was saved at once.

Everything shown is in the reader's language: findings are put into words when drawn (their messages are
:class:`~dashboard.quality_text.Text`), codes (rule and check names, statuses) are translated through their
``*_label`` functions, and what is stored (review keys, check names) stays language-neutral.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

import pandas as pd
import streamlit as st

from dashboard import cache, names, quality_store, roles
from dashboard import columns as C
from dashboard import format as fmt
from dashboard.alert_cache import HISTORY_MONTHS
from dashboard.charts import render_chart
from dashboard.filters import Filters, Period, month_add, month_of
from dashboard.i18n import _, format_datetime, ngettext
from dashboard.quality import (
    RULES,
    Alert,
    Violation,
    check_label,
    check_stale,
    compute_alerts_from,
    compute_review_status,
)
from dashboard.quality_charts import STATUS_COLOURS, build_completeness_trend, build_series_with_flags
from dashboard.quality_completeness import (
    DEADLINE_DAY,
    FIRST_IMPORT,
    LOOKBACK,
    compute_backfills,
    compute_completeness,
    compute_matrix,
    compute_trend,
    months_between,
    status_label,
)
from dashboard.quality_outliers import compute_series
from dashboard.quality_rules import compute_violation_table, rule_title, severity_label
from dashboard.quality_unique import (
    RULE_LABELS,
    UniqueComparison,
    compute_explanation,
    compute_unique_comparison,
    rule_label,
)
from dashboard.timelines import render_chart_downloads
from dashboard.ui import PageContext, render_alert, render_empty

FLASH_KEY = "dq_flash"
FOLLOW_UP_CHECKS = ("outlier", "jump")
DUPLICATE_CHECKS = ("duplicate", "near_duplicate", "overlap")


@dataclass
class QualityReport:
    """Everything the Data quality page shows, for the context's filters and period."""

    violations: list[Violation]
    items: pd.DataFrame
    alerts: list[Alert]
    months: list[str]
    completeness: pd.DataFrame
    trend: pd.DataFrame
    backfills: pd.DataFrame
    plan: pd.DataFrame
    indicator_names: dict[str, str]  # code -> name in the reader's language
    area_names: dict[str, str]  # pcode -> name for the reader
    today: date


def report(ctx: PageContext) -> QualityReport:
    """The page's checks (:func:`compute_report`), run once per context and language. The first view of a
    period after an import may wait for its checks (a minute at ten million rows): a spinner says so."""
    with st.spinner(_("Checking the reports of this period (once per period after each import)…")):
        return ctx.computed("dashboard.quality_ui:compute_report")  # type: ignore[no-any-return]


def compute_report(ctx: PageContext) -> QualityReport:
    """The findings about what the filters show (every check over the period's reports, outliers against
    :data:`HISTORY_MONTHS` more months: see :func:`dashboard.cache.quality_findings`), with their review status,
    and the completeness of reporting."""
    findings = cache.quality_findings(ctx.url, ctx.version, ctx.filters, ctx.period, ctx.today)
    violations = findings.violations
    items = compute_review_status(findings.items, cache.reviews(ctx.url, ctx.version))
    end = min(ctx.period.end, month_of(ctx.today))
    months = months_between(ctx.period.start, end)
    arrivals = (cache.report_arrivals(ctx.url, ctx.version, ctx.filters, Period(month_add(ctx.period.start, -LOOKBACK),
                                                                                 end))
                if months else pd.DataFrame(columns=[C.ORGANISATION, C.MONTH, C.BATCH, FIRST_IMPORT]))
    plan = compute_plan_in_scope(ctx)
    completeness = compute_completeness(arrivals, plan, months, ctx.today)
    inds = cache.indicators(ctx.url, ctx.version)
    locs = cache.locations(ctx.url, ctx.version)
    stale = check_stale(ctx.freshness.last_import, ctx.today)
    return QualityReport(
        violations=violations, items=items,
        alerts=compute_alerts_from(violations, items, stale), months=months, completeness=completeness,
        trend=compute_trend(completeness, months),
        backfills=compute_backfills(arrivals[arrivals[C.MONTH].isin(months)]), plan=plan,
        indicator_names=names.indicator_names(inds), area_names=names.area_names(locs), today=ctx.today,
    )


def compute_plan_in_scope(ctx: PageContext) -> pd.DataFrame:
    """Reporting-plan entries of the organisations the filters keep (organisation and organisation type)."""
    plan = cache.reporting_plan(ctx.url, ctx.version)
    if ctx.filters.organisations:
        plan = plan[plan[C.ORGANISATION].isin(ctx.filters.organisations)]
    if ctx.filters.org_types:
        orgs = cache.organisations(ctx.url, ctx.version)
        plan = plan[plan[C.ORGANISATION].isin(orgs.loc[orgs["org_type"].isin(ctx.filters.org_types), "name"])]
    return plan


@dataclass(frozen=True)
class FollowUpList:
    """One follow-up list (outliers and jumps, or duplicates) as the page shows it, in the reader's language."""

    open_items: pd.DataFrame
    done: pd.DataFrame
    open_table: pd.DataFrame  # :func:`_items_table` of the open items
    done_table: pd.DataFrame  # ... of the reviewed ones, with comment, reviewer and time
    open_labels: dict[str, str]  # "check|key" -> the item in words (the review form's choices)
    done_labels: dict[str, str]
    series_labels: dict[str, str]  # "indicator|organisation" -> label: the flagged outlier series


@dataclass(frozen=True)
class CompletenessDisplay:
    """The completeness tab's notes and tables, in the reader's language."""

    backfill_notes: tuple[str, ...]
    trend_table: pd.DataFrame
    matrix: pd.DataFrame  # organisation × month statuses, labelled
    matrix_styles: pd.DataFrame  # the CSS of each cell of ``matrix`` (its status colour)


@dataclass(frozen=True)
class UniqueDisplay:
    """The unique-people tab: the indicators and the summary table."""

    indicators: pd.DataFrame  # the unique-people indicators, names in the reader's language
    summary: pd.DataFrame


def follow_up(ctx: PageContext, checks: tuple[str, ...]) -> FollowUpList:
    """The items of ``checks`` as tables and labels (:func:`compute_follow_up_of`), computed once per context,
    language and checks, and only when their tab is open. A review or a plan change bumps the data version, so
    the next run shows it."""
    return ctx.computed("dashboard.quality_ui:compute_follow_up_of", checks)  # type: ignore[no-any-return]


def compute_follow_up_of(ctx: PageContext, checks: tuple[str, ...]) -> FollowUpList:
    return compute_follow_up_list(report(ctx), checks)


def completeness_display(ctx: PageContext) -> CompletenessDisplay:
    """The completeness tab's tables and labels (:func:`compute_completeness_of`), memoised like :func:`follow_up`."""
    return ctx.computed("dashboard.quality_ui:compute_completeness_of")  # type: ignore[no-any-return]


def compute_completeness_of(ctx: PageContext) -> CompletenessDisplay:
    return compute_completeness_display(ctx, report(ctx))


def unique_display(ctx: PageContext) -> UniqueDisplay:
    """The unique-people tab's summary (:func:`compute_unique_table`), memoised like :func:`follow_up`."""
    return ctx.computed("dashboard.quality_ui:compute_unique_table")  # type: ignore[no-any-return]


def compute_follow_up_list(report: QualityReport, checks: tuple[str, ...]) -> FollowUpList:
    """The items of ``checks``, open and reviewed, as tables and labels."""
    items = report.items[report.items["check"].isin(checks)]
    open_items = items[items["status"] != "reviewed"].reset_index(drop=True)
    done = items[items["status"] == "reviewed"].reset_index(drop=True)
    flagged = open_items[open_items["check"].isin(FOLLOW_UP_CHECKS)]
    pairs = flagged[[C.INDICATOR, C.ORGANISATION]].drop_duplicates()
    return FollowUpList(
        open_items=open_items, done=done,
        open_table=_items_table(report, open_items), done_table=_items_table(report, done, reviewed=True),
        open_labels={f"{r['check']}|{r['key']}": _item_label(report, r) for r in open_items.to_dict("records")},
        done_labels={f"{r['check']}|{r['key']}": _item_label(report, r) for r in done.to_dict("records")},
        series_labels={f"{r.indicator}|{r.organisation}":
                       f"{r.organisation} · {report.indicator_names.get(r.indicator, r.indicator)}"
                       for r in pairs.itertuples()},
    )


def compute_outlier_series(ctx: PageContext, indicator: str, organisation: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One flagged series' monthly values, as the checks judged it (all the organisation's reports of the
    indicator, the months before the period included), and its open outlier and jump items (the chart's marks)."""
    data = report(ctx)
    history = Period(month_add(ctx.period.start, -HISTORY_MONTHS), ctx.period.end)
    series = compute_series(ctx.cube(filters=Filters(indicator=indicator, organisations=(organisation,)),
                                     period=history))
    items = data.items
    marks = items[items["check"].isin(FOLLOW_UP_CHECKS) & (items["status"] != "reviewed")
                  & (items[C.INDICATOR] == indicator) & (items[C.ORGANISATION] == organisation)]
    return series, marks.reset_index(drop=True)


def current_actor() -> str:
    """Who is acting: the signed-in user's e-mail when sign-in is configured, else the local single user."""
    try:
        user = st.user
        if user.get("is_logged_in"):
            return str(user.get("email") or user.get("name") or "signed-in user")
    except Exception:  # noqa: BLE001 - no sign-in configured
        pass
    return "local user"


def may_edit(ctx: PageContext) -> bool:
    """Whether the viewer may change the reporting plan and reviews (the tWG co-leads: ``review``)."""
    return roles.can(ctx, "review")


def render_access(ctx: PageContext) -> bool:
    """False (with a notice) when the page is not available to this viewer: it lists organisation-level rows."""
    if not roles.can(ctx, "quality"):
        st.info(_("Data quality is a page for the tWG co-leads and analysts: it lists organisation-level reports, "
                  "so it is not part of the public view."), icon=":material/lock:")
        roles.note_refusal(ctx.access, "quality", ctx.url)
        return False
    return True


def _flash(message: str) -> None:
    st.session_state[FLASH_KEY] = message
    st.rerun()


def render_flash() -> None:
    """The confirmation of the last write (reporting plan or review), shown once."""
    message = st.session_state.pop(FLASH_KEY, None)
    if message:
        st.success(message, icon=":material/check_circle:")


def render_summary(report: QualityReport) -> None:
    """Key counts: completeness of the last month that is due, rule errors and warnings, open follow-ups."""
    due = report.trend[~report.trend["open"] & (report.trend["expected"] > 0)]
    errors = sum(v.severity == "error" for v in report.violations)
    open_items = report.items[report.items["status"] != "reviewed"]
    c1, c2, c3, c4, c5 = st.columns(5)
    if due.empty:
        c1.metric(_("Completeness"), "–", help=_("No month in the period is due yet."))
    else:
        last = due.iloc[-1]
        expected = int(last["expected"])
        c1.metric(_("Completeness, {month}").format(month=fmt.month_label(str(last[C.MONTH]))),
                  fmt.percent(last["completeness_pct"]),
                  help=ngettext("{reported} of {expected} expected organisation reported; {on_time} on time.",
                                "{reported} of {expected} expected organisations reported; {on_time} on time.",
                                expected).format(reported=fmt.number(int(last["reported"])),
                                                 expected=fmt.number(expected),
                                                 on_time=fmt.number(int(last["on_time"]))))
    c2.metric(_("Rule errors"), fmt.number(errors))
    c3.metric(_("Rule warnings"), fmt.number(len(report.violations) - errors))
    c4.metric(_("Outliers and jumps to review"),
              fmt.number(int(open_items["check"].isin(FOLLOW_UP_CHECKS).sum())))
    c5.metric(_("Possible duplicates to review"),
              fmt.number(int(open_items["check"].isin(DUPLICATE_CHECKS).sum())))


def render_top_alerts(report: QualityReport, limit: int = 10) -> None:
    """The most serious findings first (the same list Home shows)."""
    st.subheader(_("Most serious first"))
    if not report.alerts:
        st.success(_("No data-quality alerts for this selection."), icon=":material/check_circle:")
        return
    count = len(report.alerts)
    if count > limit:
        st.caption(ngettext("{n} alert; the first {limit}:", "{n} alerts; the first {limit}:", count).format(
            n=fmt.number(count), limit=fmt.number(limit)))
    else:
        st.caption(ngettext("{n} alert:", "{n} alerts:", count).format(n=fmt.number(count)))
    for alert in report.alerts[:limit]:
        render_alert(alert.severity, alert.message)


def render_completeness(ctx: PageContext, report: QualityReport) -> None:
    """The reporting rules in words, the trend, the organisation × month matrix and any back-fill note."""
    st.subheader(_("Completeness and timeliness"))
    st.markdown("  \n".join((
        ngettext("**Expected** to report for a month: every organisation that reported for the month before, and "
                 "every organisation the reporting plan lists for that month.",
                 "**Expected** to report for a month: every organisation that reported for any of the {n} months "
                 "before, and every organisation the reporting plan lists for that month.",
                 LOOKBACK).format(n=LOOKBACK),
        _("**On time**: the first import carrying the month's report finished by day {day} of the following month "
          "(import finish time, UTC); **late** after that.").format(day=DEADLINE_DAY),
        _("**Missing**: expected, no report, and day {day} of the following month has passed; before then the "
          "month is **not due yet** and does not count against completeness.").format(day=DEADLINE_DAY))))
    if not report.months:
        render_empty(_("No month of this period has started yet."))
        return
    shown = completeness_display(ctx)
    for note in shown.backfill_notes:
        st.info(note, icon=":material/info:")
    trend = report.trend
    if trend["expected"].sum() == 0 and not report.completeness["reported"].any():
        render_empty(_("Nobody reported or was expected to report in this period."))
        return
    if (~trend["open"] & (trend["expected"] > 0)).any():
        chart = render_chart(build_completeness_trend, trend, width="stretch")
        render_chart_downloads(chart, "completeness_trend")
    if trend["open"].any():
        st.caption(_("Months with reports not due yet are left out of the chart; the table shows them."))
    st.dataframe(shown.trend_table, hide_index=True, width="stretch", key="dq_trend")
    st.markdown(_("**Who reported, month by month** (blank: not expected and no report)"))
    styles = shown.matrix_styles
    st.dataframe(shown.matrix.style.apply(lambda _frame: styles, axis=None), hide_index=True, width="stretch",
                 key="dq_matrix")


def compute_completeness_display(ctx: PageContext, report: QualityReport) -> CompletenessDisplay:
    """The back-fill notes, the trend table and the labelled organisation × month matrix with its colours."""
    batches = cache.batches(ctx.url, ctx.version).set_index("id")
    notes = []
    for row in report.backfills.itertuples():
        batch = batches.loc[row.batch_id] if row.batch_id in batches.index else None
        values = {"batch": row.batch_id, "source": batch["source"] if batch is not None else "",
                  "n": fmt.number(row.months), "first": fmt.month_label(row.first_month),
                  "last": fmt.month_label(row.last_month)}
        text = (ngettext("Import #{batch} ({source}) brought reports for {n} month ({first} to {last}) at once, so "
                         "they count as late for every month whose due date had passed when it finished.",
                         "Import #{batch} ({source}) brought reports for {n} months ({first} to {last}) at once, so "
                         "they count as late for every month whose due date had passed when it finished.",
                         row.months) if batch is not None else
                ngettext("Import #{batch} brought reports for {n} month ({first} to {last}) at once, so they count "
                         "as late for every month whose due date had passed when it finished.",
                         "Import #{batch} brought reports for {n} months ({first} to {last}) at once, so they count "
                         "as late for every month whose due date had passed when it finished.", row.months))
        if batch is not None and bool(batch["is_demo"]):
            text += " " + _("This is the demo data's single batch.")
        notes.append(text.format(**values))
    trend = report.trend
    table = pd.DataFrame({
        _("Month"): trend[C.MONTH].map(fmt.month_label), _("Expected"): trend["expected"],
        _("Reported"): trend["reported"], _("On time"): trend["on_time"], _("Late"): trend["late"],
        _("Missing"): trend["missing"], _("Not due yet"): trend["not_due"],
        _("Reported without being expected"): trend["new"],
        _("Completeness"): trend["completeness_pct"].map(fmt.percent),
        _("On time %"): trend["on_time_pct"].map(fmt.percent),
    })
    matrix = compute_matrix(report.completeness, report.months)
    shown = matrix.assign(**{m: matrix[m].map(status_label) for m in report.months}).rename(
        columns={m: fmt.month_label(m) for m in report.months} | {C.ORGANISATION: _("Organisation")})
    colours = {status_label(status): f"background-color: {colour}33" for status, colour in STATUS_COLOURS.items()}
    styles = pd.DataFrame({col: [colours.get(v, "") for v in shown[col]] for col in shown.columns}, index=shown.index)
    return CompletenessDisplay(tuple(notes), table, shown, styles)


def render_reporting_plan(ctx: PageContext, report: QualityReport) -> None:
    """The reporting plan: its entries, and (for co-leads) forms to add and remove entries."""
    st.subheader(_("Reporting plan"))
    st.caption(_("Organisations listed here are expected to report in the months given even without recent "
                 "reports (for example a new partner). Entries are not tied to an area."))
    plan = cache.reporting_plan(ctx.url, ctx.version)
    open_ended = _("open-ended")
    if plan.empty:
        st.caption(_("The plan is empty: expectations come from recent reports only."))
    else:
        st.dataframe(pd.DataFrame({
            _("Entry"): plan["id"], _("Organisation"): plan[C.ORGANISATION], _("From"): plan["month_from"],
            _("To"): plan["month_to"].fillna(open_ended), _("Note"): plan["note"].fillna(""),
            _("Added by"): plan["created_by"].fillna(""),
        }), hide_index=True, width="stretch", key="dq_plan")
    if not may_edit(ctx):
        return
    orgs = cache.organisations(ctx.url, ctx.version)["name"].tolist()
    with st.form("dq_plan_add", clear_on_submit=True):
        st.markdown(_("**Add an organisation to the plan**"))
        c1, c2, c3 = st.columns([3, 1, 1])
        organisation = c1.selectbox(_("Organisation"), orgs, key="dq_plan_org")
        start = c2.text_input(_("From month"), value=month_of(report.today), key="dq_plan_from",
                              placeholder="2025-01")
        end = c3.text_input(_("To month (empty: open-ended)"), key="dq_plan_to", placeholder="2025-12")
        note = st.text_input(_("Note"), key="dq_plan_note")
        added = st.form_submit_button(_("Add to the plan"))
    if added:
        try:
            roles.require(ctx, "review")
            entry = quality_store.add_plan_entry(cache.engine(ctx.url), str(organisation), start, end, note,
                                                 current_actor())
        except quality_store.QualityStoreError as exc:
            st.error(_("Not added: {reason}.").format(reason=exc))
        else:
            _flash(_("Added {organisation} to the reporting plan from {month} (entry {entry}).").format(
                organisation=organisation, month=start, entry=entry))
    if not plan.empty:
        with st.form("dq_plan_remove"):
            labels = {int(r.id): _("{entry}: {organisation}, {start} to {end}").format(
                entry=r.id, organisation=r.organisation, start=r.month_from, end=r.month_to or open_ended)
                for r in plan.itertuples()}
            entry_id = st.selectbox(_("Entry"), list(labels), format_func=labels.__getitem__, key="dq_plan_entry")
            removed = st.form_submit_button(_("Remove from the plan"))
        if removed and entry_id is not None:
            try:
                roles.require(ctx, "review")
                quality_store.delete_plan_entry(cache.engine(ctx.url), int(entry_id), current_actor())
            except quality_store.QualityStoreError as exc:
                st.error(_("Not removed: {reason}.").format(reason=exc))
            else:
                _flash(_("Removed entry {entry} from the reporting plan.").format(entry=labels[int(entry_id)]))


def render_rules(report: QualityReport) -> None:
    """The rule table (declared in :data:`RULES`) with counts, then every violation with its fact ids."""
    st.subheader(_("Validation rules"))
    counts = pd.Series([v.rule for v in report.violations], dtype=str).value_counts()
    checks = _("What it checks")
    st.dataframe(pd.DataFrame({
        _("Rule"): [_(r.title) for r in RULES], checks: [_(r.description) for r in RULES],
        _("Severity"): [severity_label(r.severity) for r in RULES],
        _("Violations"): [int(counts.get(r.name, 0)) for r in RULES],
    }), hide_index=True, width="stretch", key="dq_rules",
        column_config={checks: st.column_config.TextColumn(width="large")})
    if not report.violations:
        st.success(_("Every report row passes every rule."), icon=":material/check_circle:")
        return
    # Labels are fixed now, in the reader's language (format functions may be called outside this run).
    labels = {"": _("every rule")} | {r.name: rule_title(r.name) for r in RULES if counts.get(r.name, 0)}
    chosen = st.selectbox(_("Show violations of"), list(labels), key="dq_rule_pick", format_func=labels.__getitem__)
    table = compute_violation_table([v for v in report.violations if not chosen or v.rule == chosen])
    problem = _("Problem")
    st.dataframe(pd.DataFrame({
        _("Severity"): table["severity"].map(severity_label), _("Rule"): table["rule"].map(rule_title),
        _("Organisation"): table[C.ORGANISATION], _("Indicator"): table[C.INDICATOR].map(
            lambda c: report.indicator_names.get(c, c)),
        _("Area"): table[C.PCODE].map(lambda p: report.area_names.get(p, p)), _("Month"): table[C.MONTH],
        # The other columns say where; the problem column says what.
        problem: table["problem"], _("Rows"): table["rows"], _("Fact ids"): table["fact_ids"],
    }), hide_index=True, width="stretch", key="dq_violations",
        column_config={problem: st.column_config.TextColumn(width="large")})


def _item_label(report: QualityReport, item: dict[str, object]) -> str:
    """A follow-up item in words, with indicator and area names (the organisations are in duplicates' detail)."""
    where = [] if item.get("check") in DUPLICATE_CHECKS else [str(item.get(C.ORGANISATION) or "")]
    where += [report.indicator_names.get(str(item.get(C.INDICATOR)), str(item.get(C.INDICATOR) or "")),
              report.area_names.get(str(item.get(C.PCODE) or ""), ""), str(item.get(C.MONTH) or "")]
    return " · ".join(w for w in where if w) + f": {item.get('detail')}"


def _items_table(report: QualityReport, items: pd.DataFrame, reviewed: bool = False) -> pd.DataFrame:
    """Follow-up items as the table people read (headers and findings in the current language)."""
    table = pd.DataFrame({
        _("Check"): items["check"].map(check_label), _("Organisation"): items[C.ORGANISATION],
        _("Indicator"): items[C.INDICATOR].map(lambda c: report.indicator_names.get(c, c)),
        _("Area"): items[C.PCODE].map(lambda p: report.area_names.get(p, p) if p else ""),
        _("Month"): items[C.MONTH], _("What was found"): items["detail"].map(str),
        _("Fact ids"): items["rows"].map(lambda r: ", ".join(map(str, r[:12])) + (" …" if len(r) > 12 else "")),
    })
    if reviewed:
        table[_("Comment")] = items["comment"].fillna("")
        table[_("Reviewed by")] = items["reviewed_by"].fillna("")
        table[_("Reviewed")] = [format_datetime(None if pd.isna(t) else pd.Timestamp(t).to_pydatetime())
                                for t in items["reviewed_at"]]
    return table


def render_follow_up(ctx: PageContext, checks: tuple[str, ...], key: str, title: str,
                     explanation: str) -> None:
    """A follow-up list: open items, a form to mark one reviewed with a comment, and the reviewed ones.
    ``title`` and ``explanation`` are shown as given (already in the reader's language)."""
    st.subheader(title)
    st.caption(explanation)
    lists = follow_up(ctx, checks)
    open_items, done = lists.open_items, lists.done
    if open_items.empty:
        st.success(_("Nothing to review (already reviewed: {n}).").format(n=fmt.number(len(done))) if len(done)
                   else _("Nothing to review."), icon=":material/check_circle:")
    else:
        st.caption(_("To review: {n}; already reviewed: {reviewed}").format(
            n=fmt.number(len(open_items)), reviewed=fmt.number(len(done))) if len(done) else
            _("To review: {n}").format(n=fmt.number(len(open_items))))
        found = _("What was found")
        st.dataframe(lists.open_table, hide_index=True, width="stretch", key=f"{key}_open",
                     column_config={found: st.column_config.TextColumn(width="large")})
        labels = lists.open_labels
        if may_edit(ctx):
            with st.form(f"{key}_form", clear_on_submit=True):
                chosen = st.selectbox(_("Item"), list(labels), format_func=labels.__getitem__, key=f"{key}_item")
                comment = st.text_input(_("Comment (what was checked, who confirmed it)"), key=f"{key}_comment")
                submitted = st.form_submit_button(_("Mark as reviewed"))
            if submitted and chosen:
                check, item_key = str(chosen).split("|", 1)
                roles.require(ctx, "review")
                quality_store.set_review(cache.engine(ctx.url), check, item_key, quality_store.REVIEWED, comment,
                                         current_actor())
                _flash(_("Marked as reviewed: {item}").format(item=labels[str(chosen)]))
        if "outlier" in checks:
            _render_series(ctx, lists.series_labels)
    if done.empty:
        return
    if st.toggle(_("Show reviewed items"), key=f"{key}_show_reviewed"):
        st.dataframe(lists.done_table, hide_index=True, width="stretch", key=f"{key}_done")
        if may_edit(ctx):
            reopen = lists.done_labels
            with st.form(f"{key}_reopen_form"):
                chosen = st.selectbox(_("Reviewed item"), list(reopen), format_func=reopen.__getitem__,
                                      key=f"{key}_reopen_item")
                again = st.form_submit_button(_("Reopen"))
            if again and chosen:
                check, item_key = str(chosen).split("|", 1)
                roles.require(ctx, "review")
                quality_store.set_review(cache.engine(ctx.url), check, item_key, quality_store.OPEN, None,
                                         current_actor())
                _flash(_("Reopened: {item}").format(item=reopen[str(chosen)]))


def _render_series(ctx: PageContext, labels: dict[str, str]) -> None:
    """A chosen flagged series over time, its flagged months marked (``labels``: the series to choose from)."""
    if not labels:
        return
    chosen = st.selectbox(_("Series to look at"), list(labels), format_func=labels.__getitem__, key="dq_series")
    indicator, organisation = str(chosen).split("|", 1)
    series, marks = ctx.computed("dashboard.quality_ui:compute_outlier_series", indicator, organisation)
    chart = render_chart(build_series_with_flags, series, marks, width="stretch")
    render_chart_downloads(chart, f"outliers_{indicator}_{organisation}")
    st.caption(ngettext("Monthly values (including the month before the period, which sets the usual level); "
                        "flagged months are the large points, the dashed line is the median.",
                        "Monthly values (including the {n} months before the period, which set the usual level); "
                        "flagged months are the large points, the dashed line is the median.",
                        HISTORY_MONTHS).format(n=HISTORY_MONTHS))


def render_unique_people(ctx: PageContext, report: QualityReport) -> None:
    """Both counting rules for every unique-people indicator, then the comparison for one of them."""
    st.subheader(_("Unique people reached: cluster rule against the plain sum"))
    shown = unique_display(ctx)
    unique = shown.indicators
    comparisons = unique_comparisons(ctx)
    st.dataframe(shown.summary, hide_index=True, width="stretch", key="dq_unique_summary")
    codes = unique["code"].tolist()
    if not codes:
        return
    default = codes.index(ctx.filters.indicator) if ctx.filters.indicator in codes else 0
    labels = dict(zip(unique["code"], unique["name"], strict=True))
    code = st.selectbox(_("Indicator"), codes, index=default, format_func=labels.__getitem__,
                        key="dq_unique_indicator")
    render_unique_people_comparison(None, unique[unique["code"] == code].iloc[0], key="dq_unique_rule",
                                    area_names=report.area_names, comparison=comparisons[str(code)],
                                    area_figures=ctx.computed("dashboard.quality_ui:compute_unique_area_figures",
                                                              str(code)))


def compute_unique_table(ctx: PageContext) -> UniqueDisplay:
    """The unique-people indicators (names in the reader's language) and both counting rules for each of them,
    as the summary table shows them."""
    inds = names.localized_indicators(cache.indicators(ctx.url, ctx.version))
    unique = inds[inds["aggregation"] == "unique_max"]
    comparisons = unique_comparisons(ctx)
    rows = []
    for row in unique.itertuples():
        comp = comparisons[str(row.code)]
        rows.append({_("Indicator"): row.name, rule_label("unique_max", short=True): fmt.number(comp.unique),
                     rule_label("sum", short=True): fmt.number(comp.plain), _("Difference"): fmt.number(comp.difference),
                     _("Difference, % of the plain sum"): fmt.percent(None if comp.share is None else 100 * comp.share)})
    return UniqueDisplay(unique, pd.DataFrame(rows))


def compute_unique_area_figures(ctx: PageContext, code: str) -> pd.DataFrame:
    """The per-area figures of unique-people indicator ``code`` in words (:func:`compute_area_figures`)."""
    return compute_area_figures(unique_comparisons(ctx)[code], report(ctx).area_names)


def unique_comparisons(ctx: PageContext) -> dict[str, UniqueComparison]:
    """Both counting rules for every unique-people indicator (:func:`compute_unique_comparisons`), computed once
    per context."""
    return ctx.computed("dashboard.quality_ui:compute_unique_comparisons")  # type: ignore[no-any-return]


def compute_unique_comparisons(ctx: PageContext) -> dict[str, UniqueComparison]:
    inds = cache.indicators(ctx.url, ctx.version)
    # The cube's sums by the keys the unique rule looks at (and the area's name) give both rules' figures as the
    # rows do, from far fewer rows than the cube by month (see compute_unique_comparison_of).
    facts = ctx.cube(with_indicator=False, dims=(C.AREA,), rule="unique_max")
    return {str(code): compute_unique_comparison(facts[facts[C.INDICATOR] == code])
            for code in inds.loc[inds["aggregation"] == "unique_max", "code"]}


def unique_comparison(ctx: PageContext, code: str) -> UniqueComparison:
    """Both counting rules for the one indicator ``code`` (the Indicators page), computed once per context."""
    return ctx.computed("dashboard.quality_ui:compute_unique_comparison_of", code)  # type: ignore[no-any-return]


def compute_unique_comparison_of(ctx: PageContext, code: str) -> UniqueComparison:
    # The cube gives both rules' figures as the rows do (neither looks at sex, age band or disability).
    return compute_unique_comparison(ctx.cube(filters=replace(ctx.filters, indicator=code)))


def render_unique_people_comparison(frame: pd.DataFrame | None, indicator_row: pd.Series, key: str | None = None,
                                    per_area: bool = True, area_names: dict[str, str] | None = None,
                                    comparison: UniqueComparison | None = None,
                                    area_figures: pd.DataFrame | None = None) -> str:
    """Side by side: the unique-people figure (cluster rule) and the plain sum of ``frame`` (one indicator's
    facts), the difference in words and (``per_area``) per area. A switch picks the rule for the per-area
    table; the chosen rule ("unique_max" or "sum") is returned so the caller can use it too. Every figure
    names its rule. The per-area table is not suppressed: leave it out (``per_area=False``) in a public view
    until small-cell suppression covers it. ``area_names`` (pcode -> name for the reader) overrides the frame's
    area names. A ``comparison`` already computed for the frame saves computing it again, and its
    :func:`compute_area_figures` putting the per-area figures into words again."""
    if comparison is None:
        assert frame is not None, "a frame or its comparison"
        comparison = compute_unique_comparison(frame)
    comp = comparison
    code = str(indicator_row.get("code", indicator_row.name if indicator_row.name is not None else ""))
    st.markdown(_("**How unique people are counted**"))
    rules = {r: rule_label(r) for r in RULE_LABELS}
    rule = st.radio(_("Rule for the figures below"), list(rules), format_func=rules.__getitem__,
                    horizontal=True, key=key or f"unique_rule_{code}") or "unique_max"

    def in_use(label: str, which: str) -> str:
        return _("{label} · in use").format(label=label) if which == rule else label

    c1, c2, c3 = st.columns(3)
    c1.metric(in_use(rule_label("unique_max", short=True), "unique_max"), fmt.number(comp.unique),
              help=_("{rule}: for each area and population group, the largest figure reported by any one "
                     "organisation and activity; then areas and groups are added up.").format(
                  rule=rule_label("unique_max")))
    c2.metric(in_use(rule_label("sum", short=True), "sum"), fmt.number(comp.plain),
              help=_("Every report added up: a person reached by two partners or two activities counts twice."))
    c3.metric(_("Difference (possible double counting)"), fmt.number(comp.difference),
              help=None if comp.share is None else _("{share} of the plain sum").format(
                  share=fmt.percent(100 * comp.share)))
    st.markdown(compute_explanation(comp))
    if comp.by_area.empty or not per_area:
        return str(rule)
    shown = area_figures if area_figures is not None else compute_area_figures(comp, area_names)
    columns = {"unique_max": (_("Unique"), shown["unique"]), "sum": (_("Plain sum"), shown["plain"])}
    order = [rule, *(r for r in columns if r != rule)]  # the rule in use first
    table = {_("Area"): shown[C.AREA]}
    for r in order:
        name, values = columns[r]
        table[in_use(name, r)] = values
    table[_("Difference")] = shown["difference"]
    table[_("Organisation × activity series")] = shown["reporters"]
    st.dataframe(pd.DataFrame(table), hide_index=True, width="stretch", key=f"{key or 'unique_rule_' + code}_areas")
    return str(rule)


def compute_area_figures(comp: UniqueComparison, area_names: dict[str, str] | None = None) -> pd.DataFrame:
    """The per-area figures of a comparison as the reader sees them: area (``area_names``, pcode -> name,
    overriding the comparison's), unique, plain and difference as formatted numbers, reporters."""
    by_area = comp.by_area
    areas = by_area[C.AREA]
    if area_names:
        areas = by_area[C.PCODE].map(area_names).fillna(areas)
    return pd.DataFrame({
        C.AREA: areas, "unique": by_area["unique"].map(fmt.number), "plain": by_area["plain"].map(fmt.number),
        "difference": by_area["difference"].map(fmt.number), "reporters": by_area["reporters"].astype(int),
    })
