"""The Dask executor (issue 13): pages executed on a Dask cluster are the local run's pages.

A ``LocalCluster`` stands in for a real cluster; the workers see the project at the same path
and send each executed page back to the runner, which writes it.
"""

from __future__ import annotations

from pathlib import Path

from conftest import write_notebook
from typer.testing import CliRunner

from ccs_methods.pipeline.cli import app

TEMPLATE = [
    "from ccs_methods.data.params import load_params\n"
    "from ccs_methods.analyses.trend_data import load_site_rows\n"
    "rows = load_site_rows(load_params('params'), 'lwa_awards', site)\n"
    "print(site, year, len(rows), int(rows['awards'].sum()))"
]


def _run(proj: Path, *extra: str) -> str:
    res = CliRunner().invoke(
        app,
        ["run", "--root", str(proj), "--site", "norfolk", "--site", "swansea", "--year", "2",
         "-j", "2", "--force", *extra],
    )
    assert res.exit_code == 0, res.output
    return res.output


def test_dask_pages_are_byte_identical_to_local_pages(mini_project: Path) -> None:
    write_notebook(mini_project / "notebooks" / "site_year.md", TEMPLATE)
    pages = [mini_project / "book" / "sites" / s / "year-2.ipynb" for s in ("norfolk", "swansea")]
    out = _run(mini_project)
    assert "executing 2 of 2 notebooks" in out
    local = [p.read_bytes() for p in pages]
    for p in pages:
        p.unlink()
    out = _run(mini_project, "--executor", "dask")
    assert "on Dask (local cluster)" in out and "2 of 2 notebooks executed" in out
    assert [p.read_bytes() for p in pages] == local
    assert b'"inputs"' in local[0]  # the page's input record came back with it


def test_scheduler_needs_the_dask_executor(mini_project: Path) -> None:
    res = CliRunner().invoke(
        app, ["run", "--root", str(mini_project), "--scheduler", "tcp://127.0.0.1:8786"]
    )
    assert res.exit_code == 2 and "--scheduler needs --executor dask" in res.output
    res = CliRunner().invoke(app, ["run", "--root", str(mini_project), "--executor", "ray"])
    assert res.exit_code == 2 and "--executor must be 'local' or 'dask'" in res.output
