"""Roles: who gets which role, what each role may use, which pages it sees, and the role settings."""

from __future__ import annotations

from pathlib import Path

import pytest

from dashboard import i18n, roles
from dashboard.roles import ADMIN, ANALYST, PUBLIC, Access, allowed, page_entries, resolve_access, role_for
from dashboard.settings import SettingsError, load_settings

ADMINS = ("lead@who.int", "@pmf.org.pl")
ANALYSTS = ("@unhcr.org", "m.e@iom.int")


@pytest.mark.parametrize(("email", "role"), [
    ("lead@who.int", ADMIN),
    ("LEAD@WHO.INT", ADMIN),  # addresses compare without case
    (" lead@who.int ", ADMIN),
    ("other@who.int", PUBLIC),  # an address, not the domain, is listed
    ("anyone@pmf.org.pl", ADMIN),  # the whole domain
    ("anyone@unhcr.org", ANALYST),
    ("m.e@iom.int", ANALYST),
    ("x@sub.unhcr.org", PUBLIC),  # a sub-domain is not the domain
    ("x@unhcr.org.evil.example", PUBLIC),  # nor a longer domain ending elsewhere
    ("x@evilunhcr.org", PUBLIC),  # nor a domain that merely ends with the same letters
    ("unhcr.org", PUBLIC),  # no @ at all
    ("", PUBLIC),
    ("@unhcr.org", PUBLIC),  # an empty local part is nobody's address
])
def test_role_for_email(email: str, role: str) -> None:
    assert role_for(email, ADMINS, ANALYSTS) == role


def test_admin_wins_over_analyst() -> None:
    assert role_for("a@both.org", ("@both.org",), ("@both.org",)) == ADMIN


def _settings(**env: str):  # type: ignore[no-untyped-def]
    return load_settings({"MHPSS_ADMINS": ",".join(ADMINS), "MHPSS_ANALYSTS": ",".join(ANALYSTS), **env})


@pytest.mark.parametrize(("view", "sign_in", "user", "role", "mode"), [
    ("public", True, {"is_logged_in": True, "email": "lead@who.int"}, PUBLIC, "public"),  # MHPSS_VIEW=public wins
    ("public", False, {}, PUBLIC, "public"),
    ("local", False, {"is_logged_in": True, "email": "x@gmail.com"}, ADMIN, "local"),  # no sign-in: full rights
    ("local", True, {}, PUBLIC, "signed_out"),
    ("local", True, {"is_logged_in": False, "email": "lead@who.int"}, PUBLIC, "signed_out"),
    ("local", True, {"is_logged_in": True, "email": "lead@who.int"}, ADMIN, "signed_in"),
    ("local", True, {"is_logged_in": True, "email": "a@unhcr.org"}, ANALYST, "signed_in"),
    ("local", True, {"is_logged_in": True, "email": "donor@gmail.com"}, PUBLIC, "signed_in"),
    ("local", True, {"is_logged_in": True, "email": "lead@who.int", "email_verified": False}, PUBLIC, "signed_in"),
    ("local", True, {"is_logged_in": True, "email": "lead@who.int", "email_verified": True}, ADMIN, "signed_in"),
    ("local", True, {"is_logged_in": True, "name": "No Mail"}, PUBLIC, "signed_in"),
])
def test_resolve_access(view: str, sign_in: bool, user: dict[str, object], role: str, mode: str) -> None:
    access = resolve_access(_settings(MHPSS_VIEW=view), user, sign_in)
    assert (access.role, access.mode) == (role, mode)


def test_the_audit_actor_is_the_address_or_the_mode() -> None:
    settings = _settings()
    assert resolve_access(settings, {"is_logged_in": True, "email": "A@UNHCR.ORG"}, True).actor == "a@unhcr.org"
    assert resolve_access(settings, {}, False).actor == "local user"
    assert resolve_access(settings, {}, True).actor == "anonymous"


# Every action for every role: True where the role may use it.
MATRIX = {
    "view": (True, True, True),
    "view_internal": (False, True, True),
    "explore": (False, True, True),
    "export": (False, True, True),
    "briefing": (False, True, True),
    "quality": (False, True, True),
    "sources": (False, True, True),
    "review": (False, False, True),
    "import": (False, False, True),
    "rollback": (False, False, True),
    "refresh": (False, False, True),
    "publish": (False, False, True),
    "audit": (False, False, True),
    "admin": (False, False, True),
}


@pytest.mark.parametrize("action", sorted(MATRIX))
def test_permission_matrix(action: str) -> None:
    assert tuple(allowed(role, action) for role in (PUBLIC, ANALYST, ADMIN)) == MATRIX[action]


def test_the_matrix_covers_every_action_and_unknowns_fail_closed() -> None:
    assert set(MATRIX) == set(roles.ACTIONS)
    assert not allowed(ANALYST, "drop_everything") and allowed(ADMIN, "drop_everything")
    assert not allowed("root", "view_internal")  # an unknown role is treated as the public


def test_can_reads_the_access_of_a_page_context() -> None:
    class Ctx:
        access = Access(ANALYST, "signed_in", "a@unhcr.org")

    assert roles.can(Ctx(), "explore") and not roles.can(Ctx(), "import")
    assert not roles.can(object(), "view")  # no access known: nothing allowed


def test_pages_listed_for_each_role(tmp_path: Path) -> None:
    (tmp_path / "pages").mkdir()
    for name in ("1_Indicators.py", "2_Explorer.py", "3_Map.py", "4_Data_quality.py", "5_Import.py", "6_Sources.py",
                 "7_Admin.py", "9_New_tool.py"):
        (tmp_path / "pages" / name).write_text("")
    labels = {role: [label for _, label, _ in page_entries(Access(role, "x", "x"), tmp_path)]
              for role in (PUBLIC, ANALYST, ADMIN)}
    assert labels[PUBLIC] == ["Overview", "Indicators", "Map", "Sources"]
    assert labels[ANALYST] == ["Overview", "Indicators", "Explorer", "Map", "Data quality", "Sources", "New tool"]
    assert labels[ADMIN] == ["Overview", "Indicators", "Explorer", "Map", "Data quality", "Import", "Sources",
                             "Admin", "New tool"]
    with i18n.language("pl"):
        polish = [label for _, label, _ in page_entries(Access(ADMIN, "x", "x"), tmp_path)]
    assert polish == ["Przegląd", "Wskaźniki", "Eksplorator danych", "Mapa", "Jakość danych", "Import", "Źródła",
                      "Administracja", "New tool"]  # a page not in roles.PAGES keeps its file name


@pytest.mark.parametrize("text", ["[click](javascript:alert(1))", "![x](http://evil.example/t.png)", "<script>x</script>",
                                  "**bold** _it_ `code` :red[x] :material/home:", "a\\]b"])
def test_escaped_markdown_keeps_no_active_syntax(text: str) -> None:
    escaped = roles.escape_markdown(text)
    active = "[]()!<>*_`:\\"
    # every special character is preceded by a backslash, so Markdown shows it literally
    i = 0
    while i < len(escaped):
        if escaped[i] == "\\":
            i += 2
            continue
        assert escaped[i] not in active, (text, escaped)
        i += 1
    assert escaped.replace("\\", "") == text.replace("\\", "")


def test_role_settings_from_the_environment_and_from_secrets(tmp_path: Path) -> None:
    settings = load_settings({"MHPSS_ADMINS": "Lead@WHO.int; @pmf.org.pl", "MHPSS_ANALYSTS": ""})
    assert settings.admins == ("lead@who.int", "@pmf.org.pl") and settings.analysts == ()
    secrets = tmp_path / "secrets.toml"
    secrets.write_text('[mhpss.roles]\nadmins = ["a@who.int"]\nanalysts = ["@unhcr.org", "b@iom.int"]\n')
    from_file = load_settings({}, secrets)
    assert from_file.admins == ("a@who.int",) and from_file.analysts == ("@unhcr.org", "b@iom.int")
    assert load_settings({"MHPSS_ANALYSTS": "@who.int"}, secrets).analysts == ("@who.int",)  # environment wins


@pytest.mark.parametrize("bad", ["who.int", "a@b", "a b@who.int", "x@y@who.int", '["ok@who.int", "nope"]', "[broken"])
def test_a_bad_role_entry_names_the_setting(bad: str) -> None:
    with pytest.raises(SettingsError, match="MHPSS_ADMINS"):
        load_settings({"MHPSS_ADMINS": bad})


def test_sign_in_providers_from_the_auth_section() -> None:
    assert roles.providers({"client_id": "x", "redirect_uri": "y"}) == [None]
    assert roles.providers({"redirect_uri": "y", "google": {"client_id": "g"}, "microsoft": {"client_id": "m"}}) == [
        "google", "microsoft"]
