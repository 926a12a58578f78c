"""Short reading phrases for the contribution pages: one phrase each, glued into the prose.

Each function turns a result of the contribution analysis (a posterior, a verdict, a list of
evidence ids) into the few words a page's Markdown quotes with ``{glue:text}``. None of them
writes a paragraph; the sentences live in the notebooks. Thresholds are passed in from
``params/analysis.yml`` (``contribution.supported_at`` and ``contribution.unsupported_below``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

from ccs_methods.errors import MethodInputError
from ccs_methods.methods import contribution as ca
from ccs_methods.report.pages import REPORT_NAMES

__all__ = [
    "RIVAL_ORDER",
    "VERDICT_LABELS",
    "agreement_phrase",
    "assumption_label",
    "cite_source",
    "claim_headline",
    "claim_status",
    "computed_value",
    "data_phrase",
    "illustration_label",
    "items_phrase",
    "list_phrase",
    "main_rival",
    "pending_phrase",
    "range_label",
    "register_phrase",
    "register_scope",
    "site_names",
    "status_label",
    "strongest_test",
    "synthetic_phrase",
    "verbal_scale",
    "verdict_label",
    "years_phrase",
]

#: Verdicts of the evaluators on the logic-model assumptions, as the report writes them.
VERDICT_LABELS: dict[str | None, str] = {
    "yes": "Yes",
    "yes_but": "Yes but…",
    "partially": "Partially…",
    "no": "No",
    None: "no verdict in the report",
}
#: Order in which an open rival is "main": a supported rival first, then plausible, untested.
RIVAL_ORDER: dict[str, int] = {
    "supported": 0,
    "remains_plausible": 1,
    "untested": 2,
    "weakened": 3,
    "ruled_out": 4,
}
_SOURCE_SPLIT = " § "


def claim_status(posterior: float, *, supported_at: float, unsupported_below: float) -> str:
    """``supported``, ``uncertain`` or ``not_supported`` for a posterior.

    Parameters
    ----------
    posterior
        A probability in [0, 1].
    supported_at, unsupported_below
        The bands (``contribution.supported_at``, ``contribution.unsupported_below``).

    Returns
    -------
    str

    Raises
    ------
    MethodInputError
        The posterior is not a probability, or the bands are not ordered.

    """
    p = float(posterior)
    if not 0.0 <= p <= 1.0 or math.isnan(p):
        raise MethodInputError(f"posterior must be in [0, 1]; got {posterior!r}")
    if not 0.0 < unsupported_below < supported_at < 1.0:
        raise MethodInputError(
            f"need 0 < unsupported_below < supported_at < 1; got {unsupported_below!r}, "
            f"{supported_at!r}"
        )
    if p >= supported_at:
        return "supported"
    return "not_supported" if p < unsupported_below else "uncertain"


def status_label(status: str, *, supported_at: float, unsupported_below: float) -> str:
    """A status id in words with its band, e.g. ``supported (posterior ≥ 0.66)``."""
    labels = {
        "supported": f"supported (posterior ≥ {supported_at:g})",
        "uncertain": f"uncertain or mixed ({unsupported_below:g} to {supported_at:g})",
        "not_supported": f"not supported (posterior < {unsupported_below:g})",
        "no_claim": "no claim on this outcome",
    }
    if status not in labels:
        raise MethodInputError(f"unknown claim status {status!r}; known: {sorted(labels)}")
    return labels[status]


def verdict_label(verdict: str | None) -> str:
    """The evaluators' verdict on an assumption as the report writes it (``Yes but…``)."""
    return VERDICT_LABELS.get(verdict, str(verdict))


def assumption_label(assumption_id: str) -> str:
    """``A3`` for the register's ``as3_...`` assumption ids; other ids unchanged."""
    m = re.match(r"^as(\d+)", assumption_id)
    return f"A{m.group(1)}" if m else assumption_id


def cite_source(source: str) -> str:
    """A ``file § section`` source with the report's name in place of its file name."""
    if _SOURCE_SPLIT in source:
        f, sec = source.split(_SOURCE_SPLIT, 1)
        return f"{REPORT_NAMES.get(f, f)} § {sec}"
    return source


def site_names(sites: Sequence[str]) -> str:
    """Site ids in words: ``Tower Hamlets, the programme as a whole``."""
    return ", ".join(
        "the programme as a whole" if s == "programme" else s.replace("_", " ").title()
        for s in sites
    )


def list_phrase(items: Sequence[str], none: str = "none") -> str:
    """Items joined by semicolons, or ``none`` when there are none."""
    return "; ".join(str(i) for i in items) or none


def items_phrase(n: int, noun: str = "item") -> str:
    """A count with its noun: ``1 item``, ``3 items``."""
    return f"{n} {noun}" + ("" if n == 1 else "s")


def range_label(low: float, high: float, fragile: bool = False) -> str:
    """The posterior range under the sensitivity sweep: ``0.80 to 0.91`` (``(fragile)``)."""
    return f"{low:.2f} to {high:.2f}" + (" (fragile)" if fragile else "")


def illustration_label(posterior: float, n_items: int) -> str:
    """What the synthetic-data items would give: ``0.93 (2 synthetic items)``."""
    if not n_items:
        return "no synthetic item"
    return f"{posterior:.2f} ({n_items} synthetic item{'s' if n_items > 1 else ''})"


def claim_headline(posterior: float, verbal: str, low: float, high: float) -> str:
    """One claim's headline: ``posterior 0.87: likely that CCS contributed (0.80 to 0.91)``."""
    return (
        f"posterior {posterior:.2f}: {verbal} that CCS contributed as claimed "
        f"(range {low:.2f} to {high:.2f} when one judgement moves)"
    )


def strongest_test(evidence_id: str | None, test_type: str = "", ratio: float = 1.0) -> str:
    """The strongest item of a claim: ``E012: smoking gun (LR 4.50)``, or ``none``."""
    if not evidence_id:
        return "none"
    return f"{evidence_id}: {test_type} (LR {ratio:.2f})"


def main_rival(claim_id: str, rivals: Sequence[ca.Rival]) -> str:
    """The main rival still open for a claim, with its status, or why there is none."""
    mine = [r for r in rivals if claim_id in r.claims]
    if not mine:
        return "no rival recorded"
    open_ = [r for r in mine if r.status in ca.OPEN_RIVAL_STATUSES]
    if not open_:
        return f"none open ({len(mine)} weakened or ruled out)"
    best = min(enumerate(open_), key=lambda t: (RIVAL_ORDER[t[1].status], t[0]))[1]
    return f"{best.label} ({best.status.replace('_', ' ')})"


def _num(v: Any) -> str:
    v = float(v)
    return f"{v:.3g}" if abs(v) < 1000 else f"{v:,.0f}"


def computed_value(rule: ca.EvidenceRule | None, result: Mapping[str, Any]) -> str:
    """A computed result as the rule reads it: ``rate ratio 1.2 (95% CI 0.9 to 1.6; null 1)``.

    Parameters
    ----------
    rule
        The evidence rule applied (``interval`` or threshold kind), or None.
    result
        The result's values.

    Returns
    -------
    str
        With ``, n = …`` when the result carries its n.

    """
    if rule is not None and rule.kind == "interval":
        est = f"{str(rule.estimate).replace('_', ' ')} {_num(result[str(rule.estimate)])}"
        ci = f"95% CI {_num(result[str(rule.low)])} to {_num(result[str(rule.high)])}"
        text = f"{est} ({ci}; null {rule.null_value:g})"
    elif rule is not None:
        text = f"{rule.value} {_num(result[str(rule.value)])} (threshold {rule.threshold:g})"
    else:
        text = ", ".join(f"{k} {v}" for k, v in result.items())
    if "n" in result:
        text += f", n = {result['n']}"
    return text


def synthetic_phrase(evidence_ids: Sequence[str], datasets: Sequence[str]) -> str:
    """Which computed items come from synthetic data, ending a sentence "…, and are left out".

    Returns
    -------
    str
        ``none of the computed items comes from synthetic stand-in data`` or
        ``3 computed items (E014, E015, E043) come from synthetic stand-in data
        (lwa_awards, referrals_ncan)``.

    """
    if not evidence_ids:
        return "none of the computed items comes from synthetic stand-in data"
    verb = "comes" if len(evidence_ids) == 1 else "come"
    return (
        f"{items_phrase(len(evidence_ids), 'computed item')} ({', '.join(evidence_ids)}) {verb} "
        f"from synthetic stand-in data ({', '.join(datasets)})"
    )


def pending_phrase(findings: Sequence[str]) -> str:
    """Which claims wait for computed evidence: ``none`` or ``Year 2 key finding 5; …``."""
    return list_phrase(findings, none="none")


def verbal_scale(scale: Sequence[tuple[float, str]] = ca.VERBAL_SCALE) -> str:
    """The verbal scale with its lower bounds: ``virtually certain from 0.99; …``."""
    return "; ".join(f"{word} from {cut:.2f}" for cut, word in scale if cut > 0)


def years_phrase(years: Sequence[int]) -> str:
    """Programme years in words: ``year 1``, ``years 1 and 2``, ``years 1, 2 and 3``."""
    ys = [str(int(y)) for y in sorted(set(years))]
    if not ys:
        return "no year"
    if len(ys) == 1:
        return f"year {ys[0]}"
    return f"years {', '.join(ys[:-1])} and {ys[-1]}"


def data_phrase(synthetic: bool, datasets: Sequence[str]) -> str:
    """What data a section rests on, ending a sentence "The data is …"."""
    names = ", ".join(datasets)
    if synthetic:
        return (
            f"a synthetic stand-in ({names}), generated by seeded code and reconciled to the "
            "published figures: it has the shape of the private records, not their content"
        )
    return f"a real extract ({names})"


def register_phrase(pending_reason: str | None) -> str:
    """What happens to a computed result in the evidence register: pending (why) or entered."""
    if pending_reason:
        return f"stays pending in the evidence register ({pending_reason})"
    return "enters the evidence register as computed evidence"


def register_scope(site_name: str, reported_years: Sequence[int]) -> str:
    """Which years of a site the evidence register's rows can be about, as one clause.

    The register's document evidence is transcribed from the published reports, so it covers a
    site only in the years the reports cover it
    (:attr:`ccs_methods.analyses.contribution.Register.reported_years`).

    Parameters
    ----------
    site_name
        The site's display name.
    reported_years
        The programme years the reports cover the site (empty for a site added later).

    Returns
    -------
    str
        ``"the published reports its rows come from cover Norfolk in years 1 and 2 only"``
        or ``"the published reports its rows come from do not cover Leeds"``.

    """
    if not reported_years:
        return f"the published reports its rows come from do not cover {site_name}"
    return (
        f"the published reports its rows come from cover {site_name} in "
        f"{years_phrase(reported_years)} only"
    )


def agreement_phrase(differences: Sequence[str]) -> str:
    """Whether the register's assumption verdicts agree with the published table."""
    if not differences:
        return "agree with the published assumptions table"
    return "differ from the published assumptions table: " + "; ".join(differences)
