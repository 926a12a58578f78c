"""One figure style for the whole book: theme, colour-blind-safe palette, titles, sources, alt text.

Every figure in the book is made through :func:`new_figure` and finished with :func:`finish`,
which adds the title, axis labels with units, a source line under the plot and alt text
(stored on the figure as ``fig.alt_text`` and shown by :func:`show` as a caption that screen
readers and reviewers can read).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import matplotlib

matplotlib.use("Agg", force=False)
import matplotlib.pyplot as plt
import seaborn as sns
from matplotlib.figure import Figure

#: Okabe-Ito colour-blind-safe palette (Okabe & Ito 2008, "Color Universal Design").
PALETTE: list[str] = [
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#D55E00",  # vermillion
    "#F0E442",  # yellow
    "#000000",  # black
]

#: Fixed colours per site so a site looks the same on every page.
SITE_COLOURS: dict[str, str] = {
    "norfolk": PALETTE[0],
    "oldham": PALETTE[1],
    "swansea": PALETTE[2],
    "tower_hamlets": PALETTE[3],
    "programme": PALETTE[7],
}

#: Fixed colours per referral sector.
SECTOR_COLOURS: dict[str, str] = {
    "vcs": PALETTE[0],
    "statutory": PALETTE[1],
    "lwa": PALETTE[5],
    "school": PALETTE[2],
    "health": PALETTE[3],
    "other": "#999999",
}


def set_theme() -> None:
    """Apply the book's seaborn theme and palette (call once per notebook)."""
    sns.set_theme(context="notebook", style="whitegrid", palette=PALETTE)
    plt.rcParams.update(
        {
            "figure.dpi": 100,
            "savefig.dpi": 100,
            "figure.figsize": (8, 4.5),
            "axes.titleweight": "bold",
            "axes.titlelocation": "left",
            "svg.hashsalt": "ccs",
        }
    )


def new_figure(
    nrows: int = 1, ncols: int = 1, *, figsize: tuple[float, float] | None = None
) -> tuple[Figure, Any]:
    """Create a figure and axes in the book style."""
    set_theme()
    fig, ax = plt.subplots(nrows, ncols, figsize=figsize, layout="constrained")
    return fig, ax


def finish(
    fig: Figure,
    ax: Any,
    *,
    title: str,
    xlabel: str,
    ylabel: str,
    source: str,
    alt: str,
    synthetic: bool = False,
) -> Figure:
    """Add title, axis labels (with units), a source line and alt text to a figure.

    Parameters
    ----------
    fig, ax
        The figure and its (main) axes.
    title
        What the chart shows, including site and period.
    xlabel, ylabel
        Axis labels including units, e.g. ``"Funding (£)"``.
    source
        Where the numbers come from (report and section, or dataset).
    alt
        Alt text: a sentence a screen-reader user can rely on instead of the picture.
    synthetic
        Mark the figure as built from synthetic stand-in data.

    """
    if not title or not source or not alt:
        raise ValueError("every figure needs a title, a source line and alt text")
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    line = f"Source: {source}"
    if synthetic:
        line = "SYNTHETIC DATA (seeded stand-in, not real records). " + line
    fig.text(0.01, -0.02, line, ha="left", va="top", fontsize=8, color="#444444", wrap=True)
    fig.alt_text = alt  # type: ignore[attr-defined]
    return fig


def figure_html(fig: Figure) -> str:
    """The figure as an HTML ``<figure>``: an embedded PNG with real alt text and a caption.

    The PNG carries no timestamp or software metadata, so the same figure gives the same bytes.
    """
    import base64
    import html
    import io

    buf = io.BytesIO()
    fig.savefig(buf, format="png", bbox_inches="tight", metadata={"Software": None})
    b64 = base64.b64encode(buf.getvalue()).decode("ascii")
    alt = html.escape(getattr(fig, "alt_text", "") or "", quote=True)
    return (
        f'<figure class="ccs-figure"><img src="data:image/png;base64,{b64}" alt="{alt}" '
        f'style="max-width:100%"/><figcaption><em>Figure description:</em> {alt}'
        "</figcaption></figure>"
    )


def show(fig: Figure) -> None:
    """Display a figure (PNG with alt text and a caption) in a notebook, then close it."""
    from IPython.display import HTML, display

    display(HTML(figure_html(fig)))
    plt.close(fig)


def bar_labels(ax: Any, fmt: str = "{:,.0f}", *, labels: Sequence[str] | None = None) -> None:
    """Write each bar's value at its end (so the chart's numbers are readable)."""
    for container in ax.containers:
        if labels is None:
            ax.bar_label(container, fmt=fmt, fontsize=8)
        else:
            ax.bar_label(container, labels=list(labels), fontsize=8)
