"""Site-year page, part 1: context and what the reports publish (E2/E18, E3/E19)."""

from __future__ import annotations

from templates.cells import code, md

SETUP = """
from IPython.display import Markdown, display

from ccs_methods import pages, sitepage
from ccs_methods.params import load_params

pages.setup_display()
params = load_params()
ctx = pages.page_context(params, site, year)
display(Markdown(pages.intro_markdown(ctx)))
"""

CELLS = [
    code(SETUP),
    md(
        "## What CCS funded and did here\n\n"
        "Funding by workstream as published in the evaluation reports (exhibits E2 for year 2 and "
        "E18 for year 1). Each figure carries its source; the full quotes are listed at the foot "
        "of the page."
    ),
    code("funding = sitepage.funding_section(ctx)\nsitepage.show_section(funding)"),
    md(
        "## CCS team sessions and engagement\n\n"
        "Sessions held by the CCS team by purpose (E3, year 2) and engagement with people and "
        "organisations (E19, year 1)."
    ),
    code("engagement = sitepage.engagement_section(ctx)\nsitepage.show_section(engagement)"),
    md(
        "## Key features of coordination\n\n"
        "The four features the evaluators track (E4): a network, a referral system, resource to "
        "run them, and legitimacy to manage them in the long term."
    ),
    code(
        "coordination = sitepage.coordination_section(ctx)\n"
        "sitepage.show_section(coordination)"
    ),
]

SOURCES = [
    md("## Sources of the published figures on this page"),
    code(
        "shown = [v for v in list(globals().values()) if isinstance(v, sitepage.Section)]\n"
        "display(Markdown(sitepage.sources_for(shown)))"
    ),
]
