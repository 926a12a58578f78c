"""Incremental rebuilds (issue 13): what a page read, which pages re-run for which change, and
the refusal to build a book with a stale page.

The runs here use the small project of ``conftest.mini_project`` with a template that reads
params and one site's rows of the award data, so that each decision can be checked quickly.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest
from conftest import write_notebook
from typer.testing import CliRunner

from ccs_methods.analyses.results import IDS_KEY, TrackedResults, result_digests
from ccs_methods.data import datasets, deps
from ccs_methods.data.freshness import Inputs, changed
from ccs_methods.data.params import load_params
from ccs_methods.pipeline.cli import app
from ccs_methods.pipeline.incremental import (
    FORMAT,
    decide,
    environment_digest,
    page_record,
    read_notes,
    read_record,
)
from ccs_methods.pipeline.progress import Progress, clock, quiet_by_default
from ccs_methods.pipeline.runner import plan_jobs

READS_ROWS = [
    "from ccs_methods.data.params import load_params\n"
    "from ccs_methods.analyses.trend_data import load_site_rows\n"
    "p = load_params('params')\n"
    "rows = load_site_rows(p, 'lwa_awards', site)\n"
    "print(site, year, len(rows))"
]


@pytest.fixture(autouse=True)
def _clean_log():
    deps.reset()
    yield
    deps.reset()


# --- the dependency log ------------------------------------------------------------------------


def test_capture_notes_reads_under_the_root_only(tmp_path: Path) -> None:
    (tmp_path / "params").mkdir()
    (tmp_path / "src").mkdir()
    a = tmp_path / "params" / "a.yml"
    a.write_text("x: 1\n", encoding="utf-8")
    code = tmp_path / "src" / "m.py"
    code.write_text("pass\n", encoding="utf-8")
    outside = tmp_path.parent / f"{tmp_path.name}-outside.txt"
    outside.write_text("o", encoding="utf-8")
    with deps.capture(tmp_path) as got:
        a.read_text(encoding="utf-8")
        code.read_text(encoding="utf-8")  # code is covered by the code digest
        outside.read_text(encoding="utf-8")
        (tmp_path / "params" / "new.yml").write_text("w", encoding="utf-8")  # a write
        with deps.suppressed():
            a.read_bytes()
    assert got == [{"kind": "file", "key": "params/a.yml", "digest": deps.file_digest(a)}]
    assert deps.entries() == []  # captured notes stay out of the process log
    outside.unlink()


def test_value_digest_is_stable_and_key_order_free() -> None:
    assert deps.value_digest({"a": 1, "b": 2.5}) == deps.value_digest({"b": 2.5, "a": 1})
    assert deps.value_digest({"a": 1}) != deps.value_digest({"a": 2})
    assert deps.file_digest("/no/such/file") == "missing"


def test_site_digests_change_only_for_the_changed_site() -> None:
    frame = pd.DataFrame(
        {"site": ["norfolk", "oldham", "oldham"], "month": ["2020-01"] * 3, "n": [1, 2, 3]}
    )
    before = datasets.site_digests(frame)
    frame.loc[2, "n"] = 4
    after = datasets.site_digests(frame)
    assert before["norfolk"] == after["norfolk"] and before["oldham"] != after["oldham"]
    assert set(datasets.site_digests(frame.drop(columns="site"))) == {"*"}


def test_tracked_results_note_what_was_used() -> None:
    res = TrackedResults({"a": {"v": 1}, "b": {"v": 2}})
    with deps.capture() as got:
        res["a"]
        _ = "c" in res
        res.get("d")
    assert [(n["key"], n["digest"]) for n in got] == [
        ("a", deps.value_digest({"v": 1})), ("has:c", "absent"), ("has:d", "absent"),
    ]
    with deps.capture() as got:
        sorted(res)
    assert {n["key"] for n in got} == {IDS_KEY}
    now = result_digests(res)
    assert now["a"] == deps.value_digest({"v": 1}) and now["has:b"] == "present"
    assert now[IDS_KEY] == deps.value_digest(["a", "b"])


def test_read_notes_removes_repeats_and_refuses_damage(tmp_path: Path) -> None:
    f = tmp_path / "n.jsonl"
    line = json.dumps({"kind": "file", "key": "params/a.yml", "digest": "x"})
    f.write_text(f"{line}\n{line}\n", encoding="utf-8")
    assert read_notes(f) == [{"kind": "file", "key": "params/a.yml", "digest": "x"}]
    f.write_text("{broken\n", encoding="utf-8")
    assert read_notes(f) is None
    assert read_notes(tmp_path / "none.jsonl") is None


# --- freshness of recorded inputs ----------------------------------------------------------


def _oldham_row_changed(proj: Path) -> None:
    """Change the amount of the first Oldham row of the award data."""
    path = proj / "data" / "synthetic" / "lwa_awards.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    i = next(k for k, line in enumerate(lines) if line.startswith("oldham,"))
    cells = lines[i].rstrip("\n").split(",")
    header = lines[0].strip().split(",")
    col = next(c for c, name in enumerate(header) if name.startswith("amount"))
    cells[col] = f"{float(cells[col]) + 1:.2f}"
    lines[i] = ",".join(cells) + "\n"
    path.write_text("".join(lines), encoding="utf-8")


def test_rows_notes_follow_their_site(mini_project: Path) -> None:
    params = load_params(mini_project / "params")
    with deps.capture(mini_project) as got:
        frame = datasets.load_record(params, "lwa_awards", root=mini_project)
        datasets.note_rows("lwa_awards", frame.attrs, sites=["norfolk", "leeds"])
    notes = {n["key"]: n for n in got if n["kind"] == "rows" and n["key"].count(":") == 1}
    assert notes["lwa_awards:leeds"]["digest"] == "absent"
    _oldham_row_changed(mini_project)
    now = Inputs(load_params(mini_project / "params"), mini_project)
    assert changed(notes["lwa_awards:norfolk"], now) is None
    assert changed(notes["lwa_awards:oldham"], now) == "rows of oldham in lwa_awards changed"
    assert changed(notes["lwa_awards:leeds"], now) is None
    assert changed({"kind": "file", "key": "params/programme.yml", "digest": "0"}, now) == (
        "file params/programme.yml changed"
    )
    assert changed({"kind": "result", "key": "x", "digest": "d"}, now, {"x": "d"}) is None
    assert changed({"kind": "result", "key": "x", "digest": "d"}, now, {}) == "result x changed"


def test_module_notes_follow_the_source_file(tmp_path: Path) -> None:
    assert deps.module_file("ccs_methods.data") == Path(deps.__file__).parent / "__init__.py"
    assert deps.module_file("ccs_methods.data.deps") == Path(deps.__file__)
    assert deps.module_file("pandas") is None
    assert deps.module_digest("ccs_methods.nope") == "missing"
    now = Inputs(load_params(), tmp_path)
    current = deps.module_digest("ccs_methods.data.deps")
    assert changed({"kind": "code", "key": "ccs_methods.data.deps", "digest": current}, now) is None
    assert changed({"kind": "code", "key": "ccs_methods.data.deps", "digest": "0"}, now) == (
        "module ccs_methods.data.deps changed"
    )
    assert changed({"kind": "code", "key": "ccs_methods.gone", "digest": "0"}, now) == (
        "module ccs_methods.gone is gone"
    )


def test_decide_without_a_page_or_with_force(mini_project: Path) -> None:
    params = load_params(mini_project / "params")
    jobs = plan_jobs(params, mini_project, sites=["norfolk"], years=[2])
    assert [d.reason for d in decide(jobs, params, mini_project, results={})] == ["no page yet"]
    assert [d.reason for d in decide(jobs, params, mini_project, force=True)] == ["--force"]
    jobs[0].output.parent.mkdir(parents=True)
    jobs[0].output.write_text("{}", encoding="utf-8")
    assert [d.reason for d in decide(jobs, params, mini_project, results={})] == [
        "page has no input record"
    ]
    rec = page_record(jobs[0].template, {"site": "oldham", "year": 2}, mini_project, [])
    assert rec["format"] == FORMAT and rec["environment"] == environment_digest()
    jobs[0].output.write_text(json.dumps({"metadata": {"ccs": {"inputs": rec}}}), "utf-8")
    assert read_record(jobs[0].output) == rec
    assert [d.reason for d in decide(jobs, params, mini_project, results={})] == [
        "parameters changed"
    ]


def test_decide_without_results_judges_every_other_input(
    mini_project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``skip_results`` (the runner's early count of workers to start) never computes a result:
    a page whose only change is a result is kept, one whose own input changed still runs."""
    import ccs_methods.analyses.results as results_module

    def no_results(*_a: object, **_k: object) -> None:
        raise AssertionError("skip_results computed the shared results")

    monkeypatch.setattr(results_module, "collect_results", no_results)
    params = load_params(mini_project / "params")
    jobs = plan_jobs(params, mini_project, sites=["norfolk"], years=[2])
    note = {"kind": "result", "key": "trend:norfolk", "digest": "before"}
    rec = page_record(jobs[0].template, dict(jobs[0].parameters), mini_project, [note])
    jobs[0].output.parent.mkdir(parents=True)
    jobs[0].output.write_text(json.dumps({"metadata": {"ccs": {"inputs": rec}}}), "utf-8")
    now = {"trend:norfolk": "after"}
    assert [(d.run, d.reason) for d in decide(jobs, params, mini_project, results=now)] == [
        (True, "result trend:norfolk changed")
    ]
    assert [(d.run, d.reason) for d in decide(jobs, params, mini_project, skip_results=True)] == [
        (False, "inputs other than the shared results unchanged")
    ]
    other = plan_jobs(params, mini_project, sites=["oldham"], years=[2])
    assert [d.reason for d in decide(other, params, mini_project, skip_results=True)] == [
        "no page yet"
    ]


# --- the runner's decisions, end to end --------------------------------------------------------


def _run(proj: Path, *extra: str) -> str:
    res = CliRunner().invoke(
        app,
        ["run", "--root", str(proj), "--site", "norfolk", "--site", "oldham", "--year", "2",
         "--explain", "-j", "2", *extra],
    )
    assert res.exit_code == 0, res.output
    return res.output


def _decisions(output: str) -> dict[str, str]:
    found = re.findall(r"^\s+(run |keep)\s+(\w+) year 2: (.*)$", output, flags=re.M)
    return {site: f"{what.strip()}: {why}" for what, site, why in found}


def test_pages_rerun_only_for_what_they_read(mini_project: Path) -> None:
    write_notebook(mini_project / "notebooks" / "site_year.md", READS_ROWS)
    first = _run(mini_project)
    assert "executing 2 of 2 notebooks" in first
    page = mini_project / "book" / "sites" / "norfolk" / "year-2.ipynb"
    rec = read_record(page)
    assert rec is not None
    keys = {n["key"] for n in rec["inputs"]}
    assert "lwa_awards:norfolk" in keys and "params/programme.yml" in keys
    assert "lwa_awards:oldham" not in keys  # the page selected Norfolk's rows only
    modules = {n["key"] for n in rec["inputs"] if n["kind"] == "code"}
    assert {"ccs_methods", "ccs_methods.analyses.trend_data", "ccs_methods.pipeline.runner"} <= (
        modules
    )
    assert "ccs_methods.pipeline.cli" not in modules  # a module no page imports re-runs nothing

    again = _run(mini_project)
    assert _decisions(again) == {
        "norfolk": "keep: inputs unchanged", "oldham": "keep: inputs unchanged",
    }
    assert "nothing to execute: all 2 pages are up to date" in again
    before = page.read_bytes()

    _oldham_row_changed(mini_project)
    assert _decisions(_run(mini_project)) == {
        "norfolk": "keep: inputs unchanged",
        "oldham": "run: rows of oldham in lwa_awards changed",
    }
    assert page.read_bytes() == before

    f = mini_project / "params" / "sites" / "swansea.yml"
    f.write_text(f.read_text(encoding="utf-8") + "# a comment\n", encoding="utf-8")
    assert _decisions(_run(mini_project)) == {  # load_params reads every site file
        "norfolk": "run: file params/sites/swansea.yml changed",
        "oldham": "run: file params/sites/swansea.yml changed",
    }

    write_notebook(mini_project / "notebooks" / "site_year.md", [*READS_ROWS, "print('more')"])
    assert set(_decisions(_run(mini_project)).values()) == {
        "run: template notebooks/site_year.md changed"
    }
    assert set(_decisions(_run(mini_project, "--force")).values()) == {"run: --force"}


def test_build_refuses_stale_pages(mini_project: Path) -> None:
    write_notebook(mini_project / "notebooks" / "site_year.md", READS_ROWS)
    _run(mini_project)
    _oldham_row_changed(mini_project)
    res = CliRunner().invoke(app, ["build", "--root", str(mini_project)])
    assert res.exit_code == 2, res.output
    assert "out of date with their inputs" in res.output
    assert "oldham year 2" in res.output and "rows of oldham in lwa_awards changed" in res.output
    assert "norfolk year 2 " not in res.output  # current pages are not named
    assert "no stale pages" in res.output and "--allow-stale" in res.output
    assert not (mini_project / "_build").exists()


# --- progress ----------------------------------------------------------------------------------


class _Res:
    def __init__(self, label: str, ok: bool, seconds: float) -> None:
        self.label, self.ok, self.seconds = label, ok, seconds


def test_progress_lines_and_estimate() -> None:
    t = iter([0.0, 10.0, 20.0])
    lines: list[str] = []
    p = Progress(4, kept=3, workers=2, echo=lines.append, now=lambda: next(t))
    p(_Res("norfolk year 2", True, 8.0), 1, 4)
    assert lines[-1] == (
        "  [1/4] ok     norfolk year 2 (8.0 s) | elapsed 0:10 | kept 3 | failed 0 | left ~0:12"
    )
    p(_Res("oldham year 2", False, 4.0), 2, 4)
    assert "FAILED oldham year 2" in lines[-1] and "failed 1" in lines[-1]
    assert lines[-1].endswith("left ~0:06")  # mean 6 s x 2 pages left / 2 workers
    quiet: list[str] = []
    q = Progress(2, 0, 1, quiet.append, quiet=True, now=lambda: 0.0)
    q(_Res("a", True, 1.0), 1, 2)
    q(_Res("b", False, 1.0), 2, 2)
    assert len(quiet) == 1 and "FAILED b" in quiet[0]
    assert clock(3725) == "1:02:05" and clock(65) == "1:05"


def test_quiet_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    assert quiet_by_default()
    monkeypatch.setenv("CI", "false")
    assert not quiet_by_default()
    monkeypatch.delenv("CI")
    assert not quiet_by_default()


def test_unknown_option_is_a_usage_error_not_an_internal_one() -> None:
    """Typer 0.29 raises its own copy of click's errors; the entry point still shows them as
    usage errors (exit 2), not as an internal error."""
    import subprocess
    import sys

    res = subprocess.run(
        [sys.executable, "-m", "ccs_methods.pipeline.cli", "all", "--explain"],
        capture_output=True, text=True, check=False,
    )
    assert res.returncode == 2, res.stderr
    assert "No such option: --explain" in res.stderr and "internal error" not in res.stderr


def test_reproducibility_page_lists_every_page_and_marks_stale_ones(mini_project: Path) -> None:
    from ccs_methods.pipeline.build import write_reproducibility_page
    from ccs_methods.pipeline.incremental import Decision

    write_notebook(mini_project / "notebooks" / "site_year.md", READS_ROWS)
    _run(mini_project)
    params = load_params(mini_project / "params")
    oldham = mini_project / "book" / "sites" / "oldham" / "year-2.ipynb"
    stale = [Decision("oldham year 2", str(oldham), True, "rows of oldham in lwa_awards changed")]
    text = write_reproducibility_page(params, mini_project, stale=stale).read_text("utf-8")
    rows = {
        line.split(" | ")[0].lstrip("| "): line
        for line in text.splitlines() if line.startswith("| ") and " year " in line
    }
    assert len(rows) == len(plan_jobs(params, mini_project))  # every page, not the last run's
    assert rows["oldham year 2"].endswith("| stale: rows of oldham in lwa_awards changed |")
    assert rows["norfolk year 2"].endswith("| current |")
    assert "site=norfolk, year=2" in rows["norfolk year 2"]
    assert rows["swansea year 1"].endswith("| no record |")  # never executed here
    assert "built with 1 page(s) out of date" in text


def test_cached_function_notes_its_inputs_on_every_call(tmp_path: Path) -> None:
    """An in-memory cache must not hide what its answer was read from: the second call (a
    hit) notes the same inputs as the first; a suppressed caller notes nothing."""
    from ccs_methods.data.readlog import cache_with_reads

    f = tmp_path / "params" / "x.yml"
    f.parent.mkdir()
    f.write_text("x: 1\n", encoding="utf-8")

    @cache_with_reads(maxsize=2)
    def read(path: str) -> str:
        return Path(path).read_text(encoding="utf-8")

    with deps.capture(tmp_path) as first:
        read(str(f))
    with deps.capture(tmp_path) as second:
        read(str(f))
    assert read.cache_info().hits == 1
    want = [{"kind": "file", "key": "params/x.yml", "digest": deps.file_digest(f)}]
    assert first == second == want
    with deps.capture(tmp_path) as third, deps.suppressed():
        read(str(f))
    assert third == []
