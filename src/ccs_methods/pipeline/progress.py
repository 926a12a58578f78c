"""Progress lines people can read while pages execute (quiet in CI).

One line per finished page: its position, outcome, label and time, then the run's elapsed time,
the pages kept from the previous run, failures so far and an estimate of the time left (mean
page time so far x pages left / workers).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Any

__all__ = ["Progress", "clock", "quiet_by_default"]


def clock(seconds: float) -> str:
    """Seconds as ``m:ss`` (or ``h:mm:ss`` from an hour)."""
    s = max(0, round(seconds))
    h, rest = divmod(s, 3600)
    m, sec = divmod(rest, 60)
    return f"{h}:{m:02d}:{sec:02d}" if h else f"{m}:{sec:02d}"


def quiet_by_default() -> bool:
    """True in CI (the ``CI`` environment variable is set and not ``false``/``0``)."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


class Progress:
    """Prints one line per finished page.

    Parameters
    ----------
    total
        Pages to execute in this run.
    kept
        Pages kept from the previous run (inputs unchanged).
    workers
        Pages executed at once.
    echo
        Where lines go (e.g. ``typer.echo`` to stderr).
    quiet
        Print only failures.
    now
        The clock (for tests).

    """

    def __init__(
        self,
        total: int,
        kept: int,
        workers: int,
        echo: Callable[[str], None],
        *,
        quiet: bool = False,
        now: Callable[[], float] = time.perf_counter,
    ) -> None:
        self.total, self.kept, self.workers = total, kept, max(1, workers)
        self.echo, self.quiet, self.now = echo, quiet, now
        self.start = now()
        self.failed = 0
        self.seconds: list[float] = []

    def line(self, res: Any, done: int) -> str:
        """The line for a finished page (``res`` has ``ok``, ``label``, ``seconds``)."""
        left = self.total - done
        eta = (sum(self.seconds) / len(self.seconds)) * left / self.workers if left else 0.0
        mark = "ok    " if res.ok else "FAILED"
        width = len(str(self.total))
        return (
            f"  [{done:>{width}}/{self.total}] {mark} {res.label} ({res.seconds:.1f} s)"
            f" | elapsed {clock(self.now() - self.start)} | kept {self.kept}"
            f" | failed {self.failed} | left ~{clock(eta)}"
        )

    def __call__(self, res: Any, done: int, total: int) -> None:
        """Record a finished page and print its line (only failures when quiet)."""
        self.seconds.append(float(res.seconds))
        if not res.ok:
            self.failed += 1
        if not self.quiet or not res.ok:
            self.echo(self.line(res, done))
