"""The front page's findings, site grid and KPI dashboard (ccs_methods.analyses.findings)."""

from __future__ import annotations

import pandas as pd
import pytest

from ccs_methods.analyses import contribution, findings
from ccs_methods.data.params import load_params


@pytest.fixture(scope="module")
def synthesis():
    params = load_params()
    s = params.analysis.contribution
    register = contribution.load_register(params)
    syn = contribution.programme_synthesis(
        register, supported_at=s.supported_at, unsupported_below=s.unsupported_below,
        sensitivity_perturb=s.sensitivity_perturb,
    )
    return register, syn


def test_headline_table_has_a_row_and_three_links_per_claim(synthesis) -> None:
    register, syn = synthesis
    table = findings.headline_table(syn.table, register.toc.claims)
    assert len(table) == len(register.toc.claims) == len(syn.table)
    for row, claim in zip(table.to_dict("records"), syn.table.itertuples(), strict=True):
        assert row["finding"].startswith(f"**{claim.finding}.** ")
        cell = row["evidence, source, method"]
        assert f"<{findings.claim_anchor(claim.claim_id)}>`" in cell
        assert "quote: {ref}`" in cell and "<source-00" in cell
        assert "<method-contribution-updating>" in cell
        # the answer states the label, the posterior and its range, computed not typed
        answer = row["the book's answer"]
        assert f"**{claim.verbal}**" in answer and f"{claim.posterior:.2f}" in answer
        assert f"{claim.posterior_min:.2f}–{claim.posterior_max:.2f}" in answer


def test_claim_anchor_is_a_valid_label() -> None:
    assert findings.claim_anchor("y2_kf01") == "claim-y2-kf01"


def test_site_grid_names_the_label_in_words(synthesis) -> None:
    _, syn = synthesis
    grid = findings.site_claim_grid(syn.table, ["norfolk", "oldham"],
                                    {"norfolk": "Norfolk", "oldham": "Oldham"})
    assert list(grid.columns) == ["finding", "Norfolk", "Oldham"]
    kf7 = syn.table.set_index("finding").loc["Year 2 key finding 7"]  # Oldham, Tower Hamlets
    row = grid.set_index("finding").loc["Year 2 key finding 7"]
    assert "not a claim here" in row["Norfolk"]
    assert f">{kf7['verbal']}<" in row["Oldham"]  # the word, not only a colour
    assert 'class="ccs-conf ccs-conf-' in row["Oldham"]


def test_claim_evidence_compact_view_and_full_table(synthesis) -> None:
    register, _ = synthesis
    compact, full = findings.claim_evidence(register, "y2_kf10")
    assert list(compact.index) == list(full.index) == list(
        register.claim_rows("y2_kf10")["evidence_id"])
    assert compact.shape[1] == 6 and full.shape[1] > compact.shape[1]
    doc = compact["source"][~compact["source"].str.startswith("computed")]
    assert doc.str.startswith("{ref}`").all()


@pytest.mark.parametrize(("text", "expected"), [
    ("300+ based on monitoring data provided", (300.0, "+")),
    ("Approx. 20,554 awards in 3 pilot sites", (20554.0, "approx")),
    ("Unknown", (None, "")),
    (float("nan"), (None, "")),
])
def test_leading_number(text, expected) -> None:
    assert findings.leading_number(text) == expected


def test_kpi_dashboard_progress_from_the_published_values() -> None:
    k = findings.kpi_dashboard({3: "year2", 5: "year1"})
    t = k.table
    # KPI 3: "300+" against 360 successful referrals; KPI 5: 121 organisations against 80
    assert t.loc[3, "progress to target"] == f"{300 / 360:.0%}"
    assert t.loc[5, "progress to target"] == f"{121 / 80:.0%}"
    assert t.loc[3, "latest published"] == "300+ (year 2)"
    # KPI 1 is not listed: no progress is claimed for it
    assert t.loc[1, "progress to target"] == "–"
    assert k.n_with_progress == 2
    assert isinstance(k.rows, pd.DataFrame) and set(k.rows["exhibit"]) == {"E16"}


def test_network_levels_names_each_network_with_a_result() -> None:
    from ccs_methods.report import findings_readings as fr

    res = {"its.ncan.level_change": {"rate_ratio": 0.98, "ci_low": 0.85, "ci_high": 1.14,
                                     "n": 60}}
    text = fr.network_levels(res, {"ncan": "NCAN (Norfolk)", "thcan": "THCAN (Tower Hamlets)"})
    assert text == "NCAN (Norfolk) 0.98 (95% CI 0.85 to 1.14), n = 60 months"
    assert fr.network_levels({}, {"ncan": "NCAN"}).startswith("none")


def test_kpi_setting_rejects_an_unknown_year(tmp_path) -> None:
    """`kpis.latest` takes year1 or year2 only: a typo is a clear params error, not a blank."""
    import shutil

    from ccs_methods.data.params import load_params
    from ccs_methods.errors import CCSInputError

    params = tmp_path / "params"
    shutil.copytree(load_params().root, params)
    yml = params / "analysis.yml"
    yml.write_text(yml.read_text(encoding="utf-8").replace("3: year2", "3: year9"),
                   encoding="utf-8")
    with pytest.raises(CCSInputError, match="kpis"):
        _ = load_params(params).analysis
