"""Collect the book's computed results for the evidence register, from every analysis module.

The contribution analysis (``params/contribution/``) has evidence rows whose source is
``computed:<result_id>``; their direction and probabilities come from the analyses themselves
through the rules in ``theory_of_change.yml``. Each analysis module offers
``computed_results(params) -> dict[str, dict]``; :func:`collect_results` calls them all and
merges the answers. A module that is missing, raises, or returns something unusable is reported
in :attr:`CollectedResults.problems`, never silently dropped: the pages show the problems and
the rows they leave pending.

Providers (imported lazily, in this order):

========================================  =================================================
module                                    result ids
========================================  =================================================
``ccs_methods.analyses.trends``           ``its.ncan.level_change``, ``its.ncan.slope_change``,
                                          ``trend.lwa.<site>``
``ccs_methods.analyses.networks``         ``network.ncan.connections_ratio``,
                                          ``network.ncan.statutory_to_vcs_ratio``,
                                          ``network.ncan.vcs_to_nas_ratio``
``ccs_methods.analyses.survey``           ``survey.capability.new_services_diff``
========================================  =================================================

A result may carry a :data:`PENDING_KEY` entry (a sentence): the provider computed it but says
it must not yet be turned into evidence (for example because an input it rests on is an
assumption, not a published or extracted figure). The contribution register then keeps the row
pending with that reason, and shows the values for information.
"""

from __future__ import annotations

import importlib
import math
import numbers
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from ccs_methods.data import datasets
from ccs_methods.data.params import Params

__all__ = [
    "PENDING_KEY",
    "PROVIDERS",
    "RESULT_DATASETS",
    "RESULT_PREFIXES",
    "CollectedResults",
    "Problem",
    "collect_results",
    "datasets_for",
    "expected_provider",
]

#: Modules asked for computed results, in order (the first to give an id keeps it).
PROVIDERS: tuple[str, ...] = (
    "ccs_methods.analyses.trends",
    "ccs_methods.analyses.networks",
    "ccs_methods.analyses.survey",
)

#: Version of the layout of ``.ccs-run/cache`` files (answer plus the files it was read from).
_CACHE_FORMAT = 2

#: Key of a result that a provider computed but holds back from the evidence register: its value
#: is the reason, shown on the pages as why the row stays pending.
PENDING_KEY = "pending_reason"

#: Which provider is expected to give a result id, by the id's first component.
RESULT_PREFIXES: dict[str, str] = {
    "its": "ccs_methods.analyses.trends",
    "trend": "ccs_methods.analyses.trends",
    "network": "ccs_methods.analyses.networks",
    "survey": "ccs_methods.analyses.survey",
}


#: The record-level datasets behind a result id, by the id's leading components.
RESULT_DATASETS: dict[str, tuple[str, ...]] = {
    "its.ncan": ("referrals_ncan",),
    "network.ncan": ("referrals_ncan",),
    "its.thcan": ("referrals_thcan",),
    "network.thcan": ("referrals_thcan",),
    "trend.lwa": ("lwa_awards",),
    "survey": ("survey_local_systems",),
}


def datasets_for(result_id: str, result: Mapping[str, Any] | None = None) -> tuple[str, ...]:
    """The record-level datasets a result is computed from (to label synthetic data).

    Parameters
    ----------
    result_id
        A result id such as ``trend.lwa.oldham``.
    result
        The result itself; a ``dataset`` key in it, if present, is used as well.

    Returns
    -------
    tuple of str
        Dataset names (keys of ``records.DATASETS``), from the longest matching prefix in
        :data:`RESULT_DATASETS`; empty if unknown.

    """
    parts = str(result_id).split(".")
    found: tuple[str, ...] = ()
    for k in range(len(parts), 0, -1):
        key = ".".join(parts[:k])
        if key in RESULT_DATASETS:
            found = RESULT_DATASETS[key]
            break
    if result is not None and isinstance(result.get("dataset"), str):
        found = tuple(dict.fromkeys([*found, result["dataset"]]))
    return found


def expected_provider(result_id: str) -> str | None:
    """The provider module expected to give ``result_id`` (by its prefix), or None if unknown.

    Parameters
    ----------
    result_id
        A result id such as ``its.ncan.level_change``.

    Returns
    -------
    str or None
        A module name from :data:`RESULT_PREFIXES`.

    """
    return RESULT_PREFIXES.get(str(result_id).split(".", 1)[0])


@dataclass(frozen=True)
class Problem:
    """Why a provider (or one of its results) gave nothing usable.

    Attributes
    ----------
    module
        The provider module.
    kind
        ``missing`` (module not installed or not written yet), ``no_function`` (no
        ``computed_results``), ``error`` (importing or calling it raised), ``invalid`` (the
        answer, or one result in it, is not a mapping of result ids to mappings of named
        values) or ``duplicate`` (a result id another provider already gave).
    message
        What happened, in plain words (exception type and message for ``error``).
    result_id
        The result concerned, for ``invalid`` and ``duplicate`` problems about one result.

    """

    module: str
    kind: Literal["missing", "no_function", "error", "invalid", "duplicate"]
    message: str
    result_id: str | None = None

    def __str__(self) -> str:
        what = f"{self.module}" + (f" ({self.result_id})" if self.result_id else "")
        return f"{what}: {self.kind}: {self.message}"


@dataclass(frozen=True)
class CollectedResults:
    """Computed results from every provider, and the problems met while collecting them.

    Attributes
    ----------
    results
        Result id to a dict of named values, sorted by id.
    problems
        One :class:`Problem` per provider or result that gave nothing usable.
    sources
        Result id to the module that produced it.
    modules
        The providers asked, in order.

    """

    results: dict[str, dict[str, Any]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    sources: dict[str, str] = field(default_factory=dict)
    modules: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """True when every provider answered and every result was usable."""
        return not self.problems

    def problems_for(self, result_id: str) -> list[Problem]:
        """Problems that explain why ``result_id`` is missing or unusable.

        Parameters
        ----------
        result_id
            A result id.

        Returns
        -------
        list of Problem
            Problems about this result, and problems of the whole module expected to give it
            (see :func:`expected_provider`).

        """
        module = expected_provider(result_id)
        return [
            p
            for p in self.problems
            if p.result_id == result_id or (p.result_id is None and p.module == module)
        ]

    def describe(self) -> str:
        """A Markdown list of the providers, the result ids each gave, and every problem."""
        lines = []
        extra = [p.module for p in self.problems] + list(self.sources.values())
        for m in dict.fromkeys([*self.modules, *extra]):
            ids = [rid for rid, src in self.sources.items() if src == m]
            probs = [p for p in self.problems if p.module == m]
            got = ", ".join(f"`{i}`" for i in ids) if ids else "no results"
            line = f"- `{m}`: {got}"
            if probs:
                line += "; " + "; ".join(
                    f"**{p.kind}**"
                    + (f" `{p.result_id}`" if p.result_id else "")
                    + f": {p.message}"
                    for p in probs
                )
            lines.append(line)
        return "\n".join(lines) + "\n" if lines else "No providers were asked.\n"


def _clean_value(v: Any) -> Any:
    """Numpy scalars to Python numbers, so results are plain JSON-serialisable data."""
    if isinstance(v, bool | str) or v is None:
        return v
    if isinstance(v, numbers.Integral):
        return int(v)
    if isinstance(v, numbers.Real):
        return float(v)
    return v


def _check_result(rid: Any, res: Any) -> str | None:
    if not isinstance(rid, str) or not rid:
        return f"result id {rid!r} is not a non-empty string"
    if not isinstance(res, Mapping):
        return f"result is a {type(res).__name__}, not a mapping of named values"
    for k, v in res.items():
        if not isinstance(k, str):
            return f"key {k!r} is not a string"
        if isinstance(v, numbers.Real) and not isinstance(v, bool) and not math.isfinite(v):
            return f"{k!r} is {v}, not a finite number"
    return None


def inputs_fingerprint(params: Params) -> str | None:
    """A sha256 over every input a provider can read and the package's own code.

    The inputs are those listed by :func:`~ccs_methods.data.inputs.input_files` (params,
    templates,
    published data and the record-level files of the chosen source); the code is every module
    of ``ccs_methods``. ``None`` when the project root cannot be found.
    """
    import hashlib
    from pathlib import Path

    from ccs_methods.data.inputs import input_files

    root = Path(params.root).resolve().parent
    if not (root / "params").is_dir():
        return None
    h = hashlib.sha256()
    code = sorted(Path(__file__).resolve().parents[1].rglob("*.py"))
    for f in [*input_files(params, root), *code]:
        h.update(f.name.encode("utf-8"))
        h.update(f.read_bytes())
    return h.hexdigest()


def _cached_call(name: str, fn: Any, params: Params) -> Any:
    """Call a provider, reusing its answer from ``.ccs-run/cache`` for the same inputs and code.

    Pages of one run ask for the same results many times, each in its own kernel; the cache
    makes the first page compute them and the others read them. Any change to an input file,
    a params file or the package's code changes the key, so a stale answer is never used. The
    files the provider read are stored with the answer and entered in the read log again on
    a cache hit, so "How this page was made" lists the same inputs either way.
    """
    import hashlib
    import inspect
    import json
    import os
    from pathlib import Path

    key = inputs_fingerprint(params)
    if key is None:
        return fn(params)
    try:  # the provider's own code is part of the key too (it may live outside the package)
        key = hashlib.sha256((key + inspect.getsource(inspect.getmodule(fn))).encode()).hexdigest()
    except (OSError, TypeError):
        return fn(params)
    folder = Path(params.root).resolve().parent / ".ccs-run" / "cache"
    path = folder / f"{name}-{key[:32]}.json"
    if path.is_file():
        try:
            stored = json.loads(path.read_text(encoding="utf-8"))
            if stored.get("format") == _CACHE_FORMAT:
                for read in stored["reads"]:  # the page read these inputs, through the cache
                    datasets.replay_read(datasets.DatasetRead(**read))
                return stored["answer"]
        except (OSError, ValueError, TypeError, KeyError, AttributeError):
            pass  # a damaged or older cache file is recomputed
    before = len(datasets.read_log(unique=False))
    answer = fn(params)
    reads = [r.to_dict() for r in datasets.read_log(unique=False)[before:]]
    if isinstance(answer, Mapping):
        import uuid

        tmp = path.with_suffix(f".{os.getpid()}-{uuid.uuid4().hex[:8]}.tmp")  # unique per writer
        try:
            folder.mkdir(parents=True, exist_ok=True)
            stored = {"format": _CACHE_FORMAT, "answer": answer, "reads": reads}
            tmp.write_text(json.dumps(stored, allow_nan=False), encoding="utf-8")  # key order kept
            os.replace(tmp, path)
        except (OSError, TypeError, ValueError):
            tmp.unlink(missing_ok=True)  # never leave a partial (e.g. zero-byte, disk full) file
    return answer


def collect_results(
    params: Params, providers: Sequence[str] = PROVIDERS, *, cache: bool = True
) -> CollectedResults:
    """Ask every provider module for its computed results and merge them.

    Parameters
    ----------
    params
        Project parameters, passed to each provider's ``computed_results``.
    providers
        Module names to ask, in order (default :data:`PROVIDERS`). Each is imported lazily.
    cache
        Reuse answers stored in ``.ccs-run/cache`` for identical inputs and code (see
        :func:`_cached_call`); ``False`` always recomputes.

    Returns
    -------
    CollectedResults
        ``results`` sorted by id, ``sources`` (id to module), and ``problems``: a missing
        module, a module without ``computed_results``, an answer that is not a mapping, a
        malformed result (skipped, the others kept), or an id given by two providers (the first
        provider keeps it). Nothing is silently dropped.

    Raises
    ------
    Exception
        Whatever a provider's import (other than the module itself being absent) or its
        ``computed_results`` raises, e.g. a :class:`~ccs_methods.errors.CCSInputError` naming
        the bad data file: the page fails rather than showing the error.

    """
    merged: dict[str, dict[str, Any]] = {}
    sources: dict[str, str] = {}
    problems: list[Problem] = []
    for name in providers:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                problems.append(
                    Problem(name, "missing", "module not found, so its results are pending")
                )
                continue
            raise  # a provider that cannot be imported fails the page (never a degraded page)
        fn = getattr(module, "computed_results", None)
        if not callable(fn):
            problems.append(Problem(name, "no_function", "has no computed_results(params)"))
            continue
        # an error in a provider (bad data, a bug) propagates: the page that quotes its results
        # fails and the previous good page is kept; a page never shows the error text instead
        answer = _cached_call(name, fn, params) if cache else fn(params)
        if not isinstance(answer, Mapping):
            problems.append(
                Problem(
                    name,
                    "invalid",
                    f"computed_results returned a {type(answer).__name__}, not a dict of results",
                )
            )
            continue
        for rid in sorted(answer, key=str):
            res = answer[rid]
            bad = _check_result(rid, res)
            if bad:
                problems.append(Problem(name, "invalid", bad, str(rid)))
                continue
            if rid in merged:
                problems.append(
                    Problem(
                        name, "duplicate", f"also given by {sources[rid]}; that one is kept", rid
                    )
                )
                continue
            merged[rid] = {k: _clean_value(v) for k, v in res.items()}
            sources[rid] = name
    ordered = dict(sorted(merged.items()))
    return CollectedResults(
        results=ordered,
        problems=problems,
        sources={rid: sources[rid] for rid in ordered},
        modules=tuple(providers),
    )
