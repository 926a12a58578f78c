"""The book's front page, site chapters and search: how the runner and build make them."""

from __future__ import annotations

from pathlib import Path

from ccs_methods.data.params import load_params
from ccs_methods.pipeline import build, runner

ROOT = Path(__file__).resolve().parents[1]


def test_front_page_and_site_chapters_are_executed_pages() -> None:
    params = load_params(ROOT / "params")
    jobs = runner.plan_jobs(params, ROOT)
    outputs = {j.output.relative_to(ROOT).as_posix(): j for j in jobs}
    assert outputs["book/intro.ipynb"].template.name == "book_intro.md"
    for site in params.programme.sites:
        job = outputs[f"book/sites/{site}/index.ipynb"]
        assert job.template.name == "site.md" and job.parameters == {"site": site}
    # a run of chosen years leaves the chapters (which summarise every year) alone
    some = runner.plan_jobs(params, ROOT, sites=["oldham"], years=[2])
    assert not any(j.output.name == "index.ipynb" for j in some)
    chapter = runner.plan_jobs(params, ROOT, sites=["oldham"])
    assert any(j.output.as_posix().endswith("sites/oldham/index.ipynb") for j in chapter)


def test_search_patch_lets_numbers_be_found(tmp_path: Path) -> None:
    static = tmp_path / "_static"
    static.mkdir()
    js = static / "searchtools.js"
    js.write_text("if (stop || queryTerm.match(/^\\d+$/)) return;\n", encoding="utf-8")
    assert build.allow_number_search(tmp_path)
    assert "queryTerm.match" not in js.read_text(encoding="utf-8")
    assert not build.allow_number_search(tmp_path)  # already patched: nothing to do
    assert not build.allow_number_search(tmp_path / "missing")


def test_intro_is_made_from_its_template_not_kept_by_hand() -> None:
    assert (ROOT / "notebooks" / "book_intro.md").is_file()
    assert not (ROOT / "book" / "intro.md").exists()
