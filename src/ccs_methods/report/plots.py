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

class _SiteColours(dict[str, str]):
    """Colours of sites, fixed by their place in ``params/programme.yml`` (no site in code).

    The programme (all sites) is black; the n-th site of params takes the n-th colour of
    :data:`PALETTE` (black left out), so a site looks the same on every page and a new site
    gets its own colour. ``get`` and ``[]`` read params on first use (not at import).
    """

    def _fill(self) -> None:
        if dict.__len__(self):
            return
        from ccs_methods.data.params import load_params

        colours = [c for c in PALETTE if c != PALETTE[7]]
        dict.__setitem__(self, "programme", PALETTE[7])
        for i, site in enumerate(load_params().programme.sites):
            dict.__setitem__(self, site, colours[i % len(colours)])

    def __getitem__(self, key: str) -> str:
        self._fill()
        return dict.__getitem__(self, key)

    def get(self, key: str, default: str | None = None) -> str | None:  # type: ignore[override]
        """The colour of site ``key`` (``default`` for an id not in params)."""
        self._fill()
        return dict.get(self, key, default)

    def __contains__(self, key: object) -> bool:
        self._fill()
        return dict.__contains__(self, key)

    def __iter__(self):  # type: ignore[no-untyped-def]
        self._fill()
        return dict.__iter__(self)

    def __len__(self) -> int:
        self._fill()
        return dict.__len__(self)

    def items(self):  # type: ignore[no-untyped-def,override]
        """(site, colour) pairs, programme first, then params order."""
        self._fill()
        return dict.items(self)

    def keys(self):  # type: ignore[no-untyped-def,override]
        """Site ids, programme first."""
        self._fill()
        return dict.keys(self)

    def values(self):  # type: ignore[no-untyped-def,override]
        """Colours, programme first."""
        self._fill()
        return dict.values(self)


def site_colour(site: str, sites: list[str] | tuple[str, ...]) -> str:
    """The colour of ``site`` given the site ids in params order (``programme`` is black).

    Parameters
    ----------
    site
        A site id, or ``programme``.
    sites
        The site ids of ``params/programme.yml``, in order.

    Returns
    -------
    str
        A hex colour of :data:`PALETTE`.

    Raises
    ------
    KeyError
        ``site`` is neither ``programme`` nor one of ``sites``.

    """
    if site == "programme":
        return PALETTE[7]
    colours = [c for c in PALETTE if c != PALETTE[7]]
    return colours[list(sites).index(site) % len(colours)] if site in sites else _missing(site)


def _missing(site: str) -> str:
    raise KeyError(f"site {site!r} is not in params/programme.yml")


#: Fixed colours per site so a site looks the same on every page (from params order).
SITE_COLOURS: dict[str, str] = _SiteColours()

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
