"""Formatting, display and glue helpers of ccs_methods.report."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from ccs_methods.report import display, fmt


def test_numbers_as_the_book_writes_them() -> None:
    assert fmt.count(12345.4) == "12,345"
    assert fmt.gbp(1500) == "£1,500"
    assert fmt.signed(-56) == "−56" and fmt.signed(1234) == "+1,234"
    assert fmt.percent(12.34, 1) == "+12.3%" and fmt.percent(-5) == "−5%"
    assert fmt.ratio_ci(1.834, 0.79, 4.251) == "1.83 (95% CI 0.79 to 4.25)"
    assert fmt.interval(-1.5, 2.0, 1) == "−1.5 to 2.0"
    assert fmt.p_value(0.0004) == "p < 0.001"
    assert fmt.p_value(0.0342) == "p = 0.034"
    assert fmt.p_value(0.42) == "p = 0.42"
    for f in (fmt.count, fmt.ratio, fmt.p_value):
        assert f(None) == "–" and f(math.nan) == "–"


def test_table_html_has_caption_and_no_empty_header_row() -> None:
    t = pd.DataFrame({"year": [2019, 2020], "awards": ["1,200", "900"]})
    html = display.table_html(t, "Awards by year")
    assert "<caption>Awards by year</caption>" in html
    assert html.count("<tr") == 3  # one header row, two data rows: no index-name row
    assert ">0<" not in html  # no 0..n-1 row index
    indexed = display.table_html(t.set_index("year"), "c")
    assert "<th>year</th>" in indexed and indexed.count("<tr") == 3


def _csv_of(html: str) -> pd.DataFrame:
    import base64
    import io
    import re

    b64 = re.search(r'href="data:text/csv;charset=utf-8;base64,([^"]+)"', html).group(1)
    return pd.read_csv(io.StringIO(base64.b64decode(b64).decode("utf-8")))


def test_table_html_offers_the_full_table_as_csv() -> None:
    t = pd.DataFrame({"year": [2019, 2020], "awards": [1200, 900]}).set_index("year")
    html = display.table_html(t, "E14: Awards by year")
    assert 'download="e14-awards-by-year.csv"' in html
    assert _csv_of(html).to_dict("list") == {"year": [2019, 2020], "awards": [1200, 900]}


def test_wide_and_long_tables_get_a_compact_view_and_keep_every_cell_in_the_csv() -> None:
    wide = pd.DataFrame({f"c{i}": range(50) for i in range(display.MAX_COLUMNS + 4)})
    html = display.table_html(wide, "wide")
    head = html.split("</thead>")[0]
    assert head.count("<th>") == display.MAX_COLUMNS
    assert f"{display.MAX_COLUMNS} of {display.MAX_COLUMNS + 4} columns shown" in html
    assert f"first {display.MAX_ROWS} of 50 rows shown" in html
    assert _csv_of(html).shape == (50, display.MAX_COLUMNS + 4)
    chosen = display.table_html(wide, "wide", compact=["c9", "c0"])
    assert chosen.split("</thead>")[0].count("<th>") == 2
    everything = display.table_html(wide, "wide", compact=list(wide.columns), max_rows=None)
    assert "rows shown" not in everything
    with pytest.raises(ValueError, match="not in the table"):
        display.table_html(wide, "wide", compact=["nope"])


def test_myst_table_keeps_links_and_a_csv_without_markup() -> None:
    t = pd.DataFrame({"exhibit": ["{ref}`E4 <exhibit-e4>`"], "value": ["a|b"]})
    md = display.myst_table(t, "Sources", anchor="sources-x")
    assert md.startswith(":::{table} Sources\n:name: sources-x\n:class: ccs-table")
    assert "| {ref}`E4 <exhibit-e4>` | a\\|b |" in md
    assert _csv_of(md).to_dict("list") == {"exhibit": ["E4"], "value": ["a|b"]}


def test_sources_links_turn_exhibits_and_reports_into_links() -> None:
    src = pd.DataFrame({"exhibit": ["E16", "register"], "value": ["1", "2"],
                        "report file": ["003_be4685d4f24850f1.txt"] * 2,
                        "section": ["s", "s"], "quote": ["q", "q"]})
    out = display.sources_links(src)
    assert out["exhibit"].tolist() == ["{ref}`E16 <exhibit-e16>`", "register"]
    assert out["report file"].iloc[0] == (
        "{ref}`Year 2 evaluation, full report (003_be4685d4f24850f1.txt) <source-003>`")


def test_note_has_its_title_apart_from_its_text() -> None:
    md = display.note_markdown("warning", "No data", "Nothing was published.")
    assert md.splitlines()[:2] == [":::{admonition} No data", ":class: warning"]
    assert md.rstrip().endswith("Nothing was published.\n:::")


def test_glue_returns_nothing_so_no_stray_output(monkeypatch) -> None:
    import myst_nb

    from ccs_methods.report import glue as g

    calls = []
    monkeypatch.setattr(myst_nb, "glue", lambda *a, **k: calls.append((a, k)))
    assert g.glue("x", 0.1234, "{:.2f}") is None
    assert calls == [(("x", "0.12"), {"display": False})]


def test_site_colours_come_from_params_order_and_a_new_site_gets_its_own():
    from ccs_methods.data.params import load_params
    from ccs_methods.report import plots

    sites = load_params().programme.sites
    colours = [plots.SITE_COLOURS[s] for s in sites]
    assert len(set(colours)) == len(sites) and plots.SITE_COLOURS["programme"] == "#000000"
    fifth = [*sites, "leeds"]
    assert plots.site_colour("leeds", fifth) not in colours
    assert plots.site_colour("leeds", fifth) != plots.site_colour("programme", fifth)
    with pytest.raises(KeyError, match="leeds"):
        plots.site_colour("leeds", sites)


def test_theme_is_seaborns_whitegrid_without_importing_seaborn() -> None:
    """plots.set_theme writes out what seaborn's set_theme sets (so pages need not import
    seaborn); checked here against seaborn itself, key by key."""
    import subprocess
    import sys

    code = (
        "import matplotlib; matplotlib.use('Agg'); import matplotlib as mpl, sys\n"
        "from ccs_methods.report import plots\n"
        "plots.set_theme(); ours = {k: mpl.rcParams[k] for k in plots.SEABORN_THEME_RC}\n"
        "cyc = mpl.rcParams['axes.prop_cycle']; print('seaborn' in sys.modules)\n"
        "import seaborn as sns; mpl.rcdefaults()\n"
        "sns.set_theme(context='notebook', style='whitegrid', palette=plots.PALETTE)\n"
        "bad = [k for k in ours if mpl.rcParams[k] != ours[k]]\n"
        "print(bad, mpl.rcParams['axes.prop_cycle'] == cyc)\n"
        "before = dict(mpl.rcParams); mpl.rcdefaults(); d = dict(mpl.rcParams)\n"
        "print(sorted(k for k in before if before[k] != d[k] and k not in ours))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.splitlines()
    assert out[0] == "False"  # the theme alone did not import seaborn
    assert out[1] == "[] True"  # every key, and the palette, as seaborn sets them
    assert out[2] == "['axes.prop_cycle', 'image.cmap']"  # nothing else seaborn sets is missed
