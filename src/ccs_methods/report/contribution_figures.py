"""Figures of the contribution analysis: sensitivity, posteriors per claim, theory of change.

Every figure goes through :mod:`ccs_methods.report.plots` (theme, palette, title, axis labels,
source line, alt text). The status bands and the sensitivity sweep are passed in from
``params/analysis.yml`` (``contribution.*``), never read from module constants.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Sequence
from typing import Any

import networkx as nx
import pandas as pd
from matplotlib.patches import Patch

from ccs_methods.methods import contribution as ca
from ccs_methods.report import plots
from ccs_methods.report.contribution_readings import status_label

__all__ = [
    "STATUS_COLOURS",
    "node_status",
    "posterior_chart",
    "sensitivity_figure",
    "theory_of_change_figure",
]

#: Fill colour of a theory-of-change box by the support for its claims.
STATUS_COLOURS: dict[str, str] = {
    "supported": plots.PALETTE[2],
    "uncertain": plots.PALETTE[1],
    "not_supported": plots.PALETTE[5],
    "no_claim": "#DDDDDD",
}
#: A mark per status, written in each box and in the legend: colour is not the only carrier.
STATUS_MARKS: dict[str, str] = {
    "supported": "\u2714",  # heavy check mark
    "uncertain": "?",
    "not_supported": "\u2718",  # heavy ballot x
    "no_claim": "",
}
#: The IPCC "very likely" cut point (:data:`ccs_methods.methods.contribution.VERBAL_SCALE`).
_VERY_LIKELY = 0.9


def sensitivity_figure(
    claim: ca.Claim,
    rows: pd.DataFrame,
    *,
    priors: Sequence[float],
    perturb: float,
    supported_at: float,
    unsupported_below: float,
    illustrative: Any = (),
) -> plots.Figure:
    """Posterior against prior, and its range when each judgement moves by ``perturb``.

    Parameters
    ----------
    claim
        The claim.
    rows
        Its evidence rows (pending rows are ignored).
    priors
        Priors of the left panel (``contribution.sensitivity_priors``).
    perturb
        How far each elicited probability moves (``contribution.sensitivity_perturb``).
    supported_at, unsupported_below
        Status bands drawn as dashed lines (``contribution.*``).
    illustrative
        Evidence ids left out of the headline (computed from synthetic data).

    Returns
    -------
    matplotlib.figure.Figure
        Two panels, with alt text.

    """
    sweep = ca.sensitivity_sweep(
        claim, rows, priors=priors, perturb=perturb, illustrative=illustrative
    )
    by_prior = sweep[sweep["scenario"] == "prior"]
    base = float(sweep.loc[sweep["scenario"] == "elicited", "posterior"].iloc[0])
    pert = sweep[sweep["scenario"] == "perturbed"]
    fig, (ax, ax2) = plots.new_figure(1, 2, figsize=(9, 4.2))
    ax.plot([0, 1], [0, 1], ls=":", color="#999999", lw=1, label="no evidence (posterior = prior)")
    ax.plot(
        by_prior["prior"],
        by_prior["posterior"],
        marker="o",
        color=plots.PALETTE[0],
        label="posterior",
    )
    ax.scatter([claim.prior], [base], s=80, color=plots.PALETTE[5], zorder=3, label="prior used")
    for cut in (unsupported_below, supported_at, _VERY_LIKELY):
        ax.axhline(cut, color="#BBBBBB", lw=0.8, ls="--")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.legend(loc="lower right", fontsize=plots.SMALL_PT)
    if pert.empty:
        ax2.text(0.5, 0.5, "no usable evidence", ha="center", va="center", transform=ax2.transAxes)
        ax2.set_yticks([])
        widest = None
    else:
        rng = pert.groupby("evidence_id", sort=False)["posterior"].agg(["min", "max"]).reset_index()
        for i, r in enumerate(rng.itertuples()):
            ax2.plot([r.min, r.max], [i, i], color=plots.PALETTE[0], lw=3, marker="|", ms=8)
        ax2.axvline(base, color=plots.PALETTE[5], lw=1)
        ax2.set_yticks(range(len(rng)), rng["evidence_id"].tolist(), fontsize=plots.SMALL_PT)
        ax2.invert_yaxis()
        rng["width"] = rng["max"] - rng["min"]
        widest = rng.sort_values(["width", "evidence_id"], ascending=[False, True]).iloc[0]
    ax2.set_xlim(0, 1)
    ax2.set_title(f"One judgement moved by ±{perturb:g}", fontsize=plots.SMALL_PT)
    ax2.set_xlabel("Posterior probability")
    ax2.set_ylabel("Evidence item")
    lo = float(pert["posterior"].min()) if not pert.empty else base
    hi = float(pert["posterior"].max()) if not pert.empty else base
    p_lo = float(by_prior["posterior"].iloc[0])
    p_hi = float(by_prior["posterior"].iloc[-1])
    alt = (
        f"Two-panel chart for {claim.finding}. Left: the posterior probability that CCS "
        f"contributed rises from {p_lo:.2f} at a prior of {by_prior['prior'].iloc[0]:.1f} to "
        f"{p_hi:.2f} at a prior of {by_prior['prior'].iloc[-1]:.1f}; at the prior used, "
        f"{claim.prior:.1f}, it is {base:.2f} ({ca.verbal_confidence(base)}). Right: moving any "
        f"one elicited sensitivity or type I error by {perturb:g} keeps it between {lo:.2f} "
        f"and {hi:.2f}"
        + (
            f"; the most influential item is {widest['evidence_id']} ({widest['min']:.2f} to "
            f"{widest['max']:.2f})."
            if widest is not None
            else "; no evidence is usable yet."
        )
    )
    plots.finish(
        fig,
        ax,
        title=f"Sensitivity, {claim.finding}",
        xlabel="Prior probability before the evidence",
        ylabel="Posterior probability",
        source="params/contribution (evidence register, judgements elicited from the reports;"
        " computed items from synthetic data left out)",
        alt=alt,
    )
    return fig


def posterior_chart(
    table: pd.DataFrame, *, supported_at: float, unsupported_below: float, perturb: float
) -> plots.Figure:
    """Posterior of every claim with its range under the sensitivity sweep, on the verbal scale.

    Parameters
    ----------
    table
        :func:`ccs_methods.analyses.contribution.synthesis_table` output.
    supported_at, unsupported_below
        Status bands (``contribution.*``).
    perturb
        The sweep's step (``contribution.sensitivity_perturb``), named in the axis label.

    Returns
    -------
    matplotlib.figure.Figure
        With alt text.

    """
    n = len(table)
    fig, ax = plots.new_figure(figsize=(9, max(3.0, 0.38 * n + 1.6)))
    lo_cut, hi_cut = unsupported_below, supported_at
    bands = [(0.0, lo_cut), (lo_cut, hi_cut), (hi_cut, _VERY_LIKELY), (_VERY_LIKELY, 1.0)]
    for k, (a, b) in enumerate(bands):
        ax.axvspan(a, b, color="#F2F2F2" if k % 2 else "#FFFFFF", zorder=0)
    for cut in (lo_cut, hi_cut, _VERY_LIKELY):
        ax.axvline(cut, color="#BBBBBB", lw=0.8, ls="--", zorder=1)
    colours = {1: plots.PALETTE[4], 2: plots.PALETTE[0]}
    labels = [f"{r.finding}" for r in table.itertuples()]
    for i, r in enumerate(table.itertuples()):
        c = colours.get(int(r.year), plots.PALETTE[7])
        ax.plot([r.posterior_min, r.posterior_max], [i, i], color=c, lw=2.5, zorder=2)
        ax.scatter([r.posterior], [i], color=c, s=40, zorder=3, edgecolor="black", lw=0.5)
    ax.set_yticks(range(n), labels, fontsize=plots.SMALL_PT)
    ax.set_xlim(0, 1)
    ax.set_ylim(n - 0.5, -1.5)
    for a, label in (
        (lo_cut / 2, "unlikely"),
        ((lo_cut + hi_cut) / 2, "about as\nlikely as not"),
        ((hi_cut + _VERY_LIKELY) / 2, "likely"),
        ((_VERY_LIKELY + 1.0) / 2, "very\nlikely"),
    ):
        ax.text(a, -1.0, label, ha="center", va="center", fontsize=plots.SMALL_PT, color="#555555")
    ax.legend(
        handles=[Patch(color=colours[1], label="year 1"), Patch(color=colours[2], label="year 2")],
        loc="lower left",
        fontsize=plots.SMALL_PT,
    )
    strongest = table.sort_values(["posterior", "claim_id"], ascending=[False, True]).iloc[0]
    weakest = table.sort_values(["posterior", "claim_id"], ascending=[True, True]).iloc[0]
    counts = table["status"].value_counts()
    plots.finish(
        fig,
        ax,
        title="Confidence that CCS contributed, per claim",
        xlabel=(
            f"Posterior probability (dot) and range when one judgement moves by ±{perturb:g} (bar)"
        ),
        ylabel="",
        source="params/contribution (headline posteriors: computed items from synthetic data "
        "left out)",
        alt=(
            f"Dot-and-range chart of the posterior probability for {n} contribution claims on "
            f"a scale from 0 to 1 with the verbal bands marked. {int(counts.get('supported', 0))}"
            f" claims are at {hi_cut:g} or above, {int(counts.get('uncertain', 0))} between "
            f"{lo_cut:g} and {hi_cut:g}, {int(counts.get('not_supported', 0))} below "
            f"{lo_cut:g}. Highest: {strongest['finding']} at {strongest['posterior']:.2f}; "
            f"lowest: {weakest['finding']} at {weakest['posterior']:.2f}."
        ),
    )
    return fig


def node_status(toc: ca.TheoryOfChange, table: pd.DataFrame) -> dict[str, str]:
    """Each node's status: its claims' common status, ``uncertain`` if mixed, else ``no_claim``.

    Parameters
    ----------
    toc
        The theory of change.
    table
        A synthesis table with ``node`` and ``status`` columns.

    Returns
    -------
    dict of str to str

    """
    out = {}
    for n in toc.nodes:
        statuses = set(table.loc[table["node"] == n.id, "status"])
        if not statuses:
            out[n.id] = "no_claim"
        elif len(statuses) == 1:
            out[n.id] = statuses.pop()
        else:
            out[n.id] = "uncertain"
    return out


def _ordered_layers(toc: ca.TheoryOfChange, g: nx.DiGraph) -> dict[int, list[str]]:
    """Nodes per level column, ordered to reduce crossings (barycentre sweeps, deterministic)."""
    order = {n.id: i for i, n in enumerate(toc.nodes)}
    layers: dict[int, list[str]] = {}
    for n in toc.nodes:
        layers.setdefault(toc.levels.index(n.level), []).append(n.id)
    layers = dict(sorted(layers.items()))
    keys = list(layers)

    def place() -> dict[str, float]:
        return {
            v: i / max(1, len(layer) - 1) for layer in layers.values() for i, v in enumerate(layer)
        }

    def sweep(ks: list[int], neighbours: Any) -> None:
        for k in ks:
            at = place()

            def key(v: str, k: int = k, at: dict[str, float] = at) -> tuple[float, int]:
                near = [at[u] for u in neighbours(v) if g.nodes[u]["rank"] != k]
                return (sum(near) / len(near) if near else at[v], order[v])

            layers[k] = sorted(layers[k], key=key)

    for _ in range(2):
        sweep(keys[1:], g.predecessors)
        sweep(keys[-2::-1], g.successors)
    return layers


def theory_of_change_figure(
    toc: ca.TheoryOfChange, table: pd.DataFrame, *, supported_at: float, unsupported_below: float
) -> plots.Figure:
    """The theory of change as a diagram: levels as columns, nodes coloured by claim support.

    Parameters
    ----------
    toc
        The theory of change.
    table
        :func:`ccs_methods.analyses.contribution.synthesis_table` output (``node``,
        ``status``, ``posterior``).
    supported_at, unsupported_below
        Status bands named in the legend (``contribution.*``).

    Returns
    -------
    matplotlib.figure.Figure
        Laid out with :func:`networkx.multipartite_layout` (one column per level), with alt
        text naming the supported, uncertain and unsupported outcomes.

    """
    g = toc.graph()
    rank = {lv: i for i, lv in enumerate(toc.levels)}
    for _node, data in g.nodes(data=True):
        data["rank"] = rank[data["level"]]
    layers = _ordered_layers(toc, g)
    # multipartite_layout stacks each layer bottom-up: reverse so the first node is on top
    pos = nx.multipartite_layout(
        g, subset_key={k: v[::-1] for k, v in layers.items()}, align="vertical", scale=1.0
    )
    status = node_status(toc, table)
    labels = {
        k: status_label(k, supported_at=supported_at, unsupported_below=unsupported_below)
        for k in STATUS_COLOURS
    }
    claim_text: dict[str, list[str]] = {}
    for r in table.itertuples():
        tag = re.sub(r"^Year (\d) key finding (\d+)$", r"Y\1 KF\2", str(r.finding))
        if tag == r.finding:
            tag = r.claim_id
        claim_text.setdefault(r.node, []).append(f"{tag}: {r.posterior:.2f}")
    fig, ax = plots.new_figure(figsize=(18, 12))
    xs = sorted({p[0] for p in pos.values()})
    boxes = {}
    for n in toc.nodes:
        x, y = pos[n.id]
        label = textwrap.fill(n.label.split(" (")[0], 24)
        if n.id in claim_text:
            label += "\n" + "\n".join(claim_text[n.id])
        if STATUS_MARKS[status[n.id]]:
            label = f"{STATUS_MARKS[status[n.id]]} {label}"
        boxes[n.id] = ax.text(
            x,
            y,
            label,
            ha="center",
            va="center",
            fontsize=plots.SMALL_PT,
            zorder=3,
            bbox={
                "boxstyle": "round,pad=0.3",
                "facecolor": STATUS_COLOURS[status[n.id]],
                "edgecolor": "#555555",
                "lw": 0.6,
            },
        )
    for u, v in g.edges():
        same = g.nodes[u]["rank"] == g.nodes[v]["rank"]
        # links within a level bow out to the right so they do not run through other boxes
        start, end = ((1.0, 0.5), (1.0, 0.5)) if same else ((1.0, 0.5), (0.0, 0.5))
        down = pos[v][1] < pos[u][1]
        style = f"arc3,rad={-0.5 if down else 0.5}" if same else "arc3,rad=0"
        ax.annotate(
            "",
            xy=end,
            xycoords=boxes[v],
            xytext=start,
            textcoords=boxes[u],
            arrowprops={
                "arrowstyle": "-|>",
                "color": "#777777",
                "lw": 0.5,
                "alpha": 0.7,
                "connectionstyle": style,
            },
            zorder=1,
        )
    top = max(p[1] for p in pos.values())
    for lv, x in zip(toc.levels, xs, strict=False):
        ax.text(
            x, top + 0.12, lv.replace("_", " "), ha="center", va="bottom",
            fontsize=plots.SMALL_PT, weight="bold",
        )
    ax.set_xlim(min(xs) - 0.25, max(xs) + 0.25)
    ax.set_ylim(min(p[1] for p in pos.values()) - 0.12, top + 0.2)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.grid(False)
    ax.legend(
        handles=[
            Patch(facecolor=STATUS_COLOURS[k], edgecolor="#555555",
                  label=f"{STATUS_MARKS[k]} {v}".strip())
            for k, v in labels.items()
        ],
        loc="lower center",
        ncol=4,
        fontsize=plots.SMALL_PT,
        bbox_to_anchor=(0.5, -0.06),
    )

    def names(kind: str) -> str:
        ids = [n for n in status if status[n] == kind]
        return "; ".join(toc.node(i).label.split(" (")[0] for i in ids) or "none"

    counts = {k: sum(1 for s in status.values() if s == k) for k in STATUS_COLOURS}
    plots.finish(
        fig,
        ax,
        title="Theory of change of CCS, coloured by the support for the claims on each outcome",
        xlabel="Causal order: activities (left) to long-term impact (right)",
        ylabel="",
        source="params/contribution/theory_of_change.yml (from the year 1 and year 2 reports)",
        alt=(
            f"Diagram of the theory of change: {g.number_of_nodes()} boxes in "
            f"{len(toc.levels)} columns ({', '.join(lv.replace('_', ' ') for lv in toc.levels)})"
            f" joined by {g.number_of_edges()} arrows. {counts['supported']} outcomes carry "
            f"claims that are supported: {names('supported')}. {counts['uncertain']} are "
            f"uncertain or mixed: {names('uncertain')}. {counts['not_supported']} are not "
            f"supported: {names('not_supported')}. {counts['no_claim']} boxes carry no claim."
        ),
    )
    return fig
