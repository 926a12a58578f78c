"""The CSV offered beside every table and chart (ccs_methods.report.downloads)."""

from __future__ import annotations

import base64
import re

import pandas as pd

from ccs_methods.report.downloads import csv_link


def test_csv_link_embeds_the_table_and_names_the_file() -> None:
    t = pd.DataFrame({"kpi": [1, 3], "target": [2000, 360]}).set_index("kpi")
    link = csv_link(t, "E16: Key performance indicators")
    assert 'download="e16-key-performance-indicators.csv"' in link
    assert "(2 rows, 2 columns)" in link  # the named index is a column of the file
    b64 = re.search(r"base64,([^\"]+)", link).group(1)
    assert base64.b64decode(b64).decode("utf-8") == "kpi,target\n1,2000\n3,360\n"


def test_csv_link_leaves_out_a_plain_row_index_and_escapes_the_label() -> None:
    link = csv_link(pd.DataFrame({"a": [1]}), "", label="<data>")
    assert 'download="table.csv"' in link and "&lt;data&gt;" in link
    assert "(1 row, 1 column)" in link
