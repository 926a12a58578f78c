"""Tests for `ccs-eval stats trend|its|spc`: the JSON equals direct calls of the methods.

Moved from the former tests of ccs_methods.analyses.trends (the commands call
ccs_methods.methods.trend, its and spc directly).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from ccs_methods.methods import its, spc, trend
from ccs_methods.pipeline.cli import app


def _step_series(n_pre: int = 24, n_post: int = 24) -> pd.DataFrame:
    rng = np.random.default_rng(20211210)
    months = pd.period_range("2017-10", periods=n_pre + n_post, freq="M")
    t = np.arange(n_pre + n_post)
    mu = 100 * np.exp(0.005 * t) * np.where(t >= n_pre, 1.4, 1.0)
    y = rng.poisson(mu)
    return pd.DataFrame({"month": [str(p) for p in months],
                         "date": months.to_timestamp(), "referrals": y})


runner = CliRunner()


def _write(path: Path, df: pd.DataFrame) -> Path:
    df.to_csv(path, index=False)
    return path


def _run(*args: str):
    return runner.invoke(app, ["stats", *args])


def test_cli_trend_json_equals_direct_calls(tmp_path: Path) -> None:
    y = [2201, 2684, 4950, 6600, 6050]
    x = [2018, 2019, 2020, 2021, 2022]
    f = _write(tmp_path / "awards.csv", pd.DataFrame({"year": x, "awards": y}))
    r = _run("trend", "--csv", str(f), "--y", "awards", "--x", "year", "--json")
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    xf = np.asarray(x, dtype=float)
    yf = np.asarray(y, dtype=float)
    assert out["n"] == 5 and out["file"] == str(f)
    assert out["mann_kendall"] == json.loads(json.dumps(trend.mann_kendall(yf, xf).to_dict()))
    assert out["theil_sen"] == json.loads(json.dumps(trend.theil_sen(yf, xf).to_dict()))
    assert out["glm"] == json.loads(json.dumps(trend.glm_trend(yf, xf).to_dict()))
    r2 = _run("trend", "--csv", str(f), "--y", "awards", "--x", "year", "--no-glm")
    assert "glm" not in json.loads(r2.stdout)


def test_cli_trend_accepts_dates_and_plain_text(tmp_path: Path) -> None:
    dates = ["2018-01-01", "2019-01-01", "2020-01-01", "2021-01-01"]
    f = _write(tmp_path / "d.csv", pd.DataFrame({"when": dates, "n": [10, 15, 22, 30]}))
    r = _run("trend", "--csv", str(f), "--y", "n", "--x", "when")
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert out["theil_sen"]["x_unit"] == "year"
    assert out["theil_sen"]["slope"] == trend.theil_sen([10, 15, 22, 30], dates).slope
    t = _run("trend", "--csv", str(f), "--y", "n", "--x", "when", "--no-json")
    assert t.exit_code == 0 and "mann_kendall.s: 6" in t.stdout
    with pytest.raises(json.JSONDecodeError):
        json.loads(t.stdout)


def test_cli_its_json_equals_direct_call(tmp_path: Path) -> None:
    s = _step_series()
    f = _write(tmp_path / "m.csv", pd.DataFrame({"month": s["date"].dt.strftime("%Y-%m-%d"),
                                                 "n": s["referrals"]}))
    r = _run("its", "--csv", str(f), "--date", "month", "--count", "n", "--breakpoint",
             "2019-10-01", "--covid-start", "2020-03-01", "--covid-end", "2021-07-01", "--hac",
             "--fourier-k", "2")
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    direct = its.segmented_regression(
        pd.read_csv(f), date_col="month", count_col="n", breakpoint="2019-10-01",
        fourier_k=2, covid=("2020-03-01", "2021-07-01"), cov_type="HAC")
    assert out["level_change"] == json.loads(json.dumps(direct.to_dict()["level_change"]))
    assert out["cumulative"] == pytest.approx(direct.cumulative)
    assert out["cov_type"] == "HAC" and out["n"] == len(s)
    # --covid-start alone: a step to the end of the series
    r2 = _run("its", "--csv", str(f), "--date", "month", "--count", "n", "--breakpoint",
              "2019-10-01", "--covid-start", "2020-03-01")
    assert r2.exit_code == 0, r2.output
    assert json.loads(r2.stdout)["covid"] == ["2020-03", s["month"].iloc[-1]]
    r3 = _run("its", "--csv", str(f), "--date", "month", "--count", "n", "--breakpoint",
              "2019-10-01", "--covid-end", "2021-07-01")
    assert r3.exit_code == 2 and "--covid-start" in r3.stderr and str(f) in r3.stderr


def test_cli_spc_json_equals_direct_call(tmp_path: Path) -> None:
    vals = [20, 22, 19, 25, 21, 40, 23, 22, 20, 24, 26, 21, 22]
    dates = [f"2021-{m:02d}" for m in range(1, 13)] + ["2022-01"]
    f = _write(tmp_path / "s.csv", pd.DataFrame({"m": dates, "v": vals}))
    r = _run("spc", "--csv", str(f), "--value", "v", "--date", "m", "--json")
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    direct = spc.xmr(np.asarray(vals, dtype=float), dates).to_dict()
    assert {k: out[k] for k in direct} == json.loads(json.dumps(direct))
    assert out["outside_limits"][5] is True
    t = _run("spc", "--csv", str(f), "--value", "v", "--no-json")
    assert "special_cause:" in t.stdout and "ucl:" in t.stdout


@pytest.mark.parametrize(
    ("args", "column"),
    [
        (["trend", "--y", "awards", "--x", "yr"], "yr"),
        (["trend", "--y", "count", "--x", "year"], "count"),
        (["its", "--date", "month", "--count", "n", "--breakpoint", "2019-10-01"], "month"),
        (["spc", "--value", "v"], "v"),
        (["spc", "--value", "awards", "--date", "when"], "when"),
    ],
)
def test_cli_missing_column_exits_2_naming_file_and_column(tmp_path: Path, args, column) -> None:
    f = _write(tmp_path / "x.csv", pd.DataFrame({"year": [2018, 2019, 2020],
                                                 "awards": [1, 2, 3]}))
    r = _run(args[0], "--csv", str(f), *args[1:])
    assert r.exit_code == 2
    assert str(f) in r.stderr and f"column '{column}'" in r.stderr
    assert "Traceback" not in r.output


def test_cli_bad_values_and_method_errors_exit_2(tmp_path: Path) -> None:
    f = _write(tmp_path / "bad.csv", pd.DataFrame({"year": [2018, 2019, 2020, 2021],
                                                   "n": ["10", "15", "x", "30"]}))
    r = _run("trend", "--csv", str(f), "--y", "n", "--x", "year")
    assert r.exit_code == 2
    assert f"{f}, row 4, column 'n'" in r.stderr and "'x'" in r.stderr
    r = _run("spc", "--csv", str(f), "--value", "n")
    assert r.exit_code == 2 and "row 4" in r.stderr
    const = _write(tmp_path / "c.csv", pd.DataFrame({"year": [1, 2, 3], "n": [5, 5, 5]}))
    r = _run("trend", "--csv", str(const), "--y", "n", "--x", "year")
    assert r.exit_code == 2 and str(const) in r.stderr and "equal" in r.stderr
    short = _write(tmp_path / "short.csv", pd.DataFrame(
        {"month": pd.date_range("2021-01-01", periods=6, freq="MS").strftime("%Y-%m-%d"),
         "n": [1, 2, 3, 4, 5, 6]}))
    r = _run("its", "--csv", str(short), "--date", "month", "--count", "n", "--breakpoint",
             "2021-04-01")
    assert r.exit_code == 2 and str(short) in r.stderr and "at least" in r.stderr
    r = _run("trend", "--csv", str(tmp_path / "nope.csv"), "--y", "n", "--x", "year")
    assert r.exit_code == 2 and "nope.csv" in r.stderr
