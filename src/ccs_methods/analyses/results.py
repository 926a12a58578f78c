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

import hashlib
import importlib
import inspect
import json
import math
import numbers
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from ccs_methods.data import datasets, deps
from ccs_methods.data.params import Params
from ccs_methods.errors import CCSInputError

__all__ = [
    "IDS_KEY",
    "PENDING_KEY",
    "PROVIDERS",
    "RESULT_DATASETS",
    "RESULT_PREFIXES",
    "STORE_DIR",
    "CollectedResults",
    "Problem",
    "TrackedResults",
    "collect_results",
    "datasets_for",
    "expected_provider",
    "result_digests",
    "store_entry",
    "stored_answer",
]

#: Modules asked for computed results, in order (the first to give an id keeps it).
PROVIDERS: tuple[str, ...] = (
    "ccs_methods.analyses.trends",
    "ccs_methods.analyses.networks",
    "ccs_methods.analyses.survey",
)

#: Version of the layout of the results store's entries (answer, inputs, reads).
_CACHE_FORMAT = 3

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


#: Key of the dependency note for the set of result ids (a page that listed them all).
IDS_KEY = "*ids*"


class TrackedResults(dict[str, dict[str, Any]]):
    """The collected results; each one a page reads is noted as its input (dependency log).

    Reading ``results[rid]`` or ``results.get(rid)`` notes that result's value; ``rid in
    results`` notes only whether it is present (``has:<rid>``); listing the ids notes the set of
    ids (:data:`IDS_KEY`); ``items()`` and ``values()`` note every value. A page is then re-run
    when, and only when, something it used changed.
    """

    def __getitem__(self, rid: str) -> dict[str, Any]:
        value = super().__getitem__(rid)
        deps.note_result(rid, value)
        return value

    def get(self, rid: str, default: Any = None) -> Any:  # type: ignore[override]
        """The result ``rid`` (noted), or ``default`` (its absence noted)."""
        if super().__contains__(rid):
            return self[rid]
        deps.note("result", f"has:{rid}", "absent")
        return default

    def __contains__(self, rid: object) -> bool:
        present = super().__contains__(rid)
        deps.note("result", f"has:{rid}", "present" if present else "absent")
        return present

    def _note_ids(self) -> None:
        deps.note("result", IDS_KEY, deps.value_digest(sorted(super().keys())))

    def __iter__(self) -> Iterator[str]:
        self._note_ids()
        return super().__iter__()

    def keys(self) -> Any:  # type: ignore[override]
        """The result ids (their set is noted)."""
        self._note_ids()
        return super().keys()

    def __len__(self) -> int:
        self._note_ids()
        return super().__len__()

    def items(self) -> Any:  # type: ignore[override]
        """Every (id, result) pair (every value is noted)."""
        self._note_all()
        return super().items()

    def values(self) -> Any:  # type: ignore[override]
        """Every result (every value is noted)."""
        self._note_all()
        return super().values()

    def _note_all(self) -> None:
        self._note_ids()
        for rid, value in super().items():
            deps.note_result(rid, value)


def result_digests(results: Mapping[str, Mapping[str, Any]]) -> dict[str, str]:
    """The current digest of every dependency note a page can make on ``results``.

    Parameters
    ----------
    results
        Result id to its values (as :func:`collect_results` gives them).

    Returns
    -------
    dict
        ``<rid>`` to its value digest, ``has:<rid>`` to ``present``, and :data:`IDS_KEY` to the
        digest of the sorted ids. A note on an id not listed compares with ``absent``.

    """
    plain = dict(dict.items(results)) if isinstance(results, dict) else dict(results.items())
    out = {rid: deps.value_digest(v) for rid, v in plain.items()}
    out.update({f"has:{rid}": "present" for rid in plain})
    out[IDS_KEY] = deps.value_digest(sorted(plain))
    return out


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


#: Folder of the results store, under the project root.
STORE_DIR = ".ccs-run/results"


def _store_inputs(params: Params, root: Path) -> list[dict[str, Any]]:
    """File notes for every params and published file: a provider's coarse inputs.

    A provider reads settings and published tables through loaders that cache per process, so
    a read made before the provider ran would escape the log; every params and published file
    is therefore an input of every stored answer.
    """
    files = sorted((root / "params").rglob("*.yml")) + sorted((root / "params").rglob("*.csv"))
    files += sorted((root / "data" / "published").glob("*.csv"))
    with deps.capture(root):
        return [
            {"kind": "file", "key": deps.key_for(f), "digest": deps.file_digest(f)} for f in files
        ]


def _unique(entries: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    seen: set[str] = set()
    out: list[dict[str, Any]] = []
    for e in entries:
        ident = json.dumps(e, sort_keys=True)
        if ident not in seen:
            seen.add(ident)
            out.append(dict(e))
    return out


def store_entry(params: Params, name: str) -> Path:
    """The results store's file for provider ``name``."""
    return Path(params.root).resolve().parent / STORE_DIR / f"{name}.json"


def stored_answer(params: Params, name: str, provider_code: str = "") -> dict[str, Any] | None:
    """The stored entry of a provider if every input it read is unchanged, else None.

    Parameters
    ----------
    params
        Current params.
    name
        Provider module name.
    provider_code
        The provider's source digest (part of the entry's identity).

    """
    from ccs_methods.data.freshness import Inputs, first_change

    path = store_entry(params, name)
    root = path.parents[2]
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(stored, dict) or stored.get("format") != _CACHE_FORMAT:
        return None
    if stored.get("code") != deps.code_digest() or stored.get("provider") != provider_code:
        return None
    try:
        if first_change(stored["deps"], Inputs(params, root), {}) is not None:
            return None
    except (KeyError, TypeError, CCSInputError):
        return None
    return stored


def _provider_code(fn: Any) -> str:
    try:  # the provider's own code counts too (it may live outside the package)
        return hashlib.sha256(inspect.getsource(inspect.getmodule(fn)).encode()).hexdigest()
    except (OSError, TypeError):
        return "unknown"


def _cached_call(name: str, fn: Any, params: Params) -> Any:
    """Call a provider through the results store: compute once per state of its inputs.

    The store (``.ccs-run/results/<provider>.json``) keeps the answer with every input the
    provider read, as noted by :mod:`ccs_methods.data.deps` (the rows of each site it used,
    every params and published file) and the package's code digest. The answer is reused while
    all of them are unchanged, by any page and by the runner, which fills the store before the
    pages run. The files the provider read are entered in the read log again on reuse, so "How
    this page was made" lists the same inputs either way; its params and published files are
    noted as inputs of the page too (the page would have read them itself).
    """
    root = Path(params.root).resolve().parent
    if not (root / "params").is_dir():
        return fn(params)
    code = _provider_code(fn)
    stored = stored_answer(params, name, code)
    if stored is not None:
        try:
            for read in stored["reads"]:  # the page read these inputs, through the store
                datasets.replay_read(datasets.DatasetRead(**read))
            _pass_on_files(stored["deps"])
            return stored["answer"]
        except (KeyError, TypeError):
            pass  # a damaged entry is recomputed
    before = len(datasets.read_log(unique=False))
    with deps.capture(root) as got:
        answer = fn(params)
    entries = _unique([*_store_inputs(params, root), *got])
    _pass_on_files(entries)
    reads = [r.to_dict() for r in datasets.read_log(unique=False)[before:]]
    if isinstance(answer, Mapping):
        _write_entry(
            store_entry(params, name),
            {
                "format": _CACHE_FORMAT,
                "code": deps.code_digest(),
                "provider": code,
                "deps": entries,
                "reads": reads,
                "answer": answer,
            },
        )
    return answer


def _pass_on_files(entries: Sequence[Mapping[str, Any]]) -> None:
    """Note a provider's file and module inputs as the page's own; its data rows stay the store's.

    The page would have read them itself, and they are now cached in its process.
    """
    for e in entries:
        if e.get("kind") in ("file", "code"):
            deps.note(e["kind"], str(e["key"]), str(e["digest"]))


def _write_entry(path: Path, stored: Mapping[str, Any]) -> None:
    """Write a store entry atomically (never a partial file; a failure only costs a recompute)."""
    import os
    import uuid

    tmp = path.with_suffix(f".{os.getpid()}-{uuid.uuid4().hex[:8]}.tmp")  # unique per writer
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(json.dumps(stored, allow_nan=False), encoding="utf-8")  # key order kept
        os.replace(tmp, path)
    except (OSError, TypeError, ValueError):
        tmp.unlink(missing_ok=True)


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
    ordered = TrackedResults(sorted(merged.items()))
    return CollectedResults(
        results=ordered,
        problems=problems,
        sources={rid: sources[rid] for rid in dict.keys(ordered)},
        modules=tuple(providers),
    )
