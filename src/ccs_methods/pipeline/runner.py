"""Execute the notebook templates with papermill, once per page, into ``book/``.

Templates in ``notebooks/`` are matched to pages by name:

============================  ==========================================================
template                      executed page(s)
============================  ==========================================================
``site_year.md``              ``book/sites/<site>/year-<n>.ipynb`` for every site × year
``site_year_<part>.md``       ``book/sites/<site>/year-<n>-<part>.ipynb`` likewise
``programme_<name>.md``       ``book/programme/<name>.ipynb`` once
``site.md``                   ``book/sites/<site>/index.ipynb`` for every site (its chapter)
``book_<name>.md``            ``book/<name>.ipynb`` once (``book_intro.md``: the front page)
============================  ==========================================================

Each job runs in a worker process (one per parallel slot, kept for the whole run). Every page
gets a kernel of its own, forked from the worker's zygote (:mod:`warm_kernel`), which has
already imported the heavy libraries. Output is written to a temporary file under
``.ccs-run/tmp`` and moved over the page only when the notebook ran to the end, so a failed or
interrupted run never leaves a half-written page and never replaces a good one. A failed
notebook is kept under ``.ccs-run/failed`` for inspection and named in the final summary with
the cell and error that stopped it.

Executed pages are made deterministic: papermill's timing metadata and per-cell execution
timestamps are removed, so two runs from the same inputs give identical files. Timings go to
``.ccs-run/last-run.json`` (the reproducibility record), not into the pages.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import nbformat

from ccs_methods.data import deps
from ccs_methods.data.params import Params
from ccs_methods.data.paths import ROOT_ENV, environment
from ccs_methods.errors import ParamsError
from ccs_methods.pipeline import warm_kernel
from ccs_methods.pipeline.incremental import page_record, read_notes
from ccs_methods.pipeline.templates import (
    check_glue,
    check_template,
    hide_skipped_sections,
    make_deterministic,
    read_template,
    template_paths,
)

RUN_DIR = ".ccs-run"
#: Set by a worker to its zygote's socket: the page kernels it starts are warm forks.
_WARM_SOCKET_ENV = "CCS_WARM_SOCKET"
#: ``0`` turns warm kernels off (every page starts a cold kernel, as before).
WARM_KERNELS_ENV = "CCS_WARM_KERNELS"

#: Environment every page's kernel inherits: one BLAS/OpenMP thread per page.
#: The runner already runs one page per core, so library threads would only oversubscribe the
#: cores (OpenBLAS threads spin while they wait), and one thread makes sums reproducible.
SINGLE_THREAD_ENV = {
    name: "1"
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                 "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS")
}
#: Environment variable naming the runner's process id inside a worker.
_PARENT_ENV = "CCS_RUNNER_PID"
SITE_YEAR_PREFIX = "site_year"
PROGRAMME_PREFIX = "programme_"
BOOK_PREFIX = "book_"
SITE_TEMPLATE = "site"


@dataclass(frozen=True)
class Job:
    """One notebook execution: a template, its parameters and the page it produces."""

    template: Path
    output: Path
    parameters: dict[str, Any]
    label: str
    title: str | None = None


@dataclass
class JobResult:
    """What happened to one job."""

    label: str
    output: str
    ok: bool
    seconds: float
    cell: int | None = None
    error: str | None = None
    failed_copy: str | None = None
    #: Time spent executing the page's cells (the rest of ``seconds`` is kernel start-up,
    #: papermill and the page checks).
    cells_seconds: float | None = None


@dataclass
class RunSummary:
    """The outcome of a run: every job's result, in job order."""

    results: list[JobResult] = field(default_factory=list)
    interrupted: bool = False
    planned: int = 0

    @property
    def failures(self) -> list[JobResult]:
        """The jobs that did not complete."""
        return [r for r in self.results if not r.ok]

    @property
    def ok(self) -> bool:
        """True when every job completed and the run was not interrupted."""
        return not self.interrupted and not self.failures

    def describe(self) -> str:
        """A plain-text summary naming each failure with its cell and error."""
        n_ok = sum(r.ok for r in self.results)
        planned = max(self.planned, len(self.results))
        n_failed = len(self.failures)
        lines = [
            f"{n_ok} of {planned} notebooks executed (planned {planned}, finished {n_ok}, "
            f"failed {n_failed}, not started {planned - len(self.results)})"
        ]
        if self.interrupted:
            lines.append("run interrupted: pages not yet finished were left as they were")
        for r in self.failures:
            if r.cell is not None:
                where = f"cell {r.cell}"
            elif (r.error or "").startswith("ParamsError"):
                where = "page check after execution"  # the error names the template and cell
            else:
                where = "before the first cell"
            lines.append(f"FAILED {r.label}: {where}: {r.error}")
            if r.failed_copy:
                lines.append(f"       executed copy kept at {r.failed_copy}")
        return "\n".join(lines)


def plan_jobs(
    params: Params,
    root: Path,
    *,
    sites: Sequence[str] | None = None,
    years: Sequence[int] | None = None,
    programme_pages: bool = True,
) -> list[Job]:
    """List the jobs for the selected sites and years.

    Parameters
    ----------
    params
        Loaded parameters.
    root
        Project root holding ``notebooks/`` and ``book/``.
    sites, years
        Restrict to these site ids and programme years; ``None`` means all in params.
    programme_pages
        Also run the ``programme_*.ipynb`` templates (skipped when sites or years are chosen).

    Raises
    ------
    ParamsError
        An unknown site or year was asked for, or a template has no parameters cell.

    """
    known_years = [y.number for y in params.programme.years]
    for s in sites or []:
        params.site(s)
    for y in years or []:
        if y not in known_years:
            raise ParamsError(
                f"unknown programme year {y}; defined years: {known_years}",
                file=params.root / "programme.yml",
                column="years",
            )
    chosen_sites = list(sites) if sites else list(params.programme.sites)
    chosen_years = list(years) if years else known_years
    nb_dir = root / "notebooks"
    templates = template_paths(nb_dir)
    site_templates = [t for t in templates if t.stem.startswith(SITE_YEAR_PREFIX)]
    prog_templates = [t for t in templates if t.stem.startswith(PROGRAMME_PREFIX)]
    book_templates = [t for t in templates if t.stem.startswith(BOOK_PREFIX)]
    chapter_templates = [t for t in templates if t.stem == SITE_TEMPLATE]
    if not site_templates:
        raise ParamsError(f"no {SITE_YEAR_PREFIX}*.md template found", file=nb_dir)
    for t in site_templates + prog_templates + book_templates + chapter_templates:
        check_template(t)
    jobs: list[Job] = []
    for site in chosen_sites:
        if not years:
            for t in chapter_templates:
                out = root / "book" / "sites" / site / "index.ipynb"
                jobs.append(Job(t, out, {"site": site}, f"{site} chapter",
                                params.site(site).display_name))
        for year in chosen_years:
            for t in site_templates:
                part = t.stem[len(SITE_YEAR_PREFIX) :].lstrip("_")
                name = f"year-{year}-{part}" if part else f"year-{year}"
                out = root / "book" / "sites" / site / f"{name}.ipynb"
                label = f"{site} year {year}" + (f" ({part})" if part else "")
                title = f"{params.site(site).display_name}: {params.programme.year(year).label}"
                if part:
                    title += f", {part.replace('_', ' ')}"
                jobs.append(Job(t, out, {"site": site, "year": year}, label, title))
    if programme_pages and not sites and not years:
        for t in prog_templates:
            name = t.stem[len(PROGRAMME_PREFIX) :]
            jobs.append(
                Job(t, root / "book" / "programme" / f"{name}.ipynb", {}, f"programme {name}")
            )
        for t in book_templates:
            name = t.stem[len(BOOK_PREFIX) :]
            jobs.append(Job(t, root / "book" / f"{name}.ipynb", {}, f"book {name}"))
    return jobs


def _failure_details(exc: BaseException, template: Path) -> tuple[int | None, str]:
    """The failing cell's 1-based position in the *template* and the error, from papermill."""
    ename = getattr(exc, "ename", None)
    evalue = getattr(exc, "evalue", None)
    if not ename:
        return None, f"{type(exc).__name__}: {exc}"
    source = (getattr(exc, "source", "") or "").strip()
    cell: int | None = None
    try:
        nb = read_template(template)
        for i, c in enumerate(nb.cells, start=1):
            if c.cell_type == "code" and c.source.strip() == source:
                cell = i
                break
    except (OSError, ValueError, ParamsError):
        pass
    first_line = source.splitlines()[:1]
    where = f" in `{first_line[0][:60]}`" if first_line else ""
    return cell, f"{ename}: {evalue}{where}"


def _kernel_manager_class() -> type:
    """A kernel manager that talks to the kernel over IPC sockets (no open TCP ports)."""
    from jupyter_client.manager import AsyncKernelManager
    from traitlets import default

    class IPCKernelManager(AsyncKernelManager):  # type: ignore[misc]
        @default("transport")
        def _default_transport(self) -> str:
            return "ipc"

        @default("ip")
        def _default_ip(self) -> str:
            # one socket-file prefix per kernel, outside the project: kernels never collide
            import tempfile
            import uuid

            return os.path.join(tempfile.gettempdir(), f"ccs-kernel-{uuid.uuid4().hex}-ipc")

        def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
            cmd: list[str] = super().format_kernel_cmd(extra_arguments)
            sock = os.environ.get(_WARM_SOCKET_ENV)
            if sock and cmd[1:3] == ["-m", "ipykernel_launcher"]:  # a warm kernel instead
                return warm_kernel.kernel_command(sock, cmd[3:])
            return cmd

    return IPCKernelManager


@contextlib.contextmanager
def _kernel_environment(notes_file: Path, root: str) -> Iterator[None]:
    """The environment a page's kernel inherits, set while it starts and restored after.

    The kernel notes every input it reads into ``notes_file`` (:mod:`ccs_methods.data.deps`),
    its loaders find the project being run whatever ``CCS_PROJECT_ROOT`` the caller had, and
    it runs one BLAS thread. Restored, so an in-process caller (a test) is left as it was.
    """
    project = str(Path(root).resolve())
    env = {deps.DEPS_FILE_ENV: str(notes_file), deps.DEPS_ROOT_ENV: project, ROOT_ENV: project,
           **SINGLE_THREAD_ENV}
    with environment(env):
        yield


def _execute(job: Job, root: str, tmp_dir: str, failed_dir: str) -> JobResult:
    """Run one job (in a worker process). Never raises for notebook errors."""
    import papermill as pm

    start = time.perf_counter()
    safe = "".join(ch if ch.isalnum() else "_" for ch in job.label).strip("_")
    tmp = Path(tmp_dir) / f"{safe}.ipynb"
    tmp.parent.mkdir(parents=True, exist_ok=True)
    notes_file = tmp.with_suffix(".deps.jsonl")
    notes_file.unlink(missing_ok=True)
    try:
        with _kernel_environment(notes_file, root):
            pm.execute_notebook(
                read_template(job.template),
                str(tmp),
                parameters=job.parameters,
                report_mode=True,
                progress_bar=False,
                cwd=root,
                kernel_name="python3",
                shutdown_kernel="immediate",
                kernel_manager_class=_kernel_manager_class(),
            )
        nb = nbformat.read(tmp, as_version=4)
        _tag_injected_cell(nb)
        hide_skipped_sections(nb)
        check_glue(nb, job.template)
        check_leaks(nb, job.template, root)
        if job.title:
            retitle(nb, job.title)
        cells_seconds = sum(
            float(c.get("metadata", {}).get("papermill", {}).get("duration") or 0.0)
            for c in nb.cells
        )
        notes = read_notes(notes_file)
        notes_file.unlink(missing_ok=True)
        if notes is not None:  # no log, no record: the page then always counts as stale
            nb.metadata.setdefault("ccs", {})["inputs"] = page_record(
                job.template, job.parameters, Path(root), notes
            )
        make_deterministic(nb)
        nbformat.write(nb, tmp)
        parent = os.environ.get(_PARENT_ENV)
        if parent and _parent_gone(int(parent)):  # the runner died: write no page
            tmp.unlink(missing_ok=True)
            os._exit(128 + signal.SIGTERM)
        job.output.parent.mkdir(parents=True, exist_ok=True)
        os.replace(tmp, job.output)
        return JobResult(
            job.label, str(job.output), True, time.perf_counter() - start,
            cells_seconds=round(cells_seconds, 3),
        )
    except Exception as exc:
        cell, error = _failure_details(exc, job.template)
        kept: str | None = None
        if tmp.exists():
            Path(failed_dir).mkdir(parents=True, exist_ok=True)
            dest = Path(failed_dir) / tmp.name
            os.replace(tmp, dest)
            kept = str(dest)
        return JobResult(
            job.label, str(job.output), False, time.perf_counter() - start, cell, error, kept
        )


#: Text a page must never show: a traceback, an exception or warning line, an absolute path.
_LEAK_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("a traceback", re.compile(r"Traceback \(most recent call last\)")),
    ("an exception or warning text", re.compile(r"\b[A-Z]\w*(?:Error|Exception|Warning): ")),
    (
        "an absolute path",
        re.compile(
            r"(?<![\w.:/])/(?:home|work|tmp|usr|opt|root|Users|var|srv|mnt|private|proc)/[^\s'\"<>]+"
            r"|\b[A-Za-z]:\\[^\s'\"<>]+"
        ),
    ),
)


def check_leaks(nb: nbformat.NotebookNode, template: Path, root: str | Path = "") -> None:
    """Refuse a page whose outputs show a traceback, an exception text or an absolute path.

    Parameters
    ----------
    nb
        The executed notebook (papermill's injected cell is not counted in cell numbers).
    template
        The template the page came from, named in the error.
    root
        The project root: any occurrence of it in an output is a leak too.

    Raises
    ------
    ParamsError
        Naming the template, the cell (1-based, as in the template) and what leaked.

    """
    cells = [
        c for c in nb.cells if "injected-parameters" not in c.get("metadata", {}).get("tags", [])
    ]
    root_text = str(root) if root else ""
    for i, cell in enumerate(cells, start=1):
        for out in cell.get("outputs", []) if cell.cell_type == "code" else []:
            texts: list[str] = []
            if out.get("output_type") == "error":
                texts.append(f"{out.get('ename')}: {out.get('evalue')}")
            if "text" in out:
                texts.append(str(out["text"]))
            for mime, value in (out.get("data") or {}).items():
                if mime.startswith("text/") or mime.endswith("json"):
                    texts.append(value if isinstance(value, str) else json.dumps(value))
            for text in texts:
                found = [what for what, rx in _LEAK_PATTERNS if rx.search(text)]
                if root_text and root_text in text:
                    found.append("an absolute path")
                if found:
                    rx_hit = next(
                        (m.group(0) for _, rx in _LEAK_PATTERNS if (m := rx.search(text))),
                        root_text,
                    )
                    raise ParamsError(
                        f"the page would show {found[0]} ({rx_hit[:80]!r}); a page never shows "
                        "error text or paths: fix the cause (the page was not written)",
                        file=template,
                        column=f"cell {i} outputs",
                        rule="no leaks",
                    )


def retitle(nb: nbformat.NotebookNode, title: str) -> None:
    """Replace the first level-1 heading of the first markdown cell with ``title``.

    Jupyter Book takes a page's title from its first heading, which a template cannot
    parameterise; the runner writes it from params instead.
    """
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        lines = cell.source.splitlines()
        for i, line in enumerate(lines):
            if line.startswith("# "):
                lines[i] = f"# {title}"
                cell.source = "\n".join(lines)
                return
        return


def _tag_injected_cell(nb: nbformat.NotebookNode) -> None:
    """Hide papermill's injected-parameters cell from readers (``remove-cell``)."""
    for cell in nb.cells:
        tags = cell.get("metadata", {}).get("tags", [])
        if "injected-parameters" in tags:
            cell["id"] = "injected-parameters"  # papermill gives it a random id
            if "remove-cell" not in tags:
                cell.metadata["tags"] = [*tags, "remove-cell"]


def _job_to_json(job: Job) -> dict[str, Any]:
    return {
        "template": str(job.template),
        "output": str(job.output),
        "parameters": job.parameters,
        "label": job.label,
        "title": job.title,
    }


def _job_from_json(d: dict[str, Any]) -> Job:
    return Job(Path(d["template"]), Path(d["output"]), d["parameters"], d["label"], d["title"])


class _Children:
    """The live worker subprocesses, so that an interrupt can stop all of them."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._procs: set[subprocess.Popen[bytes]] = set()
        self.stopping = False

    def start(
        self, cmd: list[str], cwd: Path, stderr_file: Path
    ) -> subprocess.Popen[bytes] | None:
        with self._lock:
            if self.stopping:
                return None
            # own session: a Ctrl-C in the terminal reaches only the runner, which stops
            # workers. stderr goes to a file, not a pipe: a kernel inherits the descriptor and
            # a pipe would stay open for as long as the kernel lives. stdin carries the jobs
            # (a kernel never inherits it: jupyter_client gives each kernel a pipe of its own).
            with stderr_file.open("wb") as err:
                proc = subprocess.Popen(
                    cmd, cwd=cwd, start_new_session=True, stdin=subprocess.PIPE,
                    stdout=subprocess.DEVNULL, stderr=err,
                )
            self._procs.add(proc)
            return proc

    def done(self, proc: subprocess.Popen[bytes]) -> None:
        with self._lock:
            self._procs.discard(proc)

    def close_all(self) -> None:
        """End every idle worker: end of its job list, so it exits by itself."""
        with self._lock:
            procs = list(self._procs)
            self._procs.clear()
        for proc in procs:
            with contextlib.suppress(OSError, ValueError):
                assert proc.stdin is not None
                proc.stdin.close()
        for proc in procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()

    def stop_all(self, grace: float = 5.0) -> None:
        with self._lock:
            self.stopping = True
            procs = list(self._procs)
        for proc in procs:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + grace
        for proc in procs:
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


class _Slot:
    """One runner thread's long-lived worker process, which runs its jobs one after another.

    Starting Python and importing papermill and jupyter_client cost about 1.5 s, which a
    worker per job paid for every page; a worker now lives for the whole run. Every page still
    gets a fresh kernel, so pages stay isolated from one another. A worker that dies (or is
    killed) fails only the job it was running; the next job starts a new worker.
    """

    def __init__(self, root: Path, tmp_dir: Path, children: _Children) -> None:
        self.root = root
        self.tmp_dir = tmp_dir
        self.children = children
        self.proc: subprocess.Popen[bytes] | None = None
        self.err_file = tmp_dir / f"{uuid.uuid4().hex}.worker.stderr"

    def _worker(self) -> subprocess.Popen[bytes] | None:
        if self.proc is not None and self.proc.poll() is None:
            return self.proc
        if self.proc is not None:
            self.children.done(self.proc)
        cmd = [sys.executable, "-m", "ccs_methods.pipeline.runner", "--parent", str(os.getpid())]
        self.proc = self.children.start(cmd, self.root, self.err_file)
        return self.proc

    def run(self, job: Job, failed_dir: Path) -> JobResult | None:
        """Run one job in this slot's worker; ``None`` if the run is being stopped."""
        spec = self.tmp_dir / f"{uuid.uuid4().hex}.job.json"
        result_file = spec.with_suffix(".result.json")
        spec.write_text(
            json.dumps(
                {
                    "job": _job_to_json(job),
                    "root": str(self.root),
                    "tmp_dir": str(self.tmp_dir),
                    "failed_dir": str(failed_dir),
                    "result": str(result_file),
                }
            ),
            encoding="utf-8",
        )
        start = time.perf_counter()
        proc = self._worker()
        if proc is None:
            return None
        try:
            assert proc.stdin is not None
            proc.stdin.write(f"{spec}\n".encode())
            proc.stdin.flush()
        except (BrokenPipeError, OSError):
            pass  # the worker died: found below
        # the result file appears atomically when the job is done
        while not result_file.is_file() and proc.poll() is None and not self.children.stopping:
            time.sleep(0.05)
        if self.children.stopping:
            return None
        if result_file.is_file():
            return JobResult(**json.loads(result_file.read_text(encoding="utf-8")))
        proc.wait()
        self.children.done(proc)
        self.proc = None
        try:
            err = self.err_file.read_bytes() if self.err_file.is_file() else b""
        except OSError:
            err = b""
        tail = err.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no output"]
        return JobResult(
            job.label,
            str(job.output),
            False,
            time.perf_counter() - start,
            None,
            f"worker process exited with status {proc.returncode}: {tail[0]}",
        )


def longest_first(jobs: Sequence[Job], root: Path) -> list[int]:
    """Job indices, the longest last time first (pages never run before go first).

    With several workers, a long page started last keeps one worker busy while the others
    idle; starting the longest first (LPT scheduling) shortens the run's tail. The times come
    from ``.ccs-run/pages.json``; the summary still lists the jobs in plan order.
    """
    history = read_page_history(root)

    def expected(i: int) -> float:
        try:
            return float(history[str(jobs[i].output)]["seconds"])
        except (KeyError, TypeError, ValueError):  # never run, or a record edited by hand
            return float("inf")

    return sorted(range(len(jobs)), key=lambda i: -expected(i))


class Workers:
    """The worker processes of one run, started before its jobs are known.

    A worker's start (Python and papermill, and its zygote's imports of the libraries: about
    2.5 s of a quiet core) used to wait for the first job. A run now starts ``start`` workers
    (the pages it knows must run) before it fills the shared results, which use one core, so
    that both happen at once; the others, up to ``count``, start when a job needs them. Use as
    a context manager: leaving it ends idle workers, or kills them at once if no job ever ran
    (e.g. an input error found while they started).
    """

    def __init__(self, root: Path, count: int, start: int | None = None) -> None:
        run_dir = root / RUN_DIR
        _remove_stale_tmp(run_dir / "tmp")
        # one folder per run, so that two runs at once (e.g. two terminals) never clash
        self.tmp_dir = run_dir / "tmp" / f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self.tmp_dir.mkdir(parents=True, exist_ok=True)
        self.root = root
        self.count = max(1, count)
        self.children = _Children()
        self.used = False
        self._slots: list[_Slot] = []
        self._lock = threading.Lock()
        for _ in range(self.count if start is None else min(start, self.count)):
            slot = _Slot(root, self.tmp_dir, self.children)
            slot._worker()
            self._slots.append(slot)

    def take(self) -> _Slot:
        """A slot for one runner thread, which keeps it for the run."""
        with self._lock:
            self.used = True
            if self._slots:
                return self._slots.pop()
            return _Slot(self.root, self.tmp_dir, self.children)

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            if self.used and exc[0] is None:
                self.children.close_all()
            else:
                self.children.stop_all(grace=2.0)
        finally:
            shutil.rmtree(self.tmp_dir, ignore_errors=True)


def run_jobs(
    jobs: Sequence[Job],
    root: Path,
    *,
    workers: int = 1,
    on_done: Callable[[JobResult, int, int], None] | None = None,
    pool: Workers | None = None,
) -> RunSummary:
    """Execute ``jobs`` in up to ``workers`` processes; collect every result, never stop early.

    Each job runs in its own Python process (its own session, so that a Ctrl-C reaches only
    this runner). On an interrupt every worker is stopped, temporary files are removed and the
    summary is marked ``interrupted``; pages already in ``book/`` are left as they were.

    Parameters
    ----------
    jobs
        Jobs from :func:`plan_jobs`.
    root
        Project root; notebooks run with it as working directory.
    workers
        Number of jobs run at once (each runs one kernel); ignored when ``pool`` is given.
    on_done
        Called after each job with (result, number done, total), e.g. to show progress.
    pool
        Workers already started (:class:`Workers`); by default they start here. The caller
        ends a pool it passes in.

    """
    if not jobs:  # nothing to run: no worker starts, the record says so
        summary = RunSummary()
        _write_record(root / RUN_DIR, summary)
        return summary
    if pool is None:
        with Workers(root, min(workers, len(jobs))) as own:
            return run_jobs(jobs, root, on_done=on_done, pool=own)
    failed_dir = root / RUN_DIR / "failed"
    summary = RunSummary()
    results: dict[int, JobResult] = {}
    children = pool.children
    local = threading.local()  # each pool thread keeps its own worker process

    def run_one(job: Job) -> JobResult | None:
        if not hasattr(local, "slot"):
            local.slot = pool.take()
        return local.slot.run(job, failed_dir)

    threads = cf.ThreadPoolExecutor(max_workers=pool.count)
    try:
        futures = {threads.submit(run_one, jobs[i]): i for i in longest_first(jobs, root)}
        done = 0
        pending = set(futures)
        while pending:
            # a short timeout keeps the main thread responsive to Ctrl-C
            finished, pending = cf.wait(pending, timeout=0.5, return_when=cf.FIRST_COMPLETED)
            for fut in finished:
                i = futures[fut]
                res = fut.result()
                if res is None:
                    continue
                done += 1
                results[i] = res
                if on_done is not None:
                    on_done(res, done, len(jobs))
    except KeyboardInterrupt:
        summary.interrupted = True
        # a second Ctrl-C or SIGTERM must not cut the clean-up short and leave workers behind
        saved = {}
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
                saved[sig] = signal.signal(sig, signal.SIG_IGN)
        try:
            children.stop_all()
            threads.shutdown(wait=True, cancel_futures=True)
        finally:
            for sig, handler in saved.items():
                signal.signal(sig, handler)
    else:
        threads.shutdown(wait=True)
        children.close_all()
    summary.results = [results[i] for i in sorted(results)]
    summary.planned = len(jobs)
    _write_record(root / RUN_DIR, summary)
    return summary


def _execute_remote(job_data: dict[str, Any], root: str) -> tuple[dict[str, Any], bytes | None]:
    """Run one job on a Dask worker; return its result and the page's bytes (or None).

    The page is executed into a temporary folder of the worker and travels back with the
    result, so only the project's inputs need to be on the worker (same path: shared storage
    or a synced copy); the runner writes the page.
    """
    import tempfile

    job = _job_from_json(job_data)
    with tempfile.TemporaryDirectory(prefix="ccs-dask-") as tmp:
        local = Job(job.template, Path(tmp) / "page.ipynb", job.parameters, job.label, job.title)
        res = _execute(local, root, str(Path(tmp) / "run"), str(Path(tmp) / "failed"))
        page = local.output.read_bytes() if res.ok and local.output.is_file() else None
    res.output = str(job.output)
    res.failed_copy = None
    return asdict(res), page


def run_jobs_dask(
    jobs: Sequence[Job],
    root: Path,
    *,
    scheduler: str | None = None,
    workers: int = 1,
    on_done: Callable[[JobResult, int, int], None] | None = None,
) -> RunSummary:
    """Execute ``jobs`` on a Dask cluster; write each page here as its result arrives.

    Parameters
    ----------
    jobs
        Jobs from :func:`plan_jobs`.
    root
        Project root. Workers must see the project at this same path (shared storage, or a
        copy made before the run); the executed pages come back with the results.
    scheduler
        Address of a running scheduler (``tcp://host:8786``); ``None`` starts a
        ``LocalCluster`` of ``workers`` single-threaded worker processes for this run.
    workers
        Workers of the local cluster (ignored with ``scheduler``).
    on_done
        Called after each job with (result, number done, total).

    """
    from dask.distributed import Client, LocalCluster, as_completed

    cluster = None
    if scheduler is None:
        cluster = LocalCluster(
            n_workers=max(1, workers), threads_per_worker=1, processes=True,
            dashboard_address=None, silence_logs=50,
        )
    summary = RunSummary(planned=len(jobs))
    results: dict[int, JobResult] = {}
    try:
        with Client(cluster if cluster is not None else scheduler) as client:
            futures = {
                client.submit(_execute_remote, _job_to_json(job), str(root), pure=False,
                              key=f"ccs-page-{i}-{uuid.uuid4().hex[:6]}"): i
                for i, job in enumerate(jobs)
            }
            for done, fut in enumerate(as_completed(futures), start=1):
                i = futures[fut]
                try:
                    data, page = fut.result()
                    res = JobResult(**data)
                except Exception as exc:  # the worker died or the task could not run
                    res = JobResult(jobs[i].label, str(jobs[i].output), False, 0.0, None,
                                    f"Dask task failed: {type(exc).__name__}: {exc}")
                    page = None
                if res.ok and page is not None:
                    _write_page(Path(jobs[i].output), page)
                results[i] = res
                if on_done is not None:
                    on_done(res, done, len(jobs))
    except KeyboardInterrupt:
        summary.interrupted = True
    finally:
        if cluster is not None:
            cluster.close()
    summary.results = [results[i] for i in sorted(results)]
    _write_record(root / RUN_DIR, summary)
    return summary


def _write_page(path: Path, data: bytes) -> None:
    """Write a page atomically (a temporary file beside it, then a rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}-{uuid.uuid4().hex[:8]}.tmp")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


@contextlib.contextmanager
def run_lock(root: Path) -> Any:
    """Hold ``.ccs-run/lock`` for a run: a second run on the same checkout stops, clearly.

    Raises
    ------
    CCSInputError
        Another run holds the lock (its process id is named).

    """
    import fcntl

    from ccs_methods.errors import CCSInputError

    run_dir = root / RUN_DIR
    try:
        run_dir.mkdir(parents=True, exist_ok=True)
        fh = (run_dir / "lock").open("a+", encoding="utf-8")
    except OSError as exc:
        raise CCSInputError(
            f"cannot create the run folder: {exc.strerror}", file=run_dir, rule="writable output"
        ) from None
    try:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            fh.seek(0)
            other = fh.read().strip() or "unknown"
            raise CCSInputError(
                f"another ccs-eval run (process {other}) is running on this checkout; wait for "
                "it to finish (or stop it) and run again",
                file=run_dir / "lock",
                rule="one run at a time",
            ) from None
        fh.seek(0)
        fh.truncate()
        fh.write(str(os.getpid()))
        fh.flush()
        yield
    finally:
        fh.close()  # closing releases the lock


def _remove_stale_tmp(tmp_root: Path) -> None:
    """Remove temporary folders left by runs whose process no longer exists (e.g. killed)."""
    if not tmp_root.is_dir():
        return
    for folder in tmp_root.iterdir():
        pid_text = folder.name.split("-", 1)[0]
        if not pid_text.isdigit():
            continue
        try:
            os.kill(int(pid_text), 0)
        except ProcessLookupError:
            shutil.rmtree(folder, ignore_errors=True)
        except PermissionError:
            pass


def _stop_worker(signum: int, _frame: object) -> None:
    """SIGTERM in a worker: kill its kernel (a child in a session of its own), then exit.

    The zygote is killed too, so its socket file is removed here.
    """
    import psutil

    for child in psutil.Process().children(recursive=True):
        with contextlib.suppress(psutil.Error):
            child.kill()
    sock = os.environ.get(_WARM_SOCKET_ENV)
    if sock:
        with contextlib.suppress(OSError):
            os.unlink(sock)
    os._exit(128 + signum)


def _parent_gone(parent: int) -> bool:
    """True when the runner that started this worker has died (the worker was re-parented)."""
    return os.getppid() != parent


def _watch_parent(parent: int, interval: float = 0.5) -> None:
    """Stop this worker and its kernel as soon as the runner dies (e.g. SIGKILL)."""
    with contextlib.suppress(Exception):  # Linux: the kernel sends SIGTERM on parent death
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM, 0, 0, 0)  # PR_SET_PDEATHSIG

    def watch() -> None:
        while True:
            if _parent_gone(parent):
                _stop_worker(signal.SIGTERM, None)
            time.sleep(interval)

    threading.Thread(target=watch, name="ccs-parent-watch", daemon=True).start()
    if _parent_gone(parent):  # died before the watch began
        _stop_worker(signal.SIGTERM, None)


def _worker_main(parent: int) -> int:
    """Entry point of a worker process: run each job whose spec path arrives on stdin.

    The worker ends when stdin closes (the runner has no more jobs). Each job's result is
    written atomically next to its spec, which is how the runner learns it is done.
    """
    signal.signal(signal.SIGTERM, _stop_worker)
    signal.signal(signal.SIGHUP, _stop_worker)
    _watch_parent(parent)
    os.environ[_PARENT_ENV] = str(parent)
    zygote = _start_zygote()
    try:
        return _serve_jobs(zygote)
    finally:
        if zygote is not None:
            zygote.kill()
            zygote.wait()
            Path(zygote.args[-1]).unlink(missing_ok=True)


def _start_zygote() -> subprocess.Popen[bytes] | None:
    """Start this worker's zygote (:mod:`warm_kernel`) unless warm kernels are turned off.

    It imports the libraries while the worker imports papermill; its kernels are killed with
    the worker (same process group; ``_stop_worker`` kills every descendant).
    """
    if os.environ.get(WARM_KERNELS_ENV, "1") == "0":
        return None
    import tempfile

    sock = os.path.join(tempfile.gettempdir(), f"ccs-zygote-{uuid.uuid4().hex}.sock")
    env = {**os.environ, **SINGLE_THREAD_ENV}
    proc = subprocess.Popen(
        warm_kernel.zygote_command(sock), env=env, stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
    )
    os.environ[_WARM_SOCKET_ENV] = sock
    return proc


def _serve_jobs(zygote: subprocess.Popen[bytes] | None) -> int:
    """Run each job whose spec path arrives on stdin; return when stdin closes."""
    for line in sys.stdin:
        spec_path = line.strip()
        if not spec_path:
            continue
        if zygote is not None and zygote.poll() is not None:  # it died: cold kernels from now
            os.environ.pop(_WARM_SOCKET_ENV, None)
        spec = json.loads(Path(spec_path).read_text(encoding="utf-8"))
        res = _execute(
            _job_from_json(spec["job"]), spec["root"], spec["tmp_dir"], spec["failed_dir"]
        )
        out = Path(spec["result"])
        tmp = out.with_suffix(".partial")
        try:
            tmp.write_text(json.dumps(asdict(res)), encoding="utf-8")
            os.replace(tmp, out)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            print(f"cannot write the job's result: {exc.strerror}", file=sys.stderr)
            return 1
    return 0


def _write_record(run_dir: Path, summary: RunSummary) -> None:
    """Write the run's timings to ``.ccs-run/last-run.json`` (atomically)."""
    run_dir.mkdir(parents=True, exist_ok=True)
    record = {
        "finished": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "python": sys.version.split()[0],
        "interrupted": summary.interrupted,
        "results": [asdict(r) for r in summary.results],
    }
    _write_json(run_dir / "last-run.json", record)
    # every page's last execution, kept across runs: the book's provenance, not the last run's
    pages = read_page_history(run_dir.parent)
    for r in summary.results:
        pages[str(r.output)] = {
            "label": r.label, "ok": r.ok, "seconds": round(r.seconds, 1),
            "cells_seconds": r.cells_seconds, "finished": record["finished"],
        }
    _write_json(run_dir / "pages.json", dict(sorted(pages.items())))


def read_page_history(root: Path) -> dict[str, dict[str, Any]]:
    """Every page's last execution (label, ok, seconds, finished), by page path."""
    try:
        data = json.loads((root / RUN_DIR / "pages.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _write_json(path: Path, data: Any) -> None:
    tmp = path.with_name(f"{path.name}.{os.getpid()}-{uuid.uuid4().hex[:8]}.tmp")  # per writer
    try:
        tmp.write_text(json.dumps(data, indent=2), encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        tmp.unlink(missing_ok=True)  # the record is a convenience: never fail a run for it


if __name__ == "__main__":
    # python -m ccs_methods.pipeline.runner --parent PID   (started by run_jobs only)
    sys.exit(_worker_main(int(sys.argv[2]) if sys.argv[1:2] == ["--parent"] else os.getppid()))
