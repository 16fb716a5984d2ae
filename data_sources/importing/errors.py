"""The importer's own error type and the validation report: every problem with row, column, value, reason.

Reasons are translated when they are produced (the current language: English on the command line, the
reader's on the Import page); severities stay the codes ``error`` / ``warning``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import pandas as pd

from dashboard.i18n import _, format_number, ngettext

ERROR = "error"
WARNING = "warning"
MAX_LISTED = 100_000  # problems kept one by one; beyond this only counted (a file with a systematic error)


@dataclass(frozen=True)
class Problem:
    """One finding about the file. ``row`` is the 1-based spreadsheet row as the user sees it."""

    reason: str
    row: int | None = None
    column: str | None = None
    value: str | None = None
    severity: str = ERROR
    sheet: str | None = None

    def __str__(self) -> str:
        # Translators: the parts of a problem's address, listed before the reason:
        # "sheet 'Data', row 3, column #adm1+code, value 'UA-99': unknown location".
        parts = []
        if self.sheet:
            parts.append(_("sheet '{sheet}'").format(sheet=self.sheet))
        if self.row is not None:
            parts.append(_("row {row}").format(row=self.row))
        if self.column:
            parts.append(_("column {column}").format(column=self.column))
        if self.value is not None:
            shown = self.value if len(self.value) <= 60 else self.value[:57] + "…"
            parts.append(_("value {value}").format(value=repr(shown)))
        where = ", ".join(parts)
        if self.severity == WARNING:
            return (_("warning: {where}: {reason}").format(where=where, reason=self.reason) if where
                    else _("warning: {reason}").format(reason=self.reason))
        return f"{where}: {self.reason}" if where else self.reason


@dataclass
class Report:
    """All problems found in a file, errors first when listed."""

    problems: list[Problem] = field(default_factory=list)
    uncounted: Counter[str] = field(default_factory=Counter)  # reasons of problems beyond MAX_LISTED

    def add(self, problem: Problem) -> None:
        if len(self.problems) < MAX_LISTED:
            self.problems.append(problem)
        else:
            self.uncounted[problem.severity] += 1

    def extend(self, problems: list[Problem]) -> None:
        for problem in problems:
            self.add(problem)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == ERROR]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == WARNING]

    @property
    def error_count(self) -> int:
        return len(self.errors) + self.uncounted[ERROR]

    @property
    def ok(self) -> bool:
        return self.error_count == 0

    def frame(self) -> pd.DataFrame:
        """The problems as a table (severity, sheet, row, column, value, problem), errors first."""
        return problems_frame(self.problems)

    def lines(self) -> list[str]:
        """One line per problem, errors first, in file order; then a count of any not listed."""
        ordered = sorted(self.problems, key=lambda p: (p.severity != ERROR, p.sheet or "", p.row or 0))
        out = [str(p) for p in ordered]
        hidden = sum(self.uncounted.values())
        if hidden:
            out.append(ngettext("… and {n} more problem not listed", "… and {n} more problems not listed",
                                hidden).format(n=format_number(hidden)))
        return out


class ImportFileError(Exception):
    """A file that cannot be imported. The only exception the importer lets escape for bad input.

    ``problems`` lists every reason (row, column, value); ``str()`` gives them one per line.
    """

    def __init__(self, message: str, problems: list[Problem] | None = None) -> None:
        self.problems = problems if problems is not None else [Problem(message)]
        super().__init__(message)

    def lines(self) -> list[str]:
        return [str(p) for p in self.problems] or [str(self)]


def problems_frame(problems: list[Problem]) -> pd.DataFrame:
    """Problems as a table for the Import page and the report download, errors first, in file order."""
    ordered = sorted(problems, key=lambda p: (p.severity != ERROR, p.sheet or "", p.row or 0))
    return pd.DataFrame(
        [(p.severity, p.sheet or "", p.row, p.column or "", p.value or "", p.reason) for p in ordered],
        columns=["severity", "sheet", "row", "column", "value", "problem"],
    ).astype({"row": "Int64"})
