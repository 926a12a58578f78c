"""The dependency log: every input a page reads while it executes, for incremental rebuilds.

While a page runs, three kinds of input are noted:

``file``
    A file under the project root opened for reading: params and settings files, published
    figures, templates' companions. A Python audit hook (:func:`install`) sees every ``open``,
    so nothing has to remember to note its reads. Code (``src/``), the run folder
    (``.ccs-run/``), built output and virtual environments are not noted: code is covered by
    the package's code hash, the rest are not inputs.
``rows``
    The rows of one site of a record-level dataset (``lwa_awards:norfolk``), as a digest of
    their values, with the files they came from. The loaders note these instead of the whole
    file (its open is not noted), so a page that selected Norfolk's rows does not depend on
    Oldham's.
``result``
    A computed result the page consumed from the results store (``trend.lwa.oldham``), as a
    digest of its value. What the provider read to compute it is the store's business, not
    the page's: a page is re-run only when a value it used changed.
``code``
    A module of the package the page imported (``ccs_methods.report.plots``), as the digest of
    its source file (the audit hook sees each import). A change to a module no page imports
    (the command line, the runner) re-runs nothing.

Notes go to the in-memory log of the process and, when the environment variable
:data:`DEPS_FILE_ENV` names a file, are appended to it as JSON lines (the runner sets it for
the kernel of each page and reads it back after execution). :func:`capture` collects the notes
of a block separately (the results store uses it to learn what a provider read), and
:func:`suppressed` keeps a block's reads out of the log.

This module uses the standard library only: it is imported by ``ccs_methods/__init__`` when
the environment variable is set, before anything else of the package.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sys
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, Literal

__all__ = [
    "DEPS_FILE_ENV",
    "DEPS_ROOT_ENV",
    "Kind",
    "capture",
    "code_digest",
    "entries",
    "file_digest",
    "install",
    "key_for",
    "module_digest",
    "module_file",
    "note",
    "note_file",
    "note_module",
    "note_result",
    "note_rows",
    "reset",
    "suppressed",
    "value_digest",
]

#: Environment variable: the file (JSON lines) the notes of this process are appended to.
DEPS_FILE_ENV = "CCS_DEPS_FILE"
#: Environment variable: the project root; only files under it are noted.
DEPS_ROOT_ENV = "CCS_DEPS_ROOT"

Kind = Literal["file", "rows", "result", "code"]

#: Folders (relative to the root, first component) whose files are never inputs of a page.
_NOT_INPUTS = frozenset(
    {".ccs-run", ".git", ".venv", "_build", "node_modules", "src", "benchmarks", "tests"}
)

_state = threading.local()
_LOG: list[dict[str, Any]] = []
_WRITTEN: set[tuple[str, str, str]] = set()
_HASHES: dict[tuple[str, int, int], str] = {}
_INSTALLED = {"on": False}


def _stack() -> list[list[dict[str, Any]]]:
    if not hasattr(_state, "stack"):
        _state.stack = []
        _state.quiet = 0
        _state.busy = False
    return _state.stack  # type: ignore[no-any-return]


def file_digest(path: Path | str) -> str:
    """The sha256 of a file's bytes, cached by path, size and modification time.

    ``missing`` if there is no such file.
    """
    p = Path(path)
    try:
        st = p.stat()
    except OSError:
        return "missing"
    key = (str(p.absolute()), st.st_size, st.st_mtime_ns)
    if key not in _HASHES:
        h = hashlib.sha256()
        busy = getattr(_state, "busy", False)
        _state.busy = True  # our own read is not a page's input
        try:
            with p.open("rb") as fh:
                for chunk in iter(lambda: fh.read(1 << 16), b""):
                    h.update(chunk)
        finally:
            _state.busy = busy
        _HASHES[key] = h.hexdigest()
    return _HASHES[key]


def value_digest(value: Any) -> str:
    """A sha256 of a JSON-ready value (keys sorted; numbers as JSON writes them)."""
    text = json.dumps(value, sort_keys=True, default=str, allow_nan=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _root() -> Path | None:
    override = getattr(_state, "root", None)
    if override is not None:
        return override  # type: ignore[no-any-return]
    text = os.environ.get(DEPS_ROOT_ENV, "").strip()
    return Path(text) if text else None


def key_for(path: Path | str) -> str:
    """A file's key in the log: its path relative to the project root (POSIX separators).

    The absolute path when the file lies outside the root or no root is known.
    """
    p = os.path.abspath(os.fspath(path))
    root = _root()
    if root is not None:
        r = os.path.abspath(os.fspath(root)).rstrip(os.sep) + os.sep
        if p.startswith(r):
            return p[len(r) :].replace(os.sep, "/")
    return p.replace(os.sep, "/")


_CODE: dict[str, str] = {}


def code_digest() -> str:
    """A sha256 over every module of the ``ccs_methods`` package (relative path and bytes)."""
    if "digest" not in _CODE:
        pkg = Path(__file__).resolve().parents[1]
        h = hashlib.sha256()
        for f in sorted(pkg.rglob("*.py")):
            h.update(f.relative_to(pkg).as_posix().encode("utf-8") + b"\0")
            h.update(f.read_bytes())
        _CODE["digest"] = h.hexdigest()
    return _CODE["digest"]


def _relative(path: Path | str) -> str | None:
    """The path relative to the project root, or None if it is not an input.

    Not an input: outside the root, or in a folder that holds no inputs.
    """
    root = _root()
    if root is None:
        return None
    p = os.path.abspath(os.fspath(path))
    r = os.path.abspath(os.fspath(root)).rstrip(os.sep)
    if not p.startswith(r + os.sep):
        return None
    rel = p[len(r) + 1 :]
    first = rel.split(os.sep, 1)[0]
    if first in _NOT_INPUTS or "__pycache__" in rel or rel.endswith((".pyc", ".ipynb")):
        return None
    return rel.replace(os.sep, "/")


def note(kind: Kind, key: str, digest: str, **extra: Any) -> None:
    """Enter one input in the log (and the deps file), unless the block is suppressed.

    Parameters
    ----------
    kind
        ``file``, ``rows`` or ``result``.
    key
        The file's path relative to the root, ``<dataset>:<site>``, or the result id.
    digest
        The input's content digest.
    **extra
        Further JSON-ready facts (``rows`` entries carry the ``files`` they came from).

    """
    _stack()
    if _state.quiet:
        return
    entry = {"kind": kind, "key": key, "digest": digest, **extra}
    if _state.stack:
        _state.stack[-1].append(entry)
        return
    _LOG.append(entry)
    target = os.environ.get(DEPS_FILE_ENV, "").strip()
    ident = (kind, key, digest + json.dumps(extra, sort_keys=True))
    if target and ident not in _WRITTEN:
        _WRITTEN.add(ident)
        busy = _state.busy
        _state.busy = True
        try:
            with open(target, "a", encoding="utf-8") as fh:
                fh.write(json.dumps(entry, sort_keys=True) + "\n")
        except OSError:
            pass  # the runner then finds no log and treats the page as always stale
        finally:
            _state.busy = busy


def note_file(path: Path | str) -> None:
    """Note a file read, if it lies under the project root and is an input."""
    rel = _relative(path)
    if rel is not None:
        note("file", rel, file_digest(path))


def note_rows(dataset: str, digests: Mapping[str, str], files: Mapping[str, str]) -> None:
    """Note the rows of each site in ``digests`` of a dataset, with the files they came from.

    Parameters
    ----------
    dataset
        Dataset name.
    digests
        Site id to the digest of its rows (see ``ccs_methods.data.datasets.site_digests``).
    files
        The files read (relative path to sha256).

    """
    for site, digest in sorted(digests.items()):
        note("rows", f"{dataset}:{site}", digest, files=dict(sorted(files.items())))


def note_result(result_id: str, value: Any) -> None:
    """Note that the page used computed result ``result_id`` with this value."""
    note("result", result_id, value_digest(value))


def entries() -> list[dict[str, Any]]:
    """The notes of this process so far (outside any :func:`capture`), in order."""
    return list(_LOG)


def reset() -> None:
    """Forget the notes of this process (e.g. between tests)."""
    _LOG.clear()
    _WRITTEN.clear()


@contextlib.contextmanager
def capture(root: Path | None = None) -> Iterator[list[dict[str, Any]]]:
    """Collect the notes of a block into a list of its own (not the process log).

    Parameters
    ----------
    root
        The project root for this block (files under it are noted); default: the root the
        process already has (:data:`DEPS_ROOT_ENV`). The audit hook is installed if needed.

    """
    install()
    stack = _stack()
    got: list[dict[str, Any]] = []
    stack.append(got)
    quiet, _state.quiet = _state.quiet, 0
    old_root = getattr(_state, "root", None)
    if root is not None:
        _state.root = Path(root).resolve()
    try:
        yield got
    finally:
        stack.pop()
        _state.quiet = quiet
        _state.root = old_root


@contextlib.contextmanager
def suppressed() -> Iterator[None]:
    """Keep the reads of a block out of the log (the caller notes what it hands on)."""
    _stack()
    _state.quiet += 1
    try:
        yield
    finally:
        _state.quiet -= 1


#: The package's own folder (``src/ccs_methods``): module names map to files under it.
_PACKAGE_DIR = Path(__file__).resolve().parents[1]


def module_file(name: str) -> Path | None:
    """The source file of a ``ccs_methods`` module, from its dotted name (None if none)."""
    parts = name.split(".")
    if parts[0] != "ccs_methods":
        return None
    base = _PACKAGE_DIR.joinpath(*parts[1:])
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def module_digest(name: str) -> str:
    """The sha256 of a ``ccs_methods`` module's source file, or ``missing``."""
    path = module_file(name)
    return file_digest(path) if path is not None else "missing"


def note_module(name: str) -> None:
    """Note that the page uses the package's module ``name`` (its code is an input)."""
    note("code", name, module_digest(name))


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if event == "import":
        name = str(args[0]) if args else ""
        if name.split(".", 1)[0] == "ccs_methods" and not getattr(_state, "quiet", 0):
            busy = getattr(_state, "busy", False)
            _state.busy = True
            try:
                note_module(name)
            except Exception:  # an audit hook must never break the import it watches
                pass
            finally:
                _state.busy = busy
        return
    if event != "open":
        return
    if getattr(_state, "busy", False) or getattr(_state, "quiet", 0):
        return
    path, mode, flags = (*tuple(args), None, None, None)[:3]
    if isinstance(path, int) or path is None:
        return
    if isinstance(mode, str):
        if any(ch in mode for ch in "wax+"):
            return
    elif isinstance(flags, int) and flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT):
        return
    _state.busy = True
    try:
        rel = _relative(path)
        if rel is not None and os.path.isfile(path):
            note("file", rel, file_digest(path))
    except Exception:  # an audit hook must never break the read it watches
        pass
    finally:
        _state.busy = False


def install() -> None:
    """Install the audit hook that notes file reads (once per process; it cannot be removed).

    The hook does nothing unless :data:`DEPS_ROOT_ENV` names the project root.
    """
    if not _INSTALLED["on"]:
        sys.addaudithook(_audit)
        _INSTALLED["on"] = True
        target = os.environ.get(DEPS_FILE_ENV, "").strip()
        if target:  # the file's existence tells the runner the log was on in this kernel
            with contextlib.suppress(OSError), open(target, "a", encoding="utf-8"):
                pass
            # imported before the hook could see them
            for name in ("ccs_methods", "ccs_methods.data", "ccs_methods.data.deps"):
                note_module(name)
