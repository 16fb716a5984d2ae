"""The personal-data guard: the dashboard holds aggregates only, so a file with a column that looks like
people's names, phone numbers, e-mail addresses, dates of birth or ID numbers is refused whole.

Two tests, each enough on its own: the column's header or HXL tag, and the content of its cells (checked
on the distinct values of every column that is not a count column, and of a sample for big columns).
"""

from __future__ import annotations

import re

import pandas as pd

from data_sources.importing.errors import Problem
from data_sources.importing.tags import NOTE, ORG, VALUE, ColumnRole

_HEADER_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("people's names", re.compile(
        r"\b(first|last|given|family|full|middle|sur|maiden|beneficiary|client|patient|participant|person|"
        r"child|respondent|caller|contact)[\s_-]*name\b|\bsurname\b|\bname of (the )?(beneficiary|client|"
        r"patient|participant|person|child|respondent|caller)\b|\bпіб\b|\bфіо\b|\bім'?я\b|\bпрізвище\b|"
        r"\bimi[eę]\b|\bnazwisko\b|\bvardas\b|\bpavard[eė]\b", re.I)),
    ("phone numbers", re.compile(r"\b(phone|telephone|tel|mobile|cell|whatsapp|viber|telegram|телефон|"
                                 r"telefon|tel\.|nr tel)\b", re.I)),
    ("e-mail addresses", re.compile(r"\be[\s_-]?mail\b|\bпошта\b|\bpoczta\b|\bel\.? pa[sš]tas\b", re.I)),
    ("dates of birth", re.compile(r"\b(date[\s_-]*of[\s_-]*birth|birth[\s_-]*date|d\.?o\.?b\.?|birthday|"
                                  r"дата народження|data urodzenia|gimimo data)\b", re.I)),
    ("ID numbers", re.compile(r"\b(passport|national[\s_-]*id|id[\s_-]*(number|no|card|code)|personal[\s_-]*"
                              r"(code|number)|pesel|rnokpp|рнокпп|іпн|ipn|tax[\s_-]*(id|number|code)|ssn|"
                              r"document[\s_-]*(number|no)|asmens kodas|ідентифікаційний|beneficiary[\s_-]*id|"
                              r"case[\s_-]*(id|number|no))\b", re.I)),
)
_PERSONAL_TAGS = {"beneficiary", "respondent", "person", "patient", "contact", "caller", "client"}
_PERSONAL_ATTRIBUTES = {"name", "phone", "email", "dob", "birth", "id", "passport", "national_id"}

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE = re.compile(r"\+?\(?\d[\d\s().-]{7,}\d")
_ID = re.compile(r"[A-ZА-ЯІЇЄ]{2}\s?\d{6}|\d{9,14}")
_NAME = re.compile(r"[A-ZА-ЯІЇЄҐŁŚŻŹĆŃ][a-zа-яіїєґ'’łśżźćńąęó-]+(?:\s[A-ZА-ЯІЇЄҐŁŚŻŹĆŃ][a-zа-яіїєґ'’łśżźćńąęó-]+){1,2}")
_DATE = re.compile(r"\d{1,2}[./-]\d{1,2}[./-](?:19|20)\d{2}|(?:19|20)\d{2}-\d{2}-\d{2}")
SAMPLE = 5_000


def header_problems(columns: list[ColumnRole], headers: list[str]) -> list[Problem]:
    """Columns whose header text or HXL tag names personal data."""
    problems = []
    for col in columns:
        head = headers[col.index] if col.index < len(headers) else ""
        spec = col.spec
        kind = None
        if spec is not None and (spec.tag in _PERSONAL_TAGS or (
            spec.tag != "org" and spec.attrs & {"phone", "email", "dob", "passport"})):
            kind = "personal details of a person"
        elif spec is not None and spec.tag == "date" and spec.attrs & {"birth", "dob"}:
            kind = "dates of birth"
        elif col.role is None or col.role not in (ORG, VALUE):
            for what, rule in _HEADER_RULES:
                if head and rule.search(head) and not (col.role and what == "people's names"):
                    kind = what
                    break
        if kind:
            problems.append(Problem(
                f"this column looks like {kind}: the dashboard holds aggregate counts only; delete the column "
                "and upload again", column=col.label, value=head or None))
    return problems


def content_problems(col: ColumnRole, values: pd.Series, rows: pd.Series) -> list[Problem]:
    """Cells of one column that look like e-mails, phone numbers, ID numbers, names or dates of birth."""
    if col.role not in (None, NOTE):
        # Counts and dates are parsed as such (Unix seconds look like phone numbers), and a code column holds
        # known organisations, places, activities or vocabulary words: anything else there is already an error.
        return []
    text = values.dropna().astype("str").str.strip()
    if text.empty:
        return []
    uniques = pd.Series(pd.unique(text))
    if len(uniques) > SAMPLE:
        uniques = uniques.sample(SAMPLE, random_state=0)
    checks: list[tuple[str, pd.Series]] = [
        ("an e-mail address", uniques.str.contains(_EMAIL, regex=True)),
        ("a phone number", uniques.str.fullmatch(_PHONE) & (uniques.str.count(r"\d") >= 9)),
        ("an ID or document number", uniques.str.fullmatch(_ID)),
    ]
    if col.role is None:
        # Only for columns the import does not use: organisation names also look like "Open Door".
        names = uniques.str.fullmatch(_NAME)
        if len(uniques) >= 5 and names.mean() >= 0.8:
            checks.append(("a person's name", names))
        dates = uniques.str.fullmatch(_DATE)
        if len(uniques) >= 5 and dates.mean() >= 0.8:
            years = uniques[dates].str.extract(r"((?:19|20)\d{2})")[0].astype(int)
            if (years < 2015).mean() >= 0.5:
                checks.append(("a date of birth", dates))
    for what, hits in checks:
        if hits.any():
            example = str(uniques[hits].iloc[0])
            row = rows[text.index[text == example][0]] if (text == example).any() else None
            return [Problem(
                f"looks like {what}: the dashboard holds aggregate counts only; remove personal data from "
                "the column (or delete it) and upload again", row=None if row is None else int(row),
                column=col.label, value=example)]
    return []
