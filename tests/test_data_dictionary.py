"""The data dictionary of the published data documents every file, column and measure
(issue 11), so it cannot drift from ``data/published/`` and the params that go with it.

Each CSV of ``data/published/`` has a section whose heading names it in back-quotes, and each
of its columns is a row of a table in that section (first cell `` `column` ``); the
"Measures" table lists exactly the measures of ``figures.csv``; the settings of
``params/datasets.yml``, ``params/synthetic.yml`` and ``site_sources`` are described.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
PUB = ROOT / "data" / "published"
PAGE = ROOT / "book" / "data-dictionary-published.md"

_HEADING = re.compile(r"^(#{2,3}) (.*)$", re.M)
_ROW_KEY = re.compile(r"^\|\s*`([^`]+)`\s*\|", re.M)


def _sections(text: str) -> dict[str, str]:
    """Heading text -> the section's text, down to the next heading of the same or a higher
    level (a ``###`` subsection belongs to its ``##`` section too)."""
    heads = list(_HEADING.finditer(text))
    out = {}
    for i, h in enumerate(heads):
        level = len(h.group(1))
        end = next((g.start() for g in heads[i + 1 :] if len(g.group(1)) <= level), len(text))
        out[h.group(2)] = text[h.end() : end]
    return out


def documented_columns(text: str, file_name: str) -> set[str]:
    """The keys of the table rows in the sections whose heading names ``file_name``."""
    keys: set[str] = set()
    for heading, body in _sections(text).items():
        if f"`{file_name}`" in heading:
            keys |= set(_ROW_KEY.findall(body))
    return keys


def _header(path: Path) -> list[str]:
    with path.open(encoding="utf-8", newline="") as fh:
        return next(csv.reader(fh))


CSVS = sorted(PUB.glob("*.csv"))


def test_the_check_reads_sections_and_tables() -> None:
    text = (
        "## `a.csv`: one\n\n| column | meaning |\n|---|---|\n| `x` | it |\n| `y` | it |\n"
        "### sub\n\n| `z` | it |\n## `b.csv`\n\n| `w` | it |\n"
    )
    assert documented_columns(text, "a.csv") == {"x", "y", "z"}
    assert documented_columns(text, "b.csv") == {"w"}
    assert documented_columns(text, "c.csv") == set()


def test_every_published_file_is_on_the_page() -> None:
    assert len(CSVS) >= 9
    text = PAGE.read_text(encoding="utf-8")
    for path in CSVS:
        assert f"`{path.name}`" in text, path.name
        assert f"data/published/{path.name}" in text, f"no download link for {path.name}"


@pytest.mark.parametrize("path", CSVS, ids=lambda p: p.name)
def test_every_column_is_documented(path: Path) -> None:
    documented = documented_columns(PAGE.read_text(encoding="utf-8"), path.name)
    columns = set(_header(path))
    assert columns - documented == set(), f"{path.name}: columns missing from the dictionary"
    # a documented column the file no longer has is stale (the figures section also lists
    # the measures, in their own subsection, so only the column table is compared there)
    if path.name != "figures.csv":
        assert documented - columns == set(), f"{path.name}: the dictionary lists columns it lacks"


def test_the_measures_table_lists_exactly_the_measures_in_use() -> None:
    import pandas as pd

    body = _sections(PAGE.read_text(encoding="utf-8"))["Measures"]
    documented = set(_ROW_KEY.findall(body))
    used = set(pd.read_csv(PUB / "figures.csv", dtype=str, keep_default_na=False)["measure"])
    assert documented == used


def test_the_params_that_go_with_the_data_are_documented() -> None:
    body = _sections(PAGE.read_text(encoding="utf-8"))[
        "Settings in `params/` that go with the data"
    ]
    keys = set(_ROW_KEY.findall(body))
    datasets = yaml.safe_load((ROOT / "params" / "datasets.yml").read_text(encoding="utf-8"))
    for name, window in datasets["windows"].items():
        assert f"`{name}`" in body, name
        assert set(window) <= keys, name
        for word in window.values():
            if isinstance(word, str):  # a named boundary, not a date
                assert f"`{word}`" in body, word
    synthetic = yaml.safe_load((ROOT / "params" / "synthetic.yml").read_text(encoding="utf-8"))
    for dataset, settings in synthetic["defaults"].items():
        assert f"`defaults.{dataset}`" in body
        assert set(settings) <= keys, set(settings) - keys
    assert "site_sources" in keys and "`data_sources`" in body
