"""Site-year contribution page: each claim about the site and year in Mayne's six steps.

Executed for every site × year into ``book/sites/<site>/year-<n>-contribution.ipynb``.
"""

from __future__ import annotations

from templates.cells import code, md, title_and_parameters

SETUP = """
from IPython.display import Markdown, display

from ccs_methods import contribution_sections, pages, sitepage
from ccs_methods.params import load_params

pages.setup_display()
params = load_params()
ctx = pages.page_context(params, site, year)
register = contribution_sections.load_register(params)
"""

INTRO = """
Did CCS plausibly contribute to the changes seen here? The evaluators used contribution
analysis (Mayne 2008, 2012) and answered in prose. This page keeps every ingredient as data
(`params/contribution/`): the claim and its place in the theory of change, the evidence with two
judged probabilities each (how likely it would be if CCS contributed, and if it did not), the
rival explanations, and evidence computed by this book's own analyses, turned into probabilities
by declared rules. Bayes' theorem gives the posterior probability that CCS contributed as
claimed, with its sensitivity to every judgement. Computed evidence from synthetic stand-in data
is not evidence about CCS: it is shown, labelled as an illustration, but the headline posterior
leaves it out. Method: `book/methods/contribution.md`.
"""

CELLS = [
    *title_and_parameters(),
    code(SETUP),
    md(INTRO),
    code(
        "sections = contribution_sections.site_year_contribution(ctx, register=register)\n"
        "for section in sections:\n"
        "    sitepage.show_section(section)"
    ),
    md("## Computed evidence: the analyses asked"),
    code("display(Markdown(register.collected.describe()))"),
]
