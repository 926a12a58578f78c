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

    """

    def __init__(
        self,
        message: str,
        *,
        file: str | Path | None = None,
        row: int | None = None,
        column: str | None = None,
    ) -> None:
        self.message = message
        self.file = str(file) if file is not None else None
        self.row = row
        self.column = column
        super().__init__(self.__str__())

    def __str__(self) -> str:
        """Render as ``file, row R, column 'C': message``."""
        where = []
        if self.file:
            where.append(self.file)
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f"column '{self.column}'")
        prefix = ", ".join(where)
        return f"{prefix}: {self.message}" if prefix else self.message


class ParamsError(CCSInputError):
    """A params file is missing, malformed or inconsistent."""


class DataValidationError(CCSInputError):
    """A data file breaks its schema."""


class MethodInputError(CCSInputError):
    """A statistical method was given input it cannot use (too short, constant, ...)."""
