"""The role matrix through AppTest: each role × each page and action, refusals of deep links, the audit
trail, publishing, and the public view's suppression on every page and download.

How the roles are set up (see ``dashboard.roles``):

- ``public``: ``MHPSS_VIEW=public`` in the environment;
- signed-in roles: an ``[auth]`` section in ``at.secrets`` (sign-in configured) and ``at.user`` with
  ``is_logged_in`` and an e-mail, matched against ``MHPSS_ADMINS`` / ``MHPSS_ANALYSTS``;
- ``signed_out``: sign-in configured, ``at.user["is_logged_in"] = False``;
- ``local``: nothing configured: the labelled single-user mode with full rights.
"""

from __future__ import annotations

import io
import json
import os
import re
from collections.abc import Iterator

import pandas as pd
import pytest
from sqlalchemy import create_engine, text
from streamlit.testing.v1 import AppTest

from dashboard import audit, store
from dashboard.admin import set_published
from dashboard.indicator_view import TABS_KEY
from tests.pages.conftest import REPO_ROOT, choose_tab, download_bytes, no_exception

AUTH = {"client_id": "dashboard", "client_secret": "not-a-secret", "redirect_uri": "http://localhost:8501/oauth2callback",
        "server_metadata_url": "https://login.example.org/.well-known/openid-configuration", "cookie_secret": "test"}
EMAIL = {"admin": "lead@who.int", "analyst": "ana@unhcr.org", "outsider": "donor@gmail.com"}
ROLES = ["public", "signed_out", "outsider", "analyst", "admin", "local"]
STAFF = {"analyst", "admin", "local"}
ADMINS = {"admin", "local"}


def open_as(role: str, path: str, monkeypatch: pytest.MonkeyPatch, **params: str) -> AppTest:
    """Run ``path`` as ``role`` with URL parameters ``params``."""
    at = AppTest.from_file(str(REPO_ROOT / path), default_timeout=90)
    for key, value in params.items():
        at.query_params[key] = value
    monkeypatch.delenv("MHPSS_VIEW", raising=False)
    if role == "public":
        monkeypatch.setenv("MHPSS_VIEW", "public")
    elif role != "local":
        monkeypatch.setenv("MHPSS_ADMINS", EMAIL["admin"])
        monkeypatch.setenv("MHPSS_ANALYSTS", "@unhcr.org")
        at.secrets["auth"] = AUTH
        at.user = {"is_logged_in": role != "signed_out", "email": EMAIL.get(role, "")}
    return at.run()


def refused(at: AppTest) -> bool:
    texts = [e.value for e in at.error] + [i.value for i in at.info]
    return any("Not permitted" in t or "not part of the public view" in t or "Importing is not available" in t
               for t in texts)


def audit_rows(action: str | None = None) -> pd.DataFrame:
    engine = store.get_engine(os.environ["MHPSS_DATABASE_URL"])
    try:
        return audit.fetch_audit(engine, actions=[action] if action else ())
    finally:
        engine.dispose()


# Which roles may open each page (everyone else is refused, also by a deep link).
PAGES = {
    "Home.py": set(ROLES),
    "pages/1_Indicators.py": set(ROLES),
    "pages/2_Explorer.py": STAFF,
    "pages/3_Map.py": set(ROLES),
    "pages/4_Data_quality.py": STAFF,
    "pages/5_Import.py": ADMINS,
    "pages/6_Sources.py": set(ROLES),
    "pages/7_Admin.py": ADMINS,
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("path", sorted(PAGES))
def test_each_role_opens_only_its_pages(path: str, role: str, monkeypatch: pytest.MonkeyPatch) -> None:
    at = open_as(role, path, monkeypatch, country="POL")
    no_exception(at)
    if role in PAGES[path]:
        assert not refused(at), [e.value for e in at.error]
    else:
        assert refused(at)
        assert not at.dataframe and not at.download_button and not at.file_uploader  # nothing of the page


@pytest.mark.parametrize("role", ROLES)
def test_navigation_lists_only_the_permitted_pages(role: str, monkeypatch: pytest.MonkeyPatch) -> None:
    at = open_as(role, "Home.py", monkeypatch)
    listed = {link.proto.label for link in at.get("page_link")}
    expected = {"Overview", "Indicators", "Map", "Sources"} | (
        {"Explorer", "Data quality"} if role in STAFF else set()) | ({"Import", "Admin"} if role in ADMINS else set())
    assert listed == expected


def test_the_mode_is_labelled(monkeypatch: pytest.MonkeyPatch) -> None:
    local = open_as("local", "Home.py", monkeypatch)
    assert any("Local single-user mode" in i.value for i in local.sidebar.info)
    signed_out = open_as("signed_out", "pages/1_Indicators.py", monkeypatch)
    assert "Sign in" in [b.label for b in signed_out.sidebar.button]
    signed_out.sidebar.button(key="w_sign_in_default").click().run()
    no_exception(signed_out)  # (AppTest has no sign-in server: the page says why instead of failing)
    analyst = open_as("analyst", "pages/1_Indicators.py", monkeypatch)
    assert any("ana@unhcr" in c.value and "Analyst" in c.value for c in analyst.sidebar.caption)
    assert "Sign out" in [b.label for b in analyst.sidebar.button]


@pytest.mark.parametrize("role", ROLES)
def test_actions_are_offered_only_to_roles_that_may_use_them(role: str, monkeypatch: pytest.MonkeyPatch) -> None:
    home = open_as(role, "Home.py", monkeypatch)
    has_briefing = any(b.proto.label.startswith("Download briefing") for b in home.download_button)
    assert has_briefing == (role in STAFF)
    subheaders = [s.value for s in home.subheader]
    assert any(s.startswith("Not reported for") for s in subheaders) == (role in STAFF)
    assert ("Data-quality alerts" in subheaders) == (role in STAFF)
    if role in STAFF:
        explorer = open_as(role, "pages/2_Explorer.py", monkeypatch)
        assert {"dl_csv", "dl_csv_excel", "dl_xlsx", "dl_hxl"} <= {b.key for b in explorer.download_button}
        quality = open_as(role, "pages/4_Data_quality.py", monkeypatch)
        quality.session_state["dq_tab"] = "Outliers"  # where items are marked reviewed
        reviews = [b for b in quality.run().button if b.label == "Mark as reviewed"]
        assert bool(reviews) == (role in ADMINS)
    sources = open_as(role, "pages/6_Sources.py", monkeypatch)
    screen = " ".join([c.value for c in sources.caption] + [i.value for i in sources.info])
    may_refresh = "No live source is configured yet" in screen or any("Refresh" in b.label for b in sources.button)
    assert may_refresh == (role in ADMINS)


def test_a_refused_deep_link_is_written_to_the_audit_log_for_signed_in_people(monkeypatch: pytest.MonkeyPatch) -> None:
    open_as("analyst", "pages/7_Admin.py", monkeypatch)
    denied = audit_rows("denied")
    assert list(denied["actor"]) == [EMAIL["analyst"]] and "admin" in denied["detail"].iloc[0]
    assert EMAIL["analyst"] in set(audit_rows("sign_in")["actor"])
    open_as("signed_out", "pages/2_Explorer.py", monkeypatch, country="POL")
    assert len(audit_rows("denied")) == 1  # anonymous refusals are not written


def test_an_analyst_download_is_audit_logged(monkeypatch: pytest.MonkeyPatch) -> None:
    at = open_as("analyst", "pages/2_Explorer.py", monkeypatch, country="LTU")
    at.download_button(key="dl_csv").click().run()
    no_exception(at)
    exports = audit_rows("export")
    assert list(exports["actor"]) == [EMAIL["analyst"]]
    assert exports["detail"].iloc[0].startswith("CSV, ") and "country=LTU" in exports["detail"].iloc[0]


def test_publishing_controls_what_the_public_sees(monkeypatch: pytest.MonkeyPatch) -> None:
    admin = open_as("admin", "pages/7_Admin.py", monkeypatch)
    assert admin.button(key="admin_publish_save").disabled
    admin.multiselect(key="admin_published").unselect("TRAININGS_HELD").run()
    admin.button(key="admin_publish_save").click().run()
    no_exception(admin)
    assert any("TRAININGS_HELD" in s.value for s in admin.success)
    assert audit_rows("unpublish")[["actor", "detail"]].values.tolist() == [[EMAIL["admin"], "TRAININGS_HELD"]]
    public = open_as("public", "pages/1_Indicators.py", monkeypatch, indicator="TRAININGS_HELD")
    no_exception(public)
    assert public.main.header[0].value != "Trainings held"  # the deep link falls back to a published indicator
    assert any("TRAININGS_HELD" in w.value.replace("\\", "") for w in public.sidebar.warning)
    assert "TRAININGS_HELD" not in public.selectbox(key="w_indicator").options
    home = open_as("public", "Home.py", monkeypatch)
    assert not any(m.label.startswith("Trainings held") for m in home.metric)
    staff = open_as("local", "pages/1_Indicators.py", monkeypatch, indicator="TRAININGS_HELD")
    assert staff.main.header[0].value == "Trainings held"  # staff still see it


def test_set_published_is_one_audited_transaction(fixture_db_url: str) -> None:
    engine = store.get_engine(fixture_db_url)
    try:
        with engine.connect() as conn:
            before = store.read_data_version(conn)
        assert set_published(engine, {"PPL_REACHED": False, "REFERRALS": True}, "lead@who.int") == ["PPL_REACHED"]
        with pytest.raises(ValueError, match="unknown indicator"):
            set_published(engine, {"PPL_REACHED": True, "NOPE": True}, "lead@who.int")
        with engine.connect() as conn:
            published = conn.execute(text("SELECT is_published FROM indicators WHERE code='PPL_REACHED'")).scalar_one()
            assert not published and store.read_data_version(conn) == before + 1
        assert audit.fetch_audit(engine)[["action", "detail"]].values.tolist() == [["unpublish", "PPL_REACHED"]]
    finally:
        engine.dispose()


def test_the_admin_can_read_filter_and_download_the_audit_log(monkeypatch: pytest.MonkeyPatch) -> None:
    engine = create_engine(os.environ["MHPSS_DATABASE_URL"])
    for actor, action, detail in [("=cmd|' /C calc'!A0", "import", "batch 9"), ("ana@unhcr.org", "export", "CSV")]:
        audit.record(engine, actor, action, detail)
    engine.dispose()
    at = open_as("admin", "pages/7_Admin.py", monkeypatch)
    table = audit_table(at)
    assert {"=cmd|' /C calc'!A0", "ana@unhcr.org"} <= set(table["who"])
    at.text_input(key="admin_actor").input("UNHCR").run()
    assert list(audit_table(at)["who"]) == ["ana@unhcr.org"]
    at.text_input(key="admin_actor").input("").run()
    at.download_button(key="dl_audit").click().run()
    csv = pd.read_csv(io.BytesIO(download_bytes(at, "dl_audit")), keep_default_na=False, dtype=str)
    assert "'=cmd|' /C calc'!A0" in set(csv["who"])  # inert in a spreadsheet


def audit_table(at: AppTest) -> pd.DataFrame:
    return next(f.value for f in at.dataframe if "who" in f.value.columns)


# --- the public view: suppression on every page and download ------------------------------------------------

SMALL = re.compile(r"(?<![\d.,])[1-4](?![\d.,%])")


def numbers_in(value: object) -> list[float]:
    """Every number in a JSON-like structure."""
    if isinstance(value, bool) or value is None:
        return []
    if isinstance(value, (int, float)):
        return [float(value)]
    if isinstance(value, dict):
        return [n for v in value.values() for n in numbers_in(v)]
    if isinstance(value, list):
        return [n for v in value for n in numbers_in(v)]
    return []


def chart_values(at: AppTest) -> list[float]:
    """The values the charts on the page plot (their inline data sets)."""
    out: list[float] = []
    for chart in at.get("vega_lite_chart"):
        spec = json.loads(chart.proto.spec)
        for dataset in spec.get("datasets", {}).values():
            out += [float(row["value"]) for row in dataset if isinstance(row.get("value"), (int, float))]
        for data in chart.proto.datasets:
            frame = _arrow(data.data.data)
            if "value" in frame:
                out += [float(v) for v in frame["value"].dropna()]
    return out


def _arrow(raw: bytes) -> pd.DataFrame:
    import pyarrow as pa

    return pa.ipc.open_stream(raw).read_all().to_pandas()


def every_breakdown_tab(at: AppTest) -> Iterator[str]:
    """The Indicators page with each breakdown tab open in turn (only the open tab is drawn); the page as it is
    when it has no breakdowns (nothing reported for the filters)."""
    labels = [t.label for t in at.tabs]
    if not labels:
        yield ""
    for tab in labels:
        choose_tab(at, tab, key=TABS_KEY)
        no_exception(at)
        yield tab


@pytest.mark.parametrize("params", [
    {"indicator": "TRAININGS_HELD", "period": "last_month"},
    {"indicator": "REFERRALS", "period": "ytd", "country": "LTU"},
    {"indicator": "ORGS_REPORTING", "period": "last_quarter"},
    {"indicator": "CAREGIVERS_PSS", "period": "all", "adm1": "PL-MZ"},
])
def test_the_public_indicator_page_shows_no_small_count(params: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    at = open_as("public", "pages/1_Indicators.py", monkeypatch, **params)
    no_exception(at)
    metrics = [m.value for m in at.metric]
    assert not any(SMALL.fullmatch(v.replace(",", "")) for v in metrics), metrics
    for _tab in every_breakdown_tab(at):
        for frame in at.dataframe:
            for column in frame.value.columns:
                if column == "value":
                    assert not any(SMALL.fullmatch(str(v)) for v in frame.value[column]), frame.value
        assert not [v for v in chart_values(at) if 0 < v < 5]
    captions = " ".join(c.value for c in at.caption)
    assert "counts from 1 to 4 are shown as “<5”" in captions
    at.download_button(key="dl_indicator_figures").click().run()
    figures = pd.read_csv(io.BytesIO(download_bytes(at, "dl_indicator_figures")), dtype=str, keep_default_na=False)
    assert not any(SMALL.fullmatch(v.replace(",", "")) for v in figures["value"])
    assert not set(figures["value"]) - {"<5", "hidden"} - {v for v in figures["value"] if re.fullmatch(r"[\d,.%]+", v)}


def test_the_public_indicator_page_hides_small_counts_it_would_show_staff(monkeypatch: pytest.MonkeyPatch) -> None:
    params = {"indicator": "ORGS_REPORTING", "period": "last_month", "country": "LTU"}
    staff = open_as("local", "pages/1_Indicators.py", monkeypatch, **params)
    tabs = [f.value for _tab in every_breakdown_tab(staff) for f in staff.dataframe]
    assert any(((t["value"].astype(float) > 0) & (t["value"].astype(float) < 5)).any() for t in tabs if "value" in t)
    public = open_as("public", "pages/1_Indicators.py", monkeypatch, **params)
    shown = [str(v) for _tab in every_breakdown_tab(public) for f in public.dataframe for v in f.value.get("value", [])]
    assert "<5" in shown
    assert not any(SMALL.fullmatch(v) for v in shown)


def test_public_home_and_map_show_no_small_count_nor_organisations(monkeypatch: pytest.MonkeyPatch) -> None:
    home = open_as("public", "Home.py", monkeypatch, period="last_month", country="LTU")
    no_exception(home)
    assert not any(SMALL.fullmatch(m.value.replace(",", "")) for m in home.metric)
    assert "<5" in [m.value for m in home.metric]
    assert not home.dataframe  # no organisation lists
    assert not [v for v in chart_values(home) if 0 < v < 5]
    mapped = open_as("public", "pages/3_Map.py", monkeypatch, indicator="ORGS_REPORTING", period="last_month")
    no_exception(mapped)
    deck = json.loads(mapped.get("deck_gl_json_chart")[0].proto.json)
    props = [f for layer in deck["layers"] for f in (layer.get("data") or [])
             if isinstance(f, dict) and "value_text" in f]
    assert props and not [p for p in props if isinstance(p.get("value"), (int, float)) and 0 < p["value"] < 5]
    assert any("hidden to protect privacy" in str(p.get("value_text")) for p in props)
    mapped.download_button(key="dl_map_csv").click().run()
    csv = pd.read_csv(io.BytesIO(download_bytes(mapped, "dl_map_csv")))
    values = csv["value"].dropna()
    assert not values[(values > 0) & (values < 5)].size
    assert csv["status"].astype(str).str.startswith("hidden").any()


def test_public_filters_have_no_organisations_and_ignore_organisation_links(monkeypatch: pytest.MonkeyPatch) -> None:
    at = open_as("public", "pages/1_Indicators.py", monkeypatch, org="International Organization for Migration (IOM)",
                 orgtype="un")
    no_exception(at)
    keys = {w.key for w in at.sidebar.multiselect}
    assert "w_org" not in keys and "w_orgtype" not in keys
    assert any("organisation" in w.value for w in at.sidebar.warning)
    assert "org" not in at.query_params


# --- in Ukrainian and Polish ----------------------------------------------------------------------------------


def test_navigation_identity_and_refusals_in_ukrainian(monkeypatch: pytest.MonkeyPatch) -> None:
    analyst = open_as("analyst", "pages/7_Admin.py", monkeypatch, lang="uk")
    no_exception(analyst)
    assert refused_text(analyst) == ("**Недоступно.** Сторінка «Адміністрування» доступна лише співголовам ТРГ "
                                     "(адміністраторам). Ваша роль: Аналітик.")
    assert audit_rows("denied")["detail"].tolist() == ["admin (Analyst)"]  # the log stays in English
    home = open_as("analyst", "Home.py", monkeypatch, lang="uk")
    assert [link.proto.label for link in home.get("page_link")] == [
        "Огляд", "Індикатори", "Дослідник даних", "Карта", "Якість даних", "Джерела"]
    assert any("Ви увійшли як **ana@unhcr\\.org** (Аналітик)" in c.value for c in home.sidebar.caption)
    assert "Вийти" in [b.label for b in home.sidebar.button]
    public = open_as("signed_out", "pages/2_Explorer.py", monkeypatch, lang="pl")
    assert refused_text(public).startswith("**Brak uprawnień.** Eksplorator danych jest dostępny dla analityków")
    assert "Zaloguj się" in [b.label for b in public.sidebar.button]


def refused_text(at: AppTest) -> str:
    return next(e.value for e in at.error)


@pytest.mark.parametrize(("lang", "subheaders", "who", "save"), [
    ("uk", ["Опубліковані індикатори", "Журнал аудиту"], "хто", "Зберегти публікацію (1 зміна)"),
    ("pl", ["Opublikowane wskaźniki", "Dziennik audytu"], "kto", "Zapisz publikację (1 zmiana)"),
])
def test_the_admin_page_in_ukrainian_and_polish(lang: str, subheaders: list[str], who: str, save: str,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    from dashboard import i18n

    engine = create_engine(os.environ["MHPSS_DATABASE_URL"])
    audit.record(engine, "ana@unhcr.org", "export", "CSV")
    engine.dispose()
    at = open_as("admin", "pages/7_Admin.py", monkeypatch, lang=lang)
    no_exception(at)
    assert [s.value for s in at.subheader] == subheaders
    table = next(f.value for f in at.dataframe if who in f.value.columns)
    assert "ana@unhcr.org" in table[who].tolist()
    with i18n.language(lang):  # AppTest formats the widgets' values in the test's thread
        at.multiselect(key="admin_published").unselect("TRAININGS_HELD").run()
    assert at.button(key="admin_publish_save").label == save
    with i18n.language(lang):
        at.button(key="admin_publish_save").click().run()
    no_exception(at)
    assert at.success[0].value == {"uk": "Збережено: TRAININGS_HELD тепер відображається в публічному режимі так, "
                                         "як обрано.",
                                   "pl": "Zapisano: TRAININGS_HELD jest teraz w widoku publicznym zgodnie z wyborem."}[lang]
    assert audit_rows("unpublish")["detail"].tolist() == ["TRAININGS_HELD"]
