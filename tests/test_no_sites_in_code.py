"""No site id, scheme, network or date window written as a value in the modules that validate
and select data (issue 11): they come from params/ and data/published/.

The check covers the record and published-figure readers, the synthetic stand-ins for new
sites, the site-page results, the awards and referrals analyses, the contribution evidence
selection and the site colours. Docstring examples (in double back-quotes) are allowed.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ccs_methods.data.params import load_params

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "ccs_methods"
MODULES = [
    *sorted((SRC / "data" / "records").glob("*.py")),
    *sorted((SRC / "data" / "published").glob("*.py")),
    SRC / "data" / "datasets.py",
    SRC / "data" / "synth" / "new_sites.py",
    SRC / "analyses" / "published.py",
    SRC / "analyses" / "lwa.py",
    SRC / "analyses" / "referrals.py",
    SRC / "analyses" / "contribution.py",
    SRC / "analyses" / "contribution_claims.py",
    *sorted((SRC / "methods" / "contribution").glob("*.py")),
    SRC / "report" / "plots.py",
]


def _forbidden() -> re.Pattern[str]:
    params = load_params(ROOT / "params")
    words = set(params.programme.sites)
    for site in params.sites.values():
        words.add(site.lwa_scheme.short_name)
        net = site.referral_network
        if net.short_name:
            words.add(net.short_name)
            if net.referral_dataset:  # its lower-case key is the extract's network value
                words.add(net.short_name.lower())
    quoted = "|".join(sorted(map(re.escape, words)))
    return re.compile(rf"[\"']({quoted})[\"']|[\"']\d{{4}}-\d{{2}}(-\d{{2}})?[\"']")


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(SRC)))
def test_no_site_scheme_or_date_window_written_in_code(path: Path) -> None:
    pattern = _forbidden()
    hits = [
        f"{path.name}:{i}: {line.strip()}"
        for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if pattern.search(line) and "``" not in line
    ]
    assert hits == []


def test_the_check_finds_a_site_written_in_code() -> None:
    pattern = _forbidden()
    assert pattern.search('SITES = ("norfolk", "oldham")')
    assert pattern.search('date_range=("2017-01-01", "2021-12-31")')
    assert pattern.search('schemes = {"x": "NAS"}')
    assert not pattern.search("site = params.programme.sites[0]")
