"""Where the project lives on disk: the repository root and the data folder.

Nothing is read at import. The data folder is found, in this order:

1. the environment variable ``CCS_DATA_DIR`` (the folder that holds ``published/``, ``raw/``, ...);
2. ``<project root>/data``, where the project root is the first folder, walking up from the
   current working directory, that contains ``params/programme.yml`` or ``pyproject.toml``.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Mapping
from pathlib import Path

from ccs_methods.errors import CCSInputError

#: Environment variable that overrides the data folder.
DATA_DIR_ENV = "CCS_DATA_DIR"

#: Environment variable that names the project root when ``start`` is not given (e.g. a
#: notebook executed outside the project tree).
ROOT_ENV = "CCS_PROJECT_ROOT"

#: Files whose presence marks the project root (checked in this order at each level).
ROOT_MARKERS: tuple[str, ...] = ("params/programme.yml", "pyproject.toml")


def find_project_root(start: Path | None = None) -> Path:
    """Return the project root: the nearest folder at or above ``start`` holding a root marker.

    Parameters
    ----------
    start
        Folder (or file) to start from; defaults to ``$CCS_PROJECT_ROOT`` if set, else the
        current working directory.

    Returns
    -------
    Path
        Absolute path of the first folder, walking up, that contains ``params/programme.yml``
        or ``pyproject.toml``.

    Raises
    ------
    CCSInputError
        If no folder up to the filesystem root contains either marker.

    """
    env = os.environ.get(ROOT_ENV, "").strip()
    if start is None and env:
        return Path(env).expanduser().resolve()
    here = Path.cwd() if start is None else Path(start)
    here = here.resolve()
    if here.is_file():
        here = here.parent
    for folder in (here, *here.parents):
        if any((folder / marker).is_file() for marker in ROOT_MARKERS):
            return folder
    raise CCSInputError(
        f"no project root found at or above {here}: none of the folders contains "
        f"{' or '.join(ROOT_MARKERS)}; run from inside the project or set {DATA_DIR_ENV}",
        file=here,
    )


def data_dir() -> Path:
    """Return the data folder (``$CCS_DATA_DIR`` if set, else ``<project root>/data``).

    Returns
    -------
    Path
        The folder that holds ``published/`` and the other data subfolders.

    Raises
    ------
    CCSInputError
        If ``CCS_DATA_DIR`` is set but is not an existing folder, or no project root is found.

    """
    env = os.environ.get(DATA_DIR_ENV, "").strip()
    if env:
        path = Path(env).expanduser()
        if not path.is_dir():
            raise CCSInputError(
                f"{DATA_DIR_ENV} is set to {env!r}, which is not an existing folder; point it at "
                "the data folder (the one holding 'published/') or unset it",
                file=path,
            )
        return path.resolve()
    return find_project_root() / "data"


@contextlib.contextmanager
def environment(values: Mapping[str, str]) -> Iterator[None]:
    """Set the environment variables ``values`` inside the block and restore them after.

    A variable that was unset is unset again; the others get their old values back, so an
    in-process caller (a test, a notebook) is left as it was, whatever the block raises.
    """
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


@contextlib.contextmanager
def using_project_root(root: Path | str) -> Iterator[Path]:
    """Make ``root`` the project for code that finds it itself (``CCS_PROJECT_ROOT``).

    For commands given ``--root``: loaders, and the workers and kernels a run starts, then read
    that project's params and data, not those of the folder the command was started in. The
    variable is restored on exit, so an in-process caller (a test, a notebook) is left as it
    was.

    Yields
    ------
    Path
        ``root``, resolved.

    """
    resolved = Path(root).expanduser().resolve()
    with environment({ROOT_ENV: str(resolved)}):
        yield resolved
