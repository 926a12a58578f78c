"""Pooled trend across sites: a count GLM with site fixed effects and stratified Mann-Kendall."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from ccs_methods.errors import MethodInputError
from ccs_methods.methods.trend.common import _ResultMixin, as_float_array, time_to_float
from ccs_methods.methods.trend.glm import (
    _check_counts,
    _fit_count_glm,
    checked_exp,
    reference_distribution,
)
from ccs_methods.methods.trend.kendall import mann_kendall, stratified_mann_kendall


def _points(per_site: list[dict[str, Any]]) -> str:
    """Points per site as ``"4"`` or ``"3-5"``."""
    ns = [int(e["n"]) for e in per_site]
    return f"{min(ns)}" if min(ns) == max(ns) else f"{min(ns)}-{max(ns)}"


@dataclass(frozen=True)
class PooledTrendResult(_ResultMixin):
    """Result of :func:`pooled_trend`.

    Attributes
    ----------
    n_sites, n
        Number of sites and of site-time observations.
    glm
        Common rate ratio per unit x from a count GLM with site fixed effects:
        ``rate_ratio``, ``ci_low``, ``ci_high``, ``p_value``, ``family``,
        ``family_reason``, ``dispersion``, ``reference`` (``"t"`` or ``"normal"``) and
        ``df_resid``.
    stratified_mk
        Sum of S across sites with summed variances: ``s``, ``var_s``, ``z``, ``p_value``,
        ``continuity``.
    homogeneity
        van Belle-Hughes test that the trends are the same in every site:
        ``chi2``, ``df``, ``p_value``.
    per_site
        One dict per site: ``site``, ``n``, ``s``, ``var_s``, ``tau``, ``p_value``,
        ``method_used``, ``rate_ratio`` (site-only GLM, Poisson/quasi/NB as chosen).
    caveats
        Plain-English caveats.

    """

    n_sites: int
    n: int
    glm: dict[str, Any]
    stratified_mk: dict[str, Any]
    homogeneity: dict[str, Any]
    per_site: list[dict[str, Any]]
    caveats: list[str] = field(default_factory=list)


def pooled_trend(
    data: pd.DataFrame,
    *,
    site_col: str = "site",
    x_col: str = "year",
    count_col: str = "count",
    offset_col: str | None = None,
    family: Literal["auto", "poisson", "quasipoisson", "negbin"] = "auto",
    alpha: float = 0.05,
    continuity: bool = True,
) -> PooledTrendResult:
    """Estimate a common trend across sites.

    Two complementary summaries: (1) a log-linear count GLM with one intercept per site
    and a common slope, giving a common rate ratio per unit x; (2) the stratified
    Mann-Kendall test (Hirsch-Slack / seasonal Kendall form with sites as strata):
    ``S = sum_k S_k``, ``var S = sum_k var S_k``, plus the van Belle-Hughes homogeneity
    chi-squared ``sum Z_k^2 - K * mean(Z_k)^2`` on K - 1 df.

    Parameters
    ----------
    data
        Long table: one row per site and time.
    site_col, x_col, count_col
        Column names. x may be numbers or dates.
    offset_col
        Optional exposure column (positive).
    family
        Family for the GLM. ``"auto"`` (default) is quasi-Poisson with Student's t on the
        residual degrees of freedom (site-times minus sites minus 1), as in
        :func:`glm_trend`; the Pearson dispersion of the pooled Poisson fit is reported in
        ``family_reason``.
    alpha
        1 - confidence level.
    continuity
        Continuity correction for the stratified z.

    Returns
    -------
    PooledTrendResult
        Common rate ratio, stratified S test, homogeneity test, per-site details, caveats.

    Raises
    ------
    MethodInputError
        Missing columns, fewer than 2 sites, a site with fewer than 3 points, bad counts.

    """
    for col in (site_col, x_col, count_col) + ((offset_col,) if offset_col else ()):
        if col not in data.columns:
            raise MethodInputError(
                f"column '{col}' not found; available columns: {list(data.columns)}.",
                column=col,
            )
    df = data.copy()
    if df[site_col].isna().any():
        row = int(np.flatnonzero(df[site_col].isna().to_numpy())[0]) + 1
        raise MethodInputError("missing site name.", row=row, column=site_col)
    sites = list(dict.fromkeys(df[site_col].tolist()))
    if len(sites) < 2:
        raise MethodInputError(
            f"pooled_trend needs at least 2 sites in '{site_col}'; got {len(sites)}."
        )
    xv, unit = time_to_float(df[x_col], x_col)
    y = _check_counts(df[count_col], count_col, min_n=3)
    site_codes = df[site_col].to_numpy()
    for site in sites:
        n_site = int((site_codes == site).sum())
        if n_site < 3:
            raise MethodInputError(
                f"site '{site}' has {n_site} point(s); each site needs at least 3.",
                column=site_col,
            )
    smk = stratified_mann_kendall(
        pd.DataFrame({"site": site_codes, "x": xv, "y": y}),
        stratum_col="site",
        x_col="x",
        y_col="y",
        continuity=continuity,
    )
    per_site: list[dict[str, Any]] = []
    for site, entry in zip(sites, smk.per_stratum, strict=True):
        m = site_codes == site
        ys, xs = y[m], xv[m]
        site_row: dict[str, Any] = {
            "site": str(site),
            "n": entry["n"],
            "s": entry["s"],
            "var_s": entry["var_s"],
            "tau": entry["tau"],
        }
        if np.unique(ys).size == 1:
            site_row.update(p_value=None, method_used="none", note="all values equal here")
        else:
            mk = mann_kendall(ys, xs, alpha=alpha, continuity=continuity)
            site_row.update(p_value=mk.p_value, method_used=mk.method_used)
        per_site.append(site_row)
    s_tot, v_tot, z_tot, p_tot = smk.s, smk.var_s, smk.z, smk.p_value
    chi_homog, p_homog = smk.homogeneity["chi2"], smk.homogeneity["p_value"]
    k = smk.n_strata

    # GLM with site fixed effects and a common slope
    codes = pd.Categorical(site_codes, categories=sites)
    dummies = np.eye(len(sites))[codes.codes]
    xc = xv - np.mean(xv)
    X = np.column_stack([dummies, xc])
    off = None
    if offset_col:
        ov = as_float_array(df[offset_col], offset_col)
        if np.any(ov <= 0):
            row = int(np.flatnonzero(ov <= 0)[0]) + 1
            raise MethodInputError("offset must be positive.", row=row, column=offset_col)
        off = np.log(ov)
    df_resid = int(y.size - X.shape[1])
    chosen = family
    reason = f"requested family='{family}'."
    if family == "auto":
        # Quasi-Poisson with Student's t on the residual df, as glm_trend's auto: a negative
        # binomial with the shape estimated by maximum likelihood and a normal Wald test (the
        # earlier choice above dispersion 1.5) rejected a true null far too often here
        # (issue 14: p = 7e-23 on 15 site-years); tests/test_stats_size.py checks the size.
        _, _, disp0, _, _ = _fit_count_glm(y, X, off, "poisson")
        chosen = "quasipoisson"
        reason = (
            "auto: quasi-Poisson (variance = phi * mean, phi = Pearson chi-squared / residual "
            f"df = {disp0 if disp0 is not None else float('nan'):.2f}) with Student's t on "
            f"{df_resid} residual df ({y.size} site-times minus {len(sites)} site intercepts "
            "and 1 slope). Unlike a negative binomial with maximum-likelihood shape and a "
            "normal Wald test, it keeps its 5% size under no trend for independent sites "
            "(simulation in tests/test_stats_size.py)."
        )
    params, cov, disp, nb_alpha, _ = _fit_count_glm(y, X, off, chosen)
    b = float(params[-1])
    se = float(math.sqrt(cov[-1, -1]))
    ref, ref_name = reference_distribution(chosen, df_resid)
    zq = float(ref.ppf(1 - alpha / 2))
    rr, lo, hi = checked_exp(b, se, zq, "common rate ratio")
    glm = {
        "rate_ratio": rr,
        "ci_low": lo,
        "ci_high": hi,
        "p_value": float(2 * ref.sf(abs(b / se))) if se > 0 else 0.0,
        "family": chosen,
        "family_reason": reason,
        "dispersion": disp,
        "nb_alpha": nb_alpha,
        "x_unit": unit,
        "conf_level": 1 - alpha,
        "reference": ref_name,
        "df_resid": df_resid,
    }
    caveats = [
        "The common rate ratio assumes every site shares one proportional trend; check the "
        "homogeneity test and the per-site results before reading it as 'the' trend.",
        "Sites are treated as independent; shared shocks (Covid-19, national grant schemes, "
        "funding changes) make them move together and overstate the pooled evidence.",
        "Within a site, time points are assumed independent (no serial correlation); with "
        f"{_points(per_site)} points per site this cannot be checked.",
    ]
    if p_homog < alpha:
        caveats.append(
            f"The van Belle-Hughes test suggests the trends differ between sites "
            f"(p={p_homog:.3g}); the pooled trend averages over different directions or "
            "sizes."
        )
    if any(e["n"] < 8 for e in per_site):
        caveats.append(
            "Some sites have fewer than 8 points; the stratified normal approximation is "
            "rough and per-site exact tests may be unable to reach significance."
        )
    return PooledTrendResult(
        n_sites=len(sites),
        n=int(y.size),
        glm=glm,
        stratified_mk={
            "s": int(s_tot),
            "var_s": float(v_tot),
            "z": float(z_tot),
            "p_value": p_tot,
            "continuity": bool(continuity),
        },
        homogeneity={"chi2": chi_homog, "df": int(k - 1), "p_value": p_homog},
        per_site=per_site,
        caveats=caveats,
    )
