"""ccs_methods.methods.hac_choice: the edges of choose_hac's two rules.

Written against the survivors of a mutation run of ``hac_choice.py`` (issue 14, "Tests with
teeth"). The rules are the module's own (its docstring): model-based errors unless the
Ljung-Box p is below the threshold; then "never_narrower" takes Newey-West errors only when
no effect's standard error shrinks, and "positive_lag1" only when lag 1 is above 0.
Score with ``tools/mutation_fork.py hac_choice.py tests/test_hac_choice_mutants.py
tests/test_hac_choice.py -k <the choose_hac unit tests>`` (the ITS fits there are slow).
"""

from __future__ import annotations

import typing

import pytest

from ccs_methods.errors import MethodInputError
from ccs_methods.methods.hac_choice import HAC_RULES, HACRule, choose_hac

EFFECTS = ["level change", "slope change"]


def _choose(**kw):
    base = dict(ljung_box_p=0.01, autocorrelation_p=0.05, rule="never_narrower", lag1=0.3,
                se_model=[0.10, 0.010], se_hac=[0.12, 0.011], effects=EFFECTS)
    return choose_hac(**{**base, **kw})


def test_the_rules_are_the_two_documented() -> None:
    """HAC_RULES (checked at run time) and the HACRule type list the same two rules."""
    assert HAC_RULES == ("never_narrower", "positive_lag1")
    assert typing.get_args(HACRule) == HAC_RULES


def test_a_short_list_of_hac_errors_is_refused_with_the_counts() -> None:
    with pytest.raises(MethodInputError,
                       match=r"^2 effect\(s\) but 2 model-based and 1 HAC standard error"):
        _choose(se_hac=[0.12])
    with pytest.raises(MethodInputError, match="2 model-based and 3 HAC"):
        _choose(se_hac=[0.12, 0.011, 0.2])


def test_threshold_just_inside_zero_one_is_accepted() -> None:
    assert _choose(autocorrelation_p=0.999).use_hac
    assert not _choose(ljung_box_p=0.01, autocorrelation_p=0.01).use_hac  # p < threshold only
    with pytest.raises(MethodInputError, match=r"between 0 and 1; got 1\.5"):
        _choose(autocorrelation_p=1.5)
    with pytest.raises(MethodInputError, match=r"between 0 and 1; got -0\.1"):
        _choose(autocorrelation_p=-0.1)


def test_positive_lag1_edges() -> None:
    """A lag 1 that is not a number is refused, but only once autocorrelation is detected
    and the HAC fit exists; the reason quotes lag 1 with its sign."""
    with pytest.raises(MethodInputError, match="needs the lag-1 autocorrelation"):
        _choose(rule="positive_lag1", lag1=float("nan"))
    assert not _choose(rule="positive_lag1", lag1=None, ljung_box_p=0.5).use_hac
    assert not _choose(rule="positive_lag1", lag1=None, se_hac=None).use_hac
    c = _choose(rule="positive_lag1", lag1=0.25)
    assert c.use_hac and c.reason == ("the residuals are autocorrelated with positive lag-1 "
                                      "autocorrelation (+0.25)")
    n = _choose(rule="positive_lag1", lag1=-0.25)
    assert not n.use_hac and n.reason.endswith("is not positive (-0.25)")
    # the positive-lag-1 rule ignores the intervals: narrower HAC errors are still taken
    assert _choose(rule="positive_lag1", lag1=0.25, se_hac=[0.01, 0.001]).use_hac


def test_never_narrower_reason_names_only_the_narrowed_effects() -> None:
    c = _choose(se_hac=[0.09, 0.011])
    assert not c.use_hac
    assert c.reason == ("the residuals are autocorrelated, but Newey-West errors would narrow "
                        "the interval of the level change")
    ok = _choose()
    assert ok.reason == ("the residuals are autocorrelated and Newey-West errors widen (or "
                         "keep) every interval")
    one = choose_hac(ljung_box_p=0.001, autocorrelation_p=0.05, rule="never_narrower",
                     lag1=None, se_model=[1.0], se_hac=[1.0], effects=["ratio"])
    assert one.use_hac  # lag 1 is not needed by this rule
