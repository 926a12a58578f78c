"""Site-year page, part 3: the referral network (issue 5; exhibits E7, E10 and the NCAN data).

One thin code cell: everything is computed by ``ccs_methods.network_sections.network_section``,
which returns a note where the site has no referral data for the year.
"""

from __future__ import annotations

from templates.cells import code, md

CELLS = [
    md(
        "## Referral network\n\n"
        "Who refers to whom on the site's referral system: the network of organisations in "
        "this programme year against the year before (for year 1, the twelve months before "
        "CCS), with 95% bootstrap intervals and the number of referrals and organisations "
        "behind each measure; referrals between sectors, to and from the LWA scheme, reasons "
        "for referral and acceptance rates. Small counts are suppressed (`[c]`). Definitions, "
        "the bootstrap and the disclosure rule are on the methods page "
        "[Referral networks and disclosure control](../../methods/networks.md)."
    ),
    code(
        "from ccs_methods import network_sections\n"
        "net = network_sections.network_section(ctx)\n"
        "sitepage.show_section(net)"
    ),
]
