"""Published reference outputs for the count GLM and the Newey-West (HAC) covariance (issue 14).

Each test cites where the printed numbers come from.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from ccs_methods.methods.its import segmented_regression
from ccs_methods.methods.trend import _fit_count_glm, glm_trend

#: Dobson (1990) randomised controlled trial, the example of R's ``?glm``.
DOBSON_COUNTS = np.array([18, 17, 15, 20, 10, 20, 25, 13, 12], dtype=float)


def _dobson_design() -> np.ndarray:
    outcome = np.tile([1, 2, 3], 3)
    treatment = np.repeat([1, 2, 3], 3)
    return np.column_stack([np.ones(9), outcome == 2, outcome == 3, treatment == 2,
                            treatment == 3]).astype(float)


def test_poisson_and_quasipoisson_match_r_glm_example() -> None:
    """R ``example(glm)`` (Dobson 1990, p. 93): ``glm(counts ~ outcome + treatment,
    family = poisson())``; ``summary()`` prints (Intercept) 3.045e+00 (SE 1.709e-01),
    outcome2 -4.543e-01 (2.022e-01), outcome3 -2.930e-01 (1.927e-01), treatment2 and 3 ~0
    (2.000e-01), residual deviance 5.1291 on 4 df (output as printed in R Pubs
    'Quasi-Poisson Regression', rstudio-pubs-static 1105106). With ``family =
    quasipoisson()`` R prints "Dispersion parameter for quasipoisson family taken to be
    1.2933" and the standard errors are the Poisson ones times sqrt(1.2933)."""
    X = _dobson_design()
    params, cov, disp, _, res = _fit_count_glm(DOBSON_COUNTS, X, None, "poisson")
    se = np.sqrt(np.diag(cov))
    assert [float(f"{v:.4g}") for v in params[:3]] == [3.045, -0.4543, -0.293]
    assert abs(params[3]) < 1e-12 and abs(params[4]) < 1e-12
    assert [float(f"{v:.4g}") for v in se] == [0.1709, 0.2022, 0.1927, 0.2, 0.2]
    assert round(float(res.deviance), 4) == 5.1291
    assert disp is not None and round(disp, 4) == 1.2933
    q_params, q_cov, _, _, _ = _fit_count_glm(DOBSON_COUNTS, X, None, "quasipoisson")
    np.testing.assert_allclose(q_params, params, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(np.sqrt(np.diag(q_cov)), se * math.sqrt(1.2933004),
                               rtol=1e-6)


def _newey_west(X: np.ndarray, w: np.ndarray, r: np.ndarray, lags: int) -> np.ndarray:
    """Newey-West (1987) sandwich written out: bread (X'WX)^-1, meat from the scores
    g_t = x_t r_t with Bartlett weights 1 - l/(L+1), no small-sample adjustment."""
    g = X * r[:, None]
    meat = g.T @ g
    for lag in range(1, lags + 1):
        gamma = g[lag:].T @ g[:-lag]
        meat += (1 - lag / (lags + 1)) * (gamma + gamma.T)
    bread = np.linalg.inv(X.T @ (X * w[:, None]))
    return bread @ meat @ bread


def test_newey_west_formula_reproduces_r_sandwich() -> None:
    """R ``sandwich::NeweyWest(fm, lag = 4, prewhite = FALSE, adjust = FALSE)`` for
    ``lm(g_inv ~ g_gdp + realint)`` on the US macro data (quarterly growth of real investment
    and real GDP, the lagged real interest rate), as printed in statsmodels'
    ``stats/tests/test_sandwich.py::test_hac_simple``: the variance of the intercept
    1.3855512908840137, of g_gdp 0.108101169035130618, of realint 0.086211852740503622."""
    from statsmodels.datasets import macrodata

    d = macrodata.load_pandas().data
    g_gdp = 400 * np.diff(np.log(d["realgdp"].to_numpy()))
    g_inv = 400 * np.diff(np.log(d["realinv"].to_numpy()))
    X = np.column_stack([np.ones(g_gdp.size), g_gdp, d["realint"].to_numpy()[:-1]])
    beta = np.linalg.lstsq(X, g_inv, rcond=None)[0]
    cov = _newey_west(X, np.ones(g_gdp.size), g_inv - X @ beta, 4)
    np.testing.assert_allclose(np.diag(cov), [1.3855512908840137, 0.108101169035130618,
                                              0.086211852740503622], rtol=1e-10)
    assert cov[0, 1] == pytest.approx(-0.3133096102522685, rel=1e-10)


def test_count_models_use_that_newey_west_sandwich() -> None:
    """The HAC standard errors of glm_trend and segmented_regression equal the Newey-West
    sandwich above (checked against R) applied to the Poisson score x_t (y_t - mu_t) with
    bread (X' diag(mu) X)^-1, the lags stated in the result; quasi-Poisson + HAC is the same
    sandwich (not multiplied by the dispersion)."""
    rng = np.random.default_rng(1987)
    n = 40
    e = np.zeros(n)
    for i in range(1, n):
        e[i] = 0.6 * e[i - 1] + rng.normal(0, 0.2)
    x = np.arange(n, dtype=float)
    y = rng.poisson(50 * np.exp(0.01 * x + e)).astype(float)
    X = np.column_stack([np.ones(n), x - x.mean()])
    params, _, _, _, _ = _fit_count_glm(y, X, None, "poisson")
    mu = np.exp(X @ params)
    se_nw = math.sqrt(_newey_west(X, mu, y - mu, 4)[1, 1])
    for family in ("poisson", "quasipoisson"):
        g = glm_trend(y, x, family=family, cov_type="HAC", hac_lags=4)  # type: ignore[arg-type]
        se = math.log(g.ci_high / g.rate_ratio) / _quantile(g.reference, g.df_resid)
        assert g.hac_lags == 4 and "4 lag(s)" in g.interval_method
        assert se == pytest.approx(se_nw, rel=1e-6)
    months = pd.date_range("2018-01-01", periods=n, freq="MS")
    r = segmented_regression(pd.DataFrame({"d": months, "n": y}), date_col="d", count_col="n",
                             breakpoint=str(months[20].date())[:7], fourier_k=0,
                             impact="level", cov_type="HAC", hac_lags=3)
    Xi = np.column_stack([np.ones(n), x, (x >= 20).astype(float)])
    p_i, _, _, _, _ = _fit_count_glm(y, Xi, None, "poisson")
    mu_i = np.exp(Xi @ p_i)
    assert r.level_change["se"] == pytest.approx(
        math.sqrt(_newey_west(Xi, mu_i, y - mu_i, 3)[2, 2]), rel=1e-6)


def _quantile(reference: str, df: int) -> float:
    from scipy import stats

    return float(stats.t.ppf(0.975, df) if reference == "t" else stats.norm.ppf(0.975))
