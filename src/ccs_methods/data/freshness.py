"""Whether each input the dependency log noted is still what it was (incremental rebuilds).

The notes of :mod:`ccs_methods.data.deps` are checked against the project as it is now:

- a ``file`` note against the file's sha256;
- a ``rows`` note first against the files the rows came from (same files, same bytes: same
  rows, without loading anything); only when a file differs is the dataset loaded and the
  site's rows digested again, so a change to Oldham's rows leaves Norfolk's notes current;
- a ``result`` note against the current digest of that result, which the caller supplies
  (the results store lives in the analyses layer, above this one).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ccs_methods.data import deps
from ccs_methods.data.params import Params

__all__ = ["Inputs", "changed", "first_change"]


class Inputs:
    """The project's inputs as they are now, digested on demand and remembered.

    Parameters
    ----------
    params
        Current params (they choose each dataset's source files).
    root
        Project root the notes' paths are relative to.

    """

    def __init__(self, params: Params, root: Path) -> None:
        self.params = params
        self.root = Path(root).resolve()
        self._files: dict[str, str] = {}
        self._sources: dict[str, dict[str, str]] = {}
        self._rows: dict[str, dict[str, str]] = {}

    def file(self, key: str) -> str:
        """The sha256 of the file ``key`` (relative to the root) now, or ``missing``."""
        if key not in self._files:
            path = Path(key) if os.path.isabs(key) else self.root / key
            self._files[key] = deps.file_digest(path)
        return self._files[key]

    def _data_root(self) -> Path | None:
        from ccs_methods.data.paths import DATA_DIR_ENV

        return None if os.environ.get(DATA_DIR_ENV, "").strip() else self.root

    def source_files(self, dataset: str) -> dict[str, str]:
        """The files the dataset's rows come from now (key to sha256)."""
        if dataset not in self._sources:
            from ccs_methods.data.datasets import record_files

            with deps.capture(self.root):  # keys relative to the root
                files = record_files(self.params, dataset, root=self._data_root())
                self._sources[dataset] = {
                    deps.key_for(f): deps.file_digest(f) for f in files if f.is_file()
                }
        return self._sources[dataset]

    def rows(self, dataset: str, site: str) -> str:
        """The digest of one site's rows of a dataset now (``absent`` if it has none)."""
        if dataset not in self._rows:
            from ccs_methods.data.datasets import load_record

            with deps.capture(self.root):  # its reads are not anyone's input
                frame = load_record(self.params, dataset, root=self._data_root())
            self._rows[dataset] = dict(frame.attrs.get("ccs_rows", {}))
        return self._rows[dataset].get(site, "absent")


def changed(
    entry: Mapping[str, Any], inputs: Inputs, results: Mapping[str, str] | None = None
) -> str | None:
    """Why a noted input is no longer current, or None if it is.

    Parameters
    ----------
    entry
        One note (``kind``, ``key``, ``digest``; ``files`` for rows).
    inputs
        The project now.
    results
        Result id to its current value digest; ``None`` when results are not known (every
        result note then counts as changed).

    Returns
    -------
    str or None
        A short reason such as ``file params/analysis.yml changed``.

    """
    kind, key, digest = entry.get("kind"), str(entry.get("key")), entry.get("digest")
    if kind == "file":
        now = inputs.file(key)
        if now == digest:
            return None
        return f"file {key} " + ("is gone" if now == "missing" else "changed")
    if kind == "rows":
        dataset, _, site = key.partition(":")
        if inputs.source_files(dataset) == dict(entry.get("files") or {}):
            return None
        if inputs.rows(dataset, site) == digest:
            return None
        return f"rows of {site} in {dataset} changed"
    if kind == "code":
        now = deps.module_digest(key)
        if now == digest:
            return None
        return f"module {key} " + ("is gone" if now == "missing" else "changed")
    if kind == "result":
        if results is None:
            return f"result {key} not checked"
        if results.get(key, "absent") == digest:
            return None
        return f"result {key} changed"
    return f"unknown kind of input {kind!r}"


def first_change(
    entries: list[Mapping[str, Any]], inputs: Inputs, results: Mapping[str, str] | None = None
) -> str | None:
    """The first reason any of ``entries`` is no longer current, or None if all are."""
    for entry in entries:
        why = changed(entry, inputs, results)
        if why:
            return why
    return None
