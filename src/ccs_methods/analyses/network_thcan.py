"""The THCAN referral network in Tower Hamlets (E7), as results.

THCAN's referral system went live during programme year 2, so there is no earlier data to
compare with: :func:`thcan_network` describes the network over the whole extract, with the
same disclosure control as the site pages, and sets the report's published counts (E7, E10)
beside the records. The notebook is ``notebooks/programme_network.md``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ccs_methods.analyses import network_tables as nt
from ccs_methods.analyses.network_programme import REPORT_FILE, figure_rows
from ccs_methods.analyses.network_site import (
    Referrals,
    Window,
    coverage,
    layout,
    published_network_rows,
    reconcile_published,
)
from ccs_methods.data.params import Params
from ccs_methods.methods import network
from ccs_methods.methods.network_groups import hidden_totals, sector_flow_tables
from ccs_methods.report import network_figures, pages

__all__ = ["THCAN", "ThcanNetwork", "thcan_network"]

THCAN = "referrals_thcan"


@dataclass
class ThcanNetwork:
    """The THCAN network over its whole extract.

    ``available`` is False when no site in params uses the THCAN dataset (``reason`` says so).
    Tables are display tables (``[c]`` where suppressed); ``rows`` the published figures
    reconciled; ``values`` the numbers the prose quotes.
    """

    available: bool
    reason: str = ""
    site_id: str = ""
    synthetic: bool = False
    cleaning: str = ""
    reconciliation: pd.DataFrame | None = None
    measures: pd.DataFrame | None = None
    sector_table: pd.DataFrame | None = None
    acceptance_table: pd.DataFrame | None = None
    diagram: Any = None
    sector_figure: Any = None
    rows: pd.DataFrame = field(default_factory=pd.DataFrame)
    values: dict[str, Any] = field(default_factory=dict)


def thcan_network(params: Params, referrals: Referrals | None, *, threshold: int,
                  layout_seed: int) -> ThcanNetwork:
    """THCAN over its whole extract, reconciled with the report (E7, E10).

    Parameters
    ----------
    params
        Loaded params.
    referrals
        The THCAN records (:func:`ccs_methods.analyses.network_site.load_referrals`), or
        ``None`` when no site uses them.
    threshold
        Disclosure threshold (``disclosure.threshold``).
    layout_seed
        Seed of the diagram layout (``networks.layout_seed``).

    Returns
    -------
    ThcanNetwork

    """
    site = next((s for s in params.sites.values()
                 if s.referral_network.referral_dataset == THCAN), None)
    if site is None or referrals is None:
        return ThcanNetwork(False, reason="No site in params uses the THCAN referral dataset.")
    clean = referrals.clean
    rows = figure_rows("E7")
    e10 = published_network_rows(site.id, 2, "THCAN")
    rows_all = pd.concat([rows, e10], ignore_index=True).drop_duplicates("figure_id")
    y2 = params.programme.year(2)
    recon = reconcile_published(rows_all, clean, (pd.Timestamp(y2.start), pd.Timestamp(y2.end)))
    first, last = clean["date"].min(), clean["date"].max()
    thcan_row = rows.loc[rows["measure"] == "referrals"].iloc[0]
    published = f"{float(thcan_row['value']):,.0f}"
    recon.loc[f"Referrals, {first:%b %Y} to {last:%b %Y} (whole extract)"] = pd.Series({
        "computed": f"{len(clean):,}",
        "published": "period stated, no count",
        "source": f"{pages.REPORT_NAMES[REPORT_FILE]}, Methods (data sources)",
        "reconciliation": ("the methods section says the THCAN data represent March to "
                           f"October 2021, {pages.cite(thcan_row)} counts {published} for "
                           f"March to September; the extract runs to {last:%-d %B %Y}, so "
                           f"October's referrals are in the extract but not in the {published}"),
    })
    label = f"{first:%b}–{last:%b %Y}"
    ftable, frep = sector_flow_tables({label: clean}, threshold)[label]
    hidden = hidden_totals(ftable)
    atable, arep = nt.acceptance_table(clean, threshold, hidden=hidden)
    m = network.measures_by_period(clean.assign(period=label), "period")
    measures = nt.measure_table(m, [label], {}, {label: hidden}, compare=False,
                                threshold=threshold)
    src = referrals.source
    n_p, n_s = nt.suppressed_counts([frep, arep])
    cov = coverage(clean, Window("THCAN extract", first.date(), last.date()))
    return ThcanNetwork(
        available=True, site_id=site.id, synthetic=referrals.synthetic,
        cleaning=referrals.cleaning, reconciliation=recon, measures=measures,
        sector_table=nt.display_counts(ftable), acceptance_table=atable,
        diagram=network_figures.network_diagram(
            {label: clean}, layout(referrals, seed=layout_seed), period="period",
            title="THCAN referral network, Tower Hamlets", source=src,
            synthetic=referrals.synthetic),
        sector_figure=network_figures.flow_heatmap(
            {label: ftable}, title="THCAN referrals between sectors", source=src,
            synthetic=referrals.synthetic),
        rows=rows_all,
        values={"n": len(clean), "organisations": int(m.iloc[0]["organisations"]),
                "first": first, "last": last, "coverage": cov, "label": label,
                "launch": site.referral_network.referral_system_launch,
                "n_suppressed_primary": n_p, "n_suppressed_secondary": n_s},
    )
