"""Programme page: contribution analysis synthesis over every claim, year 1 and year 2."""

from __future__ import annotations

from templates.cells import code, md

SETUP = """
from IPython.display import Markdown, display

from ccs_methods import contribution_sections, pages, sitepage, survey
from ccs_methods.params import load_params

pages.setup_display()
params = load_params()
register = contribution_sections.load_register(params)
parts = contribution_sections.programme_synthesis(params, register=register)
survey_part = survey.survey_section(params)
"""

INTRO = """
How confident can we be that CCS contributed to each finding of the evaluation? Every key
finding of year 2 and the main findings of year 1 are held as contribution claims on
the theory of change, weighed on the evidence register by Bayesian updating (Contribution
Tracing). The book's own analyses of referrals, awards, networks and the local systems survey
add computed evidence; while they run on synthetic stand-ins, that evidence is shown only as a
labelled illustration and the headline confidence rests on the reports' evidence. The site
pages lay each claim out in Mayne's six steps. Method: `book/methods/contribution.md`; data:
`params/contribution/`.
"""

CELLS = [
    md("# Contribution analysis: synthesis"),
    code("", "parameters", "remove-cell"),
    md(INTRO),
    code(SETUP),
    md("## Confidence per claim"),
    code('sitepage.show_section(parts["claims"])'),
    md("## Local systems survey: capability and LA-VCS relationship (E8, E11)"),
    md(
        "The local systems survey behind key finding 5, recomputed with the n and a 95% "
        "interval for every percentage, and the difference between CCS-funded and other "
        "respondents. The report does not publish how many respondents were funded directly by "
        "CCS; the text below says what that means for the evidence register."
    ),
    code("sitepage.show_section(survey_part)"),
    md("## Computed evidence from the book's analyses"),
    code('sitepage.show_section(parts["computed"])'),
    md("## The theory of change"),
    code('sitepage.show_section(parts["theory_of_change"])'),
    md("## Assumptions of the year 2 logic model"),
    code('sitepage.show_section(parts["assumptions"])'),
]
