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
