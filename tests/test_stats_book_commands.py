"""The `ccs-eval stats` commands written in the methods pages reproduce the book's models.

Every ```bash block of ``book/methods/*.md`` that runs ``ccs-eval stats`` starts with a
``# reproduces: <model>`` line. This test runs each block (from the project root's data, in a
temporary folder) and compares the JSON of its last command with the numbers the book shows:
``tests/data/results_baseline.json`` (the computed results of the pages) where the model is
there, otherwise the analysis function the page calls.
"""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from ccs_methods.data.paths import ROOT_ENV
from ccs_methods.pipeline.cli import app

ROOT = Path(__file__).resolve().parents[1]
BASELINE = json.loads((ROOT / "tests" / "data" / "results_baseline.json").read_text())["results"]
BLOCK = re.compile(r"```bash\n(# reproduces: (?P<model>[\w.]+)\n(?P<body>.*?))```", re.S)


def _blocks() -> list[tuple[str, str, list[list[str]]]]:
    out = []
    for page in sorted((ROOT / "book" / "methods").glob("*.md")):
        for m in BLOCK.finditer(page.read_text(encoding="utf-8")):
            cmds = [shlex.split(line) for line in m.group("body").splitlines()
                    if line.strip() and not line.startswith("#")]
            out.append((page.name, m.group("model"), cmds))
    return out


BLOCKS = _blocks()


def test_the_pages_carry_the_commands() -> None:
    models = {m for _, m, _ in BLOCKS}
    assert {"trend.lwa.norfolk", "pooled", "its.ncan", "xmr.norfolk", "network.ncan",
            "contribution.y2_kf08", "contribution.y2_kf10",
            "trend.referrals.tower_hamlets.2", "period.lwa.norfolk.2"} <= models
    for _, _, cmds in BLOCKS:
        assert all(c[:2] == ["ccs-eval", "stats"] for c in cmds)


def _run(cmds: list[list[str]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(ROOT_ENV, str(ROOT))
    cmds = [[str(ROOT / a) if a.startswith("data/") else a for a in c] for c in cmds]
    runner = CliRunner()
    r: Any = None
    for c in cmds:
        r = runner.invoke(app, c[1:])
        assert r.exit_code == 0, (c, r.output)
    return json.loads(r.stdout)


def _close(a: float, b: float) -> bool:
    return a == pytest.approx(b, rel=1e-8, abs=1e-10)


@pytest.mark.parametrize(("page", "model", "cmds"), BLOCKS, ids=[b[1] for b in BLOCKS])
def test_each_command_reproduces_the_book(page: str, model: str, cmds: list[list[str]],
                                          tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                          ) -> None:
    out = _run(cmds, tmp_path, monkeypatch)
    if model.startswith("trend.lwa."):
        ref = BASELINE[model]
        g = out["glm"]
        for key in ("rate_ratio", "ci_low", "ci_high", "p_value", "dispersion"):
            assert _close(g[key], ref[key]), key
        assert g["family"] == ref["family"] and out["n"] == ref["n"]
        assert out["mann_kendall"]["s"] == ref["mann_kendall_s"]
        assert _close(out["mann_kendall"]["p_value"], ref["mann_kendall_p"])
        assert _close(out["mann_kendall"]["tau"], ref["kendall_tau"])
    elif model.startswith("trend.referrals."):
        from ccs_methods.analyses import referrals
        from ccs_methods.analyses.trend_data import load_dataset
        from ccs_methods.data.params import load_params

        _, _, site, year = model.split(".")
        params = load_params(ROOT / "params")
        ds = params.site(site).referral_network.referral_dataset
        series = referrals.monthly_referrals(load_dataset(params, ds), site)
        py = next(y for y in params.programme.years if y.number == int(year))
        book = referrals.describe_year(series, py).early_trend
        assert book is not None
        g = out["glm"]
        for key in ("rate_ratio", "ci_low", "ci_high", "p_value", "dispersion"):
            assert _close(g[key], getattr(book, key)), key
        assert g["family"] == book.family and out["n"] == book.n
    elif model.startswith("period.lwa."):
        from ccs_methods.analyses import lwa
        from ccs_methods.analyses.trend_data import LWA, load_dataset
        from ccs_methods.data.params import load_params

        _, _, site, year = model.split(".")
        params = load_params(ROOT / "params")
        settings = params.analysis
        aw = lwa.site_awards(params, site, load_dataset(params, LWA))
        py = next(y for y in params.programme.years if y.number == int(year))
        book = lwa.year_vs_previous(aw.monthly, py,
                                    autocorrelation_p=settings.its.autocorrelation_p,
                                    hac_rule=settings.its.hac_rule,
                                    family=settings.lwa_trend.year_comparison_family).ratio
        assert book is not None
        for key in ("rate_ratio", "ci_low", "ci_high"):
            assert _close(out[key], getattr(book, key)), key
        assert out["n"] == book.n and out["cov_type"] == book.cov_type
        assert out["hac_reason"] == book.hac_reason
        assert out["family"] == settings.lwa_trend.year_comparison_family
        assert out["autocorrelation_p"] == settings.its.autocorrelation_p
        assert out["hac_rule"] == settings.its.hac_rule
    elif model.startswith("its."):
        net = model.split(".")[1]
        for term in ("level_change", "slope_change"):
            ref = BASELINE[f"its.{net}.{term}"]
            for key in ("rate_ratio", "ci_low", "ci_high", "p_value"):
                assert _close(out[term][key], ref[key]), (term, key)
            assert out["cov_type"] == ref["cov_type"] and out["n"] == ref["n"]
            assert out["family"] == ref["family"] and out["breakpoint"] == ref["breakpoint"]
    elif model == "pooled":
        from ccs_methods.analyses import lwa, trends_programme
        from ccs_methods.analyses.trend_data import LWA, load_dataset
        from ccs_methods.data.params import load_params

        params = load_params(ROOT / "params")
        awards = load_dataset(params, LWA)
        per = {s: lwa.site_awards(params, s, awards) for s in params.programme.sites}
        book = trends_programme.pooled_trend(
            per, min_complete_years=params.analysis.lwa_trend.min_complete_years,
            glm_family=params.analysis.lwa_trend.glm_family).result
        assert book is not None
        pooled = out["pooled"]
        for key in ("rate_ratio", "ci_low", "ci_high", "p_value"):
            assert _close(pooled["common_rate_ratio"][key], book.glm[key]), key
        assert pooled["common_rate_ratio"]["family"] == book.glm["family"]
        assert pooled["stratified_mann_kendall"]["s"] == book.stratified_mk["s"]
        assert _close(pooled["stratified_mann_kendall"]["p_value"],
                      book.stratified_mk["p_value"])
    elif model.startswith("xmr."):
        from ccs_methods.analyses import lwa
        from ccs_methods.analyses.trend_data import LWA, load_dataset
        from ccs_methods.data.params import load_params

        site = model.split(".")[1]
        params = load_params(ROOT / "params")
        aw = lwa.site_awards(params, site, load_dataset(params, LWA))
        book = lwa.monthly_xmr(aw.monthly["awards"].to_numpy(), list(aw.monthly["date"]),
                               ccs_start=params.programme.ccs_start,
                               min_baseline_points=params.analysis.xmr.min_baseline_points)
        for key in ("n", "n_baseline", "mean", "mr_bar", "ucl", "lcl"):
            assert _close(out[key], getattr(book, key)), key
        assert out["special_cause"] == book.special_cause
    elif model.startswith("network."):
        net = model.split(".")[1]
        by = {rec["year"]: rec for rec in out["by_year"]}
        checked = 0
        for key, ref in BASELINE.items():
            if not key.startswith(f"network.{net}.") or ref["measure"] not in by[2019]:
                continue
            a, b = by[ref["period_a"]][ref["measure"]], by[ref["period_b"]][ref["measure"]]
            assert _close(a, ref["value_a"]) and _close(b, ref["value_b"]), key
            assert _close(b / a, ref["ratio"]), key
            checked += 1
        assert checked >= 5
    elif model.startswith("contribution."):
        from ccs_methods.analyses.contribution import load_register, synthesis_table
        from ccs_methods.data.params import load_params

        claim = model.split(".", 1)[1]
        table = synthesis_table(load_register(load_params(ROOT / "params")))
        row = table.loc[table["claim_id"] == claim].iloc[0]
        assert _close(out["posterior"], row["posterior"])
        assert out["verbal"] == row["verbal"]
        assert len(out["items"]) == row["n_used"]
        assert out["prior"] == row["prior"]
    else:  # pragma: no cover - a new block needs a comparison here
        pytest.fail(f"no comparison for {model!r} ({page})")
