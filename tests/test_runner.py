"""The papermill runner: job planning, failures collected, atomic pages, interruption."""

from __future__ import annotations

import json
import os
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
from ccs_methods.errors import ParamsError
from ccs_methods.pipeline.cli import app
from ccs_methods.pipeline.runner import make_deterministic, plan_jobs, retitle, run_jobs

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
