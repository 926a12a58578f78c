"""The page-layer rewrite (issue 9) changes how the book is made, not what it finds.

``tests/data/results_baseline.json`` was written at commit 0033ce0 (before the rewrite) from
``collect_results`` and the contribution synthesis of the shipped params and synthetic data:
every computed result that feeds the evidence register, the resolved evidence rows and every
claim's headline posterior. This test recomputes them with the current code and compares.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

from ccs_methods.analyses import contribution as cs
from ccs_methods.analyses.results import collect_results
from ccs_methods.data.params import load_params

ROOT = Path(__file__).resolve().parents[1]
BASELINE = json.loads((ROOT / "tests" / "data" / "results_baseline.json").read_text())


def _same(a: Any, b: Any, path: str) -> None:
    if isinstance(b, dict):
        assert isinstance(a, dict) and set(a) == set(b), f"{path}: keys {sorted(a)} != {sorted(b)}"
        for k in b:
            _same(a[k], b[k], f"{path}.{k}")
    elif isinstance(b, list):
        assert isinstance(a, list | tuple) and len(a) == len(b), f"{path}: length differs"
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _same(x, y, f"{path}[{i}]")
    elif isinstance(b, float) and not isinstance(a, bool):
        assert a is not None and math.isclose(float(a), b, rel_tol=1e-8, abs_tol=1e-10), (
            f"{path}: {a} != {b}"
        )
    else:
        assert a == b, f"{path}: {a!r} != {b!r}"


@pytest.fixture(scope="module")
def current() -> dict[str, Any]:
    params = load_params(ROOT / "params")
    col = collect_results(params, cache=False)
    reg = cs.load_register(params, collected=col)
    syn = cs.synthesis_table(reg).set_index("claim_id")
    cols = ["evidence_id", "claim_id", "direction", "sensitivity", "type1_error"]
    ev = reg.evidence[cols].astype(object)
    return {
        "results": col.results,
        "problems": [str(p) for p in col.problems],
        "claims": syn,
        "evidence": ev.where(ev.notna(), None).to_dict("records"),
    }


def test_every_computed_result_is_unchanged(current: dict[str, Any]) -> None:
    """Each result id feeding the evidence register has the same values as before."""
    assert sorted(current["results"]) == sorted(BASELINE["results"])
    for rid, values in BASELINE["results"].items():
        got = {k: v for k, v in current["results"][rid].items() if k in values}
        _same(got, values, rid)
    assert current["problems"] == BASELINE["problems"]


def test_evidence_rows_resolve_the_same(current: dict[str, Any]) -> None:
    """Every evidence row has the same direction and probabilities as before."""
    _same(current["evidence"], BASELINE["evidence"], "evidence")


def test_every_claim_headline_is_unchanged(current: dict[str, Any]) -> None:
    """Each claim's posterior, range, verbal label, status and counts are as before."""
    syn = current["claims"]
    assert list(syn.index) == [c["claim_id"] for c in BASELINE["claims"]]
    for c in BASELINE["claims"]:
        row = syn.loc[c["claim_id"]]
        _same({k: row[k] for k in c if k != "claim_id"},
              {k: v for k, v in c.items() if k != "claim_id"}, c["claim_id"])
