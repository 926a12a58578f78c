"""The year 2 report's NCAN network exhibits regenerated from the records, as results.

:func:`programme_network` compares the two calendar years the report compares
(``networks.report_years`` in ``params/analysis.yml``) and returns, for each exhibit (E12
direction of referral and connections, E15 referrals between the NAS and VCS, E13 referrals
between statutory organisations, E6 reasons for referral), a table with the computed value,
its 95% interval, the published value, its source and a reconciliation; the diagrams and
sector tables (under disclosure control); and the numbers the page's prose quotes.
:func:`computed_results` gives the ratios of the evidence register, with the same settings.
The notebook is ``notebooks/programme_network.md``; THCAN is in
:mod:`ccs_methods.analyses.network_thcan`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ccs_methods.analyses import network_tables as nt
from ccs_methods.analyses.network_site import Referrals, layout, load_referrals
from ccs_methods.data.params import Params
from ccs_methods.data.readlog import cache_with_reads
from ccs_methods.errors import MethodInputError
from ccs_methods.methods import disclosure, network
from ccs_methods.methods.network_groups import sector_flow_tables
from ccs_methods.methods.network_intervals import poisson_ci, ratio_result, yoy_or_error
from ccs_methods.report import network_figures, pages
from ccs_methods.report import network_readings as readings

__all__ = [
    "NCAN",
    "REPORT_FILE",
    "RESULT_MEASURES",
    "ProgrammeNetwork",
    "computed_results",
    "figure",
    "figure_rows",
    "programme_network",
    "qualitative_row",
]

NCAN = "referrals_ncan"
#: The year 2 evaluation report (``data/published/``), source of E6, E12, E13 and E15.
REPORT_FILE = "003_be4685d4f24850f1.txt"

#: Computed results for the evidence register: result id -> NCAN measure (report years).
RESULT_MEASURES: dict[str, str] = {
    "network.ncan.connections_ratio": "connections",
    "network.ncan.statutory_to_vcs_ratio": "flow_statutory_to_vcs",
    "network.ncan.vcs_to_nas_ratio": "flow_vcs_to_lwa",
    "network.ncan.nas_to_vcs_ratio": "flow_lwa_to_vcs",
    "network.ncan.connections_per_organisation_ratio": "connections_per_organisation",
    "network.ncan.referrals_to_vcs_ratio": "referrals_to_vcs",
    "network.ncan.statutory_referring_organisations_ratio": "referring_organisations_statutory",
    "network.ncan.vcs_referring_organisations_ratio": "referring_organisations_vcs",
}

#: Published statements without numbers: exhibit -> (report section, words quoted).
QUALITATIVE: dict[str, tuple[str, str]] = {
    "E6": (
        "Key finding 3 (continued), Figure 2.5: Reasons for referrals in Norfolk, change over time",
        "The nature of referrals in the NCAN referral data has changed from 2019 to 2021 (the "
        "period of the CCS programme). This is thought to be for a number of reasons including "
        "an increase in the number of households experiencing debt due to the Covid-19 "
        "Pandemic.",
    ),
    "E13": (
        "Key finding 9, Figure 2.11: Referrals between statutory agencies in Norfolk in 2021",
        "In Norfolk, statutory services (including agencies commissioned to delivery statutory "
        "services) are using the referral system to refer to one another.",
    ),
}


# --------------------------------------------------------------------------------------------
# Published figures
# --------------------------------------------------------------------------------------------


def figure_rows(exhibit: str) -> pd.DataFrame:
    """The published figures (``data/published/figures.csv``) of one exhibit."""
    from ccs_methods.data.published import load_figures

    fig = load_figures()
    return fig[fig["exhibit"] == exhibit].reset_index(drop=True)


def figure(figure_id: str) -> pd.Series:
    """One published figure by its ``figure_id`` (value and source columns)."""
    from ccs_methods.data.published import load_figures

    fig = load_figures()
    found = fig.loc[fig["figure_id"] == figure_id]
    if found.empty:
        raise MethodInputError(f"no published figure {figure_id!r} in figures.csv",
                               column="figure_id")
    return found.iloc[0]


def qualitative_row(exhibit: str) -> pd.DataFrame:
    """A published statement without numbers, as a row with the source columns of figures.csv."""
    section, quote = QUALITATIVE[exhibit]
    return pd.DataFrame([{
        "figure_id": f"{exhibit}-norfolk-statement", "exhibit": exhibit, "site": "norfolk",
        "year": pd.NA, "period": "2019/2021", "measure": "statement", "category": "",
        "value": np.nan, "unit": "text", "source_file": REPORT_FILE, "source_section": section,
        "source_quote": quote,
        "note": "no number in the report text (data/published/NOT_IN_TEXT.md)",
    }])


def _pick(rows: pd.DataFrame, measure: str, category: str | None = None) -> pd.Series:
    sel = rows["measure"] == measure
    if category is not None:
        sel &= rows["category"] == category
    found = rows.loc[sel]
    if found.empty:
        raise MethodInputError(f"no published figure {measure!r} ({category}) in figures.csv",
                               column="measure")
    return found.iloc[0]


def _pct(v: float) -> str:
    return f"{v:+.1f}%"


def _ci_pct(res: dict[str, Any]) -> str:
    return f"{_pct(res['ci_low_pct'])} to {_pct(res['ci_high_pct'])}"


def _verdict(res: dict[str, Any], published: float) -> str:
    out = readings.reproduction_phrase(res["change_pct"], published)
    if res["ci_low_pct"] <= 0 <= res["ci_high_pct"]:
        out += "; the 95% interval includes no change"
    return out


# --------------------------------------------------------------------------------------------
# The computation, cached per process
# --------------------------------------------------------------------------------------------


@dataclass
class _Core:
    clean: pd.DataFrame
    by_year: pd.DataFrame
    yoy: dict[str, dict[str, Any]]
    flows: dict[int, tuple[pd.DataFrame, disclosure.SuppressionReport]]
    s2s: pd.DataFrame
    s2s_matrix: tuple[pd.DataFrame, disclosure.SuppressionReport] | None
    reasons: tuple[pd.DataFrame, disclosure.SuppressionReport, list[str]]
    reasons_all: tuple[pd.DataFrame, disclosure.SuppressionReport, list[str]]


@cache_with_reads(maxsize=8)
def _yoy(key: tuple[str, str, str, str], years: tuple[int, int], n_boot: int,
         seed: int) -> dict[str, dict[str, Any]]:
    from ccs_methods.analyses.network_site import _load

    clean = _load(key).clean
    clean = clean.assign(year=network.period_labels(clean, "year"))
    a, b = years
    measures = {*RESULT_MEASURES.values(), "flow_statutory_to_statutory", "organisations"}
    return {m: yoy_or_error(clean, m, a, b, period="year", n_boot=n_boot, seed=seed)
            for m in sorted(measures)}


@cache_with_reads(maxsize=4)
def _core(key: tuple[str, str, str, str], years: tuple[int, int], n_boot: int, seed: int,
          threshold: int) -> _Core:
    from ccs_methods.analyses.network_site import _load

    clean = _load(key).clean
    clean = clean.assign(year=network.period_labels(clean, "year"))
    a, b = years
    all_years = sorted(clean["year"].unique().tolist())
    parts = {int(y): clean[clean["year"] == y] for y in all_years}
    flows = {int(k): v for k, v in sector_flow_tables(parts, threshold).items()}
    s2s = network.statutory_to_statutory(parts[b]) if b in parts else pd.DataFrame()
    s2s_matrix = None
    if not s2s.empty:
        mat = s2s.pivot_table(index="from_org", columns="to_org", values="referrals",
                              aggfunc="sum", fill_value=0).astype(int)
        s2s_matrix = disclosure.suppress(mat, threshold, margins=True)
    return _Core(
        clean=clean, by_year=network.measures_by_period(clean, "year"),
        yoy=_yoy(key, years, n_boot, seed), flows=flows, s2s=s2s, s2s_matrix=s2s_matrix,
        reasons=nt.reasons_table(clean, "year", [a, b], threshold, n_boot=n_boot, seed=seed),
        reasons_all=nt.reasons_table(clean, "year", all_years, threshold, n_boot=n_boot,
                                     seed=seed),
    )


def _flow_cell(core: _Core, year: int, fs: str, ts: str) -> int | None:
    v = core.flows[year][0].loc[fs, ts]
    return None if pd.isna(v) else int(v)


# --------------------------------------------------------------------------------------------
# Exhibit tables
# --------------------------------------------------------------------------------------------


def _e12(core: _Core, years: tuple[int, int], threshold: int) -> pd.DataFrame:
    rows = figure_rows("E12")
    a, b = years
    spec = [
        ("Connections (E)", "connections", _pick(rows, "connections_change_pct")),
        ("Statutory organisations referring", "referring_organisations_statutory",
         _pick(rows, "referring_organisations_change_pct", "LA/statutory")),
        ("VCS organisations referring", "referring_organisations_vcs",
         _pick(rows, "referring_organisations_change_pct", "VCS")),
        ("Referrals to the VCS", "referrals_to_vcs", _pick(rows, "referrals_to_vcs_change_pct")),
    ]
    out = []
    for label, m, prow in spec:
        res = core.yoy[m]
        pub = float(prow["value"])
        small = m in nt.SUBGROUP_MEASURES and any(
            disclosure.is_small(res[k], threshold) for k in ("value_a", "value_b"))
        out.append({
            "measure": label,
            str(a): nt.MARK if small else nt.format_value(res["value_a"], "count"),
            str(b): nt.MARK if small else nt.format_value(res["value_b"], "count"),
            "computed change": nt.MARK if small else _pct(res["change_pct"]),
            "95% CI": nt.MARK if small else _ci_pct(res),
            "published": f"{pub:+.0f}%", "source": pages.cite(prow),
            "reconciliation": _verdict(res, pub),
        })
    cpo = core.yoy["connections_per_organisation"]
    r_a = _pick(rows[rows["period"] == str(a)], "connections_per_organisation")
    r_b = _pick(rows[rows["period"] == str(b)], "connections_per_organisation")
    ok = (abs(cpo["value_a"] - float(r_a["value"])) <= 0.05
          and abs(cpo["value_b"] - float(r_b["value"])) <= 0.05)
    out.append({
        "measure": "Connections per organisation (2E/N)",
        str(a): f"{cpo['value_a']:.2f}", str(b): f"{cpo['value_b']:.2f}",
        "computed change": _pct(cpo["change_pct"]), "95% CI": _ci_pct(cpo),
        "published": f"{float(r_a['value']):.1f} → {float(r_b['value']):.1f} "
                     f"({100 * (float(r_b['value']) / float(r_a['value']) - 1):+.0f}%)",
        "source": pages.cite(r_b),
        "reconciliation": ("reproduced to one decimal (2E/N; E/N would give half the level "
                           "with the same change)" if ok else
                           "differs from the report's levels at one decimal"),
    })
    org = core.yoy["organisations"]
    conn = _pick(rows, "connections_change_pct")
    implied = 100 * ((1 + float(conn["value"]) / 100)
                     * float(r_a["value"]) / float(r_b["value"]) - 1)
    out.append({
        "measure": "Organisations (N)", str(a): nt.format_value(org["value_a"], "count"),
        str(b): nt.format_value(org["value_b"], "count"),
        "computed change": _pct(org["change_pct"]), "95% CI": _ci_pct(org),
        "published": "not published",
        "source": "implied by the two rows above (E = N × (2E/N) / 2)",
        "reconciliation": f"the report's figures imply {implied:+.1f}% organisations",
    })
    return pd.DataFrame(out).set_index("measure")


def _e15(core: _Core, years: tuple[int, int]) -> pd.DataFrame:
    rows = figure_rows("E15")
    a, b = years
    out = []
    for label, (fs, ts), cat in (("NAS → VCS referrals", ("lwa", "vcs"), "NAS to VCS"),
                                 ("VCS → NAS referrals", ("vcs", "lwa"), "VCS to NAS")):
        prow = _pick(rows, "nas_referrals", cat)
        k = _flow_cell(core, b, fs, ts)
        lo, hi = poisson_ci(k) if k is not None else (math.nan, math.nan)
        pub = float(prow["value"])
        out.append({
            "measure": f"{label}, {b}", "computed": nt.MARK if k is None else f"{k:,}",
            "95% CI": "" if k is None else f"{lo:.0f} to {hi:.0f} (exact Poisson)",
            "published": f"{pub:,.0f}", "source": pages.cite(prow),
            "reconciliation": ("suppressed (small count)" if k is None else
                               "reproduced" if k == round(pub) else f"differs by {k - pub:+,.0f}"),
        })
    nv = core.yoy["flow_lwa_to_vcs"]
    prow = _pick(rows, "nas_referrals_change_ratio", "NAS to VCS")
    fold = nv["value_b"] / nv["value_a"]
    out.append({
        "measure": f"NAS → VCS, {a} to {b} (fold change)",
        "computed": f"{nv['value_a']:,} → {nv['value_b']:,}: ×{fold:.2f}",
        "95% CI": f"×{1 + nv['ci_low_pct'] / 100:.2f} to ×{1 + nv['ci_high_pct'] / 100:.2f}",
        "published": f"×{float(prow['value']):.0f} ('4-fold')", "source": pages.cite(prow),
        "reconciliation": ("reproduced (rounds to ×4)" if round(fold) == round(float(
            prow["value"])) else f"differs: ×{fold:.2f}"),
    })
    vn = core.yoy["flow_vcs_to_lwa"]
    prow = _pick(rows, "nas_referrals_change_pct", "VCS to NAS")
    out.append({
        "measure": f"VCS → NAS, {a} to {b} (percent change)",
        "computed": f"{vn['value_a']:,} → {vn['value_b']:,}: {_pct(vn['change_pct'])}",
        "95% CI": _ci_pct(vn), "published": f"{float(prow['value']):+.0f}%",
        "source": pages.cite(prow),
        "reconciliation": _verdict(vn, float(prow["value"]))
        + f" (a base of {vn['value_a']} referrals)",
    })
    return pd.DataFrame(out).set_index("measure")


def _e13(core: _Core, years: tuple[int, int]) -> pd.DataFrame:
    a, b = years
    res = core.yoy["flow_statutory_to_statutory"]
    pairs = core.s2s
    k = _flow_cell(core, b, "statutory", "statutory")
    stat_out = core.by_year.loc[b, "referrals_from_statutory"]
    orgs = len(set(pairs["from_org"]).union(pairs["to_org"])) if len(pairs) else 0
    lo, hi = poisson_ci(k) if k is not None else (math.nan, math.nan)
    rows = [
        {"measure": f"Statutory → statutory referrals, {b}",
         "computed": nt.MARK if k is None else f"{k:,}",
         "95% CI": "" if k is None else f"{lo:.0f} to {hi:.0f} (exact Poisson)"},
        {"measure": "Share of statutory organisations' referrals that go to statutory "
                    f"organisations, {b}",
         "computed": nt.MARK if k is None else f"{100 * k / stat_out:.1f}%", "95% CI": ""},
        {"measure": f"Pairs of statutory organisations with a referral, {b}",
         "computed": f"{len(pairs):,}", "95% CI": ""},
        {"measure": f"Statutory organisations in those pairs, {b}", "computed": f"{orgs:,}",
         "95% CI": ""},
        {"measure": f"Statutory → statutory referrals, {a} to {b}",
         "computed": ("not estimable" if "error" in res else
                      f"{res['value_a']:,} → {res['value_b']:,}: {_pct(res['change_pct'])}"),
         "95% CI": "" if "error" in res else _ci_pct(res)},
    ]
    src = f"{pages.REPORT_NAMES[REPORT_FILE]}, {QUALITATIVE['E13'][0]}"
    for r in rows:
        r["published"] = "no number in the text (chart only)"
        r["source"] = src
        r["reconciliation"] = "context (not in the report text)"
    rows[0]["reconciliation"] = ("consistent with the report's statement that statutory "
                                 "services refer to one another" if k else
                                 "not consistent: no statutory-to-statutory referral")
    return pd.DataFrame(rows).set_index("measure")


def _e6(core: _Core, years: tuple[int, int]) -> pd.DataFrame:
    table = core.reasons[0].copy()
    a, b = years
    col = f"change in share, {a} to {b} (points)"
    pub, rec = [], []
    for reason in table.index:
        if reason == network.reason_label("debt"):
            pub.append("'an increase in the number of households experiencing debt' (no number)")
            v = table.loc[reason, col]
            rising = v not in (nt.MARK, "") and float(v) > 0
            rec.append("consistent: the debt share rose" if rising else
                       "not reproduced: the debt share did not rise")
        else:
            pub.append("")
            rec.append("")
    table["published"] = pub
    table["reconciliation"] = rec
    return table


def _nas_vcs_frame(core: _Core) -> pd.DataFrame:
    data = []
    for y in sorted(core.flows):
        for label, fs, ts in (("NAS → VCS", "lwa", "vcs"), ("VCS → NAS", "vcs", "lwa")):
            k = _flow_cell(core, y, fs, ts)
            data.append({"year": str(y), "direction": label, "value": np.nan if k is None else k})
    return pd.DataFrame(data)


# --------------------------------------------------------------------------------------------
# The page's results
# --------------------------------------------------------------------------------------------


@dataclass
class ProgrammeNetwork:
    """The report's NCAN network exhibits regenerated, as results.

    Tables are display tables (strings, ``[c]`` where suppressed). ``rows`` holds every
    published figure the page sets beside a computed one (its sources are listed on the page);
    ``values`` the numbers the prose quotes; ``yoy`` the year-on-year results by measure;
    ``suppressed`` (primary, secondary) suppressed cells by step.
    """

    years: tuple[int, int]
    synthetic: bool
    threshold: int
    n_boot: int
    seed: int
    cleaning: str
    first_date: pd.Timestamp
    last_date: pd.Timestamp
    overview: pd.DataFrame
    e12: pd.DataFrame
    e15: pd.DataFrame
    e13: pd.DataFrame
    e6: pd.DataFrame
    reasons_all: pd.DataFrame
    sector_tables: dict[int, pd.DataFrame]
    s2s_table: pd.DataFrame | None
    yoy: dict[str, dict[str, Any]]
    values: dict[str, Any]
    suppressed: dict[str, tuple[int, int]]
    rows: pd.DataFrame
    diagram: Any = None
    sector_figure: Any = None
    nas_vcs_figure: Any = None
    reasons_figure: Any = None
    results: dict[str, dict[str, Any]] = field(default_factory=dict)


def programme_network(
    params: Params,
    referrals: Referrals,
    *,
    n_boot: int,
    seed: int,
    threshold: int,
    report_years: tuple[int, int],
    layout_seed: int,
) -> ProgrammeNetwork:
    """The year 2 report's NCAN network exhibits (E12, E15, E13, E6) from the records.

    Parameters
    ----------
    params
        Loaded params.
    referrals
        The NCAN records (:func:`ccs_methods.analyses.network_site.load_referrals`).
    n_boot, seed
        Bootstrap replicates and seed (``networks.bootstrap_replicates``,
        ``networks.bootstrap_seed``).
    threshold
        Disclosure threshold (``disclosure.threshold``).
    report_years
        The calendar years the report compares (``networks.report_years``).
    layout_seed
        Seed of the diagram layout (``networks.layout_seed``).

    Returns
    -------
    ProgrammeNetwork

    """
    years = (int(report_years[0]), int(report_years[1]))
    a, b = years
    core = _core(referrals.key, years, n_boot, seed, threshold)
    src = referrals.source
    syn = referrals.synthetic
    cols = {"total_referrals": ("referrals", "count"),
            "organisations": ("organisations", "count"),
            "connections": ("connections", "count"),
            "connections_per_organisation": ("connections per organisation (2E/N)", "ratio"),
            "referring_organisations": ("organisations referring", "count"),
            "cross_sector_share": ("cross-sector share of referrals", "share")}
    overview = pd.DataFrame({lab: [nt.format_value(v, kind) for v in core.by_year[m]]
                             for m, (lab, kind) in cols.items()},
                            index=pd.Index(core.by_year.index, name="calendar year"))
    parts = {y: core.clean[core.clean["year"] == y] for y in (a, b)}
    shown, dropped = nt.diagram_parts(parts, threshold, syn)
    diagram = network_figures.network_diagram(
        shown, layout(referrals, seed=layout_seed), period="year",
        title=f"NCAN referral network, {a} and {b}", source=src, synthetic=syn)
    sector_figure = network_figures.flow_heatmap(
        {y: core.flows[y][0] for y in (a, b)}, title=f"NCAN referrals between sectors, {a} and {b}",
        source=src, synthetic=syn)
    rall, rrep, rhidden = core.reasons_all
    reasons_figure = network_figures.reasons_chart(
        core.clean, rhidden, period="year", title="Reasons for referral by calendar year, NCAN",
        source=src, synthetic=syn)
    s2s_table, s2s_sup = None, (0, 0)
    if core.s2s_matrix is not None:
        mat, rep = core.s2s_matrix
        s2s_table = disclosure.format_suppressed(mat)
        s2s_table.index.name, s2s_table.columns.name = "from \\ to", None
        s2s_sup = nt.suppressed_counts([rep])
    rows = pd.concat([figure_rows("E12"), figure_rows("E15"), qualitative_row("E13"),
                      qualitative_row("E6")], ignore_index=True)
    by = core.by_year
    e12_rows, e15_rows = figure_rows("E12"), figure_rows("E15")
    ca = core.clean.loc[core.clean["year"] == a, "reason"].value_counts()
    cb = core.clean.loc[core.clean["year"] == b, "reason"].value_counts()
    allr = ca.index.union(cb.index)
    ca, cb = ca.reindex(allr, fill_value=0), cb.reindex(allr, fill_value=0)
    k_s2s = _flow_cell(core, b, "statutory", "statutory")
    values: dict[str, Any] = {
        "n_a": int(by.loc[a, "total_referrals"]), "n_b": int(by.loc[b, "total_referrals"]),
        "orgs_a": int(by.loc[a, "organisations"]), "orgs_b": int(by.loc[b, "organisations"]),
        "diagram_dropped": dropped,
        "mean_out_degree_a": float(by.loc[a, "mean_out_degree"]),
        "mean_out_degree_b": float(by.loc[b, "mean_out_degree"]),
        "mean_partners_a": float(by.loc[a, "mean_partners"]),
        "mean_partners_b": float(by.loc[b, "mean_partners"]),
        "published_connections_pct": float(_pick(e12_rows, "connections_change_pct")["value"]),
        "published_cpo_a": float(_pick(e12_rows[e12_rows["period"] == str(a)],
                                       "connections_per_organisation")["value"]),
        "published_cpo_b": float(_pick(e12_rows[e12_rows["period"] == str(b)],
                                       "connections_per_organisation")["value"]),
        "published_statutory_pct": float(_pick(e12_rows, "referring_organisations_change_pct",
                                               "LA/statutory")["value"]),
        "published_vcs_pct": float(_pick(e12_rows, "referring_organisations_change_pct",
                                         "VCS")["value"]),
        "e12_citation": pages.cite(_pick(e12_rows, "connections_change_pct")),
        "published_vcs_nas_pct": float(_pick(e15_rows, "nas_referrals_change_pct",
                                             "VCS to NAS")["value"]),
        "e15_citation": pages.cite(_pick(e15_rows, "nas_referrals_change_pct", "VCS to NAS")),
        "statutory_to_statutory": k_s2s,
        "reasons_n": len(allr), "reasons_up_count": int((cb > ca).sum()),
        "reasons_up_share": int((cb / cb.sum() > ca / ca.sum()).sum()),
        "reasons_total_a": int(ca.sum()), "reasons_total_b": int(cb.sum()),
    }
    vc = values
    vc["published_cpo_pct"] = 100 * (vc["published_cpo_b"] / vc["published_cpo_a"] - 1)
    vc["implied_organisations_pct"] = 100 * ((1 + vc["published_connections_pct"] / 100)
                                             * vc["published_cpo_a"] / vc["published_cpo_b"] - 1)
    people = figure("E10-norfolk-y2-people_referred-ncan")
    per_month = figure("E05-norfolk-post_launch-referrals_per_month_mean")
    vc.update(people=float(people["value"]), people_citation=pages.cite(people),
              per_month=float(per_month["value"]), per_month_citation=pages.cite(per_month))
    res = computed_results(params, n_boot=n_boot, seed=seed, report_years=years)
    return ProgrammeNetwork(
        years=years, synthetic=syn, threshold=threshold, n_boot=n_boot, seed=seed,
        cleaning=referrals.cleaning, first_date=core.clean["date"].min(),
        last_date=core.clean["date"].max(), overview=overview, e12=_e12(core, years, threshold),
        e15=_e15(core, years), e13=_e13(core, years), e6=_e6(core, years), reasons_all=rall,
        sector_tables={y: nt.display_counts(core.flows[y][0]) for y in (a, b)},
        s2s_table=s2s_table, yoy=core.yoy, values=values,
        suppressed={"sectors": nt.suppressed_counts([core.flows[y][1] for y in (a, b)]),
                    "statutory": s2s_sup,
                    "reasons": nt.suppressed_counts([core.reasons[1], rrep])},
        rows=rows, diagram=diagram, sector_figure=sector_figure,
        nas_vcs_figure=network_figures.nas_vcs_chart(_nas_vcs_frame(core), source=src,
                                                     synthetic=syn),
        reasons_figure=reasons_figure, results=res,
    )


# --------------------------------------------------------------------------------------------
# Computed results for the evidence register
# --------------------------------------------------------------------------------------------


def computed_results(
    params: Params,
    *,
    n_boot: int | None = None,
    seed: int | None = None,
    report_years: tuple[int, int] | None = None,
) -> dict[str, dict[str, Any]]:
    """Ratios (second report year / first) of NCAN network measures with 95% intervals.

    Options not given are read from ``params.analysis.networks`` (``bootstrap_replicates``,
    ``bootstrap_seed``, ``report_years``), so every page that states a result uses the same
    settings.

    Parameters
    ----------
    params
        Loaded params (the NCAN dataset and its source, the analysis settings).
    n_boot, seed, report_years
        Override the settings (tests).

    Returns
    -------
    dict
        ``{result id: result}`` for every id in :data:`RESULT_MEASURES`: ``ratio``,
        ``ci_low``, ``ci_high`` (95% bootstrap interval, seeded; recentred percentile for
        distinct-count measures, see :func:`ccs_methods.methods.network.yoy_change`), ``n``
        (referrals behind the estimate: for a flow, the referrals on that flow in both years;
        otherwise all referrals in both years), ``value_a``, ``value_b``, ``period_a``,
        ``period_b``, ``measure``, ``n_boot``, ``seed``, ``method``, ``dataset``,
        ``synthetic``. A measure whose interval cannot be computed is left out.

    """
    st = params.analysis.networks
    n_boot = st.bootstrap_replicates if n_boot is None else n_boot
    seed = st.bootstrap_seed if seed is None else seed
    years = tuple(int(y) for y in (report_years or st.report_years))
    referrals = load_referrals(params, NCAN)
    yoy = _yoy(referrals.key, years, n_boot, seed)  # type: ignore[arg-type]
    out: dict[str, dict[str, Any]] = {}
    for rid, m in RESULT_MEASURES.items():
        res = yoy[m]
        if "error" in res:
            continue
        n = (int(res["value_a"] + res["value_b"]) if m.startswith("flow_")
             else int(res["n_referrals_a"] + res["n_referrals_b"]))
        r = ratio_result(res, n)
        if r is None:  # pragma: no cover - errors are filtered above
            continue
        r["dataset"] = NCAN
        r["synthetic"] = bool(referrals.synthetic)
        out[rid] = r
    return out
