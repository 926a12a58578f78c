"""yoy_change and the interval helpers of network_intervals, with replicates known in advance.

Written for issue 14 ("Tests with teeth") against the mutants of ``network/bootstrap.py`` and
``network_intervals.py`` (``tools/mutation_fork.py``). Most tests hand ``yoy_change`` a
*scripted* measure function: it ignores the referrals it is given and returns a listed value at
each call (the observed value of the base period, its replicates, then the same for the
comparison period), so the replicate percent changes are known exactly and the percentile
interval can be worked by hand with the linear rule of :func:`numpy.percentile` (the value at
position q (n - 1) of the sorted replicates, interpolated). Where the real bootstrap is used the
replicate distribution is worked out from the Poisson probabilities and is far from the
thresholds the assertions test. Other values come from published tables (Garwood limits as
tabulated by Ulm 1990) or the normal approximation for a difference of two proportions.

Scored (issue 14) with this file and ``tests/test_network.py -k "not distinct_counts_interval and
not plot and not palette and not fast_path_agrees"`` (``tests/test_network_tables.py -k "poisson
or share_change or yoy_or_error or ratio_result"`` for the intervals): ``network_intervals.py``
65 of 65 mutants killed or timed out. ``network/bootstrap.py``: 111 mutants on lines 1-244
judged, 105 killed; the survivors are the chunk size of ``_replicates_fast`` (three,
equivalent: the size of a chunk does not change the draws, which come one replicate row after
another from the same generator), ``base_zero & (rep_b > 1)`` (equivalent: a positive change
over a zero base is already infinite), ``done = 1`` (one replicate fewer: not equivalent, not
detected without recomputing the seeded draws) and ``done = size`` (it survived before the
big-network test was added, which should make it loop until timeout; not re-run in time).
Lines 245-271 (10 mutants) were not judged in time.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from ccs_methods.errors import MethodInputError
from ccs_methods.methods import network as nw
from ccs_methods.methods import network_intervals as ni


def referrals(spec: list[tuple[int, str, str, int]]) -> pd.DataFrame:
    """Cleaned-looking referrals from ``(year, from, to, n)``; every organisation is vcs."""
    rows = [{"date": pd.Timestamp(year, 1 + k % 12, 1), "from_org": a, "from_sector": "vcs",
             "to_org": b, "to_sector": "vcs", "reason": "debt", "outcome": "accepted"}
            for year, a, b, n in spec for k in range(n)]
    return pd.DataFrame(rows)


#: 30 referrals in each of 2021 and 2022: a replicate is empty with probability e^-30, so the
#: scripted measure is called exactly 1 + n_boot times per year.
TWO_YEARS = referrals([(2021, "A", "B", 30), (2022, "A", "B", 30)])


class Scripted:
    """A measure function returning ``values[i]`` at its i-th call; keeps the parts it saw."""

    def __init__(self, obs_a: float, reps_a: list[float], obs_b: float, reps_b: list[float]):
        self.values = [obs_a, *reps_a, obs_b, *reps_b]
        self.sizes: list[int] = []
        self.index: list[list[int]] = []

    def __call__(self, part: pd.DataFrame) -> float:
        self.sizes.append(len(part))
        self.index.append(part.index.tolist())
        return self.values[len(self.sizes) - 1]


def scripted_yoy(measure: Scripted, **kwargs) -> dict:
    kwargs = {"n_boot": 200, "seed": 1, **kwargs}
    n_boot = kwargs.pop("n_boot")
    return nw.yoy_change(TWO_YEARS, measure, 2021, 2022, n_boot, **kwargs)


# --------------------------------------------------------------------------------------------
# the percentile interval of scripted replicates
# --------------------------------------------------------------------------------------------
def test_percentile_interval_of_known_replicates() -> None:
    """Base 100 in every replicate, comparison 100 + i: the 200 changes are 0, 1, ..., 199 %.

    95%: positions 0.025 x 199 = 4.975 and 0.975 x 199 = 194.025, so 4.975% and 194.025%.
    """
    m = Scripted(100, [100] * 200, 150, [100 + i for i in range(200)])
    r = scripted_yoy(m)
    assert len(m.sizes) == 402  # every call was used, in the documented order
    assert r["change_pct"] == 50.0
    assert r["ci_low_pct"] == pytest.approx(4.975) and r["ci_high_pct"] == pytest.approx(194.025)
    assert r["interval"] == "percentile" and r["recentre_shift_pct"] == 0.0
    assert (r["value_a"], r["value_b"]) == (100, 150) and type(r["value_a"]) is int
    assert r["measure"] == "custom measure"  # an object without a __name__
    assert (r["n_boot_base_zero"], r["n_boot_undefined"]) == (0, 0)
    assert (r["n_referrals_a"], r["n_referrals_b"]) == (30, 30)
    assert (r["year_a"], r["year_b"], r["period"]) == (2021, 2022, "year")
    assert r["confidence"] == 0.95 and r["scheme"] == "poisson" and r["seed"] == 1
    assert r["method"] == ("poisson bootstrap of referrals within each year, 200 replicates, "
                           "95% percentile interval of the percent change")
    json.dumps(r)


@pytest.mark.parametrize(("confidence", "low", "high"),
                         [(0.5, 49.75, 149.25), (0.9, 9.95, 189.05)])
def test_confidence_sets_the_percentiles(confidence: float, low: float, high: float) -> None:
    """50%: positions 0.25 x 199 = 49.75 and 149.25; 90%: 0.05 x 199 = 9.95 and 189.05."""
    r = scripted_yoy(Scripted(100, [100] * 200, 150, [100 + i for i in range(200)]),
                     confidence=confidence)
    assert (r["ci_low_pct"], r["ci_high_pct"]) == (pytest.approx(low), pytest.approx(high))
    assert r["confidence"] == confidence


def test_zero_base_replicates_count_as_no_change_or_infinite() -> None:
    """Replicates 0-5: base 0 and comparison 0 (change 0); 6-8: base 0, comparison 50 (+inf);
    9-199: base 100, comparison 100 + i (change i %).

    Sorted: six 0s, then 9 ... 199, then three infinities. 2.5%: position 4.975, between two
    0s -> 0. 97.5%: position 194.025, between 197 and 198 -> 197.025. Three infinite
    replicates (1.5%) do not reach the 97.5% limit.
    """
    reps_a = [0] * 9 + [100] * 191
    reps_b = [0] * 6 + [50] * 3 + [100 + i for i in range(9, 200)]
    r = scripted_yoy(Scripted(100, reps_a, 120, reps_b))
    assert r["ci_low_pct"] == 0.0 and r["ci_high_pct"] == pytest.approx(197.025)
    assert r["n_boot_base_zero"] == 9 and r["change_pct"] == pytest.approx(20.0)


def test_too_many_infinite_replicates_refuse_the_interval() -> None:
    """Six infinite changes of 200 (3%) put the 97.5% limit among them: no interval."""
    reps_a = [0] * 6 + [100] * 194
    reps_b = [50] * 6 + [100] * 194
    with pytest.raises(MethodInputError, match="too small"):
        scripted_yoy(Scripted(100, reps_a, 120, reps_b))


@pytest.mark.parametrize(("n_nan", "ok"), [(5, True), (6, False)])
def test_undefined_replicates_up_to_two_and_a_half_percent(n_nan: int, ok: bool) -> None:
    """5 undefined of 200 is 2.5%, which is allowed (and left out); 6 is refused."""
    reps_a = [np.nan] * n_nan + [100] * (200 - n_nan)
    m = Scripted(100, reps_a, 100, [100] * 200)
    if ok:
        r = scripted_yoy(m)
        assert r["n_boot_undefined"] == 5 and r["ci_low_pct"] == r["ci_high_pct"] == 0.0
    else:
        with pytest.raises(MethodInputError, match="undefined in 6 of 200"):
            scripted_yoy(m)


@pytest.mark.parametrize(("obs_a", "obs_b"), [(np.nan, 1.0), (1.0, np.inf)])
def test_undefined_observed_value_is_refused(obs_a: float, obs_b: float) -> None:
    with pytest.raises(MethodInputError, match="undefined in one of the periods"):
        scripted_yoy(Scripted(obs_a, [1.0] * 200, obs_b, [1.0] * 200))


def test_zero_base_value_is_refused() -> None:
    with pytest.raises(MethodInputError, match="percent change from zero"):
        scripted_yoy(Scripted(0, [1.0] * 200, 5, [1.0] * 200))


@pytest.mark.parametrize("bad", ["abc", None])
def test_measure_function_must_return_a_number(bad) -> None:
    with pytest.raises(MethodInputError, match="did not return a number"):
        nw.yoy_change(TWO_YEARS, lambda part: bad, 2021, 2022, 200, seed=1)


# --------------------------------------------------------------------------------------------
# the resampling schemes of the function path
# --------------------------------------------------------------------------------------------
def test_multinomial_replicates_draw_n_rows_with_replacement() -> None:
    """Each replicate has exactly the 30 rows of its year, drawn from all 30 (first and last
    included over 200 replicates: a row is missed by all with probability (29/30)^6000)."""
    m = Scripted(1, [1] * 200, 1, [1] * 200)
    scripted_yoy(m, scheme="multinomial")
    assert set(m.sizes) == {30}
    reps_a = m.index[1:201]
    seen = {i for rep in reps_a for i in rep}
    assert seen == set(range(30))  # 2021 rows are index 0..29
    assert {i for rep in m.index[202:] for i in rep} == set(range(30, 60))


def test_poisson_replicates_have_poisson_sizes() -> None:
    """Poisson(1) copies of each of 30 rows: replicate sizes have mean 30 and variance 30; the
    mean of 200 sizes is within 30 +/- 4 sd (sd sqrt(30 / 200) = 0.39)."""
    m = Scripted(1, [1] * 200, 1, [1] * 200)
    scripted_yoy(m)
    sizes = np.array(m.sizes[1:201])
    assert 28.5 < sizes.mean() < 31.5
    assert len(set(sizes)) > 5  # sizes vary, unlike the multinomial scheme


def test_empty_poisson_replicate_is_a_zero_base() -> None:
    """One referral in 2021: a Poisson replicate is empty with probability e^-1 = 37%, its
    value is 0, and so many infinite changes leave no upper limit."""
    df = referrals([(2021, "A", "B", 1), (2022, "A", "B", 30)])
    with pytest.raises(MethodInputError, match="too small"):
        nw.yoy_change(df, len, 2021, 2022, 200, seed=1)


# --------------------------------------------------------------------------------------------
# the vectorised path and its recentred interval
# --------------------------------------------------------------------------------------------
#: 2021: A -> B, 40 referrals (never lost: e^-40). 2022: A -> B 40, and C -> D and E -> F with
#: one referral each, each kept in a Poisson replicate with probability 1 - e^-1 = 0.632.
RARE = referrals([(2021, "A", "B", 40), (2022, "A", "B", 40), (2022, "C", "D", 1),
                  (2022, "E", "F", 1)])


def test_distinct_count_interval_is_recentred_on_the_estimate() -> None:
    """Organisations 2 -> 6: +200%. Replicates of 2022 have 2, 4 or 6 organisations with
    probabilities 0.135, 0.465 and 0.400 (changes 0, 100, 200%): the 2.5% limit is 0, the
    median 100 and the 97.5% limit 200. Recentring adds 200 - 100 = 100: [100%, 300%]."""
    r = nw.yoy_change(RARE, "organisations", 2021, 2022, 400, seed=1)
    assert r["change_pct"] == 200.0 and r["recentre_shift_pct"] == 100.0
    assert (r["ci_low_pct"], r["ci_high_pct"]) == (100.0, 300.0)
    assert r["interval"] == "recentred percentile" and r["measure"] == "organisations"
    assert r["method"].endswith("95% percentile interval recentred on the estimate "
                                "(distinct-count measure) of the percent change")
    assert (r["value_a"], r["value_b"]) == (2, 6)


def test_distinct_count_interval_recentred_downwards() -> None:
    """2022 -> 2021: 6 -> 2 organisations, -66.7%. Replicate changes 100 (2 / n - 1) for 6, 4, 2
    organisations: -66.7 (p 0.400), -50 (0.465), 0 (0.135); median -50, shift -16.7."""
    r = nw.yoy_change(RARE, "organisations", 2022, 2021, 400, seed=1)
    assert r["change_pct"] == pytest.approx(-200 / 3)
    assert r["recentre_shift_pct"] == pytest.approx(-50 / 3)
    assert r["ci_low_pct"] == pytest.approx(-250 / 3) and r["ci_high_pct"] == pytest.approx(-50 / 3)


@pytest.mark.parametrize(("measure", "kind"), [
    ("organisations_vcs", "recentred percentile"), ("referring_organisations_vcs",
                                                    "recentred percentile"),
    ("receiving_organisations_vcs", "recentred percentile"), ("density", "recentred percentile"),
    ("referrals_to_vcs", "percentile"), ("total_referrals", "percentile"),
    ("cross_sector_share", "percentile"),
])
def test_which_measures_are_recentred(measure: str, kind: str) -> None:
    big = referrals([(2021, "A", "B", 40), (2021, "B", "A", 40), (2021, "B", "C", 40),
                     (2022, "A", "B", 50), (2022, "B", "A", 30), (2022, "C", "B", 45)])
    big.loc[big["to_org"] == "C", "to_sector"] = "health"
    big.loc[big["from_org"] == "C", "from_sector"] = "health"
    assert nw.yoy_change(big, measure, 2021, 2022, 200, seed=1)["interval"] == kind


def test_multinomial_fixes_every_count_of_a_one_sector_network() -> None:
    """Every referral is vcs -> vcs: under the multinomial scheme referrals_from_vcs is the
    fixed yearly total in every replicate, so the interval is the estimate: 30 -> 32."""
    df = referrals([(2021, "A", "B", 20), (2021, "B", "C", 10), (2022, "A", "B", 32)])
    r = nw.yoy_change(df, "referrals_from_vcs", 2021, 2022, 200, seed=1, scheme="multinomial")
    assert r["ci_low_pct"] == r["ci_high_pct"] == pytest.approx(100 * (32 / 30 - 1))
    assert r["scheme"] == "multinomial" and r["method"].startswith("multinomial bootstrap")


# --------------------------------------------------------------------------------------------
# options and labels
# --------------------------------------------------------------------------------------------
def test_options_are_checked() -> None:
    m = Scripted(1, [1] * 200, 1, [1] * 200)
    with pytest.raises(MethodInputError, match="n_boot") as exc:
        nw.yoy_change(TWO_YEARS, m, 2021, 2022, 199, seed=1)
    assert exc.value.column == "n_boot"
    with pytest.raises(MethodInputError, match="n_boot"):
        nw.yoy_change(TWO_YEARS, m, 2021, 2022, 200.0, seed=1)  # type: ignore[arg-type]
    with pytest.raises(MethodInputError, match="seed") as exc:
        nw.yoy_change(TWO_YEARS, m, 2021, 2022, 200, seed=True)
    assert exc.value.column == "seed"
    with pytest.raises(MethodInputError, match="scheme") as exc:
        nw.yoy_change(TWO_YEARS, m, 2021, 2022, 200, seed=1, scheme="bayes")  # type: ignore
    assert exc.value.column == "scheme"
    for conf in (0.0, 1.0):
        with pytest.raises(MethodInputError, match="confidence"):
            nw.yoy_change(TWO_YEARS, m, 2021, 2022, 200, seed=1, confidence=conf)
    with pytest.raises(MethodInputError, match="measure name or a function"):
        nw.yoy_change(TWO_YEARS, 3, 2021, 2022, 200, seed=1)  # type: ignore[arg-type]
    with pytest.raises(MethodInputError, match="unknown measure") as exc:
        nw.yoy_change(TWO_YEARS, "nonsense", 2021, 2022, 200, seed=1)
    assert exc.value.column == "measure"
    with pytest.raises(MethodInputError, match="2023 has no referrals") as exc:
        nw.yoy_change(TWO_YEARS, "connections", 2021, 2023, 200, seed=1)
    assert exc.value.column == "year"


def test_numpy_integers_are_accepted_and_labels_are_plain() -> None:
    r = nw.yoy_change(TWO_YEARS, "total_referrals", np.int64(2021), np.int64(2022),
                      np.int64(200), seed=np.int64(5))
    assert type(r["year_a"]) is int and type(r["n_boot"]) is int and type(r["seed"]) is int
    assert r["n_boot"] == 200 and r["seed"] == 5
    quarters = nw.yoy_change(TWO_YEARS, "total_referrals", "2021Q1", "2022Q1", 200, seed=1,
                             period="quarter")
    assert (quarters["year_a"], quarters["period"]) == ("2021Q1", "quarter")
    # periods that are neither numbers nor strings are written as text
    fy = TWO_YEARS.assign(fy=TWO_YEARS["date"].dt.to_period("Y"))
    p = nw.yoy_change(fy, "total_referrals", pd.Period("2021"), pd.Period("2022"), 200, seed=1,
                      period="fy")
    assert (p["year_a"], p["year_b"]) == ("2021", "2022")
    json.dumps(p)


def test_density_is_a_plain_float() -> None:
    df = referrals([(2021, "A", "B", 30), (2022, "A", "B", 30), (2022, "B", "A", 30)])
    r = nw.yoy_change(df, "density", 2021, 2022, 200, seed=1)
    assert (r["value_a"], r["value_b"]) == (0.5, 1)  # 1 / (2 x 1), then 2 / 2
    assert type(r["value_a"]) is float and type(r["value_b"]) is int


# --------------------------------------------------------------------------------------------
# network_intervals
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("k", "confidence", "low", "high"), [
    (0, 0.95, 0.0, 3.689), (1, 0.95, 0.0253, 5.572), (2, 0.95, 0.242, 7.225),
    (0, 0.90, 0.0, 2.996), (5, 0.90, 1.970, 10.513),
])
def test_poisson_ci_garwood_table(k: int, confidence: float, low: float, high: float) -> None:
    """Exact limits as tabulated by Ulm (1990), Am J Epidemiol 131:373 (95%), and for 90%:
    0 events -> -ln(0.05) = 2.996; 5 events -> chi2(0.05; 10) / 2 and chi2(0.95; 12) / 2."""
    assert ni.poisson_ci(k, confidence) == (pytest.approx(low, abs=1e-3),
                                            pytest.approx(high, abs=1e-3))


def test_poisson_ci_refuses_a_negative_count() -> None:
    with pytest.raises(MethodInputError, match="cannot be negative") as exc:
        ni.poisson_ci(-1)
    assert exc.value.column == "k"


def test_share_change_bootstrap_matches_the_normal_approximation() -> None:
    """5000 / 5000 referrals in both periods: no change; each share has sd sqrt(0.25 / 10000)
    = 0.005, the difference sd 0.00707, so the 95% limits are -/+ 1.96 x 0.707 = 1.386 points
    (Wald interval for a difference of independent proportions, Newcombe 1998, method 1)."""
    change, low, high = ni.share_change_bootstrap(np.array([5000, 5000]),
                                                  np.array([5000, 5000]), n_boot=20000, seed=1)
    assert change.tolist() == [0.0, 0.0]
    assert low == pytest.approx([-1.386, -1.386], abs=0.05)
    assert high == pytest.approx([1.386, 1.386], abs=0.05)


def test_share_change_by_hand_and_refusals() -> None:
    """30 / 10 -> 20 / 20: shares 75 / 25 % -> 50 / 50 %, changes -25 and +25 points. With all
    referrals in one category each period the replicate shares never move: 100 -> 0 %."""
    change, _, _ = ni.share_change_bootstrap([30, 10], [20, 20], n_boot=50, seed=1)
    assert change.tolist() == [-25.0, 25.0]
    change, low, high = ni.share_change_bootstrap([40, 0], [0, 40], n_boot=50, seed=1)
    assert change.tolist() == low.tolist() == high.tolist() == [-100.0, 100.0]
    # one referral in each period is enough
    change, low, high = ni.share_change_bootstrap([1, 0], [0, 1], n_boot=50, seed=1)
    assert change.tolist() == low.tolist() == high.tolist() == [-100.0, 100.0]
    for a, b in (([0, 0], [1, 2]), ([1, 2], [0, 0])):
        with pytest.raises(MethodInputError, match="no referrals") as exc:
            ni.share_change_bootstrap(a, b, n_boot=50, seed=1)
        assert exc.value.column == "counts"


def test_yoy_or_error_passes_its_options_and_catches_errors() -> None:
    df = TWO_YEARS.assign(py=np.where(TWO_YEARS["date"].dt.year == 2021, "a", "b"))
    res = ni.yoy_or_error(df, "total_referrals", "a", "b", period="py", n_boot=250, seed=4)
    assert (res["period"], res["n_boot"], res["seed"]) == ("py", 250, 4)
    assert res["scheme"] == "poisson"
    err = ni.yoy_or_error(df, "nonsense", "a", "b", period="py", n_boot=250, seed=4)
    assert err == {"measure": "nonsense", "error": err["error"]}
    assert "unknown measure" in err["error"]


def test_ratio_result_by_hand() -> None:
    res = {"value_a": 4, "value_b": 6, "ci_low_pct": -10.0, "ci_high_pct": 125.0,
           "year_a": 2021, "year_b": 2022, "measure": "connections", "n_boot": 300,
           "seed": 9, "method": "m"}
    assert ni.ratio_result(res, 10) == {
        "ratio": 1.5, "ci_low": 0.9, "ci_high": 2.25, "n": 10, "value_a": 4, "value_b": 6,
        "period_a": 2021, "period_b": 2022, "measure": "connections", "n_boot": 300, "seed": 9,
        "method": "m"}
    assert ni.ratio_result({"measure": "x", "error": "no"}, 10) is None


# --------------------------------------------------------------------------------------------
# the recentring arithmetic, with the replicate draw stubbed out
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("spec", "pct", "expected"), [
    # 2 -> 3 organisations (+50%); replicate changes 0, 1, ..., 199 %: percentiles 4.975,
    # 99.5 (median) and 194.025; shift 50 - 99.5 = -49.5 -> [-44.525, 144.525].
    ([(2021, "A", "B", 5), (2022, "A", "B", 5), (2022, "B", "C", 5)], np.arange(200.0),
     (50.0, -49.5, -44.525, 144.525)),
    # 3 -> 2 organisations (-33.3%); replicate changes -100, ..., 99 %: percentiles -95.025,
    # -0.5 and 94.025; shift -33.333 + 0.5 = -32.833; the lower limit -127.86 is cut at -100%
    # (a count cannot fall by more than all of it).
    ([(2021, "A", "B", 5), (2021, "B", "C", 5), (2022, "A", "B", 5)], np.arange(200.0) - 100,
     (-100 / 3, -100 / 3 + 0.5, -100.0, 94.025 - 100 / 3 + 0.5)),
])
def test_recentred_interval_arithmetic(monkeypatch, spec, pct, expected) -> None:
    """The replicates are given (base: the observed count; comparison: the count giving the
    listed changes), so the recentred limits are worked by hand from the docstring's rule
    [estimate + q(2.5%) - q(50%), estimate + q(97.5%) - q(50%)]."""
    from ccs_methods.methods.network import bootstrap

    df = referrals(spec)
    base = nw.network_measures(df[df["date"].dt.year == 2021])["organisations"]
    given = iter([np.full(200, float(base)), base * (1 + pct / 100)])
    monkeypatch.setattr(bootstrap, "_replicates_fast", lambda *args: next(given))
    r = nw.yoy_change(df, "organisations", 2021, 2022, 200, seed=1)
    change, shift, low, high = expected
    assert r["change_pct"] == pytest.approx(change)
    assert r["recentre_shift_pct"] == pytest.approx(shift)
    assert r["ci_low_pct"] == pytest.approx(low) and r["ci_high_pct"] == pytest.approx(high)


def test_default_is_a_thousand_poisson_replicates_at_95_percent() -> None:
    r = nw.yoy_change(TWO_YEARS, "total_referrals", 2021, 2022, seed=1)
    assert (r["n_boot"], r["scheme"], r["confidence"], r["period"]) == (1000, "poisson", 0.95,
                                                                       "year")


def test_a_network_too_big_for_one_chunk() -> None:
    """20,001 connections in 2021 (one referral each): the 200 replicates are drawn in chunks
    of 2,000,000 // 20,001 = 99 rows. Under the multinomial scheme the yearly totals are fixed,
    so the interval of the change in total referrals, 20,001 -> 2, is the change itself."""
    big = referrals([(2021, f"o{i}", f"o{i + 1}", 1) for i in range(20001)]
                    + [(2022, "A", "B", 2)])
    r = nw.yoy_change(big, "total_referrals", 2021, 2022, 200, seed=1, scheme="multinomial")
    expected = 100 * (2 / 20001 - 1)
    # o0 -> o1 made health -> vcs: 1 referral from health in 2021, none in 2022. Its Poisson
    # replicates are 0 with probability e^-1, so about 200 e^-1 = 73.6 (sd 6.8) of the 200
    # replicates have a zero base (counted, change 0 since 2022 is 0 too): all chunks, and
    # only 200 replicates, are drawn.
    big.loc[0, "from_sector"] = "health"
    h = nw.yoy_change(big, "referrals_from_health", 2021, 2022, 200, seed=1)
    assert 50 <= h["n_boot_base_zero"] <= 97
    assert (h["change_pct"], h["ci_low_pct"], h["ci_high_pct"]) == (-100.0, -100.0, 0.0)
    assert r["change_pct"] == pytest.approx(expected)
    assert (r["ci_low_pct"], r["ci_high_pct"]) == (pytest.approx(expected),
                                                   pytest.approx(expected))


def _edges(n_edges: int, weight: int) -> pd.DataFrame:
    """``n_edges`` directed pairs between distinct organisations, ``weight`` referrals each."""
    from ccs_methods.methods.network.measures import _edge_table

    spec = [(2021, f"S{i}", f"R{i}", weight) for i in range(n_edges)]
    return _edge_table(referrals(spec))


@pytest.mark.parametrize(("n_edges", "n_boot"), [(1, 7), (10_000, 450)])
def test_fast_replicates_are_the_generators_draws_row_by_row(n_edges: int, n_boot: int) -> None:
    """A replicate's total_referrals is the sum of its Poisson(w) draws, one row of the
    generator's (n_boot, edges) draw per replicate. With 10,000 edges a chunk is 2,000,000 //
    10,000 = 200 rows, so the 450 replicates come in chunks of 200, 200 and 50, and must still
    be exactly the 450 rows of one draw (no replicate lost, repeated or left out)."""
    from ccs_methods.methods.network.bootstrap import _replicates_fast
    from ccs_methods.methods.network.measures import _EdgeArrays

    arr = _EdgeArrays.from_edges(_edges(n_edges, 3))
    got = _replicates_fast(arr, "total_referrals", n_boot, "poisson", np.random.default_rng(9))
    want = np.random.default_rng(9).poisson(arr.weights, size=(n_boot, n_edges)).sum(axis=1)
    assert got.shape == (n_boot,)
    np.testing.assert_array_equal(got, want)
