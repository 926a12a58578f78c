"""What params say about a site (ccs_methods.analyses.site_overview)."""

from __future__ import annotations

from ccs_methods.analyses import site_overview
from ccs_methods.data.params import load_params


def test_site_facts_and_data_availability() -> None:
    params = load_params()
    facts = site_overview.site_facts(params, "oldham").set_index("what")["this site"]
    assert facts["referral system"] == "no referral system live yet"
    assert "OCAN" in facts["advice network"]
    avail = site_overview.data_availability(params, "norfolk").set_index("dataset")
    years = [y.label for y in params.programme.years]
    assert list(avail.columns) == ["pre-CCS", *years]
    listed = params.site("norfolk").datasets["lwa_awards"]
    assert (avail.loc["lwa awards", "pre-CCS"] == "yes") == (0 in listed)
