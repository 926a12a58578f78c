"""Tests for ccs_methods.analyses.results: collecting computed results from the analysis modules."""

from __future__ import annotations

import json
import sys
import types
from pathlib import Path

import numpy as np
import pytest

from ccs_methods.analyses import results
from ccs_methods.data.params import load_params


@pytest.fixture(scope="module")
def params():
    return load_params()


def _fake(monkeypatch, name: str, fn=None, **attrs) -> None:
    mod = types.ModuleType(name)
    if fn is not None:
        mod.computed_results = fn
    for k, v in attrs.items():
        setattr(mod, k, v)
    monkeypatch.setitem(sys.modules, name, mod)


def test_merges_providers_sorted_and_cleans_numpy(monkeypatch, params):
    _fake(
        monkeypatch,
        "fake_b",
        lambda p: {"x.b": {"ratio": np.float64(1.5), "n": np.int64(7), "label": "s"}},
    )
    _fake(monkeypatch, "fake_a", lambda p: {"z.a": {"ratio": 2.0}, "a.a": {"ratio": 0.5}})
    got = results.collect_results(params, providers=("fake_b", "fake_a"))
    assert got.ok and got.problems == []
    assert list(got.results) == ["a.a", "x.b", "z.a"]
    assert got.results["x.b"] == {"ratio": 1.5, "n": 7, "label": "s"}
    assert type(got.results["x.b"]["ratio"]) is float and type(got.results["x.b"]["n"]) is int
    assert got.sources == {"a.a": "fake_a", "x.b": "fake_b", "z.a": "fake_a"}
    assert got.modules == ("fake_b", "fake_a")


def test_missing_module_is_reported_not_dropped(monkeypatch, params):
    _fake(monkeypatch, "fake_ok", lambda p: {"survey.x_diff": {"difference": 0.1}})
    got = results.collect_results(params, providers=("ccs_methods.no_such_module", "fake_ok"))
    assert list(got.results) == ["survey.x_diff"]
    assert not got.ok
    (prob,) = got.problems
    assert prob.module == "ccs_methods.no_such_module" and prob.kind == "missing"
    text = got.describe()
    assert "no_such_module" in text and "missing" in text and "`survey.x_diff`" in text


def test_provider_that_raises_fails_instead_of_degrading(monkeypatch, params):
    """Issue 12: an error in a provider propagates (the page fails), it is not shown."""
    from ccs_methods.errors import DataValidationError

    def boom(p):
        raise DataValidationError("unknown sector 'xx'", file="referrals.csv", row=7,
                                  column="from_sector")

    _fake(monkeypatch, "fake_boom", boom)
    with pytest.raises(DataValidationError, match=r"referrals.csv, row 7, column 'from_sector'"):
        results.collect_results(params, providers=("fake_boom",), cache=False)


def test_import_error_inside_provider_propagates(tmp_path, monkeypatch, params):
    (tmp_path / "fake_broken_import.py").write_text("import not_a_real_dependency_xyz\n")
    (tmp_path / "fake_raises_at_import.py").write_text("raise RuntimeError('bad module')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(ModuleNotFoundError, match="not_a_real_dependency_xyz"):
        results.collect_results(params, providers=("fake_broken_import",))
    with pytest.raises(RuntimeError, match="bad module"):
        results.collect_results(params, providers=("fake_raises_at_import",))


def test_no_function_and_invalid_answers(monkeypatch, params):
    _fake(monkeypatch, "fake_nofn")
    _fake(monkeypatch, "fake_list", lambda p: [1, 2])
    _fake(
        monkeypatch,
        "fake_mixed",
        lambda p: {
            "good.one": {"ratio": 1.2},
            "bad.notmap": 3.0,
            "bad.nan": {"ratio": float("nan")},
            "bad.key": {1: 2.0},
        },
    )
    got = results.collect_results(params, providers=("fake_nofn", "fake_list", "fake_mixed"))
    assert list(got.results) == ["good.one"]
    probs = {(p.module, p.kind, p.result_id) for p in got.problems}
    assert probs == {
        ("fake_nofn", "no_function", None),
        ("fake_list", "invalid", None),
        ("fake_mixed", "invalid", "bad.notmap"),
        ("fake_mixed", "invalid", "bad.nan"),
        ("fake_mixed", "invalid", "bad.key"),
    }


def test_duplicate_ids_keep_the_first_provider(monkeypatch, params):
    _fake(monkeypatch, "fake_first", lambda p: {"dup.id": {"ratio": 1.0}})
    _fake(monkeypatch, "fake_second", lambda p: {"dup.id": {"ratio": 9.0}})
    got = results.collect_results(params, providers=("fake_first", "fake_second"))
    assert got.results == {"dup.id": {"ratio": 1.0}}
    (prob,) = got.problems
    assert (prob.module, prob.kind, prob.result_id) == ("fake_second", "duplicate", "dup.id")


def test_expected_provider_and_problems_for(params):
    assert results.expected_provider("its.ncan.level_change") == "ccs_methods.analyses.trends"
    assert results.expected_provider("trend.lwa.oldham") == "ccs_methods.analyses.trends"
    assert results.expected_provider("network.ncan.connections_ratio") == (
        "ccs_methods.analyses.networks"
    )
    survey = "ccs_methods.analyses.survey"
    assert results.expected_provider("survey.capability.new_services_diff") == survey
    assert results.expected_provider("other.thing") is None
    c = results.CollectedResults(
        problems=[
            results.Problem("ccs_methods.analyses.trends", "missing", "gone"),
            results.Problem("ccs_methods.analyses.networks", "invalid", "bad", "network.a_ratio"),
        ],
        modules=("ccs_methods.analyses.trends", "ccs_methods.analyses.networks"),
    )
    assert [p.kind for p in c.problems_for("its.ncan.level_change")] == ["missing"]
    assert [p.kind for p in c.problems_for("network.a_ratio")] == ["invalid"]
    assert c.problems_for("network.b_ratio") == []
    assert results.CollectedResults().describe() == "No providers were asked.\n"


def test_default_providers_and_survey_is_deterministic(params):
    assert results.PROVIDERS == (
        "ccs_methods.analyses.trends",
        "ccs_methods.analyses.networks",
        "ccs_methods.analyses.survey",
    )
    a = results.collect_results(params, providers=("ccs_methods.analyses.survey",))
    b = results.collect_results(params, providers=("ccs_methods.analyses.survey",))
    assert a == b
    assert list(a.results) == ["survey.capability.new_services_diff"]
    assert a.sources == {"survey.capability.new_services_diff": "ccs_methods.analyses.survey"}


def test_datasets_for():
    assert results.datasets_for("its.ncan.level_change") == ("referrals_ncan",)
    assert results.datasets_for("network.ncan.connections_ratio") == ("referrals_ncan",)
    assert results.datasets_for("trend.lwa.swansea") == ("lwa_awards",)
    assert results.datasets_for("survey.capability.new_services_diff") == ("survey_local_systems",)
    assert results.datasets_for("other.x") == ()
    assert results.datasets_for("other.x", {"dataset": "activity_log"}) == ("activity_log",)
    assert results.datasets_for("trend.lwa.x", {"dataset": "lwa_awards"}) == ("lwa_awards",)


def test_results_store_reuses_and_invalidates(tmp_path, root) -> None:
    """The results store returns the same answer, and recomputes when an input it read changes
    (a params file, or the rows of a dataset the provider used)."""
    import shutil

    proj = tmp_path / "proj"
    for name in ("params", "data", "notebooks"):
        shutil.copytree(root / name, proj / name)
    params = load_params(proj / "params")
    survey = "ccs_methods.analyses.survey"
    first = results.collect_results(params, providers=[survey])
    entry = results.store_entry(params, survey)
    assert entry.is_file()
    assert results.stored_answer(params, survey, results._provider_code(_provider(survey)))
    again = results.collect_results(params, providers=[survey])
    assert again.results == first.results
    # same key order too: pages print results in it, and nbval compares pages
    for rid in dict.keys(first.results):
        assert list(again.results[rid]) == list(first.results[rid])
    assert (
        again.results
        == results.collect_results(params, providers=[survey], cache=False).results
    )
    code = results._provider_code(_provider(survey))
    stored = json.loads(entry.read_text(encoding="utf-8"))
    kinds = {(e["kind"], e["key"].split(":")[0]) for e in stored["deps"]}
    assert ("rows", "survey_local_systems") in kinds and ("file", "params/programme.yml") in kinds
    f = proj / "params" / "programme.yml"
    f.write_text(f.read_text(encoding="utf-8") + "\n# changed\n", encoding="utf-8")
    assert results.stored_answer(load_params(proj / "params"), survey, code) is None
    results.collect_results(load_params(proj / "params"), providers=[survey])
    assert results.stored_answer(load_params(proj / "params"), survey, code) is not None
    data = proj / "data" / "synthetic" / "survey_local_systems.csv"
    lines = data.read_text(encoding="utf-8").splitlines(keepends=True)
    data.write_text("".join(lines[:-1]), encoding="utf-8")  # one respondent fewer
    assert results.stored_answer(load_params(proj / "params"), survey, code) is None


def _provider(name: str):
    import importlib

    return importlib.import_module(name).computed_results


def test_pending_reason_is_carried_through(monkeypatch, params):
    """A provider may hold a result back with :data:`results.PENDING_KEY`; it is kept as given."""
    reason = "subgroup size not published"
    _fake(
        monkeypatch,
        "fake_held",
        lambda p: {"s.x": {"difference": 0.2, results.PENDING_KEY: reason}},
    )
    got = results.collect_results(params, providers=("fake_held",), cache=False)
    assert got.ok
    assert got.results["s.x"][results.PENDING_KEY] == reason


def test_cached_results_still_log_the_files_they_were_read_from(tmp_path) -> None:
    """A page whose results come from .ccs-run/cache lists the same inputs as one that
    computed them (How this page was made)."""
    import shutil

    from ccs_methods.data import datasets

    root = Path(__file__).resolve().parents[1]
    proj = tmp_path / "p"
    for name in ("params", "data"):
        shutil.copytree(root / name, proj / name)

    def provider(params):
        datasets.load_record(params, "lwa_awards", root=proj)
        return {"trend.lwa.x": {"value": 1.0}}

    params = load_params(proj / "params")
    datasets.reset_read_log()
    first = results._cached_call("prov", provider, params)
    computed = [r.name for r in datasets.read_log()]
    datasets.reset_read_log()
    second = results._cached_call("prov", provider, params)
    assert first == second and computed == ["lwa_awards"]
    assert [r.name for r in datasets.read_log()] == computed
    assert (proj / ".ccs-run" / "results" / "prov.json").is_file()
