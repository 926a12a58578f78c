"""Tests for ccs_methods.analyses.lwa: award series, trend tests, E14, the year's change, XmR.

The analyses only select data and call the tested methods (trend, rates, spc), so the tests
check that the numbers they return are those of the methods called directly on independently
prepared data, and that the options come in as arguments (settings of params/analysis.yml).
"""

from __future__ import annotations

import itertools
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ccs_methods.analyses import lwa
from ccs_methods.analyses.trend_data import LWA, load_dataset
from ccs_methods.data.params import load_params
from ccs_methods.data.published import load_figures
from ccs_methods.errors import MethodInputError
from ccs_methods.methods import rates, spc, trend

ROOT = Path(__file__).resolve().parents[1]
OPTS = {"autocorrelation_p": 0.05, "hac_rule": "never_narrower", "family": "quasipoisson"}


@pytest.fixture(scope="module")
def params():
    return load_params(ROOT / "params")


def awards_frame(site: str, annual: dict[int, int], *, types=("all",), unit="awards",
                 scheme="NAS") -> pd.DataFrame:
    """Monthly rows whose calendar-year totals are exactly ``annual`` (split over types)."""
    rows = []
    weights = np.array([1.3, 1.1, 1.0, 0.9, 0.9, 0.8, 0.9, 0.7, 1.0, 1.1, 1.2, 1.1])
    for year, total in annual.items():
        per_type = [total // len(types)] * len(types)
        per_type[0] += total - sum(per_type)
        for t, tt in zip(types, per_type, strict=True):
            base = np.floor(tt * weights / weights.sum()).astype(int).tolist()
            for k in range(tt - sum(base)):
                base[k] += 1
            for m in range(12):
                rows.append({"site": site, "month": f"{year}-{m + 1:02d}", "scheme": scheme,
                             "payment_type": t, "awards": base[m], "unit": unit})
    return pd.DataFrame(rows)


def _annual(counts: dict[int, int]) -> pd.DataFrame:
    return lwa.annual_awards(lwa.monthly_awards(awards_frame("norfolk", counts), "norfolk"))


def test_monthly_awards_sums_payment_types_and_flags_incomplete_months() -> None:
    df = pd.DataFrame({"site": ["swansea"] * 3 + ["norfolk"],
                       "month": ["2019-01", "2019-01", "2019-02", "2019-01"],
                       "payment_type": ["EAP", "IAP", "EAP", "all"], "awards": [10, 4, 7, 99]})
    m = lwa.monthly_awards(df, "swansea")
    assert m["month"].tolist() == ["2019-01", "2019-02"]
    assert m["awards"].tolist() == [14.0, 7.0]
    assert m["EAP"].tolist() == [10, 7]
    assert m["complete"].tolist() == [True, False]  # February has no IAP row


def test_monthly_awards_bad_input() -> None:
    with pytest.raises(MethodInputError, match="no rows for site 'oldham'"):
        lwa.monthly_awards(awards_frame("norfolk", {2018: 120}), "oldham")
    with pytest.raises(MethodInputError, match="column 'awards' not found"):
        lwa.monthly_awards(pd.DataFrame({"site": ["x"], "month": ["2019-01"]}), "x")


def test_annual_awards_totals_and_complete_years() -> None:
    df = awards_frame("norfolk", {2018: 1200, 2019: 2400})
    df = df[~(df["month"] >= "2019-07")]  # half of 2019
    a = lwa.annual_awards(lwa.monthly_awards(df, "norfolk"))
    assert a["year"].tolist() == [2018, 2019]
    assert a["awards"].tolist() == [1200, 1200]
    assert a["months"].tolist() == [12, 6]
    assert a["complete"].tolist() == [True, False]


def test_unit_word(params) -> None:
    assert lwa.unit_word(params.site("norfolk")) == "awards"
    assert lwa.unit_word(params.site("oldham")) == "items awarded"


def test_site_awards_keeps_listed_years_only(params) -> None:
    frame = awards_frame("norfolk", {2018: 1200, 2019: 1500, 2020: 2500, 2021: 3100, 2023: 5})
    aw = lwa.site_awards(params, "norfolk", frame, synthetic=False)
    assert aw.usable and not aw.synthetic
    assert aw.complete_years == [2018, 2019, 2020, 2021] and aw.partial_years == []
    assert aw.dropped_months == 12  # 2023 lies after the last listed programme year
    assert aw.scheme_short == "NAS" and aw.unit_word == "awards" and aw.data_unit == "awards"
    assert aw.types == []
    none = lwa.site_awards(params, "oldham", frame, synthetic=False)
    assert not none.usable and none.dropped_months == 0


def test_annual_table_shows_types_and_completeness(params) -> None:
    frame = awards_frame("swansea", {2019: 1000, 2020: 1500}, types=("EAP", "IAP"),
                         scheme="DAF")
    aw = lwa.site_awards(params, "swansea", frame, synthetic=False)
    t = lwa.annual_table(aw)
    assert aw.types == ["EAP", "IAP"]
    assert list(t.columns) == ["EAP awards", "IAP awards", "awards (total)", "months with data",
                               "complete year"]
    assert t.loc["2020", "awards (total)"] == "1,500" and t.loc["2019", "complete year"] == "yes"


def test_lwa_trend_against_independent_expectations() -> None:
    """S, the exact p, the Theil-Sen slope and the GLM written out independently."""
    import statsmodels.api as sm
    from scipy import stats

    y = [1200, 1500, 2500, 3100, 2900]
    tr = lwa.lwa_trend(_annual(dict(zip(range(2018, 2023), y, strict=True))),
                       min_complete_years=3, glm_family="auto")
    assert tr is not None and tr.n == 5
    assert tr.years == [2018, 2019, 2020, 2021, 2022] and tr.counts == y
    assert tr.mann_kendall.s == 8
    s_all = [sum(np.sign(p[j] - p[i]) for i in range(5) for j in range(i + 1, 5))
             for p in itertools.permutations(range(5))]
    assert tr.mann_kendall.p_value == pytest.approx(np.mean(np.abs(s_all) >= 8))
    slopes = [(y[j] - y[i]) / (j - i) for i in range(5) for j in range(i + 1, 5)]
    assert tr.theil_sen.slope == pytest.approx(float(np.median(slopes)))
    xc = np.arange(5.0) - 2.0
    fit = sm.GLM(y, sm.add_constant(xc), family=sm.families.Poisson()).fit(scale="X2")
    b, se = float(fit.params[1]), float(fit.bse[1])
    q = stats.t.ppf(0.975, 3)
    assert tr.glm.family == "quasipoisson"
    assert tr.glm.rate_ratio == pytest.approx(math.exp(b), rel=1e-9)
    assert tr.glm.ci_low == pytest.approx(math.exp(b - q * se), rel=1e-7)
    res = tr.result()
    assert res["rate_ratio"] == tr.glm.rate_ratio and res["n"] == 5 and res["dataset"] == LWA
    json.dumps(res, allow_nan=False)


def test_lwa_trend_options_are_arguments() -> None:
    annual = _annual({2018: 1200, 2019: 1500, 2020: 2500})
    assert lwa.lwa_trend(annual, min_complete_years=3, glm_family="auto") is not None
    assert lwa.lwa_trend(annual, min_complete_years=4, glm_family="auto") is None
    pois = lwa.lwa_trend(annual, min_complete_years=3, glm_family="poisson")
    assert pois.glm.family == "poisson"


def test_trend_tests_table_equals_the_methods() -> None:
    tr = lwa.lwa_trend(_annual({2018: 1200, 2019: 1500, 2020: 2500, 2021: 3100}),
                       min_complete_years=3, glm_family="auto")
    t = lwa.trend_tests_table(tr, "awards")
    assert t.loc["Mann–Kendall S (exact)", "estimate"] == str(tr.mann_kendall.s)
    assert t.loc["Mann–Kendall S (exact)", "p-value"] == f"p = {tr.mann_kendall.p_value:.3f}"
    row = next(i for i in t.index if i.startswith("GLM"))
    g = tr.glm
    assert t.loc[row, "estimate"] == f"{g.rate_ratio:.2f}"
    assert t.loc[row, "95% interval"] == f"{g.ci_low:.2f} to {g.ci_high:.2f}"
    assert "Theil–Sen slope (awards per year)" in t.index


def test_e14_comparisons_recompute_published_ratio() -> None:
    fig = load_figures()
    pub = fig[(fig["exhibit"] == "E14") & (fig["site"] == "norfolk")]
    monthly = lwa.monthly_awards(
        awards_frame("norfolk", {2018: 1200, 2019: 1500, 2020: 2500, 2021: 3600}), "norfolk")
    out = lwa.e14_comparisons(lwa.annual_awards(monthly), monthly, pub, **OPTS)
    row = out.iloc[0]
    assert row["comparison"] == "2018 → 2021"
    assert row["computed"] == "×3.00" and row["published"] == "×3"
    assert row["percent change"] == "+200.0%"
    per = monthly["month"].str[:4]
    direct = rates.period_ratio(monthly.loc[per == "2018", "awards"].tolist(),
                                monthly.loc[per == "2021", "awards"].tolist(),
                                autocorrelation_p=0.05, hac_rule="never_narrower")
    assert row["rate ratio (95% CI)"] == (
        f"{direct.rate_ratio:.2f} ({direct.ci_low:.2f} to {direct.ci_high:.2f})")
    assert row["n (months)"] == 24 and "Key finding 10" in row["source"]
    items = lwa.e14_items(lwa.annual_awards(monthly), monthly, pub, **OPTS)
    assert items[0]["a"] == 1200 and items[0]["b"] == 3600 and items[0]["published_ratio"] == 3


def test_e14_comparisons_base_year_not_stated_and_missing_year() -> None:
    fig = load_figures()
    pub = fig[(fig["exhibit"] == "E14") & (fig["site"] == "tower_hamlets")]
    monthly = lwa.monthly_awards(
        awards_frame("tower_hamlets", {2018: 1200, 2019: 1500, 2020: 3060}, scheme="RSS"),
        "tower_hamlets")
    out = lwa.e14_comparisons(lwa.annual_awards(monthly), monthly, pub, **OPTS)
    assert out.iloc[0]["comparison"] == "2018 → 2020"
    assert out.iloc[0]["computed"] == "+155.0%"
    assert "base year not stated" in out.iloc[0]["note"]
    nf = fig[(fig["exhibit"] == "E14") & (fig["site"] == "norfolk")]
    short = lwa.monthly_awards(awards_frame("norfolk", {2018: 1200, 2019: 1500}), "norfolk")
    gone = lwa.e14_comparisons(lwa.annual_awards(short), short, nf, **OPTS)
    assert gone.iloc[0]["computed"].startswith("not available: 2021")
    assert lwa.e14_comparisons(lwa.annual_awards(short), short, nf.iloc[0:0], **OPTS).empty


def test_year_vs_previous_and_table_equal_direct_calls(params) -> None:
    frame = awards_frame("norfolk", {2018: 1200, 2019: 1500, 2020: 2500, 2021: 3100})
    monthly = lwa.monthly_awards(frame, "norfolk")
    year = params.programme.year(1)
    yc = lwa.year_vs_previous(monthly, year, **OPTS)
    per = pd.PeriodIndex(monthly["month"], freq="M")
    prev = monthly.loc[(per >= pd.Period("2018-10", "M")) & (per <= pd.Period("2019-09", "M")),
                       "awards"].tolist()
    now = monthly.loc[(per >= pd.Period("2019-10", "M")) & (per <= pd.Period("2020-09", "M")),
                      "awards"].tolist()
    direct = rates.period_ratio(prev, now, autocorrelation_p=0.05, hac_rule="never_narrower")
    assert yc.ratio.rate_ratio == direct.rate_ratio and yc.ratio.ci_low == direct.ci_low
    assert yc.now_total == sum(now) and yc.before_total == sum(prev)
    assert yc.percent == pytest.approx(100 * (sum(now) / sum(prev) - 1))
    t = lwa.year_table(yc, "awards", year.label)
    rr_row = next(i for i in t.index if i.startswith("rate ratio"))
    assert t.loc[rr_row, "value"] == (
        f"{direct.rate_ratio:.2f} ({direct.ci_low:.2f} to {direct.ci_high:.2f})")
    late = lwa.year_vs_previous(monthly, params.programme.year(3), **OPTS)
    assert late.ratio is None and lwa.year_table(late, "awards", "Year 3").empty


def test_monthly_xmr_and_tables_equal_spc(params) -> None:
    frame = awards_frame("norfolk", {2018: 1200, 2019: 1500, 2020: 2500, 2021: 3100})
    monthly = lwa.monthly_awards(frame, "norfolk")
    start = params.programme.ccs_start
    dates = list(monthly["date"])
    x = lwa.monthly_xmr(monthly["awards"], dates, ccs_start=start, min_baseline_points=12)
    direct = spc.xmr(monthly["awards"].to_numpy(dtype=float), dates, baseline=21)
    assert (x.lcl, x.ucl, x.n_baseline) == (direct.lcl, direct.ucl, 21)
    assert lwa.xmr_baseline(dates, start, min_baseline_points=12) == 21
    assert lwa.xmr_baseline(dates, start, min_baseline_points=22) is None
    flagged, meanings = lwa.xmr_tables(x)
    assert meanings["points flagged"].tolist() == [
        x.summary[k] for k in ("outside_limits", "shift", "trend", "two_of_three")]
    assert flagged["n (months)"].sum() == x.summary["special_cause"]
    calm = spc.xmr([10, 11, 10, 11, 10, 11, 10, 11, 10, 11, 10, 11])
    assert lwa.xmr_tables(calm)[0]["why flagged"].iloc[0] == "no special-cause variation"


def test_shipped_data_trend_equals_direct_calls(params) -> None:
    """The Norfolk trend from the shipped data equals the methods on hand-made annual totals."""
    raw = load_dataset(params, LWA)
    raw = raw[raw["site"] == "norfolk"]
    annual = raw.groupby(raw["month"].str[:4])["awards"].sum()
    months = raw.groupby(raw["month"].str[:4])["month"].nunique()
    annual = annual[months == 12]
    years = np.asarray([int(y) for y in annual.index], dtype=float)
    aw = lwa.site_awards(params, "norfolk", load_dataset(params, LWA))
    s = params.analysis.lwa_trend
    tr = lwa.lwa_trend(aw.annual, min_complete_years=s.min_complete_years,
                       glm_family=s.glm_family)
    glm = trend.glm_trend(annual.to_numpy(), years, family=s.glm_family)
    assert tr.glm.rate_ratio == glm.rate_ratio and tr.years == [int(y) for y in years]
