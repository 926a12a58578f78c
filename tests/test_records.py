"""Tests of ccs_methods.data.records: the registry, the loaders and the bad-input messages.

Bad-input files are small copies of the shipped synthetic files (data/synthetic/) with one
cell, line or byte changed; every error must name the file, the line in the file (header =
line 1) and the column.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from ccs_methods.data import records
from ccs_methods.data.records import (
    DATASETS,
    dataset_for_file,
    load,
    record_context,
    validate_file,
)
from ccs_methods.errors import CCSInputError, DataValidationError, ParamsError

ROOT = Path(__file__).resolve().parents[1]
SYNTHETIC = ROOT / "data" / "synthetic"
BOOK_PAGE = ROOT / "book" / "data-dictionary-records.md"


# --------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------


def _lines(dataset: str, n: int = 40) -> list[str]:
    """Header plus the first ``n - 1`` data lines of a shipped synthetic file."""
    text = (SYNTHETIC / DATASETS[dataset].file_name).read_text("utf-8")
    return text.split("\n")[:n]


def _write(tmp_path: Path, dataset: str, lines: list[str]) -> Path:
    path = tmp_path / DATASETS[dataset].file_name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8", newline="")
    return path


def _row(line: str) -> list[str]:
    return next(csv.reader(io.StringIO(line)))


def _join(values: list[str]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="").writerow(values)
    return buf.getvalue()


def set_cell(lines: list[str], line: int, column: str, value: str) -> list[str]:
    """Set ``column`` on file line ``line`` (header = 1) to ``value``."""
    out = list(lines)
    header = _row(out[0])
    values = _row(out[line - 1])
    values[header.index(column)] = value
    out[line - 1] = _join(values)
    return out


def get_cell(lines: list[str], line: int, column: str) -> str:
    return _row(lines[line - 1])[_row(lines[0]).index(column)]


def drop_column(lines: list[str], column: str) -> list[str]:
    idx = _row(lines[0]).index(column)
    out = []
    for line in lines:
        values = _row(line)
        del values[idx]
        out.append(_join(values))
    return out


def assert_names(err: DataValidationError, path: Path, line: int | None, column: str | None):
    """The message names the file, the line and the column; the attributes agree."""
    msg = str(err)
    assert path.name in msg, msg
    if line is not None:
        assert f"line {line} " in msg or msg.endswith(f"line {line}"), msg
        assert err.row == line, msg
    if column is not None:
        assert f"column '{column}'" in msg, msg
        assert err.column == column, msg


# --------------------------------------------------------------------------------------------
# the shipped files load and are typed
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(DATASETS))
def test_shipped_synthetic_file_validates(name: str) -> None:
    df = load(name, data_dir=ROOT / "data")
    spec = DATASETS[name]
    assert list(df.columns) == spec.column_names
    assert len(df) > 0
    assert df.attrs["synthetic"] is True
    assert df.attrs["dataset"] == name
    for col in spec.columns:
        dtype = str(df[col.name].dtype)
        expected = {
            "int": "int64",
            "float": "float64",
            "bool": "bool",
            "date": "datetime64[ns]",
        }.get(col.kind)
        if expected:
            assert dtype == expected, (col.name, dtype)
        else:
            assert pd.api.types.is_string_dtype(df[col.name]), (col.name, dtype)


def test_named_loaders_match_registry() -> None:
    for name in DATASETS:
        loader = getattr(records, f"load_{name}")
        df = loader(data_dir=ROOT / "data")
        assert list(df.columns) == DATASETS[name].column_names


def test_loader_path_argument_wins(tmp_path: Path) -> None:
    path = _write(tmp_path, "activity_log", _lines("activity_log", 10))
    df = records.load_activity_log(source="raw", data_dir=tmp_path / "nowhere", path=path)
    assert len(df) == 9
    assert df.attrs["synthetic"] is False  # no MANIFEST.json beside it


def test_default_data_dir_from_environment(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "raw").mkdir()
    shutil.copy(SYNTHETIC / "monitoring_returns.csv", tmp_path / "raw" / "monitoring_returns.csv")
    monkeypatch.setenv("CCS_DATA_DIR", str(tmp_path))
    df = records.load_monitoring_returns(source="raw")
    assert len(df) == 9


def test_unknown_source_and_dataset() -> None:
    with pytest.raises(DataValidationError, match="unknown source"):
        load("activity_log", source="private")  # type: ignore[arg-type]
    with pytest.raises(DataValidationError, match="unknown dataset"):
        load("referrals_ocan")


def test_dataset_inferred_from_file_name(tmp_path: Path) -> None:
    assert dataset_for_file("data/raw/lwa_awards.csv") == "lwa_awards"
    assert dataset_for_file("referrals_ncan_2022-01.csv") == "referrals_ncan"
    with pytest.raises(DataValidationError, match="cannot tell which dataset") as info:
        dataset_for_file(tmp_path / "awards.csv")
    assert "awards.csv" in str(info.value)


def test_registry_is_complete() -> None:
    for name, spec in DATASETS.items():
        assert spec.name == name
        assert spec.file_name == f"{name}.csv"
        assert spec.synthetic is True
        assert spec.description and spec.unit_notes and spec.source
        assert set(spec.build_schema(record_context()).columns) == set(spec.column_names)
        for col in spec.columns:
            assert col.description, (name, col.name)
        if spec.range_column is not None:
            assert spec.range_column in spec.column_names


def test_errors_are_ccs_input_errors(tmp_path: Path) -> None:
    with pytest.raises(CCSInputError):
        validate_file(tmp_path / "activity_log.csv")


def test_missing_file_names_the_file_and_expected_columns(tmp_path: Path) -> None:
    with pytest.raises(DataValidationError) as info:
        records.load_lwa_awards(source="raw", data_dir=tmp_path)
    msg = str(info.value)
    assert str(tmp_path / "raw" / "lwa_awards.csv") in msg
    assert "missing file" in msg and "amount_gbp" in msg


def test_other_failures_are_counted(tmp_path: Path) -> None:
    lines = _lines("activity_log", 12)
    lines = set_cell(lines, 3, "purpose", "lunch")
    lines = set_cell(lines, 7, "purpose", "coffee")
    path = _write(tmp_path, "activity_log", lines)
    with pytest.raises(DataValidationError) as info:
        validate_file(path)
    assert_names(info.value, path, 3, "purpose")
    assert "1 other failure" in str(info.value)


def _params_with_fifth_site(tmp_path: Path) -> Path:
    """A copy of the real params with the test site ``leeds`` added by its file alone."""
    params = tmp_path / "params"
    shutil.copytree(ROOT / "params", params)
    shutil.copy(ROOT / "tests" / "data" / "fifth_site" / "leeds.yml", params / "sites")
    text = (params / "programme.yml").read_text()
    text = text.replace("  - tower_hamlets\n", "  - tower_hamlets\n  - leeds\n", 1)
    (params / "programme.yml").write_text(text)
    return params


def test_new_site_from_params_is_known(tmp_path: Path) -> None:
    params = _params_with_fifth_site(tmp_path)
    lines = set_cell(_lines("survey_local_systems", 6), 2, "site", "leeds")
    path = _write(tmp_path, "survey_local_systems", lines)
    assert (validate_file(path, params_dir=params)["site"] == "leeds").sum() == 1
    # the project's own params do not know the site
    with pytest.raises(DataValidationError, match="must be one of") as info:
        validate_file(path)
    assert_names(info.value, path, 2, "site")
    lines = set_cell(lines, 3, "site", "york")
    path = _write(tmp_path, "survey_local_systems", lines)
    with pytest.raises(DataValidationError, match="leeds"):
        validate_file(path, params_dir=params)
    # the new site's LWA scheme (from its site file) is accepted for that site only
    lwa = set_cell(set_cell(_lines("lwa_awards", 6), 2, "site", "leeds"), 2, "scheme", "LWSS")
    frame = validate_file(_write(tmp_path, "lwa_awards", lwa), params_dir=params)
    assert frame["scheme"].iloc[0] == "LWSS"
    lwa = set_cell(lwa, 3, "scheme", "LWSS")
    with pytest.raises(DataValidationError) as info:
        validate_file(_write(tmp_path, "lwa_awards", lwa), params_dir=params)
    assert_names(info.value, tmp_path / "lwa_awards.csv", 3, "scheme")


def test_date_windows_follow_the_programme_years(tmp_path: Path) -> None:
    """Year 3 rows validate; a fourth year in programme.yml extends every window."""
    for name, column, late in (
        ("referrals_ncan", "date", "2022-09-14"),
        ("referrals_thcan", "date", "2022-06-01"),
        ("activity_log", "date", "2022-03-01"),
        ("lwa_awards", "month", "2022-11"),
    ):
        lines = set_cell(_lines(name, 6), 3, column, late)
        assert len(validate_file(_write(tmp_path, name, lines))) == 5
    params = tmp_path / "params"
    shutil.copytree(ROOT / "params", params)
    year4 = "  - number: 4\n    label: \"Year 4\"\n    start: 2022-10-01\n    end: 2023-09-30\n"
    text = (params / "programme.yml").read_text().replace("sites:\n", year4 + "sites:\n", 1)
    (params / "programme.yml").write_text(text)
    lines = set_cell(_lines("lwa_awards", 6), 3, "month", "2023-12")
    path = _write(tmp_path, "lwa_awards", lines)
    with pytest.raises(DataValidationError, match="2018-01 to 2022-12") as info:
        validate_file(path)
    assert "params/datasets.yml" in str(info.value)
    assert_names(info.value, path, 3, "month")
    assert len(validate_file(path, params_dir=params)) == 5
    lines = set_cell(_lines("activity_log", 6), 3, "date", "2023-09-30")
    assert len(validate_file(_write(tmp_path, "activity_log", lines), params_dir=params)) == 5


def test_unreadable_params_are_not_replaced_by_the_pilots(tmp_path: Path) -> None:
    params = tmp_path / "params"
    shutil.copytree(ROOT / "params", params)
    (params / "programme.yml").write_text("sites: [norfolk]\n")
    path = _write(tmp_path, "activity_log", _lines("activity_log", 6))
    with pytest.raises(ParamsError) as info:
        validate_file(path, params_dir=params)
    assert "programme.yml" in str(info.value)
    (params / "datasets.yml").unlink()
    shutil.copy(ROOT / "params" / "programme.yml", params / "programme.yml")
    with pytest.raises(ParamsError, match=r"datasets\.yml"):
        validate_file(path, params_dir=params)


# --------------------------------------------------------------------------------------------
# bad input: each case names file, line and column
# --------------------------------------------------------------------------------------------

Mutation = Callable[[list[str]], list[str]]


def _dup_month(lines: list[str]) -> list[str]:
    # line 7 gets line 6's month: same (site, month, payment_type)
    return set_cell(lines, 7, "month", get_cell(lines, 6, "month"))


def _dup_id(lines: list[str]) -> list[str]:
    return set_cell(lines, 12, "session_id", get_cell(lines, 11, "session_id"))


def _dup_respondent(lines: list[str]) -> list[str]:
    return set_cell(lines, 9, "respondent_id", get_cell(lines, 4, "respondent_id"))


def _self_referral(lines: list[str]) -> list[str]:
    lines = set_cell(lines, 5, "to_org", get_cell(lines, 5, "from_org"))
    return set_cell(lines, 5, "to_sector", get_cell(lines, 5, "from_sector"))


def _too_many_families(lines: list[str]) -> list[str]:
    households = int(get_cell(lines, 4, "households_supported"))
    return set_cell(lines, 4, "families_with_children", str(households + 1))


def _awards_over_applications(lines: list[str]) -> list[str]:
    return set_cell(lines, 8, "applications", "1")


def _ragged(lines: list[str]) -> list[str]:
    out = list(lines)
    out[4] = out[4] + ",surplus"
    return out


def _short_row(lines: list[str]) -> list[str]:
    out = list(lines)
    out[5] = ",".join(_row(out[5])[:2])
    return out


def _extra_column(lines: list[str]) -> list[str]:
    return [lines[0] + ",notes"] + [line + ",x" for line in lines[1:]]


# (id, dataset, mutation, line, column, words the message must contain)
# fmt: off
BAD_CASES: list[tuple[str, str, Mutation, int, str, str]] = [
    ("missing column", "lwa_awards", lambda ls: drop_column(ls, "amount_gbp"), 1,
     "amount_gbp", "missing column"),
    ("missing column (referrals)", "referrals_ncan", lambda ls: drop_column(ls, "reason"), 1,
     "reason", "missing column"),
    ("unexpected column", "activity_log", _extra_column, 1, "notes", "unexpected column"),
    ("wrong type (int)", "lwa_awards", lambda ls: set_cell(ls, 5, "applications", "many"), 5,
     "applications", "whole number"),
    ("wrong type (float)", "lwa_awards", lambda ls: set_cell(ls, 9, "amount_gbp", "£12.50"), 9,
     "amount_gbp", "number"),
    ("wrong type (decimal count)", "monitoring_returns",
     lambda ls: set_cell(ls, 3, "referrals_made", "12.5"), 3, "referrals_made", "whole number"),
    ("negative count", "lwa_awards", lambda ls: set_cell(ls, 6, "awards", "-3"), 6, "awards",
     ">= 0"),
    ("negative amount", "other_crisis_awards", lambda ls: set_cell(ls, 10, "amount_gbp", "-1.00"),
     10, "amount_gbp", ">= 0"),
    ("duplicate month", "lwa_awards", _dup_month, 7, "month", "same as line 6"),
    ("duplicate id", "activity_log", _dup_id, 12, "session_id", "same as line 11"),
    ("duplicate respondent", "survey_local_systems", _dup_respondent, 9, "respondent_id",
     "same as line 4"),
    ("date before range", "referrals_ncan", lambda ls: set_cell(ls, 4, "date", "2016-12-31"), 4,
     "date", "2017-01-01 to 2022-12-31"),
    ("date after range", "referrals_thcan", lambda ls: set_cell(ls, 6, "date", "2023-01-02"), 6,
     "date", "2021-03-01 to 2022-12-31"),
    ("month out of range", "lwa_awards", lambda ls: set_cell(ls, 3, "month", "2017-12"), 3,
     "month", "2018-01 to 2022-12"),
    ("date not ISO", "activity_log", lambda ls: set_cell(ls, 5, "date", "05/11/2020"), 5, "date",
     "YYYY-MM-DD"),
    ("impossible date", "referrals_thcan", lambda ls: set_cell(ls, 7, "date", "2021-02-30"), 7,
     "date", "YYYY-MM-DD"),
    ("bad month format", "lwa_awards", lambda ls: set_cell(ls, 8, "month", "2018-7"), 8, "month",
     "YYYY-MM"),
    ("unknown site", "lwa_awards", lambda ls: set_cell(ls, 3, "site", "narfolk"), 3, "site",
     "norfolk, oldham, swansea, tower_hamlets"),
    ("site not of this network", "referrals_ncan", lambda ls: set_cell(ls, 10, "site", "oldham"),
     10, "site", "must be one of: norfolk"),
    ("unknown sector", "referrals_ncan", lambda ls: set_cell(ls, 9, "to_sector", "charity"), 9,
     "to_sector", "vcs, statutory, lwa"),
    ("unknown survey sector", "survey_local_systems",
     lambda ls: set_cell(ls, 11, "sector", "lwa"), 11, "sector", "vcs, statutory, school"),
    ("bad outcome", "referrals_thcan", lambda ls: set_cell(ls, 20, "outcome", "maybe"), 20,
     "outcome", "accepted, declined"),
    ("bad boolean", "monitoring_returns",
     lambda ls: set_cell(ls, 4, "made_more_referrals", "yes please"), 4, "made_more_referrals",
     "true or false"),
    ("bad relationship answer", "survey_local_systems",
     lambda ls: set_cell(ls, 5, "la_vcs_relationship", "excellent"), 5, "la_vcs_relationship",
     "strong, pockets, weak, dont_know"),
    ("bad purpose", "activity_log", lambda ls: set_cell(ls, 6, "purpose", "lunch"), 6, "purpose",
     "must be one of"),
    ("empty cell", "activity_log", lambda ls: set_cell(ls, 5, "date", ""), 5, "date",
     "missing value"),
    ("self-referral", "referrals_thcan", _self_referral, 5, "to_org", "cannot refer to itself"),
    ("awards above applications", "lwa_awards", _awards_over_applications, 8, "awards",
     "<= applications"),
    ("scheme not the site's", "lwa_awards", lambda ls: set_cell(ls, 3, "scheme", "RSS"), 3,
     "scheme", "norfolk NAS"),
    ("payment type not the scheme's", "lwa_awards",
     lambda ls: set_cell(ls, 4, "payment_type", "EAP"), 4, "payment_type", "EAP or IAP"),
    ("subgroup above total", "monitoring_returns", _too_many_families, 4,
     "families_with_children", "<= households_supported"),
    ("extra field", "activity_log", _ragged, 5, None, "line 5 has 1 field(s) too many"),
    ("missing fields", "activity_log", _short_row, 6, "date", "expected 4"),
    ("header only", "activity_log", lambda ls: ls[:1], 1, "session_id", "header only"),
    ("empty file", "monitoring_returns", lambda ls: [], 1, "org_id", "empty file"),
]
# fmt: on


@pytest.mark.parametrize(
    ("dataset", "mutate", "line", "column", "words"),
    [pytest.param(*case[1:], id=case[0]) for case in BAD_CASES],
)
def test_bad_input_names_file_line_and_column(
    tmp_path: Path, dataset: str, mutate: Mutation, line: int, column: str, words: str
) -> None:
    path = _write(tmp_path, dataset, mutate(_lines(dataset)))
    if not mutate(_lines(dataset)):
        path.write_bytes(b"")
    with pytest.raises(DataValidationError) as info:
        validate_file(path)
    assert_names(info.value, path, line, column)
    assert words in str(info.value)
    # the loader raises the same error
    with pytest.raises(DataValidationError) as again:
        load(dataset, path=path)
    assert str(again.value) == str(info.value)


def test_organisation_with_two_sectors_names_its_line(tmp_path: Path) -> None:
    lines = _lines("referrals_ncan", 60)
    seen: dict[str, str] = {}
    for n in range(2, len(lines) + 1):
        org, sector = get_cell(lines, n, "to_org"), get_cell(lines, n, "to_sector")
        if org in seen:
            other = "school" if sector != "school" else "vcs"
            bad = set_cell(lines, n, "to_sector", other)
            break
        seen[org] = sector
        seen.setdefault(get_cell(lines, n, "from_org"), get_cell(lines, n, "from_sector"))
    path = _write(tmp_path, "referrals_ncan", bad)
    with pytest.raises(DataValidationError) as info:
        validate_file(path)
    assert_names(info.value, path, n, "to_sector")
    assert "needs one sector" in str(info.value)


def test_bad_input_has_at_least_fifteen_cases() -> None:
    assert len(BAD_CASES) >= 15


def test_non_utf8_bytes_name_the_line_and_column(tmp_path: Path) -> None:
    lines = _lines("referrals_thcan", 15)
    path = tmp_path / "referrals_thcan.csv"
    data = ("\n".join(lines) + "\n").encode("utf-8")
    # corrupt the 'reason' field on line 11 with a Latin-1 byte
    start = sum(len(x) + 1 for x in lines[:10])
    reason = get_cell(lines, 11, "reason")
    pos = data.index(("," + reason + ",").encode(), start) + 1
    data = data[:pos] + b"\xe9" + data[pos:]
    path.write_bytes(data)
    with pytest.raises(DataValidationError) as info:
        validate_file(path)
    assert_names(info.value, path, 11, "reason")
    assert "UTF-8" in str(info.value)


def test_missing_file_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "survey_local_systems.csv"
    with pytest.raises(DataValidationError) as info:
        validate_file(path)
    assert_names(info.value, path, None, None)
    assert "missing file" in str(info.value)


def test_blank_lines_are_skipped_and_line_numbers_stay_true(tmp_path: Path) -> None:
    lines = _lines("activity_log", 8)
    lines = [*lines[:3], "", *lines[3:]]  # a blank line 4
    lines = set_cell(lines, 6, "site", "leeds")
    path = _write(tmp_path, "activity_log", lines)
    with pytest.raises(DataValidationError) as info:
        validate_file(path)
    assert_names(info.value, path, 6, "site")


def test_utf8_bom_and_crlf_are_accepted(tmp_path: Path) -> None:
    lines = _lines("monitoring_returns", 10)
    path = tmp_path / "monitoring_returns.csv"
    path.write_bytes(b"\xef\xbb\xbf" + ("\r\n".join(lines) + "\r\n").encode("utf-8"))
    df = validate_file(path)
    assert len(df) == 9


def test_boolean_spellings(tmp_path: Path) -> None:
    lines = _lines("monitoring_returns", 10)
    lines = set_cell(lines, 2, "made_more_referrals", "Yes")
    lines = set_cell(lines, 3, "made_more_referrals", "0")
    path = _write(tmp_path, "monitoring_returns", lines)
    df = validate_file(path)
    assert bool(df.loc[0, "made_more_referrals"]) is True
    assert bool(df.loc[1, "made_more_referrals"]) is False


# --------------------------------------------------------------------------------------------
# the data dictionary page documents every dataset and column
# --------------------------------------------------------------------------------------------


def test_data_dictionary_page_lists_every_column() -> None:
    text = BOOK_PAGE.read_text("utf-8")
    assert "SYNTHETIC" in text
    for name, spec in DATASETS.items():
        assert f"`{spec.file_name}`" in text, name
        for col in spec.columns:
            assert re.search(rf"\|\s*`{col.name}`\s*\|", text), (name, col.name)
