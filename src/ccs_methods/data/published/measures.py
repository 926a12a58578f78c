"""The naming scheme of the ``measure`` column of ``figures.csv``, as checkable rules.

A measure names **what is counted or valued** (the quantity: ``referrals``, ``households
supported``, ``respondents``), then, only where needed, **how the value expresses it**, as one
suffix from a closed list. The breakdown (workstream, survey answer, sector) goes in
``category``, the place in ``site``, the time in ``year`` and ``period_start``/``period_end``;
none of them belongs in the measure. The scheme, with every measure in use, is documented on the
data dictionary page (``book/data-dictionary-published.md``, "Measures").

``<quantity>[_<statistic>][_<expression>]``

- statistic: ``mean`` (an average), ``n`` (a sample size), ``low``/``high`` (the two ends of a
  range the report gives, qualifier ``range``);
- expression: ``gbp`` (pounds), ``pct`` (a percentage of the group the quantity names, e.g.
  ``respondents_pct``: respondents giving the answer in ``category`` as a percentage of all
  respondents), ``change_pct`` (a percentage change), ``change_ratio`` (a fold change,
  "3-fold", "trebling"), and for units of time ``months``, ``years``, ``hours_per_week``.

Each rule is a function of the whole frame returning one boolean per row (``True`` = follows
the rule), so the pandera schema of ``figures.csv`` can name the row, the column ``measure``
and the rule broken (:data:`RULES`).
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pandas as pd

__all__ = ["FORBIDDEN_WORDS", "RULES", "measure_problems"]

#: Words a measure may not contain, with what to write instead (issue 11: seven names for a
#: percentage of a group, ``_fold_change`` beside ``_change_pct``, abbreviations).
FORBIDDEN_WORDS: dict[str, str] = {
    "fold": "a fold change is '<quantity>_change_ratio'",
    "orgs": "write 'organisations'",
    "share": "name the group the percentage is of: '<group>_pct'",
    "survey": "name who answered: 'respondents', 'respondents_pct', 'respondents_n'",
    "england": "the place goes in the site column (geography 'england'), not in the measure",
}

_TIME_SUFFIX = {"months": "_months", "years": "_years", "hours_per_week": "_hours_per_week"}


def _ends(df: pd.DataFrame, suffix: str) -> pd.Series:
    return df["measure"].str.endswith(suffix)


def _pct_iff_percent(df: pd.DataFrame) -> pd.Series:
    return _ends(df, "_pct") == (df["unit"] == "percent")


def _gbp_iff_pounds(df: pd.DataFrame) -> pd.Series:
    return _ends(df, "_gbp") == (df["unit"] == "gbp")


def _change_is_a_suffix(df: pd.DataFrame) -> pd.Series:
    m = df["measure"]
    pct, ratio = _ends(df, "_change_pct"), _ends(df, "_change_ratio")
    stem = m.str.replace(r"_change_(pct|ratio)$", "", regex=True)
    return (
        ~stem.str.contains("change", regex=False)
        & (~ratio | (df["unit"] == "ratio"))
        & (~pct | (df["unit"] == "percent"))
    )


def _range_ends(df: pd.DataFrame) -> pd.Series:
    ends = df["measure"].str.contains(r"_(?:low|high)$", regex=True)
    return ends == (df["qualifier"] == "range")


def _time_units_named(df: pd.DataFrame) -> pd.Series:
    out = pd.Series(True, index=df.index)
    for unit, suffix in _TIME_SUFFIX.items():
        out &= (df["unit"] != unit) | _ends(df, suffix)
    return out


def _no_forbidden_word(df: pd.DataFrame) -> pd.Series:
    words = "|".join(map(re.escape, FORBIDDEN_WORDS))
    return ~df["measure"].str.contains(rf"(?:^|_)(?:{words})(?:_|$)", regex=True)


#: Rule (the message a broken row gets) -> check over the frame (True = row follows it).
RULES: dict[str, Callable[[pd.DataFrame], pd.Series]] = {
    "measure must end in '_pct' exactly when unit is 'percent' (a percentage of the group "
    "the measure names)": _pct_iff_percent,
    "measure must end in '_gbp' exactly when unit is 'gbp'": _gbp_iff_pounds,
    "a change must be named '<quantity>_change_pct' (unit 'percent') or "
    "'<quantity>_change_ratio' (unit 'ratio'); 'change' may appear nowhere else": (
        _change_is_a_suffix
    ),
    "the two ends of a range are '<quantity>_low' and '<quantity>_high', with qualifier "
    "'range' (and only they have it)": _range_ends,
    "a measure in months, years or hours_per_week must end in '_months', '_years' or "
    "'_hours_per_week'": _time_units_named,
    "measure uses a word the naming scheme replaces ("
    + ", ".join(FORBIDDEN_WORDS)
    + "; see FORBIDDEN_WORDS and the data dictionary, 'Measures')": _no_forbidden_word,
}


def measure_problems(measure: str, unit: str, qualifier: str = "") -> list[str]:
    """The naming rules one measure breaks (empty when it follows the scheme).

    Parameters
    ----------
    measure, unit, qualifier
        The row's ``measure``, ``unit`` and ``qualifier`` (empty = as stated).

    Returns
    -------
    list of str
        The messages of :data:`RULES` the row breaks, in rule order.

    Examples
    --------
    >>> measure_problems("lwa_awards_change_ratio", "ratio")
    []
    >>> len(measure_problems("lwa_awards_fold_change", "ratio"))
    2

    """
    row = pd.DataFrame({"measure": [measure], "unit": [unit], "qualifier": [qualifier]})
    return [msg for msg, rule in RULES.items() if not bool(rule(row).iloc[0])]
