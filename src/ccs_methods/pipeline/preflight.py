"""Validate every input the pages read before any notebook runs, and report every problem.

``ccs-eval run``, ``ccs-eval all`` (``make book``) and ``ccs-eval validate`` call
:func:`validate_inputs` first. It checks, each independently so that one bad file does not hide
another:

- ``params/programme.yml``, every file in ``params/sites/`` (unlisted files and years that do
  not exist are errors) and ``params/analysis.yml``;
- the contribution register in ``params/contribution/`` (theory of change, evidence, rivals);
- the site and year asked for on the command line;
- every data file the pages read: the record-level file of each dataset from the source
  ``data_sources`` chooses (``synthetic`` or ``raw``) and every published table.

Any problem, of any kind, is returned as a :class:`~ccs_methods.errors.CCSInputError`; the
caller stops before executing a notebook, so nothing in ``book/`` changes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from ccs_methods.errors import CCSInputError, DataValidationError, InputProblemsError, ParamsError

__all__ = ["check_inputs", "data_files", "validate_inputs"]


def _attempt(problems: list[CCSInputError], what: Path, fn: Callable[[], Any]) -> Any:
    """Call ``fn``; record its input error (or an unexpected failure, named by file)."""
    try:
        return fn()
    except InputProblemsError as exc:
        problems.extend(exc.problems)
    except CCSInputError as exc:
        problems.append(exc)
    except (OSError, ValueError, OverflowError, KeyError, TypeError) as exc:
        # not a rule we know of, but still about this file: say so, without a traceback
        problems.append(
            DataValidationError(
                f"cannot be read or checked ({type(exc).__name__}: {exc})",
                file=what,
                rule="readable input",
            )
        )
    return None


def data_files(params: Any, root: Path) -> list[tuple[str, Path]]:
    """The data files the pages read: (dataset or table name, path), in a stable order.

    Parameters
    ----------
    params
        Loaded :class:`~ccs_methods.data.params.Params`.
    root
        Project root.

    Returns
    -------
    list of (str, Path)
        Each record-level dataset's file from its chosen source, then every published table.

    """
    from ccs_methods.data import records

    out: list[tuple[str, Path]] = []
    for name, spec in records.DATASETS.items():
        source = params.programme.data_sources.get(name, "synthetic")
        out.append((name, root / "data" / source / spec.file_name))
    out += [(p.stem, p) for p in sorted((root / "data" / "published").glob("*.csv"))]
    return out


def validate_inputs(
    root: Path,
    *,
    sites: Sequence[str] | None = None,
    years: Sequence[int] | None = None,
    on_ok: Callable[[str], None] | None = None,
) -> list[CCSInputError]:
    """Check every input of the selected pages; return all problems found (empty if none).

    Parameters
    ----------
    root
        Project root (holding ``params/`` and ``data/``).
    sites, years
        The pages asked for; unknown ones are problems too.
    on_ok
        Called with a one-line description of each input that passed (e.g. to print it).

    Returns
    -------
    list of CCSInputError
        Every problem, each naming file, row, column and rule where they apply.

    """
    from ccs_methods.data import datasets
    from ccs_methods.data.params import load_params, load_programme, load_site
    from ccs_methods.data.settings import load_settings
    from ccs_methods.methods.contribution import loaders as ca

    ok = on_ok or (lambda _msg: None)
    problems: list[CCSInputError] = []
    pdir = root / "params"
    programme = _attempt(problems, pdir / "programme.yml", lambda: load_programme(pdir))
    listed = set(programme.sites) if programme is not None else None
    for site_file in sorted((pdir / "sites").glob("*.y*ml")):
        if listed is not None and site_file.stem not in listed:
            problems.append(
                ParamsError(
                    f"site file {site_file.name} is not listed under 'sites' in programme.yml; "
                    "list the site there or remove the file",
                    file=site_file,
                    rule="listed site",
                )
            )
            continue
        _attempt(problems, site_file, lambda f=site_file: load_site(f))
    _attempt(problems, pdir / "analysis.yml", lambda: load_settings(pdir))
    n_before = len(problems)
    params = None
    if not problems:
        params = _attempt(problems, pdir, lambda: load_params(pdir))
    if params is not None:
        ok(f"{pdir}  (programme, {len(params.sites)} site files, analysis.yml)")
        known_years = [y.number for y in params.programme.years]
        for s in sites or []:
            if s not in params.sites:
                problems.append(
                    ParamsError(
                        f"unknown site {s!r} asked for; known sites: {', '.join(params.sites)}",
                        file=pdir / "programme.yml",
                        column="sites",
                        rule="known site",
                    )
                )
        for y in years or []:
            if y not in known_years:
                problems.append(
                    ParamsError(
                        f"programme year {y} asked for does not exist; defined years: "
                        f"{known_years}",
                        file=pdir / "programme.yml",
                        column="years",
                        rule="existing year",
                    )
                )
    # the contribution register, with the sites and years of params when they loaded
    site_ids = [*params.programme.sites, "programme"] if params else None
    year_ids = [y.number for y in params.programme.years] if params else None
    cdir = pdir / "contribution"
    kw_sites: dict[str, Any] = {"sites": site_ids} if site_ids else {}
    kw_ev: dict[str, Any] = {**kw_sites, **({"years": year_ids} if year_ids else {})}
    toc = _attempt(
        problems,
        cdir / "theory_of_change.yml",
        lambda: ca.load_theory_of_change(cdir / "theory_of_change.yml", **kw_sites),
    )
    if toc is not None:
        evidence = _attempt(
            problems,
            cdir / "evidence.csv",
            lambda: ca.load_evidence(cdir / "evidence.csv", toc, **kw_ev),
        )
        _attempt(
            problems,
            cdir / "rivals.yml",
            lambda: ca.load_rivals(cdir / "rivals.yml", toc, evidence),
        )
        if len(problems) == n_before:
            ok(f"{cdir}  (theory of change, evidence, rivals)")
    if params is None and programme is None:
        return problems
    if params is not None:
        before = len(problems)
        _attempt(
            problems, pdir / "programme.yml", lambda: datasets.check_sources(params, root=root)
        )
        if len(problems) == before:
            for _name, path in data_files(params, root):
                rows = _attempt(problems, path, lambda p=path: datasets.validate_one(p))
                if rows is not None:
                    ok(f"{path}  ({rows} rows)")
    return problems


def check_inputs(
    root: Path,
    *,
    sites: Sequence[str] | None = None,
    years: Sequence[int] | None = None,
    on_ok: Callable[[str], None] | None = None,
) -> None:
    """Like :func:`validate_inputs`, but raise every problem at once.

    Raises
    ------
    InputProblemsError
        One or more problems; its message lists each of them on its own line.

    """
    problems = validate_inputs(root, sites=sites, years=years, on_ok=on_ok)
    if problems:
        raise InputProblemsError(problems)
