"""The ``ccs-eval`` command line: run the notebooks, build the book, validate data, run methods.

Every error a user can cause ends with one message naming the file (and row, column and rule
where they apply) and exit status 2; ``run``, ``all`` and ``validate`` check every input first
and list every problem at once, before any notebook runs. A failed notebook run exits with
status 1 after a summary (planned, finished, failed, not started); an interrupted run (Ctrl-C,
SIGTERM, SIGHUP) with 130; an internal error (a bug) with 3 and one short message, the
traceback only with ``--debug``.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import click
import typer

from ccs_methods.data.paths import using_project_root
from ccs_methods.errors import CCSInputError
from ccs_methods.pipeline.stats_cli import stats_app

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Reproducible evaluation book of the Coordinated Community Support programme.",
)
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


_DEBUG = {"on": bool(os.environ.get("CCS_DEBUG"))}


@app.callback()
def _options(
    debug: Annotated[
        bool, typer.Option("--debug", help="Show the traceback of an internal error.")
    ] = False,
) -> None:
    """Reproducible evaluation book of the Coordinated Community Support programme."""
    _DEBUG["on"] = debug or _DEBUG["on"]


def _fail(exc: CCSInputError) -> None:
    typer.secho(f"error: {exc}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code=2)


def _internal(exc: BaseException) -> None:
    """An internal error: one short message; the traceback only with ``--debug``."""
    if _DEBUG["on"]:
        import traceback

        traceback.print_exception(exc, file=sys.stderr)
    typer.secho(
        f"internal error: {type(exc).__name__}: {exc}\n(a bug, not your input: rerun with "
        "--debug for the traceback and report it; nothing already built was replaced)",
        fg=typer.colors.RED,
        err=True,
    )
    raise typer.Exit(code=3)


def _default_jobs() -> int:
    return max(1, os.cpu_count() or 1)


def _check_jobs(jobs: int, force: bool) -> int:
    """``--jobs``: 0 means the default; otherwise 1 to cores x 2 unless ``--force-jobs``."""
    if jobs == 0:
        return _default_jobs()
    top = (os.cpu_count() or 1) * 2
    if jobs < 1 or (jobs > top and not force):
        raise CCSInputError(
            f"--jobs must be a whole number from 1 to {top} (twice this machine's "
            f"{os.cpu_count() or 1} cores), not {jobs}; --force-jobs allows more",
            rule="jobs in range",
        )
    return jobs


class _Stop(KeyboardInterrupt):
    """A stop signal (SIGTERM, SIGHUP) turned into the same clean stop as Ctrl-C."""


def _on_signal(signum: int, _frame: object) -> None:
    raise _Stop(signal.Signals(signum).name)


@contextlib.contextmanager
def _stop_handlers() -> Iterator[None]:
    """Stop signals raise a clean interrupt while the block runs; old handlers restored after.

    Ctrl-C (SIGINT) must stop a run cleanly even when the parent process ignores SIGINT (a
    shell's background job, some CI runners): Python would inherit the ignore otherwise.
    SIGTERM (CI timeouts, kill) and SIGHUP (terminal closed) stop the run the same way.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    saved = {
        sig: signal.signal(sig, handler)
        for sig, handler in (
            (signal.SIGINT, signal.default_int_handler),
            (signal.SIGTERM, _on_signal),
            (signal.SIGHUP, _on_signal),
        )
    }
    try:
        yield
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler)


@dataclass(frozen=True)
class RunOptions:
    """How ``run`` and ``all`` execute the pages."""

    jobs: int
    force: bool = False
    explain: bool = False
    quiet: bool = False
    executor: str = "local"
    scheduler: str | None = None


def _run(
    root: Path, sites: list[str] | None, years: list[int] | None, opts: RunOptions
) -> bool:
    from ccs_methods.data.paths import environment
    from ccs_methods.data.records.validation import CACHE_ENV

    # The validated datasets are kept (compact) for the run: workers and kernels inherit the
    # variable and read them instead of validating each file again (memory and time). The
    # cache belongs to this run only (restored after, which matters when called in-process).
    cache = {CACHE_ENV: str(root / ".ccs-run" / "cache" / "records")}
    with _stop_handlers(), using_project_root(root), environment(cache):
        return _run_inner(root, sites, years, opts)


def _run_inner(
    root: Path, sites: list[str] | None, years: list[int] | None, opts: RunOptions
) -> bool:
    from ccs_methods.data.params import load_params
    from ccs_methods.pipeline.incremental import decide
    from ccs_methods.pipeline.preflight import check_inputs
    from ccs_methods.pipeline.progress import Progress
    from ccs_methods.pipeline.runner import Workers, plan_jobs, run_jobs, run_jobs_dask, run_lock

    start = time.perf_counter()
    with contextlib.ExitStack() as stack:
        # every input the pages read is checked first; any problem stops before a notebook runs
        check_inputs(root, sites=sites or None, years=years or None)
        params = load_params(root / "params")
        planned = plan_jobs(params, root, sites=sites or None, years=years or None)
        stack.enter_context(run_lock(root))
        pool = None
        if opts.executor != "dask":
            # the pages that must run whatever the shared results say: their workers start now,
            # importing while the results store fills (one core), instead of after it
            certain = decide(planned, params, root, force=opts.force, skip_results=True)
            pool = stack.enter_context(
                Workers(root, opts.jobs, start=sum(d.run for d in certain))
            )
        # which pages must run: those whose recorded inputs changed (this fills the results
        # store for what changed, once, before any page runs)
        t0 = time.perf_counter()
        digests = _fill_results_store(params)
        typer.echo(f"shared results ready in {time.perf_counter() - t0:.1f} s")
        decisions = decide(planned, params, root, force=opts.force, results=digests)
        if opts.explain:
            for d in decisions:
                typer.echo(f"  {'run ' if d.run else 'keep'}  {d.label}: {d.reason}")
        todo = [job for job, d in zip(planned, decisions, strict=True) if d.run]
        kept = len(planned) - len(todo)
        typer.echo(
            f"executing {len(todo)} of {len(planned)} notebooks ({kept} kept: inputs "
            f"unchanged) with {opts.jobs} worker(s)"
            + (f" on Dask ({opts.scheduler or 'local cluster'})" if opts.executor == "dask" else "")
        )
        progress = Progress(
            len(todo), kept, opts.jobs, lambda line: typer.echo(line, err=True), quiet=opts.quiet
        )
        if pool is None:
            summary = run_jobs_dask(
                todo, root, scheduler=opts.scheduler, workers=opts.jobs, on_done=progress
            )
        else:
            summary = run_jobs(todo, root, on_done=progress, pool=pool)
    if todo:
        typer.echo(summary.describe())
    else:
        typer.echo(f"nothing to execute: all {len(planned)} pages are up to date")
    typer.echo(f"wall time {time.perf_counter() - start:.1f} s")
    if summary.interrupted:
        raise KeyboardInterrupt
    return summary.ok


def _fill_results_store(params: Any) -> dict[str, str]:
    """Compute the shared results whose inputs changed, once, before the pages read them.

    Returns the digest of every result (for the rebuild decisions).
    """
    import warnings

    from ccs_methods.analyses.results import collect_results, result_digests

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return result_digests(collect_results(params).results)


JobsOpt = Annotated[
    int, typer.Option("--jobs", "-j", help="Worker processes (default: one per core).")
]
ForceJobsOpt = Annotated[
    bool, typer.Option("--force-jobs", help="Allow more than twice the cores in --jobs.")
]


ForceOpt = Annotated[
    bool, typer.Option("--force", help="Execute every page, even those whose inputs are unchanged.")
]
QuietOpt = Annotated[
    bool | None,
    typer.Option(
        "--quiet/--progress",
        help="Print only failures and the summary (default: quiet when CI is set).",
    ),
]
ExecutorOpt = Annotated[
    str,
    typer.Option(
        "--executor",
        help="Where pages execute: local worker processes, or a Dask cluster ('dask').",
    ),
]
SchedulerOpt = Annotated[
    str | None,
    typer.Option(
        "--scheduler",
        help="Dask scheduler address (tcp://host:8786); default: a local cluster.",
    ),
]


def _options_for(
    jobs: int, force_jobs: bool, force: bool, explain: bool, quiet: bool | None,
    executor: str, scheduler: str | None,
) -> RunOptions:
    from ccs_methods.pipeline.progress import quiet_by_default

    if executor not in ("local", "dask"):
        raise CCSInputError(
            f"--executor must be 'local' or 'dask', not {executor!r}", rule="known executor"
        )
    if scheduler is not None and executor != "dask":
        raise CCSInputError("--scheduler needs --executor dask", rule="known executor")
    return RunOptions(
        jobs=_check_jobs(jobs, force_jobs),
        force=force,
        explain=explain,
        quiet=quiet_by_default() if quiet is None else quiet,
        executor=executor,
        scheduler=scheduler,
    )


@app.command()
def run(
    site: Annotated[list[str] | None, typer.Option("--site", help="Site id; repeatable.")] = None,
    year: Annotated[list[int] | None, typer.Option("--year", help="Year; repeatable.")] = None,
    jobs: JobsOpt = 0,
    force_jobs: ForceJobsOpt = False,
    force: ForceOpt = False,
    explain: Annotated[
        bool, typer.Option("--explain", help="Say why each page runs or is kept.")
    ] = False,
    quiet: QuietOpt = None,
    executor: ExecutorOpt = "local",
    scheduler: SchedulerOpt = None,
    root: RootOpt = None,
) -> None:
    """Validate every input, then execute the pages whose inputs changed into book/."""
    try:
        opts = _options_for(jobs, force_jobs, force, explain, quiet, executor, scheduler)
        ok = _run(_root(root), site, year, opts)
    except CCSInputError as exc:
        _fail(exc)
    except KeyboardInterrupt as exc:
        how = f" by {exc}" if isinstance(exc, _Stop) else ""
        typer.secho(f"interrupted{how}: pages already built were left as they were", err=True)
        raise typer.Exit(code=130) from None
    except Exception as exc:
        _internal(exc)
    if not ok:
        raise typer.Exit(code=1)


@app.command()
def build(
    out: Annotated[Path | None, typer.Option(help="Output folder for the HTML.")] = None,
    allow_stale: Annotated[
        bool,
        typer.Option(
            "--allow-stale",
            help="Build even if a page is out of date with its inputs (the book then says so).",
        ),
    ] = False,
    force: Annotated[
        bool,
        typer.Option("--force", help="Rebuild the HTML even if no page or setting changed."),
    ] = False,
    root: RootOpt = None,
) -> None:
    """Generate the table of contents from params and build the HTML book.

    Refuses (exit 2) when any page is out of date with its inputs or was made from a template
    that no longer matches, unless --allow-stale.
    """
    from ccs_methods.data.params import load_params
    from ccs_methods.pipeline.build import _check_writable, build_book

    try:
        r = _root(root)
        final = (out if out is not None else r / "_build" / "html").absolute()
        _check_writable(r / "book", "the generated pages into book/")  # the plain faults first
        _check_writable(final.parent, f"the book into {final}")
        params = load_params(r / "params")
        with _stop_handlers(), using_project_root(r):  # a stop during the check is a clean stop too
            stale = _stale(params, r)
        if stale and not allow_stale:
            shown = "\n".join(f"  {d.label} ({d.output}): {d.reason}" for d in stale[:20])
            more = f"\n  ... and {len(stale) - 20} more" if len(stale) > 20 else ""
            raise CCSInputError(
                f"{len(stale)} page(s) are out of date with their inputs:\n{shown}{more}\n"
                "run `ccs-eval run` (or `make book`) to bring them up to date, or build "
                "anyway with --allow-stale (the reproducibility page then lists them)",
                file=r / "book",
                rule="no stale pages",
            )
        with _stop_handlers():
            html = build_book(params, r, out_dir=out, stale=stale, force=force)
    except CCSInputError as exc:
        _fail(exc)
    except KeyboardInterrupt as exc:
        how = f" by {exc}" if isinstance(exc, _Stop) else ""
        typer.secho(f"build interrupted{how}: the previous book was left as it was", err=True)
        raise typer.Exit(code=130) from None
    except Exception as exc:
        _internal(exc)
    typer.echo(f"book built: open {html / 'index.html'}")


def _stale(params: Any, root: Path) -> list[Any]:
    """The planned pages out of date with their inputs."""
    import warnings

    from ccs_methods.pipeline.incremental import stale_pages
    from ccs_methods.pipeline.runner import plan_jobs

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return stale_pages(plan_jobs(params, root), params, root)


@app.command("all")
def all_(
    jobs: JobsOpt = 0,
    force_jobs: ForceJobsOpt = False,
    force: ForceOpt = False,
    quiet: QuietOpt = None,
    executor: ExecutorOpt = "local",
    scheduler: SchedulerOpt = None,
    out: Annotated[Path | None, typer.Option(help="Output folder for the HTML.")] = None,
    root: RootOpt = None,
) -> None:
    """Validate every input, run the pages whose inputs changed, then build the book."""
    try:
        r = _root(root)
        from ccs_methods.pipeline.build import _check_writable, ensure_vendor

        opts = _options_for(jobs, force_jobs, force, False, quiet, executor, scheduler)
        # what the build needs is checked before the notebooks run, not after
        final = (out if out is not None else r / "_build" / "html").absolute()
        _check_writable(final.parent, f"the book into {final}")
        _check_writable(r / "book", "the generated pages into book/")
        ensure_vendor(r)
        ok = _run(r, None, None, opts)
    except CCSInputError as exc:
        _fail(exc)
    except KeyboardInterrupt as exc:
        how = f" by {exc}" if isinstance(exc, _Stop) else ""
        typer.secho(f"interrupted{how}: pages already built were left as they were", err=True)
        raise typer.Exit(code=130) from None
    except Exception as exc:
        _internal(exc)
    if not ok:
        typer.secho("not building: fix the failures above first", fg=typer.colors.RED, err=True)
        raise typer.Exit(code=1)
    build(out=out, allow_stale=False, force=False, root=r)


def _validate(r: Path, paths: list[Path] | None) -> list[tuple[Path, int]]:
    """The checks of ``validate``: the whole project (printing each ok), or the given files.

    Returns the files checked with their row counts; raises one error listing every problem.
    """
    from ccs_methods.data import datasets
    from ccs_methods.errors import InputProblemsError
    from ccs_methods.pipeline import templates as tp
    from ccs_methods.pipeline.preflight import validate_inputs

    if not paths:
        # the whole project: params (with params/contribution), templates, every data file
        problems = validate_inputs(r, on_ok=lambda msg: typer.echo(f"ok  {msg}"))
        for source in tp.template_paths(r / "notebooks"):
            try:
                tp.check_template(source)
                tp.check_pair(source)
                tp.check_digits(source)
            except CCSInputError as exc:
                problems.append(exc)
                continue
            typer.echo(f"ok  {source}  (parameters cell, pair in sync, no typed numbers)")
        if problems:
            raise InputProblemsError(problems)
        return []
    checked: list[tuple[Path, int]] = []
    problems = []
    for path in paths:
        try:
            checked += datasets.validate_paths([path], root=r)
        except CCSInputError as exc:
            problems.append(exc)
        except (OSError, ValueError, OverflowError) as exc:
            problems.append(CCSInputError(f"cannot be read or checked ({exc})", file=path))
    if problems:
        raise InputProblemsError(problems)
    return checked


@app.command()
def validate(
    paths: Annotated[list[Path] | None, typer.Argument(help="Data files (default: all).")] = None,
    root: RootOpt = None,
) -> None:
    """Check params, templates and data files (default: the whole project).

    Without paths: params (programme, sites, analysis.yml), every notebook template (parameters
    cell, paired .ipynb in sync, no number typed into prose), then every data file.
    """
    try:
        r = _root(root)
        with using_project_root(r):  # every check reads this project's params, nothing else
            checked = _validate(r, paths)
    except CCSInputError as exc:
        _fail(exc)
    except Exception as exc:
        _internal(exc)
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
        with using_project_root(r):  # the stand-ins are calibrated to this project's data
            written = generate_all(seed=s, out_dir=target, params_dir=r / "params")
    except CCSInputError as exc:
        _fail(exc)
    for name, path in written.items():
        typer.echo(f"{name}: {path}")


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


def _click_classes(name: str) -> tuple[type[BaseException], ...]:
    """Click's exception class ``name``, from click and from the copy typer vendors.

    Typer 0.29 raises its own ``typer._click`` classes, which are not click's.
    """
    found: list[type[BaseException]] = [getattr(click.exceptions, name)]
    vendored = getattr(getattr(typer, "_click", None), "exceptions", None)
    if vendored is not None and hasattr(vendored, name):
        found.append(getattr(vendored, name))
    return tuple(dict.fromkeys(found))


_CLICK_ABORT = _click_classes("Abort")
_CLICK_ERRORS = _click_classes("ClickException")


def main() -> None:  # pragma: no cover - console entry point
    """Entry point for ``ccs-eval`` and ``python -m ccs_methods.pipeline.cli``.

    An error no command caught is an internal error: one short message and exit status 3;
    the traceback only with ``--debug`` (or ``CCS_DEBUG=1``).
    """
    if "--debug" in sys.argv[1:2]:
        _DEBUG["on"] = True
    try:
        code = app(standalone_mode=False)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except _CLICK_ABORT:
        typer.secho("interrupted", err=True)
        sys.exit(130)
    except _CLICK_ERRORS as exc:  # usage errors: click's own message, status 2
        exc.show()  # type: ignore[attr-defined]
        sys.exit(exc.exit_code)  # type: ignore[attr-defined]
    except KeyboardInterrupt:
        typer.secho("interrupted", err=True)
        sys.exit(130)
    except Exception as exc:
        try:
            _internal(exc)
        except typer.Exit as stop:
            sys.exit(stop.exit_code)
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":  # pragma: no cover
    main()
