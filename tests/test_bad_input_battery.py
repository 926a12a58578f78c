"""A battery of bad inputs and faults (issue 12): each one clear message, no traceback, nothing
already built changed.

Every case copies a small project (the real params, data and templates, plus a "good" built
book and HTML), breaks one thing, runs the command line in-process and checks:

- the exit code (2 for bad input, 1 for a failed notebook);
- the message names what applies: the file, the row (the line an editor shows), the column or
  key, and the rule;
- no traceback is shown and no exception escapes the command;
- ``book/`` and ``_build/html`` are byte-identical before and after.

Commands stop in validation, before any notebook runs, so the battery is quick.
"""

from __future__ import annotations

import hashlib
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ccs_methods.pipeline.cli import app

ROOT = Path(__file__).resolve().parents[1]
Mutation = Callable[[Path], None]


# --------------------------------------------------------------------------- mutations
def sub(rel: str, old: str, new: str, *, line: int | None = None) -> Mutation:
    """Replace the first ``old`` (on 1-based ``line`` if given) by ``new`` in ``rel``."""

    def apply(proj: Path) -> None:
        path = proj / rel
        text = path.read_text(encoding="utf-8")
        if line is None:
            assert old in text, f"{old!r} not in {rel}"
            path.write_text(text.replace(old, new, 1), encoding="utf-8")
            return
        lines = text.split("\n")
        assert old in lines[line - 1], f"{old!r} not on line {line} of {rel}"
        lines[line - 1] = lines[line - 1].replace(old, new, 1)
        path.write_text("\n".join(lines), encoding="utf-8")

    return apply


def put(rel: str, data: bytes | str) -> Mutation:
    def apply(proj: Path) -> None:
        path = proj / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))

    return apply


def keep_lines(rel: str, n: int) -> Mutation:
    """Keep only the first ``n`` lines of ``rel``."""

    def apply(proj: Path) -> None:
        path = proj / rel
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        path.write_text("".join(lines[:n]), encoding="utf-8")

    return apply


def append(rel: str, text: str) -> Mutation:
    def apply(proj: Path) -> None:
        with (proj / rel).open("a", encoding="utf-8") as fh:
            fh.write(text)

    return apply


def delete(rel: str) -> Mutation:
    return lambda proj: (proj / rel).unlink()


def as_folder(rel: str) -> Mutation:
    def apply(proj: Path) -> None:
        (proj / rel).unlink()
        (proj / rel).mkdir()

    return apply


def bytes_at(rel: str, line: int, raw: bytes) -> Mutation:
    """Append raw (e.g. invalid UTF-8) bytes to the end of 1-based ``line``."""

    def apply(proj: Path) -> None:
        path = proj / rel
        lines = path.read_bytes().split(b"\n")
        lines[line - 1] += raw
        path.write_bytes(b"\n".join(lines))

    return apply


def delimiter(rel: str, sep: str) -> Mutation:
    def apply(proj: Path) -> None:
        path = proj / rel
        path.write_text(path.read_text(encoding="utf-8").replace(",", sep), encoding="utf-8")

    return apply


def both(*muts: Mutation) -> Mutation:
    def apply(proj: Path) -> None:
        for m in muts:
            m(proj)

    return apply


# --------------------------------------------------------------------------- cases
@dataclass(frozen=True)
class Case:
    """One bad input or fault and what the message must name."""

    id: str
    mutate: Mutation | None
    expect: tuple[str, ...]
    args: tuple[str, ...] = ("run", "--site", "oldham", "--year", "2", "-j", "1")
    code: int = 2
    extra: dict[str, str] = field(default_factory=dict)


LWA = "data/synthetic/lwa_awards.csv"
NCAN = "data/synthetic/referrals_ncan.csv"
THCAN = "data/synthetic/referrals_thcan.csv"
SURVEY = "data/synthetic/survey_local_systems.csv"
ACT = "data/synthetic/activity_log.csv"
MON = "data/synthetic/monitoring_returns.csv"
OTHER = "data/synthetic/other_crisis_awards.csv"
PROG = "params/programme.yml"
OLDHAM = "params/sites/oldham.yml"
ANALYSIS = "params/analysis.yml"
EVID = "params/contribution/evidence.csv"
TOC = "params/contribution/theory_of_change.yml"
RIVALS = "params/contribution/rivals.yml"
FIG = "data/published/figures.csv"

R = "[rule: "  # a rule named by the new checks

CASES: list[Case] = [
    # ---- record-level data: numbers
    Case("count-overflow", sub(LWA, ",280,175,", ",280,99999999999999999999,", line=2),
         ("lwa_awards.csv", "row 2,", "column 'awards'", "too large", R)),
    Case("amount-1e400", sub(LWA, "16481.12", "1e400", line=2),
         ("lwa_awards.csv", "row 2,", "column 'amount_gbp'", "not a finite number", R)),
    Case("amount-inf", sub(LWA, "16481.12", "inf", line=2),
         ("lwa_awards.csv", "row 2,", "column 'amount_gbp'")),
    Case("amount-nan", sub(LWA, "16481.12", "nan", line=2),
         ("lwa_awards.csv", "row 2,", "column 'amount_gbp'")),
    Case("count-text", sub(LWA, ",280,175,", ",280,many,", line=2),
         ("lwa_awards.csv", "row 2,", "column 'awards'")),
    Case("count-negative", sub(LWA, ",280,175,", ",280,-5,", line=2),
         ("lwa_awards.csv", "row 2,", "column 'awards'")),
    Case("count-decimal", sub(LWA, ",280,175,", ",280,17.5,", line=2),
         ("lwa_awards.csv", "row 2,", "column 'awards'")),
    Case("other-awards-overflow", sub(OTHER, ",38,", ",99999999999999999999,", line=2),
         ("other_crisis_awards.csv", "row 2,", "column 'awards'", R)),
    Case("monitoring-overflow", sub(MON, ",291,", ",99999999999999999999,", line=2),
         ("monitoring_returns.csv", "row 2,", "column 'households_supported'", R)),
    # ---- record-level data: shape of the file
    Case("semicolon-delimiter", delimiter(LWA, ";"),
         ("lwa_awards.csv", "row 1", "semicolon", "comma", R)),
    Case("tab-delimiter", delimiter(LWA, "\t"), ("lwa_awards.csv", "row 1", "tab", R)),
    Case("bar-delimiter", delimiter(SURVEY, "|"),
         ("survey_local_systems.csv", "row 1", "vertical bar", R)),
    Case("unquoted-comma", sub(LWA, ",NAS,", ",NAS,extra,", line=4),
         ("lwa_awards.csv", "row 4", "line 4 has 1 field(s) too many", "quote", R)),
    Case("missing-field", sub(LWA, ",16481.12", "", line=2),
         ("lwa_awards.csv", "row 2", "column 'amount_gbp'")),
    Case("non-utf8", bytes_at(LWA, 3, b"\xff\xfe"), ("lwa_awards.csv", "row 3", "UTF-8")),
    Case("empty-file", put(LWA, b""), ("lwa_awards.csv", "empty")),
    Case("header-only", keep_lines(LWA, 1), ("lwa_awards.csv", "header only")),
    Case("missing-column", sub(LWA, "amount_gbp", "amount", line=1),
         ("lwa_awards.csv", "row 1", "column 'amount_gbp'", "missing column")),
    Case("unexpected-column", sub(ACT, "purpose", "purpose,colour", line=1),
         ("activity_log.csv", "row 1", "unexpected column")),
    Case("duplicate-header", sub(ACT, "session_id,site", "session_id,session_id", line=1),
         ("activity_log.csv", "row 1")),
    Case("missing-file", delete(LWA), ("lwa_awards.csv", "does not exist")),
    Case("file-is-folder", as_folder(LWA), ("lwa_awards.csv", "folder")),
    # ---- record-level data: values and rules
    Case("bad-month", sub(LWA, "2018-01", "2018-13", line=2),
         ("lwa_awards.csv", "row 2,", "column 'month'")),
    Case("unknown-site-in-data", sub(LWA, "norfolk", "leeds", line=2),
         ("lwa_awards.csv", "row 2,", "column 'site'")),
    Case("unknown-sector-ncan", sub(NCAN, ",health,", ",healthx,", line=2),
         ("referrals_ncan.csv", "row 2,", "column 'from_sector'")),
    Case("impossible-date-ncan", sub(NCAN, "2017-01-02", "2019-02-30", line=2),
         ("referrals_ncan.csv", "row 2,", "column 'date'")),
    Case("duplicate-referral-id", sub(NCAN, "NCAN-000002", "NCAN-000001", line=3),
         ("referrals_ncan.csv", "row 3,", "column 'referral_id'", "unique")),
    Case("empty-required-value", sub(THCAN, "THCAN-VCS-004", "", line=2),
         ("referrals_thcan.csv", "row 2,", "column 'from_org'", "missing value")),
    Case("two-sectors-one-org", sub(NCAN, "NCAN-STA-003,statutory", "NCAN-STA-003,vcs", line=2),
         ("referrals_ncan.csv", "column 'to_sector'", "one sector")),
    Case("survey-bad-boolean",
         sub(SURVEY, "R001,norfolk,statutory,false", "R001,norfolk,statutory,maybe", line=2),
         ("survey_local_systems.csv", "row 2,", "column 'ccs_funded'")),
    Case("survey-duplicate-id", sub(SURVEY, "R002,", "R001,", line=3),
         ("survey_local_systems.csv", "row 3,", "column 'respondent_id'")),
    Case("activity-bad-date", sub(ACT, "2020-10-07", "07/10/2020", line=2),
         ("activity_log.csv", "row 2,", "column 'date'")),
    # ---- published tables
    Case("published-missing-column", sub(FIG, "figure_id,", "figure,", line=1),
         ("figures.csv", "figure_id")),
    Case("published-non-utf8", bytes_at(FIG, 2, b"\xff"), ("figures.csv",)),
    Case("published-empty", put(FIG, b""), ("figures.csv",)),
    # ---- params: programme and sites
    Case("impossible-ccs-start", sub(PROG, "ccs_start: 2019-10-01", "ccs_start: 2019-02-30"),
         ("programme.yml", "row 6", "2019-02-30", R)),
    Case("duplicate-key-programme",
         sub(PROG, "synthetic_seed:", "synthetic_seed: 1\nsynthetic_seed:"),
         ("programme.yml", "duplicate key 'synthetic_seed'", "row 4")),
    Case("unknown-key-programme", append(PROG, "\ncolour: blue\n"),
         ("programme.yml", "unknown key 'colour'", "column 'colour'", R)),
    Case("tab-indent-programme", sub(PROG, "  first_lockdown:", "\tfirst_lockdown:"),
         ("programme.yml", "row 8", "tab", R)),
    Case("year-end-before-start", sub(PROG, "end: 2021-09-30", "end: 2020-09-01"),
         ("programme.yml", "row 16", "years[1]", "not after start")),
    Case("unlisted-site-file", lambda p: shutil.copy(p / OLDHAM, p / "params/sites/leeds.yml"),
         ("leeds.yml", "not listed", R)),
    Case("site-year-7", sub(OLDHAM, "survey_local_systems: [2]", "survey_local_systems: [2, 7]"),
         ("oldham.yml", "year 7 does not exist", "column 'datasets.survey_local_systems'", R)),
    Case("listed-site-without-file", delete("params/sites/swansea.yml"),
         ("programme.yml", "swansea")),
    Case("site-id-mismatch", sub(OLDHAM, "id: oldham", "id: oldham2"),
         ("oldham.yml", "column 'id'")),
    Case("site-unknown-key", append(OLDHAM, "\nmayor: someone\n"),
         ("oldham.yml", "unknown key 'mayor'", R)),
    Case("site-bad-nation", sub(OLDHAM, "nation: England", "nation: Atlantis"),
         ("oldham.yml", "column 'nation'")),
    Case("programme-non-utf8", bytes_at(PROG, 2, b"\xff"), ("programme.yml", "row 2", "UTF-8")),
    Case("programme-missing", delete(PROG), ("programme.yml", "not found")),
    Case("raw-source-without-file", sub(PROG, "lwa_awards: synthetic", "lwa_awards: raw"),
         ("lwa_awards.csv", "column 'data_sources.lwa_awards'", "does not exist")),
    Case("unknown-source", sub(PROG, "lwa_awards: synthetic", "lwa_awards: weird"),
         ("programme.yml", "data_sources.lwa_awards")),
    # ---- params: analysis settings
    Case("settings-unknown-key",
         sub(ANALYSIS, "  fourier_k: 2", "  fourier_k: 2\n  fourier_kk: 3"),
         ("analysis.yml", "unknown setting 'its.fourier_kk'", "column 'its.fourier_kk'")),
    Case("settings-duplicate-key",
         sub(ANALYSIS, "  fourier_k: 2", "  fourier_k: 2\n  fourier_k: 3"),
         ("analysis.yml", "duplicate key 'fourier_k'")),
    Case("settings-out-of-range", sub(ANALYSIS, "  fourier_k: 2", "  fourier_k: 99"),
         ("analysis.yml", "column 'its.fourier_k'", "row")),
    Case("settings-huge-number",
         sub(ANALYSIS, "  fourier_k: 2", "  fourier_k: 99999999999999999999"),
         ("analysis.yml", "column 'its.fourier_k'")),
    Case("settings-non-finite", sub(ANALYSIS, "autocorrelation_p: 0.05", "autocorrelation_p: .inf"),
         ("analysis.yml", "column 'its.autocorrelation_p'")),
    # ---- params/contribution
    Case("evidence-probability-above-1", sub(EVID, ",0.85,0.45,", ",1.2,0.45,", line=2),
         ("evidence.csv", "row 2,", "column 'sensitivity'", "E001")),
    Case("evidence-type1-zero", sub(EVID, ",0.85,0.45,", ",0.85,0,", line=2),
         ("evidence.csv", "row 2,", "column 'type1_error'", "E001")),
    Case("evidence-sensitivity-not-above", sub(EVID, ",0.85,0.45,", ",0.4,0.45,", line=2),
         ("evidence.csv", "row 2,", "E001")),
    Case("evidence-probability-inf", sub(EVID, ",0.85,0.45,", ",inf,0.45,", line=2),
         ("evidence.csv", "row 2,", "column 'sensitivity'", "not a number")),
    Case("evidence-unknown-link",
         sub(EVID, "act_ccs_team->y2_local_capacity", "act_ccs_team->nowhere", line=3),
         ("evidence.csv", "row 3,", "column 'link_or_node'", "E002")),
    Case("evidence-duplicate-id", sub(EVID, "E002,", "E001,", line=3),
         ("evidence.csv", "row 3,", "column 'evidence_id'", "first on line 2")),
    Case("evidence-unknown-claim", sub(EVID, "E001,y2_kf01,", "E001,y9_kf99,", line=2),
         ("evidence.csv", "row 2,", "column 'claim_id'")),
    Case("evidence-non-utf8", bytes_at(EVID, 3, b"\xff"), ("evidence.csv", "row 3", "UTF-8")),
    Case("evidence-missing-column", sub(EVID, ",justification,", ",reasons,", line=1),
         ("evidence.csv", "column 'justification'")),
    Case("toc-tab", sub(TOC, "  - activity", "\t- activity"),
         ("theory_of_change.yml", "row", "tab")),
    Case("toc-duplicate-key", sub(TOC, "levels:", "levels: []\nlevels:"),
         ("theory_of_change.yml", "duplicate key 'levels'")),
    Case("toc-cycle",
         sub(TOC, "links:\n", "links:\n  - {from: y2_capability, to: act_workstream_access}\n"),
         ("theory_of_change.yml",)),
    Case("toc-unknown-link-node",
         sub(TOC, "links:\n", "links:\n  - {from: act_ccs_team, to: nowhere}\n"),
         ("theory_of_change.yml", "nowhere")),
    Case("rivals-unknown-evidence", sub(RIVALS, "- evidence_id: E013", "- evidence_id: E999"),
         ("rivals.yml", "E999")),
    Case("rivals-unknown-claim", sub(RIVALS, "claims: [y2_kf03,", "claims: [y9_kf99,"),
         ("rivals.yml", "y9_kf99")),
    # ---- several problems at once: every one is reported
    Case("two-problems-at-once", both(sub(LWA, "16481.12", "1e400", line=2),
                                      sub(EVID, ",0.85,0.45,", ",1.2,0.45,", line=2)),
         ("2 input problems", "lwa_awards.csv", "evidence.csv")),
    Case("three-problems-at-once", both(sub(ANALYSIS, "  fourier_k: 2", "  fourier_kk: 2"),
                                        sub(OLDHAM, "nation: England", "nation: Atlantis"),
                                        sub(EVID, "E002,", "E001,", line=3)),
         ("3 input problems", "analysis.yml", "oldham.yml", "evidence.csv")),
    # ---- command line
    Case("jobs-negative", None, ("--jobs", "-1", R), args=("run", "--jobs", "-1")),
    Case("jobs-huge", None, ("--jobs", "10000", "--force-jobs"), args=("run", "--jobs", "10000")),
    Case("year-7", None, ("programme.yml", "year 7", R), args=("run", "--year", "7")),
    Case("unknown-site", None, ("programme.yml", "'leeds'", R), args=("run", "--site", "leeds")),
    Case("build-out-proc", None, ("/proc/x", "cannot write", R),
         args=("build", "--out", "/proc/x")),
    Case("build-out-under-file", None, ("index.html", "not a folder"),
         args=("build", "--out", "{proj}/_build/html/index.html/sub")),
    Case("all-out-proc", None, ("/proc/x", "cannot write"), args=("all", "--out", "/proc/x/html")),
    Case("validate-missing-path", None, ("nothere.csv",), args=("validate", "{proj}/nothere.csv")),
    Case("validate-bad-contribution", sub(EVID, ",0.85,0.45,", ",1.2,0.45,", line=2),
         ("evidence.csv", "row 2,", "column 'sensitivity'"), args=("validate",)),
    Case("validate-two-files", None, ("2 input problems", "nothere.csv", "gone.csv"),
         args=("validate", "{proj}/nothere.csv", "{proj}/gone.csv")),
]


# --------------------------------------------------------------------------- the project
@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project with the real inputs, a good built page and a good HTML book."""
    proj = tmp_path_factory.mktemp("battery") / "proj"
    shutil.copytree(ROOT / "params", proj / "params")
    for sub_dir in ("synthetic", "published"):
        shutil.copytree(ROOT / "data" / sub_dir, proj / "data" / sub_dir)
    shutil.copytree(ROOT / "notebooks", proj / "notebooks",
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    for rel in ("_config.yml", "pyproject.toml"):
        shutil.copy2(ROOT / rel, proj / rel)
    (proj / "node_modules").symlink_to(ROOT / "node_modules", target_is_directory=True)
    for site in ("norfolk", "oldham", "swansea", "tower_hamlets"):
        for year in (1, 2, 3):
            page = proj / "book" / "sites" / site / f"year-{year}.ipynb"
            page.parent.mkdir(parents=True, exist_ok=True)
            page.write_text(f'{{"good page": "{site} {year}"}}\n', encoding="utf-8")
    (proj / "book" / "intro.md").write_text("# Intro\n", encoding="utf-8")
    html = proj / "_build" / "html"
    html.mkdir(parents=True)
    (html / "index.html").write_text("<html>good book</html>\n", encoding="utf-8")
    (html / "sites").mkdir()
    (html / "sites" / "oldham.html").write_text("<html>oldham</html>\n", encoding="utf-8")
    return proj


def snapshot(proj: Path) -> dict[str, str]:
    """Hash of every file under book/ and _build/html (paths relative to the project)."""
    out = {}
    for top in ("book", "_build/html"):
        for p in sorted((proj / top).rglob("*")):
            if p.is_file():
                out[p.relative_to(proj).as_posix()] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


_TRACEBACK = re.compile(r"Traceback \(most recent call last\)|^\s+File \"", re.M)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input_is_one_clear_error_and_changes_nothing(
    case: Case, base: Path, tmp_path: Path
) -> None:
    proj = tmp_path / "proj"
    shutil.copytree(base, proj, symlinks=True)
    if case.mutate is not None:
        case.mutate(proj)
    before = snapshot(proj)
    args = [a.replace("{proj}", str(proj)) for a in case.args]
    res = CliRunner().invoke(app, [*args, "--root", str(proj)])
    out = res.output
    assert res.exit_code == case.code, f"exit {res.exit_code}\n{out}"
    # no exception escaped the command and none is printed
    assert res.exception is None or isinstance(res.exception, SystemExit), repr(res.exception)
    assert not _TRACEBACK.search(out), out
    assert "internal error" not in out, out
    for want in case.expect:
        assert want in out, f"{want!r} not in the message:\n{out}"
    if case.args[0] == "run" and "--jobs" not in case.args:
        assert "nothing was run" in out, out  # stopped in validation, before any notebook
    assert snapshot(proj) == before, "book/ or _build/html changed"


def test_battery_has_at_least_sixty_cases() -> None:
    assert len(CASES) >= 60
    assert len({c.id for c in CASES}) == len(CASES)


def test_internal_error_is_one_message_traceback_only_with_debug(
    base: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bug (not bad input): a short message and exit 3; the traceback only with --debug."""
    from ccs_methods.pipeline import cli, preflight

    def boom(*_a: object, **_k: object) -> None:
        raise RuntimeError("an internal bug")

    monkeypatch.setattr(preflight, "check_inputs", boom)
    proj = tmp_path / "proj"
    shutil.copytree(base, proj, symlinks=True)
    before = snapshot(proj)
    res = CliRunner().invoke(app, ["run", "--root", str(proj)])
    assert res.exit_code == 3, res.output
    assert "internal error: RuntimeError: an internal bug" in res.output
    assert "--debug" in res.output and not _TRACEBACK.search(res.output)
    monkeypatch.setitem(cli._DEBUG, "on", False)
    res = CliRunner().invoke(app, ["--debug", "run", "--root", str(proj)])
    assert res.exit_code == 3
    assert "Traceback (most recent call last)" in res.output and "an internal bug" in res.output
    assert snapshot(proj) == before
