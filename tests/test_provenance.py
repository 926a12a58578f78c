"""The read log of the data loaders and "How this page was made" (report.provenance)."""

from __future__ import annotations

import hashlib
from pathlib import Path
from types import SimpleNamespace

import pytest

from ccs_methods.data import datasets
from ccs_methods.data.params import load_params
from ccs_methods.errors import CCSInputError
from ccs_methods.report import provenance

ROOT = Path(__file__).resolve().parents[1]


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(autouse=True)
def _clean_log():
    datasets.reset_read_log()
    yield
    datasets.reset_read_log()


@pytest.fixture(scope="module")
def params():
    return load_params(ROOT / "params")


def test_read_log_records_a_record_level_load(params) -> None:
    frame = datasets.load_record(params, "lwa_awards", root=ROOT)
    (entry,) = datasets.read_log()
    source = params.programme.data_sources.get("lwa_awards", "synthetic")
    path = ROOT / "data" / source / "lwa_awards.csv"
    assert entry.name == "lwa_awards"
    assert entry.path == f"data/{source}/lwa_awards.csv"
    assert entry.sha256 == _sha(path)
    assert entry.rows == len(frame) > 0
    assert entry.source == source
    assert entry.synthetic is (source == "synthetic")
    assert entry.to_dict()["sha256"] == entry.sha256


def test_read_log_records_a_published_load_with_file_rows() -> None:
    some = datasets.load_published("figures", root=ROOT, site="norfolk")
    # figures.csv names places through geographies.csv, which the log lists as read too
    assert {e.name for e in datasets.read_log()} == {"figures", "geographies"}
    (entry,) = [e for e in datasets.read_log() if e.name == "figures"]
    everything = datasets.load_published("figures.csv", root=ROOT)
    assert entry.name == "figures"
    assert entry.path == "data/published/figures.csv"
    assert entry.source == "published"
    assert entry.rows == len(everything) > len(some) > 0
    assert entry.sha256 == _sha(ROOT / "data" / "published" / "figures.csv")


def test_unknown_published_table_is_named() -> None:
    with pytest.raises(datasets.DataValidationError, match="unknown published table 'nope'"):
        datasets.load_published("nope", root=ROOT)
    assert datasets.read_log() == []


def test_read_log_unique_reset_and_copy(params) -> None:
    datasets.load_record(params, "lwa_awards", root=ROOT)
    datasets.load_record(params, "lwa_awards", root=ROOT)
    assert len(datasets.read_log()) == 1
    assert len(datasets.read_log(unique=False)) == 2
    datasets.read_log().clear()  # a copy: the log itself is unchanged
    assert len(datasets.read_log()) == 1
    datasets.reset_read_log()
    assert datasets.read_log() == []


def test_record_read_outside_the_project_keeps_the_absolute_path(tmp_path: Path) -> None:
    f = tmp_path / "x.csv"
    f.write_text("a\n1\n", encoding="utf-8")
    entry = datasets.record_read("x", f, rows=1, source="raw", root=ROOT)
    assert entry.path == f.resolve().as_posix()
    assert entry.sha256 == _sha(f)


def test_hash_follows_file_changes(tmp_path: Path) -> None:
    f = tmp_path / "x.csv"
    f.write_text("a\n1\n", encoding="utf-8")
    first = datasets.record_read("x", f, rows=1, source="raw", root=tmp_path).sha256
    f.write_text("a\n1\n2\n", encoding="utf-8")
    second = datasets.record_read("x", f, rows=2, source="raw", root=tmp_path).sha256
    assert first != second == _sha(f)


def test_how_made_markdown_shows_template_parameters_hashes_and_links(params) -> None:
    datasets.load_record(params, "lwa_awards", root=ROOT)
    datasets.load_published("figures", root=ROOT)
    md = provenance.how_made_markdown(
        "site_year",
        site="norfolk",
        year=2,
        functions=[
            "ccs_methods.methods.trend.mann_kendall",
            "ccs_methods.data.datasets.load_record",
            "ccs_methods.methods.trend.mann_kendall",
        ],
    )
    # files are download links into the built book, not code text
    assert "| template | {download}`notebooks/site_year.md </../notebooks/site_year.md>` |" in md
    assert "site = `norfolk`, year = `2`" in md
    for entry in datasets.read_log():
        assert f"`{entry.sha256}`" in md
        assert f"{{download}}`{entry.path} </../{entry.path}>`" in md
        assert f"| {entry.rows:,} |" in md
    assert "published figures" in md
    assert md.count("<ccs_methods.methods.trend.mann_kendall>`") == 1
    # grouped by module, data layer first
    data_line = (
        "- `ccs_methods.data.datasets`: "
        "{py:func}`load_record <ccs_methods.data.datasets.load_record>`"
    )
    trend_line = (
        "- `ccs_methods.methods.trend`: "
        "{py:func}`mann_kendall <ccs_methods.methods.trend.mann_kendall>`"
    )
    assert data_line in md and trend_line in md
    assert md.index(data_line) < md.index(trend_line)


def test_how_made_markdown_with_given_datasets_and_no_parameters() -> None:
    read = datasets.DatasetRead("kpis", "data/published/kpis.csv", "ab" * 32, 12, "published")
    md = provenance.how_made_markdown("notebooks/programme_trends.md", datasets=[read])
    assert "{download}`notebooks/programme_trends.md </../notebooks/programme_trends.md>`" in md
    assert "none (programme page)" in md
    assert "`" + "ab" * 32 + "`" in md
    assert "{py:func}" not in md


def test_real_extracts_are_named_never_linked() -> None:
    """A real extract is private: its file is named but never offered as a download."""
    read = datasets.DatasetRead("referrals_ncan", "data/raw/ncan.csv", "cd" * 32, 9, "raw")
    md = provenance.how_made_markdown("site_year", site="norfolk", year=2, datasets=[read])
    assert "{download}`data/raw" not in md
    assert "`data/raw/ncan.csv` (private extract: not published with the book)" in md


def test_how_made_markdown_without_reads_says_so() -> None:
    md = provenance.how_made_markdown("site_year", site="oldham", year=1)
    assert "No dataset was read" in md


@pytest.mark.parametrize(
    "name", ["mann_kendall", "ccs_methods.methods.trend.no_such", "no_such_pkg.f",
             "ccs_methods.methods.trend.__doc__"]
)
def test_bad_function_names_are_refused(name: str) -> None:
    with pytest.raises(CCSInputError, match=name.rpartition(".")[2] or name):
        provenance.how_made_markdown("site_year", functions=[name])


def test_how_made_displays_markdown_and_returns_nothing(monkeypatch, params) -> None:
    import IPython.display

    shown = []
    monkeypatch.setattr(IPython.display, "display", lambda obj: shown.append(obj))
    datasets.load_record(params, "lwa_awards", root=ROOT)
    out = provenance.how_made(
        "site_year", site="norfolk", year=2, functions=["ccs_methods.methods.trend.theil_sen"]
    )
    assert out is None
    (obj,) = shown
    assert isinstance(obj, IPython.display.Markdown)
    assert datasets.read_log()[0].sha256 in obj.data
    assert "{py:func}`theil_sen <ccs_methods.methods.trend.theil_sen>`" in obj.data


def test_functions_called_resolves_module_chains_and_names() -> None:
    import ccs_methods.methods.trend as trend
    from ccs_methods.data import datasets as ds
    from ccs_methods.methods.trend import theil_sen

    class Result:
        def to_dict(self) -> dict:
            return {}

    ns = {"trend": trend, "ds": ds, "theil_sen": theil_sen, "res": Result(), "len": len}
    cells = [
        "x = trend.mann_kendall([1, 2, 3], [1, 2, 3])\nres.to_dict()",
        "theil_sen(y, x)\nlen(x)\ntrend.mann_kendall(y, x)",
        "%matplotlib inline",  # not Python: skipped
        "df = ds.load_record(params, 'lwa_awards')\nds._sha256(p)\n"
        "ds.DatasetRead('a', 'b', 'c', 1, 'raw')",
    ]
    names = provenance.functions_called(cells, ns)
    assert names == [
        "ccs_methods.methods.trend.kendall.mann_kendall",
        "ccs_methods.methods.trend.sen.theil_sen",
        "ccs_methods.data.datasets.load_record",
        "ccs_methods.data.readlog.DatasetRead",
    ]
    md = provenance.how_made_markdown("site_year", functions=names)
    assert "{py:class}`DatasetRead <ccs_methods.data.readlog.DatasetRead>`" in md
    assert "{py:func}`theil_sen <ccs_methods.methods.trend.sen.theil_sen>`" in md


def test_how_made_finds_the_calls_of_the_template(monkeypatch, tmp_path) -> None:
    """The functions listed are those the template's code cells call, resolved in the kernel,
    whatever the kernel's input history holds (nbval runs cells without one)."""
    import IPython
    import IPython.display

    import ccs_methods.methods.trend as trend

    (tmp_path / "pyproject.toml").write_text("", encoding="utf-8")
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "notebooks" / "t.md").write_text(
        "# T\n\n```{code-cell} ipython3\nx = trend.percent_change(1, 2)\n```\n",
        encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CCS_PROJECT_ROOT", str(tmp_path))
    shell = SimpleNamespace(user_ns={"trend": trend, "In": []})
    monkeypatch.setattr(IPython, "get_ipython", lambda: shell)
    shown = []
    monkeypatch.setattr(IPython.display, "display", lambda obj: shown.append(obj))
    provenance.how_made("t", site="norfolk", year=2)
    assert "<ccs_methods.methods.trend.percent.percent_change>`" in shown[0].data
    assert provenance._kernel_calls("absent") == []


def test_outside_a_kernel_no_calls_are_listed(monkeypatch) -> None:
    import IPython

    monkeypatch.setattr(IPython, "get_ipython", lambda: None)
    assert provenance._kernel_calls("site_year") == []


def test_published_tables_read_by_analyses_are_logged() -> None:
    """Analyses read published tables through data.published, not datasets.load_published;
    those reads must reach the page's "How this page was made" too."""
    from ccs_methods.data import datasets
    from ccs_methods.data.published import load_figures, load_kpis

    datasets.reset_read_log()
    load_figures(site="norfolk")
    load_kpis()
    names = [(r.name, r.source) for r in datasets.read_log()]
    assert ("figures", "published") in names and ("kpis", "published") in names


def test_a_cached_loader_logs_its_reads_on_every_call(tmp_path: Path) -> None:
    """A page whose first use of a dataset comes from an in-memory cache still lists it, so
    "How this page was made" does not depend on what ran before in the kernel."""
    from ccs_methods.data import readlog

    data = tmp_path / "x.csv"
    data.write_text("a\n1\n", encoding="utf-8")
    calls = []

    @readlog.cache_with_reads(maxsize=2)
    def load(name: str) -> str:
        calls.append(name)
        readlog.record_read(name, data, rows=1, source="synthetic", root=tmp_path)
        return name.upper()

    readlog.reset_read_log()
    assert load("x") == "X"
    readlog.reset_read_log()  # a new page in the same kernel
    assert load("x") == "X" and calls == ["x"]  # computed once ...
    assert [r.name for r in readlog.read_log()] == ["x"]  # ... but logged on the cached call
    assert load.cache_info().hits == 1
    load.cache_clear()
    readlog.reset_read_log()
    assert load("x") == "X" and calls == ["x", "x"]
    assert len(readlog.read_log(unique=False)) == 1  # a miss logs once, not twice
    readlog.reset_read_log()
