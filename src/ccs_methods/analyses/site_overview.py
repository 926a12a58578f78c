"""What params say about one site: its facts and the data available by programme year.

Shown at the top of each site chapter (``notebooks/site.md``), below the site's "at a glance"
box. Everything is read from ``params/sites/<site>.yml`` and ``params/programme.yml``.
"""

from __future__ import annotations

import pandas as pd

from ccs_methods.data.params import Params

__all__ = ["data_availability", "site_facts"]


def site_facts(params: Params, site_id: str) -> pd.DataFrame:
    """The site's nation, crisis-support scheme and advice network, as a two-column table."""
    site = params.site(site_id)
    net = site.referral_network
    launch = (
        net.referral_system_launch.strftime("%B %Y")
        if net.referral_system_launch
        else "no referral system live yet"
    )
    kind = "Local Welfare Assistance" if site.lwa_scheme.kind == "lwa" else (
        "Discretionary Assistance Fund"
    )
    rows = [
        ("nation", site.nation),
        ("crisis-support scheme", f"{site.lwa_scheme.name} ({site.lwa_scheme.short_name}; {kind};"
                                  f" counted as {site.lwa_scheme.award_unit})"),
        ("advice network", f"{net.name} ({net.short_name})"),
        ("referral system", launch),
    ]
    return pd.DataFrame(rows, columns=["what", "this site"])


def data_availability(params: Params, site_id: str) -> pd.DataFrame:
    """Which datasets the site file lists for each period (pre-CCS and each programme year)."""
    site = params.site(site_id)
    years = params.programme.years
    cols = ["pre-CCS", *[y.label for y in years]]
    rows = []
    for name, listed in site.datasets.items():
        marks = ["yes" if n in listed else "–" for n in [0, *[y.number for y in years]]]
        rows.append([name.replace("_", " "), *marks])
    return pd.DataFrame(rows, columns=["dataset", *cols])
