"""Programme page: referral networks (issue 5; exhibits E6, E7, E12, E13, E15).

A full notebook (``notebooks/programme_network.ipynb``, run once into
``book/programme/network.ipynb``). Each code cell shows one section computed by
``ccs_methods.network_sections.programme_network_sections``.
"""

from __future__ import annotations

from templates.cells import code, md

SETUP = """
from IPython.display import Markdown, display

from ccs_methods import network_sections, pages, sitepage
from ccs_methods.params import load_params

pages.setup_display()
params = load_params()
sections = network_sections.programme_network_sections(params)
"""


def _show(key: str) -> object:
    return code(f'sitepage.show_section(sections["{key}"])')


CELLS = [
    md(
        "# Referral networks: who refers to whom\n\n"
        "The year 2 report describes how organisations in Norfolk use the NCAN referral system "
        "(exhibits E12, E13, E15 and E6) and how far the new THCAN system in Tower Hamlets got "
        "(E7). This page regenerates each exhibit from the referral records, adds a 95% "
        "interval and the n behind every change, sets the published value and its source "
        "beside it, and says where the two agree. Definitions, the bootstrap and the "
        "disclosure rule are on the methods page "
        "[Referral networks and disclosure control](../methods/networks.md); the site pages "
        "show the same network by programme year."
    ),
    code("", "parameters", "remove-cell"),
    code(SETUP),
    md("## The NCAN referral data"),
    _show("overview"),
    md(
        "## Direction of referral and connections, 2019 vs 2021 (E12)\n\n"
        "The report's Figure 2.10: referrals to the VCS, organisations referring, connections "
        "and connections per organisation."
    ),
    _show("e12"),
    md("## The network in 2019 and 2021"),
    _show("diagrams"),
    md(
        "## Referrals between the NAS and the VCS (E15)\n\n"
        "The report's Figure 2.13: referrals from the Norfolk Assistance Scheme to VCS "
        "organisations and back."
    ),
    _show("e15"),
    md("## Referrals between statutory organisations, 2021 (E13)"),
    _show("e13"),
    md("## Reasons for referral over time (E6)"),
    _show("e6"),
    md("## THCAN in Tower Hamlets, 2021 (E7)"),
    _show("thcan"),
    md("## Comparability of definitions"),
    _show("definitions"),
    md("## Sources of the published figures on this page"),
    code("display(Markdown(sitepage.sources_for(list(sections.values()))))"),
]
