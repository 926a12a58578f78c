"""Mutation score of one methods module, with mutmut's mutation operators and a fork per mutant.

``make mutation`` runs mutmut 2.5.1 itself, which starts a fresh Python (about 3 s of imports of
numpy, scipy, pandas and statsmodels) for every mutant, and on this machine it stopped with an
``AssertionError`` in its result cache part-way through a module. This script makes the same
mutants (``mutmut.mutate`` with the same operators, string and f-string mutants skipped as in
the Makefile) and runs the given tests on each in a child forked from a parent that has already
imported the heavy libraries (never ``ccs_methods``, so every child imports the mutated code).
It is a measuring aid outside CI and ``make test``; mutmut comes from requirements-mutation.txt.

Usage (from the project root)::

    .venv/bin/python tools/mutation_fork.py trend/kendall.py tests/test_trend.py [-k EXPR]

Prints killed / timeout / survived and the score (killed + timeout) / all, then each survivor
as ``line: original -> mutated``. Equivalent mutants are not detected: read the survivors.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parents[1]
ALL_TYPES = {"operator", "keyword", "number", "name", "string", "fstring", "argument",
             "or_test", "and_test", "lambdef", "expr_stmt", "decorator", "annassign"}


def _run_child(args: list[str], timeout: float) -> str:
    """Fork, run pytest in the child, and return 'killed', 'survived' or 'timeout'."""
    pid = os.fork()
    if pid == 0:  # child
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        import pytest

        code = pytest.main(args)
        os._exit(int(code))
    deadline = time.monotonic() + timeout
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return "survived" if os.waitstatus_to_exitcode(status) == 0 else "killed"
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            return "timeout"
        time.sleep(0.02)


def main() -> int:
    """Run the mutants of one module against the given tests and print the score."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("module", help="path under src/ccs_methods/methods, e.g. trend/kendall.py")
    ap.add_argument("tests", nargs="+", help="test files, e.g. tests/test_trend.py")
    ap.add_argument("-k", default=None, help="pytest -k expression to run fewer tests")
    ap.add_argument("--skip", default="string,fstring", help="mutation types to skip")
    ap.add_argument("--timeout-factor", type=float, default=5.0)
    ap.add_argument("--lines", default=None,
                    help="only mutants on these source lines, e.g. 1-40 (to finish a run)")
    ap.add_argument("--root", type=Path, default=ROOT,
                    help="project to copy (e.g. a `git archive` of an earlier commit)")
    opts = ap.parse_args()

    import mutmut

    # the heavy imports the tests need, done once in the parent
    import numpy  # noqa: F401
    import pandas  # noqa: F401
    import pytest  # noqa: F401
    import scipy.stats  # noqa: F401
    import statsmodels.api  # noqa: F401

    for extra in ("hypothesis", "networkx", "formulaic", "pandera.pandas"):
        with contextlib.suppress(ImportError):  # optional: only saves time per mutant
            __import__(extra)

    work = Path(tempfile.mkdtemp(prefix="ccs-mutation-"))
    try:
        for name in ("src", "tests", "params", "data", "pyproject.toml"):
            src = opts.root / name
            (shutil.copytree if src.is_dir() else shutil.copy2)(src, work / name)
        os.chdir(work)
        sys.path.insert(0, str(work / "src"))
        target = Path("src/ccs_methods/methods") / opts.module
        original = target.read_text(encoding="utf-8")
        args = [*opts.tests, "-x", "-q", "-p", "no:cacheprovider", "-o", "addopts=",
                "-p", "no:randomly"]
        if opts.k:
            args += ["-k", opts.k]
        t0 = time.monotonic()
        if _run_child(args, 600) != "survived":
            print(f"{target}: the tests fail without mutations; no score.")
            return 2
        timeout = max(10.0, opts.timeout_factor * (time.monotonic() - t0))
        config = SimpleNamespace(
            mutation_types_to_apply=ALL_TYPES - set(filter(None, opts.skip.split(","))),
            covered_lines_by_filename=None, coverage_data=None)
        ids = mutmut.list_mutations(mutmut.Context(source=original, filename=str(target),
                                                   config=config))
        if opts.lines:
            lo, hi = (int(v) for v in opts.lines.split("-"))
            ids = [m for m in ids if lo <= m.line_number + 1 <= hi]
        counts = {"killed": 0, "timeout": 0, "survived": 0}
        survivors: list[str] = []
        for k, mid in enumerate(ids, start=1):
            if k % 25 == 0:
                print(f"  {k}/{len(ids)} mutants run: {counts}", file=sys.stderr, flush=True)
            ctx = mutmut.Context(source=original, mutation_id=mid, filename=str(target),
                                 config=config)
            mutated, _ = mutmut.mutate(ctx)
            target.write_text(mutated, encoding="utf-8")
            try:
                status = _run_child(args, timeout)
            finally:
                target.write_text(original, encoding="utf-8")
            counts[status] += 1
            if status == "survived":
                new_line = mutated.split("\n")[mid.line_number]
                survivors.append(f"{mid.line_number + 1}: {mid.line.strip()}  ->  "
                                 f"{new_line.strip()}")
                # streamed too, so an interrupted run still shows what it found
                print(f"  [{k}/{len(ids)}] survived {survivors[-1]}", file=sys.stderr,
                      flush=True)
        n = sum(counts.values())
        score = 100.0 * (counts["killed"] + counts["timeout"]) / n if n else float("nan")
        print(f"{target}: {n} mutants, killed {counts['killed']}, timeout "
              f"{counts['timeout']}, survived {counts['survived']}, score {score:.1f}%")
        for s in survivors:
            print("  survived", s)
        return 0
    finally:
        os.chdir(ROOT)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
