"""The nbval set-up really compares stored outputs: a changed output makes it fail."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat

from ccs_methods.data.paths import ROOT_ENV


def _nbval(path: Path, root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-c",
            "/dev/null",
            "--rootdir",
            str(path.parent),
            "--nbval",
            "--nbval-sanitize-with",
            str(root / "tests" / "nbval_sanitize.cfg"),
            str(path),
        ],
        capture_output=True,
        text=True,
        check=False,
        cwd=root,
        env={**os.environ, ROOT_ENV: str(root)},
    )


def test_tampered_output_fails(root: Path, tmp_path: Path) -> None:
    src = root / "notebooks" / "site_year.ipynb"
    good = tmp_path / "site_year.ipynb"
    shutil.copy2(src, good)
    assert _nbval(good, root).returncode == 0

    nb = nbformat.read(good, as_version=4)
    out = next(
        o
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.outputs
        if "<table" in str(o.get("data", {}).get("text/html", ""))
    )
    out["data"]["text/html"] = "<p>This page covers somewhere else entirely.</p>"
    bad = tmp_path / "tampered.ipynb"
    nbformat.write(nb, bad)
    res = _nbval(bad, root)
    assert res.returncode != 0
    assert "somewhere else entirely" in res.stdout
