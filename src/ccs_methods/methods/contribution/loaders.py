"""Loaders of ``theory_of_change.yml``, ``evidence.csv`` and ``rivals.yml`` with checks."""

from __future__ import annotations

import csv
import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import networkx as nx
import pandas as pd
from pydantic import ValidationError

from ccs_methods.data.params import read_yaml
from ccs_methods.errors import DataValidationError, ParamsError
from ccs_methods.methods.contribution.constants import (
    _COMPUTED_PREFIX,
    _ID_RE,
    _SOURCE_RE,
    DIRECTIONS,
    EVIDENCE_COLUMNS,
    EVIDENCE_KINDS,
    default_sites,
)
from ccs_methods.methods.contribution.models import Rival, TheoryOfChange, _check_direction


def _validation_error(path: Path, exc: ValidationError, data: Mapping[str, Any]) -> ParamsError:
    """Turn a pydantic error into a ParamsError naming the item id and key."""
    first = exc.errors()[0]
    loc = list(first["loc"])
    msg = str(first["msg"]).removeprefix("Value error, ")
    where = ""
    if len(loc) >= 2 and isinstance(loc[0], str) and isinstance(loc[1], int):
        section = data.get(loc[0])
        if (
            isinstance(section, list)
            and loc[1] < len(section)
            and isinstance(section[loc[1]], dict)
        ):
            item_id = section[loc[1]].get("id")
            if item_id is not None:
                where = f"{loc[0]} item {item_id!r}: "
    column = ".".join(f"[{p}]" if isinstance(p, int) else str(p) for p in loc).replace(".[", "[")
    more = f" (and {len(exc.errors()) - 1} more problem(s))" if len(exc.errors()) > 1 else ""
    return ParamsError(f"{where}{msg}{more}", file=path, column=column or None)


def _duplicates(ids: Iterable[str]) -> list[str]:
    seen: set[str] = set()
    dup: list[str] = []
    for i in ids:
        if i in seen and i not in dup:
            dup.append(i)
        seen.add(i)
    return dup


# --------------------------------------------------------------------------- loaders


def load_theory_of_change(
    path: str | Path, *, sites: Sequence[str] | None = None
) -> TheoryOfChange:
    """Load and validate ``theory_of_change.yml``.

    Parameters
    ----------
    path
        The YAML file.
    sites
        Site ids allowed in claims (default: the sites of the project's params plus
        ``programme``).

    Returns
    -------
    TheoryOfChange
        Nodes, links, assumptions, claims and computed-evidence rules.

    Raises
    ------
    ParamsError
        Naming the file, the item and the key: YAML errors, unknown keys, duplicate ids, unknown
        levels, links to unknown nodes, a cycle (the cycle is listed), a link pointing to an
        earlier level, assumptions on unknown links, claims on unknown nodes or sites, rule
        outcomes whose direction disagrees with their probabilities.

    """
    path = Path(path)
    data = read_yaml(path)
    try:
        toc = TheoryOfChange.model_validate(data)
    except ValidationError as exc:
        raise _validation_error(path, exc, data) from exc

    for section, ids in (
        ("levels", toc.levels),
        ("nodes", [n.id for n in toc.nodes]),
        ("assumptions", [a.id for a in toc.assumptions]),
        ("claims", [c.id for c in toc.claims]),
        ("evidence_rules", [r.id for r in toc.evidence_rules]),
    ):
        dup = _duplicates(ids)
        if dup:
            raise ParamsError(f"duplicate id(s) {dup} in {section}", file=path, column=section)
    dup_links = _duplicates([lk.id for lk in toc.links])
    if dup_links:
        raise ParamsError(f"duplicate link(s) {dup_links}", file=path, column="links")

    level_rank = {lv: i for i, lv in enumerate(toc.levels)}
    for i, n in enumerate(toc.nodes):
        if n.level not in level_rank:
            raise ParamsError(
                f"node {n.id!r}: unknown level {n.level!r}; levels are {toc.levels}",
                file=path,
                column=f"nodes[{i}].level",
            )
    node_ids = toc.node_ids
    for i, lk in enumerate(toc.links):
        for end, key in ((lk.source_node, "from"), (lk.target, "to")):
            if end not in node_ids:
                raise ParamsError(
                    f"link {lk.id!r}: unknown node {end!r}", file=path, column=f"links[{i}].{key}"
                )
        if lk.source_node == lk.target:
            raise ParamsError(f"link {lk.id!r} points to itself", file=path, column=f"links[{i}]")
    g = toc.graph()
    try:
        cycle = nx.find_cycle(g)
    except nx.NetworkXNoCycle:
        cycle = []
    if cycle:
        names = [u for u, _ in cycle] + [cycle[0][0]]
        raise ParamsError(
            f"the theory of change has a cycle: {' -> '.join(names)}; links must run from causes"
            " to effects",
            file=path,
            column="links",
        )
    nodes_by_id = {n.id: n for n in toc.nodes}
    for i, lk in enumerate(toc.links):
        a, b = nodes_by_id[lk.source_node], nodes_by_id[lk.target]
        if level_rank[b.level] < level_rank[a.level]:
            raise ParamsError(
                f"link {lk.id!r} runs backwards from level {a.level!r} to earlier level"
                f" {b.level!r}",
                file=path,
                column=f"links[{i}]",
            )
    link_ids = toc.link_ids
    for i, asm in enumerate(toc.assumptions):
        for j, lid in enumerate(asm.links):
            if lid not in link_ids:
                raise ParamsError(
                    f"assumption {asm.id!r}: unknown link {lid!r}",
                    file=path,
                    column=f"assumptions[{i}].links[{j}]",
                )
    allowed_sites = set(sites if sites is not None else default_sites())
    for i, c in enumerate(toc.claims):
        if c.node not in node_ids:
            raise ParamsError(
                f"claim {c.id!r}: unknown node {c.node!r}", file=path, column=f"claims[{i}].node"
            )
        for j, s in enumerate(c.sites):
            if s not in allowed_sites:
                raise ParamsError(
                    f"claim {c.id!r}: unknown site {s!r}; allowed: {sorted(allowed_sites)}",
                    file=path,
                    column=f"claims[{i}].sites[{j}]",
                )
    return toc


def _parse_prob(raw: str) -> float | None:
    raw = raw.strip()
    if raw == "":
        return None
    value = float(raw)
    if not math.isfinite(value):
        raise ValueError(f"{raw!r} is not a finite number")
    return value


def _record_lines(path: Path) -> list[int]:
    """The line (as an editor numbers it, header = line 1) on which each data record starts.

    Only the records pandas reads count: it skips blank and whitespace-only lines but keeps a
    line of empty fields such as ``,,,`` (a row with an empty ``evidence_id``), so the test is
    on the record's raw text, not on its parsed fields.
    """
    with path.open(encoding="utf-8", newline="") as fh:
        physical: list[str] = []

        def feed() -> Iterator[str]:
            for text in fh:
                physical.append(text)
                yield text

        reader = csv.reader(feed())
        lines: list[int] = []
        header_seen = False
        previous = 0
        for _ in reader:
            if "".join(physical[previous : reader.line_num]).strip():
                if header_seen:
                    lines.append(previous + 1)
                header_seen = True
            previous = reader.line_num
    return lines


def load_evidence(
    path: str | Path,
    toc: TheoryOfChange,
    *,
    sites: Sequence[str] | None = None,
    years: Sequence[int] = (1, 2, 3),
) -> pd.DataFrame:
    """Load and validate the evidence register ``evidence.csv``.

    Parameters
    ----------
    path
        The CSV file (UTF-8, header row, columns :data:`EVIDENCE_COLUMNS`).
    toc
        The validated theory of change (claims, nodes and links are checked against it).
    sites
        Allowed site ids (default: the sites of the project's params plus ``programme``).
    years
        Allowed programme years.

    Returns
    -------
    pandas.DataFrame
        One row per evidence item, columns :data:`EVIDENCE_COLUMNS`; ``year`` int, ``n``
        nullable ``Int64``, probabilities float. Computed rows (``source`` =
        ``computed:<result_id>``) have NaN direction and probabilities until
        :func:`resolve_computed` fills them from analysis results.

    Raises
    ------
    DataValidationError
        Naming the file, the 1-based data row, the column and the evidence id: missing columns,
        duplicate ids, unknown claim, node or link, site, year or kind; a probability outside
        (0, 1); supporting evidence whose sensitivity is not above its type I error (or
        challenging evidence whose sensitivity is not below it); probabilities typed into a
        computed row; a malformed source.

    """
    path = Path(path)
    if not path.is_file():
        raise DataValidationError("evidence file not found", file=path)
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except UnicodeDecodeError:
        data = path.read_bytes()
        try:  # pandas reads in chunks: find the real position in the whole file
            data.decode("utf-8")
            start = 0
        except UnicodeDecodeError as whole:
            start = whole.start
        line = data.count(b"\n", 0, start) + 1
        raise DataValidationError(
            f"not valid UTF-8 (byte {start}); save the file as UTF-8",
            file=path,
            row=line,
            rule="UTF-8",
        ) from None
    except (pd.errors.ParserError, csv.Error) as exc:
        raise DataValidationError(f"cannot read CSV: {exc}", file=path, rule="CSV") from None
    lines = _record_lines(path)
    missing = [c for c in EVIDENCE_COLUMNS if c not in raw.columns]
    if missing:
        raise DataValidationError(
            f"missing column(s) {missing}; needed: {list(EVIDENCE_COLUMNS)}",
            file=path,
            column=missing[0],
        )
    extra = [c for c in raw.columns if c not in EVIDENCE_COLUMNS]
    if extra:
        raise DataValidationError(f"unknown column(s) {extra}", file=path, column=extra[0])

    claims = {c.id for c in toc.claims}
    targets = toc.node_ids | toc.link_ids
    allowed_sites = set(sites if sites is not None else default_sites())
    allowed_years = set(years)
    records: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for pos, row in enumerate(raw.to_dict("records")):
        i = lines[pos] if pos < len(lines) else pos + 2  # the line an editor shows
        eid = row["evidence_id"].strip()

        def fail(msg: str, column: str, eid: str = eid, i: int = i) -> DataValidationError:
            label = f"evidence {eid!r}: " if eid else ""
            return DataValidationError(f"{label}{msg}", file=path, row=i, column=column)

        if not eid or not _ID_RE.match(eid):
            raise fail(f"evidence_id {eid!r} must be a non-empty identifier", "evidence_id")
        if eid in seen:
            raise fail(f"duplicate evidence_id (first on line {seen[eid]})", "evidence_id")
        seen[eid] = i
        claim_id = row["claim_id"].strip()
        if claim_id not in claims:
            raise fail(f"unknown claim {claim_id!r}; add it to theory_of_change.yml", "claim_id")
        target = row["link_or_node"].strip()
        if target not in targets:
            kind_t = "link" if "->" in target else "node"
            raise fail(f"unknown {kind_t} {target!r}: not in the theory of change", "link_or_node")
        site = row["site"].strip()
        if site not in allowed_sites:
            raise fail(f"unknown site {site!r}; allowed: {sorted(allowed_sites)}", "site")
        try:
            year = int(row["year"])
        except ValueError:
            raise fail(f"year {row['year']!r} is not an integer", "year") from None
        if year not in allowed_years:
            raise fail(f"year {year} not in {sorted(allowed_years)}", "year")
        kind = row["kind"].strip()
        if kind not in EVIDENCE_KINDS:
            raise fail(f"unknown kind {kind!r}; allowed: {list(EVIDENCE_KINDS)}", "kind")
        n_raw = row["n"].strip()
        n: int | None = None
        if n_raw:
            try:
                n = int(n_raw)
            except ValueError:
                raise fail(f"n {n_raw!r} is not a whole number", "n") from None
            if n < 1:
                raise fail(f"n must be at least 1 (or empty); got {n}", "n")
        source = row["source"].strip()
        computed = source.startswith(_COMPUTED_PREFIX)
        if computed != (kind == "computed"):
            raise fail("kind 'computed' and source 'computed:<result_id>' go together", "source")
        if computed and not _ID_RE.match(source[len(_COMPUTED_PREFIX) :]):
            raise fail(f"source {source!r}: result id after 'computed:' is empty", "source")
        if not computed and not _SOURCE_RE.match(source):
            raise fail(
                f"source {source!r} must be '<report file> § <section>' or 'computed:<result_id>'",
                "source",
            )
        direction = row["direction"].strip()
        probs: dict[str, float | None] = {}
        for col in ("sensitivity", "type1_error"):
            try:
                probs[col] = _parse_prob(row[col])
            except ValueError:
                raise fail(f"{col} {row[col]!r} is not a number", col) from None
        if computed:
            typed = [c for c, v in probs.items() if v is not None] + (
                ["direction"] if direction else []
            )
            if typed:
                raise fail(
                    f"computed evidence must leave {typed} empty: they are set from the analysis"
                    " result by the evidence rules, not typed in",
                    typed[0],
                )
        else:
            if direction not in DIRECTIONS:
                raise fail(
                    f"direction {direction!r} must be one of {list(DIRECTIONS)}", "direction"
                )
            for col, v in probs.items():
                if v is None:
                    raise fail(f"{col} is empty; give a probability strictly between 0 and 1", col)
                if not (0.0 < v < 1.0):
                    raise fail(f"{col} {v:g} is outside (0, 1): use a value strictly between", col)
            try:
                _check_direction(direction, probs["sensitivity"], probs["type1_error"])  # type: ignore[arg-type]
            except ValueError as exc:
                raise fail(str(exc), "sensitivity") from None
            if not row["justification"].strip():
                raise fail("justification is empty: say why these probabilities", "justification")
        if not row["description"].strip():
            raise fail("description is empty", "description")
        group = row["group"].strip()
        if group and not _ID_RE.match(group):
            raise fail(f"group {group!r} must be an identifier (or empty)", "group")
        records.append(
            {
                "evidence_id": eid,
                "claim_id": claim_id,
                "link_or_node": target,
                "site": site,
                "year": year,
                "kind": kind,
                "n": n,
                "direction": direction or None,
                "description": row["description"].strip(),
                "source": source,
                "sensitivity": probs["sensitivity"],
                "type1_error": probs["type1_error"],
                "justification": row["justification"].strip(),
                "group": group or None,
            }
        )
    df = pd.DataFrame.from_records(records, columns=list(EVIDENCE_COLUMNS))
    df["year"] = df["year"].astype("int64")
    df["n"] = df["n"].astype("Int64")
    df["sensitivity"] = df["sensitivity"].astype("float64")
    df["type1_error"] = df["type1_error"].astype("float64")
    df.attrs["source_file"] = str(path)
    return df


def load_rivals(
    path: str | Path, toc: TheoryOfChange, evidence: pd.DataFrame | None = None
) -> list[Rival]:
    """Load and validate ``rivals.yml``.

    Parameters
    ----------
    path
        The YAML file (top-level key ``rivals``).
    toc
        The validated theory of change: every rival's claims must exist.
    evidence
        The evidence register; if given, every ``evidence_id`` reference must exist in it.

    Returns
    -------
    list of Rival

    Raises
    ------
    ParamsError
        Naming the file, the rival id and the key: unknown claim or evidence id, duplicate ids,
        a reference with both or neither of ``evidence_id`` and ``source``, an unknown status, a
        ``ruled_out`` rival with no evidence against it.

    """
    path = Path(path)
    data = read_yaml(path)
    items = data.get("rivals")
    if not isinstance(items, list):
        raise ParamsError("expected a list under the key 'rivals'", file=path, column="rivals")
    rivals: list[Rival] = []
    for i, item in enumerate(items):
        try:
            rivals.append(Rival.model_validate(item))
        except ValidationError as exc:
            err = _validation_error(path, exc, {"rivals": items})
            rid = item.get("id") if isinstance(item, dict) else None
            label = f"rival {rid!r}: " if rid else ""
            column = f"rivals[{i}].{err.column}" if err.column else f"rivals[{i}]"
            raise ParamsError(f"{label}{err.message}", file=path, column=column) from exc
    dup = _duplicates(r.id for r in rivals)
    if dup:
        raise ParamsError(f"duplicate rival id(s) {dup}", file=path, column="rivals")
    claims = {c.id for c in toc.claims}
    known_evidence = set(evidence["evidence_id"]) if evidence is not None else None
    for i, r in enumerate(rivals):
        for j, cid in enumerate(r.claims):
            if cid not in claims:
                raise ParamsError(
                    f"rival {r.id!r}: unknown claim {cid!r}",
                    file=path,
                    column=f"rivals[{i}].claims[{j}]",
                )
        if known_evidence is None:
            continue
        for key in ("evidence_for", "evidence_against"):
            for j, ref in enumerate(getattr(r, key)):
                if ref.evidence_id is not None and ref.evidence_id not in known_evidence:
                    raise ParamsError(
                        f"rival {r.id!r}: unknown evidence id {ref.evidence_id!r}",
                        file=path,
                        column=f"rivals[{i}].{key}[{j}].evidence_id",
                    )
    return rivals


# --------------------------------------------------------------------------- computed evidence
