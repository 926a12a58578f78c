"""Rebuild only what changed: each page's record of its inputs, and the decision to re-run it.

When the runner executes a page it stores, in the page's own metadata (``metadata.ccs.inputs``),
everything the page read (see :mod:`ccs_methods.data.deps`):

- the template and its digest, and the page's parameters;
- the digest of the environment (Python and key package versions);
- every file it opened under the project root (params, settings, published tables), the digest
  of each site's rows it was handed from a record-level dataset, the digest of each computed
  result it used from the results store, and the source digest of each module of the package
  it imported (and of the runner's modules that check and clean the page).

:func:`decide` compares that record with the project as it is now and says, for every planned
page, whether it must run and why (``ccs-eval run --explain``). A page with no record, or whose
record does not match, is *stale*; ``ccs-eval build`` refuses to publish a book with a stale page
(:func:`stale_pages`). The record lives in the page, so a page and its provenance cannot drift
apart, and two runs from the same inputs still give identical files.
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ccs_methods.data import deps
from ccs_methods.data.freshness import Inputs, first_change
from ccs_methods.data.params import Params

__all__ = [
    "FORMAT",
    "Decision",
    "decide",
    "environment_digest",
    "page_record",
    "read_notes",
    "read_record",
    "stale_pages",
]

#: Version of the page record's layout; a page made under another version is re-run.
FORMAT = 2

#: Modules that process a page after its kernel ran (checks, title, determinism).
POSTPROCESS_MODULES = ("ccs_methods.pipeline.runner", "ccs_methods.pipeline.templates")

#: Packages whose versions are part of the environment digest (a change re-runs every page).
ENV_PACKAGES = (
    "pandas", "numpy", "scipy", "statsmodels", "matplotlib", "seaborn", "networkx",
    "papermill", "nbformat", "ipykernel", "myst-nb", "pandera", "pydantic",
)


def environment_digest() -> str:
    """A digest of the Python version and the versions of :data:`ENV_PACKAGES`."""
    from importlib.metadata import PackageNotFoundError, version

    parts = [sys.version.split()[0]]
    for pkg in ENV_PACKAGES:
        try:
            parts.append(f"{pkg}=={version(pkg)}")
        except PackageNotFoundError:
            parts.append(f"{pkg}: none")
    return hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()


def read_notes(path: Path) -> list[dict[str, Any]] | None:
    """The notes a page's kernel wrote (JSON lines), without repeats, in a stable order.

    ``None`` when the file is missing or damaged: the page's inputs are then unknown.
    """
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
        notes = [json.loads(line) for line in lines if line.strip()]
    except (OSError, ValueError):
        return None
    unique = {json.dumps(n, sort_keys=True): n for n in notes}
    return [unique[k] for k in sorted(unique)]


def page_record(
    template: Path, parameters: Mapping[str, Any], root: Path, notes: Sequence[Mapping[str, Any]]
) -> dict[str, Any]:
    """The record of a page's inputs, stored in its metadata.

    Parameters
    ----------
    template
        The template the page was executed from.
    parameters
        The parameters papermill injected.
    root
        Project root.
    notes
        What the kernel read (:func:`read_notes`).

    """
    with deps.capture(root):
        key = deps.key_for(template)
    # the runner's own checks and clean-up shape the page too
    post = [
        {"kind": "code", "key": m, "digest": deps.module_digest(m)} for m in POSTPROCESS_MODULES
    ]
    seen = {(n.get("kind"), n.get("key")) for n in notes}
    return {
        "format": FORMAT,
        "template": {"path": key, "digest": deps.file_digest(template)},
        "parameters": dict(parameters),
        "environment": environment_digest(),
        "inputs": [dict(n) for n in notes]
        + [p for p in post if (p["kind"], p["key"]) not in seen],
    }


def read_record(page: Path) -> dict[str, Any] | None:
    """The input record stored in an executed page, or None (no page, or no record)."""
    try:
        nb = json.loads(page.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    rec = nb.get("metadata", {}).get("ccs", {}).get("inputs")
    return rec if isinstance(rec, dict) else None


@dataclass(frozen=True)
class Decision:
    """Whether a planned page runs, and why.

    Attributes
    ----------
    label
        The job's label.
    output
        The page.
    run
        True when the page must be (re-)executed.
    reason
        Why it runs (``rows of oldham in lwa_awards changed``), or why it is kept
        (``inputs unchanged``).

    """

    label: str
    output: str
    run: bool
    reason: str


class _Now:
    """The project now: the environment digest, inputs, result digests (on demand)."""

    def __init__(self, params: Params, root: Path, results: Mapping[str, str] | None) -> None:
        self.root = Path(root).resolve()
        self.inputs = Inputs(params, self.root)
        self.params = params
        self.environment = environment_digest()
        self._results = results

    def results(self) -> Mapping[str, str]:
        if self._results is None:
            from ccs_methods.analyses.results import collect_results, result_digests

            # fills the results store for whatever changed: computed once, here, for all pages
            collected = collect_results(self.params)
            self._results = result_digests(collected.results)
        return self._results


def _reason(
    job: Any, rec: Mapping[str, Any] | None, now: _Now, *, with_results: bool = True
) -> str | None:
    """Why ``job`` must run, or None if its page is current (or, without results, may be)."""
    if rec is None:
        return "no page yet" if not Path(job.output).is_file() else "page has no input record"
    if rec.get("format") != FORMAT:
        return "page made by another version of the runner"
    template = rec.get("template") or {}
    with deps.capture(now.root):
        key = deps.key_for(job.template)
    if template.get("path") != key:
        return f"made from another template ({template.get('path')})"
    if template.get("digest") != now.inputs.file(key):
        return f"template {key} changed"
    if rec.get("parameters") != dict(job.parameters):
        return "parameters changed"
    if rec.get("environment") != now.environment:
        return "environment changed (Python or package versions)"
    notes = list(rec.get("inputs") or [])
    plain = [n for n in notes if n.get("kind") != "result"]
    why = first_change(plain, now.inputs)
    if why:
        return why
    used = [n for n in notes if n.get("kind") == "result"]
    return first_change(used, now.inputs, now.results()) if used and with_results else None


def decide(
    jobs: Sequence[Any],
    params: Params,
    root: Path,
    *,
    force: bool = False,
    results: Mapping[str, str] | None = None,
    skip_results: bool = False,
) -> list[Decision]:
    """Decide, for each planned job, whether its page must run.

    Parameters
    ----------
    jobs
        Planned jobs (:class:`~ccs_methods.pipeline.runner.Job`).
    params
        Current params.
    root
        Project root.
    force
        Run every page (``--force``).
    results
        Current result digests (:func:`~ccs_methods.analyses.results.result_digests`); by
        default computed when first needed, which fills the results store.
    skip_results
        Judge every input except the shared results, which are then not computed: the pages
        marked to run are those that must run whatever the results say (the runner starts
        that many workers while it fills the results store).

    Returns
    -------
    list of Decision
        In job order.

    """
    now = None if force else _Now(params, root, results)
    out: list[Decision] = []
    for job in jobs:
        if now is None:
            out.append(Decision(job.label, str(job.output), True, "--force"))
            continue
        why = _reason(job, read_record(Path(job.output)), now, with_results=not skip_results)
        kept = "inputs other than the shared results unchanged" if skip_results else (
            "inputs unchanged"
        )
        out.append(Decision(job.label, str(job.output), why is not None, why or kept))
    return out


def stale_pages(jobs: Sequence[Any], params: Params, root: Path) -> list[Decision]:
    """The planned pages that are out of date with their inputs (for ``ccs-eval build``)."""
    return [d for d in decide(jobs, params, root) if d.run]
