"""The ``ccs-eval stats`` sub-commands: run one method on a CSV and print JSON.

Registered on the main command line by :mod:`ccs_methods.pipeline.cli`. Every error a user can
cause ends with one message naming the file, the row (the line number in the file, as an editor
shows it, header = line 1) and the column where they apply, and exit status 2.
"""

from __future__ import annotations

import json
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


def _print_json(obj: Any) -> None:
    typer.echo(json.dumps(obj, indent=2, sort_keys=False, allow_nan=False))


def _csv(path: Path) -> Any:
    from ccs_methods.data.datasets import read_csv_checked

    return read_csv_checked(path)


def _column(df: Any, name: str, path: Path) -> Any:
    if name not in df.columns:
        raise CCSInputError(
            f"column {name!r} not found; columns are: {', '.join(map(str, df.columns))}",
            file=path,
            column=name,
        )
    return df[name]


@stats_app.command("trend")
def stats_trend(
    csv: Annotated[Path, typer.Option(help="CSV file.")],
    y: Annotated[str, typer.Option(help="Column of values (e.g. annual awards).")],
    x: Annotated[str, typer.Option(help="Column of time values (years or dates).")],
    glm: Annotated[bool, typer.Option(help="Also fit a count GLM trend.")] = True,
    as_json: Annotated[bool, typer.Option("--json/--no-json", help="Print JSON.")] = True,
) -> None:
    """Mann-Kendall, Kendall's tau, Theil-Sen slope and a count GLM trend."""
    import pandas as pd

    from ccs_methods.methods import trend

    def numbers(df: Any, name: str) -> Any:
        col = _column(df, name, csv)
        vals = pd.to_numeric(col, errors="coerce")
        bad = vals.isna().to_numpy().nonzero()[0]
        if bad.size:
            i = int(bad[0])
            raise CCSInputError(
                f"value {col.iloc[i]!r} is missing or not a number; every row needs a number",
                file=csv,
                row=i + 2,
                column=name,
            )
        return vals.to_numpy(dtype=float)

    try:
        try:
            df = _csv(csv)
            yy = numbers(df, y)
            xcol = _column(df, x, csv)
            xnum = pd.to_numeric(xcol, errors="coerce")
            # numbers (e.g. years) are used as they are; anything else is read as dates
            xx = xnum.to_numpy(dtype=float) if not xnum.isna().any() else xcol.astype(str)
            out: dict[str, Any] = {
                "file": str(csv),
                "n": len(yy),
                "mann_kendall": trend.mann_kendall(yy, xx).to_dict(),
                "theil_sen": trend.theil_sen(yy, xx).to_dict(),
            }
            if glm:
                out["glm"] = trend.glm_trend(yy, xx).to_dict()
        except CCSInputError as exc:
            if exc.file is None:  # a method's message: say which file it is about
                exc.file = str(csv)
            raise
    except CCSInputError as exc:
        _fail(exc)
    except (ValueError, ArithmeticError) as exc:  # numerical failure on legal but odd data
        _fail(_numeric_failure(csv, exc))
    if as_json:
        _print_json(out)
        return
    for key, val in out.items():
        if isinstance(val, dict):
            for k2, v2 in val.items():
                if not isinstance(v2, (dict, list)):
                    typer.echo(f"{key}.{k2}: {v2}")
        else:
            typer.echo(f"{key}: {val}")


@stats_app.command("its")
def stats_its(
    csv: Annotated[Path, typer.Option(help="CSV of monthly counts.")],
    date: Annotated[str, typer.Option(help="Column of month start dates.")],
    count: Annotated[str, typer.Option(help="Column of counts.")],
    breakpoint: Annotated[str, typer.Option(help="Intervention date, YYYY-MM-DD.")],
    family: Annotated[str, typer.Option(help="quasipoisson, poisson or negbin.")] = "quasipoisson",
    fourier_k: Annotated[int, typer.Option(help="Fourier harmonics for seasonality.")] = 1,
    covid_start: Annotated[str | None, typer.Option(help="Covid co-intervention start.")] = None,
    covid_end: Annotated[
        str | None,
        typer.Option(help="Covid co-intervention end (default: the end of the series)."),
    ] = None,
    hac: Annotated[bool, typer.Option(help="Newey-West (HAC) standard errors.")] = False,
    as_json: Annotated[bool, typer.Option("--json/--no-json", help="Print JSON.")] = True,
) -> None:
    """Segmented regression (interrupted time series) with a counterfactual."""
    from ccs_methods.methods import its

    try:
        try:
            df = _csv(csv)
            _column(df, date, csv)
            _column(df, count, csv)
            if covid_end and not covid_start:
                raise CCSInputError(
                    "--covid-end was given without --covid-start; give both, or only "
                    "--covid-start for a step to the end of the series",
                    column="covid_start",
                )
            covid = (covid_start, covid_end) if covid_start else None
            res = its.segmented_regression(
                df,
                date_col=date,
                count_col=count,
                breakpoint=breakpoint,
                family=family,  # type: ignore[arg-type]
                fourier_k=fourier_k,
                covid=covid,
                cov_type="HAC" if hac else "nonrobust",
            )
        except CCSInputError as exc:
            if exc.file is None:  # a method's message: say which file it is about
                exc.file = str(csv)
            raise
    except CCSInputError as exc:
        _fail(exc)
    except (ValueError, ArithmeticError) as exc:  # numerical failure on legal but odd data
        _fail(_numeric_failure(csv, exc))
    out = {"file": str(csv), **res.to_dict()}
    if as_json:
        _print_json(out)
        return
    for key, val in out.items():
        if isinstance(val, dict):
            for k2, v2 in val.items():
                if not isinstance(v2, (dict, list)):
                    typer.echo(f"{key}.{k2}: {v2}")
        elif not isinstance(val, list):
            typer.echo(f"{key}: {val}")


@stats_app.command("spc")
def stats_spc(
    csv: Annotated[Path, typer.Option(help="CSV file.")],
    value: Annotated[str, typer.Option(help="Column of values.")],
    date: Annotated[str | None, typer.Option(help="Column of dates (optional).")] = None,
    as_json: Annotated[bool, typer.Option("--json/--no-json", help="Print JSON.")] = True,
) -> None:
    """XmR control chart limits and special-cause flags (NHS Making Data Count)."""
    import pandas as pd

    from ccs_methods.methods import spc

    try:
        try:
            df = _csv(csv)
            col = _column(df, value, csv)
            nums = pd.to_numeric(col, errors="coerce")
            bad = nums.isna().to_numpy().nonzero()[0]
            if bad.size:
                i = int(bad[0])
                raise CCSInputError(
                    f"value {col.iloc[i]!r} is missing or not a number; every row needs a number",
                    file=csv,
                    row=i + 2,
                    column=value,
                )
            dates = list(_column(df, date, csv).astype(str)) if date else None
            res = spc.xmr(nums.to_numpy(dtype=float), dates)
        except CCSInputError as exc:
            if exc.file is None:  # a method's message: say which file it is about
                exc.file = str(csv)
            raise
    except CCSInputError as exc:
        _fail(exc)
    except (ValueError, ArithmeticError) as exc:  # numerical failure on legal but odd data
        _fail(_numeric_failure(csv, exc))
    out = {"file": str(csv), **res.to_dict()}
    if as_json:
        _print_json(out)
        return
    flagged = [d for d, f in zip(res.dates, res.special_cause, strict=True) if f]
    for key in ("file", "n", "n_baseline", "mean", "mr_bar", "ucl", "lcl"):
        typer.echo(f"{key}: {out[key]}")
    typer.echo(f"special_cause: {', '.join(flagged) if flagged else 'none'}")
    typer.echo(f"summary: {res.summary['text']}")


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
