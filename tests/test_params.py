"""Params: the shipped files load, and every malformed file gets one clear error."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from ccs_methods.data.params import load_params
from ccs_methods.errors import ParamsError


@pytest.fixture
def params_copy(tmp_path: Path, root: Path) -> Path:
    dest = tmp_path / "params"
    shutil.copytree(root / "params", dest)
    return dest


def test_shipped_params_load(root: Path) -> None:
    p = load_params(root / "params")
    assert p.programme.sites == ["norfolk", "oldham", "swansea", "tower_hamlets"]
    assert [y.number for y in p.programme.years] == [1, 2, 3]
    assert len(p.site_years()) == 12
    assert p.site("oldham").lwa_scheme.award_unit == "items"
    assert p.site("swansea").lwa_scheme.kind == "daf"
    assert p.site("norfolk").referral_network.short_name == "NCAN"
    assert p.site("oldham").referral_network.referral_system_launch is None


def test_year_of_dates(root: Path) -> None:
    prog = load_params(root / "params").programme
    assert prog.year_of(dt.date(2019, 9, 30)) == 0
    assert prog.year_of(dt.date(2019, 10, 1)) == 1
    assert prog.year_of(dt.date(2021, 9, 30)) == 2
    assert prog.year_of(dt.date(2022, 10, 1)) == -1


def test_yaml_syntax_error_names_file_and_line(params_copy: Path) -> None:
    f = params_copy / "programme.yml"
    f.write_text("programme: CCS\nyears: [\n  - oops: : :\n", encoding="utf-8")
    with pytest.raises(ParamsError) as e:
        load_params(params_copy)
    msg = str(e.value)
    assert "programme.yml" in msg and "YAML syntax error" in msg and "row " in msg


def test_end_before_start_names_key(params_copy: Path) -> None:
    f = params_copy / "programme.yml"
    text = f.read_text(encoding="utf-8").replace("end: 2021-09-30", "end: 2020-09-30")
    f.write_text(text, encoding="utf-8")
    with pytest.raises(ParamsError) as e:
        load_params(params_copy)
    msg = str(e.value)
    assert "programme.yml" in msg and "years[1]" in msg and "not after start date" in msg


def test_overlapping_years_rejected(params_copy: Path) -> None:
    f = params_copy / "programme.yml"
    text = f.read_text(encoding="utf-8").replace("start: 2020-10-01", "start: 2020-09-01")
    f.write_text(text, encoding="utf-8")
    with pytest.raises(ParamsError, match=r"starts .* before year 1 ends"):
        load_params(params_copy)


def test_site_listed_without_file(params_copy: Path) -> None:
    (params_copy / "sites" / "swansea.yml").unlink()
    with pytest.raises(ParamsError) as e:
        load_params(params_copy)
    msg = str(e.value)
    assert "programme.yml" in msg and "sites[2]" in msg and "swansea" in msg


def test_missing_programme_file(params_copy: Path) -> None:
    (params_copy / "programme.yml").unlink()
    with pytest.raises(ParamsError, match=r"programme\.yml: params file not found"):
        load_params(params_copy)


def test_unknown_key_rejected(params_copy: Path) -> None:
    f = params_copy / "sites" / "norfolk.yml"
    f.write_text(f.read_text(encoding="utf-8") + "colour: blue\n", encoding="utf-8")
    with pytest.raises(ParamsError) as e:
        load_params(params_copy)
    assert "norfolk.yml" in str(e.value) and "colour" in str(e.value)


def test_site_id_must_match_file_name(params_copy: Path) -> None:
    f = params_copy / "sites" / "oldham.yml"
    f.write_text(f.read_text(encoding="utf-8").replace("id: oldham", "id: olham"), encoding="utf-8")
    with pytest.raises(ParamsError, match="does not match the file name"):
        load_params(params_copy)


def test_bad_date_value(params_copy: Path) -> None:
    f = params_copy / "programme.yml"
    f.write_text(
        f.read_text(encoding="utf-8").replace("ccs_start: 2019-10-01", "ccs_start: autumn"),
        encoding="utf-8",
    )
    with pytest.raises(ParamsError) as e:
        load_params(params_copy)
    assert "ccs_start" in str(e.value)


def test_unknown_site_lookup_lists_known(root: Path) -> None:
    p = load_params(root / "params")
    with pytest.raises(ParamsError, match="known sites: norfolk, oldham"):
        p.site("leeds")
    with pytest.raises(ParamsError, match="unknown programme year 7"):
        p.programme.year(7)


def test_new_site_is_a_params_change_only(params_copy: Path) -> None:
    src = (params_copy / "sites" / "oldham.yml").read_text(encoding="utf-8")
    new = src.replace("id: oldham", "id: leeds").replace(
        "display_name: Oldham", "display_name: Leeds"
    )
    (params_copy / "sites" / "leeds.yml").write_text(new, encoding="utf-8")
    f = params_copy / "programme.yml"
    f.write_text(
        f.read_text(encoding="utf-8").replace(
            "  - tower_hamlets\n", "  - tower_hamlets\n  - leeds\n"
        ),
        encoding="utf-8",
    )
    p = load_params(params_copy)
    assert p.site("leeds").display_name == "Leeds"
    assert len(p.site_years()) == 15
