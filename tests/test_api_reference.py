"""The API reference chapter: generated layer pages, the toc entry, the Sphinx helper."""

from __future__ import annotations

import shutil
from pathlib import Path
from types import SimpleNamespace

import yaml

import ccs_methods
from ccs_methods.data.params import load_params
from ccs_methods.pipeline import build, sphinx_xref

ROOT = Path(__file__).resolve().parents[1]
PKG = Path(ccs_methods.__file__).parent


def test_every_module_of_a_layer_is_listed() -> None:
    mods = build.api_modules(PKG / "methods", "ccs_methods.methods")
    assert mods[0] == "ccs_methods.methods"
    files = {
        ".".join(p.relative_to(PKG.parent).with_suffix("").parts).removesuffix(".__init__")
        for p in (PKG / "methods").rglob("*.py")
        if not p.name.startswith("_") or p.name == "__init__.py"
    }
    assert set(mods) == files
    assert "ccs_methods.methods.trend" in mods  # the package that re-exports mann_kendall


def test_layer_page_has_one_automodule_per_module() -> None:
    mods = ["ccs_methods.report", "ccs_methods.report.provenance", "ccs_methods.report.fmt"]
    md = build.api_page_markdown("report", mods)
    assert md.startswith("% GENERATED")
    assert "\n# Report\n" in md
    assert ".. automodule:: ccs_methods.report\n```" in md  # package target, no members
    assert "## `ccs_methods.report.provenance`" in md
    assert md.count("   :members:") == 2


def test_toc_has_the_api_chapter_when_its_index_exists(tmp_path: Path) -> None:
    params = load_params(ROOT / "params")
    proj = tmp_path / "p"
    shutil.copytree(ROOT / "params", proj / "params")
    (proj / "book").mkdir(parents=True)
    (proj / "book" / "intro.md").write_text("# x\n", encoding="utf-8")
    toc = build.generate_toc(params, proj)
    assert "API reference" not in [p["caption"] for p in toc["parts"]]

    (proj / "book" / "api").mkdir()
    (proj / "book" / "api" / "index.md").write_text("# API reference\n", encoding="utf-8")
    toc = build.generate_toc(params, proj)
    part = toc["parts"][-1]
    assert part["caption"] == "API reference"
    (chapter,) = part["chapters"]
    assert chapter["file"] == "api/index"
    assert [s["file"] for s in chapter["sections"]] == [
        f"api/{layer}" for layer in build.API_LAYERS
    ]
    for layer in build.API_LAYERS:
        assert (proj / "book" / "api" / f"{layer}.md").is_file()
    on_disk = yaml.safe_load((proj / "book" / "_toc.yml").read_text(encoding="utf-8"))
    assert on_disk == toc


def test_config_loads_the_api_extensions() -> None:
    cfg = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))["sphinx"]
    ext = cfg["extra_extensions"]
    for name in ("sphinx.ext.autodoc", "sphinx.ext.napoleon", "sphinx.ext.viewcode",
                 "ccs_methods.pipeline.sphinx_xref"):
        assert name in ext
    assert cfg["config"]["napoleon_numpy_docstring"] is True
    assert cfg["config"]["nb_render_markdown_format"] == "myst"


def test_attribute_docstring_guard() -> None:
    sentence = ["Exhibits that give funding, by year (DOMAIN.md: E2 year 2).", "more"]
    lines = list(sentence)
    sphinx_xref._guard_attribute_docstring(None, "data", "X", None, None, lines)
    assert lines == ["..", "", *sentence]
    typed = ["dict[str, int]: counts by site."]
    lines = list(typed)
    sphinx_xref._guard_attribute_docstring(None, "data", "X", None, None, lines)
    assert lines == typed
    lines = list(sentence)
    sphinx_xref._guard_attribute_docstring(None, "function", "f", None, None, lines)
    assert lines == sentence


def test_short_names_of_real_objects_are_known() -> None:
    assert sphinx_xref._exists("ccs_methods.methods.trend.kendall", None, "mann_kendall")
    # a name re-exported by a package above the current module
    assert sphinx_xref._exists("ccs_methods.data.published.loaders", None, "FIGURES_SCHEMA")
    assert not sphinx_xref._exists("ccs_methods.methods.trend.kendall", None, "no_such_thing")
    assert not sphinx_xref._exists("pandas", None, "DataFrame")


def test_missing_reference_outside_python_is_left_alone() -> None:
    node = {"refdomain": "std"}
    env = SimpleNamespace()
    assert sphinx_xref._missing_reference(None, env, node, None) is None
