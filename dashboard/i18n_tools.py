"""Maintaining the message catalogue: extract the interface text from the code, update the ``.po`` files,
check them. A developer's and translator's tool, never imported by the app.

    python -m dashboard.i18n_tools update [EXTRA.po ...]   # re-extract; merge; take translations from EXTRA
    python -m dashboard.i18n_tools check                   # every message translated, placeholders kept

``update`` writes ``dashboard/locales/messages.pot`` and refreshes ``uk`` and ``pl``: new messages are added
untranslated, messages no longer in the code are dropped, and translations found in the EXTRA files (``.po``
files whose ``Language`` header says ``uk`` or ``pl``) fill or replace the catalogue's. The same can be done
with Babel's own CLI: ``pybabel extract -F dashboard/locales/babel.cfg -k N_ -k pgettext:1c,2 -o
dashboard/locales/messages.pot .`` then ``pybabel update -i dashboard/locales/messages.pot -d
dashboard/locales``.
"""

from __future__ import annotations

import ast
import re
import string
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po, write_po

from dashboard.i18n import _LOCALES, DOMAIN, LOCALES_DIR, po_path

ROOT = LOCALES_DIR.parent.parent
#: Where interface text lives (tests and benchmarks are not translated).
SOURCES = ("Home.py", "pages", "dashboard", "data_sources", "geo")
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2), "pgettext": ((1, "c"), 2)}
TRANSLATED = ("uk", "pl")
PLACEHOLDER = re.compile(r"\{[A-Za-z_][A-Za-z0-9_]*(?:[:!][^{}]*)?\}")
#: ``{}`` or ``{0}``: a translator cannot tell what they stand for, and cannot reorder them.
POSITIONAL = re.compile(r"(?<!\{)\{(?:\d+)?(?:[:!][^{}]*)?\}(?!\})")
#: A translation identical to its English message with at least this many words was left untranslated.
UNTRANSLATED_WORDS = 4


def source_files() -> list[Path]:
    files: list[Path] = []
    for name in SOURCES:
        path = ROOT / name
        files += [path] if path.is_file() else sorted(p for p in path.rglob("*.py") if "locales" not in p.parts)
    return [p for p in files if p.name != "i18n_tools.py"]


def extract() -> Catalog:
    """Every marked message in the code, with the places it is used."""
    template = Catalog(project="mhpss-dashboard", domain=DOMAIN)
    for path in source_files():
        rel = path.relative_to(ROOT).as_posix()
        for lineno, message, comments, context in extract_from_file("python", str(path), keywords=KEYWORDS,
                                                                     comment_tags=("Translators:",)):
            template.add(message, None, [(rel, lineno)], auto_comments=comments, context=context)
    return template


def _read(path: Path, lang: str) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle, locale=_LOCALES[lang])


def _write(catalog: Catalog, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        write_po(handle, catalog, width=120, omit_header=False, ignore_obsolete=True, sort_output=False)


def update(extra: Iterable[Path] = ()) -> dict[str, int]:
    """Re-extract, merge into each language's catalogue, fill from ``extra``; return untranslated counts."""
    template = extract()
    _write(template, LOCALES_DIR / f"{DOMAIN}.pot")
    extras: dict[str, list[Catalog]] = {lang: [] for lang in TRANSLATED}
    for path in extra:
        with path.open("rb") as handle:
            fragment = read_po(handle)
        lang = str(fragment.locale_identifier or "").split("_")[0]
        if lang not in extras:
            raise SystemExit(f"{path}: the Language header must be one of {', '.join(TRANSLATED)} (found {lang!r})")
        extras[lang].append(fragment)
    missing: dict[str, int] = {}
    for lang in TRANSLATED:
        path = po_path(lang)
        catalog = _read(path, lang) if path.exists() else Catalog(locale=_LOCALES[lang], domain=DOMAIN,
                                                                   project="mhpss-dashboard")
        catalog.update(template, no_fuzzy_matching=True)
        for fragment in extras[lang]:
            for message in fragment:
                if message.id and _translated(message):
                    current = catalog.get(message.id, message.context)
                    if current is not None:
                        current.string = message.string
                        current.flags.discard("fuzzy")
        catalog.obsolete.clear()
        _write(catalog, path)
        missing[lang] = sum(1 for m in catalog if m.id and not _translated(m))
    return missing


def _translated(message: Message) -> bool:
    strings = message.string if isinstance(message.string, tuple | list) else (message.string,)
    return bool(strings) and all(isinstance(s, str) and s.strip() for s in strings) and "fuzzy" not in message.flags


@dataclass(frozen=True)
class Problem:
    lang: str
    message: str
    reason: str

    def __str__(self) -> str:
        return f"{self.lang}: {self.message!r}: {self.reason}"


def check() -> list[Problem]:
    """Every message in the code translated in every language, placeholders kept, all plural forms given,
    each translation usable with ``str.format`` and keeping the Markdown bold marks; plus :func:`lint` of
    the code (messages the extractor cannot see, ``_`` shadowed)."""
    template = extract()
    problems: list[Problem] = list(lint())
    for wanted in template:
        ids = wanted.id if isinstance(wanted.id, tuple | list) else (wanted.id,)
        if wanted.id and any(POSITIONAL.search(i.replace("{{", "").replace("}}", "")) for i in ids):
            problems.append(Problem("code", ids[0], "positional placeholder ({} or {0}): name it"))
    for lang in TRANSLATED:
        path = po_path(lang)
        if not path.exists():
            problems.append(Problem(lang, str(path), "catalogue missing"))
            continue
        catalog = _read(path, lang)
        for wanted in template:
            if not wanted.id:
                continue
            msg = catalog.get(wanted.id, wanted.context)
            label = wanted.id if isinstance(wanted.id, str) else wanted.id[0]
            strings = () if msg is None else msg.string if isinstance(msg.string, tuple | list) else (msg.string,)
            given = [s for s in strings if isinstance(s, str) and s.strip()]
            if isinstance(wanted.id, tuple | list) and given and len(given) != catalog.num_plurals:
                # Babel pads missing forms with "": count the forms the translator wrote.
                problems.append(Problem(lang, label, f"{len(given)} plural forms, {catalog.num_plurals} needed"))
                continue
            if msg is None or not _translated(msg):
                problems.append(Problem(lang, label, "no translation"))
                continue
            ids = wanted.id if isinstance(wanted.id, tuple | list) else (wanted.id,)
            # Every form keeps every placeholder: Ukrainian and Polish use their "one" form for 21, 31…
            expected = set().union(*(PLACEHOLDER.findall(i) for i in ids))
            for text in strings:
                found = set(PLACEHOLDER.findall(str(text)))
                if expected - found:
                    problems.append(Problem(lang, label, f"placeholders {sorted(expected - found)} dropped"))
                if found - expected:
                    problems.append(Problem(lang, label, f"unknown placeholders {sorted(found - expected)}"))
                if expected and not _formattable(str(text)):
                    problems.append(Problem(lang, label, f"cannot be formatted (stray brace): {text!r}"))
                if str(text).count("**") != ids[0].count("**"):
                    problems.append(Problem(lang, label, "bold marks (**) differ from the English"))
            if all(str(t) == i for t, i in zip(strings, ids * len(strings), strict=False)) and \
                    len(re.findall(r"[^\W\d_]+", PLACEHOLDER.sub("", ids[0]))) >= UNTRANSLATED_WORDS:
                problems.append(Problem(lang, label, "left in English"))
    return problems


def _formattable(text: str) -> bool:
    try:
        list(string.Formatter().parse(text))
    except ValueError:
        return False
    return True


_MESSAGE_ARGS = {"_": (0,), "N_": (0,), "ngettext": (0, 1), "pgettext": (0, 1)}
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef, ast.ListComp, ast.SetComp, ast.DictComp,
           ast.GeneratorExp)


def lint(files: Iterable[Path] | None = None) -> list[Problem]:
    """Mistakes in the code that the catalogue cannot show:

    - a message that is not a plain string literal but contains one (``_(f"...")``, ``_("a" + b)``,
      ``_("{n}".format(n=1))``, ``_(LABELS["key"])``, ``_(d.get(k, N_("...")))``): the extractor takes the
      wrong text or none, and the translation is never found;
    - ``_`` rebound where it is used (``for _ in ...``, ``x, _ = ...``) in a file that imports it: at module
      level every later ``_()`` breaks, in a function ``_`` becomes a local variable.
    """
    problems: list[Problem] = []
    for path in source_files() if files is None else files:
        rel = path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else str(path)
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in _MESSAGE_ARGS:
                for index in _MESSAGE_ARGS[node.func.id]:
                    if index >= len(node.args):
                        continue
                    arg = node.args[index]
                    literal = isinstance(arg, ast.Constant) and isinstance(arg.value, str)
                    if not literal and any(isinstance(n, ast.Constant) and isinstance(n.value, str)
                                           for n in ast.walk(arg)):
                        problems.append(Problem("code", f"{rel}:{node.lineno}", f"{node.func.id}() of "
                                                f"{ast.unparse(arg)[:60]}: pass a plain string literal"))
        if _imports_underscore(tree):
            problems += [Problem("code", f"{rel}:{line}", "'_' is rebound here but is the translation function")
                         for line in _underscore_bindings(tree)]
    return problems


def _imports_underscore(tree: ast.Module) -> bool:
    return any(isinstance(n, ast.ImportFrom) and any((a.asname or a.name) == "_" for a in n.names)
               for n in ast.walk(tree))


def _stores_underscore(nodes: Iterable[ast.AST]) -> list[int]:
    """Lines binding ``_`` among ``nodes`` and their children, not descending into nested scopes."""
    lines: list[int] = []
    stack = list(nodes)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Name) and node.id == "_" and isinstance(node.ctx, ast.Store):
            lines.append(node.lineno)
        if not isinstance(node, _SCOPES):
            stack.extend(ast.iter_child_nodes(node))
    return lines


def _calls_underscore(nodes: Iterable[ast.AST]) -> bool:
    return any(isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "_"
               for node in nodes for n in ast.walk(node))


def _underscore_bindings(tree: ast.Module) -> list[int]:
    """Module-level bindings of ``_``, and bindings inside a function that also calls ``_()``."""
    lines = _stores_underscore(stmt for stmt in tree.body if not isinstance(stmt, _SCOPES))
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and _calls_underscore(node.body):
            lines += _stores_underscore(node.body)
    return sorted(set(lines))


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] not in ("update", "check"):
        print(__doc__)
        return 2
    if args[0] == "update":
        for lang, count in update(Path(a) for a in args[1:]).items():
            print(f"{lang}: {count} untranslated")
        return 0
    problems = check()
    for problem in problems:
        print(problem)
    print(f"{len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
