"""`ccs-eval lab`: JupyterLab settings that open the MyST templates as notebooks.

No server is started here; the headless check (REST contents API + kernel) is described in the
README and was run by hand.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from typer.testing import CliRunner

from ccs_methods.pipeline import cli

ROOT = Path(__file__).resolve().parents[1]
DOCMANAGER = "@jupyterlab/docmanager-extension:plugin"


def test_settings_written_into_the_environment(tmp_path: Path) -> None:
    path = cli.write_lab_settings(tmp_path)
    assert path == tmp_path / "share" / "jupyter" / "lab" / "settings" / "overrides.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data[DOCMANAGER]["defaultViewers"] == {
        "markdown": "Jupytext Notebook",
        "myst": "Jupytext Notebook",
    }


def test_settings_keep_other_overrides(tmp_path: Path) -> None:
    path = cli.lab_settings_path(tmp_path)
    path.parent.mkdir(parents=True)
    other = {
        "@jupyterlab/apputils-extension:themes": {"theme": "JupyterLab Dark"},
        DOCMANAGER: {"autosave": False, "defaultViewers": {"python": "Jupytext Notebook"}},
    }
    path.write_text(json.dumps(other), encoding="utf-8")
    cli.write_lab_settings(tmp_path)
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["@jupyterlab/apputils-extension:themes"] == {"theme": "JupyterLab Dark"}
    assert data[DOCMANAGER]["autosave"] is False
    assert data[DOCMANAGER]["defaultViewers"] == {
        "python": "Jupytext Notebook",
        "markdown": "Jupytext Notebook",
        "myst": "Jupytext Notebook",
    }


def test_bad_settings_file_is_named(tmp_path: Path) -> None:
    path = cli.lab_settings_path(tmp_path)
    path.parent.mkdir(parents=True)
    path.write_text("{not json", encoding="utf-8")
    try:
        cli.write_lab_settings(tmp_path)
    except cli.CCSInputError as exc:
        assert "overrides.json" in str(exc)
    else:  # pragma: no cover
        raise AssertionError("a broken overrides.json must be reported")


def test_default_prefix_is_this_environment() -> None:
    assert cli.lab_settings_path() == Path(sys.prefix) / "share/jupyter/lab/settings/overrides.json"


def test_lab_command_is_rooted_at_the_project() -> None:
    cmd = cli.lab_command(ROOT, ["--no-browser", "--port", "8899"])
    assert Path(cmd[0]).name == "jupyter"
    assert Path(cmd[0]).parent == Path(sys.executable).parent
    assert cmd[1] == "lab"
    assert f"--ServerApp.root_dir={ROOT}" in cmd
    assert cmd[-3:] == ["--no-browser", "--port", "8899"]


def test_lab_help() -> None:
    res = CliRunner().invoke(cli.app, ["lab", "--help"])
    assert res.exit_code == 0, res.output
    assert "JupyterLab" in res.output
    assert "--settings-only" in res.output


def test_settings_only_does_not_start_a_server(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setattr(cli.sys, "prefix", str(tmp_path))

    def no_exec(*args: object) -> None:  # pragma: no cover - must not be reached
        raise AssertionError("--settings-only must not start JupyterLab")

    monkeypatch.setattr(cli.os, "execve", no_exec)
    res = CliRunner().invoke(cli.app, ["lab", "--settings-only", "--root", str(ROOT)])
    assert res.exit_code == 0, res.output
    assert cli.lab_settings_path(tmp_path).is_file()


def test_makefile_has_lab_target() -> None:
    text = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "\nlab: env\n\t$(BIN)/ccs-eval lab" in text
    assert "ccs-eval lab --settings-only" in text
