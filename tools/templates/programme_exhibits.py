"""The "published figures" page: every exhibit E1-E22 with sources, gaps and tensions."""

from __future__ import annotations

from templates.cells import code, md

CELLS = [
    md(
        "# Published figures, exhibit by exhibit\n\n"
        "Every figure the published reports state in their text, transcribed into "
        "`data/published/` with the report, section and words it came from. Use this page to "
        "trace any published number in the book. Values that exist only in the reports' charts "
        "could not be transcribed; each exhibit says what is missing."
    ),
    code("", "parameters", "remove-cell"),
    code(
        "from IPython.display import Markdown, display\n\n"
        "from ccs_methods import exhibits, pages, sitepage\n\n"
        "pages.setup_display()\n"
        "shown = []"
    ),
    md("## Where the reports disagree with themselves"),
    code("s = exhibits.tensions_section()\nsitepage.show_section(s)\nshown.append(s)"),
    md("## Exhibits E1 to E22"),
    code(
        "for eid in exhibits.EXHIBIT_TITLES:\n"
        "    s = exhibits.exhibit_section(eid)\n"
        "    display(Markdown(f'### {s.title}'))\n"
        "    sitepage.show_section(s)\n"
        "    shown.append(s)\n"
        "    if eid == 'E4':\n"
        "        sitepage.show_section(exhibits.coordination_section())\n"
        "    if eid == 'E16':\n"
        "        k = exhibits.kpi_section()\n"
        "        sitepage.show_section(k)\n"
        "        shown.append(k)\n"
        "    if eid == 'E17':\n"
        "        a = exhibits.assumptions_section()\n"
        "        sitepage.show_section(a)\n"
        "        shown.append(a)"
    ),
    md("## Sources"),
    code("display(Markdown(sitepage.sources_for(shown)))"),
]
