"""The personal-data guard: the dashboard holds aggregates only, so a file with a column that looks like
people's names, phone numbers, e-mail addresses, dates of birth or ID numbers is refused whole.

Two tests, each enough on its own: the column's header or HXL tag, and the content of its cells (checked
on the distinct values of every column that is not a count column, and of a sample for big columns).
Rules are keyed by language-neutral kinds; the messages are translated when a file is refused.
"""

from __future__ import annotations

import re

import pandas as pd

from dashboard.i18n import N_, _
from data_sources.importing.errors import Problem
from data_sources.importing.tags import NOTE, ORG, VALUE, ColumnRole

_HEADER_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("names", re.compile(
        r"\b(first|last|given|family|full|middle|sur|maiden|beneficiary|client|patient|participant|person|"
        r"child|respondent|caller|contact)[\s_-]*name\b|\bsurname\b|\bname of (the )?(beneficiary|client|"
        r"patient|participant|person|child|respondent|caller)\b|\bпіб\b|\bфіо\b|\bім'?я\b|\bпрізвище\b|"
        r"\bimi[eę]\b|\bnazwisko\b|\bvardas\b|\bpavard[eė]\b", re.I)),
    ("phones", re.compile(r"\b(phone|telephone|tel|mobile|cell|whatsapp|viber|telegram|телефон|"
                                 r"telefon|tel\.|nr tel)\b", re.I)),
    ("emails", re.compile(r"\be[\s_-]?mail\b|\bпошта\b|\bpoczta\b|\bel\.? pa[sš]tas\b", re.I)),
    ("births", re.compile(r"\b(date[\s_-]*of[\s_-]*birth|birth[\s_-]*date|d\.?o\.?b\.?|birthday|"
                                  r"дата народження|data urodzenia|gimimo data)\b", re.I)),
    ("ids", re.compile(r"\b(passport|national[\s_-]*id|id[\s_-]*(number|no|card|code)|personal[\s_-]*"
                              r"(code|number)|pesel|rnokpp|рнокпп|іпн|ipn|tax[\s_-]*(id|number|code)|ssn|"
                              r"document[\s_-]*(number|no)|asmens kodas|ідентифікаційний|beneficiary[\s_-]*id|"
                              r"case[\s_-]*(id|number|no))\b", re.I)),
)
#: Why a column is refused, by what its header or tag names.
HEADER_MESSAGES = {
    "person": N_("this column looks like personal details of a person: the dashboard holds aggregate counts only; "
                 "delete the column and upload again"),
    "names": N_("this column looks like people's names: the dashboard holds aggregate counts only; delete the "
                "column and upload again"),
    "phones": N_("this column looks like phone numbers: the dashboard holds aggregate counts only; delete the "
                 "column and upload again"),
    "emails": N_("this column looks like e-mail addresses: the dashboard holds aggregate counts only; delete the "
                 "column and upload again"),
    "births": N_("this column looks like dates of birth: the dashboard holds aggregate counts only; delete the "
                 "column and upload again"),
    "ids": N_("this column looks like ID numbers: the dashboard holds aggregate counts only; delete the column "
              "and upload again"),
}
#: Why a column is refused, by what one of its cells looks like.
CONTENT_MESSAGES = {
    "email": N_("looks like an e-mail address: the dashboard holds aggregate counts only; remove personal data "
                "from the column (or delete it) and upload again"),
    "phone": N_("looks like a phone number: the dashboard holds aggregate counts only; remove personal data from "
                "the column (or delete it) and upload again"),
    "id": N_("looks like an ID or document number: the dashboard holds aggregate counts only; remove personal "
             "data from the column (or delete it) and upload again"),
    "name": N_("looks like a person's name: the dashboard holds aggregate counts only; remove personal data from "
               "the column (or delete it) and upload again"),
    "birth": N_("looks like a date of birth: the dashboard holds aggregate counts only; remove personal data from "
                "the column (or delete it) and upload again"),
}
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
            kind = "person"
        elif spec is not None and spec.tag == "date" and spec.attrs & {"birth", "dob"}:
            kind = "births"
        elif col.role is None or col.role not in (ORG, VALUE):
            for what, rule in _HEADER_RULES:
                if head and rule.search(head) and not (col.role and what == "names"):
                    kind = what
                    break
        if kind:
            problems.append(Problem(_(HEADER_MESSAGES[kind]), column=col.label, value=head or None))
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
        ("email", uniques.str.contains(_EMAIL, regex=True)),
        ("phone", uniques.str.fullmatch(_PHONE) & (uniques.str.count(r"\d") >= 9)),
        ("id", uniques.str.fullmatch(_ID)),
    ]
    if col.role is None:
        # Only for columns the import does not use: organisation names also look like "Open Door".
        names = uniques.str.fullmatch(_NAME)
        if len(uniques) >= 5 and names.mean() >= 0.8:
            checks.append(("name", names))
        dates = uniques.str.fullmatch(_DATE)
        if len(uniques) >= 5 and dates.mean() >= 0.8:
            years = uniques[dates].str.extract(r"((?:19|20)\d{2})")[0].astype(int)
            if (years < 2015).mean() >= 0.5:
                checks.append(("birth", dates))
    for what, hits in checks:
        if hits.any():
            example = str(uniques[hits].iloc[0])
            row = rows[text.index[text == example][0]] if (text == example).any() else None
            return [Problem(_(CONTENT_MESSAGES[what]), row=None if row is None else int(row), column=col.label,
                            value=example)]
    return []
