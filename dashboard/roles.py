"""Who may do what: the three roles, sign-in, and the permission check every page and action goes through.

Roles: ``public`` (donors, no sign-in: published indicators only, no organisation-level rows, small counts
suppressed), ``analyst`` (adds the Explorer, Data quality, Sources and row-level exports) and ``admin``
(the tWG co-leads: everything, including imports, rollbacks, refreshes, reviews, publishing indicators and
the audit log).

Where the role comes from:

- ``MHPSS_VIEW=public`` forces the public view for everyone (a public deployment, a kiosk, tests);
- with sign-in configured (an ``[auth]`` section in ``.streamlit/secrets.toml``, Streamlit's built-in
  OpenID Connect: ``st.login``/``st.user``), a signed-in person's verified e-mail address is matched
  against ``MHPSS_ADMINS`` and ``MHPSS_ANALYSTS`` (addresses or ``@domain``); anyone else, and anyone
  not signed in, gets the public view;
- with no sign-in configured the app runs in a clearly labelled local single-user mode with full rights.

What a role may not use is hidden (:func:`can`; the sidebar navigation lists only permitted pages) and
refused on the server (:func:`require`, and ``setup_page(requires=...)`` for whole pages): a deep link to
a page or an action shows "Not permitted" and stops the script. Refusals of signed-in people are written
to the audit log.

Tests: ``MHPSS_VIEW=public`` for the public view; for signed-in roles give ``AppTest`` an ``[auth]``
section (``at.secrets["auth"] = {...}``) and a user (``at.user = {"is_logged_in": True, "email": ...}``),
with ``MHPSS_ADMINS``/``MHPSS_ANALYSTS`` in the environment (see tests/pages/test_roles_pages.py).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import streamlit as st
from streamlit.errors import StreamlitAPIException

from dashboard.i18n import N_, _
from dashboard.settings import REPO_ROOT, Settings, secrets_section

T = TypeVar("T")
PUBLIC, ANALYST, ADMIN = "public", "analyst", "admin"
#: Role -> its name (English in the audit log; translated with ``_()`` where shown).
ROLE_LABELS = {PUBLIC: N_("Public (donor view)"), ANALYST: N_("Analyst"), ADMIN: N_("Co-lead / admin")}
_RANK = {PUBLIC: 0, ANALYST: 1, ADMIN: 2}

# Action -> the lowest role allowed to use it.
ACTIONS: dict[str, str] = {
    "view": PUBLIC,  # Home key figures, Indicators, Map: published indicators, suppressed
    "view_internal": ANALYST,  # organisation-level rows, unpublished indicators, Home's co-lead sections
    "explore": ANALYST,  # the Explorer page
    "export": ANALYST,  # row-level downloads (CSV, Excel, HXL)
    "briefing": ANALYST,  # the co-leads' printable briefing
    "quality": ANALYST,  # the Data quality page
    "sources": ANALYST,  # the Sources page (status of live sources)
    "review": ADMIN,  # marking outliers and duplicates reviewed, the reporting plan
    "import": ADMIN,  # the Import page and importing a file
    "rollback": ADMIN,  # rolling an import back
    "refresh": ADMIN,  # refreshing a live source
    "publish": ADMIN,  # publishing and withdrawing indicators
    "audit": ADMIN,  # reading and exporting the audit log
    "admin": ADMIN,  # the Admin page
}
# Action -> the sentence a refusal shows: one whole sentence per action, so translators can get the cases
# right (who the action is for follows from ACTIONS).
REFUSALS = {
    "view": N_("The public figures are for everyone."),
    "view_internal": N_("Organisation-level figures are for analysts and the tWG co-leads."),
    "explore": N_("The Explorer is for analysts and the tWG co-leads."),
    "export": N_("Downloading report rows is for analysts and the tWG co-leads."),
    "briefing": N_("The briefing is for analysts and the tWG co-leads."),
    "quality": N_("The Data quality page is for analysts and the tWG co-leads."),
    "sources": N_("The Sources page is for analysts and the tWG co-leads."),
    "review": N_("Reviewing data-quality items is for the tWG co-leads (admins)."),
    "import": N_("Importing files is for the tWG co-leads (admins)."),
    "rollback": N_("Rolling back imports is for the tWG co-leads (admins)."),
    "refresh": N_("Refreshing live sources is for the tWG co-leads (admins)."),
    "publish": N_("Publishing indicators is for the tWG co-leads (admins)."),
    "audit": N_("The audit log is for the tWG co-leads (admins)."),
    "admin": N_("The Admin page is for the tWG co-leads (admins)."),
}
REFUSAL_UNKNOWN = N_("This is for the tWG co-leads (admins).")

# Page script (relative to the repository root) -> (label, icon, action needed to open it). A page not
# listed here is for signed-in staff only (analysts and admins).
PAGES: dict[str, tuple[str, str, str]] = {
    "Home.py": (N_("Overview"), ":material/dashboard:", "view"),
    "pages/1_Indicators.py": (N_("Indicators"), ":material/monitoring:", "view"),
    "pages/2_Explorer.py": (N_("Explorer"), ":material/table_view:", "explore"),
    "pages/3_Map.py": (N_("Map"), ":material/map:", "view"),
    "pages/4_Data_quality.py": (N_("Data quality"), ":material/fact_check:", "quality"),
    "pages/5_Import.py": (N_("Import"), ":material/upload_file:", "import"),
    "pages/6_Sources.py": (N_("Sources"), ":material/sync:", "view"),
    "pages/7_Admin.py": (N_("Admin"), ":material/admin_panel_settings:", "admin"),
}
UNLISTED_PAGE_ACTION = "view_internal"
DENIED_KEY = "mhpss_denied_logged"
SIGNED_IN_KEY = "mhpss_sign_in_logged"


@dataclass(frozen=True)
class Access:
    """The viewer: role, how it was decided (``local``, ``public``, ``signed_in``, ``signed_out``) and who
    they are for the audit log."""

    role: str
    mode: str
    actor: str

    @property
    def public(self) -> bool:
        return self.role == PUBLIC


LOCAL = Access(ADMIN, "local", "local user")


def allowed(role: str, action: str) -> bool:
    """Whether ``role`` may use ``action``; unknown actions are for admins only, unknown roles public."""
    return _RANK.get(role, 0) >= _RANK[ACTIONS.get(action, ADMIN)]


def can(viewer: Any, action: str) -> bool:
    """Whether the viewer (an :class:`Access` or anything with an ``access`` attribute, e.g. the page
    context) may use ``action``. Use it to hide what the viewer may not use."""
    access = viewer if isinstance(viewer, Access) else getattr(viewer, "access", None)
    if not isinstance(access, Access):
        return False
    return allowed(access.role, action)


def _matches(email: str, entries: tuple[str, ...]) -> bool:
    local, at, domain = email.rpartition("@")
    if not at or not local or not domain:
        return False
    return any(email == entry or (entry.startswith("@") and domain == entry[1:]) for entry in entries)


def role_for(email: str, admins: tuple[str, ...], analysts: tuple[str, ...]) -> str:
    """The role of a signed-in e-mail address: an exact address or its whole domain (``@who.int`` matches
    ``a@who.int``, not ``a@sub.who.int`` nor ``a@who.int.example``); admin wins over analyst."""
    email = email.strip().lower()
    if _matches(email, admins):
        return ADMIN
    if _matches(email, analysts):
        return ANALYST
    return PUBLIC


def resolve_access(settings: Settings, user: Mapping[str, Any], sign_in: bool) -> Access:
    """The viewer's access from the settings, whether sign-in is configured, and ``st.user``'s claims."""
    if settings.view == "public":
        return Access(PUBLIC, "public", "public")
    if not sign_in:
        return LOCAL
    if not user.get("is_logged_in"):
        return Access(PUBLIC, "signed_out", "anonymous")
    email = str(user.get("email") or "").strip().lower()
    who = email or str(user.get("name") or user.get("sub") or "signed-in user")
    if user.get("email_verified") is False:  # a provider that says so: no role on an unverified address
        return Access(PUBLIC, "signed_in", who)
    return Access(role_for(email, settings.admins, settings.analysts), "signed_in", who)


def auth_section() -> Mapping[str, Any]:
    """The ``[auth]`` section Streamlit's sign-in uses, or an empty mapping when sign-in is not configured.

    Read from Streamlit's secrets and, failing closed, also from the settings' secrets file: if either has
    one, sign-in is considered configured (never the full-rights local mode)."""
    try:
        if st.secrets.load_if_toml_exists():
            section = st.secrets.get("auth")
            if section:
                return dict(section)
    except Exception:  # noqa: BLE001 - an unreadable secrets file: fall back to the settings' own reading
        pass
    section = secrets_section("auth")
    return section if isinstance(section, Mapping) else {}


def current_access(settings: Settings) -> Access:
    """The viewer of this script run."""
    if settings.view == "public":
        return resolve_access(settings, {}, False)
    sign_in = bool(auth_section())
    user: Mapping[str, Any] = {}
    if sign_in:
        try:
            user = st.user.to_dict()
        except Exception:  # noqa: BLE001 - no script context (bare mode): nobody is signed in
            user = {}
    return resolve_access(settings, user, sign_in)


# --- drawing ---------------------------------------------------------------------------------------------


def providers(section: Mapping[str, Any]) -> list[str | None]:
    """Sign-in providers: ``[None]`` for a single provider configured directly in ``[auth]``, else the
    names of the ``[auth.<name>]`` sub-tables."""
    if "client_id" in section:
        return [None]
    return [str(name) for name, value in section.items() if isinstance(value, Mapping)] or [None]


def render_identity(access: Access) -> None:
    """Who is looking, in the sidebar: the mode, and sign-in or sign-out buttons."""
    sb = st.sidebar
    if access.mode == "local":
        sb.info(_("**Local single-user mode**: no sign-in is configured, so you have full rights (co-lead/admin). "
                  "Configure sign-in before sharing this dashboard."), icon=":material/person:")
    elif access.mode == "public":
        sb.caption(":material/public: " + _("**Public view**: published indicators; small numbers are hidden."))
    elif access.mode == "signed_out":
        sb.caption(":material/public: " + _("**Public view**. tWG members: sign in for more."))
        for provider in providers(auth_section()):
            label = _("Sign in") if provider is None else _("Sign in with {provider}").format(
                provider=provider.replace("_", " ").title())
            if sb.button(label, key=f"w_sign_in_{provider or 'default'}", icon=":material/login:"):
                try:
                    st.login(provider)
                except StreamlitAPIException as exc:  # a sign-in misconfiguration: one line, not a traceback
                    sb.error(_("Sign-in is configured in .streamlit/secrets.toml but cannot start: {reason}").format(
                        reason=exc))
    else:
        sb.caption(":material/verified_user: " + _("Signed in as **{who}** ({role})").format(
            who=escape_markdown(access.actor), role=_(ROLE_LABELS[access.role])))
        if sb.button(_("Sign out"), key="w_sign_out", icon=":material/logout:"):
            st.logout()


def escape_markdown(text: str) -> str:
    """``text`` shown literally in Markdown: no links, images, emphasis, HTML or icons from user input."""
    return "".join("\\" + ch if ch in "\\`*_{}[]()#+-.!<>|~:$\"'" else ch for ch in text)


def page_entries(access: Access, root: Path = REPO_ROOT) -> list[tuple[str, str, str | None]]:
    """The pages this viewer may open, in order: (script path, label in the current language, icon)."""
    scripts = ["Home.py", *sorted(f"pages/{p.name}" for p in (root / "pages").glob("*.py"))]
    out = []
    for script in scripts:
        label, icon, action = PAGES.get(script, (_label_of(script), "", UNLISTED_PAGE_ACTION))
        if allowed(access.role, action):
            out.append((script, _(label) if script in PAGES else label, icon or None))
    return out


def _label_of(script: str) -> str:
    stem = Path(script).stem
    return stem.split("_", 1)[1].replace("_", " ") if "_" in stem and stem.split("_", 1)[0].isdigit() else stem


def render_navigation(access: Access) -> None:
    """The sidebar's page list, with only the pages this viewer may open (Streamlit's own list is turned
    off in .streamlit/config.toml). Outside a multipage run (AppTest of one page) plain links stand in."""
    sb = st.sidebar
    for script, label, icon in page_entries(access):
        try:
            sb.page_link(script, label=label, icon=icon)
        except StreamlitAPIException:
            url = "/" if script == "Home.py" else "/" + Path(script).stem.split("_", 1)[-1]
            sb.markdown(f"[{label}]({url})")
    sb.divider()


def render_not_permitted(access: Access, action: str, title: str = "") -> None:
    """The refusal: what is not permitted, for whom it is, and how to get access."""
    if title:
        st.title(title)
    refusal = _(REFUSALS.get(action, REFUSAL_UNKNOWN))
    role = _(ROLE_LABELS[access.role]) if access.role in ROLE_LABELS else access.role
    st.error(_("**Not permitted.** {refusal} You are viewing as: {role}.").format(refusal=refusal, role=role),
             icon=":material/block:")
    if access.mode == "signed_out":
        st.caption(_("tWG members: sign in (sidebar) with the e-mail address the co-leads registered."))
    elif access.mode == "public":
        st.caption(_("This deployment shows the public view only."))


def note_refusal(access: Access, action: str, url: str) -> None:
    """Write a refusal of a signed-in person to the audit log (once per session and action). Anonymous
    refusals are not written: a public deployment may have a read-only database."""
    if access.mode != "signed_in":
        return
    logged: set[str] = st.session_state.setdefault(DENIED_KEY, set())
    if action in logged:
        return
    from dashboard import audit, cache

    try:
        audit.record(cache.engine(url), access.actor, "denied", f"{action} ({ROLE_LABELS[access.role]})")
        logged.add(action)
    except Exception:  # noqa: BLE001 - the refusal stands even when the log cannot be written
        pass


def note_sign_in(access: Access, url: str) -> None:
    """Write the first page a signed-in person opens in a session to the audit log."""
    if access.mode != "signed_in" or st.session_state.get(SIGNED_IN_KEY) == access.actor:
        return
    from dashboard import audit, cache

    try:
        audit.record(cache.engine(url), access.actor, "sign_in", ROLE_LABELS[access.role])
        st.session_state[SIGNED_IN_KEY] = access.actor
    except Exception:  # noqa: BLE001 - signing in must not fail because of the log
        pass


def guarded(ctx: Any, action: str, run: Callable[..., T],
            describe: Callable[[T], str] | None = None) -> Callable[..., T]:
    """``run`` behind the permission check for ``action`` (refused with "Not permitted" when the viewer may
    not), and, with ``describe``, written to the audit log with ``describe(result)`` as the detail. For the
    callbacks pages hand to a button (refresh, import, rollback)."""
    def wrapper(*args: Any) -> T:
        require(ctx, action)
        result = run(*args)
        if describe is not None:
            from dashboard import audit, cache

            audit.record(cache.engine(str(ctx.url)), ctx.access.actor, action, describe(result))
        return result

    return wrapper


def require(ctx: Any, action: str) -> None:
    """Stop the script with "Not permitted" unless the viewer may use ``action`` (server-side check for a
    button, a form or a deep link). ``ctx`` is the page context."""
    if can(ctx, action):
        return
    access = getattr(ctx, "access", Access(PUBLIC, "public", "public"))
    render_not_permitted(access, action)
    note_refusal(access, action, str(getattr(ctx, "url", "")))
    st.stop()
