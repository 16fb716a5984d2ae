"""Normalising cell text: missing values, counts, dates and the disaggregation vocabularies.

Every parser works on the *distinct* values of a column (a 1,000,000-row file has few distinct dates or
sexes), so the cost is per distinct value, not per row. Rules that are a choice, not a fact:

- Counts: ``1,234`` and ``1 234`` are thousands separators; ``12,5`` (not three digits after the comma) is a
  decimal comma; ``1.234,5`` is European notation. ``12.0`` is twelve.
- Dates are read day first (``5/7/2022`` is 5 July) unless the second number is above 12. Numbers between
  20,000 and 80,000 are Excel serial dates; between 10⁹ and 4·10⁹ Unix seconds; 10¹²–4·10¹² Unix
  milliseconds. A month without a day (``2022-06``, ``June-2022``) means the whole month.

Parsers return a value or the reason it is refused, in the current language (see :mod:`dashboard.i18n`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pandas as pd

from dashboard.i18n import N_, _
from dashboard.vocab import AGE_BANDS, ALL, DISABILITY, POPULATION_GROUPS, SEX
from data_sources.importing.tags import AGE, CHILDREN, POPULATION
from data_sources.importing.tags import DISABILITY as DIS
from data_sources.importing.tags import SEX as SEX_DIM

MISSING = frozenset({
    "", "n/a", "na", "n.a.", "n.a", "n\\a", "nan", "none", "null", "nil", "-", "--", "—", "–", "?", "#n/a",
    "(unknown)", "(blank)", "(empty)", "(none)", "(n/a)", "not applicable", "not available", "no data",
    "not reported", "unknown value", "н/д", "нема даних", "brak danych", "nie dotyczy",
})
EXCEL_ERRORS = frozenset({"#ref!", "#value!", "#div/0!", "#name?", "#num!", "#null!", "#spill!", "#calc!"})
_SPACES = re.compile(r"[\s\u00a0\u202f\u2009']+")


class Factor:
    """A column split into its distinct values and a code per row, so parsing runs once per distinct value.

    ``take(per_unique)`` spreads a list with one entry per distinct value back to the rows (missing → None).
    """

    def __init__(self, values: pd.Series | np.ndarray) -> None:
        codes, uniques = pd.factorize(np.asarray(values, dtype=object) if not isinstance(values, pd.Series)
                                      else values)
        self.codes = codes
        self.uniques: list[object] = list(uniques)
        self.cleaned: list[str | None] = [clean_value(u) for u in self.uniques]

    def take(self, per_unique: Sequence[object], missing: object = None) -> np.ndarray:
        table = np.empty(len(per_unique) + 1, dtype=object)
        table[:-1] = per_unique
        table[-1] = missing
        return table[self.codes]

    def text(self) -> np.ndarray:
        """The cleaned text per row (None for missing)."""
        return self.take(list(self.cleaned))

    def raw(self) -> np.ndarray:
        return self.take(list(self.uniques))


def clean_value(value: object) -> str | None:
    """Stripped text, or None for an empty cell or a missing-value word (N/A, (unknown), Not applicable…)."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    text = str(value).strip()
    return None if text.casefold() in MISSING else text


def clean_text(values: pd.Series) -> pd.Series:
    """Strip whitespace and turn missing-value words into NaN."""
    return pd.Series(Factor(values).text(), index=values.index, dtype=object).fillna(np.nan)


def is_missing(value: object) -> bool:
    return clean_value(value) is None


# --- Counts -----------------------------------------------------------------------------------------------

def _parse_number_text(raw: str) -> float | str:
    """A number from text, or a reason it is not one."""
    text = raw.strip()
    if text.casefold() in EXCEL_ERRORS:
        return _("a spreadsheet formula error, not a number")
    compact = _SPACES.sub("", text)
    if re.fullmatch(r"[+-]?\d{1,3}(,\d{3})+(\.\d+)?", compact):
        compact = compact.replace(",", "")
    elif re.fullmatch(r"[+-]?\d{1,3}(\.\d{3})+,\d+", compact):
        compact = compact.replace(".", "").replace(",", ".")
    elif re.fullmatch(r"[+-]?\d+,\d+", compact):
        compact = compact.replace(",", ".")
    if re.fullmatch(r"\(\d+(\.\d+)?\)", compact):
        return _("a negative number in brackets; counts cannot be negative")
    if compact.endswith("%"):
        compact = compact[:-1]
    try:
        number = float(compact)
    except ValueError:
        return _("not a number")
    if not np.isfinite(number):
        return _("not a finite number")
    return number


def number_per_unique(factor: Factor) -> tuple[list[object], list[object]]:
    """(value, reason) per distinct cell of ``factor``: NaN/None for missing cells."""
    cleaned = factor.cleaned
    fast = pd.to_numeric(pd.Series([c if c is not None else "" for c in cleaned], dtype=object), errors="coerce")
    values: list[object] = []
    reasons: list[object] = []
    for text, number in zip(cleaned, fast.tolist(), strict=True):
        if text is None:
            values.append(np.nan)
            reasons.append(None)
            continue
        parsed: float | str = float(number) if number == number else _parse_number_text(text)
        if isinstance(parsed, float) and not np.isfinite(parsed):
            parsed = _("not a finite number")
        values.append(parsed if isinstance(parsed, float) else np.nan)
        reasons.append(parsed if isinstance(parsed, str) else None)
    return values, reasons


def parse_numbers(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Parse a column of text counts. Returns (float values with NaN for missing, reason per failed cell)."""
    factor = Factor(values)
    per_value, per_reason = number_per_unique(factor)
    numbers = pd.Series(factor.take(per_value, np.nan).astype("float64"), index=values.index)
    reasons = pd.Series(factor.take(per_reason), index=values.index, dtype=object).fillna(np.nan)
    return numbers, reasons


# --- Dates ------------------------------------------------------------------------------------------------

MONTHS = {
    **{m: i for i, m in enumerate(["january", "february", "march", "april", "may", "june", "july", "august",
                                     "september", "october", "november", "december"], 1)},
    **{m: i for i, m in enumerate(["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov",
                                     "dec"], 1)},
    "sept": 9,
    # Ukrainian (nominative and genitive) and Polish month names, as partners write them.
    **{m: i for i, m in enumerate(["січень", "лютий", "березень", "квітень", "травень", "червень", "липень",
                                     "серпень", "вересень", "жовтень", "листопад", "грудень"], 1)},
    **{m: i for i, m in enumerate(["січня", "лютого", "березня", "квітня", "травня", "червня", "липня",
                                     "серпня", "вересня", "жовтня", "листопада", "грудня"], 1)},
    **{m: i for i, m in enumerate(["styczeń", "luty", "marzec", "kwiecień", "maj", "czerwiec", "lipiec",
                                     "sierpień", "wrzesień", "październik", "listopad", "grudzień"], 1)},
    **{m: i for i, m in enumerate(["stycznia", "lutego", "marca", "kwietnia", "maja", "czerwca", "lipca",
                                     "sierpnia", "września", "października", "listopada", "grudnia"], 1)},
}
EXCEL_EPOCH = date(1899, 12, 30)
DAY, MONTH = "day", "month"


@dataclass(frozen=True)
class ParsedDate:
    """A date and its precision: ``month`` when the cell named only a month."""

    value: date
    precision: str


def _ymd(year: int, month: int, day: int) -> ParsedDate | str:
    if year < 100:
        year += 2000
    try:
        return ParsedDate(date(year, month, day), DAY)
    except ValueError:
        return _("no such date ({date})").format(date=f"{year:04d}-{month:02d}-{day:02d}")


def _month(year: int, month: int) -> ParsedDate | str:
    if year < 100:
        year += 2000
    if not 1 <= month <= 12:
        return _("no such month ({month})").format(month=month)
    return ParsedDate(date(year, month, 1), MONTH)


def _from_number(number: float) -> ParsedDate | str:
    if 20_000 <= number < 80_000:
        return ParsedDate(EXCEL_EPOCH + timedelta(days=int(number)), DAY)
    if 1e9 <= number < 4e9:
        return ParsedDate(datetime.fromtimestamp(number, tz=UTC).date(), DAY)
    if 1e12 <= number < 4e12:
        return ParsedDate(datetime.fromtimestamp(number / 1000, tz=UTC).date(), DAY)
    if 1900 <= number <= 2100 and number == int(number):
        return _("a year alone is not a reporting period; give the month (e.g. 2022-06)")
    return _("not a date")


def parse_date(raw: str) -> ParsedDate | str:
    """Parse one date cell; return the date with its precision, or the reason it is not a date."""
    text = raw.strip()
    folded = re.sub(r"\s+", " ", text.casefold()).strip(" .")
    m = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ t]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:z|[+-]\d{2}:?\d{2})?)?",
                     folded)
    if m:
        return _ymd(int(m[1]), int(m[2]), int(m[3]))
    m = re.fullmatch(r"(\d{4})[/.](\d{1,2})[/.](\d{1,2})", folded)
    if m:
        return _ymd(int(m[1]), int(m[2]), int(m[3]))
    m = re.fullmatch(r"(\d{4})[-/.](\d{1,2})", folded)
    if m:
        return _month(int(m[1]), int(m[2]))
    m = re.fullmatch(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4}|\d{2})(?: \d{1,2}:\d{2}(?::\d{2})?)?", folded)
    if m:
        first, second, year = int(m[1]), int(m[2]), int(m[3])
        if second > 12 >= first:  # unambiguous month/day order (US style)
            return _ymd(year, first, second)
        return _ymd(year, second, first)
    m = re.fullmatch(r"(\d{1,2})[/.-](\d{4})", folded)
    if m:
        return _month(int(m[2]), int(m[1]))
    m = re.fullmatch(r"(\d{8})", folded)
    if m and folded[:2] in ("19", "20"):
        return _ymd(int(folded[:4]), int(folded[4:6]), int(folded[6:]))
    words = re.findall(r"[^\W\d_]+|\d+", folded)
    month_words = [w for w in words if w in MONTHS]
    numbers = [w for w in words if w.isdigit()]
    if len(month_words) == 1 and len(words) == len(numbers) + 1 and 1 <= len(numbers) <= 2:
        month = MONTHS[month_words[0]]
        years = [int(n) for n in numbers if len(n) == 4]
        days = [int(n) for n in numbers if len(n) <= 2]
        if len(numbers) == 1:
            if years:
                return _month(years[0], month)
            if re.fullmatch(r"[^\W\d_]+[ -/']\d{2}", folded):  # Jun-22
                return _month(int(numbers[0]), month)
        elif len(years) == 1 and len(days) == 1:
            return _ymd(years[0], month, days[0])
        elif not years and len(days) == 2 and words[0] in MONTHS:  # "July 5, 22" is too ambiguous
            return _("give the year with four digits")
    try:
        number = float(folded.replace(",", "."))
    except ValueError:
        return _("not a date (write it as yyyy-mm-dd, d/m/yyyy or yyyy-mm)")
    return _from_number(number)


def parse_dates(values: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Parse a date column. Returns (date or NaN, precision or NaN, reason or NaN) aligned with ``values``."""
    factor = Factor(values)
    parsed = [parse_date(c) if c is not None else None for c in factor.cleaned]
    def series(items: list[object]) -> pd.Series:
        return pd.Series(factor.take(items), index=values.index, dtype=object).fillna(np.nan)
    return (series([p.value if isinstance(p, ParsedDate) else None for p in parsed]),
            series([p.precision if isinstance(p, ParsedDate) else None for p in parsed]),
            series([p if isinstance(p, str) else None for p in parsed]))


def month_end(day: date) -> date:
    nxt = date(day.year + (day.month == 12), day.month % 12 + 1, 1)
    return nxt - timedelta(days=1)


# --- Disaggregation vocabularies ------------------------------------------------------------------------------

def _spellings(pairs: dict[str, tuple[str, ...]]) -> dict[str, str]:
    out: dict[str, str] = {}
    for code, words in pairs.items():
        out[code.casefold()] = code
        for word in words:
            out[word.casefold()] = code
    return out


SEX_SPELLINGS = _spellings({
    "female": ("f", "fem", "females", "woman", "women", "girl", "girls", "w", "k", "kobieta", "kobiety", "ж",
               "жінка", "жінки", "жіноча", "жін", "жен", "женщины"),
    "male": ("m", "males", "man", "men", "boy", "boys", "mężczyzna", "mężczyźni", "mezczyzna", "ч", "чоловік",
             "чоловіки", "чоловіча", "чол", "муж", "мужчины"),
    "other": ("o", "x", "other/unknown", "unknown", "non-binary", "nonbinary", "prefer not to say", "not stated",
              "інше", "inne"),
    ALL: ("total", "both", "all sexes", "all genders", "mixed", "female and male", "f+m", "m+f", "razem",
          "усього", "всього", "разом"),
})
AGE_SPELLINGS = _spellings({
    "0-4": ("0–4", "0 - 4", "0 to 4", "00-04", "under 5", "<5", "0-4 years", "0–4 years", "infants", "infant"),
    "5-11": ("5–11", "5 - 11", "5 to 11", "05-11", "5-11 years", "5–11 years"),
    "12-17": ("12–17", "12 - 17", "12 to 17", "12-17 years", "12–17 years", "adolescents", "adolescent"),
    "18-59": ("18–59", "18 - 59", "18 to 59", "18-59 years", "18–59 years", "adults", "adult"),
    "60+": ("60 +", "60 and over", "60 and above", "60 or more", "over 60", "60+ years", ">60", "≥60", "60-",
            "elderly", "older people", "older persons"),
    ALL: ("total", "all ages", "all age groups", "any", "усі", "wszyscy"),
    CHILDREN: ("children", "child", "0-17", "0–17", "0 - 17", "under 18", "<18", "діти", "dzieci",
               "girls and boys", "boys and girls"),
})
POPULATION_SPELLINGS = _spellings({
    "refugee": ("refugees", "ref", "refugees from ukraine", "ukrainian refugees", "біженці", "біженець",
                "uchodźcy", "uchodzcy", "uchodźca", "tps", "temporary protection"),
    "host": ("host community", "hosts", "host communities", "hc", "local", "locals", "residents",
             "non-displaced", "nondisplaced", "приймаюча громада", "місцеві", "społeczność przyjmująca"),
    "idp": ("idps", "internally displaced", "internally displaced people", "internally displaced persons",
            "впо", "переселенці", "внутрішньо переміщені особи"),
    "returnee": ("returnees", "returned", "повернулися", "returned idps", "returned refugees"),
    ALL: ("total", "all groups", "mixed", "all population groups"),
})
DISABILITY_SPELLINGS = _spellings({
    "yes": ("y", "true", "1", "with disability", "with disabilities", "disabled", "pwd", "так", "tak"),
    "no": ("n", "false", "0", "without disability", "without disabilities", "not disabled", "ні", "nie"),
    "unknown": ("not known", "unk", "don't know", "невідомо", "nieznane"),
    ALL: ("total", "any", "all persons"),
})
SPELLINGS = {SEX_DIM: SEX_SPELLINGS, AGE: AGE_SPELLINGS, POPULATION: POPULATION_SPELLINGS, DIS: DISABILITY_SPELLINGS}
VOCABULARIES = {SEX_DIM: SEX, AGE: AGE_BANDS, POPULATION: POPULATION_GROUPS, DIS: DISABILITY}
#: Why a disaggregation cell is refused; ``{expected}`` lists the codes (the same in every language).
UNKNOWN_VALUE = {
    SEX_DIM: N_("unknown sex (expected one of {expected})"),
    AGE: N_("unknown age band (expected one of {expected})"),
    POPULATION: N_("unknown population group (expected one of {expected})"),
    DIS: N_("unknown disability (expected one of {expected})"),
}


def _fold_vocab(raw: str) -> str:
    return re.sub(r"\s+", " ", raw.strip().casefold().replace("_", " "))


def vocabulary_per_unique(dimension: str, factor: Factor) -> tuple[list[object], list[object]]:
    """(code, reason) per distinct cell; a missing cell means "all" (not disaggregated)."""
    spellings = SPELLINGS[dimension]
    codes: list[object] = []
    reasons: list[object] = []
    for text in factor.cleaned:
        if text is None:
            codes.append(ALL)
            reasons.append(None)
            continue
        key = _fold_vocab(text)
        code = spellings.get(key) or spellings.get(key.replace(" ", "")) or spellings.get(key.replace("–", "-"))
        codes.append(code)
        reasons.append(None if code else
                       _(UNKNOWN_VALUE[dimension]).format(expected=", ".join(VOCABULARIES[dimension])))
    return codes, reasons


def parse_vocabulary(dimension: str, values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Map spellings onto the store's codes for ``dimension``. Missing cells mean "all".

    Returns (code series, reason series with NaN where the spelling was understood).
    """
    factor = Factor(values)
    codes, reasons = vocabulary_per_unique(dimension, factor)
    return (pd.Series(factor.take(codes, ALL), index=values.index, dtype=object).fillna(np.nan),
            pd.Series(factor.take(reasons), index=values.index, dtype=object).fillna(np.nan))
