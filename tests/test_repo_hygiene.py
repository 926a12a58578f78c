"""Repository rules that CI enforces: no raw extracts tracked, README commands real."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest


def _git_files(root: Path) -> list[str]:
    if shutil.which("git") is None or not (root / ".git").exists():
        pytest.skip("not a git checkout")
    out = subprocess.run(
        ["git", "ls-files"], cwd=root, capture_output=True, text=True, check=True
    ).stdout
    return out.splitlines()


def test_no_raw_extract_is_tracked(root: Path) -> None:
    tracked = [f for f in _git_files(root) if f.startswith("data/raw/")]
    assert tracked == [], f"files under data/raw/ tracked by git: {tracked}"


def test_raw_folder_is_ignored(root: Path) -> None:
    if shutil.which("git") is None or not (root / ".git").exists():
        pytest.skip("not a git checkout")
    res = subprocess.run(
        ["git", "check-ignore", "-q", "data/raw/referrals_ncan.csv"], cwd=root, check=False
    )
    assert res.returncode == 0, "data/raw/ must be git-ignored"


def test_no_large_files_tracked(root: Path) -> None:
    big = [
        f
        for f in _git_files(root)
        if (root / f).is_file() and (root / f).stat().st_size > 5 * 1024 * 1024
    ]
    assert big == []


def test_readme_commands_exist(root: Path) -> None:
    readme = (root / "README.md").read_text(encoding="utf-8")
    makefile = (root / "Makefile").read_text(encoding="utf-8")
    for target in ("book", "test"):
        assert f"make {target}" in readme
        assert re.search(rf"^{target}:", makefile, flags=re.M)
    assert "make test" in (root / ".ci" / "run").read_text(encoding="utf-8")


def test_environment_yml_mirrors_lock(root: Path) -> None:
    env = (root / "environment.yml").read_text(encoding="utf-8")
    assert "requirements.lock" in env
    lock = (root / "requirements.lock").read_text(encoding="utf-8")
    for pkg in (
        "jupyter-book",
        "papermill",
        "pandas",
        "seaborn",
        "statsmodels",
        "nbval",
        "pytest",
        "pandera",
        "networkx",
    ):
        assert re.search(rf"^{pkg}==", lock, flags=re.M | re.I), f"{pkg} not pinned"
