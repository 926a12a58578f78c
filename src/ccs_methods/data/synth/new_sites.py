"""Synthetic LWA/DAF award rows for sites the reports never covered (SYNTHETIC: not real data).

The pilot sites' stand-ins are calibrated to the published figures. A site added by a params
file has no published figure to calibrate to, so its award rows are drawn from the parameters
of ``params/synthetic.yml`` (defaults, overridden per site): a level, a yearly growth, a
seasonal profile, an approval rate and award values, over the same months as the pilots'
stand-ins. Nothing about the site is written in code.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ccs_methods.data.params import Params
from ccs_methods.data.synth.common import _noisy_multinomial
from ccs_methods.data.yamlfile import read_yaml
from ccs_methods.errors import ParamsError

#: The params file of the new-site stand-ins.
SYNTHETIC_PARAMS = "synthetic.yml"
_KEYS = (
    "awards_per_month",
    "annual_growth",
    "approval_rate",
    "mean_award_gbp",
    "daf_iap_mean_award_gbp",
    "daf_eap_share",
    "dispersion",
    "seasonality",
)


def site_settings(params: Params, site: str) -> dict[str, Any]:
    """The award parameters of ``site``: the defaults of ``params/synthetic.yml``, overridden.

    Raises
    ------
    ParamsError
        The file is missing, a key is unknown or missing, or a value is out of range (names
        the file and key).

    """
    path = Path(params.root) / SYNTHETIC_PARAMS
    data = read_yaml(path)
    base = dict((data.get("defaults") or {}).get("lwa_awards") or {})
    override = ((data.get("sites") or {}).get(site) or {}).get("lwa_awards") or {}
    unknown = sorted(set(base) - set(_KEYS)) + sorted(set(override) - set(_KEYS))
    if unknown:
        raise ParamsError(f"unknown key {unknown[0]!r}; known: {', '.join(_KEYS)}", file=path)
    out = {**base, **override}
    missing = [k for k in _KEYS if k not in out]
    if missing:
        raise ParamsError(
            f"missing {missing[0]!r} for site {site!r}", file=path, column="defaults.lwa_awards"
        )
    season = out["seasonality"]
    if not isinstance(season, list) or len(season) != 12 or min(season) <= 0:
        raise ParamsError(
            "seasonality must list 12 positive numbers (January first)",
            file=path,
            column="defaults.lwa_awards.seasonality",
        )
    for key in ("approval_rate", "daf_eap_share"):
        if not 0 < float(out[key]) <= 1:
            raise ParamsError(f"{key} must be in (0, 1]", file=path, column=key)
    for key in ("awards_per_month", "mean_award_gbp", "daf_iap_mean_award_gbp", "dispersion"):
        if float(out[key]) <= 0:
            raise ParamsError(f"{key} must be > 0", file=path, column=key)
    return out


def _site_rng(seed: int, site: str) -> np.random.Generator:
    digest = int.from_bytes(hashlib.sha256(site.encode("utf-8")).digest()[:8], "big")
    return np.random.default_rng([int(seed), digest])


def new_site_awards(
    params: Params, site: str, months: pd.PeriodIndex, seed: int
) -> pd.DataFrame:
    """Draw monthly award rows for one site not calibrated to the reports (SYNTHETIC).

    Parameters
    ----------
    params
        Project params (the site's scheme and ``params/synthetic.yml``).
    site
        The site id.
    months
        The calendar months to cover (those of the pilots' stand-ins).
    seed
        The synthetic seed; the site's generator is seeded with it and the site id.

    Returns
    -------
    pandas.DataFrame
        Rows in the columns of ``lwa_awards`` (EAP and IAP rows for a DAF scheme).

    """
    cfg = site_settings(params, site)
    scheme = params.site(site).lwa_scheme
    rng = _site_rng(seed, site)
    years = months.year.to_numpy()
    level = float(cfg["awards_per_month"]) * (1.0 + float(cfg["annual_growth"])) ** (
        years - years[0]
    )
    expected = level * np.array(cfg["seasonality"], dtype=float)[months.month.to_numpy() - 1]
    awards = _noisy_multinomial(
        rng, round(float(expected.sum())), expected, shape=float(cfg["dispersion"])
    )
    if scheme.kind == "daf":
        eap = rng.binomial(awards, float(cfg["daf_eap_share"]))
        parts = [
            ("EAP", eap, float(cfg["mean_award_gbp"])),
            ("IAP", awards - eap, float(cfg["daf_iap_mean_award_gbp"])),
        ]
    else:
        parts = [("all", awards, float(cfg["mean_award_gbp"]))]
    rows = []
    for payment_type, n, mean in parts:
        rate = np.clip(rng.normal(float(cfg["approval_rate"]), 0.03, size=len(n)), 0.05, 1.0)
        applications = np.maximum(np.round(n / rate), 1).astype(np.int64)
        if scheme.award_unit == "awards":
            applications = np.maximum(applications, n)
        amount = np.round(n * mean * rng.lognormal(0.0, 0.05, size=len(n)), 2)
        rows.append(
            pd.DataFrame(
                {
                    "site": site,
                    "month": months.astype(str),
                    "scheme": scheme.short_name,
                    "payment_type": payment_type,
                    "applications": applications,
                    "awards": n,
                    "unit": scheme.award_unit,
                    "amount_gbp": amount,
                }
            )
        )
    return pd.concat(rows, ignore_index=True)


def add_new_sites(
    awards: pd.DataFrame, params: Params, seed: int
) -> tuple[pd.DataFrame, list[str]]:
    """Add award rows for every params site with ``lwa_awards`` listed but no calibrated rows.

    Returns
    -------
    tuple
        The award frame with the new rows (sorted as the shipped file) and the sites added.

    """
    have = set(awards["site"])
    months = pd.period_range(awards["month"].min(), awards["month"].max(), freq="M")
    added = [
        s
        for s in params.programme.sites
        if s not in have and params.site(s).datasets.get("lwa_awards")
    ]
    if not added:
        return awards, []
    parts = [awards, *(new_site_awards(params, s, months, seed) for s in added)]
    out = pd.concat(parts, ignore_index=True)
    return out.sort_values(["site", "month", "payment_type"]).reset_index(drop=True), added
