"""Errors a user can cause, with messages that name the file, row and column.

Every error that bad input can trigger in ``ccs_methods`` is a :class:`CCSInputError`
(or a subclass). The command-line interface catches it, prints its message and exits
with status 2; nothing already built is touched.
"""

from __future__ import annotations

from pathlib import Path


class CCSInputError(ValueError):
    """Bad input from a user: a data file, a params file, a command-line option.

    Parameters
    ----------
    message
        What is wrong and what is needed, in plain words.
    file
        The file at fault, if any.
    row
        The 1-based data row (header excluded) or line at fault, if known.
    column
        The column or key at fault, if known.
    rule
        A short name of the rule broken (``"whole number"``, ``"finite"``, ``"date"``, ...),
        shown after the message; optional.

    Notes
    -----
    ``row`` follows one convention everywhere: the line number in the file as an editor shows
    it (the header of a CSV is line 1, its first data row line 2).

    """

    def __init__(
        self,
        message: str,
        *,
        file: str | Path | None = None,
        row: int | None = None,
        column: str | None = None,
        rule: str | None = None,
    ) -> None:
        self.message = message
        self.file = str(file) if file is not None else None
        self.row = row
        self.column = column
        self.rule = rule
        super().__init__(self.__str__())

    def __str__(self) -> str:
        """Render as ``file, row R, column 'C': message [rule: R]``."""
        where = []
        if self.file:
            where.append(self.file)
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f"column '{self.column}'")
        prefix = ", ".join(where)
        text = f"{prefix}: {self.message}" if prefix else self.message
        return f"{text} [rule: {self.rule}]" if self.rule else text


class ParamsError(CCSInputError):
    """A params file is missing, malformed or inconsistent."""


class DataValidationError(CCSInputError):
    """A data file breaks its schema."""


class MethodInputError(CCSInputError):
    """A statistical method was given input it cannot use (too short, constant, ...)."""


class InputProblemsError(CCSInputError):
    """Several input problems found together (validation reports every problem at once).

    Parameters
    ----------
    problems
        The individual errors, in the order they were found.

    """

    def __init__(self, problems: list[CCSInputError]) -> None:
        self.problems = list(problems)
        n = len(self.problems)
        head = f"{n} input problem{'s' if n != 1 else ''} found; nothing was run"
        super().__init__(head + "".join(f"\n  - {p}" for p in self.problems))

    def __str__(self) -> str:
        """The count, then one line per problem."""
        return self.message
