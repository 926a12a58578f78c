"""Figures of referral networks: sector palette, layout, network, sector flows and reasons."""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping
from typing import TYPE_CHECKING

import networkx as nx
import numpy as np
import pandas as pd

from ccs_methods.errors import MethodInputError
from ccs_methods.methods.network.measures import (
    _edge_table,
    _measures_from_edges,
    _org_sectors,
    _require_columns,
)
from ccs_methods.methods.network.tables import _split, reasons_by_period, sector_flow_matrix
from ccs_methods.methods.network.vocabulary import (
    SECTOR_LABELS,
    SECTOR_SHORT_LABELS,
    SECTORS,
    reason_label,
)

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def sector_palette() -> dict[str, str]:
    """Colour of each sector: the book's fixed, colour-blind-safe sector colours.

    Returns
    -------
    dict
        ``{sector: hex colour}`` for every sector of :data:`SECTORS`, from
        :data:`ccs_methods.report.plots.SECTOR_COLOURS` (Okabe-Ito palette).

    """
    from ccs_methods.report import plots

    return {s: plots.SECTOR_COLOURS[s] for s in SECTORS}


def _source_text(source: str, synthetic: bool) -> str:
    line = f"Source: {source}"
    if synthetic:
        line = "SYNTHETIC DATA (seeded stand-in, not real records). " + line
    return line


def _as_period_dict(
    df_by_period: pd.DataFrame | Mapping[Hashable, pd.DataFrame], period: str
) -> dict[Hashable, pd.DataFrame]:
    if isinstance(df_by_period, pd.DataFrame):
        parts = _split(df_by_period, period)
    elif isinstance(df_by_period, Mapping):
        parts = dict(df_by_period)
    else:
        raise MethodInputError("a network figure needs a referral table or a {period: table} "
                               "mapping.")
    if not parts:
        raise MethodInputError("a network figure needs at least one period with referrals.")
    return parts


def network_layout(
    df_by_period: pd.DataFrame | Mapping[Hashable, pd.DataFrame],
    *,
    seed: int = 0,
    period: str = "year",
) -> dict[str, tuple[float, float]]:
    """Node positions computed once on the union of all periods' networks.

    Parameters
    ----------
    df_by_period
        A referral table (split by ``period``) or a mapping ``{period: referral table}``.
    seed
        Seed of the spring layout (:func:`networkx.spring_layout`), so the layout is fixed.
    period
        Used when ``df_by_period`` is a single table.

    Returns
    -------
    dict
        ``{organisation: (x, y)}`` for every organisation in any period. The union graph is
        undirected with edge weight log(1 + referrals over all periods); nodes and edges are
        inserted in sorted order, so the layout does not depend on row order.

    """
    parts = _as_period_dict(df_by_period, period)
    weights: dict[tuple[str, str], int] = {}
    nodes: set[str] = set()
    for part in parts.values():
        edges = _edge_table(part, "network_layout")
        for row in edges.itertuples(index=False):
            u, v = sorted((str(row.from_org), str(row.to_org)))
            weights[(u, v)] = weights.get((u, v), 0) + int(row.referrals)
            nodes.update((u, v))
    g = nx.Graph()
    g.add_nodes_from(sorted(nodes))
    g.add_weighted_edges_from((u, v, math.log1p(w)) for (u, v), w in sorted(weights.items()))
    pos = nx.spring_layout(g, seed=seed, weight="weight")
    return {str(k): (float(v[0]), float(v[1])) for k, v in pos.items()}


def plot_network(
    df_by_period: pd.DataFrame | Mapping[Hashable, pd.DataFrame],
    positions: Mapping[str, tuple[float, float]] | None = None,
    seed: int = 0,
    *,
    period: str = "year",
    title: str = "Referral network by period",
    source: str = "referral records",
    synthetic: bool = False,
    ncols: int | None = None,
    max_arrows: int = 400,
) -> Figure:
    """Network diagram, one panel per period, with the same node positions in every panel.

    Nodes are organisations coloured by sector (:func:`sector_palette`), sized by referrals
    made and received; edges are connections (arrows from referrer to receiver), width
    proportional to the number of referrals on the same scale in every panel. Every
    organisation active in any period appears in every panel at the same place (positions
    computed once on the union graph, :func:`network_layout`); organisations without
    referrals in a panel's period are small light-grey points, so organisations joining or
    leaving are visible.

    Parameters
    ----------
    df_by_period
        A referral table (split by ``period``) or a mapping ``{period: referral table}``.
    positions
        Node positions to reuse (e.g. from :func:`network_layout`); computed if ``None``.
    seed
        Seed of the layout when ``positions`` is ``None``.
    period
        Used when ``df_by_period`` is a single table.
    title
        Figure title.
    source
        Where the data come from (printed as "Source: ...").
    synthetic
        Mark the figure as built from synthetic stand-in data.
    ncols
        Panels per row (default: one row of up to 3).
    max_arrows
        Panels with more connections than this are drawn with straight lines without
        arrowheads (arrow patches are slow to draw; the direction is then in ``fig.data``).

    Returns
    -------
    matplotlib.figure.Figure
        One axes per period (in period order). As everywhere in the book
        (:mod:`ccs_methods.report.plots`), the alt text is ``fig.alt_text``; in addition
        ``fig.node_positions`` holds the positions used and ``fig.data`` the edge list drawn
        (period, from_org, to_org, from_sector, to_sector, referrals).

    """
    from matplotlib.lines import Line2D

    from ccs_methods.report import plots

    parts = _as_period_dict(df_by_period, period)
    if positions is None:
        positions = network_layout(parts, seed=seed)
    edge_tables: dict[Hashable, pd.DataFrame] = {}
    for label, part in parts.items():
        edges = _edge_table(part, "plot_network")
        missing = sorted(set(edges["from_org"]).union(edges["to_org"]) - set(positions))
        if missing:
            raise MethodInputError(f"positions lack organisation(s) {missing[:5]}; compute them "
                                   "with network_layout on all periods.")
        edge_tables[label] = edges
    sectors_of: dict[str, str] = {}
    for edges in edge_tables.values():
        sectors_of.update(_org_sectors(edges))
    nodes = sorted(sectors_of)
    xy = np.array([positions[o] for o in nodes], dtype=float)
    palette = sector_palette()
    wmax = max(float(e["referrals"].max()) for e in edge_tables.values())

    n = len(edge_tables)
    ncols = ncols or min(n, 3)
    nrows = math.ceil(n / ncols)
    fig, axes = plots.new_figure(nrows, ncols, figsize=(4.4 * ncols + 2.2, 4.4 * nrows + 0.6))
    axes = np.atleast_1d(axes).ravel()
    for ax in axes[n:]:
        fig.delaxes(ax)
    pad_x = 0.08 * (np.ptp(xy[:, 0]) or 1.0)
    pad_y = 0.08 * (np.ptp(xy[:, 1]) or 1.0)
    summaries = []
    for ax, (label, edges) in zip(axes, edge_tables.items(), strict=False):
        volume = (
            pd.concat([edges.groupby("from_org")["referrals"].sum(),
                       edges.groupby("to_org")["referrals"].sum()])
            .groupby(level=0).sum()
        )
        vol = volume.reindex(nodes, fill_value=0).to_numpy(dtype=float)
        active = vol > 0
        sizes = np.where(active, 25 + 200 * np.sqrt(vol / max(vol.max(), 1.0)), 12.0)
        g = nx.DiGraph()
        g.add_nodes_from(nodes)
        g.add_weighted_edges_from(
            (r.from_org, r.to_org, float(r.referrals)) for r in edges.itertuples(index=False)
        )
        widths = [0.3 + 4.0 * d["weight"] / wmax for _, _, d in g.edges(data=True)]
        arrows = g.number_of_edges() <= max_arrows
        nx.draw_networkx_edges(
            g, pos={o: positions[o] for o in nodes}, ax=ax, width=widths, edge_color="#555555",
            alpha=0.55, arrows=arrows, nodelist=nodes, node_size=list(sizes),
            **({"arrowsize": 7, "connectionstyle": "arc3,rad=0.12"} if arrows else {}),
        )
        colours = [palette[sectors_of[o]] if a else "#bdbdbd"
                   for o, a in zip(nodes, active, strict=True)]
        ax.scatter(xy[:, 0], xy[:, 1], s=sizes, c=colours, edgecolors="white", linewidths=0.6,
                   zorder=3, gid="nodes")
        m = _measures_from_edges(edges)
        ax.set_title(f"{label}\n{m['organisations']} organisations, "
                     f"{m['connections']} connections", fontsize=10, loc="center")
        ax.set_axis_off()
        ax.set_xlim(xy[:, 0].min() - pad_x, xy[:, 0].max() + pad_x)
        ax.set_ylim(xy[:, 1].min() - pad_y, xy[:, 1].max() + pad_y)
        top = edges.sort_values(["referrals", "from_org", "to_org"],
                                ascending=[False, True, True]).iloc[0]
        summaries.append(
            f"{label}: {m['organisations']} organisations, {m['connections']} connections and "
            f"{m['total_referrals']:,} referrals, the busiest connection being {top['from_org']} "
            f"({SECTOR_LABELS[top['from_sector']].lower()}) to {top['to_org']} "
            f"({SECTOR_LABELS[top['to_sector']].lower()}) with {int(top['referrals']):,}"
        )
    present = [s for s in SECTORS if s in set(sectors_of.values())]
    handles = [Line2D([], [], marker="o", linestyle="", markersize=7, color=palette[s],
                      label=SECTOR_LABELS[s]) for s in present]
    handles.append(Line2D([], [], marker="o", linestyle="", markersize=4, color="#bdbdbd",
                          label="No referrals in this period"))
    handles.append(Line2D([], [], color="#555555", linewidth=2.5,
                          label=f"Line width: referrals (widest = {int(wmax):,})"))
    fig.legend(handles=handles, loc="outside right center", fontsize=plots.SMALL_PT, frameon=False,
               title="Organisation sector")
    fig.suptitle(title, fontweight="bold")
    fig.text(0.01, -0.02, _source_text(source, synthetic), ha="left", va="top",
             fontsize=plots.SMALL_PT,
             color="#444444", wrap=True)
    fig.alt_text = (  # type: ignore[attr-defined]
        f"{title}. Network diagrams, one per {period} ({', '.join(str(k) for k in parts)}): "
        "organisations are dots coloured by sector, at the same position in every panel, and "
        "lines show referrals between organisations, thicker for more referrals. "
        + "; ".join(summaries) + "."
    )
    fig.node_positions = dict(positions)  # type: ignore[attr-defined]
    fig.data = pd.concat(  # type: ignore[attr-defined]
        [e.assign(**{period: k}) for k, e in edge_tables.items()], ignore_index=True
    )[[period, "from_org", "to_org", "from_sector", "to_sector", "referrals"]]
    return fig


def plot_sector_flows(
    df: pd.DataFrame,
    *,
    period: str | None = "year",
    threshold: int | None = None,
    title: str = "Referrals between sectors",
    source: str = "referral records",
    synthetic: bool = False,
) -> Figure:
    """Heatmap of referrals from sector (rows) to sector (columns), one panel per period.

    Cells are annotated with counts on a shared colour scale (sequential, colour-blind-safe
    ``viridis``); there is no colour bar because the numbers are printed.

    Parameters
    ----------
    df
        Cleaned referrals.
    period
        One panel per period (see :func:`period_labels`), or ``None`` for a single panel.
    threshold
        If given, each panel's table goes through :func:`ccs_methods.methods.disclosure.suppress`
        with ``margins=False`` (totals assumed published elsewhere); suppressed cells are
        left uncoloured and marked ``[c]``.
    title, source, synthetic
        Title, source line and synthetic-data flag.

    Returns
    -------
    matplotlib.figure.Figure
        One axes per panel; ``fig.alt_text`` and ``fig.data`` (long table: period,
        from_sector, to_sector, referrals; suppressed counts are NA).

    """
    import seaborn as sns

    from ccs_methods.report import plots

    _require_columns(df, ["from_sector", "to_sector"], "plot_sector_flows")
    if len(df) == 0:
        raise MethodInputError("plot_sector_flows needs at least one referral.")
    parts = {"All referrals": df} if period is None else _split(df, period)
    tables: dict[Hashable, pd.DataFrame] = {}
    for label, part in parts.items():
        table = sector_flow_matrix(part).astype("Int64")
        if threshold is not None:
            from ccs_methods.methods.disclosure import suppress

            table, _ = suppress(sector_flow_matrix(part), threshold, margins=False)
        tables[label] = table
    vmax = max(float(t.astype("float64").max().max()) for t in tables.values())
    n = len(tables)
    fig, axes = plots.new_figure(1, n, figsize=(4.4 * n + 0.6, 4.8))
    axes = np.atleast_1d(axes).ravel()
    names = [SECTOR_SHORT_LABELS[s] for s in SECTORS]
    summaries = []
    for i, (ax, (label, table)) in enumerate(zip(axes, tables.items(), strict=True)):
        values = table.astype("float64").to_numpy()
        annot = np.where(np.isnan(values), "[c]",
                         np.nan_to_num(values).astype(int).astype(str)).astype(object)
        sns.heatmap(
            pd.DataFrame(values, index=names, columns=names), ax=ax, cmap="viridis",
            vmin=0, vmax=vmax, annot=annot, fmt="", cbar=False, linewidths=0.5,
            linecolor="white", square=True, annot_kws={"fontsize": plots.SMALL_PT},
        )
        for r, c in np.argwhere(np.isnan(values)):
            ax.text(c + 0.5, r + 0.5, "[c]", ha="center", va="center", fontsize=plots.SMALL_PT,
                    color="#444444")
        ax.grid(False)
        ax.tick_params(axis="x", labelrotation=45)
        ax.tick_params(axis="y", labelrotation=0)
        ax.set_title(str(label), fontsize=10)
        ax.set_xlabel("Receiving sector (referred to)")
        ax.set_ylabel("Referring sector (referred from)" if i == 0 else "")
        shown = table.stack().dropna().astype(int)
        top = shown.sort_values(ascending=False, kind="stable")
        (fs, ts), nmax = top.index[0], int(top.iloc[0])
        summaries.append(f"{label}: {int(shown.sum()):,} referrals shown, most from "
                         f"{SECTOR_LABELS[fs].lower()} to {SECTOR_LABELS[ts].lower()} ({nmax:,})")
    fig.suptitle(title, fontweight="bold")
    fig.text(0.01, -0.02, _source_text(source, synthetic), ha="left", va="top",
             fontsize=plots.SMALL_PT,
             color="#444444", wrap=True)
    fig.alt_text = (  # type: ignore[attr-defined]
        f"{title}. Heatmap with the referring sector in rows and the receiving sector in "
        "columns, lighter for more referrals, with the count printed in each cell"
        + ("; cells marked [c] are suppressed for confidentiality" if threshold else "")
        + ". " + "; ".join(summaries) + "."
    )
    fig.data = pd.concat(  # type: ignore[attr-defined]
        {k: t.stack().rename("referrals") for k, t in tables.items()},
        names=[period or "period"],
    ).reset_index()
    return fig


def plot_reasons(
    df: pd.DataFrame,
    *,
    period: str = "year",
    top_n: int = 8,
    title: str = "Reasons for referral by period",
    source: str = "referral records",
    synthetic: bool = False,
) -> Figure:
    """Horizontal grouped bars: share of referrals by reason, one bar per period (E6).

    Parameters
    ----------
    df
        Cleaned referrals.
    period
        See :func:`period_labels`.
    top_n
        Reasons shown separately (the most frequent over all periods); the rest are grouped
        as "All other reasons".
    title, source, synthetic
        Title, source line and synthetic-data flag.

    Returns
    -------
    matplotlib.figure.Figure
        One axes; ``fig.alt_text`` and ``fig.data`` (:func:`reasons_by_period` after
        grouping the smaller reasons).

    """
    import seaborn as sns

    from ccs_methods.report import plots

    if top_n < 1:
        raise MethodInputError(f"top_n must be at least 1, not {top_n}.", column="top_n")
    _require_columns(df, ["reason"], "plot_reasons")
    if len(df) == 0:
        raise MethodInputError("plot_reasons needs at least one referral.")
    totals = df["reason"].value_counts().sort_values(ascending=False, kind="stable")
    keep = list(totals.index[:top_n])
    other = "All other reasons"
    grouped = df.assign(reason=df["reason"].where(df["reason"].isin(keep), other))
    table = reasons_by_period(grouped, period)
    order = [*keep, other] if len(totals) > top_n else keep
    periods = sorted(table[period].unique().tolist())
    height = 1.8 + 0.28 * len(order) * max(1, len(periods))
    fig, ax = plots.new_figure(figsize=(8, min(height, 14)))
    plot_data = table.assign(share_pct=100 * table["share"],
                             reason=table["reason"].map(reason_label),
                             **{period: table[period].astype(str)})
    sns.barplot(
        data=plot_data, y="reason", x="share_pct", hue=period,
        order=[reason_label(r) for r in order],
        hue_order=[str(p) for p in periods], orient="h", ax=ax,
        palette=plots.PALETTE[: len(periods)] if len(periods) <= 7 else "viridis",
    )
    ax.legend(title=period.capitalize(), frameon=False)
    first, last = periods[0], periods[-1]
    desc = []
    for reason in order[: min(5, len(order))]:
        sel = table["reason"] == reason
        a = float(table.loc[sel & (table[period] == first), "share"].iloc[0])
        if len(periods) == 1:
            desc.append(f"{reason_label(reason)}: {100 * a:.0f}%")
            continue
        b = float(table.loc[sel & (table[period] == last), "share"].iloc[0])
        desc.append(f"{reason_label(reason)}: {100 * a:.0f}% in {first}, "
                    f"{100 * b:.0f}% in {last}")
    if len(periods) == 1:
        alt = (f"{title}. Horizontal bar chart of the share of referrals for each reason in "
               f"{first}. " + "; ".join(desc) + ".")
    else:
        alt = (f"{title}. Horizontal bar chart of the share of referrals for each reason, one "
               f"bar per {period} ({', '.join(str(p) for p in periods)}). "
               + "; ".join(desc) + ".")
    plots.finish(fig, ax, title=title, xlabel="Share of the period's referrals (%)",
                 ylabel="Reason for referral", source=source, alt=alt, synthetic=synthetic)
    fig.data = table  # type: ignore[attr-defined]
    return fig
