"""Short phrases for the front page's answers (one phrase each, glued into the template prose)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ccs_methods.report import fmt

__all__ = ["data_kind", "network_levels", "site_ratios", "status_counts"]


def site_ratios(results: Mapping[str, Mapping[str, Any]], names: Mapping[str, str],
                prefix: str) -> str:
    """Each site's rate ratio with its interval and years: ``Norfolk 1.48 (95% CI …, 4 years)``.

    Parameters
    ----------
    results
        Computed results by id (``trend.lwa.<site>``: ``rate_ratio``, ``ci_low``, ``ci_high``,
        ``n``).
    names
        Display name per site id, in the order wanted.
    prefix
        Result id prefix, e.g. ``"trend.lwa."``.

    """
    parts = []
    for site, name in names.items():
        r = results.get(f"{prefix}{site}")
        if r is None:
            parts.append(f"{name}: no result")
            continue
        parts.append(
            f"{name} {fmt.ratio_ci(r['rate_ratio'], r['ci_low'], r['ci_high'])}, "
            f"n = {int(r['n'])} years"
        )
    return "; ".join(parts) if parts else "no site has a result"


def network_levels(results: Mapping[str, Mapping[str, Any]], networks: Mapping[str, str]) -> str:
    """Each referral network's ITS level change: ``NCAN (Norfolk) 0.98 (95% CI …), n = 60 months``.

    Parameters
    ----------
    results
        Computed results by id (``its.<network>.level_change``: ``rate_ratio``, ``ci_low``,
        ``ci_high``, ``n``).
    networks
        Network key (the short name in lower case, as in the result ids) -> label, in the
        order wanted; networks without a result are left out.

    """
    parts = []
    for key, label in networks.items():
        r = results.get(f"its.{key}.level_change")
        if r:
            parts.append(f"{label} {fmt.ratio_ci(r['rate_ratio'], r['ci_low'], r['ci_high'])}, "
                         f"n = {int(r['n'])} months")
    return "; ".join(parts) if parts else (
        "none: no referral network has records before and after the CCS start")


def data_kind(datasets: Sequence[str]) -> str:
    """How a result's data is labelled: synthetic stand-in (an illustration) or real."""
    if datasets:
        return (
            f"computed on synthetic stand-in data ({', '.join(sorted(set(datasets)))}): an "
            "illustration of the method, not evidence about CCS"
        )
    return "computed on real data"


def status_counts(counts: Mapping[str, int], labels: Mapping[str, str]) -> str:
    """``12 supported, 5 uncertain, 2 not supported`` from status counts and their labels."""
    return ", ".join(f"{int(counts.get(k, 0))} {v}" for k, v in labels.items())
