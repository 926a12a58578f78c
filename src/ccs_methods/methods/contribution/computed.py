"""Computed evidence: rules that turn analysis results into rows of the evidence register."""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from typing import Any

import pandas as pd
from pydantic import ValidationError

from ccs_methods.errors import MethodInputError, ParamsError
from ccs_methods.methods.contribution.constants import _COMPUTED_PREFIX
from ccs_methods.methods.contribution.models import EvidenceRule, TheoryOfChange


def _rules(rules: Any) -> list[EvidenceRule]:
    if isinstance(rules, TheoryOfChange):
        return list(rules.evidence_rules)
    out: list[EvidenceRule] = []
    for i, r in enumerate(rules):
        if isinstance(r, EvidenceRule):
            out.append(r)
            continue
        try:
            out.append(EvidenceRule.model_validate(r))
        except ValidationError as exc:
            first = exc.errors()[0]
            msg = str(first["msg"]).removeprefix("Value error, ")
            rid = r.get("id") if isinstance(r, Mapping) else None
            raise ParamsError(
                f"evidence rule {rid or i!r}: {msg}",
                column=".".join(str(p) for p in first["loc"]) or None,
            ) from exc
    return out


def _number(result_id: str, result: Mapping[str, Any], key: str) -> float:
    if key not in result:
        raise MethodInputError(
            f"computed result {result_id!r} has no {key!r}; it has {sorted(result)}"
        )
    try:
        x = float(result[key])
    except (TypeError, ValueError):
        raise MethodInputError(
            f"computed result {result_id!r}: {key!r} is not a number ({result[key]!r})"
        ) from None
    if not math.isfinite(x):
        raise MethodInputError(f"computed result {result_id!r}: {key!r} is {x}, not finite")
    return x


def _apply_rule(rule: EvidenceRule, result_id: str, result: Mapping[str, Any]) -> dict[str, Any]:
    if rule.kind == "interval":
        assert rule.estimate and rule.low and rule.high and rule.null_value is not None
        est = _number(result_id, result, rule.estimate)
        lo = _number(result_id, result, rule.low)
        hi = _number(result_id, result, rule.high)
        if lo > hi:
            raise MethodInputError(
                f"computed result {result_id!r}: {rule.low}={lo:g} is above {rule.high}={hi:g}"
            )
        region = (
            "above" if lo > rule.null_value else "below" if hi < rule.null_value else "includes"
        )
        detail = (
            f"{rule.estimate} {est:.3g} (95% CI {lo:.3g} to {hi:.3g}; null {rule.null_value:g})"
        )
    else:
        assert rule.value and rule.threshold is not None
        v = _number(result_id, result, rule.value)
        region = "above" if v > rule.threshold else "below"
        detail = f"{rule.value} {v:.3g} (threshold {rule.threshold:g})"
    outcome = rule.outcomes[region]  # type: ignore[index]
    n = result.get("n")
    return {
        "result_id": result_id,
        "rule_id": rule.id,
        "outcome": region,
        "direction": outcome.direction,
        "sensitivity": outcome.sensitivity,
        "type1_error": outcome.type1_error,
        "justification": f"Rule {rule.id}, {region}: {detail}. {outcome.justification}",
        "n": (
            int(n)
            if isinstance(n, numbers.Real)
            and not isinstance(n, bool)
            and math.isfinite(n)
            and n >= 1
            else None
        ),
    }


def evidence_from_results(
    results: Mapping[str, Mapping[str, Any]],
    rules: Any,
    *,
    template: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Turn computed analysis results into evidence rows via declared rules.

    Parameters
    ----------
    results
        Result id to a mapping of named numbers, e.g.
        ``{"its.ncan.level_change": {"rate_ratio": 1.3, "ci_low": 1.1, "ci_high": 1.5}}``.
    rules
        A :class:`TheoryOfChange` (its ``evidence_rules``) or a sequence of
        :class:`EvidenceRule` or mappings. The first rule whose pattern matches a result id
        applies.
    template
        Optional evidence register (or its computed rows). If given, every computed row whose
        ``computed:<result_id>`` is in ``results`` is returned filled in (direction,
        probabilities, justification, ``n`` if the result carries one); rows without a result
        are returned unchanged (pending), and results no row refers to are ignored.

    Returns
    -------
    pandas.DataFrame
        Without ``template``: one row per result with ``source``, ``result_id``, ``rule_id``,
        ``outcome``, ``direction``, ``sensitivity``, ``type1_error``, ``justification``, ``n``.
        With ``template``: the template's computed rows with those columns filled and
        ``rule_id`` and ``outcome`` added.

    Raises
    ------
    MethodInputError
        A result no rule matches, or a result lacking a key the rule needs (or not finite).
    ParamsError
        A malformed rule.

    """
    rule_list = _rules(rules)

    def evaluate(result_id: str) -> dict[str, Any]:
        for rule in rule_list:
            if rule.matches(result_id):
                return _apply_rule(rule, result_id, results[result_id])
        patterns = [p for r in rule_list for p in r.patterns]
        raise MethodInputError(
            f"no evidence rule matches computed result {result_id!r}; rule patterns: {patterns}"
        )

    if template is None:
        rows = [{"source": f"{_COMPUTED_PREFIX}{rid}", **evaluate(rid)} for rid in results]
        frame = pd.DataFrame(
            rows,
            columns=[
                "source",
                "result_id",
                "rule_id",
                "outcome",
                "direction",
                "sensitivity",
                "type1_error",
                "justification",
                "n",
            ],
        )
        frame["n"] = frame["n"].astype("Int64")
        return frame
    comp = template[template["kind"] == "computed"].copy()
    comp["rule_id"] = pd.Series([None] * len(comp), index=comp.index, dtype=object)
    comp["outcome"] = pd.Series([None] * len(comp), index=comp.index, dtype=object)
    comp["direction"] = comp["direction"].astype(object)
    comp["justification"] = comp["justification"].astype(object)
    for idx, src in comp["source"].items():
        rid = str(src)[len(_COMPUTED_PREFIX) :]
        if rid not in results:
            continue
        ev = evaluate(rid)
        for col in (
            "direction",
            "sensitivity",
            "type1_error",
            "justification",
            "rule_id",
            "outcome",
        ):
            comp.at[idx, col] = ev[col]
        if ev["n"] is not None:
            comp.at[idx, "n"] = ev["n"]
    return comp


def resolve_computed(
    evidence: pd.DataFrame, results: Mapping[str, Mapping[str, Any]], rules: Any
) -> pd.DataFrame:
    """Return the evidence register with its computed rows filled from ``results``.

    Parameters
    ----------
    evidence
        The register from :func:`load_evidence`.
    results
        Computed results keyed by result id (see :func:`evidence_from_results`).
    rules
        Evidence rules (or the :class:`TheoryOfChange` holding them).

    Returns
    -------
    pandas.DataFrame
        Same rows and order as ``evidence`` plus ``rule_id`` and ``outcome`` columns; computed
        rows without a result stay pending (NaN probabilities).

    """
    filled = evidence_from_results(results, rules, template=evidence)
    out = evidence.copy()
    out["rule_id"] = pd.Series([None] * len(out), index=out.index, dtype=object)
    out["outcome"] = pd.Series([None] * len(out), index=out.index, dtype=object)
    out["direction"] = out["direction"].astype(object)
    out["justification"] = out["justification"].astype(object)
    for col in (
        "direction",
        "sensitivity",
        "type1_error",
        "justification",
        "n",
        "rule_id",
        "outcome",
    ):
        out.loc[filled.index, col] = filled[col]
    out.attrs.update(evidence.attrs)
    return out
