"""Programme page: trends in LWA/DAF awards and NCAN referrals across the pilot sites."""

from __future__ import annotations

from templates.cells import code, md

SETUP = """
from IPython.display import Markdown, display

from ccs_methods import pages, sitepage, trend_sections
from ccs_methods.params import load_params

pages.setup_display()
params = load_params()
sections = trend_sections.programme_trends_sections(params)
"""

INTRO = """
# Trends across the pilot sites

The evaluation reports describe changes in Local Welfare Assistance (LWA) and Discretionary
Assistance Fund (DAF) awards (E14), in NCAN referrals (E5) and in referrals between the Norfolk
Assistance Scheme and the voluntary and community sector (E15) as single before/after figures,
with no test or interval. This page recomputes each from the data, sets it beside the published
figure and its source, and adds what the reports lacked: exact small-sample trend tests,
intervals, a pooled trend across sites, and the n behind every estimate. The site pages carry
the per-site detail (control charts and the interrupted time series of NCAN referrals). Methods:
`book/methods/trends.md`.
"""

CELLS = [
    code("", "parameters", "remove-cell"),
    md(INTRO),
    code(SETUP),
    md("## LWA/DAF awards across the sites"),
    code("sitepage.show_section(sections[0])"),
    md("## A pooled trend"),
    code("sitepage.show_section(sections[1])"),
    md("## E14 regenerated: LWA/DAF awards over time"),
    code("sitepage.show_section(sections[2])"),
    md("## E5 regenerated: NCAN referrals before and since CCS"),
    code(
        "if len(sections) > 3:\n"
        "    sitepage.show_section(sections[3])\n"
        "else:\n"
        "    display(Markdown('No site has NCAN referral data in params.'))"
    ),
    md("## E15 regenerated: referrals between the NAS and the VCS"),
    code(
        "if len(sections) > 4:\n"
        "    sitepage.show_section(sections[4])\n"
        "else:\n"
        "    display(Markdown('No site has NCAN referral data in params.'))"
    ),
    md("## Sources of the published figures on this page"),
    code("display(Markdown(sitepage.sources_for(sections)))"),
]
