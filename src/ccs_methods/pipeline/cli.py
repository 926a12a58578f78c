"""The ``ccs-eval`` command line: run the notebooks, build the book, validate data, run methods.

Every error a user can cause ends with one message naming the file (and row and column where
they apply) and exit status 2; a failed notebook run exits with status 1 after a summary.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Annotated, Any

import typer

from ccs_methods.errors import CCSInputError

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Reproducible evaluation book of the Coordinated Community Support programme.",
)
stats_app = typer.Typer(no_args_is_help=True, help="Run one method on a CSV and print JSON.")
app.add_typer(stats_app, name="stats")

RootOpt = Annotated[
    Path | None,
    typer.Option("--root", help="Project root (default: found from the current folder)."),
]


def _root(root: Path | None) -> Path:
    if root is not None:
        return root.resolve()
    from ccs_methods.data.paths import find_project_root

    return find_project_root()


def _fail(exc: CCSInputError) -> None:
    typer.secho(f"error: {exc}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code=2)


def _default_jobs() -> int:
    return max(1, min(4, os.cpu_count() or 1))


def _run(root: Path, sites: list[str] | None, years: list[int] | None, jobs: int) -> bool:
    # Ctrl-C (SIGINT) must stop a run cleanly even when the parent process ignores SIGINT
    # (a shell's background job, some CI runners): Python would inherit the ignore otherwise.
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.default_int_handler)
    from ccs_methods.data.params import load_params
    from ccs_methods.pipeline.runner import plan_jobs, run_jobs

    params = load_params(root / "params")
    planned = plan_jobs(params, root, sites=sites or None, years=years or None)
    typer.echo(f"executing {len(planned)} notebooks with {jobs} worker(s)")
    start = time.perf_counter()

    def progress(res: Any, done: int, total: int) -> None:
        mark = "ok " if res.ok else "FAILED"
        typer.echo(f"  [{done:>2}/{total}] {mark} {res.label} ({res.seconds:.1f} s)", err=True)

    summary = run_jobs(planned, root, workers=jobs, on_done=progress)
    typer.echo(summary.describe())
    typer.echo(f"wall time {time.perf_counter() - start:.1f} s")
    if summary.interrupted:
        raise KeyboardInterrupt
    return summary.ok


@app.command()
def run(
    site: Annotated[list[str] | None, typer.Option("--site", help="Site id; repeatable.")] = None,
    year: Annotated[list[int] | None, typer.Option("--year", help="Year; repeatable.")] = None,
    jobs: Annotated[int, typer.Option("--jobs", "-j", help="Worker processes.")] = 0,
    root: RootOpt = None,
) -> None:
    """Execute the notebook templates for every (site, year) in params into book/."""
    try:
        ok = _run(_root(root), site, year, jobs or _default_jobs())
    except CCSInputError as exc:
        _fail(exc)
    except KeyboardInterrupt:
        typer.secho("interrupted: pages already built were left as they were", err=True)
        raise typer.Exit(code=130) from None
    if not ok:
        raise typer.Exit(code=1)


@app.command()
def build(
    out: Annotated[Path | None, typer.Option(help="Output folder for the HTML.")] = None,
    root: RootOpt = None,
) -> None:
    """Generate the table of contents from params and build the HTML book."""
    from ccs_methods.data.params import load_params
    from ccs_methods.pipeline.build import build_book

    try:
        r = _root(root)
        html = build_book(load_params(r / "params"), r, out_dir=out)
    except CCSInputError as exc:
        _fail(exc)
    typer.echo(f"book built: open {html / 'index.html'}")


@app.command("all")
def all_(
    jobs: Annotated[int, typer.Option("--jobs", "-j", help="Worker processes.")] = 0,
    out: Annotated[Path | None, typer.Option(help="Output folder for the HTML.")] = None,
    root: RootOpt = None,
) -> None:
    """Run every notebook, then build the book (stops before the build if a notebook failed)."""
    try:
        r = _root(root)
        ok = _run(r, None, None, jobs or _default_jobs())
    except CCSInputError as exc:
        _fail(exc)
    except KeyboardInterrupt:
        typer.secho("interrupted: pages already built were left as they were", err=True)
        raise typer.Exit(code=130) from None
    if not ok:
        typer.secho("not building: fix the failures above first", fg=typer.colors.RED, err=True)
        raise typer.Exit(code=1)
    build(out=out, root=r)


@app.command()
def validate(
    paths: Annotated[list[Path] | None, typer.Argument(help="Data files (default: all).")] = None,
    root: RootOpt = None,
) -> None:
    """Check params, templates and data files (default: the whole project).

    Without paths: params (programme, sites, analysis.yml), every notebook template (parameters
    cell, paired .ipynb in sync, no number typed into prose), then every data file.
    """
    from ccs_methods.data import datasets
    from ccs_methods.data.params import load_params
    from ccs_methods.pipeline import templates as tp

    try:
        r = _root(root)
        if not paths:
            # the whole project: params first, then every data source they choose
            params = load_params(r / "params")
            typer.echo(
                f"ok  {r / 'params'}  (programme, {len(params.sites)} site files, analysis.yml)"
            )
            for source in tp.template_paths(r / "notebooks"):
                tp.check_template(source)
                tp.check_pair(source)
                tp.check_digits(source)
                typer.echo(f"ok  {source}  (parameters cell, pair in sync, no typed numbers)")
            datasets.check_sources(params, root=r)
        checked = datasets.validate_paths(paths or None, root=r)
    except CCSInputError as exc:
        _fail(exc)
    for path, rows in checked:
        typer.echo(f"ok  {path}  ({rows} rows)")


@app.command()
def synth(
    seed: Annotated[int | None, typer.Option(help="Seed (default: params).")] = None,
    out: Annotated[Path | None, typer.Option(help="Output folder.")] = None,
    root: RootOpt = None,
) -> None:
    """Regenerate the synthetic record-level stand-ins (byte for byte for a given seed).

    Every site of params is covered: the pilots' stand-ins are calibrated to the reports; a
    site the reports never covered gets award rows from params/synthetic.yml.
    """
    from ccs_methods.data.params import load_programme
    from ccs_methods.data.synth import generate_all

    try:
        r = _root(root)
        s = seed if seed is not None else load_programme(r / "params").synthetic_seed
        if s < 0:
            raise CCSInputError(f"--seed must be a whole number >= 0, not {s}")
        target = out or r / "data" / "synthetic"
        try:
            target.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise CCSInputError(
                f"cannot create the output folder: {exc.strerror}", file=target
            ) from exc
        written = generate_all(seed=s, out_dir=target, params_dir=r / "params")
    except CCSInputError as exc:
        _fail(exc)
    for name, path in written.items():
        typer.echo(f"{name}: {path}")


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


#: JupyterLab settings that open MyST Markdown notebooks (``notebooks/*.md``) as notebooks
#: through jupytext instead of in the text editor.
LAB_DEFAULT_VIEWERS = {"markdown": "Jupytext Notebook", "myst": "Jupytext Notebook"}
_DOCMANAGER = "@jupyterlab/docmanager-extension:plugin"


def lab_settings_path(prefix: Path | None = None) -> Path:
    """Where JupyterLab reads settings overrides in the environment ``prefix``.

    Parameters
    ----------
    prefix
        The environment folder (default: ``sys.prefix``, i.e. the project's ``.venv``).

    Returns
    -------
    Path
        ``<prefix>/share/jupyter/lab/settings/overrides.json``.

    """
    base = Path(sys.prefix) if prefix is None else Path(prefix)
    return base / "share" / "jupyter" / "lab" / "settings" / "overrides.json"


def write_lab_settings(prefix: Path | None = None) -> Path:
    """Make JupyterLab in ``prefix`` open ``.md`` notebooks with the Jupytext Notebook viewer.

    Other settings already in the overrides file are kept; the file is rewritten only when the
    default viewers change.

    Parameters
    ----------
    prefix
        The environment folder (default: ``sys.prefix``).

    Returns
    -------
    Path
        The overrides file.

    Raises
    ------
    CCSInputError
        The existing overrides file is not valid JSON, or it cannot be written.

    """
    path = lab_settings_path(prefix)
    current: dict[str, Any] = {}
    if path.is_file():
        try:
            current = json.loads(path.read_text(encoding="utf-8") or "{}")
        except json.JSONDecodeError as exc:
            raise CCSInputError(
                f"not valid JSON ({exc.msg}, line {exc.lineno}); fix or delete the file",
                file=path,
            ) from exc
    plugin = dict(current.get(_DOCMANAGER, {}))
    viewers = {**plugin.get("defaultViewers", {}), **LAB_DEFAULT_VIEWERS}
    if plugin.get("defaultViewers") == viewers and path.is_file():
        return path
    plugin["defaultViewers"] = viewers
    current[_DOCMANAGER] = plugin
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(json.dumps(current, indent=2) + "\n", encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        raise CCSInputError(f"cannot write JupyterLab settings: {exc.strerror}", file=path) from exc
    return path


def lab_command(root: Path, extra: list[str] | None = None) -> list[str]:
    """The command that starts JupyterLab of this environment with its root at ``root``."""
    exe = Path(sys.executable).with_name("jupyter")
    return [str(exe), "lab", f"--ServerApp.root_dir={root}", *(extra or [])]


@app.command(
    context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
    help="Open JupyterLab in the project environment: notebooks/<name>.md templates open as"
    " notebooks (jupytext; saving writes the .md and its paired .ipynb) on this environment's"
    " kernel, with the project root as the lab's root. Other options (--port 8899,"
    " --no-browser, ...) are passed to jupyter lab.",
)
def lab(
    ctx: typer.Context,
    settings_only: Annotated[
        bool,
        typer.Option(
            "--settings-only", help="Only write the JupyterLab settings; do not start it."
        ),
    ] = False,
    root: RootOpt = None,
) -> None:
    """Open JupyterLab in the project environment, with the notebook templates as notebooks.

    ``notebooks/*.md`` open as notebooks (jupytext; saving writes the ``.md`` and its paired
    ``.ipynb``) on this environment's Python kernel, with the project root as the lab's root.
    Other options (``--port 8899``, ``--no-browser``, ...) are passed to ``jupyter lab``.
    """
    try:
        r = _root(root)
        settings = write_lab_settings()
    except CCSInputError as exc:
        _fail(exc)
    typer.echo(f"JupyterLab settings: {settings}", err=True)
    if settings_only:
        return
    cmd = lab_command(r, list(ctx.args))
    env = {**os.environ, "CCS_PROJECT_ROOT": str(r)}
    typer.echo("starting: " + " ".join(cmd), err=True)
    os.chdir(r)
    os.execve(cmd[0], cmd, env)  # pragma: no cover - replaces this process


def main() -> None:  # pragma: no cover - console entry point
    """Entry point for ``python -m ccs_methods.pipeline.cli``."""
    app()
    sys.exit(0)


if __name__ == "__main__":  # pragma: no cover
    main()
