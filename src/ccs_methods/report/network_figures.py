"""Figures of the referral-network pages: diagrams, sector heatmaps, NAS/VCS flows by year.

Every figure has a title, axis labels with units, a source line (synthetic data labelled) and
alt text (``fig.alt_text``) that prints no organisation id and no count below the disclosure
threshold; ``fig.data`` holds the numbers drawn (suppressed cells as NA).
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping

import numpy as np
import pandas as pd

from ccs_methods.methods import disclosure, network
from ccs_methods.methods.network_groups import GROUP_LABELS, GROUPS, TOTAL
from ccs_methods.report import network_drawing, plots

__all__ = ["flow_heatmap", "nas_vcs_chart", "network_diagram", "reasons_chart"]

MARK = disclosure.DEFAULT_MARKER


def network_diagram(
    parts: Mapping[Hashable, pd.DataFrame],
    positions: Mapping[str, tuple[float, float]],
    *,
    period: str,
    title: str,
    source: str,
    synthetic: bool,
) -> plots.Figure:
    """Network diagram, one panel per period, same node positions in every panel.

    Draws :func:`ccs_methods.report.network_drawing.plot_network` and replaces its alt text
    with one that names no organisation (sector only) and gives only organisation and
    connection counts.

    Parameters
    ----------
    parts
        ``{period label: cleaned referrals}`` (already reduced for disclosure control).
    positions
        Node positions (one layout per dataset).
    period
        The name of the period column (used in the alt text).
    title, source, synthetic
        Title, source line and synthetic-data flag.

    Returns
    -------
    matplotlib.figure.Figure

    """
    fig = network_drawing.plot_network(parts, positions=positions, period=period, title=title,
                               source=source, synthetic=synthetic)
    summaries = []
    for label, part in parts.items():
        m = network.network_measures(part)
        summaries.append(f"{label}: {m['organisations']} organisations and "
                         f"{m['connections']} connections")
    fig.alt_text = (  # type: ignore[attr-defined]
        f"{title}. Network diagrams, one per {period}: organisations are dots coloured by "
        "sector, at the same position in every panel, and lines show referrals between "
        "organisations, thicker for more referrals. " + "; ".join(summaries) + "."
    )
    return fig


def reasons_chart(df: pd.DataFrame, hidden: list[str], *, period: str, title: str, source: str,
                  synthetic: bool) -> plots.Figure:
    """Share of referrals by reason and period; reasons with a suppressed count are grouped.

    Parameters
    ----------
    df
        Cleaned referrals with a period column.
    hidden
        Reasons with a suppressed count in the reasons table (grouped before drawing).
    period, title, source, synthetic
        Period column, title, source line and synthetic-data flag.

    """
    grouped = df.assign(reason=df["reason"].where(~df["reason"].isin(hidden),
                                                  "smaller reasons (grouped)"))
    return network_drawing.plot_reasons(
        grouped, period=period, top_n=int(grouped["reason"].nunique()),
        title=title, source=source, synthetic=synthetic,
    )


def flow_heatmap(
    tables: Mapping[Hashable, pd.DataFrame],
    *,
    title: str,
    source: str,
    synthetic: bool,
) -> plots.Figure:
    """Heatmap of suppressed sector-group tables, one panel per period.

    Draws exactly the cells of
    :func:`ccs_methods.methods.network_groups.sector_flow_tables` (totals left out), so a
    table and its heatmap hide the same cells; suppressed cells are blank and marked ``[c]``.

    Parameters
    ----------
    tables
        ``{period label: table}``.
    title, source, synthetic
        Title, source line and synthetic-data flag.

    Returns
    -------
    matplotlib.figure.Figure
        With ``fig.alt_text`` and ``fig.data`` (period, from_sector, to_sector, referrals;
        NA where suppressed).

    """
    import seaborn as sns

    inner = {k: t.drop(index=TOTAL, columns=TOTAL) for k, t in tables.items()}
    vmax = max(float(t.astype("float64").max().max()) for t in inner.values())
    n = len(inner)
    fig, axes = plots.new_figure(1, n, figsize=(4.2 * n + 0.8, 4.6))
    axes = np.atleast_1d(axes).ravel()
    names = [GROUP_LABELS[g].split(" (")[0] for g in GROUPS]
    summaries = []
    for i, (ax, (label, table)) in enumerate(zip(axes, inner.items(), strict=True)):
        values = table.astype("float64").to_numpy()
        annot = np.where(np.isnan(values), MARK,
                         np.vectorize(lambda v: f"{int(v):,}" if not np.isnan(v) else "")(values))
        sns.heatmap(pd.DataFrame(values, index=names, columns=names), ax=ax, cmap="viridis",
                    vmin=0, vmax=max(vmax, 1.0), annot=annot.astype(object), fmt="",
                    cbar=False, linewidths=0.5, linecolor="white", square=True,
                    annot_kws={"fontsize": plots.SMALL_PT})
        for r, c in np.argwhere(np.isnan(values)):
            ax.text(c + 0.5, r + 0.5, MARK, ha="center", va="center", fontsize=plots.SMALL_PT,
                    color="#444444")
        ax.grid(False)
        ax.tick_params(axis="x", labelrotation=30)
        ax.tick_params(axis="y", labelrotation=0)
        ax.set_title(str(label), fontsize=10)
        ax.set_xlabel("Receiving sector (referred to)")
        ax.set_ylabel("Referring sector (referred from)" if i == 0 else "")
        shown = table.stack().dropna().astype(int)
        (fs, ts), top = shown.idxmax(), int(shown.max())
        summaries.append(f"{label}: the largest flow is {GROUP_LABELS[fs]} to "
                         f"{GROUP_LABELS[ts]} ({top:,} referrals); "
                         f"{int(table.isna().to_numpy().sum())} cell(s) suppressed")
    fig.suptitle(title, fontweight="bold")
    line = f"Source: {source}. Other = school, health and other organisations."
    if synthetic:
        line = "SYNTHETIC DATA (seeded stand-in, not real records). " + line
    fig.text(0.01, -0.02, line, ha="left", va="top", fontsize=plots.SMALL_PT,
             color="#444444", wrap=True)
    fig.alt_text = (  # type: ignore[attr-defined]
        f"{title}. Heatmap with the referring sector in rows and the receiving sector in "
        "columns (VCS, statutory, LWA scheme, other), lighter for more referrals, with the "
        "count printed in each cell; cells marked [c] are suppressed for confidentiality. "
        + "; ".join(summaries) + "."
    )
    fig.data = pd.concat(  # type: ignore[attr-defined]
        {k: t.stack(future_stack=True).rename("referrals") for k, t in inner.items()},
        names=["period"],
    ).reset_index()
    return fig


def nas_vcs_chart(frame: pd.DataFrame, *, source: str, synthetic: bool) -> plots.Figure:
    """Grouped bars of referrals NAS -> VCS and VCS -> NAS by calendar year (E15).

    Parameters
    ----------
    frame
        Columns ``year`` (str), ``direction`` (``NAS → VCS`` or ``VCS → NAS``) and ``value``
        (count, NaN where suppressed).
    source, synthetic
        Source line and synthetic-data flag.

    """
    years = list(dict.fromkeys(frame["year"]))
    fig, ax = plots.new_figure(figsize=(8, 4.2))
    width = 0.38
    x = np.arange(len(years))
    for i, d in enumerate(("NAS → VCS", "VCS → NAS")):
        vals = frame.loc[frame["direction"] == d, "value"].to_numpy(dtype=float)
        ax.bar(x + (i - 0.5) * width, np.nan_to_num(vals), width, label=d,
               color=plots.SECTOR_COLOURS["lwa" if i == 0 else "vcs"])
        for xi, v in zip(x + (i - 0.5) * width, vals, strict=True):
            ax.text(xi, 0 if np.isnan(v) else v, MARK if np.isnan(v) else f"{int(v):,}",
                    ha="center", va="bottom", fontsize=plots.SMALL_PT)
    ax.set_xticks(x, [str(y) for y in years])
    ax.legend(frameon=False)
    parts = [f"{r.year}: {r.direction} "
             f"{MARK if np.isnan(r.value) else int(r.value)}" for r in frame.itertuples()]
    plots.finish(
        fig, ax, title="Referrals between the NAS and VCS organisations in NCAN, by year",
        xlabel="Calendar year", ylabel="Referrals (count)", source=source,
        alt=("Grouped bar chart of referrals from the Norfolk Assistance Scheme (NAS) to VCS "
             "organisations and from VCS organisations to the NAS, by calendar year: "
             + "; ".join(parts) + "."),
        synthetic=synthetic,
    )
    fig.data = frame  # type: ignore[attr-defined]
    return fig
