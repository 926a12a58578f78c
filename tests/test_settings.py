"""params/analysis.yml: one reviewed file of analysis settings, strictly validated."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ccs_methods.data.params import load_params
from ccs_methods.data.settings import AnalysisSettings, load_settings
from ccs_methods.errors import ParamsError

ROOT = Path(__file__).resolve().parents[1]


def test_shipped_settings_load_and_reach_params() -> None:
    s = load_settings(ROOT / "params")
    assert isinstance(s, AnalysisSettings)
    assert load_params(ROOT / "params").analysis == s
    assert s.its.fourier_k == 2 and s.its.family == "quasipoisson"
    assert s.disclosure.threshold == 5


@pytest.fixture
def params_copy(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "params", tmp_path / "params")
    return tmp_path / "params"


def _edit(folder: Path, old: str, new: str) -> None:
    f = folder / "analysis.yml"
    text = f.read_text(encoding="utf-8")
    assert old in text
    f.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_unknown_key_names_file_key_and_line(params_copy: Path) -> None:
    _edit(params_copy, "  fourier_k: 2", "  fourier_terms: 2")
    with pytest.raises(ParamsError) as e:
        load_settings(params_copy)
    msg = str(e.value)
    assert "analysis.yml" in msg and "its.fourier_terms" in msg and "fourier_k" in msg
    lines = (params_copy / "analysis.yml").read_text(encoding="utf-8").splitlines()
    assert e.value.row == 1 + next(i for i, s in enumerate(lines) if "fourier_terms" in s)


def test_impossible_value_is_refused(params_copy: Path) -> None:
    _edit(params_copy, "  supported_at: 0.66", "  supported_at: 0.2")
    with pytest.raises(ParamsError, match="unsupported_below"):
        load_settings(params_copy)


def test_duplicate_key_is_refused(params_copy: Path) -> None:
    _edit(params_copy, "  fourier_k: 2", "  fourier_k: 2\n  fourier_k: 3")
    with pytest.raises(ParamsError, match="duplicate key 'fourier_k'"):
        load_settings(params_copy)


def test_missing_file_is_named(params_copy: Path) -> None:
    (params_copy / "analysis.yml").unlink()
    with pytest.raises(ParamsError, match="not found"):
        load_params(params_copy)
