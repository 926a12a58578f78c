"""Benchmark the book's build (issue 13): clean, incremental, the lower bound, and scale.

Prints, for the shipped book, in one run:

1. a clean build (``ccs-eval run`` then ``ccs-eval build`` on a fresh copy);
2. a no-change rebuild (``ccs-eval all``);
3. a rebuild after one site's data changes (one Oldham row of ``lwa_awards.csv``);
4. a rebuild after one setting changes (one elicited probability in
   ``params/contribution/evidence.csv``);
5. the lower bound: the pages' unavoidable compute (cell time minus the package imports) summed
   and divided by the workers, plus the shared results and the Jupyter Book build; each figure's
   ratio to it;
6. per page: total time, cell time, and the fixed cost (kernel start, imports, page checks);
7. peak memory of the whole process tree during the clean build (the sum of proportional set
   sizes, so the libraries a forked kernel shares with its zygote count once).

Then, for N synthetic sites (the pilots plus sites made by ``ccs-eval synth`` from a params file
each): the time to execute the site-year pages of one programme year at 1 and at 2 workers,
pages per second, and how time grows with N.

Asserts nothing: speed is measured here, never in tests. Works on temporary copies of the
project, so the real ``book/`` is untouched. Usage::

    .venv/bin/python benchmarks/build.py [--jobs 2] [--sizes 4 16 64] [--scale-year 2]
                                         [--skip-book] [--skip-scale]
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

from ccs_methods.pipeline import warm_kernel

ROOT = Path(__file__).resolve().parents[1]
COPY = ["params", "data", "notebooks", "_config.yml", "pyproject.toml"]
#: What a page's first cell imports (the templates' common imports), timed in a fresh process.
PAGE_IMPORTS = (
    "import pandas, numpy, matplotlib.pyplot, seaborn, statsmodels.api, networkx; "
    "import ccs_methods.analyses.contribution, ccs_methods.analyses.trends, "
    "ccs_methods.analyses.networks, ccs_methods.report.plots, ccs_methods.report.display"
)


def make_copy(dest: Path) -> Path:
    """A copy of the project's inputs and hand-written pages (no executed pages)."""
    for name in COPY:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, dest / name, ignore=shutil.ignore_patterns("raw"))
        else:
            shutil.copy2(src, dest / name)
    (dest / "notebooks").mkdir(exist_ok=True)
    shutil.copytree(
        ROOT / "book",
        dest / "book",
        ignore=shutil.ignore_patterns(
            "sites", "_toc.yml", "reproducibility.md", "_vendor", "intro.ipynb", "programme"
        ),
    )
    (dest / "book" / "programme").mkdir(exist_ok=True)
    (dest / "node_modules").symlink_to(ROOT / "node_modules", target_is_directory=True)
    return dest


def _pss(proc: psutil.Process) -> int:
    """A process's proportional set size: pages it shares (a kernel forked from the zygote
    shares the zygote's libraries) count once over the processes that share them, so the
    tree's sum is the memory the run really uses. RSS where smaps_rollup is not available."""
    try:
        with open(f"/proc/{proc.pid}/smaps_rollup", encoding="ascii") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return int(proc.memory_info().rss)


class Run:
    """One ccs-eval command: wall time, output, and the peak memory of its process tree."""

    def __init__(self, proj: Path, *args: str) -> None:
        cmd = [sys.executable, "-m", "ccs_methods.pipeline.cli", *args, "--root", str(proj)]
        env = {**os.environ, "CI": "true"}  # one summary, no progress lines
        start = time.perf_counter()
        proc = subprocess.Popen(
            cmd, cwd=proj, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        self.peak_mb = 0.0
        done = threading.Event()

        def sample() -> None:
            top = psutil.Process(proc.pid)
            while not done.is_set():
                try:
                    tree = [top, *top.children(recursive=True)]
                    used = sum(_pss(p) for p in tree if p.is_running())
                    self.peak_mb = max(self.peak_mb, used / 2**20)
                except psutil.Error:
                    pass
                done.wait(0.25)

        watcher = threading.Thread(target=sample, daemon=True)
        watcher.start()
        self.output, _ = proc.communicate()
        done.set()
        watcher.join()
        self.seconds = time.perf_counter() - start
        if proc.returncode != 0:
            raise SystemExit(f"{' '.join(args)} failed ({proc.returncode}):\n{self.output[-3000:]}")

    def executed(self) -> tuple[int, int]:
        """(pages executed, pages planned), from the runner's line."""
        m = re.search(r"executing (\d+) of (\d+) notebooks", self.output)
        return (int(m.group(1)), int(m.group(2))) if m else (0, 0)

    def results_seconds(self) -> float:
        """Time the runner spent bringing the shared results up to date."""
        m = re.search(r"shared results ready in ([\d.]+) s", self.output)
        return float(m.group(1)) if m else 0.0

    def rerun_reasons(self) -> list[str]:
        """The --explain lines of pages that ran."""
        return re.findall(r"^\s+run\s+(.*)$", self.output, flags=re.M)


def import_seconds(repeats: int = 3) -> tuple[float, float]:
    """Median time to import what a page imports in a fresh interpreter: (all, after preload).

    The second figure is what a page still imports itself when its kernel is forked from the
    zygote (:mod:`ccs_methods.pipeline.warm_kernel`), which has imported ``PRELOAD`` already;
    that is the part of a warm page's cell time that is imports, not compute.
    """
    preload = "; ".join(f"import {m}" for m in warm_kernel.PRELOAD)
    code = (
        "import time; t0 = time.perf_counter()\n"
        f"{preload}\nt1 = time.perf_counter()\n{PAGE_IMPORTS}\n"
        "print(time.perf_counter() - t0, time.perf_counter() - t1)"
    )
    full, rest = [], []
    for _ in range(repeats):
        out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                             text=True).stdout.split()
        full.append(float(out[0]))
        rest.append(float(out[1]))
    return statistics.median(full), statistics.median(rest)


def change_oldham_row(proj: Path) -> None:
    """Add 1 to the amount of the first Oldham row of the award data."""
    path = proj / "data" / "synthetic" / "lwa_awards.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    header = lines[0].strip().split(",")
    col = next(i for i, name in enumerate(header) if name.startswith("amount"))
    i = next(k for k, line in enumerate(lines) if line.startswith("oldham,"))
    cells = lines[i].rstrip("\n").split(",")
    cells[col] = f"{float(cells[col]) + 1:.2f}"
    lines[i] = ",".join(cells) + "\n"
    path.write_text("".join(lines), encoding="utf-8")


def change_one_probability(proj: Path) -> str:
    """Lower one elicited type I error (the first programme row) by 0.01; return its id."""
    import csv
    import io

    path = proj / "params" / "contribution" / "evidence.csv"
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    row = next(r for r in rows if r["site"] == "programme" and r["type1_error"])
    row["type1_error"] = f"{float(row['type1_error']) - 0.01:.2f}"
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")
    return row["evidence_id"]


def pages(proj: Path) -> dict[str, dict]:
    """Every page's last execution (``.ccs-run/pages.json``)."""
    return json.loads((proj / ".ccs-run" / "pages.json").read_text(encoding="utf-8"))


def book_benchmark(jobs: int) -> None:
    """Clean, no-change, one-site and one-setting rebuilds; the lower bound; per-page costs."""
    with tempfile.TemporaryDirectory(prefix="ccs-bench-") as tmp:
        proj = make_copy(Path(tmp) / "proj")
        html = ["--out", str(Path(tmp) / "html")]
        run = Run(proj, "run", "-j", str(jobs))
        build = Run(proj, "build", *html)
        clean = run.seconds + build.seconds
        n_pages = run.executed()[1]
        history = pages(proj)
        all_imports, warm_imports = import_seconds()
        warm = os.environ.get("CCS_WARM_KERNELS", "1") != "0"
        imports = warm_imports if warm else all_imports
        unavoidable = sum(max(0.0, (p["cells_seconds"] or 0) - imports) for p in history.values())
        bound = unavoidable / jobs + run.results_seconds() + build.seconds
        print(f"book: {n_pages} pages, {jobs} worker(s), {os.cpu_count()} cores")
        print(
            f"  clean build           {clean:7.1f} s  (run {run.seconds:.1f} s incl. shared "
            f"results {run.results_seconds():.1f} s; Jupyter Book {build.seconds:.1f} s)  "
            f"{clean / bound:4.2f}x bound"
        )
        print(f"  peak memory (tree)    {max(run.peak_mb, build.peak_mb):7.0f} MiB  (sum of the "
              "processes' proportional set sizes)")

        def rebuild(what: str) -> None:
            r = Run(proj, "all", "-j", str(jobs), *html)
            done, planned = r.executed()
            print(
                f"  {what:<21} {r.seconds:7.1f} s  {done:>3} of {planned} pages executed  "
                f"{100 * r.seconds / clean:5.1f}% of clean  {r.seconds / bound:4.2f}x bound"
            )

        rebuild("no-change rebuild")
        change_oldham_row(proj)
        explain = Run(proj, "run", "--explain", "-j", str(jobs))  # decides, executes, reports
        reasons = explain.rerun_reasons()
        Run(proj, "build", *html)
        done, planned = explain.executed()
        print(
            f"  one site's data       {explain.seconds:7.1f} s  {done:>3} of {planned} pages "
            f"executed (run only; Oldham's lwa_awards rows)"
        )
        for line in reasons:
            print(f"      {line}")
        evidence = change_one_probability(proj)
        explain = Run(proj, "run", "--explain", "-j", str(jobs))
        done, planned = explain.executed()
        Run(proj, "build", *html)
        print(
            f"  one setting           {explain.seconds:7.1f} s  {done:>3} of {planned} pages "
            f"executed (run only; type I error of {evidence})"
        )
        by_reason: dict[str, int] = {}
        for line in explain.rerun_reasons():
            why = line.split(": ", 1)[-1]
            by_reason[why] = by_reason.get(why, 0) + 1
        for why, n in sorted(by_reason.items()):
            print(f"      {n:>3} pages: {why}")
        print(
            f"  lower bound           {bound:7.1f} s  (unavoidable page compute "
            f"{unavoidable:.1f} s / {jobs} + shared results + Jupyter Book)"
        )
        print(f"  imports of a page     {all_imports:7.2f} s  (fresh interpreter, median of 3); "
              f"{warm_imports:.2f} s left to a page whose kernel is a warm fork "
              f"({'on' if warm else 'off'}: the bound subtracts {imports:.2f} s)")
        print("  per page: total s | cells s | fixed s (kernel start + imports + checks)")
        for _, p in sorted(history.items(), key=lambda kv: -kv[1]["seconds"]):
            cells = p["cells_seconds"] or 0.0
            fixed = p["seconds"] - cells + imports
            print(f"    {p['label']:<40} {p['seconds']:6.1f} {cells:7.1f} {fixed:7.1f}")


def add_sites(proj: Path, n_total: int) -> list[str]:
    """Add synthetic sites (a params file each, copied from the test's fifth site) up to
    ``n_total`` sites, then make their stand-ins with ``ccs-eval synth``."""
    template = (ROOT / "tests" / "data" / "fifth_site" / "leeds.yml").read_text(encoding="utf-8")
    programme = proj / "params" / "programme.yml"
    text = programme.read_text(encoding="utf-8")
    added = []
    for i in range(max(0, n_total - 4)):
        site = f"site_{i + 1:02d}"
        body = template.replace("id: leeds", f"id: {site}").replace(
            "display_name: Leeds", f"display_name: Synthetic site {i + 1}"
        ).replace("Leeds Local Welfare", f"Site {i + 1} Local Welfare")
        (proj / "params" / "sites" / f"{site}.yml").write_text(body, encoding="utf-8")
        added.append(site)
    lines = "".join(f"  - {s}\n" for s in added)
    programme.write_text(text.replace("  - tower_hamlets\n", "  - tower_hamlets\n" + lines, 1))
    Run(proj, "synth")
    return added


def scale_benchmark(sizes: list[int], year: int) -> None:
    """Time one programme year's site-year pages for N sites at 1 and 2 workers."""
    print(f"scale: site-year pages of year {year} (2 templates per site), clean: no .ccs-run")
    print("   (each run starts with no results store, record cache or page history;")
    print("    'results' is the part of the time spent on the shared results, computed serially)")
    print("   N sites | pages | 1 worker s (results) | pages/s | 2 workers s (results) | pages/s "
          "| speed-up")
    rows = []
    for n in sizes:
        with tempfile.TemporaryDirectory(prefix="ccs-scale-") as tmp:
            proj = make_copy(Path(tmp) / "proj")
            add_sites(proj, n)
            Run(proj, "validate")
            timings = {}
            for workers in (1, 2):
                shutil.rmtree(proj / ".ccs-run", ignore_errors=True)  # a clean build each time
                r = Run(proj, "run", "--year", str(year), "--force", "-j", str(workers))
                timings[workers] = (r.seconds, r.executed()[0], r.results_seconds())
            (t1, p1, r1), (t2, _, r2) = timings[1], timings[2]
            rows.append((n, p1, t1, t2))
            print(
                f"  {n:>8} | {p1:>5} | {t1:10.1f} ({r1:5.1f}) | {p1 / t1:7.2f} | "
                f"{t2:11.1f} ({r2:5.1f}) | {p1 / t2:7.2f} | {t1 / t2:5.2f}x"
            )
    for (n0, _, a0, b0), (n1, _, a1, b1) in itertools.pairwise(rows):
        print(
            f"  {n0} -> {n1} sites ({n1 / n0:.1f}x): 1 worker {a1 / a0:.2f}x time, "
            f"2 workers {b1 / b0:.2f}x time"
        )


def main() -> int:
    """Parse options and print the figures."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--sizes", type=int, nargs="+", default=[4, 16, 64])
    ap.add_argument("--scale-year", type=int, default=2)
    ap.add_argument("--skip-book", action="store_true")
    ap.add_argument("--skip-scale", action="store_true")
    opts = ap.parse_args()
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}")
    if not opts.skip_book:
        book_benchmark(opts.jobs)
    if not opts.skip_scale:
        scale_benchmark(sorted(opts.sizes), opts.scale_year)
    return 0


if __name__ == "__main__":
    sys.exit(main())
