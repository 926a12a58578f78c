"""Trend results for the evidence register: ``its.<network>.*`` and ``trend.lwa.<site>``.

The trend analyses live in :mod:`ccs_methods.analyses.lwa` (LWA/DAF awards),
:mod:`~ccs_methods.analyses.referrals` (referrals, interrupted time series) and
:mod:`~ccs_methods.analyses.trends_programme` (the programme view); the notebooks
``site_year.md`` and ``programme_trends.md`` call them with the settings of
``params/analysis.yml``. :func:`computed_results` reads the same settings from params, so the
contribution pages state the same results as the trend pages.
"""

from __future__ import annotations

import pandas as pd

from ccs_methods.analyses import lwa, referrals
from ccs_methods.analyses.trend_data import LWA, clear_cache, load_dataset
from ccs_methods.data.params import Params
from ccs_methods.errors import MethodInputError

__all__ = ["clear_cache", "computed_results", "load_dataset"]


def computed_results(
    params: Params,
    *,
    awards: pd.DataFrame | None = None,
    referral_tables: dict[str, pd.DataFrame] | None = None,
) -> dict[str, dict]:
    """Computed results for the contribution analysis evidence register.

    ``its.<network>.level_change`` and ``its.<network>.slope_change`` (e.g. ``its.ncan``) for
    each site whose referral data have a pre-CCS period, and ``trend.lwa.<site>`` (GLM rate
    ratio per year on the complete calendar years) for each site with LWA/DAF data. Every
    entry has ``rate_ratio``, ``ci_low``, ``ci_high`` (95%) and ``n``, plus some context. The
    model options are those of ``params.analysis`` (``its`` and ``lwa_trend``).

    Parameters
    ----------
    params
        Loaded parameters (with their analysis settings).
    awards
        The ``lwa_awards`` table; default: loaded through params.
    referral_tables
        Referral tables by dataset name; default: loaded through params.

    Returns
    -------
    dict
        Result id to a JSON-serialisable dict; the same on every run.

    """
    settings = params.analysis
    out: dict[str, dict] = {}
    ref = dict(referral_tables or {})
    for s in params.programme.sites:
        net = params.site(s).referral_network
        ds = net.referral_dataset
        if ds is None:
            continue
        if ds not in ref:
            ref[ds] = load_dataset(params, ds)
        try:
            series = referrals.monthly_referrals(ref[ds], s)
        except MethodInputError:
            continue
        if not referrals.has_pre_period(series, params.programme.ccs_start,
                                        min_points_each_side=settings.its.min_points_each_side):
            continue
        res = referrals.referral_its(
            series, breakpoint=params.programme.ccs_start,
            covid=referrals.covid_window(params), fourier_k=settings.its.fourier_k,
            family=settings.its.family, autocorrelation_p=settings.its.autocorrelation_p,
            hac_rule=settings.its.hac_rule,
        ).result
        key = net.short_name.lower()
        for term, eff in (("level_change", res.level_change),
                          ("slope_change", res.slope_change)):
            if eff is not None:
                out[f"its.{key}.{term}"] = referrals.its_result(res, eff, ds)
    if awards is None:
        awards = load_dataset(params, LWA)
    for s in params.programme.sites:
        aw = lwa.site_awards(params, s, awards)
        if not aw.usable:
            continue
        tr = lwa.lwa_trend(aw.annual, min_complete_years=settings.lwa_trend.min_complete_years,
                           glm_family=settings.lwa_trend.glm_family)
        if tr is not None:
            out[f"trend.lwa.{s}"] = tr.result()
    return out
