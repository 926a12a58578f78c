"""The front page's findings: each claim's answer and confidence, a site grid, the KPI dashboard.

Everything here is read off the contribution synthesis
(:func:`ccs_methods.analyses.contribution.programme_synthesis`) and the published KPI table
(``E16``); nothing is typed. Cells that hold links are MyST roles from
:mod:`ccs_methods.report.links` (shown with :func:`ccs_methods.report.display.show_myst_table`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ccs_methods.analyses import exhibits
from ccs_methods.data import published
from ccs_methods.data.paths import data_dir
from ccs_methods.report import links

__all__ = [
    "KpiDashboard",
    "claim_anchor",
    "claim_evidence",
    "confidence_cell",
    "headline_table",
    "kpi_dashboard",
    "leading_number",
    "site_claim_grid",
]


def claim_anchor(claim_id: str) -> str:
    """The label of a claim's evidence table on the programme contribution page."""
    return "claim-" + re.sub(r"[^a-z0-9]+", "-", str(claim_id).lower()).strip("-")


def _claim_source(source: Mapping[str, str] | None) -> str:
    if not source:
        return "–"
    return links.source(source["file"], f"{source['file'][:3]} § {source['section']}")


def headline_table(
    synthesis: pd.DataFrame,
    claims: Sequence[object],
) -> pd.DataFrame:
    """One row per claim: the finding, the book's answer, its confidence and the links.

    Parameters
    ----------
    synthesis
        :attr:`ProgrammeSynthesis.table` (columns ``claim_id``, ``finding``, ``posterior``,
        ``posterior_min``, ``posterior_max``, ``verbal``, ``n_used``, ``n_items``, ``status``).
    claims
        The register's claims (objects with ``id``, ``text`` and ``source``).

    Returns
    -------
    pandas.DataFrame
        Columns ``finding`` (the finding and the claim's words), ``the book's answer`` and
        ``evidence, source, method`` (three links: the claim's evidence rows, the report's
        quoted passage, the method section); every cell MyST.

    """
    by_id = {str(getattr(c, "id", "")): c for c in claims}
    rows = []
    for r in synthesis.itertuples(index=False):
        claim = by_id.get(str(r.claim_id))
        text = re.sub(r"\s+", " ", str(getattr(claim, "text", ""))).strip()
        source = getattr(claim, "source", None)
        src = source if isinstance(source, Mapping) else (
            {"file": source.file, "section": source.section} if source is not None else None
        )
        answer = (
            f"**{r.verbal}** that CCS contributed: posterior {r.posterior:.2f} "
            f"(range {r.posterior_min:.2f}–{r.posterior_max:.2f}), {int(r.n_used)} of "
            f"{int(r.n_items)} evidence items counted"
        )
        rows.append({
            "finding": f"**{r.finding}.** {text.replace('|', '/')}",
            "the book's answer": answer,
            "evidence, source, method": (
                f"{{ref}}`evidence rows <{claim_anchor(r.claim_id)}>`; "
                f"quote: {_claim_source(src)}; "
                + links.method("contribution-updating", "method")
            ),
        })
    return pd.DataFrame(rows)


def claim_evidence(register: object, claim_id: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A claim's evidence rows: a compact view with source links, and the full table.

    Parameters
    ----------
    register
        The contribution register (:class:`ccs_methods.analyses.contribution.Register`).
    claim_id
        The claim.

    Returns
    -------
    tuple of pandas.DataFrame
        The compact view (evidence, observed, direction, test type, LR, counted, source
        with a link to the report's quoted passages; MyST cells) and the full reader table of
        :func:`ccs_methods.analyses.contribution.evidence_display` (for the CSV).

    """
    from ccs_methods.analyses import contribution
    from ccs_methods.analyses.sources import split_source

    rows = register.claim_rows(claim_id)  # type: ignore[attr-defined]
    full = contribution.evidence_display(register, rows)  # type: ignore[arg-type]
    raw = rows.set_index("evidence_id")["source"].astype(str)
    compact = full[["observed", "direction", "test type", "LR", "counted"]].copy()
    compact["source"] = [
        links.source(split_source(raw[e])[0], text) if not raw[e].startswith("computed:")
        else text
        for e, text in zip(full.index, full["source"].astype(str), strict=True)
    ]
    return compact, full


def confidence_cell(verbal: str | None) -> str:
    """An HTML cell naming a confidence label in words, coloured by ``ccs-conf-*`` CSS."""
    if not verbal:
        return '<span class="ccs-conf ccs-conf-none">not a claim here</span>'
    cls = re.sub(r"[^a-z]+", "-", verbal.lower()).strip("-")
    return f'<span class="ccs-conf ccs-conf-{cls}">{verbal}</span>'


def site_claim_grid(
    synthesis: pd.DataFrame, sites: Sequence[str], names: Mapping[str, str]
) -> pd.DataFrame:
    """Claims (rows) by site (columns): the claim's confidence where it concerns the site.

    The register weighs each claim once, on all its evidence, for every site it names; a site
    the claim does not name shows *not a claim here*. Cells are HTML (colour and words).

    Parameters
    ----------
    synthesis
        :attr:`ProgrammeSynthesis.table` (``finding``, ``sites`` as a comma list, ``verbal``).
    sites
        Site ids, in column order.
    names
        Display name per site id.

    """
    out = []
    for r in synthesis.itertuples(index=False):
        concerned = {s.strip() for s in str(r.sites).split(",")}
        programme = "programme" in concerned
        row = {"finding": str(r.finding)}
        for s in sites:
            row[names.get(s, s)] = confidence_cell(
                str(r.verbal) if (s in concerned or programme) else None
            )
        out.append(row)
    return pd.DataFrame(out)


_NUMBER = re.compile(
    r"(?P<q>approx\.?|about|around|over|nearly|c\.)?\s*(?P<n>\d[\d,]*)(?P<plus>\+)?",
    re.IGNORECASE,
)


def leading_number(text: object) -> tuple[float | None, str]:
    """The first number in a published text and its qualifier (``"300+"`` → ``(300, "+")``).

    Returns ``(None, "")`` when the text has no number (``"Unknown"``).
    """
    m = _NUMBER.search(str(text)) if isinstance(text, str) else None
    if not m:
        return None, ""
    qual = (m.group("q") or "").lower().rstrip(".") + ("+" if m.group("plus") else "")
    return float(m.group("n").replace(",", "")), qual.strip()


@dataclass(frozen=True)
class KpiDashboard:
    """E16 with progress to the year 3 targets."""

    table: pd.DataFrame  #: indexed by KPI; target, baseline, latest published value, progress
    rows: pd.DataFrame  #: the published KPI rows with their sources
    n_with_progress: int  #: KPIs whose latest value and target are both numbers


def kpi_dashboard(latest: Mapping[int, str]) -> KpiDashboard:
    """The KPI dashboard: each KPI's year 3 target, latest published value and progress.

    The target level is the quasi-baseline plus the target where a baseline is published
    (KPIs stated as an increase above baseline), else the target itself. Progress is the
    latest published value (year 2, else year 1: the first number in its text) divided by the
    target level; it is computed as published and carries the report's caveat, since the
    values cover different sites and are not attributable to CCS.

    Parameters
    ----------
    latest
        KPI number -> ``"year1"`` or ``"year2"``: the published column read as that KPI's
        latest programme-wide value (``settings.kpis.latest``); KPIs not listed show no
        progress.
    """
    k = exhibits.kpis()
    src = k.rows
    pub = published.load_kpis(data_dir=data_dir())
    out = []
    for r in pub.itertuples(index=False):
        base = r.quasi_baseline_value if pd.notna(r.quasi_baseline_value) else None
        target = r.target_value if pd.notna(r.target_value) else None
        level = None if target is None else (target + base if base else target)
        col = latest.get(int(r.kpi))
        value, qual = leading_number(getattr(r, f"{col}_text")) if col else (None, "")
        which = f"year {col[-1]}" if col else ""
        progress = value / level if (value is not None and level) else np.nan
        out.append({
            "KPI": int(r.kpi),
            "indicator": r.indicator,
            "year 3 target level": "–" if level is None else f"{level:,.0f}",
            "latest published": "unknown" if value is None
            else f"{qual + ' ' if qual and qual != '+' else ''}{value:,.0f}"
            f"{'+' if qual == '+' else ''} ({which})",
            "progress to target": "–" if np.isnan(progress) else f"{progress:.0%}",
            "caveat": str(r.caveat).split(". KPIs set")[0],
        })
    table = pd.DataFrame(out).set_index("KPI")
    n = int((table["progress to target"] != "–").sum())
    return KpiDashboard(table, src, n)
