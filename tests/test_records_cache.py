"""The per-run cache of validated datasets (issue 12): validated once, same frame, never stale."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from ccs_methods.data.records import validation
from ccs_methods.errors import DataValidationError

ROOT = Path(__file__).resolve().parents[1]


def test_cached_frame_is_identical_and_validated_once(tmp_path, monkeypatch):
    src = tmp_path / "referrals_ncan.csv"
    shutil.copy2(ROOT / "data" / "synthetic" / "referrals_ncan.csv", src)
    plain = validation.validate_file(src)
    monkeypatch.setenv(validation.CACHE_ENV, str(tmp_path / "cache"))
    first = validation.validate_file(src)
    assert len(list((tmp_path / "cache").glob("referrals_ncan-*.pkl"))) == 1

    def no_second_validation(*_a, **_k):
        raise AssertionError("validated again despite the cache")

    monkeypatch.setattr(validation, "_validate_uncached", no_second_validation)
    again = validation.validate_file(src)
    for got in (first, again):
        pd.testing.assert_frame_equal(got, plain)
        assert got.attrs["dataset"] == "referrals_ncan" and got.attrs["source_file"] == str(src)


def test_changed_file_is_validated_again(tmp_path, monkeypatch):
    src = tmp_path / "lwa_awards.csv"
    shutil.copy2(ROOT / "data" / "synthetic" / "lwa_awards.csv", src)
    monkeypatch.setenv(validation.CACHE_ENV, str(tmp_path / "cache"))
    validation.validate_file(src)
    src.write_text(src.read_text(encoding="utf-8").replace("16481.12", "1e400", 1),
                   encoding="utf-8")
    with pytest.raises(DataValidationError, match="not a finite number"):
        validation.validate_file(src)


def test_compact_shares_strings_and_keeps_values():
    df = pd.DataFrame({"a": ["x" + str(i % 3) for i in range(9)], "n": range(9)})
    out = validation._compact(df)
    pd.testing.assert_frame_equal(out, df)
    assert out["a"].iloc[0] is out["a"].iloc[3]  # one object per distinct value
