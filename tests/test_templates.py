"""Template sources (notebooks/*.md), their .ipynb pairs and the glue rules of the runner."""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from ccs_methods.errors import ParamsError
from ccs_methods.pipeline import templates as tp

ROOT = Path(__file__).resolve().parents[1]
SOURCES = tp.template_paths(ROOT / "notebooks")


def test_every_template_has_a_source_and_a_pair() -> None:
    assert SOURCES, "no notebooks/*.md template found"
    ipynbs = sorted((ROOT / "notebooks").glob("*.ipynb"))
    assert [p.stem for p in ipynbs] == [p.stem for p in SOURCES]


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.name)
def test_pair_is_in_sync_with_its_source(source: Path) -> None:
    """CI fails if a paired .ipynb drifts from its .md source."""
    tp.check_pair(source)
    assert tp.has_parameters_cell(tp.check_template(source))


def test_drifted_pair_is_named(tmp_path: Path) -> None:
    src = SOURCES[0]
    md = tmp_path / src.name
    shutil.copy(src, md)
    shutil.copy(src.with_suffix(".ipynb"), md.with_suffix(".ipynb"))
    md.write_text(md.read_text(encoding="utf-8") + "\nA sentence added in an editor.\n",
                  encoding="utf-8")
    with pytest.raises(ParamsError, match=r"out of sync.*make refresh-notebooks") as e:
        tp.check_pair(md)
    assert src.name in str(e.value)


def test_missing_pair_is_named(tmp_path: Path) -> None:
    md = tmp_path / "site_year.md"
    shutil.copy(SOURCES[0], md)
    with pytest.raises(ParamsError, match=r"site_year\.ipynb is missing"):
        tp.check_pair(md)


def test_template_without_parameters_cell_is_refused(tmp_path: Path) -> None:
    md = tmp_path / "t.md"
    md.write_text("# Title\n\n```{code-cell} ipython3\nx = 1\n```\n", encoding="utf-8")
    with pytest.raises(ParamsError, match="no code cell tagged 'parameters'"):
        tp.check_template(md)


def test_unreadable_template_is_named(tmp_path: Path) -> None:
    with pytest.raises(ParamsError, match="not found"):
        tp.read_template(tmp_path / "absent.md")
    bad = tmp_path / "bad.ipynb"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(ParamsError, match="not a readable notebook"):
        tp.read_template(bad)


def test_glue_names_used() -> None:
    text = (
        "Awards fell by {glue:text}`lwa_change` ({glue:text}`lwa_rr:.2f`), "
        "see {glue}`other_page::x` and {glue:md}`verdict`.\n"
        "```{glue:figure} fig_awards\n```"
    )
    assert tp.glue_names_used(text) == ["lwa_change", "lwa_rr", "verdict", "fig_awards"]


def _glued(name: str, value: str) -> nbformat.NotebookNode:
    out = new_output(
        "display_data",
        data={"application/papermill.record/text/plain": repr(value)},
        metadata={"scrapbook": {"name": name, "mime_prefix": "application/papermill.record/"}},
    )
    cell = new_code_cell("glue(...)")
    cell.outputs = [out]
    return cell


def test_check_glue_names_cell_and_key(tmp_path: Path) -> None:
    nb = new_notebook(cells=[
        _glued("a", "1"),
        new_markdown_cell("uses {glue:text}`a` and {glue:text}`b`"),
    ])
    assert tp.glued_values(nb) == {"a": "'1'"}
    with pytest.raises(ParamsError, match=r"never glued.*: b") as e:
        tp.check_glue(nb, tmp_path / "t.md")
    assert "cell 2" in str(e.value)


def test_skipped_section_hides_its_prose_and_passes_glue_check(tmp_path: Path) -> None:
    prose = new_markdown_cell("The trend was {glue:text}`lwa_tau`.")
    prose.metadata["tags"] = ["section:lwa"]
    other = new_markdown_cell("Kept.")
    nb = new_notebook(cells=[_glued("section:lwa", "skipped"), prose, other])
    assert tp.hide_skipped_sections(nb) == ["lwa"]
    assert "remove-cell" in prose.metadata["tags"]
    assert "tags" not in other.metadata
    tp.check_glue(nb, tmp_path / "t.md")  # the hidden cell's key is not needed


def test_shown_section_keeps_its_prose() -> None:
    prose = new_markdown_cell("x")
    prose.metadata["tags"] = ["section:lwa"]
    nb = new_notebook(cells=[_glued("section:lwa", "shown"), prose])
    assert tp.hide_skipped_sections(nb) == []
    assert prose.metadata["tags"] == ["section:lwa"]


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.name)
def test_no_number_is_typed_into_template_prose(source: Path) -> None:
    """The digit rule of CONTRIBUTING.md: every number in prose is glued from results."""
    tp.check_digits(source)


def test_digit_rule_allows_glue_roles_citations_and_identifiers() -> None:
    ok = (
        "Awards fell by {glue:text}`lwa_change` ({glue:text}`lwa_rr:.2f`) in `E14`; see "
        "{doc}`/methods/trends`, [the report](../seeds/003_be4685d4f24850f1.txt) and "
        "`its.fourier_k`.\n% a comment with 2 digits\n<!-- and 3 here -->"
    )
    assert tp.digits_outside_glue(ok) == []
    assert tp.digits_outside_glue("In year 2 awards rose 3.5% (E14).") == ["2", "3.5%", "(E14)."]


def test_typed_number_is_named_with_file_and_cell(tmp_path: Path) -> None:
    md = tmp_path / "t.md"
    md.write_text("# Title\n\nAwards rose by 12% in the year.\n", encoding="utf-8")
    with pytest.raises(ParamsError, match=r"types number\(s\) into the prose: 12%") as e:
        tp.check_digits(md)
    assert "t.md" in str(e.value) and "cell 1" in str(e.value)
