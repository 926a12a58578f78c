"""Signals (issue 12): a run stopped by SIGTERM, SIGINT or SIGHUP, or killed with SIGKILL,
leaves no worker or kernel behind and changes no page."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
from conftest import write_notebook

GOOD = '{"good": "page"}\n'


def _start(proj: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "ccs_methods.pipeline.cli", "run", "--root", str(proj),
         "--site", "norfolk", "-j", "2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def _wait_for_notebooks(proj: Path, proc: subprocess.Popen[bytes]) -> None:
    """Wait until the workers have started executing notebooks (temp pages exist)."""
    tmp_dir = proj / ".ccs-run" / "tmp"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and len(list(tmp_dir.glob("*/*.ipynb"))) < 2:
        assert proc.poll() is None, proc.communicate()[0].decode()
        time.sleep(0.2)
    assert len(list(tmp_dir.glob("*/*.ipynb"))) >= 2, "the run never started two notebooks"


def _left_behind(proj: Path) -> list[str]:
    """Workers of this project and kernels running in it."""
    left = []
    for p in psutil.process_iter(["cmdline", "pid"]):
        try:
            cmd = " ".join(p.info["cmdline"] or [])
            if "ccs_methods.pipeline.runner" in cmd and str(proj) in cmd:
                left.append(f"worker {p.pid}")
            elif "ipykernel_launcher" in cmd and Path(p.cwd()) == proj:
                left.append(f"kernel {p.pid}")
        except psutil.Error:
            continue
    return left


def _wait_none_left(proj: Path, seconds: float) -> list[str]:
    deadline = time.monotonic() + seconds
    left = _left_behind(proj)
    while left and time.monotonic() < deadline:
        time.sleep(0.2)
        left = _left_behind(proj)
    return left


def _project(mini_project: Path, sleep: int) -> list[Path]:
    write_notebook(
        mini_project / "notebooks" / "site_year.md",
        [f"import time\ntime.sleep({sleep})"],
    )
    pages = []
    for year in (1, 2, 3):
        page = mini_project / "book" / "sites" / "norfolk" / f"year-{year}.ipynb"
        page.parent.mkdir(parents=True, exist_ok=True)
        page.write_text(GOOD, encoding="utf-8")
        pages.append(page)
    return pages


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP])
def test_stop_signal_stops_workers_and_kernels(mini_project: Path, sig: int) -> None:
    pages = _project(mini_project, 120)
    proc = _start(mini_project)
    try:
        _wait_for_notebooks(mini_project, proc)
        os.kill(proc.pid, sig)
        out, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
    text = out.decode()
    assert proc.returncode == 130, text
    assert "interrupted" in text and "Traceback" not in text
    # planned 3, none finished, the rest not started
    assert "planned 3, finished 0, failed 0" in text, text
    assert _wait_none_left(mini_project, 10) == []
    assert [p.read_text(encoding="utf-8") for p in pages] == [GOOD] * 3
    assert not list((mini_project / ".ccs-run" / "tmp").glob("*/*")), "temp files left"


def test_sigkill_of_runner_stops_workers_without_writing(mini_project: Path) -> None:
    # notebooks that would finish 20 s after the runner is killed: the workers must notice the
    # runner's death and stop (with their kernels) long before, and write no page
    pages = _project(mini_project, 20)
    proc = _start(mini_project)
    try:
        _wait_for_notebooks(mini_project, proc)
        os.kill(proc.pid, signal.SIGKILL)
        killed = time.monotonic()
        proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
    assert _wait_none_left(mini_project, 8) == []
    assert time.monotonic() - killed < 15, "workers outlived the runner until their notebooks ended"
    time.sleep(max(0.0, 22 - (time.monotonic() - killed)))  # past the notebooks' end
    assert _left_behind(mini_project) == []
    assert [p.read_text(encoding="utf-8") for p in pages] == [GOOD] * 3
    # the next run cleans the dead run's temp folder and works
    write_notebook(mini_project / "notebooks" / "site_year.md", ["x = 1"])
    res = subprocess.run(
        [sys.executable, "-m", "ccs_methods.pipeline.cli", "run", "--root", str(mini_project),
         "--site", "norfolk", "--year", "1", "-j", "1"],
        capture_output=True, text=True, check=False,
    )
    assert res.returncode == 0, res.stdout + res.stderr
    assert pages[0].read_text(encoding="utf-8") != GOOD
    assert [d.name for d in (mini_project / ".ccs-run" / "tmp").iterdir()] == []


def test_second_run_on_same_checkout_is_refused(mini_project: Path) -> None:
    pages = _project(mini_project, 120)
    proc = _start(mini_project)
    try:
        _wait_for_notebooks(mini_project, proc)
        res = subprocess.run(
            [sys.executable, "-m", "ccs_methods.pipeline.cli", "run", "--root",
             str(mini_project), "--site", "norfolk", "--year", "1", "-j", "1"],
            capture_output=True, text=True, check=False,
        )
        assert res.returncode == 2, res.stdout + res.stderr
        assert f"another ccs-eval run (process {proc.pid})" in res.stderr
        assert "[rule: one run at a time]" in res.stderr
        assert "Traceback" not in res.stderr
    finally:
        os.kill(proc.pid, signal.SIGTERM)
        proc.communicate(timeout=60)
    assert _wait_none_left(mini_project, 10) == []
    assert [p.read_text(encoding="utf-8") for p in pages] == [GOOD] * 3
