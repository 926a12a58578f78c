"""The papermill runner: job planning, failures collected, atomic pages, interruption."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from conftest import write_notebook
from typer.testing import CliRunner

from ccs_methods.data.params import load_params
from ccs_methods.data.paths import environment
from ccs_methods.errors import ParamsError
from ccs_methods.pipeline import runner
from ccs_methods.pipeline.cli import app
from ccs_methods.pipeline.runner import (
    Workers,
    make_deterministic,
    plan_jobs,
    retitle,
    run_jobs,
)

GOOD = "GOOD PAGE FROM AN EARLIER RUN"


def _good_page(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(GOOD, encoding="utf-8")


def test_plan_covers_every_site_and_year(mini_project: Path) -> None:
    params = load_params(mini_project / "params")
    jobs = plan_jobs(params, mini_project)
    assert len(jobs) == 12
    outputs = {j.output.relative_to(mini_project).as_posix() for j in jobs}
    assert "book/sites/tower_hamlets/year-3.ipynb" in outputs
    assert {j.title for j in jobs if j.parameters == {"site": "oldham", "year": 2}} == {
        "Oldham: Year 2"
    }


def test_plan_extra_site_year_and_programme_templates(mini_project: Path) -> None:
    write_notebook(mini_project / "notebooks" / "site_year_contribution.md", ["1"])
    write_notebook(mini_project / "notebooks" / "programme_trends.md", ["1"], parameters="")
    params = load_params(mini_project / "params")
    jobs = plan_jobs(params, mini_project)
    names = {j.output.relative_to(mini_project).as_posix() for j in jobs}
    assert "book/sites/norfolk/year-2-contribution.ipynb" in names
    assert "book/programme/trends.ipynb" in names
    assert len(jobs) == 25
    # choosing sites or years runs only site-year pages
    assert len(plan_jobs(params, mini_project, sites=["norfolk"])) == 6


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [({"sites": ["leeds"]}, "unknown site 'leeds'"), ({"years": [9]}, "unknown programme year 9")],
)
def test_plan_rejects_unknown_site_or_year(mini_project: Path, kwargs: dict, match: str) -> None:
    params = load_params(mini_project / "params")
    with pytest.raises(ParamsError, match=match):
        plan_jobs(params, mini_project, **kwargs)


def test_template_without_parameters_cell(mini_project: Path) -> None:
    write_notebook(mini_project / "notebooks" / "site_year.md", ["1"], parameters=None)
    params = load_params(mini_project / "params")
    with pytest.raises(ParamsError) as e:
        plan_jobs(params, mini_project)
    assert "site_year.md" in str(e.value) and "parameters" in str(e.value)


def test_cli_unknown_site_exits_2_and_builds_nothing(mini_project: Path) -> None:
    _good_page(mini_project / "book" / "sites" / "norfolk" / "year-1.ipynb")
    res = CliRunner().invoke(app, ["run", "--root", str(mini_project), "--site", "leeds"])
    assert res.exit_code == 2
    assert "unknown site 'leeds'" in res.output
    assert (mini_project / "book/sites/norfolk/year-1.ipynb").read_text() == GOOD


def test_cli_malformed_params_exits_2(mini_project: Path) -> None:
    (mini_project / "params" / "programme.yml").write_text("sites: [\n", encoding="utf-8")
    res = CliRunner().invoke(app, ["run", "--root", str(mini_project)])
    assert res.exit_code == 2
    assert "programme.yml" in res.output and "YAML syntax error" in res.output


def test_failure_is_collected_and_good_page_kept(mini_project: Path) -> None:
    write_notebook(
        mini_project / "notebooks" / "site_year.md",
        [
            "x = 1",
            "if site == 'oldham':\n    raise ValueError('boom for ' + site)",
            "print('done', site, year)",
        ],
    )
    _good_page(mini_project / "book" / "sites" / "oldham" / "year-1.ipynb")
    params = load_params(mini_project / "params")
    jobs = plan_jobs(params, mini_project, sites=["oldham", "norfolk"], years=[1])
    summary = run_jobs(jobs, mini_project, workers=2)
    assert not summary.ok
    assert [r.label for r in summary.failures] == ["oldham year 1"]
    failure = summary.failures[0]
    # template cells: 1 title, 2 parameters, 3 "x = 1", 4 the raise
    assert failure.cell == 4
    assert failure.error == "ValueError: boom for oldham in `if site == 'oldham':`"
    text = summary.describe()
    assert "FAILED oldham year 1: cell 4: ValueError: boom for oldham" in text
    assert Path(failure.failed_copy).is_file()
    # the good page from before is untouched; the other notebook ran
    assert (mini_project / "book/sites/oldham/year-1.ipynb").read_text() == GOOD
    nb = nbformat.read(mini_project / "book/sites/norfolk/year-1.ipynb", as_version=4)
    assert nb.cells[0].source == "# Norfolk: Year 1"
    injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert injected and "remove-cell" in injected[0].metadata.tags
    assert not list((mini_project / "book").rglob("*.tmp*"))
    record = json.loads((mini_project / ".ccs-run" / "last-run.json").read_text())
    assert [r["ok"] for r in record["results"]] == [False, True]


def test_cli_failure_exit_code_and_summary(mini_project: Path) -> None:
    write_notebook(mini_project / "notebooks" / "site_year.md", ["1/0"])
    res = CliRunner().invoke(
        app, ["run", "--root", str(mini_project), "--site", "swansea", "--year", "3", "-j", "1"]
    )
    assert res.exit_code == 1
    assert "FAILED swansea year 3: cell 3: ZeroDivisionError: division by zero" in res.output


def test_interrupted_run_leaves_pages_intact(mini_project: Path) -> None:
    write_notebook(
        mini_project / "notebooks" / "site_year.md",
        ["import time\ntime.sleep(120)"],
    )
    page = mini_project / "book" / "sites" / "norfolk" / "year-1.ipynb"
    _good_page(page)
    # start it with SIGINT ignored, as a shell does for background jobs: the runner must still
    # stop cleanly on Ctrl-C
    proc = subprocess.Popen(
        [sys.executable, "-m", "ccs_methods.pipeline.cli", "run",
         "--root", str(mini_project), "-j", "2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),
    )
    tmp_dir = mini_project / ".ccs-run" / "tmp"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not list(tmp_dir.glob("*/*.ipynb")):
        time.sleep(0.2)
    assert list(tmp_dir.glob("*/*.ipynb")), "the run never started a notebook"
    os.killpg(proc.pid, signal.SIGINT)
    try:
        out, _ = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise
    assert proc.returncode != 0
    assert page.read_text() == GOOD
    assert not list(tmp_dir.glob("*/*"))
    written = [p for p in (mini_project / "book").rglob("*.ipynb") if p != page]
    assert written == [], f"half-written pages: {written}"
    assert b"interrupted" in out
    # no kernel outlives the run (they run with the project as working directory)
    import psutil

    def kernels_left() -> list[int]:
        left = []
        for p in psutil.process_iter(["cmdline"]):
            try:
                if "ipykernel_launcher" in " ".join(p.info["cmdline"] or []) and Path(
                    p.cwd()
                ) == mini_project:
                    left.append(p.pid)
            except psutil.Error:
                continue
        return left

    deadline = time.monotonic() + 10
    while kernels_left() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert kernels_left() == []


def test_make_deterministic_strips_timestamps() -> None:
    nb = nbformat.v4.new_notebook()
    nb.metadata["papermill"] = {
        "start_time": "2026-01-01T00:00:00",
        "duration": 1.0,
        "input_path": "/abs/in.ipynb",
        "parameters": {"site": "x"},
    }
    c = nbformat.v4.new_code_cell("1")
    c.metadata["papermill"] = {"start_time": "t", "duration": 0.1}
    c.metadata["execution"] = {"iopub.status.busy": "t"}
    nb.cells.append(c)
    make_deterministic(nb)
    assert nb.metadata["papermill"] == {"parameters": {"site": "x"}}
    assert "papermill" not in c.metadata and "execution" not in c.metadata


def test_retitle_replaces_first_heading_only() -> None:
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Old\n\ntext"),
        nbformat.v4.new_markdown_cell("# Keep"),
    ]
    retitle(nb, "Norfolk: Year 2")
    assert nb.cells[0].source == "# Norfolk: Year 2\n\ntext"
    assert nb.cells[1].source == "# Keep"


def _printed(page: Path) -> str:
    nb = nbformat.read(page, as_version=4)
    return "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)


def test_one_worker_per_slot_runs_its_jobs_with_single_threaded_blas(mini_project: Path) -> None:
    # a kernel's parent is the worker that started it: one slot, one worker, three pages
    write_notebook(
        mini_project / "notebooks" / "site_year.md",
        ["import os\nprint('worker', os.getppid(), 'blas', os.environ['OPENBLAS_NUM_THREADS'])"],
    )
    params = load_params(mini_project / "params")
    jobs = plan_jobs(params, mini_project, sites=["oldham", "norfolk", "swansea"], years=[1])
    summary = run_jobs(jobs, mini_project, workers=1)
    assert summary.ok, summary.describe()
    printed = {_printed(mini_project / "book" / "sites" / s / "year-1.ipynb")
               for s in ("oldham", "norfolk", "swansea")}
    assert len(printed) == 1, printed
    assert printed.pop().split()[2:] == ["blas", "1"]
    assert _warm_processes_left(mini_project, wait=0) == []  # the run ended its zygote


def _warm_processes_left(project: Path, wait: float = 10.0) -> list[str]:
    """Zygotes, clients or warm kernels still running in ``project`` after ``wait`` seconds."""
    import psutil

    deadline = time.monotonic() + wait
    while True:
        left = []
        for p in psutil.process_iter(["cmdline"]):
            try:
                cmd = " ".join(p.info["cmdline"] or [])
                if "warm_kernel.py" in cmd and Path(p.cwd()) == project:
                    left.append(cmd)
            except psutil.Error:
                continue
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.2)


def test_workers_started_before_the_jobs_run_them(mini_project: Path) -> None:
    # the run starts one worker early (a page it knows must run); the second starts on demand
    write_notebook(
        mini_project / "notebooks" / "site_year.md",
        ["import os\nprint('worker', os.getppid())"],
    )
    params = load_params(mini_project / "params")
    jobs = plan_jobs(params, mini_project, sites=["oldham", "norfolk"], years=[1])
    with Workers(mini_project, 2, start=1) as pool:
        assert len(pool.children._procs) == 1
        early = next(iter(pool.children._procs))
        summary = run_jobs(jobs, mini_project, pool=pool)
        assert summary.ok, summary.describe()
    assert early.returncode == 0  # it ran jobs, then ended at the end of its job list
    assert not pool.tmp_dir.exists()
    assert _warm_processes_left(mini_project) == []


def test_workers_no_job_needed_are_stopped_without_waiting(mini_project: Path) -> None:
    # a no-change rebuild, or an input error found while they start: killed, not waited for
    with Workers(mini_project, 2) as pool:
        procs = list(pool.children._procs)
        assert len(procs) == 2
    assert all(p.returncode not in (None, 0) for p in procs), [p.returncode for p in procs]
    assert _warm_processes_left(mini_project) == []
    with pytest.raises(RuntimeError), Workers(mini_project, 1) as pool:
        procs = list(pool.children._procs)
        raise RuntimeError("stop")
    assert all(p.returncode not in (None, 0) for p in procs)


def _zygote_socket(worker_pid: int, timeout: float = 60.0) -> Path:
    """The socket of a worker's zygote, once the zygote listens on it."""
    import psutil

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for child in psutil.Process(worker_pid).children():
            cmd = child.cmdline()
            if len(cmd) >= 2 and cmd[-2] == "serve" and Path(cmd[-1]).exists():
                return Path(cmd[-1])
        time.sleep(0.1)
    raise AssertionError("the worker's zygote never listened")


def test_stopped_workers_leave_no_zygote_socket(mini_project: Path) -> None:
    # stopping a worker (SIGTERM to its process group) used to leave /tmp/ccs-zygote-*.sock
    with Workers(mini_project, 1) as pool:
        (proc,) = pool.children._procs
        sock = _zygote_socket(proc.pid)
    assert not sock.exists()


def test_no_jobs_start_no_worker(mini_project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_worker(self: object) -> None:
        raise AssertionError("a worker started for an empty run")

    monkeypatch.setattr(runner._Slot, "_worker", no_worker)
    summary = run_jobs([], mini_project, workers=2)
    assert summary.ok and summary.results == [] and summary.planned == 0
    record = json.loads((mini_project / ".ccs-run" / "last-run.json").read_text("utf-8"))
    assert record["results"] == []


def test_pipeline_skips_the_slow_iri_backend_of_jsonschema() -> None:
    # rfc3987_syntax compiles its grammars at import (1.2 s a process); nbformat never needs it
    code = (
        "import ccs_methods.pipeline, nbformat, sys; from jsonschema import FormatChecker; "
        "print(sys.modules.get('rfc3987_syntax') is None, 'iri' in FormatChecker.checkers)"
    )
    env = {k: v for k, v in os.environ.items() if k != "CCS_KEEP_IRI_CHECKS"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == ["True", "False"]
    env["CCS_KEEP_IRI_CHECKS"] = "1"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == ["False", "True"]


def test_a_worker_that_dies_fails_only_its_job(mini_project: Path) -> None:
    # the oldham page kills its worker (an ancestor of the kernel); the next job gets a new one
    kill_worker = (
        "import psutil, signal\nif site == 'oldham':\n"
        "    [p for p in psutil.Process().parents()\n"
        "     if 'ccs_methods.pipeline.runner' in ' '.join(p.cmdline())][0].send_signal(9)"
    )
    template = mini_project / "notebooks" / "site_year.md"
    write_notebook(template, [kill_worker, "print('done', site)"])
    _good_page(mini_project / "book" / "sites" / "oldham" / "year-1.ipynb")
    params = load_params(mini_project / "params")
    jobs = plan_jobs(params, mini_project, sites=["oldham", "norfolk"], years=[1])
    summary = run_jobs(jobs, mini_project, workers=1)
    assert [r.label for r in summary.failures] == ["oldham year 1"]
    assert "worker process exited with status -9" in (summary.failures[0].error or "")
    assert (mini_project / "book/sites/oldham/year-1.ipynb").read_text() == GOOD
    assert "done norfolk" in _printed(mini_project / "book/sites/norfolk/year-1.ipynb")
    # the killed worker's zygote and the kernel it was running do not outlive it
    assert _warm_processes_left(mini_project) == []


def test_a_zygote_that_dies_leaves_cold_kernels_for_the_rest(mini_project: Path) -> None:
    # a warm kernel's parent is its worker's zygote: the oldham page kills it, and still ends
    kill_zygote = (
        "import os, signal, sys\nprint('preloaded', 'pandas' in sys.modules)\n"
        "if site == 'oldham':\n    os.kill(os.getppid(), signal.SIGKILL)"
    )
    write_notebook(mini_project / "notebooks" / "site_year.md", [kill_zygote])
    params = load_params(mini_project / "params")
    jobs = plan_jobs(params, mini_project, sites=["oldham", "norfolk"], years=[1])
    os.environ["CCS_WARM_KERNELS"] = "1"
    try:
        summary = run_jobs(jobs, mini_project, workers=1)
    finally:
        os.environ.pop("CCS_WARM_KERNELS")
    assert summary.ok, summary.describe()
    assert "preloaded True" in _printed(mini_project / "book/sites/oldham/year-1.ipynb")
    assert "preloaded False" in _printed(mini_project / "book/sites/norfolk/year-1.ipynb")


def test_longest_pages_start_first(mini_project: Path) -> None:
    from ccs_methods.pipeline.runner import longest_first

    params = load_params(mini_project / "params")
    jobs = plan_jobs(params, mini_project, sites=["oldham", "norfolk", "swansea"], years=[1])
    assert longest_first(jobs, mini_project) == [0, 1, 2]  # no history: plan order
    run_dir = mini_project / ".ccs-run"
    run_dir.mkdir(exist_ok=True)
    record = {str(jobs[0].output): {"seconds": 3.0}, str(jobs[2].output): {"seconds": 9.5},
              str(jobs[1].output): {"seconds": "garbled"}}
    (run_dir / "pages.json").write_text(json.dumps(record), encoding="utf-8")
    # a page with no usable time goes first, then the longest
    assert longest_first(jobs, mini_project) == [1, 2, 0]


PRELOADED = (
    "import sys\nprint('preloaded', [m for m in ('pandas', 'statsmodels.api') if m in sys.modules])"
)
FIGURE = (
    "import matplotlib.pyplot as plt\nfrom myst_nb import glue\n"
    "fig, ax = plt.subplots(figsize=(3, 2))\nax.plot([1, 2, 3], [2, 1, 3])\nglue('n', 3)"
)


def _run_site(mini_project: Path, site: str, env: dict[str, str]) -> tuple[str, bytes]:
    params = load_params(mini_project / "params")
    jobs = plan_jobs(params, mini_project, sites=[site], years=[1])
    with environment(env):
        summary = run_jobs(jobs, mini_project, workers=1)
    assert summary.ok, summary.describe()
    page = mini_project / "book" / "sites" / site / "year-1.ipynb"
    return _printed(page), page.read_bytes()


def test_warm_kernels_are_forked_preloaded_and_pages_identical_to_cold(
    mini_project: Path,
) -> None:
    write_notebook(mini_project / "notebooks" / "site_year.md", [PRELOADED, FIGURE])
    warm_out, warm_page = _run_site(mini_project, "oldham", {"CCS_WARM_KERNELS": "1"})
    cold_out, cold_page = _run_site(mini_project, "oldham", {"CCS_WARM_KERNELS": "0"})
    # a warm kernel has the libraries before its first cell; a cold one imports them itself
    assert "preloaded ['pandas', 'statsmodels.api']" in warm_out
    assert "preloaded []" in cold_out
    # the page itself does not tell how its kernel started (the figure included)
    warm_page = warm_page.replace(b"preloaded ['pandas', 'statsmodels.api']", b"preloaded []")
    assert b"image/png" in warm_page
    assert warm_page == cold_page


def test_a_client_with_no_zygote_starts_a_cold_kernel(
    mini_project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ccs_methods.pipeline.runner import _execute

    write_notebook(mini_project / "notebooks" / "site_year.md", [PRELOADED])
    monkeypatch.setenv("CCS_WARM_SOCKET", str(tmp_path / "nobody-listens.sock"))
    monkeypatch.setenv("CCS_WARM_CONNECT_TIMEOUT", "0.5")
    params = load_params(mini_project / "params")
    job = plan_jobs(params, mini_project, sites=["norfolk"], years=[1])[0]
    names = ("CCS_PROJECT_ROOT", "CCS_DEPS_FILE", "CCS_DEPS_ROOT", "OPENBLAS_NUM_THREADS")
    before = {k: os.environ.get(k) for k in names}
    res = _execute(job, str(mini_project), str(tmp_path / "tmp"), str(tmp_path / "failed"))
    assert res.ok, res.error
    assert "preloaded []" in _printed(job.output)
    # run in-process, it leaves the caller's environment as it was (it once left the page's
    # project in CCS_PROJECT_ROOT, and later tests in the process validated the wrong project)
    assert {k: os.environ.get(k) for k in names} == before


def test_pages_read_the_project_run_whatever_the_callers_project_variable(
    mini_project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # an in-process caller whose CCS_PROJECT_ROOT names another project (it once leaked from
    # `stats series --root`): the page still finds, and reads, the project being run
    other = tmp_path / "other"
    (other / "params").mkdir(parents=True)
    (other / "params" / "programme.yml").write_text("not: this project\n", encoding="utf-8")
    monkeypatch.setenv("CCS_PROJECT_ROOT", str(other))
    write_notebook(
        mini_project / "notebooks" / "site_year.md",
        ["from pathlib import Path\nfrom ccs_methods.data.paths import find_project_root\n"
         "print('same root', find_project_root() == Path.cwd().resolve())"],
    )
    jobs = plan_jobs(load_params(mini_project / "params"), mini_project, sites=["oldham"],
                     years=[1])
    summary = run_jobs(jobs, mini_project, workers=1)
    assert summary.ok, summary.describe()
    printed = _printed(mini_project / "book" / "sites" / "oldham" / "year-1.ipynb").split()
    assert printed == ["same", "root", "True"]  # a page's working folder is the project
    assert os.environ["CCS_PROJECT_ROOT"] == str(other)  # the caller's own variable is kept


def test_validate_checks_the_root_given_not_the_project_variable(
    mini_project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # CCS_PROJECT_ROOT names a project without Swansea: the files of the project given by
    # --root (which has Swansea rows) are still checked against that project's own sites
    other = tmp_path / "other"
    shutil.copytree(mini_project / "params", other / "params")
    prog = other / "params" / "programme.yml"
    prog.write_text(prog.read_text(encoding="utf-8").replace("  - swansea\n", "", 1),
                    encoding="utf-8")
    monkeypatch.setenv("CCS_PROJECT_ROOT", str(other))
    files = [str(mini_project / "data" / "published" / "coordination_features.csv"),
             str(mini_project / "data" / "synthetic" / "lwa_awards.csv")]
    res = CliRunner().invoke(app, ["validate", *files, "--root", str(mini_project)])
    assert res.exit_code == 0, res.output
    assert res.output.count("ok  ") == 2
    assert os.environ["CCS_PROJECT_ROOT"] == str(other)
