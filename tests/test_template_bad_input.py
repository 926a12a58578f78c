"""Bad templates and settings (issue 9): one clear message naming file, cell or key; a
non-zero exit; nothing already built replaced."""

from __future__ import annotations

from pathlib import Path

import nbformat
from conftest import write_notebook
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook
from typer.testing import CliRunner

from ccs_methods.pipeline.cli import app

GOOD = "a good page built earlier\n"


def _good_page(proj: Path) -> Path:
    page = proj / "book" / "sites" / "norfolk" / "year-1.ipynb"
    page.parent.mkdir(parents=True, exist_ok=True)
    page.write_text(GOOD, encoding="utf-8")
    return page


def _template(path: Path, markdown: str, code: str = "x = 1") -> None:
    import jupytext

    params = new_code_cell("site = 'x'\nyear = 1")
    params.metadata["tags"] = ["parameters"]
    nb = new_notebook(cells=[new_markdown_cell("# T"), params, new_code_cell(code),
                             new_markdown_cell(markdown)])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    path.parent.mkdir(parents=True, exist_ok=True)
    jupytext.write(nb, path, fmt="md:myst")


def test_unglued_name_fails_the_page_and_keeps_the_old_one(mini_project: Path) -> None:
    page = _good_page(mini_project)
    _template(mini_project / "notebooks" / "site_year.md",
              "Awards rose by {glue:text}`lwa_change`.")
    res = CliRunner().invoke(app, ["run", "--root", str(mini_project), "--site", "norfolk",
                                   "--year", "1", "-j", "1"])
    assert res.exit_code != 0
    assert "never glued" in res.output and "lwa_change" in res.output
    assert "page check after execution" in res.output and "cell 4" in res.output
    assert page.read_text(encoding="utf-8") == GOOD


def test_glued_name_passes(mini_project: Path) -> None:
    page = _good_page(mini_project)
    _template(mini_project / "notebooks" / "site_year.md",
              "Awards rose by {glue:text}`lwa_change`.",
              "from ccs_methods.report.glue import glue\nglue('lwa_change', '12%')")
    res = CliRunner().invoke(app, ["run", "--root", str(mini_project), "--site", "norfolk",
                                   "--year", "1", "-j", "1"])
    assert res.exit_code == 0, res.output
    assert page.read_text(encoding="utf-8") != GOOD
    assert nbformat.read(page, as_version=4).cells[-1].source.endswith("{glue:text}`lwa_change`.")


def test_validate_names_a_pair_out_of_sync(mini_project: Path) -> None:
    src = mini_project / "notebooks" / "site_year.md"
    write_notebook(src, ["print(site)"])
    write_notebook(src.with_suffix(".ipynb"), ["print(site, year)"])
    res = CliRunner().invoke(app, ["validate", "--root", str(mini_project)])
    assert res.exit_code != 0
    assert "site_year.md" in res.output and "out of sync" in res.output
    assert "cell 3" in res.output and "Traceback" not in res.output


def test_validate_names_a_number_typed_into_prose(mini_project: Path) -> None:
    src = mini_project / "notebooks" / "site_year.md"
    _template(src, "Awards rose by 12% in the year.")
    import jupytext

    nbformat.write(jupytext.read(src, fmt="md:myst"), src.with_suffix(".ipynb"))
    res = CliRunner().invoke(app, ["validate", "--root", str(mini_project)])
    assert res.exit_code != 0
    assert "12%" in res.output and "cell 4" in res.output


def test_unknown_analysis_setting_stops_run_and_validate(mini_project: Path) -> None:
    page = _good_page(mini_project)
    f = mini_project / "params" / "analysis.yml"
    f.write_text(f.read_text(encoding="utf-8").replace("  fourier_k: 2", "  fourier_kk: 2"),
                 encoding="utf-8")
    for cmd in (["validate"], ["run", "--site", "norfolk", "--year", "1"]):
        res = CliRunner().invoke(app, [*cmd, "--root", str(mini_project)])
        assert res.exit_code == 2, (cmd, res.output)
        assert "analysis.yml" in res.output and "its.fourier_kk" in res.output
    assert page.read_text(encoding="utf-8") == GOOD
