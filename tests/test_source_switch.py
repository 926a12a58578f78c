"""The data-source switch: params choose synthetic or raw per dataset; banners follow."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ccs_methods.analyses import lwa
from ccs_methods.analyses import trends as trend_sections
from ccs_methods.analyses.trend_data import LWA
from ccs_methods.data import datasets
from ccs_methods.data.params import load_params
from ccs_methods.errors import DataValidationError


@pytest.fixture
def project(root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    proj = tmp_path / "proj"
    for name in ("params", "data", "notebooks"):
        shutil.copytree(root / name, proj / name)
    (proj / "pyproject.toml").write_text("", encoding="utf-8")
    monkeypatch.chdir(proj)
    monkeypatch.delenv("CCS_DATA_DIR", raising=False)
    monkeypatch.delenv("CCS_PROJECT_ROOT", raising=False)
    trend_sections.clear_cache()
    yield proj
    trend_sections.clear_cache()


def _use_raw(proj: Path, name: str) -> None:
    f = proj / "params" / "programme.yml"
    f.write_text(
        f.read_text(encoding="utf-8").replace(f"  {name}: synthetic", f"  {name}: raw"),
        encoding="utf-8",
    )


def test_raw_source_reads_data_raw_and_drops_banner(project: Path) -> None:
    params = load_params(project / "params")
    synthetic = lwa.site_awards(params, "norfolk", trend_sections.load_dataset(params, LWA))
    assert synthetic.synthetic  # the page then shows its synthetic-data warning (lwa_synthetic)

    # an evaluator drops the real extract in data/raw/ (here: a copy, edited) and switches
    raw = project / "data" / "raw" / "lwa_awards.csv"
    raw.parent.mkdir(parents=True, exist_ok=True)  # a fresh clone has no data/raw/ folder
    text = (project / "data" / "synthetic" / "lwa_awards.csv").read_text(encoding="utf-8")
    raw.write_text(text, encoding="utf-8")
    _use_raw(project, "lwa_awards")
    params = load_params(project / "params")
    assert not datasets.is_synthetic(params, "lwa_awards")
    trend_sections.clear_cache()
    real = lwa.site_awards(params, "norfolk", trend_sections.load_dataset(params, LWA))
    assert real.synthetic is False and len(real.annual) == len(synthetic.annual)
    assert datasets.load_record(params, "lwa_awards", root=project).attrs["synthetic"] is False


def test_raw_source_without_file_is_a_clear_error(project: Path) -> None:
    _use_raw(project, "referrals_ncan")
    params = load_params(project / "params")
    with pytest.raises(DataValidationError) as e:
        datasets.load_record(params, "referrals_ncan", root=project)
    assert "raw" in str(e.value) and "referrals_ncan.csv" in str(e.value)
