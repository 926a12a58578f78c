"""When to replace model-based standard errors by Newey-West (HAC) ones.

A Ljung-Box test on the residuals says *whether* they are autocorrelated, not in which
direction. Positive autocorrelation makes model-based intervals too narrow, and Newey-West
errors usually widen them; negative autocorrelation makes model-based intervals too wide, and
Newey-West errors then *narrow* them (issue 14: on a published smoking-ban series with
Durbin-Watson 2.46 the level-change standard error fell from 0.0298 to 0.0182). Switching on
the Ljung-Box test alone can therefore make an interval anti-conservative.

:func:`choose_hac` decides with one of two rules (``its.hac_rule`` in params):

* ``"never_narrower"`` (the book's setting): Newey-West errors are used only when the
  Ljung-Box test detects autocorrelation *and* they give every reported effect a standard
  error at least as large as the model-based one. The chosen interval is never narrower than
  the model-based interval, whatever the sign or lag of the autocorrelation. It also covers
  autocorrelation at lags beyond 1 (seasonality the model misses), where the lag-1 sign says
  nothing; when Newey-West would narrow any effect's interval the model-based covariance is
  kept for all of them (one covariance per model) and the reason says so.
* ``"positive_lag1"``: Newey-West errors when the Ljung-Box test detects autocorrelation and
  the lag-1 residual autocorrelation is positive.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from ccs_methods.errors import MethodInputError

__all__ = ["HAC_RULES", "HACChoice", "HACRule", "choose_hac"]

HACRule = Literal["never_narrower", "positive_lag1"]
#: The rules :func:`choose_hac` knows.
HAC_RULES: tuple[str, ...] = ("never_narrower", "positive_lag1")


@dataclass(frozen=True)
class HACChoice:
    """Result of :func:`choose_hac`.

    Attributes
    ----------
    use_hac
        Whether Newey-West (HAC) standard errors are to be used.
    reason
        One plain-English clause saying why (for the page); it does not repeat the decision.

    """

    use_hac: bool
    reason: str


def choose_hac(
    *,
    ljung_box_p: float | None,
    autocorrelation_p: float,
    rule: HACRule,
    lag1: float | None,
    se_model: Sequence[float],
    se_hac: Sequence[float] | None,
    effects: Sequence[str],
) -> HACChoice:
    """Decide between model-based and Newey-West (HAC) standard errors.

    Parameters
    ----------
    ljung_box_p
        Ljung-Box p-value of the model-based fit's residuals (None: not computable).
    autocorrelation_p
        Ljung-Box p below which the residuals count as autocorrelated
        (``its.autocorrelation_p``).
    rule
        ``"never_narrower"`` or ``"positive_lag1"`` (see the module docstring).
    lag1
        Lag-1 autocorrelation of the residuals (needed by ``"positive_lag1"``).
    se_model, se_hac
        Standard errors of the reported effects with model-based and with HAC covariance,
        in the order of ``effects`` (``se_hac`` may be None when the HAC fit failed).
    effects
        Names of the reported effects, e.g. ``["level change", "slope change"]``.

    Returns
    -------
    HACChoice
        The decision and its reason.

    Raises
    ------
    MethodInputError
        An unknown rule, a threshold outside (0, 1), or standard errors that do not match
        the effects.

    """
    if rule not in HAC_RULES:
        raise MethodInputError(f"hac_rule must be one of {list(HAC_RULES)}; got {rule!r}.")
    if not 0 < autocorrelation_p < 1:
        raise MethodInputError(
            f"autocorrelation_p must be between 0 and 1; got {autocorrelation_p}."
        )
    if len(se_model) != len(effects) or (se_hac is not None and len(se_hac) != len(effects)):
        raise MethodInputError(
            f"{len(effects)} effect(s) but {len(se_model)} model-based and "
            f"{'no' if se_hac is None else len(se_hac)} HAC standard error(s)."
        )
    if ljung_box_p is None or not math.isfinite(ljung_box_p) or ljung_box_p >= autocorrelation_p:
        return HACChoice(False, "no residual autocorrelation detected")
    if se_hac is None:
        return HACChoice(False, "the residuals are autocorrelated but the Newey-West "
                                "covariance could not be computed")
    if rule == "positive_lag1":
        if lag1 is None or not math.isfinite(lag1):
            raise MethodInputError("hac_rule 'positive_lag1' needs the lag-1 autocorrelation.")
        if lag1 > 0:
            return HACChoice(True, f"the residuals are autocorrelated with positive lag-1 "
                                   f"autocorrelation ({lag1:+.2f})")
        return HACChoice(False, f"the residuals are autocorrelated but the lag-1 "
                                f"autocorrelation is not positive ({lag1:+.2f})")
    narrower = [e for e, m, h in zip(effects, se_model, se_hac, strict=True) if h < m]
    if narrower:
        return HACChoice(False, "the residuals are autocorrelated, but Newey-West errors would "
                                f"narrow the interval of the {' and '.join(narrower)}")
    return HACChoice(True, "the residuals are autocorrelated and Newey-West errors widen "
                           "(or keep) every interval")
