"""A fifth site added by a params file alone (issue 11): it validates, gets synthetic
stand-ins from ``ccs-eval synth``, builds its pages, and nothing on them is false.

The site (``tests/data/fifth_site/leeds.yml``) has no advice network or referral system and
no published figures: the reports never covered it.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from ccs_methods.analyses import contribution as cs
from ccs_methods.analyses import published as sitepage
from ccs_methods.data.params import load_params

ROOT = Path(__file__).resolve().parents[1]
SITE = "leeds"
CLI = Path(sys.executable).parent / "ccs-eval"


def _cli(*args: str, root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(CLI), *args, "--root", str(root)],
        capture_output=True, text=True, check=False, cwd=root,
    )


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the project with the fifth site added by its params file, stand-ins made by
    ``ccs-eval synth`` and its chapter (summary page and every year's pages) built by
    ``ccs-eval run``."""
    proj = tmp_path_factory.mktemp("fifth") / "proj"
    shutil.copytree(ROOT / "params", proj / "params")
    shutil.copytree(ROOT / "notebooks", proj / "notebooks")
    shutil.copytree(ROOT / "book", proj / "book", ignore=shutil.ignore_patterns("sites", "_build"))
    for name in ("_config.yml", "pyproject.toml"):
        shutil.copy(ROOT / name, proj / name)
    shutil.copytree(ROOT / "data" / "published", proj / "data" / "published")
    shutil.copy(ROOT / "tests" / "data" / "fifth_site" / f"{SITE}.yml", proj / "params" / "sites")
    text = (proj / "params" / "programme.yml").read_text()
    (proj / "params" / "programme.yml").write_text(
        text.replace("  - tower_hamlets\n", f"  - tower_hamlets\n  - {SITE}\n", 1)
    )
    for step in (("synth",), ("validate",), ("run", "--site", SITE)):
        done = _cli(*step, root=proj)
        assert done.returncode == 0, (step, done.stdout[-2000:], done.stderr[-2000:])
    return proj


def _page_text(path: Path) -> str:
    """The page as a reader sees it: Markdown with glued values filled in, plus notes.

    Cells the runner removes from the page (``remove-cell``: the prose of a skipped step) are
    left out, as the reader never sees them.
    """
    nb = nbformat.read(path, 4)
    glue: dict[str, str] = {}
    for cell in nb.cells:
        for out in cell.get("outputs", []) if cell.cell_type == "code" else []:
            name = out.get("metadata", {}).get("scrapbook", {}).get("name")
            if name:
                data = out.get("data", {})
                glue[name] = next((v for k, v in data.items() if k.endswith("text/plain")), "")
    parts = []
    for cell in nb.cells:
        if "remove-cell" in cell.get("metadata", {}).get("tags", []):
            continue
        if cell.cell_type == "markdown":
            parts.append(
                re.sub(
                    r"\{glue(?::text)?\}`([^`]+)`",
                    lambda m: str(glue.get(m.group(1), "")).strip("'\""),
                    cell.source,
                )
            )
        else:
            for out in cell.get("outputs", []):
                parts.append(out.get("data", {}).get("text/markdown", ""))
    return re.sub(r"\s+", " ", "\n".join(parts))


def test_fifth_site_validates_gets_stand_ins_and_builds(project: Path) -> None:
    awards = pd.read_csv(project / "data" / "synthetic" / "lwa_awards.csv")
    shipped = pd.read_csv(ROOT / "data" / "synthetic" / "lwa_awards.csv")
    mine = awards[awards["site"] == SITE]
    assert len(mine) == shipped["month"].nunique() and set(mine["scheme"]) == {"LWSS"}
    pilots = awards[awards["site"] != SITE].reset_index(drop=True)
    pd.testing.assert_frame_equal(pilots, shipped)  # the pilots' stand-ins are unchanged
    for name in ("year-2", "year-2-contribution"):
        assert (project / "book" / "sites" / SITE / f"{name}.ipynb").is_file()


def test_fifth_site_results_say_what_exists(project: Path) -> None:
    params = load_params(project / "params")
    cov = sitepage.coverage(params, SITE, 2)
    assert (cov.in_reports, cov.year_reported, cov.after_reports) == (False, False, False)
    assert cov.published_years == () and cov.n_published_rows == 0
    assert cov.network_label is None and cov.referral_system is False
    for step in (sitepage.funding, sitepage.engagement, sitepage.coordination):
        assert not step(params, SITE, 2).reported
    # a programme-wide claim of the reports is not about a site they never covered
    reg = cs.load_register(load_params(ROOT / "params"), collected=_no_results())
    reported = {**(reg.reported_years or {}), SITE: ()}
    assert cs.claims_for(reg.toc, SITE, 2, reported_years=reported) == []
    assert cs.claims_for(reg.toc, "norfolk", 2, reported_years=reported) == cs.claims_for(
        reg.toc, "norfolk", 2
    )
    text = _page_text(project / "book" / "sites" / SITE / "year-2-contribution.ipynb")
    assert "no claims with evidence for Leeds" in text


def _no_results():
    from ccs_methods.analyses.results import CollectedResults

    return CollectedResults(results={}, problems=[], sources={}, modules=())


#: Sentences the templates and report phrases once wrote for a site with no network, no
#: referral system and no published figures, each false for such a site (issue 11).
FALSE_SENTENCES = {
    "a network named None": r"\bNone\b",
    "an empty list of covered years": r"cover years (none|\.)|years none",
    "the reports describe a network they never mention": r"in words only",
    "stand-ins reconciled to figures that do not exist": r"reconciled to the published figures",
    "register years said to be covered for the site": r"its rows cover years",
    "the reports' programme-wide claims counted for the site": r"of \d+ claims",
}


def _site_pages(project: Path) -> dict[str, str]:
    """Every page of the fifth site's chapter, by file stem, as a reader sees it."""
    folder = project / "book" / "sites" / SITE
    return {p.stem: _page_text(p) for p in sorted(folder.glob("*.ipynb"))}


def test_fifth_site_pages_say_nothing_false(project: Path) -> None:
    pages = _site_pages(project)
    assert {"index", "year-1", "year-2", "year-3", "year-2-contribution"} <= set(pages)
    found = {
        (page, what)
        for page, text in pages.items()
        for what, pat in FALSE_SENTENCES.items()
        if re.search(pat, text)
    }
    assert found == set(), f"false sentences on the fifth site's pages: {sorted(found)}"


def test_fifth_site_pages_say_what_is_true(project: Path) -> None:
    """The true statements that replace the false ones, so the check above cannot pass on a
    page that says nothing."""
    pages = _site_pages(project)
    year2 = pages["year-2"]
    assert "params name no advice network or referral system for Leeds" in year2
    assert "The published evaluation reports do not cover Leeds" in year2
    assert "the reports publish no figures for Leeds to reconcile them to" in year2
    assert "no contribution claim concerns this site in this year" in year2
    assert "the published reports its rows come from do not cover Leeds" in pages[
        "year-2-contribution"
    ]
    # the chapter page's awards come from synthetic stand-ins, and it says so
    glance = pages["index"].split("**Awards:**", 1)[1].split("**Referrals:**", 1)[0]
    assert "synthetic" in glance


@pytest.mark.parametrize("pattern", sorted(FALSE_SENTENCES.values()))
def test_false_sentence_patterns_match_what_they_name(pattern: str) -> None:
    """Each pattern finds the sentence it was written for (so none is vacuous)."""
    examples = [
        "the advice network is None (None), whose referral system has not gone live",
        "the published evaluation reports cover years none. This step fills in",
        "The reports describe the network's progress in words only.",
        "generated by seeded code and reconciled to the published figures.",
        "has no claims with evidence for Leeds in Year 2; its rows cover years 1 and 2 only.",
        "Confidence that CCS contributed: of 2 claims, 2 likely",
    ]
    assert any(re.search(pattern, e) for e in examples)
