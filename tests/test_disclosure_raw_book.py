"""Disclosure on a raw-like book (issue 12): with every dataset taken from ``data/raw/`` (here the
synthetic stand-ins copied there, so the pages treat them as real extracts), the executed pages
show no organisation id and no count below the threshold in the measures below site level."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
import yaml

from ccs_methods.analyses import network_tables as nt

ROOT = Path(__file__).resolve().parents[1]
#: Organisation ids of the referral extracts (e.g. NCAN-HEA-002, THCAN-VCS-004).
ORG_ID = re.compile(r"\b(?:NCAN|THCAN)-[A-Z]{3}-\d{3}\b")


@pytest.fixture(scope="module")
def raw_pages(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    proj = tmp_path_factory.mktemp("rawbook") / "proj"
    shutil.copytree(ROOT / "params", proj / "params")
    shutil.copytree(ROOT / "data" / "published", proj / "data" / "published")
    shutil.copytree(ROOT / "data" / "synthetic", proj / "data" / "synthetic")
    raw = proj / "data" / "raw"
    raw.mkdir()
    for f in (ROOT / "data" / "synthetic").glob("*.csv"):
        shutil.copy2(f, raw / f.name)  # no MANIFEST: not marked synthetic
    shutil.copytree(ROOT / "notebooks", proj / "notebooks")
    shutil.copy2(ROOT / "pyproject.toml", proj / "pyproject.toml")
    prog = proj / "params" / "programme.yml"
    data = yaml.safe_load(prog.read_text(encoding="utf-8"))
    text = prog.read_text(encoding="utf-8")
    for name in data["data_sources"]:
        text = text.replace(f"  {name}: synthetic", f"  {name}: raw")
    prog.write_text(text, encoding="utf-8")
    (proj / "book").mkdir()
    for site in ("tower_hamlets", "norfolk"):
        res = subprocess.run(
            [sys.executable, "-m", "ccs_methods.pipeline.cli", "run", "--root", str(proj),
             "--site", site, "--year", "2", "-j", "2"],
            capture_output=True, text=True, check=False,
        )
        assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    # the programme network page draws the statutory-to-statutory matrix, labelled by
    # organisation (ids on the synthetic book): run it too
    from ccs_methods.data.params import load_params
    from ccs_methods.pipeline.runner import plan_jobs, run_jobs

    jobs = [j for j in plan_jobs(load_params(proj / "params"), proj)
            if j.label == "programme network"]
    assert len(jobs) == 1
    summary = run_jobs(jobs, proj, workers=1)
    assert summary.ok, summary.describe()
    pages = sorted((proj / "book").rglob("*.ipynb"))
    assert len(pages) == 5
    return pages


def _texts(page: Path) -> list[str]:
    nb = nbformat.read(page, as_version=4)
    out = []
    for cell in nb.cells:
        out.append(cell.source)
        for o in cell.get("outputs", []):
            out.append(str(o.get("text", "")))
            for mime, v in (o.get("data") or {}).items():
                if not mime.startswith("image/"):
                    out.append(v if isinstance(v, str) else str(v))
    return out


def test_no_organisation_id_on_raw_pages(raw_pages: list[Path]) -> None:
    leaks = [
        f"{p.name}: {m.group(0)}" for p in raw_pages for t in _texts(p) for m in ORG_ID.finditer(t)
    ]
    assert leaks == []


def test_no_small_count_below_site_level_on_raw_pages(raw_pages: list[Path]) -> None:
    threshold = 5
    labels = [lab for m, lab, _ in nt.SITE_MEASURES if m in nt.SUBGROUP_MEASURES]
    small, seen = [], 0
    for p in raw_pages:
        for t in _texts(p):
            for lab in labels:
                for row in re.findall(rf"<td>{re.escape(lab)}</td>(.*?)</tr>", t, flags=re.S):
                    seen += 1
                    cells = re.findall(r"<td>([^<]*)</td>", row)
                    nums = [c.replace(",", "") for c in cells if re.fullmatch(r"[\d,]+", c)]
                    small += [f"{p.name}: {lab}: {n}" for n in nums if 1 <= int(n) < threshold]
    assert seen > 0, "no measure table found on the raw pages"
    assert small == []
