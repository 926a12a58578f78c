"""Tests for ccs_methods.analyses.trends (trend sections of the pages) and `ccs-eval stats`.

The sections only select data, call the tested methods of ccs_methods.methods.trend / its / spc and
lay out the results, so the tests check (1) that the numbers shown are exactly those of the
underlying method called directly on independently prepared data, (2) that every figure has
a title, axis labels, a source line and alt text, (3) that pages without data get a note,
not an error, and (4) that results are deterministic and JSON-serialisable. The CLI tests
compare `ccs-eval stats trend|its|spc --json` with direct calls.
"""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from ccs_methods.analyses import published as sitepage
from ccs_methods.analyses import trends as ts
from ccs_methods.data.params import load_params
from ccs_methods.data.published import load_figures
from ccs_methods.errors import MethodInputError
from ccs_methods.methods import contribution, its, spc, trend
from ccs_methods.pipeline.cli import app
from ccs_methods.report import pages, plots

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def params():
    return load_params(ROOT / "params")


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


# ----------------------------------------------------------------------------------------
# hand-made data
# ----------------------------------------------------------------------------------------
def _awards_frame(site: str, annual: dict[int, int], *, types=("all",), unit="awards",
                  scheme="NAS") -> pd.DataFrame:
    """Monthly rows whose calendar-year totals are exactly ``annual`` (split over types)."""
    rows = []
    for year, total in annual.items():
        per_type = [total // len(types)] * len(types)
        per_type[0] += total - sum(per_type)
        for t, tt in zip(types, per_type, strict=True):
            weights = np.array([1.3, 1.1, 1.0, 0.9, 0.9, 0.8, 0.9, 0.7, 1.0, 1.1, 1.2, 1.1])
            base = np.floor(tt * weights / weights.sum()).astype(int).tolist()
            for k in range(tt - sum(base)):
                base[k] += 1
            for m in range(12):
                rows.append({"site": site, "month": f"{year}-{m + 1:02d}", "scheme": scheme,
                             "payment_type": t, "awards": base[m], "unit": unit})
    return pd.DataFrame(rows)


def _referral_records(counts: dict[str, int], site: str = "norfolk") -> pd.DataFrame:
    """Referral records: ``counts[month]`` referrals on the first of each month."""
    rows = []
    for month, n in counts.items():
        rows += [{"date": pd.Timestamp(f"{month}-01"), "site": site, "from_sector": "vcs",
                  "to_sector": "vcs"}] * n
    return pd.DataFrame(rows)


def _figures_ok(section: sitepage.Section) -> list[plots.Figure]:
    figs = [f for f in [section.figure, *section.figures] if f is not None]
    for fig in figs:
        alt = getattr(fig, "alt_text", "")
        assert isinstance(alt, str) and len(alt) > 40
        ax = fig.axes[0]
        assert ax.get_title(loc="left") or fig._suptitle is not None
        assert any(a.get_xlabel() for a in fig.axes)
        texts = [t.get_text() for t in fig.texts]
        assert any(t.startswith("Source:") or "Source:" in t for t in texts)
    return figs


def _listed_annual_independent(params, site: str) -> pd.DataFrame:
    """Annual award totals of the complete calendar years inside the listed programme years.

    Written with pandas only: months before the end of the last listed programme year (the
    site files list contiguous years from 0), then calendar years with 12 distinct months.
    """
    from ccs_methods.data import datasets

    listed = params.site(site).datasets["lwa_awards"]
    last = params.programme.year(max(listed)).end if max(listed) > 0 else \
        params.programme.years[0].start - pd.Timedelta(days=1)
    cutoff = pd.Timestamp(last).strftime("%Y-%m")
    raw = datasets.load_record(params, "lwa_awards")
    raw = raw[(raw["site"] == site) & (raw["month"] <= cutoff)]
    g = raw.groupby(raw["month"].str[:4])
    out = pd.DataFrame({"awards": g["awards"].sum(), "months": g["month"].nunique()})
    out = out[out["months"] == 12]
    out.index = out.index.astype(int)
    return out


def _ncan_monthly_independent(params) -> pd.DataFrame:
    """NCAN referrals per month from the raw CSV with pandas only (independent of the module)."""
    from ccs_methods.data import datasets

    raw = datasets.load_record(params, "referrals_ncan")
    m = raw["date"].dt.to_period("M").value_counts().sort_index()
    idx = pd.period_range(m.index.min(), m.index.max(), freq="M")
    m = m.reindex(idx, fill_value=0)
    return pd.DataFrame({"date": idx.to_timestamp(), "count": m.to_numpy()})


# ----------------------------------------------------------------------------------------
# data preparation
# ----------------------------------------------------------------------------------------
def test_monthly_awards_sums_payment_types_and_flags_incomplete_months() -> None:
    df = pd.DataFrame(
        {
            "site": ["swansea"] * 3 + ["norfolk"],
            "month": ["2019-01", "2019-01", "2019-02", "2019-01"],
            "payment_type": ["EAP", "IAP", "EAP", "all"],
            "awards": [10, 4, 7, 99],
        }
    )
    m = ts.monthly_awards(df, "swansea")
    assert m["month"].tolist() == ["2019-01", "2019-02"]
    assert m["awards"].tolist() == [14.0, 7.0]
    assert m["EAP"].tolist() == [10, 7]
    assert m["complete"].tolist() == [True, False]  # February has no IAP row


def test_monthly_awards_bad_input() -> None:
    with pytest.raises(MethodInputError, match="no rows for site 'oldham'"):
        ts.monthly_awards(_awards_frame("norfolk", {2018: 120}), "oldham")
    with pytest.raises(MethodInputError, match="column 'awards' not found"):
        ts.monthly_awards(pd.DataFrame({"site": ["x"], "month": ["2019-01"]}), "x")


def test_annual_awards_totals_and_complete_years() -> None:
    df = _awards_frame("norfolk", {2018: 1200, 2019: 2400})
    df = df[~(df["month"] >= "2019-07")]  # half of 2019
    a = ts.annual_awards(ts.monthly_awards(df, "norfolk"))
    assert a["year"].tolist() == [2018, 2019]
    assert a["awards"].tolist() == [1200, 1200]
    assert a["months"].tolist() == [12, 6]
    assert a["complete"].tolist() == [True, False]


def test_monthly_referrals_zero_fills_gaps() -> None:
    recs = _referral_records({"2021-03": 2, "2021-05": 3})
    m = ts.monthly_referrals(recs, "norfolk")
    assert m["month"].tolist() == ["2021-03", "2021-04", "2021-05"]
    assert m["referrals"].tolist() == [2, 0, 3]
    with pytest.raises(MethodInputError, match="no records"):
        ts.monthly_referrals(recs, "oldham")
    with pytest.raises(MethodInputError, match="column 'date'"):
        ts.monthly_referrals(pd.DataFrame({"x": [1]}))


# ----------------------------------------------------------------------------------------
# analyses
# ----------------------------------------------------------------------------------------
def test_lwa_trend_against_independent_expectations() -> None:
    """S, the exact p, the Theil–Sen slope and the GLM written out independently."""
    import itertools

    import statsmodels.api as sm
    from scipy import stats

    annual = ts.annual_awards(ts.monthly_awards(
        _awards_frame("norfolk", {2018: 1200, 2019: 1500, 2020: 2500, 2021: 3100, 2022: 2900}),
        "norfolk"))
    tr = ts.lwa_trend(annual)
    assert tr is not None
    y = [1200, 1500, 2500, 3100, 2900]
    assert tr.years == [2018, 2019, 2020, 2021, 2022] and tr.counts == y
    # S by counting pairs: 9 rising, 1 falling
    assert tr.mann_kendall.s == 8
    # exact p by enumerating the 5! orderings
    s_all = [sum(np.sign(p[j] - p[i]) for i in range(5) for j in range(i + 1, 5))
             for p in itertools.permutations(range(5))]
    assert tr.mann_kendall.p_value == pytest.approx(np.mean(np.abs(s_all) >= 8))
    slopes = [(y[j] - y[i]) / (j - i) for i in range(5) for j in range(i + 1, 5)]
    assert tr.theil_sen.slope == pytest.approx(float(np.median(slopes)))
    # n = 5, no ties: exact interval = [min slope, max slope], coverage 1 - 2/5!
    assert (tr.theil_sen.ci_low, tr.theil_sen.ci_high) == (min(slopes), max(slopes))
    assert tr.theil_sen.coverage == pytest.approx(1 - 2 / 120)
    # quasi-Poisson (overdispersed, n < 8) written out in statsmodels with t on 3 df
    xc = np.arange(5.0) - 2.0
    fit = sm.GLM(y, sm.add_constant(xc), family=sm.families.Poisson()).fit(scale="X2")
    assert fit.pearson_chi2 / 3 > 1.5 and tr.glm.family == "quasipoisson"
    b, se = float(fit.params[1]), float(fit.bse[1])
    q = stats.t.ppf(0.975, 3)
    assert tr.glm.rate_ratio == pytest.approx(math.exp(b), rel=1e-9)
    assert tr.glm.ci_low == pytest.approx(math.exp(b - q * se), rel=1e-7)
    assert tr.glm.ci_high == pytest.approx(math.exp(b + q * se), rel=1e-7)
    res = tr.result()
    assert res["rate_ratio"] == tr.glm.rate_ratio and res["n"] == 5
    json.dumps(res, allow_nan=False)


@pytest.mark.parametrize(
    ("counts", "words"),
    [
        ({2018: 1200, 2019: 1500, 2020: 2500, 2021: 3100, 2022: 3900},
         ("they rose overall", "point to a rise")),
        ({2018: 3900, 2019: 3100, 2020: 2500, 2021: 1500, 2022: 1200},
         ("they fell overall", "point to a fall")),
        ({2018: 2000, 2019: 2600, 2020: 1900, 2021: 2500, 2022: 2100},
         ("", "direction is not settled")),
    ],
)
def test_lwa_reading_follows_the_data(counts, words) -> None:
    """The reading's direction words come from S and the rate ratio's interval."""
    annual = ts.annual_awards(ts.monthly_awards(_awards_frame("norfolk", counts), "norfolk"))
    tr = ts.lwa_trend(annual)
    text = ts._lwa_reading(tr, "awards")
    for w in words:
        assert w in text
    for other in ("point to a rise", "point to a fall", "direction is not settled"):
        if other not in words:
            assert other not in text


def test_lwa_trend_needs_three_complete_years() -> None:
    annual = ts.annual_awards(ts.monthly_awards(
        _awards_frame("norfolk", {2018: 1200, 2019: 1500}), "norfolk"))
    assert ts.lwa_trend(annual) is None


def test_period_ratio_is_ratio_of_monthly_means_with_quasipoisson_interval() -> None:
    """Ratio of means; the interval from a quasi-Poisson fit written out (t on n - 2 df)."""
    import statsmodels.api as sm
    from scipy import stats

    before, after = [10, 12, 9, 11], [20, 18, 25, 21, 19]
    r = ts.period_ratio(before, after)
    assert r.rate_ratio == pytest.approx(np.mean(after) / np.mean(before), rel=1e-9)
    assert r.cov_type == "nonrobust" and r.ljung_box_p >= ts.AUTOCORRELATION_P
    x = np.array([0.0] * 4 + [1.0] * 5)
    fit = sm.GLM(before + after, sm.add_constant(x - x.mean()),
                 family=sm.families.Poisson()).fit(scale="X2")
    q = stats.t.ppf(0.975, 7)
    b, se = float(fit.params[1]), float(fit.bse[1])
    assert r.ci_low == pytest.approx(math.exp(b - q * se), rel=1e-7)
    assert r.ci_high == pytest.approx(math.exp(b + q * se), rel=1e-7)
    assert r.n == 9
    with pytest.raises(MethodInputError):
        ts.period_ratio([], [1, 2])


def test_period_ratio_uses_newey_west_when_months_are_autocorrelated() -> None:
    """A smooth wave within each period: Ljung–Box flags it and HAC errors are used."""
    wave = [100 + round(40 * math.sin(2 * math.pi * m / 12)) for m in range(12)]
    before, after = wave, [v + 30 for v in wave]
    r = ts.period_ratio(before, after)
    assert r.ljung_box_p < ts.AUTOCORRELATION_P
    assert r.cov_type == "HAC" and r.glm.hac_lags >= 1
    assert "Newey–West" in r.method_text()
    assert r.rate_ratio == pytest.approx(np.mean(after) / np.mean(before), rel=1e-9)


def test_e14_comparisons_recompute_published_ratio() -> None:
    fig = load_figures()
    pub = fig[(fig["exhibit"] == "E14") & (fig["site"] == "norfolk")]
    monthly = ts.monthly_awards(
        _awards_frame("norfolk", {2018: 1200, 2019: 1500, 2020: 2500, 2021: 3600}), "norfolk")
    out = ts.e14_comparisons(ts.annual_awards(monthly), monthly, pub)
    row = out.iloc[0]
    assert row["comparison"] == "2018 → 2021"
    assert row["computed"] == "×3.00" and row["published"] == "×3"
    assert row["percent change"] == "+200.0%"
    per = monthly["month"].str[:4]
    direct = ts.period_ratio(monthly.loc[per == "2018", "awards"].tolist(),
                             monthly.loc[per == "2021", "awards"].tolist())
    assert row["rate ratio (95% CI)"] == (
        f"{direct.rate_ratio:.2f} ({direct.ci_low:.2f} to {direct.ci_high:.2f})"
    )
    assert row["n (months)"] == 24
    assert "Key finding 10" in row["source"]


def test_e14_comparisons_base_year_not_stated_is_said() -> None:
    fig = load_figures()
    pub = fig[(fig["exhibit"] == "E14") & (fig["site"] == "tower_hamlets")]
    monthly = ts.monthly_awards(
        _awards_frame("tower_hamlets", {2018: 1200, 2019: 1500, 2020: 3060}, scheme="RSS"),
        "tower_hamlets")
    out = ts.e14_comparisons(ts.annual_awards(monthly), monthly, pub)
    assert out.iloc[0]["comparison"] == "2018 → 2020"
    assert out.iloc[0]["computed"] == "+155.0%"
    assert "base year not stated" in out.iloc[0]["note"]


def test_e15_flows_counts_lwa_vcs_both_ways() -> None:
    recs = pd.DataFrame(
        {
            "date": pd.to_datetime(["2019-02-01", "2019-03-01", "2021-01-05", "2021-06-01"]),
            "from_sector": ["lwa", "vcs", "lwa", "statutory"],
            "to_sector": ["vcs", "lwa", "vcs", "lwa"],
        }
    )
    out = ts.e15_flows(recs)
    assert out.to_dict("list") == {"year": [2019, 2021], "lwa_to_vcs": [1, 1],
                                   "vcs_to_lwa": [1, 0]}
    with pytest.raises(MethodInputError, match="from_sector"):
        ts.e15_flows(recs.drop(columns="from_sector"))


def _step_series(n_pre: int = 24, n_post: int = 24) -> pd.DataFrame:
    rng = np.random.default_rng(20211210)
    months = pd.period_range("2017-10", periods=n_pre + n_post, freq="M")
    t = np.arange(n_pre + n_post)
    mu = 100 * np.exp(0.005 * t) * np.where(t >= n_pre, 1.4, 1.0)
    y = rng.poisson(mu)
    return pd.DataFrame({"month": [str(p) for p in months],
                         "date": months.to_timestamp(), "referrals": y})


def test_counterfactual_window_reproduces_whole_post_period(params) -> None:
    a = ts.referral_its(params, _step_series())
    res = a.result
    w = ts.counterfactual_window(res, res.dates[res.n_pre], res.dates[-1])
    assert w is not None and w["months"] == res.n_post
    for k in ("observed", "counterfactual", "difference", "ci_low", "ci_high", "percent",
              "percent_ci_low", "percent_ci_high", "counterfactual_ci_low",
              "counterfactual_ci_high"):
        assert w[k] == pytest.approx(res.cumulative[k], rel=1e-7), k
    assert ts.counterfactual_window(res, "2030-01-01", "2030-12-31") is None
    one = ts.counterfactual_window(res, res.dates[-1], res.dates[-1])
    assert one["observed"] == res.observed[-1]
    assert one["counterfactual"] == pytest.approx(res.counterfactual[-1], rel=1e-9)
    assert one["counterfactual_ci_low"] == pytest.approx(res.counterfactual_ci_low[-1],
                                                         rel=1e-7)


def test_referral_its_uses_params_settings_and_finds_a_known_step(params) -> None:
    """Settings from params; the estimate equals a GLM written out by hand in statsmodels."""
    import statsmodels.api as sm

    s = _step_series()
    a = ts.referral_its(params, s)
    res = a.result
    c = params.programme.covid
    assert res.breakpoint == str(pd.Timestamp(params.programme.ccs_start).to_period("M"))
    assert res.covid == [str(pd.Timestamp(c.period_start).to_period("M")),
                         str(pd.Timestamp(c.period_end).to_period("M"))]
    assert res.fourier_k == ts.ITS_FOURIER_K and res.family == "quasipoisson"
    months = pd.PeriodIndex(s["month"], freq="M")
    t = np.arange(len(s), dtype=float)
    post = (t >= 24).astype(float)
    cols = [np.ones(len(s)), t, post, (t - 23) * post]
    for k in (1, 2):
        cols += [np.sin(2 * np.pi * k * months.month / 12),
                 np.cos(2 * np.pi * k * months.month / 12)]
    cols.append(np.array([pd.Period(res.covid[0], "M") <= p <= pd.Period(res.covid[1], "M")
                          for p in months], dtype=float))
    X = np.column_stack(cols)
    keep = [i for i in range(X.shape[1]) if np.ptp(X[:, i]) > 1e-12 or i == 0]
    fit = sm.GLM(s["referrals"].to_numpy(float), X[:, keep],
                 family=sm.families.Poisson()).fit(scale="X2")
    assert res.level_change["rate_ratio"] == pytest.approx(math.exp(fit.params[2]), rel=1e-6)
    assert res.slope_change["rate_ratio"] == pytest.approx(math.exp(fit.params[3]), rel=1e-6)
    assert res.level_change["ci_low"] > 1.0  # the built-in 40% step is found


@pytest.mark.parametrize(
    ("growth", "step", "pre_word", "step_word"),
    [(0.01, 1.4, "were rising", "a step up"), (-0.01, 0.6, "were falling", "a step down")],
)
def test_its_reading_follows_the_data(params, growth, step, pre_word, step_word) -> None:
    """The referral reading's direction words flip when the data flip."""
    rng = np.random.default_rng(7)
    months = pd.period_range("2017-10", periods=48, freq="M")
    t = np.arange(48)
    y = rng.poisson(200 * np.exp(growth * t) * np.where(t >= 24, step, 1.0))
    recs = _referral_records(dict(zip([str(m) for m in months], y, strict=True)))
    sec = ts.referrals_section(pages.page_context(params, "norfolk", 1), referrals=recs,
                               synthetic=False)
    reading = next(m for m in sec.markdown if m.startswith("**Reading.**"))
    assert pre_word in reading and step_word in reading
    other_pre = {"were rising", "were falling"} - {pre_word}
    assert not any(w in reading for w in other_pre)
    model = next(m for m in sec.markdown if m.startswith("**Model.**"))
    assert "Covid-19 shift kept" in model


# ----------------------------------------------------------------------------------------
# LWA section
# ----------------------------------------------------------------------------------------
def test_lwa_section_shipped_data_numbers_equal_direct_calls(params) -> None:
    from ccs_methods.data import datasets

    ctx = pages.page_context(params, "norfolk", 2)
    sec = ts.lwa_section(ctx)
    assert sec.note is None and sec.banner and "Synthetic" in sec.banner
    assert len(_figures_ok(sec)) == 2
    # independent annual totals straight from the file, listed programme years only
    annual = _listed_annual_independent(params, "norfolk")["awards"]
    years = [int(y) for y in annual.index]
    raw = datasets.load_record(params, "lwa_awards")
    assert raw.loc[raw["site"] == "norfolk", "month"].max() == "2021-12"  # data end with E14
    assert max(years) == 2021  # Year 3 is listed, so calendar 2021 is complete
    glm = trend.glm_trend(annual.to_numpy(), np.asarray(years, dtype=float))
    mk = trend.mann_kendall(annual.to_numpy(), np.asarray(years, dtype=float), method="exact")
    assert sec.results["trend.lwa.norfolk"]["rate_ratio"] == glm.rate_ratio
    assert sec.results["trend.lwa.norfolk"]["n"] == len(years)
    tests = dict(sec.extra_tables)[f"Trend tests on the complete calendar years "
                                   f"{years[0]}–{years[-1]}"]
    assert tests.loc["Mann–Kendall S (exact)", "estimate"] == str(mk.s)
    assert tests.loc["Mann–Kendall S (exact)", "p-value"] == f"{mk.p_value:.3f}"
    row = next(i for i in tests.index if i.startswith("GLM"))
    assert tests.loc[row, "estimate"] == f"{glm.rate_ratio:.2f}"
    assert tests.loc[row, "95% interval"] == f"{glm.ci_low:.2f} to {glm.ci_high:.2f}"
    assert sec.table.loc[str(years[-1])].iloc[0] == f"{int(annual.loc[years[-1]]):,}"
    assert sec.table.loc["2021", "complete year"] == "yes"
    assert "2022" not in sec.table.index
    assert any("0.083" in m for m in sec.markdown)  # the small-n warning is there
    assert any("Which months are used" in m and "pre-CCS, Year 1, Year 2" in m
               for m in sec.markdown)


def test_lwa_section_year_comparison_and_xmr_equal_direct_calls(params) -> None:
    ctx = pages.page_context(params, "norfolk", 1)
    counts = {2018: 1200, 2019: 1500, 2020: 2500, 2021: 3100, 2022: 2900}
    frame = _awards_frame("norfolk", counts)
    sec = ts.lwa_section(ctx, awards=frame, synthetic=False)
    assert sec.banner is None
    for fig in [sec.figure, *sec.figures]:
        assert not any("SYNTHETIC" in t.get_text() for t in fig.texts)
    monthly = ts.monthly_awards(frame, "norfolk")
    monthly = monthly[monthly["month"] <= "2022-09"].reset_index(drop=True)  # listed years
    per = pd.PeriodIndex(monthly["month"], freq="M")
    prev = monthly.loc[(per >= pd.Period("2018-10", "M")) & (per <= pd.Period("2019-09", "M")),
                       "awards"].tolist()
    now = monthly.loc[(per >= pd.Period("2019-10", "M")) & (per <= pd.Period("2020-09", "M")),
                      "awards"].tolist()
    direct = ts.period_ratio(prev, now)
    table = dict(sec.extra_tables)["Year 1 against the previous 12 months"]
    rr_row = next(i for i in table.index if i.startswith("rate ratio"))
    assert table.loc[rr_row, "value"] == (
        f"{direct.rate_ratio:.2f} ({direct.ci_low:.2f} to {direct.ci_high:.2f})"
    )
    x = spc.xmr(monthly["awards"].to_numpy(dtype=float), list(monthly["date"]), baseline=21)
    assert any(f"process limits {x.lcl:,.1f} to {x.ucl:,.1f}" in m for m in sec.markdown)
    meanings = dict(sec.extra_tables)["XmR chart: what each flag means"]
    assert meanings["points flagged"].tolist() == [
        x.summary[k] for k in ("outside_limits", "shift", "trend", "two_of_three")
    ]
    assert meanings.loc["shift", "meaning"] == x.flag_meanings["shift"]


def test_lwa_section_year3_partial_data_says_no_comparison(params) -> None:
    # the award extracts end in December 2021: Year 3 has 3 of its 12 months, so the page shows
    # the trend but says the year cannot be compared with the 12 months before it
    ctx = pages.page_context(params, "norfolk", 3)
    sec = ts.lwa_section(ctx)
    assert sec.note is None
    assert any("No comparison for Year 3" in m for m in sec.markdown)


def test_lwa_section_year_without_data_gives_a_note(params) -> None:
    ctx = pages.page_context(params, "norfolk", 3)
    site = ctx.site.model_copy(
        update={"datasets": {**ctx.site.datasets, "lwa_awards": [0, 1, 2]}}
    )
    sec = ts.lwa_section(pages.PageContext(site=site, year=ctx.year, params=params))
    assert sec.note and "No LWA/DAF award data for Year 3" in sec.note
    assert sec.figure is None and sec.table is None and not sec.results


def test_lwa_section_without_previous_year_data_says_so(params) -> None:
    ctx = pages.page_context(params, "oldham", 1)
    sec = ts.lwa_section(ctx)  # Oldham's series starts in January 2019
    assert sec.note is None
    assert any("No comparison for Year 1" in m for m in sec.markdown)
    assert "Year 1 against the previous 12 months" not in dict(sec.extra_tables)


def test_lwa_section_too_few_years_and_unknown_site(params) -> None:
    ctx = pages.page_context(params, "swansea", 2)
    frame = _awards_frame("swansea", {2020: 1200, 2021: 1500}, types=("EAP", "IAP"),
                          scheme="DAF")
    sec = ts.lwa_section(ctx, awards=frame, synthetic=False)
    assert any("Too few years" in m for m in sec.markdown) and not sec.results
    assert not any("Unit mismatch" in m for m in sec.markdown)
    items = _awards_frame("swansea", {2020: 10, 2021: 12, 2022: 15}, unit="items")
    mism = ts.lwa_section(ctx, awards=items, synthetic=False)
    assert any("Unit mismatch" in m for m in mism.markdown)
    assert "EAP awards" in sec.table.columns and "IAP awards" in sec.table.columns
    other = ts.lwa_section(ctx, awards=_awards_frame("norfolk", {2020: 10}), synthetic=False)
    assert other.note and "no rows for site 'swansea'" in other.note


# ----------------------------------------------------------------------------------------
# referrals section
# ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("site", ["oldham", "swansea"])
def test_referrals_section_site_without_referral_system_gives_note(params, site) -> None:
    sec = ts.referrals_section(pages.page_context(params, site, 2))
    assert sec.note and "No referral system" in sec.note and sec.figure is None


def test_referrals_section_years_without_data_give_notes(params) -> None:
    th1 = ts.referrals_section(pages.page_context(params, "tower_hamlets", 1))
    assert th1.note and "after Year 1 ended" in th1.note
    nf3 = ts.referrals_section(pages.page_context(params, "norfolk", 3))
    assert nf3.note and "No NCAN referral data for Year 3" in nf3.note


def test_referrals_section_ncan_numbers_equal_direct_calls(params) -> None:
    ctx = pages.page_context(params, "norfolk", 2)
    sec = ts.referrals_section(ctx)
    assert sec.note is None and "Synthetic" in sec.banner
    assert len(_figures_ok(sec)) == 2
    monthly = _ncan_monthly_independent(params)
    kw = dict(date_col="date", count_col="count", breakpoint="2019-10", family="quasipoisson",
              fourier_k=ts.ITS_FOURIER_K, covid=("2020-03", "2021-07"))
    first = its.segmented_regression(monthly, **kw)
    cov = "HAC" if first.ljung_box_p < ts.AUTOCORRELATION_P else "nonrobust"
    direct = its.segmented_regression(monthly, cov_type=cov, **kw)
    lv = sec.results["its.ncan.level_change"]
    assert (lv["rate_ratio"], lv["ci_low"], lv["ci_high"], lv["n"]) == (
        direct.level_change["rate_ratio"], direct.level_change["ci_low"],
        direct.level_change["ci_high"], direct.n)
    sl = sec.results["its.ncan.slope_change"]
    assert sl["rate_ratio"] == direct.slope_change["rate_ratio"]
    eff = sec.table
    row = next(i for i in eff.index if i.startswith("level change"))
    d = direct.level_change
    assert eff.loc[row, "rate ratio (95% CI)"] == (
        f"{d['rate_ratio']:.2f} ({d['ci_low']:.2f} to {d['ci_high']:.2f})"
    )
    tables = dict(sec.extra_tables)
    sens = tables["Breakpoint sensitivity (CCS start ± 3 and ± 6 months)"]
    assert len(sens) == len(ts.SENSITIVITY_SHIFTS)
    assert "2019-10 (CCS start)" in sens.index
    e5 = tables["E5 recomputed: mean referrals per month before and since CCS"]
    pre = monthly.loc[monthly["date"] < "2019-10-01", "count"].mean()
    post = monthly.loc[monthly["date"] >= "2019-10-01", "count"].mean()
    assert e5.iloc[0]["computed"] == f"{pre:,.1f}" and e5.iloc[0]["published"] == "292"
    assert e5.iloc[1]["computed"] == f"{post:,.1f}" and e5.iloc[1]["published"] == "505"
    year = tables["Year 2: observed against the counterfactual"]
    obs = monthly.loc[(monthly["date"] >= "2020-10-01") & (monthly["date"] <= "2021-09-01"),
                      "count"].sum()
    assert year.loc["observed referrals", "value"] == f"{obs:,.0f}"


def test_referrals_section_thcan_describes_without_counterfactual(params) -> None:
    from ccs_methods.data import datasets

    ctx = pages.page_context(params, "tower_hamlets", 2)
    sec = ts.referrals_section(ctx)
    assert sec.note is None and not sec.results
    assert any("Why there is no counterfactual" in m for m in sec.markdown)
    assert len(_figures_ok(sec)) == 1
    raw = datasets.load_record(params, "referrals_thcan")
    m = raw["date"].dt.to_period("M").value_counts().sort_index()
    m = m[(m.index >= pd.Period("2020-10", "M")) & (m.index <= pd.Period("2021-09", "M"))]
    d = its.describe_series(pd.DataFrame({"date": m.index.to_timestamp(), "n": m.to_numpy()}),
                            date_col="date", count_col="n")
    assert sec.table.loc["referrals (total)", "value"] == f"{d.total:,}"
    assert sec.table.loc["mean per month", "value"] == f"{d.monthly_mean:,.1f}"
    e7 = dict(sec.extra_tables)["E7 recomputed: referrals over the report's period"]
    assert e7.iloc[0]["published"] == "224"
    assert e7.iloc[0]["computed"] == f"{int(m.sum()):,}"  # March-September 2021


def test_referrals_section_handmade_series(params) -> None:
    s = _step_series()
    recs = _referral_records(dict(zip(s["month"], s["referrals"], strict=True)))
    sec = ts.referrals_section(pages.page_context(params, "norfolk", 1), referrals=recs,
                               synthetic=False)
    assert sec.banner is None
    direct = ts.referral_its(params, s).result
    assert sec.results["its.ncan.level_change"]["rate_ratio"] == direct.level_change[
        "rate_ratio"]
    w = ts.counterfactual_window(direct, "2019-10-01", "2020-09-30")
    year = dict(sec.extra_tables)["Year 1: observed against the counterfactual"]
    assert year.loc["observed − counterfactual", "value"] == f"{w['difference']:+,.0f}"
    # a series without enough pre-CCS months is described, not modelled
    late = _referral_records({"2021-03": 5, "2021-04": 7, "2021-05": 6})
    desc = ts.referrals_section(pages.page_context(params, "norfolk", 2), referrals=late,
                                synthetic=False)
    assert desc.table.loc["referrals (total)", "value"] == "18" and not desc.results


# ----------------------------------------------------------------------------------------
# programme page
# ----------------------------------------------------------------------------------------
def test_programme_trends_sections(params) -> None:
    secs = ts.programme_trends_sections(params)
    assert len(secs) == 5
    for s in secs:
        assert s.note is None and s.table is not None and not s.table.empty
        assert len(_figures_ok(s)) >= 1
    cross, pooled, e14, e5, e15 = secs
    assert list(cross.table.index) == ["Norfolk", "Oldham", "Swansea", "Tower Hamlets"]
    long, left_out = [], []
    for site in params.programme.sites:
        a = _listed_annual_independent(params, site)
        if len(a) < ts.MIN_TREND_YEARS:
            left_out.append(params.site(site).display_name)
            continue
        long.append(pd.DataFrame({"site": site, "year": a.index.astype(float),
                                  "count": a["awards"].to_numpy()}))
    direct = trend.pooled_trend(pd.concat(long, ignore_index=True))
    for name in left_out:
        assert any(name in m and "Left out" in m for m in pooled.markdown)
    row = pooled.table.iloc[0]
    assert row["estimate"] == f"{direct.glm['rate_ratio']:.2f}"
    assert row["95% interval"] == f"{direct.glm['ci_low']:.2f} to {direct.glm['ci_high']:.2f}"
    assert row["n"] == f"{direct.n} site-years, {direct.n_sites} sites"
    assert not pooled.results  # only evidence-register ids go in results
    assert e14.table.loc[("Norfolk", "2018 → 2021"), "published"] == "×3"
    assert e14.table.loc[("Swansea", "2018 → 2021"), "published"] == "+182%"
    # 2018 -> 2021 recomputed from the records (annual sums straight from the CSV)
    raw = pd.read_csv(params.root.parent / "data" / "synthetic" / "lwa_awards.csv")
    nor = raw[raw["site"] == "norfolk"].groupby(raw["month"].str[:4])["awards"].sum()
    assert e14.table.loc[("Norfolk", "2018 → 2021"), "computed"] == (
        f"×{nor['2021'] / nor['2018']:.2f}"
    )
    # citations and years of generated prose come from the published rows
    figs = load_figures()
    e14_rows = figs[(figs["exhibit"] == "E14") & figs["measure"].isin(
        ["lwa_awards_fold_change", "lwa_awards_change_pct"])]
    assert pages.cite(e14_rows.iloc[0]) in e14.markdown[0]
    count = figs[figs["measure"] == "sites_with_rising_lwa_awards"].iloc[0]
    y0, y1 = str(count["period"]).split("/")
    assert ("programme", f"sites with a rising trend, {y0}–{y1}") in e14.table.index
    e5_rows = figs[(figs["exhibit"] == "E5") & (figs["measure"] == "referrals_per_month_mean")]
    pre_pub, post_pub = (f"{v:,.0f}" for v in e5_rows["value"])
    e10 = figs[(figs["exhibit"] == "E10") & (figs["measure"] == "people_referred")
               & (figs["site"] == "norfolk")].iloc[0]
    caveat = next(m for m in e5.markdown if "Caveat" in m)
    assert f"{e10['value']:,.0f} people" in caveat and f"The {post_pub} a month" in caveat
    assert f"calibrated to {pre_pub} and {post_pub}" in caveat
    assert f"the report gives {pre_pub} and {post_pub}" in e5.figure.alt_text
    assert "Key finding 3" in e5.table.iloc[0]["source"]
    flows = dict(e15.extra_tables)["E15 recomputed beside the published figures"]
    assert flows.loc[("NAS to VCS", "referrals in 2021"), "published"] == "178"
    src = sitepage.sources_for(secs)
    assert "Swansea’s awards increased by 182%" in src and "(178)" in src


def test_programme_trends_sections_without_ncan(tmp_path: Path) -> None:
    pdir = tmp_path / "params"
    shutil.copytree(ROOT / "params", pdir)
    f = pdir / "sites" / "norfolk.yml"
    data = yaml.safe_load(f.read_text())
    data["referral_network"]["referral_dataset"] = None
    f.write_text(yaml.safe_dump(data))
    p = load_params(pdir)
    secs = ts.programme_trends_sections(p)
    assert len(secs) == 3
    assert not any(k.startswith("its.") for k in ts.computed_results(p))


# ----------------------------------------------------------------------------------------
# computed results
# ----------------------------------------------------------------------------------------
def test_computed_results_keys_values_and_json(params) -> None:
    res = ts.computed_results(params)
    with_trend = {s for s in params.programme.sites
                  if len(_listed_annual_independent(params, s)) >= ts.MIN_TREND_YEARS}
    expected = {"its.ncan.level_change", "its.ncan.slope_change"} | {
        f"trend.lwa.{s}" for s in with_trend}
    assert set(res) == expected
    for s in with_trend:
        a = _listed_annual_independent(params, s)
        assert res[f"trend.lwa.{s}"]["n"] == len(a)
        assert res[f"trend.lwa.{s}"]["last_year"] == int(a.index.max())
    for rid, r in res.items():
        for k in ("rate_ratio", "ci_low", "ci_high", "n"):
            assert k in r, (rid, k)
        assert all(math.isfinite(r[k]) for k in ("rate_ratio", "ci_low", "ci_high"))
        assert r["ci_low"] < r["rate_ratio"] < r["ci_high"]
        assert isinstance(r["n"], int) and r["n"] >= 3
    json.loads(json.dumps(res, allow_nan=False))
    assert res["its.ncan.level_change"]["n"] == 60
    # every id is understood by the contribution analysis evidence rules
    toc = contribution.load_theory_of_change(
        ROOT / "params" / "contribution" / "theory_of_change.yml")
    ev = contribution.evidence_from_results(res, toc)
    assert set(ev["result_id"]) == expected


def test_computed_results_match_sections(params) -> None:
    res = ts.computed_results(params)
    lwa = ts.lwa_section(pages.page_context(params, "norfolk", 2))
    ref = ts.referrals_section(pages.page_context(params, "norfolk", 1))
    assert lwa.results["trend.lwa.norfolk"] == res["trend.lwa.norfolk"]
    assert ref.results["its.ncan.level_change"] == res["its.ncan.level_change"]
    assert res["its.ncan.level_change"]["dataset"] == "referrals_ncan"
    assert res["trend.lwa.norfolk"]["dataset"] == "lwa_awards"
    # Oldham's items start in 2019: with Years 0-2 listed only 2019 and 2020 are complete,
    # too few for a trend, and the page says so instead of reporting one
    old = _listed_annual_independent(params, "oldham")
    oldham = ts.lwa_section(pages.page_context(params, "oldham", 2))
    if len(old) < ts.MIN_TREND_YEARS:
        assert "trend.lwa.oldham" not in res and not oldham.results
        assert any("Too few years" in m for m in oldham.markdown)


def test_results_and_sections_are_deterministic(params) -> None:
    a = json.dumps(ts.computed_results(params), sort_keys=True)
    ts.clear_cache()
    b = json.dumps(ts.computed_results(params), sort_keys=True)
    assert a == b
    ctx = pages.page_context(params, "norfolk", 2)
    s1, s2 = ts.referrals_section(ctx), ts.referrals_section(ctx)
    assert s1.markdown == s2.markdown and s1.table.equals(s2.table)
    assert [t.to_dict() for _, t in s1.extra_tables] == [t.to_dict() for _, t in s2.extra_tables]
    assert [f.alt_text for f in [s1.figure, *s1.figures]] == [
        f.alt_text for f in [s2.figure, *s2.figures]]


def test_load_dataset_is_cached_and_returns_copies(params) -> None:
    ts.clear_cache()
    a = ts.load_dataset(params, "lwa_awards")
    a.loc[:, "awards"] = -1
    b = ts.load_dataset(params, "lwa_awards")
    assert (b["awards"] >= 0).all()
    assert ts._load_cached.cache_info().hits >= 1


def test_show_section_displays_everything(params, monkeypatch) -> None:
    import IPython.display as ipd

    shown: list = []
    monkeypatch.setattr(ipd, "display", lambda *objs, **kw: shown.extend(objs))
    sec = ts.lwa_section(pages.page_context(params, "tower_hamlets", 2))
    sitepage.show_section(sec)
    kinds = [type(o).__name__ for o in shown]
    n_figs = 1 + len(sec.figures)
    assert kinds.count("HTML") == n_figs  # figures as <figure> with alt text
    assert kinds.count("DataFrame") == 1 + len(sec.extra_tables)
    html = [o.data for o in shown if type(o).__name__ == "HTML"]
    assert all('alt="' in h and "figcaption" in h for h in html)
    shown.clear()
    sitepage.show_section(ts.referrals_section(pages.page_context(params, "oldham", 1)))
    assert [type(o).__name__ for o in shown] == ["Markdown"]


# ----------------------------------------------------------------------------------------
# `ccs-eval stats trend|its|spc`
# ----------------------------------------------------------------------------------------
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


# ----------------------------------------------------------------------------------------
# readings follow the data (flip the data, the words flip)
# ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("values", "word", "absent"),
    [
        ([12, 25, 30, 38, 41, 49, 55], "referrals rose", "referrals fell"),
        ([55, 49, 41, 38, 30, 25, 12], "referrals fell", "referrals rose"),
        ([30, 32, 29, 31, 30, 31, 29], "no clear rise or fall", "referrals rose"),
    ],
)
def test_describe_section_early_trend_text_follows_the_data(params, values, word,
                                                            absent) -> None:
    months = [f"2021-{m:02d}" for m in range(3, 3 + len(values))]
    recs = _referral_records(dict(zip(months, values, strict=True)), site="tower_hamlets")
    sec = ts.referrals_section(pages.page_context(params, "tower_hamlets", 2),
                               referrals=recs, synthetic=False)
    why = next(m for m in sec.markdown if "Why there is no counterfactual" in m)
    assert word in why and absent not in why
    assert "expected as members join" in why if word == "referrals rose" else True


@pytest.mark.parametrize(
    ("y2020", "word"),
    [(2400, "rose in every site"), (600, "fell in every site")],
)
def test_pooled_covid_year_text_follows_the_data(params, y2020, word) -> None:
    per_site = {}
    for s, base in (("norfolk", 1200), ("tower_hamlets", 1300)):
        frame = _awards_frame(s, {2018: base, 2019: base, 2020: y2020})
        m = ts.monthly_awards(frame, s)
        per_site[s] = (m, ts.annual_awards(m))
    text = ts._covid_year_text(params, per_site)
    cy = params.programme.covid.first_lockdown.year
    assert f"From {cy - 1} to {cy}" in text and word in text
    assert ("not an effect of CCS" in text) == (word.startswith("rose"))
