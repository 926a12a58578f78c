"""What validation of a record file takes from ``params/``: sites, schemes, networks, windows.

Nothing about sites or dates is written in the record specs: the allowed sites and their LWA
schemes come from ``params/programme.yml`` and ``params/sites/*.yml``; the network and site of
a referral dataset from the site file that names it as its ``referral_dataset``; the date
window of each dataset from ``params/datasets.yml``, resolved against the programme years.
A missing or broken params file raises :class:`~ccs_methods.errors.ParamsError` (never a
silent fall-back to the pilot sites).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from ccs_methods.data.params import Params, load_params
from ccs_methods.data.yamlfile import read_yaml
from ccs_methods.errors import ParamsError

#: The file of ``params/`` that holds the date windows of the record-level datasets.
WINDOWS_FILE = "datasets.yml"

#: Words ``start`` may take instead of a date (see ``params/datasets.yml``).
START_WORDS = ("referral_system_launch", "ccs_start")
#: Words ``end`` may take (see ``params/datasets.yml``).
END_WORDS = ("programme_end", "programme_end_calendar_year")


@dataclass(frozen=True)
class RecordContext:
    """Everything the record schemas take from params.

    Attributes
    ----------
    params_dir
        The ``params/`` folder read.
    sites
        Site ids in ``programme.yml`` order.
    schemes
        Site id to its LWA/DAF scheme short name.
    scheme_kinds
        Site id to its scheme's kind (``lwa`` or ``daf``).
    referral_owners
        Referral dataset name to ``(site id, network key)``: the site whose file names it as
        ``referral_dataset`` and that network's short name in lower case.
    windows
        Dataset name to its inclusive ``(first, last)`` date.
    """

    params_dir: Path
    sites: tuple[str, ...]
    schemes: dict[str, str]
    scheme_kinds: dict[str, str]
    referral_owners: dict[str, tuple[str, str]]
    windows: dict[str, tuple[dt.date, dt.date]]

    def window_text(self, name: str, *, month: bool) -> tuple[str, str] | None:
        """The window of dataset ``name`` as text (``YYYY-MM-DD`` or ``YYYY-MM``), or None."""
        w = self.windows.get(name)
        if w is None:
            return None
        fmt = "%Y-%m" if month else "%Y-%m-%d"
        return w[0].strftime(fmt), w[1].strftime(fmt)


def _resolve_start(value: object, name: str, params: Params, path: Path) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    if value == "ccs_start":
        return params.programme.ccs_start
    if value == "referral_system_launch":
        launches = [
            s.referral_network.referral_system_launch
            for s in params.sites.values()
            if s.referral_network.referral_dataset == name
        ]
        if not launches:
            return None  # no site uses this referral system: its rows are refused by site
        if launches[0] is None:
            raise ParamsError(
                f"dataset '{name}' starts at 'referral_system_launch' but the site file that "
                "names it as referral_dataset gives no referral_system_launch date; give a "
                "date here or the launch in the site's referral_network",
                file=path,
                column=f"windows.{name}.start",
            )
        return launches[0]
    raise ParamsError(
        f"start must be a date YYYY-MM-DD or one of {', '.join(START_WORDS)}, not {value!r}",
        file=path,
        column=f"windows.{name}.start",
    )


def _resolve_end(value: object, name: str, params: Params, path: Path) -> dt.date:
    last = params.programme.years[-1].end
    if value == "programme_end":
        return last
    if value == "programme_end_calendar_year":
        return dt.date(last.year, 12, 31)
    if isinstance(value, dt.date):
        return value
    raise ParamsError(
        f"end must be a date YYYY-MM-DD or one of {', '.join(END_WORDS)}, not {value!r}",
        file=path,
        column=f"windows.{name}.end",
    )


def context_from_params(params: Params) -> RecordContext:
    """Build the :class:`RecordContext` of loaded params (``params.root`` holds the windows file).

    Raises
    ------
    ParamsError
        ``datasets.yml`` is missing or malformed, or a window cannot be resolved (names the
        file and key).

    """
    path = Path(params.root) / WINDOWS_FILE
    data = read_yaml(path)
    raw = data.get("windows")
    if not isinstance(raw, dict):
        raise ParamsError(
            "expected a mapping 'windows' of dataset names", file=path, column="windows"
        )
    windows: dict[str, tuple[dt.date, dt.date]] = {}
    for name, w in raw.items():
        if not isinstance(w, dict) or set(w) != {"start", "end"}:
            raise ParamsError(
                "each window needs exactly the keys start and end",
                file=path,
                column=f"windows.{name}",
            )
        lo = _resolve_start(w["start"], str(name), params, path)
        hi = _resolve_end(w["end"], str(name), params, path)
        if lo is None:
            continue
        if hi < lo:
            raise ParamsError(
                f"window ends ({hi}) before it starts ({lo})", file=path, column=f"windows.{name}"
            )
        windows[str(name)] = (lo, hi)
    owners: dict[str, tuple[str, str]] = {}
    for sid, site in params.sites.items():
        net = site.referral_network
        if net.referral_dataset:
            key = (net.short_name or net.referral_dataset).lower()
            owners[net.referral_dataset] = (sid, key)
    return RecordContext(
        params_dir=Path(params.root),
        sites=tuple(params.programme.sites),
        schemes={sid: s.lwa_scheme.short_name for sid, s in params.sites.items()},
        scheme_kinds={sid: s.lwa_scheme.kind for sid, s in params.sites.items()},
        referral_owners=owners,
        windows=windows,
    )


_CACHE: dict[tuple[str, tuple[float, ...]], RecordContext] = {}


def record_context(params_dir: Path | str | None = None) -> RecordContext:
    """Load the :class:`RecordContext` of a ``params/`` folder (default: the project's).

    Cached on the folder and the modification times of its YAML files, so repeated
    validation in one process reads params once and an edited file is read again.

    Raises
    ------
    ParamsError
        No project root is found, or a params file is missing or breaks its rules.

    """
    if params_dir is None:
        from ccs_methods.data.paths import find_project_root

        params_dir = find_project_root() / "params"
    folder = Path(params_dir).resolve()
    stamps = tuple(p.stat().st_mtime for p in sorted(folder.rglob("*.yml")))
    key = (str(folder), stamps)
    if key not in _CACHE:
        _CACHE[key] = context_from_params(load_params(folder))
    return _CACHE[key]
