"""The programme view of the trends: awards across the sites, a pooled trend, E14, E5, E15.

Each function returns results (tables, dataclasses); ``notebooks/programme_trends.md`` writes
the prose. Model options are passed in from ``params/analysis.yml``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from ccs_methods.analyses import lwa
from ccs_methods.analyses.trend_data import (
    calendar_months,
    month,
    published,
    published_value_text,
    window_counts,
)
from ccs_methods.data.params import Params
from ccs_methods.errors import MethodInputError
from ccs_methods.methods import rates, trend
from ccs_methods.methods.hac_choice import HACRule
from ccs_methods.report import fmt, pages, plots, trend_readings

__all__ = [
    "CovidYearChange",
    "PooledTrend",
    "covid_year_changes",
    "cross_site_panels",
    "cross_site_table",
    "e5_published",
    "e14_programme",
    "e15_flows",
    "e15_reconciliation",
    "e15_table",
    "ncan_site",
    "per_site_awards",
    "pooled_trend",
]


def per_site_awards(params: Params, awards: pd.DataFrame) -> dict[str, lwa.SiteAwards]:
    """Each site's award series in its listed programme years (sites without any left out)."""
    out = {}
    for s in params.programme.sites:
        aw = lwa.site_awards(params, s, awards)
        if aw.usable:
            out[s] = aw
    return out


def cross_site_table(params: Params, per_site: dict[str, lwa.SiteAwards]) -> pd.DataFrame:
    """Awards by calendar year (rows: sites), incomplete years marked."""
    years = sorted({int(y) for aw in per_site.values() for y in aw.annual["year"]})
    table = pd.DataFrame(index=pd.Index([params.site(s).display_name for s in per_site],
                                        name="site"))
    table["scheme (unit)"] = [f"{aw.scheme_short} ({aw.unit_word})" for aw in per_site.values()]
    for y in years:
        col = []
        for aw in per_site.values():
            r = aw.annual[aw.annual["year"] == y]
            col.append("–" if r.empty else fmt.count(int(r["awards"].iloc[0]))
                       + ("" if bool(r["complete"].iloc[0]) else " (incomplete)"))
        table[str(y)] = col
    return table


def cross_site_panels(params: Params, per_site: dict[str, lwa.SiteAwards]) -> list[dict]:
    """The panels of :func:`ccs_methods.report.trend_figures.cross_site_figure`."""
    return [{"name": params.site(s).display_name, "scheme": aw.scheme_short,
             "unit": aw.unit_word, "colour": plots.SITE_COLOURS.get(s, plots.PALETTE[0]),
             "annual": aw.annual} for s, aw in per_site.items()]


def _glm_cell(tr: lwa.LWATrend) -> str:
    g = tr.glm
    return f"{fmt.ratio(g.rate_ratio)} ({fmt.interval(g.ci_low, g.ci_high)})"


@dataclass(frozen=True)
class PooledTrend:
    """A common trend across the sites (see :func:`pooled_trend`)."""

    result: trend.PooledTrendResult | None
    left_out: list[str]
    per_site: dict[str, lwa.LWATrend]

    @property
    def table(self) -> pd.DataFrame:
        """Common rate ratio, stratified Mann-Kendall, homogeneity and dispersion."""
        res = self.result
        if res is None:
            return pd.DataFrame()
        g, smk, hom = res.glm, res.stratified_mk, res.homogeneity
        return pd.DataFrame([
            {"summary": f"common rate ratio per year ({g['family']})",
             "estimate": fmt.ratio(g["rate_ratio"]),
             "95% interval": fmt.interval(g["ci_low"], g["ci_high"]),
             "p-value": fmt.p_value(g["p_value"]),
             "n": f"{res.n} site-years, {res.n_sites} sites"},
            {"summary": "stratified Mann–Kendall S (sites as strata)", "estimate": str(smk["s"]),
             "95% interval": "–", "p-value": fmt.p_value(smk["p_value"]),
             "n": f"{res.n} site-years"},
            {"summary": "homogeneity of the site trends (van Belle–Hughes chi²)",
             "estimate": f"{hom['chi2']:.2f} on {hom['df']} df", "95% interval": "–",
             "p-value": fmt.p_value(hom["p_value"]), "n": f"{res.n_sites} sites"},
            {"summary": "dispersion of the pooled Poisson fit",
             "estimate": fmt.ratio(g["dispersion"], 1), "95% interval": "–", "p-value": "–",
             "n": f"{res.n} site-years"},
        ]).set_index("summary")

    def site_table(self, params: Params) -> pd.DataFrame:
        """Per-site trends (complete calendar years) beside the pooled one."""
        if self.result is None:
            return pd.DataFrame()
        rows = []
        for e in self.result.per_site:
            tr = self.per_site.get(e["site"])
            if tr is None:
                continue
            rows.append({
                "site": params.site(e["site"]).display_name,
                "years": f"{tr.years[0]}–{tr.years[-1]}", "n": e["n"], "S": e["s"],
                "tau": f"{e['tau']:.2f}" if e["tau"] is not None else "–",
                "exact p": fmt.p_value(e["p_value"]),
                "rate ratio per year (95% CI)": _glm_cell(tr),
            })
        return pd.DataFrame(rows).set_index("site")

    def forest_rows(self, params: Params) -> list[tuple[str, float, float, float, str]]:
        """Rows of :func:`ccs_methods.report.trend_figures.pooled_figure` (pooled last)."""
        rows = [(params.site(s).display_name, tr.glm.rate_ratio, tr.glm.ci_low, tr.glm.ci_high,
                 plots.SITE_COLOURS.get(s, plots.PALETTE[0])) for s, tr in self.per_site.items()]
        if self.result is not None:
            g = self.result.glm
            rows.append(("All sites (pooled)", g["rate_ratio"], g["ci_low"], g["ci_high"],
                         plots.SITE_COLOURS["programme"]))
        return rows

    @property
    def points_per_site(self) -> str:
        """Annual points per site (``4`` or ``3–5``)."""
        if self.result is None:
            return "–"
        ns = [e["n"] for e in self.result.per_site]
        return f"{min(ns)}" if min(ns) == max(ns) else f"{min(ns)}–{max(ns)}"


def pooled_trend(per_site: dict[str, lwa.SiteAwards], *, min_complete_years: int,
                 glm_family: lwa.FamilyName) -> PooledTrend:
    """One common log-linear trend with site fixed effects, and the stratified Mann-Kendall test.

    Sites with fewer than ``min_complete_years`` complete calendar years are left out (named in
    ``left_out``); ``result`` is None with fewer than two sites left.
    """
    parts, left_out, per = [], [], {}
    for s, aw in per_site.items():
        c = aw.annual[aw.annual["complete"]]
        if len(c) < min_complete_years:
            left_out.append(s)
            continue
        parts.append(pd.DataFrame({"site": s, "year": c["year"].astype(float),
                                   "count": c["awards"].astype(int)}))
        tr = lwa.lwa_trend(aw.annual, min_complete_years=min_complete_years,
                           glm_family=glm_family)
        if tr is not None:
            per[s] = tr
    if len(parts) < 2:
        return PooledTrend(result=None, left_out=left_out, per_site=per)
    long = pd.concat(parts, ignore_index=True)
    res = trend.pooled_trend(long, site_col="site", x_col="year", count_col="count",
                             family=glm_family)
    return PooledTrend(result=res, left_out=left_out, per_site=per)


@dataclass(frozen=True)
class CovidYearChange:
    """Awards in the first Covid-19 year against the year before, in one site."""

    site: str
    ratio: rates.PeriodRatio

    @property
    def direction(self) -> str:
        """``up``, ``down`` or ``unclear`` (from the 95% interval)."""
        return trend_readings.direction(self.ratio.ci_low, self.ratio.ci_high)


def covid_year_changes(params: Params, per_site: dict[str, lwa.SiteAwards], *,
                       autocorrelation_p: float,
                       hac_rule: HACRule, family: Literal["poisson", "quasipoisson"]
                       ) -> list[CovidYearChange]:
    """How awards moved from the year before into the first Covid-19 year, per site."""
    cy = params.programme.covid.first_lockdown.year
    out = []
    for s, aw in per_site.items():
        if cy not in aw.complete_years or cy - 1 not in aw.complete_years:
            continue
        before = window_counts(aw.monthly, calendar_months(cy - 1), "awards")
        after = window_counts(aw.monthly, calendar_months(cy), "awards")
        if not before or not after:
            continue
        try:
            rr = rates.period_ratio(before, after, autocorrelation_p=autocorrelation_p,
                                    hac_rule=hac_rule,
                                    family=family)
        except MethodInputError:
            continue
        out.append(CovidYearChange(site=s, ratio=rr))
    return out


_YEARS_RE = re.compile(r"(\d{4})\D+(\d{4})")


def e14_programme(params: Params, per_site: dict[str, lwa.SiteAwards], *,
                  min_complete_years: int, glm_family: lwa.FamilyName, autocorrelation_p: float,
                  hac_rule: HACRule,
                  family: Literal["poisson", "quasipoisson"]) -> tuple[pd.DataFrame, list]:
    """E14 across the sites: each published ratio recomputed, with tests and intervals.

    Returns
    -------
    tuple
        The table (one row per site and comparison, and the published count of sites with a
        rising trend read two ways), and the rows of
        :func:`ccs_methods.report.trend_figures.e14_figure`.

    """
    from ccs_methods.data.published import load_figures

    figs = load_figures()
    e14_all = figs[figs["exhibit"] == "E14"].reset_index(drop=True)
    rows, plot_rows = [], []
    for s, aw in per_site.items():
        site = params.site(s)
        pub = e14_all[e14_all["site"] == s]
        comp = lwa.e14_comparisons(aw.annual, aw.monthly, pub,
                                   autocorrelation_p=autocorrelation_p,
                                   hac_rule=hac_rule, family=family)
        tr = lwa.lwa_trend(aw.annual, min_complete_years=min_complete_years,
                           glm_family=glm_family)
        for _, c in comp.iterrows():
            rows.append({
                "site": site.display_name, "unit": aw.unit_word,
                "comparison": c["comparison"], "published": c["published"],
                "computed": c["computed"],
                "rate ratio of the two years (95% CI)": c.get("rate ratio (95% CI)", "–"),
                "trend, all complete years: exact MK p (tau)":
                    f"{fmt.p_value(tr.mann_kendall.p_value)} ({tr.mann_kendall.tau:.2f}), "
                    f"n = {tr.n}" if tr else "–",
                "trend: rate ratio per year (95% CI)": _glm_cell(tr) if tr else "–",
                "note": c.get("note", ""), "source": c["source"],
            })
        for it in lwa.e14_items(aw.annual, aw.monthly, pub, autocorrelation_p=autocorrelation_p,
                                hac_rule=hac_rule,
                                family=family):
            if it["a"] is not None and it["b"] is not None:
                plot_rows.append((site.display_name, it["published_ratio"], it["b"] / it["a"],
                                  it["rr"], plots.SITE_COLOURS.get(s, plots.PALETTE[0])))
    count_row = e14_all[e14_all["measure"] == "sites_with_rising_lwa_awards"]
    span = _YEARS_RE.search(str(count_row.iloc[0]["period"])) if not count_row.empty else None
    if span is not None:
        y_first, y_last = int(span.group(1)), int(span.group(2))
        rising_every, positive_s, counted = [], [], []
        for s, aw in per_site.items():
            a = aw.annual[aw.annual["complete"] & aw.annual["year"].between(y_first, y_last)]
            if len(a) < 2:
                continue
            v = a["awards"].to_numpy()
            name = params.site(s).display_name
            counted.append(f"{name} {int(a['year'].min())}–{int(a['year'].max())}")
            if np.all(np.diff(v) > 0):
                rising_every.append(name)
            if len(a) >= 3 and trend.mann_kendall(v, a["year"].to_numpy(dtype=float)).s > 0:
                positive_s.append(name)
        r = count_row.iloc[0]
        rows.append({
            "site": "programme", "unit": "sites",
            "comparison": f"sites with a rising trend, {y_first}–{y_last}",
            "published": f"{r['value']:g} of {len(params.programme.sites)}",
            "computed": f"rose every year: {len(rising_every)} ({', '.join(rising_every)}); "
                        f"Mann–Kendall S > 0: {len(positive_s)}",
            "rate ratio of the two years (95% CI)": "–",
            "trend, all complete years: exact MK p (tau)": "–",
            "trend: rate ratio per year (95% CI)": "–",
            "note": "'general trend of increasing' read two ways, on the complete years in the "
                    "data used: " + ("; ".join(counted) or "none"),
            "source": pages.cite(r),
        })
    table = pd.DataFrame(rows)
    if not table.empty:
        table = table.set_index(["site", "comparison"])
    return table, plot_rows


def ncan_site(params: Params) -> tuple[str, str] | None:
    """The site whose referral data are NCAN's, and the dataset name (or None)."""
    for s in params.programme.sites:
        ds = params.site(s).referral_network.referral_dataset
        if ds == "referrals_ncan":
            return s, ds
    return None


def e5_published(params: Params, site_id: str) -> dict[str, str]:
    """The published E5 and E10 figures as text (empty strings when not given).

    Keys: ``before``, ``after``, ``change`` (E5), ``quote``, ``cite``, ``people`` (people
    referred, E10), ``people_when`` and ``people_cite``.
    """
    e5 = published("E5", site_id, ["referrals_per_month_mean", "referrals_per_month_change_pct"])
    out = {"before": "", "after": "", "change": "", "people": "", "people_when": "",
           "quote": "", "cite": "", "people_cite": ""}
    if e5.empty:
        return out
    out["quote"], out["cite"] = str(e5.iloc[0]["source_quote"]), pages.cite(e5.iloc[0])

    def first(mask: pd.Series) -> str:
        rows = e5[mask]
        return published_value_text(rows.iloc[0]) if not rows.empty else ""

    means = e5["measure"] == "referrals_per_month_mean"
    out["before"] = first(means & e5["figure_id"].str.contains("pre_ccs"))
    out["after"] = first(means & e5["figure_id"].str.contains("post_launch"))
    out["change"] = first(e5["measure"] == "referrals_per_month_change_pct")
    e10 = published("E10", site_id, ["people_referred"])
    if not e10.empty:
        r = e10.iloc[0]
        period = str(r["period"])
        when = period
        m = re.match(r"(\d{4}-\d{2})/(\d{4}-\d{2})$", period)
        if m:
            when = f"{m.group(1)} to {m.group(2)}"
            for y in params.programme.years:
                if (str(month(y.start)), str(month(y.end))) == (m.group(1), m.group(2)):
                    when = y.label
                    break
        out["people"], out["people_when"] = published_value_text(r), when
        out["people_cite"] = pages.cite(r)
    return out


def e15_flows(referrals: pd.DataFrame) -> pd.DataFrame:
    """Referrals between the LWA scheme (sector ``lwa``) and the VCS, by calendar year.

    Returns
    -------
    pandas.DataFrame
        ``year``, ``lwa_to_vcs``, ``vcs_to_lwa`` (counts, every year of the data).

    """
    for col in ("date", "from_sector", "to_sector"):
        if col not in referrals.columns:
            raise MethodInputError(
                f"column '{col}' not found in the referral table; it has "
                f"{list(referrals.columns)}.", column=col)
    year = pd.to_datetime(referrals["date"]).dt.year
    out = pd.DataFrame({"year": sorted(year.unique())})
    for key, f, t in (("lwa_to_vcs", "lwa", "vcs"), ("vcs_to_lwa", "vcs", "lwa")):
        sel = (referrals["from_sector"] == f) & (referrals["to_sector"] == t)
        counts = year[sel].value_counts()
        out[key] = [int(counts.get(y, 0)) for y in out["year"]]
    return out


def e15_table(flows: pd.DataFrame, lwa_name: str) -> pd.DataFrame:
    """:func:`e15_flows` as shown."""
    return pd.DataFrame({
        "calendar year": flows["year"].astype(str),
        f"{lwa_name} → VCS": flows["lwa_to_vcs"],
        f"VCS → {lwa_name}": flows["vcs_to_lwa"],
    }).set_index("calendar year")


def _flow_monthly(referrals: pd.DataFrame, f: str, t: str, year: int) -> list[float]:
    d = pd.to_datetime(referrals["date"])
    sel = (referrals["from_sector"] == f) & (referrals["to_sector"] == t) & (d.dt.year == year)
    counts = d[sel].dt.month.value_counts()
    return [float(counts.get(m, 0)) for m in range(1, 13)]


def e15_reconciliation(referrals: pd.DataFrame, flows: pd.DataFrame, e15: pd.DataFrame,
                       lwa_name: str, *, autocorrelation_p: float,
                       hac_rule: HACRule) -> pd.DataFrame:
    """The published E15 counts and changes beside the recomputed ones, with rate ratios."""
    rows = []
    tot = flows.set_index("year")
    for direction, key, f, t in ((f"{lwa_name} to VCS", "lwa_to_vcs", "lwa", "vcs"),
                                 (f"VCS to {lwa_name}", "vcs_to_lwa", "vcs", "lwa")):
        pub = e15[e15["category"] == direction.replace(lwa_name, "NAS")]
        for _, r in pub.iterrows():
            if r["measure"] == "nas_referrals":
                y = int(str(r["period"])[:4])
                rows.append({"direction": direction, "figure": f"referrals in {y}",
                             "computed": fmt.count(tot.loc[y, key]) if y in tot.index else "–",
                             "published": published_value_text(r),
                             "rate ratio of the two years (95% CI)": "", "n (months)": "",
                             "source": pages.cite(r)})
                continue
            y0, y1 = (int(v) for v in str(r["period"]).split("/"))
            comp, rr_txt, n = "–", "–", ""
            if y0 in tot.index and y1 in tot.index and tot.loc[y0, key] > 0:
                a, b = float(tot.loc[y0, key]), float(tot.loc[y1, key])
                comp = (f"×{b / a:.2f}" if r["unit"] == "ratio"
                        else fmt.percent(trend.percent_change(a, b), 1))
                try:
                    rr = rates.period_ratio(_flow_monthly(referrals, f, t, y0),
                                            _flow_monthly(referrals, f, t, y1),
                                            autocorrelation_p=autocorrelation_p, hac_rule=hac_rule)
                    rr_txt = (f"{fmt.ratio(rr.rate_ratio)} "
                              f"({fmt.interval(rr.ci_low, rr.ci_high)})"
                              + (" (Newey–West SE)" if rr.cov_type == "HAC" else ""))
                    n = rr.n
                except MethodInputError:
                    rr_txt = "– (a year has no such referrals)"
            rows.append({"direction": direction, "figure": f"change {y0} → {y1}",
                         "computed": comp, "published": published_value_text(r),
                         "rate ratio of the two years (95% CI)": rr_txt, "n (months)": n,
                         "source": pages.cite(r)})
    recon = pd.DataFrame(rows)
    return recon.set_index(["direction", "figure"]) if not recon.empty else recon
