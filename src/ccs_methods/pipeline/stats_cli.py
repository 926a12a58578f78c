"""The ``ccs-eval stats`` sub-commands: run one method on a CSV and print JSON.

Registered on the main command line by :mod:`ccs_methods.pipeline.cli`. Every error a user can
cause ends with one message naming the file, the row (the line number in the file, as an editor
shows it, header = line 1) and the column where they apply, and exit status 2.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import typer

from ccs_methods.errors import CCSInputError

stats_app = typer.Typer(no_args_is_help=True, help="Run one method on a CSV and print JSON.")


def _fail(exc: CCSInputError) -> None:
    typer.secho(f"error: {exc}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code=2)


def _numeric_failure(csv: Path, exc: Exception) -> CCSInputError:
    """A clear error for a method that failed numerically on this file's data."""
    from ccs_methods.errors import MethodInputError

    return MethodInputError(
        f"the method could not be computed on this data ({type(exc).__name__}: {exc}); check"
        " for extreme values, all-zero stretches or too few distinct values",
        file=csv,
    )


@contextlib.contextmanager
def _reported(csv: Path, *, numeric: bool = True) -> Iterator[None]:
    """Turn a user's mistake in the block into one message and exit status 2.

    A :class:`CCSInputError` that names no file (a method's own message) is said to be about
    ``csv``; with ``numeric``, a ``ValueError`` or ``ArithmeticError`` raised by the numerics on
    legal but odd data becomes :func:`_numeric_failure`.
    """
    try:
        yield
    except CCSInputError as exc:
        _fail(_with_file(exc, csv))
    except (ValueError, ArithmeticError) as exc:
        if not numeric:
            raise
        _fail(_numeric_failure(csv, exc))


def _print_json(obj: Any) -> None:
    typer.echo(json.dumps(obj, indent=2, sort_keys=False, allow_nan=False))


def _csv(path: Path) -> Any:
    """Read a CSV and record each data row's line in the file (``df.attrs["line_numbers"]``).

    Lines are numbered as an editor shows them: the header is line 1; blank lines (which
    the reader skips) still count.
    """
    import csv as csv_mod
    import io

    from ccs_methods.data.datasets import read_csv_checked

    df = read_csv_checked(path)
    text = Path(path).read_bytes().decode("utf-8-sig")
    reader = csv_mod.reader(io.StringIO(text))
    starts: list[int] = []
    prev = 0
    for rec in reader:
        start = prev + 1
        prev = reader.line_num
        if rec:
            starts.append(start)
    lines = starts[1:]  # the first record is the header
    df.attrs["line_numbers"] = lines if len(lines) == len(df) else list(range(2, len(df) + 2))
    return df


def _lines(df: Any) -> list[int]:
    return list(df.attrs.get("line_numbers") or range(2, len(df) + 2))


def _column(df: Any, name: str, path: Path) -> Any:
    if name not in df.columns:
        raise CCSInputError(
            f"column {name!r} not found; columns are: {', '.join(map(str, df.columns))}",
            file=path,
            column=name,
        )
    return df[name]


def _numbers(df: Any, name: str, path: Path, *, missing: str = "error") -> Any:
    """A numeric column as floats (NaN for an empty cell when ``missing="drop"``).

    Text that is not a number is always an error; an empty cell is an error unless
    ``missing="drop"``.
    """
    import numpy as np
    import pandas as pd

    col = _column(df, name, path)
    vals = pd.to_numeric(col, errors="coerce")
    empty = col.isna().to_numpy()
    bad = np.flatnonzero(vals.isna().to_numpy() & ~empty)
    lines = _lines(df)
    if bad.size:
        i = int(bad[0])
        raise CCSInputError(
            f"value {col.iloc[i]!r} is not a number; every row needs a number",
            file=path, row=lines[i], column=name,
        )
    if empty.any() and missing != "drop":
        i = int(np.flatnonzero(empty)[0])
        raise CCSInputError(
            "value is missing; every row needs a number (or pass --missing drop to leave out "
            "rows with a missing value, which the output then counts)",
            file=path, row=lines[i], column=name,
        )
    out = vals.to_numpy(dtype=float)
    inf = np.flatnonzero(~np.isfinite(out) & ~empty)
    if inf.size:
        i = int(inf[0])
        raise CCSInputError(f"value {col.iloc[i]!r} is not a finite number", file=path,
                            row=lines[i], column=name)
    return out


def _times(df: Any, name: str, path: Path) -> tuple[Any, Any]:
    """A time column: (values for the methods, a sortable float key).

    Whole numbers (years, an index) are used as they are; anything else is read as a date.
    """
    import numpy as np
    import pandas as pd

    col = _column(df, name, path)
    lines = _lines(df)
    num = pd.to_numeric(col, errors="coerce")
    if not num.isna().any():
        vals = num.to_numpy(dtype=float)
        return vals, vals
    if col.isna().any():
        i = int(np.flatnonzero(col.isna().to_numpy())[0])
        raise CCSInputError("time value is missing; every row needs a date or number",
                            file=path, row=lines[i], column=name)
    dt = pd.to_datetime(col.astype(str), errors="coerce", format="mixed")
    if dt.isna().any():
        i = int(np.flatnonzero(dt.isna().to_numpy())[0])
        raise CCSInputError(
            f"value {col.iloc[i]!r} is neither a number nor a date (e.g. 2023-04-01)",
            file=path, row=lines[i], column=name,
        )
    key = (dt - pd.Timestamp("1970-01-01")).dt.total_seconds().to_numpy() / 86400.0
    return col.astype(str).to_numpy(), key


def _check_order(key: Any, df: Any, path: Path, column: str, *, sort: bool,
                 rows: Any = None) -> Any:
    """Positions that put ``key`` in increasing order.

    Duplicates and (unless ``sort``) a decreasing step are errors naming the file line.
    """
    import numpy as np

    lines = np.asarray(_lines(df))
    idx = np.arange(len(key)) if rows is None else np.asarray(rows)
    k = np.asarray(key, dtype=float)
    order = np.argsort(k, kind="stable")
    ks = k[order]
    dup = np.flatnonzero(np.diff(ks) == 0)
    if dup.size:
        a, b = sorted((int(idx[order[dup[0]]]), int(idx[order[dup[0] + 1]])))
        raise CCSInputError(
            f"the same time appears on lines {lines[a]} and {lines[b]}; one series needs one "
            "value per time (for several series in one file, name their column with --group)",
            file=path, row=int(lines[b]), column=column,
        )
    down = np.flatnonzero(np.diff(k) < 0)
    if down.size and not sort:
        i = int(down[0]) + 1
        raise CCSInputError(
            f"the times are not in increasing order (this row is earlier than line "
            f"{lines[idx[i - 1]]}); sort the file, or pass --sort to sort by time",
            file=path, row=int(lines[idx[i]]), column=column,
        )
    return order


def _with_file(exc: CCSInputError, csv: Path) -> CCSInputError:
    if exc.file is None:  # a method's message: say which file it is about
        exc.file = str(csv)
    return exc


def _echo_plain(out: dict[str, Any]) -> None:
    for key, val in out.items():
        if isinstance(val, dict):
            for k2, v2 in val.items():
                if not isinstance(v2, (dict, list)):
                    typer.echo(f"{key}.{k2}: {v2}")
        elif isinstance(val, list) and val and all(isinstance(v, str) for v in val):
            for v in val:
                typer.echo(f"{key}: {v}")
        elif not isinstance(val, list):
            typer.echo(f"{key}: {val}")


TAU_NOTE = (
    "tau-b by default: Kendall's tie-corrected tau, as R's Kendall::MannKendall reports; "
    "counts often tie, and tau-a (S over all n(n-1)/2 pairs) cannot then reach -1 or +1 even "
    "for a perfectly monotone series. --tau a reports S / (n(n-1)/2)."
)


def _one_series(yv: Any, xv: Any, *, alpha: float, tau: str, family: str, offset: Any,
                y_kind: str, glm: bool, hac: bool, hac_lags: int | None) -> dict[str, Any]:
    """Mann-Kendall, Sen, (count GLM), structure checks and notes for one series."""
    import math

    import numpy as np

    from ccs_methods.errors import MethodInputError
    from ccs_methods.methods import trend

    notes: list[str] = []
    rate = yv if offset is None else yv / offset
    mk = trend.mann_kendall(rate, xv, alpha=alpha)
    ts = trend.theil_sen(rate, xv, alpha=alpha)
    pairs = mk.n * (mk.n - 1) / 2
    out: dict[str, Any] = {
        "n": len(yv),
        "mann_kendall": mk.to_dict(),
        "theil_sen": ts.to_dict(),
        "tau": {"reported": "tau-a" if tau == "a" else "tau-b",
                "value": mk.s / pairs if tau == "a" else mk.tau,
                "tau_a": mk.s / pairs, "tau_b": mk.tau},
    }
    whole = bool(np.all(np.abs(yv - np.round(yv)) < 1e-9) and np.all(yv >= 0))
    kind = y_kind if y_kind != "auto" else ("count" if whole else "measure")
    out["y_kind"] = kind
    if y_kind == "auto" and whole:
        notes.append(
            "y was treated as counts because every value is a whole number >= 0; if these "
            "are not counts of events (e.g. ppm, pounds), pass --y-kind measure and only "
            "Mann-Kendall and Sen are reported."
        )
    if kind == "count" and not whole:
        raise MethodInputError(
            "--y-kind count was given but y has negative or fractional values; counts are "
            "whole numbers >= 0."
        )
    if glm and kind == "count":
        g = trend.glm_trend(yv, xv, family=family, offset=offset, alpha=alpha,  # type: ignore[arg-type]
                            cov_type="HAC" if hac else "nonrobust", hac_lags=hac_lags)
        gd = g.to_dict()
        if (g.family == "poisson" and g.n < trend.GLM_SMALL_N
                and (g.p_value < alpha) != (mk.p_value < alpha)):
            gd["p_value"] = None
            notes.append(
                f"With n={g.n} < {trend.GLM_SMALL_N} the Poisson p-value "
                f"({g.p_value:.2g}) contradicts the exact Mann-Kendall test "
                f"(p={mk.p_value:.2g}); the exact test is preferred and the Poisson p-value "
                "is not shown."
            )
        out["glm"] = gd
    elif glm:
        out["glm_note"] = (
            "No count GLM: y is not a count (fractional or negative values, or --y-kind "
            "measure). Mann-Kendall and Sen are reported."
        )
    if len(yv) >= 3 and np.ptp(rate) > 0:
        st = trend.structure_checks(rate, xv, alpha=alpha)
        out["structure"] = st.to_dict()
        notes.extend(st.warnings)
    if mk.note:
        notes.append(mk.note)
    out["notes"] = [n for n in notes if n and not (isinstance(n, float) and math.isnan(n))]
    return out


@stats_app.command("trend")
def stats_trend(
    csv: Annotated[Path, typer.Option(help="CSV file.")],
    y: Annotated[str, typer.Option(help="Column of values (e.g. annual awards).")],
    x: Annotated[
        str | None,
        typer.Option(help="Column of times (years, numbers or dates); default: row order."),
    ] = None,
    group: Annotated[
        str | None,
        typer.Option(help="Column naming the series, for a long file of several series: "
                     "per-series results plus pooled tests."),
    ] = None,
    family: Annotated[
        str, typer.Option(help="GLM family: auto (quasi-Poisson with t), poisson, "
                          "quasipoisson or negbin.")
    ] = "auto",
    offset: Annotated[
        str | None,
        typer.Option(help="Exposure column (e.g. population); the GLM models y per unit of "
                     "it, Mann-Kendall and Sen use y / offset."),
    ] = None,
    alpha: Annotated[float, typer.Option(help="1 - confidence level (0.05: 95%).")] = 0.05,
    tau: Annotated[str, typer.Option(help="Kendall's tau reported: b (default) or a.")] = "b",
    missing: Annotated[
        str, typer.Option(help="Rows with an empty y (or offset): error (default) or drop.")
    ] = "error",
    y_kind: Annotated[
        str, typer.Option(help="auto, count (fit the count GLM) or measure (no GLM).")
    ] = "auto",
    glm: Annotated[bool, typer.Option(help="Also fit a count GLM trend.")] = True,
    hac: Annotated[bool, typer.Option(help="Newey-West (HAC) errors for the GLM.")] = False,
    hac_lags: Annotated[int | None, typer.Option(help="Newey-West lags.")] = None,
    sort: Annotated[bool, typer.Option(help="Sort rows by time instead of refusing "
                                       "an unsorted file.")] = False,
    as_json: Annotated[bool, typer.Option("--json/--no-json", help="Print JSON.")] = True,
) -> None:
    """Mann-Kendall, Kendall's tau, Theil-Sen slope, a count GLM trend and structure checks."""
    import numpy as np
    import pandas as pd

    from ccs_methods.methods import trend

    with _reported(csv):
        for name, val, allowed in (("--tau", tau, ("a", "b")),
                                   ("--missing", missing, ("error", "drop")),
                                   ("--y-kind", y_kind, ("auto", "count", "measure")),
                                   ("--family", family, ("auto", "poisson", "quasipoisson",
                                                         "negbin"))):
            if val not in allowed:
                raise CCSInputError(f"{name} must be one of {', '.join(allowed)}; got {val!r}")
        if not 0 < alpha < 1:
            raise CCSInputError(f"--alpha must be between 0 and 1; got {alpha}")
        df = _csv(csv)
        lines = np.asarray(_lines(df))
        yy = _numbers(df, y, csv, missing=missing)
        off = _numbers(df, offset, csv, missing=missing) if offset else None
        keep = ~np.isnan(yy) if off is None else ~(np.isnan(yy) | np.isnan(off))
        if off is not None:
            bad = np.flatnonzero(keep & (off <= 0))
            if bad.size:
                i = int(bad[0])
                raise CCSInputError(
                    f"offset {off[i]:g} must be greater than 0 (it is an exposure such as "
                    "a population, and is logged)", file=csv, row=int(lines[i]),
                    column=offset)
        if x is not None:
            xvals, xkey = _times(df, x, csv)
        else:
            xvals = np.arange(1, len(df) + 1, dtype=float)
            xkey = xvals
        groups = (
            list(dict.fromkeys(_column(df, group, csv).astype(str).tolist()))
            if group else [None]
        )
        gcol = _column(df, group, csv).astype(str).to_numpy() if group else None
        conventions = {
            "tau": ("tau-a" if tau == "a" else "tau-b") + " (" + TAU_NOTE + ")",
            "mann_kendall": "exact null distribution for n <= 10 (ties handled exactly), "
            "else normal with tie-corrected variance and continuity correction",
            "theil_sen_interval": "Sen (1968) / Gilbert (1987) order statistics of the "
            "pairwise slopes; exact ranks for n <= 10 without ties, else normal quantile",
            "glm_interval": "Wald on the log scale; t quantile on n - 2 df for "
            "quasi-Poisson, normal quantile for Poisson and negative binomial",
            "quantile": f"{1 - alpha / 2:g} (two-sided {100 * (1 - alpha):g}% intervals, "
            f"alpha {alpha:g})",
            "missing": missing,
            "offset": "Mann-Kendall and Sen on y / offset; GLM with log(offset)"
            if offset else "none",
        }
        results = []
        for gname in groups:
            m = keep.copy() if gcol is None else keep & (gcol == gname)
            rows = np.flatnonzero(m)
            if rows.size < 3:
                where = f"series {gname!r}" if gname is not None else "the file"
                raise CCSInputError(
                    f"{where} has {rows.size} usable row(s); a trend needs at least 3",
                    file=csv, column=group or y)
            order = _check_order(np.asarray(xkey)[rows], df, csv, x or y, sort=sort,
                                 rows=rows)
            sel = rows[order]
            xv = np.asarray(xvals)[sel]
            res = _one_series(yy[sel], xv if x else np.asarray(xkey)[sel], alpha=alpha,
                              tau=tau, family=family,
                              offset=off[sel] if off is not None else None,
                              y_kind=y_kind, glm=glm, hac=hac, hac_lags=hac_lags)
            dropped = int(((gcol == gname) if gcol is not None else np.ones(len(df), bool))
                          .sum() - rows.size)
            if dropped:
                res["notes"].insert(0, f"{dropped} row(s) with a missing value were left "
                                    "out (--missing drop).")
            res["rows_dropped"] = dropped
            if gname is not None:
                res = {"group": gname, **res}
            results.append(res)
        out: dict[str, Any] = {"file": str(csv)}
        if group is None:
            out.update(results[0])
            out["conventions"] = conventions
        else:
            out["conventions"] = conventions
            out["groups"] = results
            out["pooled"] = _pooled(df, yy, off, xkey, gcol, keep, groups, alpha)
    del pd, trend
    if as_json:
        _print_json(out)
        return
    _echo_plain(out)


def _pooled(df: Any, yy: Any, off: Any, xkey: Any, gcol: Any, keep: Any, groups: list[Any],
            alpha: float) -> dict[str, Any]:
    """Pooled tests across series, with the effective n when they share their time points.

    Stratified Mann-Kendall (series independent) and Mann-Kendall on the per-time median.
    """
    import numpy as np
    import pandas as pd

    from ccs_methods.methods import trend

    rate = yy if off is None else yy / off
    long = pd.DataFrame({"g": gcol, "x": np.asarray(xkey, dtype=float), "y": rate})[keep]
    smk = trend.stratified_mann_kendall(long, stratum_col="g", x_col="x", y_col="y")
    times = long.groupby("g")["x"].apply(lambda s: tuple(sorted(s)))
    shared = times.nunique() == 1
    n_times = long["x"].nunique()
    out: dict[str, Any] = {
        "series": len(groups),
        "points": len(long),
        "time_points": int(n_times),
        "shared_time_points": bool(shared),
        "stratified_mann_kendall": {
            "s": smk.s, "var_s": smk.var_s, "z": smk.z, "p_value": smk.p_value,
            "homogeneity": smk.homogeneity,
            "assumes": "series independent of each other",
        },
    }
    counts = yy[keep]
    if bool(np.all(np.abs(counts - np.round(counts)) < 1e-9) and np.all(counts >= 0)):
        cnt = pd.DataFrame({"g": gcol, "x": np.asarray(xkey, dtype=float), "y": yy})[keep]
        if off is not None:
            cnt["off"] = off[keep]
        pt = trend.pooled_trend(cnt, site_col="g", x_col="x", count_col="y",
                                offset_col="off" if off is not None else None, alpha=alpha)
        out["common_rate_ratio"] = {**pt.glm, "assumes": "series independent; one common "
                                    "proportional trend with a fixed effect per series"}
    med = long.groupby("x")["y"].median()
    if med.size >= 3 and np.ptp(med.to_numpy()) > 0:
        mk = trend.mann_kendall(med.to_numpy(), med.index.to_numpy(), alpha=alpha)
        out["median_series_mann_kendall"] = {
            "n": mk.n, "s": mk.s, "tau": mk.tau, "p_value": mk.p_value,
            "method_used": mk.method_used,
            "assumes": "only that the time points are independent: its size holds whatever "
            "the dependence between series",
        }
    share = (f"share the same {n_times} time points" if shared
             else f"cover only {n_times} distinct time points between them")
    out["effective_n"] = (
        f"The {len(groups)} series {share}, so shocks common to all series (policy, funding, "
        f"season) make them move together: the effective number of independent points lies "
        f"between {n_times} and {len(long)}. The stratified test and the common rate ratio "
        f"treat it as {len(long)}, so their p-values can be far too small; the Mann-Kendall "
        f"test on the median across series at each time (n = {n_times}) keeps its size."
        if n_times < len(long) else
        "The series do not share time points; the stratified test assumes they are "
        "independent."
    )
    return out


@stats_app.command("its")
def stats_its(
    csv: Annotated[Path, typer.Option(help="CSV of counts per period.")],
    date: Annotated[str, typer.Option(help="Column of dates (or whole numbers with "
                                      "--frequency index).")],
    count: Annotated[str, typer.Option(help="Column of counts.")],
    breakpoint: Annotated[str, typer.Option(
        help="First period after the change: a date that starts a period (2019-10-01), a "
        "month (2019-10), a quarter (2019Q4), a weekly date of the file, or an index.")],
    family: Annotated[
        str, typer.Option(help="quasipoisson, poisson or negbin.")
    ] = "quasipoisson",
    impact: Annotated[str, typer.Option(help="level, slope or both (level and slope).")] = "both",
    frequency: Annotated[
        str, typer.Option(help="monthly, weekly, quarterly or index.")
    ] = "monthly",
    offset: Annotated[str | None, typer.Option(help="Exposure column (e.g. population).")] = None,
    alpha: Annotated[float, typer.Option(help="1 - confidence level (0.05: 95%).")] = 0.05,
    reference: Annotated[str, typer.Option(
        help="Reference distribution: auto (t for quasi-Poisson), t or normal.")] = "auto",
    fourier_k: Annotated[int, typer.Option(help="Fourier harmonics for seasonality.")] = 1,
    covid_start: Annotated[str | None, typer.Option(help="Covid co-intervention start.")] = None,
    covid_end: Annotated[
        str | None,
        typer.Option(help="Covid co-intervention end (default: the end of the series)."),
    ] = None,
    hac: Annotated[bool, typer.Option(help="Newey-West (HAC) standard errors.")] = False,
    hac_lags: Annotated[int | None, typer.Option(help="Newey-West lags (default "
                                                 "floor(4 (n/100)^(2/9)), at least 1).")] = None,
    min_points: Annotated[int, typer.Option(help="Periods needed on each side.")] = 8,
    sort: Annotated[bool, typer.Option(help="Sort rows by date instead of refusing "
                                       "an unsorted file.")] = False,
    as_json: Annotated[bool, typer.Option("--json/--no-json", help="Print JSON.")] = True,
) -> None:
    """Segmented regression (interrupted time series) with a counterfactual."""
    import numpy as np
    import pandas as pd

    from ccs_methods.methods import its

    impacts = {"both": "level_slope", "level_slope": "level_slope", "level": "level",
               "slope": "slope"}
    with _reported(csv):
        if impact not in impacts:
            raise CCSInputError(f"--impact must be level, slope or both; got {impact!r}")
        df = _csv(csv)
        _column(df, date, csv)
        _column(df, count, csv)
        if offset:
            _column(df, offset, csv)
        if covid_end and not covid_start:
            raise CCSInputError(
                "--covid-end was given without --covid-start; give both, or only "
                "--covid-start for a step to the end of the series",
                column="covid_start",
            )
        if frequency == "index":
            key = pd.to_numeric(df[date], errors="coerce").to_numpy(dtype=float)
        else:
            key = (pd.to_datetime(df[date], errors="coerce", format="mixed")
                   - pd.Timestamp("1970-01-01")).dt.total_seconds().to_numpy()
        if np.all(np.isfinite(key)):
            down = np.flatnonzero(np.diff(key) < 0)
            if down.size and not sort:
                lines = _lines(df)
                i = int(down[0]) + 1
                raise CCSInputError(
                    f"the dates are not in increasing order (this row is earlier than "
                    f"line {lines[i - 1]}); sort the file, or pass --sort",
                    file=csv, row=lines[i], column=date)
        covid = (covid_start, covid_end) if covid_start else None
        res = its.segmented_regression(
            df,
            date_col=date,
            count_col=count,
            breakpoint=breakpoint,
            family=family,  # type: ignore[arg-type]
            fourier_k=fourier_k,
            covid=covid,
            offset_col=offset,
            cov_type="HAC" if hac else "nonrobust",
            hac_lags=hac_lags,
            impact=impacts[impact],  # type: ignore[arg-type]
            alpha=alpha,
            min_points=min_points,
            frequency=frequency,  # type: ignore[arg-type]
            reference=reference,  # type: ignore[arg-type]
        )
    out = {"file": str(csv), **res.to_dict()}
    out["conventions"] = {
        "interval_method": res.interval_method,
        "reference": res.reference,
        "quantile": f"{1 - alpha / 2:g} (two-sided {100 * (1 - alpha):g}% intervals)",
        "hac_lags": res.hac_lags,
        "impact": res.impact,
        "frequency": res.frequency,
    }
    if as_json:
        _print_json(out)
        return
    _echo_plain(out)


@stats_app.command("spc")
def stats_spc(
    csv: Annotated[Path, typer.Option(help="CSV file.")],
    value: Annotated[str, typer.Option(help="Column of values.")],
    date: Annotated[str | None, typer.Option(help="Column of dates (optional).")] = None,
    screen: Annotated[bool, typer.Option(
        help="Screen moving ranges above 3.267 x mean before setting limits "
        "(NHSRplotthedots default); --no-screen as the Making Data Count Excel tool.")] = True,
    baseline: Annotated[int | None, typer.Option(
        help="Set mean and limits from the first N points (of each period).")] = None,
    baseline_end: Annotated[str | None, typer.Option(
        help="Set mean and limits from the points up to and including this date.")] = None,
    rebase: Annotated[list[str] | None, typer.Option(
        help="Recalculate limits from this date on (a known change); repeatable.")] = None,
    improvement: Annotated[str | None, typer.Option(
        help="Direction of improvement: increase or decrease (special causes then read as "
        "improvement or concern).")] = None,
    sort: Annotated[bool, typer.Option(help="Sort rows by date instead of refusing an "
                                       "unsorted file (a newest-first export).")] = False,
    as_json: Annotated[bool, typer.Option("--json/--no-json", help="Print JSON.")] = True,
) -> None:
    """XmR control chart limits and special-cause flags (NHS Making Data Count)."""
    import numpy as np

    from ccs_methods.methods import spc

    with _reported(csv):
        if improvement not in (None, "increase", "decrease"):
            raise CCSInputError(
                f"--improvement must be increase or decrease; got {improvement!r}")
        if baseline is not None and baseline_end is not None:
            raise CCSInputError("give --baseline or --baseline-end, not both")
        if (rebase or baseline_end) and not date:
            raise CCSInputError("--rebase and --baseline-end need --date")
        df = _csv(csv)
        vals = _numbers(df, value, csv)
        labels: Any = None
        order = np.arange(len(vals))
        key = None
        if date:
            labels, key = _times(df, date, csv)
            order = _check_order(key, df, csv, date, sort=sort)
            vals = vals[order]
            labels = [str(v) for v in np.asarray(labels)[order]]
            key = np.asarray(key, dtype=float)[order]

        def position(d: str, what: str) -> int:
            import pandas as pd

            try:
                k = float(d)
            except ValueError:
                try:
                    k = (pd.Timestamp(d) - pd.Timestamp("1970-01-01")).total_seconds() \
                        / 86400.0
                except (TypeError, ValueError):
                    raise CCSInputError(f"{what} {d!r} is not a date", column=date) \
                        from None
            assert key is not None
            if k < key[0] or k > key[-1]:
                raise CCSInputError(
                    f"{what} {d} is outside the data ({labels[0]} to {labels[-1]})",
                    column=date)
            return int(np.searchsorted(key, k, side="left"))

        nb = baseline
        if baseline_end is not None:
            nb = int(np.searchsorted(key, key[position(baseline_end, "--baseline-end")],
                                     side="right"))
        cuts = sorted(position(d, "--rebase date") for d in (rebase or []))
        if rebase or improvement:
            rres = spc.xmr_rebased(vals, labels, rebase_at=cuts, baseline=nb,
                                   screen_outliers=screen, improvement=improvement)
            out: dict[str, Any] = {"file": str(csv), **rres.to_dict()}
            flagged = [d for d, f in zip(rres.dates, rres.special_cause, strict=True) if f]
            text = "; ".join(str(s["summary"]["text"]) for s in rres.segments)
        else:
            res = spc.xmr(vals, labels, baseline=nb, screen_outliers=screen)
            out = {"file": str(csv), **res.to_dict()}
            out["variation"] = spc.classify_variation(res, None)
            flagged = [d for d, f in zip(res.dates, res.special_cause, strict=True) if f]
            text = str(res.summary["text"])
    out["conventions"] = {
        "limits": "mean +/- 2.66 x mean moving range",
        "screening": "moving ranges above 3.267 x mean moving range left out" if screen
        else "none (as the Making Data Count Excel tool)",
        "sorted_by_date": bool(sort and date),
    }
    if as_json:
        _print_json(out)
        return
    for k in ("file", "n", "n_baseline", "mean", "mr_bar", "ucl", "lcl"):
        if k in out and not isinstance(out[k], list):
            typer.echo(f"{k}: {out[k]}")
    for seg in out.get("segments", []):
        typer.echo(f"period {seg['start']} to {seg['end']}: mean {seg['mean']:.4g}, "
                   f"ucl {seg['ucl']:.4g}, lcl {seg['lcl']:.4g}")
    typer.echo(f"special_cause: {', '.join(flagged) if flagged else 'none'}")
    typer.echo(f"summary: {text}")


@stats_app.command("period-ratio")
def stats_period_ratio(
    csv: Annotated[Path, typer.Option(help="CSV file, one row per month in time order.")],
    y: Annotated[str, typer.Option(help="Column of monthly counts.")],
    period: Annotated[str, typer.Option(help="Column saying before or after (or 0 / 1).")],
    family: Annotated[str, typer.Option(help="quasipoisson (default) or poisson.")] = (
        "quasipoisson"),
    autocorrelation_p: Annotated[float, typer.Option(
        help="Ljung-Box p below which the months count as autocorrelated.")] = 0.05,
    hac_rule: Annotated[str, typer.Option(
        help="never_narrower (default: Newey-West only if its interval is not narrower) or "
        "positive_lag1 (Newey-West when the lag-1 autocorrelation is positive).")] = (
        "never_narrower"),
) -> None:
    """Rate ratio of the mean monthly count after vs before, with its autocorrelation check.

    A quasi-Poisson (or Poisson) GLM on the months with x = 0 before and 1 after: the ratio of
    the two monthly means. Ljung-Box on the Pearson residuals in file order; when autocorrelated,
    Newey-West errors are kept under ``--hac-rule`` (``ccs_methods.methods.rates.period_ratio``).
    """
    import numpy as np

    from ccs_methods.methods import rates, trend

    with _reported(csv, numeric=False):
        for name, val, allowed in (("--family", family, ("quasipoisson", "poisson")),
                                   ("--hac-rule", hac_rule,
                                    ("never_narrower", "positive_lag1"))):
            if val not in allowed:
                raise CCSInputError(f"{name} must be one of {', '.join(allowed)}; got {val!r}")
        if not 0 < autocorrelation_p < 1:
            raise CCSInputError(
                f"--autocorrelation-p must be between 0 and 1; got {autocorrelation_p}")
        df = _csv(csv)
        lines = _lines(df)
        yy = _numbers(df, y, csv)
        col = _column(df, period, csv)
        after = []
        for i, v in enumerate(col.astype(str).str.strip().str.lower()):
            if v not in ("before", "after", "0", "1"):
                raise CCSInputError(f"value {col.iloc[i]!r} must be before or after (or 0 / 1)",
                                    file=csv, row=lines[i], column=period)
            after.append(v in ("after", "1"))
        flags = np.asarray(after)
        if flags.size and (np.diff(flags.astype(int)) < 0).any():
            i = int(np.flatnonzero(np.diff(flags.astype(int)) < 0)[0]) + 1
            raise CCSInputError("a before month follows an after month; rows must be in time "
                                "order, the before period first", file=csv, row=lines[i],
                                column=period)
        rr = rates.period_ratio(yy[~flags].tolist(), yy[flags].tolist(),
                                autocorrelation_p=autocorrelation_p,
                                hac_rule=hac_rule,  # type: ignore[arg-type]
                                family=family)  # type: ignore[arg-type]
    out = {
        "file": str(csv),
        "n_before": int((~flags).sum()),
        "n_after": int(flags.sum()),
        "mean_before": float(yy[~flags].mean()),
        "mean_after": float(yy[flags].mean()),
        **rr.glm.to_dict(),
        "ljung_box_p": rr.ljung_box_p,
        "ljung_box_lags": rr.ljung_box_lags,
        "autocorrelation_p": autocorrelation_p,
        "hac_rule": hac_rule,
        "hac_reason": rr.hac_reason,
    }
    _print_json(trend.json_safe(out))


@stats_app.command("contribution")
def stats_contribution(
    csv: Annotated[Path, typer.Option(help="CSV of evidence items: columns evidence_id, "
                                      "sensitivity, type1_error, found, and optionally group.")],
    prior: Annotated[float, typer.Option(help="P(claim true) before the evidence.")],
    as_json: Annotated[bool, typer.Option("--json/--no-json", help="Print JSON.")] = True,
) -> None:
    """Bayesian contribution tracing: posterior of a claim from evidence found or absent.

    For an item that was looked for and not found, the likelihoods are the complements:
    the probability of absence is 1 - sensitivity if the claim is true and 1 - type I error
    if it is false.
    Items sharing a ``group`` are dependent: only the strongest supporting and the strongest
    challenging item of a group count.
    """
    import math

    import pandas as pd

    from ccs_methods.methods.contribution import updating

    yes = {"yes", "y", "true", "1", "found", "present"}
    no = {"no", "n", "false", "0", "absent", "not found"}
    with _reported(csv, numeric=False):
        if not 0 < prior < 1:
            raise CCSInputError(f"--prior must be strictly between 0 and 1; got {prior}")
        df = _csv(csv)
        lines = _lines(df)
        se = _numbers(df, "sensitivity", csv)
        t1 = _numbers(df, "type1_error", csv)
        found_col = _column(df, "found", csv)
        ids = (_column(df, "evidence_id", csv).astype(str).tolist()
               if "evidence_id" in df.columns else [f"item {i + 1}" for i in range(len(df))])
        groups = (
            [None if pd.isna(g) else str(g) for g in df["group"].tolist()]
            if "group" in df.columns else [None] * len(df)
        )
        items = []
        for i in range(len(df)):
            for name, v in (("sensitivity", se[i]), ("type1_error", t1[i])):
                if not 0 < v < 1:
                    raise CCSInputError(f"{name} {v:g} must be strictly between 0 and 1",
                                        file=csv, row=lines[i], column=name)
            f = str(found_col.iloc[i]).strip().lower()
            if f not in yes | no:
                raise CCSInputError(
                    f"found {found_col.iloc[i]!r} must be yes or no (found or absent)",
                    file=csv, row=lines[i], column="found")
            present = f in yes
            s_i, a_i = (se[i], t1[i]) if present else (1 - se[i], 1 - t1[i])
            items.append({
                "evidence_id": ids[i], "found": present,
                "sensitivity_given": float(se[i]), "type1_error_given": float(t1[i]),
                "sensitivity": float(s_i), "type1_error": float(a_i),
                "group": groups[i],
                "test_type": updating.classify_test(se[i], t1[i]),
                "likelihood_ratio": float(s_i / a_i),
            })
        table = updating.group_likelihood_ratios(items)
        post = updating.posterior(prior, items)
    groups_out = [
        {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in rec.items()}
        for rec in table.to_dict("records")
    ]
    out = {
        "file": str(csv),
        "prior": prior,
        "posterior": post,
        "verbal": updating.verbal_confidence(post),
        "items": items,
        "groups": groups_out,
        "conventions": {
            "absent": "an item looked for and not found enters with 1 - sensitivity and "
            "1 - type I error",
            "dependence": "within a group only the strongest supporting and the strongest "
            "challenging item count: LR_g = max(1, max LR) x min(1, min LR)",
        },
    }
    if as_json:
        _print_json(out)
        return
    typer.echo(f"prior: {prior}")
    for it in items:
        typer.echo(f"{it['evidence_id']}: {'found' if it['found'] else 'absent'}, "
                   f"{it['test_type']}, likelihood ratio {it['likelihood_ratio']:.3g}")
    typer.echo(f"posterior: {post:.4g} ({out['verbal']})")


@stats_app.command("series")
def stats_series(
    what: Annotated[str, typer.Option(
        help="referrals (monthly counts of a site's referral data), awards (complete calendar "
        "years of LWA/DAF awards), awards-monthly (the months the book uses) or evidence "
        "(a contribution claim's evidence items, for `stats contribution`).")],
    out: Annotated[Path, typer.Option(help="CSV file to write.")],
    site: Annotated[str | None, typer.Option(
        help="A site id of params/programme.yml, or all (awards only: a long "
        "file site,year,awards of the sites the pooled trend uses). Not for evidence.")] = None,
    claim: Annotated[str | None, typer.Option(
        help="Claim id of params/contribution/theory_of_change.yml (evidence only).")] = None,
    year: Annotated[int | None, typer.Option(
        help="Programme year: only its months (referrals only; the per-month trend of a site "
        "page's 'year described').")] = None,
    root: Annotated[Path | None, typer.Option(help="Project root (default: found from the "
                                              "current folder).")] = None,
) -> None:
    """Write the series a book model is fitted to, as CSV, for the other stats commands.

    The methods pages pair each model with this command and the ``stats`` command that
    refits it: ``referrals`` gives ``month,date,referrals`` (zero-filled months of the site's
    referral dataset; ``--year`` keeps one programme year's months); ``awards`` gives
    ``year,awards`` for the complete calendar years of the programme years params list (what
    the annual trend uses); ``awards-monthly`` gives
    ``month,date,awards`` for those months (what the XmR chart uses); ``awards-comparison``
    with ``--year`` gives ``month,date,period,awards`` for the twelve months before the
    programme year and its months (``stats period-ratio``); ``evidence`` gives
    ``evidence_id,sensitivity,type1_error,found,group`` for the items of one claim that the
    book's headline posterior weighs (computed items resolved from the analyses; pending items
    and items computed from synthetic stand-ins left out, as on the pages), and prints the
    claim's prior.
    """
    from ccs_methods.analyses import lwa, referrals
    from ccs_methods.analyses.trend_data import LWA, load_dataset
    from ccs_methods.data.params import load_params

    kinds = ("referrals", "awards", "awards-monthly", "awards-comparison", "evidence")
    with contextlib.ExitStack() as stack:
        try:
            if what not in kinds:
                raise CCSInputError(f"--what must be one of {', '.join(kinds)}; got {what!r}")
            if (what == "evidence") != (claim is not None):
                raise CCSInputError("--claim goes with --what evidence (and only with it)")
            if (what == "evidence") == (site is not None):
                raise CCSInputError(
                    "--site is needed for referrals and awards, and not for evidence")
            from ccs_methods.data.paths import find_project_root, using_project_root

            if root is None:
                root = find_project_root()
            # the data folder is found from the project root too; restored when the command ends
            root = stack.enter_context(using_project_root(root))
            params = load_params(root / "params")
            if year is not None and what not in ("referrals", "awards-comparison"):
                raise CCSInputError("--year goes with --what referrals or awards-comparison only")
            if year is None and what == "awards-comparison":
                raise CCSInputError("--what awards-comparison needs --year (the programme year)")
            if claim is not None:
                frame, prior = _claim_evidence(params, claim)
                _write_csv(frame, out)
                typer.echo(f"{out}: {len(frame)} rows; prior of {claim}: {prior:g} "
                           "(params/contribution/theory_of_change.yml)")
                return
            assert site is not None
            if site == "all" and what == "awards":
                import pandas as pd

                awards = load_dataset(params, LWA)
                min_years = params.analysis.lwa_trend.min_complete_years
                parts = []
                for s_id in params.programme.sites:
                    ann = lwa.site_awards(params, s_id, awards).annual
                    comp = ann[ann["complete"]] if len(ann) else ann
                    if len(comp) >= min_years:
                        parts.append(pd.DataFrame({"site": s_id, "year": comp["year"].astype(int),
                                                   "awards": comp["awards"].astype(int)}))
                frame = pd.concat(parts, ignore_index=True)
                out.parent.mkdir(parents=True, exist_ok=True)
                frame.to_csv(out, index=False)
                typer.echo(f"{out}: {len(frame)} rows ({len(parts)} sites with at least "
                           f"{min_years} complete years)")
                return
            if site not in params.programme.sites:
                raise CCSInputError(
                    f"--site {site!r} is not a site of the programme; sites are "
                    f"{', '.join(params.programme.sites)}")
            if what == "referrals":
                ds = params.site(site).referral_network.referral_dataset
                if ds is None:
                    raise CCSInputError(f"site {site!r} has no referral dataset in params")
                table = referrals.monthly_referrals(load_dataset(params, ds), site)
                if year is not None:
                    table = _year_rows(params, table, year)
                frame = table[["month", "date", "referrals"]].assign(
                    date=table["date"].dt.strftime("%Y-%m-%d"))
            else:
                aw = lwa.site_awards(params, site, load_dataset(params, LWA))
                if what == "awards":
                    comp = aw.annual[aw.annual["complete"]]
                    frame = comp[["year", "awards"]].astype(int)
                elif what == "awards-comparison":
                    assert year is not None
                    frame = _year_and_previous(params, aw.monthly, year)
                else:
                    frame = aw.monthly[["month", "date", "awards"]].assign(
                        date=aw.monthly["date"].dt.strftime("%Y-%m-%d"))
                    if (frame["awards"] % 1 == 0).all():
                        frame = frame.assign(awards=frame["awards"].astype(int))
            _write_csv(frame, out)
        except CCSInputError as exc:
            _fail(exc)
        typer.echo(f"{out}: {len(frame)} rows")


def _year_rows(params: Any, table: Any, year: int) -> Any:
    """The rows of a monthly table that fall in programme year ``year``."""
    import pandas as pd

    from ccs_methods.analyses.trend_data import year_months

    years = {y.number: y for y in params.programme.years}
    if year not in years:
        raise CCSInputError(f"--year {year} is not a programme year; years are "
                            f"{', '.join(map(str, years))}")
    months = year_months(years[year])
    per = pd.PeriodIndex(table["month"], freq="M")
    return table[(per >= months[0]) & (per <= months[-1])].reset_index(drop=True)


def _year_and_previous(params: Any, monthly: Any, year: int) -> Any:
    """Months before and in a programme year, as ``stats period-ratio`` reads them.

    ``month,date,period,awards``: the twelve months before programme year ``year``, then its
    months (what a site page's year comparison weighs).
    """
    import pandas as pd

    from ccs_methods.analyses.trend_data import year_months

    now = _year_rows(params, monthly, year)  # refuses a year that is not a programme year
    months = year_months(next(y for y in params.programme.years if y.number == year))
    prev = pd.period_range(months[0] - 12, months[0] - 1, freq="M")
    per = pd.PeriodIndex(monthly["month"], freq="M")
    before = monthly[(per >= prev[0]) & (per <= prev[-1])]
    if len(now) != len(months) or len(before) != len(prev):
        raise CCSInputError(f"programme year {year} or the twelve months before it has a month "
                            "with no awards data; the book makes no comparison either")
    both = pd.concat([before.assign(period="before"), now.assign(period="after")])
    frame = both[["month", "date", "period", "awards"]].assign(
        date=both["date"].dt.strftime("%Y-%m-%d"))
    if (frame["awards"] % 1 == 0).all():
        frame = frame.assign(awards=frame["awards"].astype(int))
    return frame.reset_index(drop=True)


def _write_csv(frame: Any, out: Path) -> None:
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        frame.to_csv(out, index=False)
    except OSError as exc:
        raise CCSInputError(f"cannot write the file: {exc.strerror}", file=out) from exc


def _claim_evidence(params: Any, claim: str) -> tuple[Any, float]:
    """The evidence items a claim's headline posterior weighs, and the claim's prior.

    The items are written as ``stats contribution`` reads them: every register item is
    evidence as found, so ``found`` is ``yes`` (a challenging item has sensitivity below its
    type I error).
    """
    from ccs_methods.analyses.contribution import load_register

    register = load_register(params)
    known = [c.id for c in register.toc.claims]
    if claim not in known:
        raise CCSInputError(f"--claim {claim!r} is not a claim of the theory of change; claims "
                            f"are {', '.join(known)}")
    ev = register.evidence
    rows = ev[(ev["claim_id"] == claim) & ev["sensitivity"].notna() & ev["type1_error"].notna()
              & ~ev["evidence_id"].astype(str).isin(register.illustrative)]
    frame = rows[["evidence_id", "sensitivity", "type1_error"]].assign(
        found="yes", group=rows["group"]).reset_index(drop=True)
    prior = next(c.prior for c in register.toc.claims if c.id == claim)
    return frame, float(prior)


@stats_app.command("network")
def stats_network(
    csv: Annotated[Path, typer.Option(help="CSV of referral records.")],
    as_json: Annotated[bool, typer.Option("--json/--no-json", help="Print JSON.")] = True,
) -> None:
    """Referral-network measures per year from a referral export.

    JSON: ``file``, ``cleaning`` (what was dropped and why), ``overall`` (as
    ``network.network_measures``) and ``by_year`` (one record per calendar year, with its
    ``year``, as ``network.measures_by_period``; full precision, so it matches direct calls).
    """
    import math

    from ccs_methods.methods import network

    def plain(value: Any) -> Any:
        if isinstance(value, float) and not math.isfinite(value):
            return None
        return value

    try:
        df = _csv(csv)
        missing = [c for c in network.REQUIRED_COLUMNS if c not in df.columns]
        if missing:
            raise CCSInputError(
                f"missing required column(s) {missing} in the header; a referral table needs "
                f"the columns {list(network.REQUIRED_COLUMNS)}",
                file=csv,
                row=1,
                column=missing[0],
            )
        clean, report = network.clean_referrals(df, source_file=str(csv))
        if clean.empty:
            raise CCSInputError(
                f"no referral is left after cleaning ({report.summary()}); the file needs at "
                "least one referral between two different organisations",
                file=csv,
            )
        by_year = network.measures_by_period(clean, period="year")
        out = {
            "file": str(csv),
            "cleaning": report.to_dict(),
            "overall": network.network_measures(clean),
            "by_year": [
                {k: plain(v) for k, v in rec.items()}
                for rec in by_year.reset_index().to_dict(orient="records")
            ],
        }
    except CCSInputError as exc:
        _fail(exc)
    except (ValueError, ArithmeticError) as exc:  # numerical failure on legal but odd data
        _fail(_numeric_failure(csv, exc))
    if as_json:
        _print_json(out)
        return
    typer.echo(f"file: {out['file']}")
    typer.echo(f"cleaning: {report.summary()}")
    for rec in out["by_year"]:
        typer.echo(
            f"{rec['year']}: {rec['total_referrals']:,} referrals, {rec['organisations']} "
            f"organisations, {rec['connections']} connections, "
            f"{rec['connections_per_organisation']:.2f} connections per organisation"
        )
