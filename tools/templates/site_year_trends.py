"""Site-year page, part 2: trends in LWA/DAF awards and in referrals (questions 2 and 3)."""

from __future__ import annotations

from templates.cells import code, md

CELLS = [
    md(
        "## Local Welfare Assistance awards\n\n"
        "How did the site's crisis-support awards change, is there a trend, and how sure can we "
        "be? Annual awards by calendar year with exact small-sample trend tests, the report's "
        "E14 figures recomputed, a month-by-month control chart, and this programme year "
        "against the 12 months before it. Methods: `book/methods/trends.md`."
    ),
    code(
        "from ccs_methods import trend_sections\n\n"
        "lwa = trend_sections.lwa_section(ctx)\n"
        "sitepage.show_section(lwa)"
    ),
    md(
        "## Referrals\n\n"
        "Referrals through the site's referral system: where there is a pre-CCS period, an "
        "interrupted time series asks whether referrals changed at the CCS start beyond the "
        "prior trend, the season and Covid-19; where there is none, the year is described."
    ),
    code(
        "from ccs_methods import trend_sections\n\n"
        "referrals = trend_sections.referrals_section(ctx)\n"
        "sitepage.show_section(referrals)"
    ),
]
