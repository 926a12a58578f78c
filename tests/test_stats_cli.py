"""`ccs-eval stats` speaks every model option, and bad input gets one clear message (issue 14).

Each command's JSON is compared with a direct call of the method with the same options, and
every kind of bad input exits with status 2 and a message naming the file, the line (as an
editor numbers it: the header is line 1) and the column, without a traceback.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from ccs_methods.methods import its, spc, trend
from ccs_methods.methods.contribution import updating
from ccs_methods.pipeline.cli import app

runner = CliRunner()


def _run(*args: str):
    return runner.invoke(app, ["stats", *args])


def _ok(*args: str) -> dict:
    r = _run(*args)
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)


def _weekly_step(tmp_path: Path, *, reverse: bool = False) -> Path:
    """41 weekly counts, a step down at 2023-04-03 and no trend on either side (as DAF)."""
    rng = np.random.default_rng(2023)
    weeks = pd.date_range("2023-01-02", periods=41, freq="7D")
    y = rng.poisson(np.where(weeks >= "2023-04-03", 300, 900))
    df = pd.DataFrame({"week": weeks.strftime("%Y-%m-%d"), "payments": y, "pop": 3_100_000})
    if reverse:
        df = df.iloc[::-1]
    path = tmp_path / ("daf_rev.csv" if reverse else "daf.csv")
    df.to_csv(path, index=False)
    return path


# --------------------------------------------------------------------------------------
# trend
# --------------------------------------------------------------------------------------
def test_trend_options_reach_the_methods(tmp_path: Path) -> None:
    f = tmp_path / "a.csv"
    years = [2015, 2016, 2017, 2018, 2019, 2020, 2021, 2022, 2023]
    n = [120, 150, 260, 310, 400, 380, 450, 600, 640]
    pop = [1.0, 1.1, 1.2, 1.3, 1.3, 1.4, 1.5, 1.6, 1.7]
    pd.DataFrame({"year": years, "n": n, "pop": pop}).to_csv(f, index=False)
    out = _ok("trend", "--csv", str(f), "--y", "n", "--x", "year", "--family", "negbin",
              "--offset", "pop", "--alpha", "0.1", "--tau", "a")
    yv, xv, ov = (np.asarray(v, dtype=float) for v in (n, years, pop))
    g = trend.glm_trend(yv, xv, family="negbin", offset=ov, alpha=0.1)
    assert out["glm"] == json.loads(json.dumps(g.to_dict()))
    mk = trend.mann_kendall(yv / ov, xv, alpha=0.1)
    assert out["mann_kendall"] == json.loads(json.dumps(mk.to_dict()))
    assert out["tau"]["reported"] == "tau-a"
    assert out["tau"]["value"] == pytest.approx(mk.s / 36)
    assert out["conventions"]["tau"].startswith("tau-a")
    assert out["conventions"]["quantile"].startswith("0.95")
    assert "y / offset" in out["conventions"]["offset"]
    default = _ok("trend", "--csv", str(f), "--y", "n", "--x", "year")
    assert default["tau"]["reported"] == "tau-b" and default["glm"]["family"] == "quasipoisson"


def test_trend_without_x_uses_row_order_and_non_counts_get_no_glm(tmp_path: Path) -> None:
    f = tmp_path / "ppm.csv"
    pd.DataFrame({"ppm": [400.1, 401.5, 403.2, 404.0, 406.3]}).to_csv(f, index=False)
    out = _ok("trend", "--csv", str(f), "--y", "ppm")
    assert out["y_kind"] == "measure" and "glm" not in out and "No count GLM" in out["glm_note"]
    assert out["mann_kendall"]["s"] == 10 and out["theil_sen"]["slope"] == pytest.approx(
        trend.theil_sen([400.1, 401.5, 403.2, 404.0, 406.3], [1, 2, 3, 4, 5]).slope)
    g = tmp_path / "whole.csv"
    pd.DataFrame({"pounds": [400, 410, 415, 430, 432]}).to_csv(g, index=False)
    whole = _ok("trend", "--csv", str(g), "--y", "pounds")
    assert "glm" in whole and any("--y-kind measure" in n for n in whole["notes"])
    measure = _ok("trend", "--csv", str(g), "--y", "pounds", "--y-kind", "measure")
    assert "glm" not in measure


def test_small_n_poisson_p_is_withheld_when_it_contradicts_the_exact_test(tmp_path: Path) -> None:
    f = tmp_path / "four.csv"
    pd.DataFrame({"year": [2018, 2019, 2020, 2021], "n": [100, 130, 128, 170]}).to_csv(
        f, index=False)
    out = _ok("trend", "--csv", str(f), "--y", "n", "--x", "year", "--family", "poisson")
    direct = trend.glm_trend([100, 130, 128, 170], [2018, 2019, 2020, 2021], family="poisson")
    assert direct.p_value < 0.001 and out["mann_kendall"]["p_value"] > 0.05
    assert out["glm"]["p_value"] is None and out["glm"]["rate_ratio"] == direct.rate_ratio
    assert any("exact test is preferred" in n for n in out["notes"])
    qp = _ok("trend", "--csv", str(f), "--y", "n", "--x", "year")
    assert qp["glm"]["p_value"] is not None


def test_a_step_series_is_flagged_with_its_date(tmp_path: Path) -> None:
    out = _ok("trend", "--csv", str(_weekly_step(tmp_path)), "--y", "payments", "--x", "week")
    cp = out["structure"]["change_point"]
    assert "2023-04-03" in (cp["candidate"], cp["least_squares_candidate"])
    assert cp["mk_before"]["p_value"] > 0.05 and cp["mk_after"]["p_value"] > 0.05
    notes = " ".join(out["notes"])
    assert "Possible step" in notes and "extrapolates beyond the observed span" in notes
    assert out["glm"]["x_span"] < 1 and "extrapolates" in out["glm"]["warning"]


def test_group_gives_per_series_results_and_pooled_tests_with_effective_n(
        tmp_path: Path) -> None:
    rng = np.random.default_rng(22)
    shock = np.array([0.0, 12.0, -8.0, 20.0, 5.0])
    rows = [{"la": f"la{g:02d}", "q": 2020 + q, "n": int(60 + shock[q] + rng.integers(-3, 4))}
            for g in range(22) for q in range(5)]
    f = tmp_path / "las.csv"
    pd.DataFrame(rows).to_csv(f, index=False)
    out = _ok("trend", "--csv", str(f), "--y", "n", "--x", "q", "--group", "la")
    assert len(out["groups"]) == 22 and out["groups"][0]["group"] == "la00"
    first = pd.DataFrame(rows).query("la == 'la00'")
    assert out["groups"][0]["mann_kendall"]["s"] == trend.mann_kendall(
        first["n"].to_numpy(float), first["q"].to_numpy(float)).s
    pooled = out["pooled"]
    assert pooled["shared_time_points"] and pooled["time_points"] == 5
    assert "between 5 and 110" in pooled["effective_n"]
    med = pd.DataFrame(rows).groupby("q")["n"].median()
    assert pooled["median_series_mann_kendall"]["p_value"] == pytest.approx(
        trend.mann_kendall(med.to_numpy(), med.index.to_numpy(float)).p_value)
    assert pooled["median_series_mann_kendall"]["n"] == 5


def test_missing_values_error_by_default_and_are_counted_when_dropped(tmp_path: Path) -> None:
    f = tmp_path / "miss.csv"
    f.write_text("year,n\n2018,10\n2019,\n2020,14\n2021,18\n2022,19\n")
    r = _run("trend", "--csv", str(f), "--y", "n", "--x", "year")
    assert r.exit_code == 2 and f"{f}, row 3, column 'n'" in r.stderr
    assert "--missing drop" in r.stderr
    out = _ok("trend", "--csv", str(f), "--y", "n", "--x", "year", "--missing", "drop")
    assert out["n"] == 4 and out["rows_dropped"] == 1


# --------------------------------------------------------------------------------------
# its
# --------------------------------------------------------------------------------------
def test_its_weekly_offset_level_hac_normal(tmp_path: Path) -> None:
    f = _weekly_step(tmp_path)
    out = _ok("its", "--csv", str(f), "--date", "week", "--count", "payments", "--breakpoint",
              "2023-04-03", "--frequency", "weekly", "--impact", "level", "--offset", "pop",
              "--fourier-k", "0", "--hac", "--hac-lags", "2", "--reference", "normal",
              "--alpha", "0.1")
    direct = its.segmented_regression(
        pd.read_csv(f), date_col="week", count_col="payments", breakpoint="2023-04-03",
        frequency="weekly", impact="level", offset_col="pop", fourier_k=0, cov_type="HAC",
        hac_lags=2, reference="normal", alpha=0.1)
    assert out["level_change"] == json.loads(json.dumps(direct.to_dict()["level_change"]))
    assert out["slope_change"] is None and out["hac_lags"] == 2 and out["reference"] == "normal"
    assert out["conventions"]["hac_lags"] == 2 and "2 lag(s)" in out["interval_method"]
    assert 0.25 < out["level_change"]["rate_ratio"] < 0.4


def test_its_quarterly_and_index(tmp_path: Path) -> None:
    rng = np.random.default_rng(4)
    y = rng.poisson(np.where(np.arange(24) >= 12, 80, 50))
    q = tmp_path / "q.csv"
    pd.DataFrame({"qtr": pd.date_range("2015-01-01", periods=24, freq="QS")
                  .strftime("%Y-%m-%d"), "n": y}).to_csv(q, index=False)
    i = tmp_path / "i.csv"
    pd.DataFrame({"t": np.arange(1, 25), "n": y}).to_csv(i, index=False)
    a = _ok("its", "--csv", str(q), "--date", "qtr", "--count", "n", "--breakpoint", "2018Q1",
            "--frequency", "quarterly", "--fourier-k", "0")
    b = _ok("its", "--csv", str(i), "--date", "t", "--count", "n", "--breakpoint", "13",
            "--frequency", "index", "--fourier-k", "0")
    assert a["n_pre"] == b["n_pre"] == 12
    assert a["level_change"]["rate_ratio"] == pytest.approx(b["level_change"]["rate_ratio"])


# --------------------------------------------------------------------------------------
# spc
# --------------------------------------------------------------------------------------
def test_spc_screen_baseline_rebase_improvement_and_sort(tmp_path: Path) -> None:
    rev = _weekly_step(tmp_path, reverse=True)
    r = _run("spc", "--csv", str(rev), "--value", "payments", "--date", "week")
    assert r.exit_code == 2 and "not in increasing order" in r.stderr and "--sort" in r.stderr
    assert f"{rev}, row 3, column 'week'" in r.stderr
    out = _ok("spc", "--csv", str(rev), "--value", "payments", "--date", "week", "--sort",
              "--rebase", "2023-04-03", "--improvement", "increase", "--no-screen")
    fwd = pd.read_csv(_weekly_step(tmp_path))
    vals = fwd["payments"].to_numpy(float)
    first = spc.xmr(vals[:13], list(fwd["week"][:13]), screen_outliers=False)
    second = spc.xmr(vals[13:], list(fwd["week"][13:]), screen_outliers=False)
    assert [s["start"] for s in out["segments"]] == ["2023-01-02", "2023-04-03"]
    assert out["segments"][0]["ucl"] == pytest.approx(first.ucl)
    assert out["segments"][1]["lcl"] == pytest.approx(second.lcl)
    assert out["special_cause"] == first.special_cause + second.special_cause
    assert out["conventions"]["screening"].startswith("none")
    base = _ok("spc", "--csv", str(_weekly_step(tmp_path)), "--value", "payments", "--date",
               "week", "--baseline-end", "2023-03-27")
    assert base["n_baseline"] == 13
    assert base["ucl"] == pytest.approx(spc.xmr(vals, list(fwd["week"]), baseline=13).ucl)


def test_classify_variation_reads_direction() -> None:
    vals = [10, 11, 9, 10, 12, 10, 9, 11, 10, 30, 10, 11]
    res = spc.xmr(vals)
    assert spc.classify_variation(res, "increase")[9] == "improvement"
    assert spc.classify_variation(res, "decrease")[9] == "concern"
    assert spc.classify_variation(res, None)[9] == "special cause (high)"
    assert spc.classify_variation(res, "increase")[0] == "common cause"


# --------------------------------------------------------------------------------------
# contribution
# --------------------------------------------------------------------------------------
def test_contribution_absent_items_use_the_complements(tmp_path: Path) -> None:
    f = tmp_path / "ev.csv"
    f.write_text("evidence_id,sensitivity,type1_error,found,group\n"
                 "E1,0.9,0.3,yes,a\nE2,0.6,0.1,no,\nE3,0.8,0.4,yes,a\n")
    out = _ok("contribution", "--csv", str(f), "--prior", "0.5")
    manual = updating.posterior(0.5, [
        {"sensitivity": 0.9, "type1_error": 0.3, "group": "a"},
        {"sensitivity": 0.4, "type1_error": 0.9},
        {"sensitivity": 0.8, "type1_error": 0.4, "group": "a"},
    ])
    # by hand: odds 1 x (0.9/0.3) x (0.4/0.9), E3 shares group a with the stronger E1
    assert out["posterior"] == pytest.approx(manual) == pytest.approx(4 / 7)
    assert out["items"][1]["likelihood_ratio"] == pytest.approx(0.4 / 0.9)
    assert out["items"][0]["test_type"] == "hoop"
    bad = tmp_path / "bad.csv"
    bad.write_text("evidence_id,sensitivity,type1_error,found\nE1,0.9,0.3,maybe\n")
    r = _run("contribution", "--csv", str(bad), "--prior", "0.5")
    assert r.exit_code == 2 and f"{bad}, row 2, column 'found'" in r.stderr


# --------------------------------------------------------------------------------------
# bad input: one message, file + line + column, exit 2, no traceback
# --------------------------------------------------------------------------------------
def _weekly_csv(tmp_path: Path, name: str, edit) -> Path:
    df = pd.DataFrame({"week": pd.date_range("2023-01-02", periods=30, freq="7D")
                       .strftime("%Y-%m-%d"), "n": np.arange(30) + 20, "pop": 1000})
    df = edit(df)
    path = tmp_path / name
    df.to_csv(path, index=False)
    return path


ITS = ("its", "--date", "week", "--count", "n", "--frequency", "weekly", "--fourier-k", "0")


@pytest.mark.parametrize(
    ("args", "edit", "line", "column", "words"),
    [
        (("trend", "--y", "n", "--x", "week"),
         lambda d: d.assign(n=d["n"].astype(object).where(d.index != 4, "ten")), 6, "n",
         "not a number"),
        (("trend", "--y", "n", "--x", "week"), lambda d: d.iloc[[0, 1]], None, "n",
         "at least 3"),
        (("trend", "--y", "n", "--x", "week"), lambda d: d.iloc[[0, 2, 1, *range(3, 30)]], 4,
         "week", "not in increasing order"),
        (("trend", "--y", "n", "--x", "week"), lambda d: pd.concat([d.iloc[:6], d.iloc[5:]]),
         8, "week", "same time appears on lines 7 and 8"),
        (("trend", "--y", "n", "--x", "week", "--offset", "pop"),
         lambda d: d.assign(pop=d["pop"].where(d.index != 9, -1)), 11, "pop",
         "greater than 0"),
        ((*ITS, "--breakpoint", "2023-03-06", "--offset", "pop"),
         lambda d: d.assign(pop=d["pop"].where(d.index != 2, 0)), 4, "pop", "positive"),
        ((*ITS, "--breakpoint", "2023-03-06"),
         lambda d: d.assign(week=d["week"].where(d.index != 7, "2023-02-21")), 9, "week",
         "mixed frequency"),
        ((*ITS, "--breakpoint", "2025-01-06"), lambda d: d, None, None, "outside the series"),
        ((*ITS, "--breakpoint", "2023-03-08"), lambda d: d, None, None, "not rounded"),
        ((*ITS, "--breakpoint", "2023-03-06"),
         lambda d: d.assign(n=d["n"].astype(float).where(d.index != 3, np.nan)), 5, "n",
         "missing or not a number"),
        (("spc", "--value", "n", "--date", "week"),
         lambda d: d.iloc[[0, 1, 3, 2, *range(4, 30)]], 5, "week", "not in increasing order"),
        (("spc", "--value", "n", "--date", "week", "--rebase", "2024-06-03"), lambda d: d,
         None, "week", "outside the data"),
    ],
)
def test_bad_input_names_file_line_and_column(tmp_path: Path, args, edit, line, column,
                                              words) -> None:
    f = _weekly_csv(tmp_path, "in.csv", edit)
    r = _run(args[0], "--csv", str(f), *args[1:])
    assert r.exit_code == 2, r.output
    assert "Traceback" not in r.output and r.stdout == ""
    assert str(f) in r.stderr and words in r.stderr
    if line is not None:
        assert f"row {line}," in r.stderr or f"row {line}:" in r.stderr
    if column is not None:
        assert f"column '{column}'" in r.stderr


def test_rows_are_file_lines_even_with_blank_lines(tmp_path: Path) -> None:
    f = tmp_path / "blank.csv"
    f.write_text("year,n\n2018,10\n\n2019,12\n2020,x\n2021,18\n")
    r = _run("trend", "--csv", str(f), "--y", "n", "--x", "year")
    assert r.exit_code == 2 and f"{f}, row 5, column 'n'" in r.stderr
    r = _run("spc", "--csv", str(f), "--value", "n")
    assert r.exit_code == 2 and "row 5" in r.stderr


ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--claim", "no_such_claim"], "'no_such_claim' is not a claim of the theory of change"),
        (["--claim", "y2_kf08", "--site", "norfolk"], "not for evidence"),
        ([], "--claim goes with --what evidence"),
    ],
)
def test_series_evidence_refuses_a_wrong_claim_or_a_site(
    args: list[str], message: str, tmp_path: Path
) -> None:
    res = runner.invoke(app, ["stats", "series", "--what", "evidence", "--out",
                              str(tmp_path / "e.csv"), "--root", str(ROOT), *args])
    assert res.exit_code == 2
    assert message in res.output
    assert not (tmp_path / "e.csv").exists()


def _period_csv(tmp_path: Path, rows: list[tuple[str, int]]) -> Path:
    path = tmp_path / "p.csv"
    path.write_text("period,count\n" + "".join(f"{p},{c}\n" for p, c in rows), encoding="utf-8")
    return path


def test_period_ratio_is_the_ratio_of_the_two_monthly_means(tmp_path: Path) -> None:
    rows = [("before", c) for c in (9, 11, 10, 10)] + [("after", c) for c in (19, 21, 20, 20)]
    res = runner.invoke(app, ["stats", "period-ratio", "--csv", str(_period_csv(tmp_path, rows)),
                              "--y", "count", "--period", "period"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["rate_ratio"] == pytest.approx(20 / 10, rel=1e-9)
    assert (out["n_before"], out["n_after"], out["n"]) == (4, 4, 8)
    assert out["mean_before"] == 10 and out["mean_after"] == 20
    assert out["ci_low"] < 2 < out["ci_high"] and out["family"] == "quasipoisson"
    assert out["ljung_box_lags"] == 1 and out["hac_rule"] == "never_narrower"


@pytest.mark.parametrize(
    ("rows", "args", "message"),
    [
        ([("before", 3), ("later", 4)], [], "value 'later' must be before or after"),
        ([("after", 3), ("before", 4)], [], "a before month follows an after month"),
        ([("before", 3), ("after", 4)], ["--family", "negbin"], "--family must be one of"),
        ([("before", 3), ("after", 4)], ["--hac-rule", "always"], "--hac-rule must be one of"),
    ],
)
def test_period_ratio_refuses_bad_input_with_file_row_and_column(
    rows: list[tuple[str, int]], args: list[str], message: str, tmp_path: Path
) -> None:
    path = _period_csv(tmp_path, rows)
    res = runner.invoke(app, ["stats", "period-ratio", "--csv", str(path), "--y", "count",
                              "--period", "period", *args])
    assert res.exit_code == 2
    assert message in res.output
    if "must be before" in message or "follows" in message:
        assert "p.csv" in res.output and "row 3" in res.output and "period" in res.output


@pytest.mark.parametrize("before", [None, "/somewhere/else"])
def test_series_with_root_leaves_the_project_variable_as_it_was(
    before: str | None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # it once stayed set to --root after the command: a later in-process run in the same
    # process (a test) then read that project's params and data instead of its own
    if before is None:
        monkeypatch.delenv("CCS_PROJECT_ROOT", raising=False)
    else:
        monkeypatch.setenv("CCS_PROJECT_ROOT", before)
    res = runner.invoke(app, ["stats", "series", "--what", "awards", "--site", "norfolk",
                              "--out", str(tmp_path / "a.csv"), "--root", str(ROOT)])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "a.csv").read_text(encoding="utf-8").startswith("year,awards\n")
    import os

    assert os.environ.get("CCS_PROJECT_ROOT") == before
