"""Row provenance of record-level data (issue 11): every row says whether it is raw or synthetic."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from ccs_methods.analyses import lwa
from ccs_methods.data import datasets
from ccs_methods.data.params import load_params
from ccs_methods.errors import DataValidationError, ParamsError

ROOT = Path(__file__).resolve().parents[1]


def _project(tmp_path: Path, site_sources: str) -> Path:
    """A project copy whose data/raw/lwa_awards.csv holds Norfolk's rows only."""
    proj = tmp_path / "proj"
    shutil.copytree(ROOT / "params", proj / "params")
    shutil.copytree(ROOT / "data" / "synthetic", proj / "data" / "synthetic")
    (proj / "data" / "raw").mkdir(parents=True)
    lines = (ROOT / "data" / "synthetic" / "lwa_awards.csv").read_text().splitlines()
    keep = [lines[0]] + [ln for ln in lines[1:] if ln.startswith("norfolk,")]
    (proj / "data" / "raw" / "lwa_awards.csv").write_text("\n".join(keep) + "\n")
    text = (proj / "params" / "programme.yml").read_text()
    (proj / "params" / "programme.yml").write_text(text + site_sources)
    return proj


def test_rows_of_a_raw_site_are_raw_and_the_others_synthetic(tmp_path: Path) -> None:
    proj = _project(tmp_path, "site_sources:\n  lwa_awards:\n    norfolk: raw\n")
    params = load_params(proj / "params")
    frame = datasets.load_record(params, "lwa_awards", root=proj)
    by_site = frame.groupby("site")["source"].agg(lambda s: set(s))
    assert by_site["norfolk"] == {"raw"}
    for site in ("oldham", "swansea", "tower_hamlets"):
        assert by_site[site] == {"synthetic"}
    shipped = pd.read_csv(ROOT / "data" / "synthetic" / "lwa_awards.csv")
    assert len(frame) == len(shipped)
    assert frame.attrs["synthetic"] is True
    assert datasets.source_of(params, "lwa_awards", "norfolk") == "raw"
    assert datasets.source_of(params, "lwa_awards", "oldham") == "synthetic"
    assert datasets.source_of(params, "lwa_awards") == "synthetic"  # some rows are synthetic
    # the site pages' banners follow the rows
    assert lwa.site_awards(params, "norfolk", frame).synthetic is False
    assert lwa.site_awards(params, "oldham", frame).synthetic is True


def test_a_raw_extract_with_rows_of_a_synthetic_site_is_refused(tmp_path: Path) -> None:
    proj = _project(tmp_path, "site_sources:\n  lwa_awards:\n    norfolk: raw\n")
    raw = proj / "data" / "raw" / "lwa_awards.csv"
    oldham = next(
        ln
        for ln in (ROOT / "data" / "synthetic" / "lwa_awards.csv").read_text().splitlines()
        if ln.startswith("oldham,")
    )
    raw.write_text(raw.read_text() + oldham + "\n")
    params = load_params(proj / "params")
    with pytest.raises(DataValidationError) as info:
        datasets.load_record(params, "lwa_awards", root=proj)
    msg = str(info.value)
    assert str(raw) in msg and "'oldham'" in msg and "site_sources.lwa_awards" in msg
    assert info.value.column == "site"


def test_shipped_params_give_every_row_the_synthetic_label() -> None:
    params = load_params(ROOT / "params")
    frame = datasets.load_record(params, "referrals_thcan", root=ROOT)
    assert set(frame["source"]) == {"synthetic"}


def test_site_sources_must_name_sites_of_params(tmp_path: Path) -> None:
    proj = _project(tmp_path, "site_sources:\n  lwa_awards:\n    leeds: raw\n")
    with pytest.raises(ParamsError, match="leeds"):
        load_params(proj / "params")
