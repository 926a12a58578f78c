"""Count GLM trend (Poisson, quasi-Poisson, negative binomial) and its rate-ratio helpers."""

from __future__ import annotations

import contextlib
import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats

from ccs_methods.errors import MethodInputError
from ccs_methods.methods.trend.common import _ResultMixin, as_float_array, time_to_float

#: Pearson dispersion above which ``family="auto"`` leaves the Poisson model.
OVERDISPERSION_THRESHOLD = 1.5
#: Fewer points than this triggers a small-sample warning in GLM results.
GLM_SMALL_N = 8


# --------------------------------------------------------------------------------------
# GLM trend
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class GLMTrendResult(_ResultMixin):
    """Result of :func:`glm_trend`.

    Attributes
    ----------
    rate_ratio
        Multiplicative change in the expected count per unit x (per year for dates).
    ci_low, ci_high
        Wald confidence limits for the rate ratio.
    p_value
        Two-sided Wald p-value for no trend.
    percent_change_per_unit
        ``100 * (rate_ratio - 1)``.
    family
        Family used: ``"poisson"``, ``"quasipoisson"`` or ``"negbin"``.
    family_reason
        Why the family was used (requested, or the overdispersion check).
    dispersion
        Pearson chi-squared / residual df of the Poisson fit.
    df_resid
        Residual degrees of freedom.
    nb_alpha
        Negative-binomial dispersion (var = mu + alpha mu^2), when used.
    n
        Number of points.
    conf_level
        Confidence level.
    x_unit
        Unit of x.
    warning
        Small-sample warning text, or "".
    cov_type
        ``"nonrobust"`` (model-based standard errors) or ``"HAC"`` (Newey-West).
    hac_lags
        Lags of the Newey-West estimator, when used.
    reference
        Reference distribution of the interval and p-value: ``"t"`` (quasi-Poisson, on
        ``df_resid`` degrees of freedom) or ``"normal"``.
    interval_method
        How the covariance, interval and p-value were made (HAC lags, dispersion scaling,
        quantile), in words.
    x_span
        Range of x covered by the data (a rate ratio per unit beyond it is extrapolated).

    """

    rate_ratio: float
    ci_low: float
    ci_high: float
    p_value: float
    percent_change_per_unit: float
    family: str
    family_reason: str
    dispersion: float | None
    df_resid: int
    nb_alpha: float | None
    n: int
    conf_level: float
    x_unit: str
    warning: str
    cov_type: str = "nonrobust"
    hac_lags: int | None = None
    reference: str = "normal"
    interval_method: str = ""
    x_span: float | None = None


def _check_counts(counts: Any, name: str, *, min_n: int) -> np.ndarray:
    arr = as_float_array(counts, name, min_n=min_n)
    neg = np.flatnonzero(arr < 0)
    if neg.size:
        raise MethodInputError(
            f"'{name}' has a negative count ({arr[neg[0]]:g}) at position {int(neg[0]) + 1} "
            "(1-based); counts must be 0 or more."
        )
    frac = np.flatnonzero(np.abs(arr - np.round(arr)) > 1e-9)
    if frac.size:
        raise MethodInputError(
            f"'{name}' has a non-integer count ({arr[frac[0]]:g}) at position "
            f"{int(frac[0]) + 1} (1-based); count models need whole numbers."
        )
    if np.all(arr == 0):
        raise MethodInputError(f"all values of '{name}' are zero; a count trend needs events.")
    return arr


def _fit_count_glm(
    y: np.ndarray,
    X: np.ndarray,
    offset: np.ndarray | None,
    family: str,
    *,
    cov_type: str = "nonrobust",
    cov_kwds: dict[str, Any] | None = None,
) -> tuple[np.ndarray, np.ndarray, float | None, float | None, Any]:
    """Fit a log-link count model; return (params, cov, dispersion, nb_alpha, results).

    ``dispersion`` is Pearson chi2 / df of the Poisson fit (None when df = 0); for the
    negative binomial the returned parameters and covariance exclude alpha.
    """
    if _has_separation(y, X):
        raise MethodInputError(
            "the counts are zero wherever one of the model terms could push the expected "
            "count to zero (for example every count before, or after, a given point is 0), so "
            "the log-linear model has no finite estimate: the rate ratio would be 0 or "
            "infinite. A count trend needs non-zero counts spread over the series (at both "
            "ends and on both sides of any step); report the counts themselves instead."
        )
    try:
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = _fit_count_glm_raw(y, X, offset, family, cov_type=cov_type,
                                     cov_kwds=cov_kwds)
    except MethodInputError:
        raise
    except (OverflowError, ValueError, FloatingPointError, ZeroDivisionError,
            np.linalg.LinAlgError) as exc:
        raise MethodInputError(
            f"the {family} count model could not be fitted ({type(exc).__name__}: {exc}); "
            "the counts are probably too large or too extreme for a log-linear model. Check "
            "the values (counts, not amounts) and rescale or drop impossible ones."
        ) from exc
    params, cov, dispersion = out[0], out[1], out[2]
    if not (np.all(np.isfinite(params)) and np.all(np.isfinite(cov))
            and (dispersion is None or math.isfinite(dispersion))):
        raise MethodInputError(
            f"the {family} count model gave non-finite estimates (the fit did not converge); "
            "the counts are probably too large or too extreme for a log-linear model. Check "
            "the values (counts, not amounts) and rescale or drop impossible ones."
        )
    return out


def _has_separation(y: np.ndarray, X: np.ndarray) -> bool:
    """Whether the Poisson log-likelihood has no finite maximum (separation).

    The log-likelihood ``sum y_i eta_i - exp(eta_i)`` keeps increasing along a direction
    ``d`` with ``X_i d = 0`` wherever ``y_i > 0`` and ``X_i d <= 0`` elsewhere, strictly
    negative for at least one zero count. Such a ``d`` is found (or ruled out) by a linear
    programme: minimise ``sum_{y_i = 0} X_i d`` subject to those constraints and
    ``X_i d >= -1``.
    """
    from scipy.optimize import linprog

    zero = np.asarray(y) == 0
    if not zero.any():
        return False
    Xz, Xp = X[zero], X[~zero]
    scale = np.maximum(np.abs(X).max(axis=0), 1e-12)
    Xz, Xp = Xz / scale, Xp / scale
    nz = len(Xz)
    res = linprog(
        Xz.sum(axis=0),
        A_ub=np.vstack([Xz, -Xz]),
        b_ub=np.concatenate([np.zeros(nz), np.ones(nz)]),
        A_eq=Xp if len(Xp) else None,
        b_eq=np.zeros(len(Xp)) if len(Xp) else None,
        bounds=[(None, None)] * X.shape[1],
        method="highs",
    )
    return bool(res.status == 0 and res.fun < -1e-7)


def _fit_count_glm_raw(
    y: np.ndarray,
    X: np.ndarray,
    offset: np.ndarray | None,
    family: str,
    *,
    cov_type: str = "nonrobust",
    cov_kwds: dict[str, Any] | None = None,
) -> tuple[np.ndarray, np.ndarray, float | None, float | None, Any]:
    """The fit behind :func:`_fit_count_glm`, without the input and output checks."""
    import statsmodels.api as sm
    from statsmodels.tools.sm_exceptions import ConvergenceWarning, PerfectSeparationWarning

    cov_kwds = cov_kwds or {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PerfectSeparationWarning)
        pois = sm.GLM(y, X, family=sm.families.Poisson(), offset=offset)
        pres = pois.fit()
    df_resid = round(float(pres.df_resid))
    dispersion = float(pres.pearson_chi2 / df_resid) if df_resid > 0 else None
    if family == "poisson":
        res = pois.fit(cov_type=cov_type, cov_kwds=cov_kwds) if cov_type != "nonrobust" else pres
        return np.asarray(res.params), np.asarray(res.cov_params()), dispersion, None, res
    if family == "quasipoisson":
        if df_resid <= 0:
            raise MethodInputError(
                "a quasi-Poisson model needs more points than parameters to estimate the "
                f"dispersion; got {len(y)} points for {X.shape[1]} parameters."
            )
        if cov_type == "nonrobust":
            res = pois.fit(scale="X2")
        else:
            res = pois.fit(cov_type=cov_type, cov_kwds=cov_kwds)
        return np.asarray(res.params), np.asarray(res.cov_params()), dispersion, None, res
    if family == "negbin":
        # NB2 by maximum likelihood, as MASS::glm.nb: the shape alpha maximises the profile
        # likelihood; coefficients and their covariance are from the GLM at that alpha.
        from scipy.optimize import minimize_scalar

        def negll(log_alpha: float) -> float:
            fam = sm.families.NegativeBinomial(alpha=float(np.exp(log_alpha)))
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return -float(sm.GLM(y, X, family=fam, offset=offset).fit().llf)

        try:
            opt = minimize_scalar(negll, bounds=(-20.0, 5.0), method="bounded")
        except (ValueError, np.linalg.LinAlgError, FloatingPointError) as exc:
            raise MethodInputError(
                "the negative-binomial model could not be fitted "
                f"({exc}); use family='quasipoisson' instead."
            ) from exc
        nb_alpha = float(np.exp(opt.x))
        nbm = sm.GLM(
            y, X, family=sm.families.NegativeBinomial(alpha=nb_alpha), offset=offset
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            res = nbm.fit(cov_type=cov_type, cov_kwds=cov_kwds) if cov_type != "nonrobust" \
                else nbm.fit()
        params = np.asarray(res.params)
        cov = np.asarray(res.cov_params())
        if not (opt.success and np.all(np.isfinite(params)) and np.all(np.isfinite(cov))):
            raise MethodInputError(
                "the negative-binomial model did not converge (too few points or too little "
                "variation); use family='quasipoisson' instead."
            )
        return params, cov, dispersion, nb_alpha, res
    raise MethodInputError(
        f"family must be 'poisson', 'quasipoisson' or 'negbin'; got {family!r}."
    )


def glm_trend(
    counts: Sequence[float] | np.ndarray | pd.Series,
    x: Sequence[Any] | np.ndarray | pd.Series,
    *,
    family: Literal["auto", "poisson", "quasipoisson", "negbin"] = "auto",
    offset: Sequence[float] | np.ndarray | pd.Series | None = None,
    alpha: float = 0.05,
    cov_type: Literal["nonrobust", "HAC"] = "nonrobust",
    hac_lags: int | None = None,
    reference: Literal["auto", "t", "normal"] = "auto",
) -> GLMTrendResult:
    """Log-linear trend in counts: ``log E[y] = b0 + b1 x (+ log offset)``.

    Parameters
    ----------
    counts
        Non-negative whole-number counts, at least 3.
    x
        Times: numbers or dates (decimal years); the rate ratio is per unit x.
    family
        ``"poisson"``, ``"quasipoisson"`` (Poisson with Pearson dispersion; interval and p
        from the t distribution on the residual df, n - 2, as R's ``summary.glm``),
        ``"negbin"`` (NB2 by maximum likelihood, Wald z) or ``"auto"`` (default):
        quasi-Poisson with t, whatever the dispersion. A data-driven choice (Poisson when the
        dispersion is small, NB-ML otherwise) does not keep its size: NB-ML with a Wald z
        rejected 12% (n = 8) and 9% (n = 12) of no-trend series with dispersion 3 at a
        nominal 5% (600 seeded replicates each);
        quasi-Poisson with t stays within Monte Carlo error of 5% for n = 4 to 60 at
        dispersion 1 and 3 (``tests/test_stats_size.py``).
    offset
        Exposure (e.g. population or funding); its log enters with coefficient 1, so the
        rate ratio is for counts per unit exposure.
    alpha
        1 - confidence level.
    cov_type
        ``"nonrobust"`` (model-based standard errors, default) or ``"HAC"`` (Newey-West
        standard errors for counts in time order that are autocorrelated).
    hac_lags
        Lags for HAC; default ``floor(4 (n/100)^(2/9))`` (at least 1). Stated in
        ``hac_lags`` and ``interval_method``.
    reference
        Reference distribution: ``"auto"`` (t for quasi-Poisson, normal otherwise), ``"t"``
        (on n - 2 df) or ``"normal"``.

    Returns
    -------
    GLMTrendResult
        Rate ratio per unit x with interval, p, dispersion, the family and why.

    Raises
    ------
    MethodInputError
        Negative or fractional counts, all zeros, constant x, non-positive offset,
        mismatched lengths, too few points; counts that give the model no finite estimate
        (e.g. zero everywhere except at one end: 0, 0, 0, 5), or a fit that fails or gives
        non-finite estimates (e.g. counts of 1e308).

    """
    if family not in ("auto", "poisson", "quasipoisson", "negbin"):
        raise MethodInputError(
            f"family must be 'auto', 'poisson', 'quasipoisson' or 'negbin'; got {family!r}."
        )
    if cov_type not in ("nonrobust", "HAC"):
        raise MethodInputError(f"cov_type must be 'nonrobust' or 'HAC'; got {cov_type!r}.")
    if not 0 < alpha < 1:
        raise MethodInputError(f"alpha must be between 0 and 1; got {alpha}.")
    y = _check_counts(counts, "counts", min_n=3)
    if family in ("auto", "quasipoisson") and np.unique(y).size == 1:
        # the fit is exact, so the Pearson dispersion is 0 and statsmodels stops with a
        # message about a boundary problem; say what is wrong instead
        raise MethodInputError(
            f"all {y.size} counts are equal ({y[0]:g}): the fitted trend is exactly flat and "
            "the Pearson dispersion is 0, so quasi-Poisson has no interval. Report the counts "
            "themselves, or use family='poisson'."
        )
    xv, unit = time_to_float(x, "x")
    if xv.size != y.size:
        raise MethodInputError(
            f"'x' has {xv.size} values but 'counts' has {y.size}; they must match."
        )
    if np.unique(xv).size < 2:
        raise MethodInputError("'x' has only one distinct value; a trend needs at least two.")
    off = None
    if offset is not None:
        ov = as_float_array(offset, "offset")
        if ov.size != y.size:
            raise MethodInputError(
                f"'offset' has {ov.size} values but 'counts' has {y.size}; they must match."
            )
        if np.any(ov <= 0):
            pos = int(np.flatnonzero(ov <= 0)[0]) + 1
            raise MethodInputError(
                f"'offset' must be positive (it is logged); position {pos} is {ov[pos - 1]:g}."
            )
        off = np.log(ov)
    n = y.size
    xc = xv - np.mean(xv)
    X = np.column_stack([np.ones(n), xc])
    chosen = family
    reason = f"requested family='{family}'."
    if family == "auto":
        _, _, disp, _, _ = _fit_count_glm(y, X, off, "poisson")
        chosen = "quasipoisson"
        small_and_over = disp is not None and disp > OVERDISPERSION_THRESHOLD and n < GLM_SMALL_N
        reason = (
            f"auto: Pearson dispersion {disp:.2f} > {OVERDISPERSION_THRESHOLD} "
            f"(overdispersion), but with n={n} < {GLM_SMALL_N} the negative-binomial "
            "shape cannot be estimated reliably, so quasi-Poisson (variance = phi * mean, "
            "t-based interval) was used."
            if small_and_over
            else "auto: quasi-Poisson (variance = phi * mean, phi = Pearson chi-squared / residual "
            f"df = {disp:.2f}) with Student's t on {n - 2} df. Unlike choosing Poisson or a "
            "negative binomial (ML shape, Wald z) after a dispersion check, it keeps its 5% "
            "size under no trend for n = 4 to 60 at dispersion 1 and 3 (simulation in "
            "tests/test_stats_size.py)."
            if disp is not None
            else "auto: quasi-Poisson."
        )
    lags: int | None = None
    cov_kwds: dict[str, Any] = {}
    if cov_type == "HAC":
        lags = int(hac_lags) if hac_lags is not None else max(1, int(4 * (n / 100) ** (2 / 9)))
        if lags < 1:
            raise MethodInputError(f"hac_lags must be at least 1; got {hac_lags}.")
        cov_kwds = {"maxlags": lags}
    params, cov, disp, nb_alpha, _ = _fit_count_glm(
        y, X, off, chosen, cov_type=cov_type, cov_kwds=cov_kwds
    )
    b, se = float(params[1]), float(math.sqrt(cov[1, 1]))
    df_resid = int(n - X.shape[1])
    ref, ref_name = reference_distribution(chosen, df_resid, reference)
    zq = float(ref.ppf(1 - alpha / 2))
    p = float(2 * ref.sf(abs(b / se))) if se > 0 else 0.0
    rr, lo, hi = checked_exp(b, se, zq, "rate ratio")
    warning = ""
    if n < GLM_SMALL_N:
        warning = (
            f"Only n={n} points: the dispersion estimate rests on {n - 2} residual degree(s) "
            "of freedom and the Wald interval is approximate. Treat the rate ratio as "
            "descriptive and compare with the exact Mann-Kendall test."
        )
    span = float(np.ptp(xv))
    if span < 1.0:
        per = f"per {unit}" if unit else "per unit of x"
        warning = (warning + " " if warning else "") + (
            f"The data span {span:.3g} {unit or 'units'} of x, less than one: the rate ratio "
            f"{per} extrapolates the fitted slope beyond the observed span (over the span "
            f"itself the fitted change is x{rr ** span:.3g})."
        )
    interval_method = covariance_description(chosen, cov_type, lags, ref_name, df_resid, alpha)
    return GLMTrendResult(
        rate_ratio=rr,
        ci_low=lo,
        ci_high=hi,
        p_value=p,
        percent_change_per_unit=100.0 * (rr - 1.0),
        family=chosen,
        family_reason=reason,
        dispersion=disp,
        df_resid=df_resid,
        nb_alpha=nb_alpha,
        n=int(n),
        conf_level=1 - alpha,
        x_unit=unit,
        warning=warning,
        cov_type=cov_type,
        hac_lags=lags,
        reference=ref_name,
        interval_method=interval_method,
        x_span=span,
    )


def covariance_description(
    family: str, cov_type: str, lags: int | None, ref_name: str, df_resid: int, alpha: float
) -> str:
    """Say in words how the standard errors, intervals and p-values of a count GLM were made.

    Parameters
    ----------
    family
        Family fitted (``"poisson"``, ``"quasipoisson"``, ``"negbin"``).
    cov_type
        ``"nonrobust"`` or ``"HAC"``.
    lags
        Newey-West lags when ``cov_type="HAC"``.
    ref_name
        ``"t"`` or ``"normal"``.
    df_resid
        Residual degrees of freedom (for the t quantile).
    alpha
        1 - confidence level.

    Returns
    -------
    str
        One sentence naming the covariance, its scaling and the reference quantile.

    """
    level = f"{100 * (1 - alpha):g}%"
    quantile = (
        f"Student's t quantile on {df_resid} residual df" if ref_name == "t"
        else "the standard normal quantile"
    )
    if cov_type == "HAC":
        cov = (
            f"Newey-West (HAC) sandwich covariance with {lags} lag(s) and Bartlett weights, "
            "around the " + ("negative-binomial" if family == "negbin" else "Poisson")
            + " score. The sandwich estimates the variance of the score from the residuals "
            "themselves, so it already allows for overdispersion and is NOT multiplied by "
            "the Pearson dispersion (that would count it twice); for quasi-Poisson it equals "
            "the Poisson HAC covariance, and only the reference quantile differs"
        )
    elif family == "quasipoisson":
        cov = "model-based covariance multiplied by the Pearson dispersion (chi-squared / df)"
    else:
        cov = f"model-based {family} covariance (no dispersion scaling)"
    return f"{level} Wald intervals on the log scale from the {cov}; {quantile}."


#: Largest absolute log rate ratio (or interval limit) accepted as an estimate: exp(50) ~ 5e21.
MAX_ABS_LOG_RR = 50.0


def reference_distribution(
    family: str, df_resid: int, reference: str = "auto"
) -> tuple[Any, str]:
    """Reference distribution for Wald intervals and p-values of a count model.

    Quasi-Poisson uses Student's t on the residual degrees of freedom (the dispersion is
    estimated, as in R's ``summary.glm``); Poisson and negative binomial use the normal.
    The same rule is used by :func:`glm_trend`, :func:`pooled_trend` and
    :func:`ccs_methods.methods.its.segmented_regression`.

    Parameters
    ----------
    family
        ``"poisson"``, ``"quasipoisson"`` or ``"negbin"``.
    df_resid
        Residual degrees of freedom (points minus parameters).
    reference
        ``"auto"`` (the rule above), ``"t"`` or ``"normal"`` to override it.

    Returns
    -------
    tuple
        A frozen scipy distribution and its name (``"t"`` or ``"normal"``).

    """
    if reference not in ("auto", "t", "normal"):
        raise MethodInputError(f"reference must be 'auto', 't' or 'normal'; got {reference!r}.")
    if reference == "normal":
        return stats.norm(), "normal"
    if family == "quasipoisson" or reference == "t":
        if df_resid < 1:
            raise MethodInputError(
                "a t-based interval needs at least one residual degree of freedom."
            )
        return stats.t(df=df_resid), "t"
    return stats.norm(), "normal"


def checked_exp(b: float, se: float, q: float, what: str) -> tuple[float, float, float]:
    """``exp(b)`` and ``exp(b -/+ q se)``, refusing non-finite or absurd estimates.

    Parameters
    ----------
    b, se
        Log-scale estimate and its standard error.
    q
        Quantile of the reference distribution.
    what
        Name of the estimate, for the message.

    Returns
    -------
    tuple of float
        Estimate, lower and upper limit on the ratio scale.

    Raises
    ------
    MethodInputError
        If the estimate or a limit is not finite or beyond ``exp(+/-50)``.

    """
    limits = (b, b - q * se, b + q * se)
    if not all(math.isfinite(v) and abs(v) <= MAX_ABS_LOG_RR for v in limits):
        raise MethodInputError(
            f"the {what} or its interval is not finite or beyond exp(±{MAX_ABS_LOG_RR:g}) "
            f"(log estimate {b:.3g}, standard error {se:.3g}): the data give the model "
            "almost no information (e.g. nearly all counts zero, or counts concentrated in "
            "one point). Report the counts themselves instead."
        )
    return math.exp(limits[0]), math.exp(limits[1]), math.exp(limits[2])


def _solve_each(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    """Solve ``A[r] x = B[r]`` for every replicate r; NaN where ``A[r]`` is singular.

    A separated replicate (counts zero at one end) drives some fitted means to 0, so its
    ``X' W X`` becomes singular; one such replicate must not stop the whole batch.
    """
    try:
        return np.linalg.solve(A, B[..., None])[..., 0]
    except np.linalg.LinAlgError:
        out = np.full(B.shape, np.nan)
        for i in range(A.shape[0]):
            with contextlib.suppress(np.linalg.LinAlgError):
                out[i] = np.linalg.solve(A[i], B[i])
        return out


def quasipoisson_wald_batch(
    counts: np.ndarray,
    X: np.ndarray,
    *,
    coef: int = 1,
    offset: np.ndarray | None = None,
    reference: Literal["t", "normal"] = "t",
    max_iter: int = 50,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Quasi-Poisson Wald tests of one coefficient for many count series sharing a design.

    The same model as :func:`glm_trend` and
    :func:`ccs_methods.methods.its.segmented_regression` with ``family="quasipoisson"``
    (log link, Pearson dispersion, model-based covariance), fitted by iteratively reweighted
    least squares for all series at once: it makes size simulations of thousands of
    replicates cheap. Series whose fit does not converge in ``max_iter`` iterations (no
    finite estimate: all counts zero, or zero at one end, as :func:`glm_trend` refuses) get
    NaN.

    Parameters
    ----------
    counts
        Array of shape (replicates, n) of non-negative counts.
    X
        Design matrix of shape (n, p) shared by every replicate.
    coef
        Column of ``X`` whose coefficient is tested (0 = intercept).
    offset
        Optional log-exposure of length n.
    reference
        ``"t"`` (on n - p df, as R's ``summary.glm`` for quasi-Poisson) or ``"normal"``.
    max_iter
        IRLS iterations.

    Returns
    -------
    tuple of numpy.ndarray
        Estimates, standard errors and two-sided p-values of the coefficient, one per
        replicate.

    Raises
    ------
    MethodInputError
        If the shapes do not match or there are no residual degrees of freedom.

    """
    Y = np.asarray(counts, dtype=float)
    Xm = np.asarray(X, dtype=float)
    if Y.ndim != 2 or Xm.ndim != 2 or Y.shape[1] != Xm.shape[0]:
        raise MethodInputError(
            f"counts must be (replicates, n) and X (n, p); got {Y.shape} and {Xm.shape}."
        )
    r, n = Y.shape
    p = Xm.shape[1]
    if n - p < 1:
        raise MethodInputError(f"{n} points for {p} parameters leave no residual df.")
    off = np.zeros(n) if offset is None else np.asarray(offset, dtype=float)
    beta = np.zeros((r, p))
    # start from the least-squares fit of log(y + 0.5), as a robust IRLS start
    beta = np.linalg.lstsq(Xm, (np.log(Y + 0.5) - off).T, rcond=None)[0].T
    step = np.full(r, np.inf)
    with np.errstate(all="ignore"):
        for _ in range(max_iter):
            eta = beta @ Xm.T + off
            mu = np.exp(eta)
            z = eta - off + (Y - mu) / mu
            xtwx = np.einsum("ri,ij,ik->rjk", mu, Xm, Xm)
            xtwz = np.einsum("ri,ij,ri->rj", mu, Xm, z)
            new = _solve_each(xtwx, xtwz)
            step = np.abs(new - beta).max(axis=1)
            beta = new
            if not np.any(step >= 1e-10):  # every replicate converged (or is NaN)
                break
        mu = np.exp(beta @ Xm.T + off)
        phi = ((Y - mu) ** 2 / mu).sum(axis=1) / (n - p)
        xtwx = np.einsum("ri,ij,ik->rjk", mu, Xm, Xm)
        unit = np.zeros(p)
        unit[coef] = 1.0
        var = _solve_each(xtwx, np.broadcast_to(unit, (r, p)))[:, coef] * phi
        se = np.sqrt(var)
        b = beta[:, coef]
        ref = stats.t(df=n - p) if reference == "t" else stats.norm()
        pv = 2 * ref.sf(np.abs(b / se))
    # No finite estimate (all counts zero, or zero at one end): the estimate drifts off to
    # -/+ infinity, so IRLS is still moving after max_iter, or it stalls once the zero
    # counts' fitted means underflow, with fitted means more than exp(MAX_ABS_LOG_RR) apart.
    with np.errstate(all="ignore"):
        eta = beta @ Xm.T
        spread = np.max(eta, axis=1) - np.min(eta, axis=1)
    bad = ~(np.isfinite(b) & np.isfinite(se) & (np.abs(b) < MAX_ABS_LOG_RR)
            & (step < 1e-10) & (spread <= MAX_ABS_LOG_RR))
    b, se, pv = b.copy(), se.copy(), pv.copy()
    b[bad] = se[bad] = pv[bad] = np.nan
    return b, se, pv
