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
from cycler import cycler
from matplotlib.colors import to_rgb
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


#: Smallest type on a figure (legends, bar labels, source line), in points. At the figure
#: resolution (100 dpi) a figure up to 9 inches wide shows it at 10 px or more in the book's
#: figure column; wider figures can be opened at full size (see :func:`figure_html`).
SMALL_PT = 10
#: Width a figure is shown at in a notebook cell's output, in CSS pixels, at a 1280 px window
#: (measured in Chromium: the content column is 752 px, a cell's output area 672 px).
COLUMN_PX = 672
#: Smallest text a reader should have to read on screen, in CSS pixels.
MIN_TEXT_PX = 10.0


#: What ``seaborn.set_theme(context="notebook", style="whitegrid", palette=PALETTE)`` sets,
#: written out so that a page that draws no seaborn chart does not import seaborn (and, through
#: it, scipy.stats: about 1.5 s of every page's start-up). ``tests/test_report_helpers.py``
#: checks it against seaborn itself. Left out: ``image.cmap`` (seaborn's ``rocket``, which
#: exists only once seaborn is imported); every image in the book names its colour map.
SEABORN_THEME_RC: dict[str, Any] = {
    "axes.axisbelow": True, "axes.edgecolor": ".8", "axes.grid": True, "axes.labelcolor": ".15",
    "axes.labelsize": 12.0, "axes.linewidth": 1.25, "axes.titlesize": 12.0,
    "font.sans-serif": ["Arial", "DejaVu Sans", "Liberation Sans", "Bitstream Vera Sans",
                        "sans-serif"],
    "font.size": 12.0, "grid.color": ".8", "grid.linewidth": 1.0, "legend.fontsize": 11.0,
    "legend.title_fontsize": 12.0, "lines.solid_capstyle": "round", "patch.edgecolor": "w",
    "patch.force_edgecolor": True, "text.color": ".15", "xtick.bottom": False,
    "xtick.color": ".15", "xtick.labelsize": 11.0, "xtick.major.size": 6.0,
    "xtick.major.width": 1.25, "xtick.minor.size": 4.0, "xtick.minor.width": 1.0,
    "ytick.color": ".15", "ytick.labelsize": 11.0, "ytick.left": False, "ytick.major.size": 6.0,
    "ytick.major.width": 1.25, "ytick.minor.size": 4.0, "ytick.minor.width": 1.0,
}


def set_theme() -> None:
    """Apply the book's theme (seaborn's whitegrid) and palette (call once per notebook)."""
    plt.rcParams.update(SEABORN_THEME_RC)
    plt.rcParams["axes.prop_cycle"] = cycler(color=[to_rgb(c) for c in PALETTE])
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
    data: Any = None,
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
    data
        The table the chart plots (a DataFrame); offered as CSV beside the figure.

    """
    if not title or not source or not alt:
        raise ValueError("every figure needs a title, a source line and alt text")
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    line = f"Source: {source}"
    if synthetic:
        line = "SYNTHETIC DATA (seeded stand-in, not real records). " + line
    fig.text(0.01, -0.02, line, ha="left", va="top", fontsize=SMALL_PT, color="#444444",
             wrap=True)
    fig.alt_text = alt  # type: ignore[attr-defined]
    fig.short_alt = title  # type: ignore[attr-defined]
    if data is not None:
        fig.data = data  # type: ignore[attr-defined]
    return fig


def min_font_pt(fig: Figure) -> float:
    """The smallest font size (points) of any visible, non-empty text on the figure."""
    from matplotlib.text import Text

    sizes = [
        t.get_fontsize()
        for t in fig.findobj(Text)
        if t.get_visible() and t.get_text().strip()
    ]
    return float(min(sizes)) if sizes else float(plt.rcParams["font.size"])


def short_alt(fig: Figure) -> str:
    """A figure's short alt text: its title (set by :func:`finish`, else the figure's titles)."""
    given = getattr(fig, "short_alt", None)
    if given:
        return str(given)
    titles = [fig._suptitle.get_text()] if fig._suptitle is not None else []
    titles += [ax.get_title() for ax in fig.axes if ax.get_title()]
    return titles[0].replace("\n", " ") if titles else "Figure"


def figure_html(fig: Figure) -> str:
    """The figure as an HTML ``<figure>``: PNG, short alt text, one long description, its CSV.

    The image's ``alt`` is the chart's title (short); the long description (``fig.alt_text``)
    is the caption, written once and linked to the image by ``aria-describedby``. When the
    figure carries its table (``fig.data``) a CSV link sits in the caption. When the smallest
    text would show below :data:`MIN_TEXT_PX` in the content column, the figure gets a
    *View full size* switch (CSS only) that shows it unscaled. The PNG carries no timestamp or
    software metadata, so the same figure gives the same bytes.
    """
    import base64
    import hashlib
    import html
    import io

    from ccs_methods.report.downloads import csv_link

    dpi = float(plt.rcParams["savefig.dpi"])
    buf = io.BytesIO()
    fig.savefig(buf, format="png", bbox_inches="tight", metadata={"Software": None})
    png = buf.getvalue()
    fid = "fig-" + hashlib.sha256(png).hexdigest()[:10]
    b64 = base64.b64encode(png).decode("ascii")
    desc = html.escape(getattr(fig, "alt_text", "") or "", quote=True)
    short = html.escape(short_alt(fig), quote=True)
    from PIL import Image

    width_px = Image.open(io.BytesIO(png)).size[0]
    smallest = min_font_pt(fig)
    shown = min(1.0, COLUMN_PX / width_px) if width_px else 1.0
    zoom = smallest * dpi / 72 * shown < MIN_TEXT_PX
    img = (
        f'<img src="data:image/png;base64,{b64}" alt="{short}" aria-describedby="{fid}-d" '
        'style="max-width:100%"/>'
    )
    if zoom:
        img = (
            f'<input type="checkbox" class="ccs-zoom-toggle" id="{fid}-z"/>'
            f'<label class="ccs-zoom" for="{fid}-z">View full size (click again to close)</label>'
            f'<div class="ccs-zoom-box">{img}</div>'
        )
    data = getattr(fig, "data", None)
    extra = f" {csv_link(data, short)}" if data is not None and len(data) else ""
    return (
        f'<figure class="ccs-figure" id="{fid}" data-min-font-pt="{smallest:g}" '
        f'data-dpi="{dpi:g}">{img}<figcaption id="{fid}-d">{desc}{extra}</figcaption></figure>'
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
            ax.bar_label(container, fmt=fmt, fontsize=SMALL_PT)
        else:
            ax.bar_label(container, labels=list(labels), fontsize=SMALL_PT)
