"""Links a reviewer follows from a number to its source quote, its method and its data rows.

Every function returns one MyST role (pages render notebook Markdown as MyST), so the links are
checked by the nitpicky book build: a label that does not exist fails the build.

- :func:`repo_file`: a file of the project (a data file, a params file, a template), offered as
  a download from the built book, e.g. ``data/published/figures.csv``.
- :func:`method`: a section of a methods page, by its label (``method-<name>`` targets written
  above the headings of ``book/methods/*.md``).
- :func:`exhibit`: the entry of an exhibit (``E1`` .. ``E22``) on the exhibits page.
- :func:`source`: the list of quoted passages of one published report on the sources page.
- :func:`page`: another page of the book.

The labels are made by :func:`exhibit_label` and :func:`source_label`, which the exhibits and
sources pages use to write their targets, so a link and its target cannot drift apart.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath

__all__ = [
    "exhibit",
    "exhibit_label",
    "method",
    "page",
    "repo_file",
    "source",
    "source_label",
    "target",
]


def _text(text: str) -> str:
    """Escape the characters that end a role's text."""
    return text.replace("`", "'").replace("<", "‹").replace(">", "›")


def repo_file(path: str, text: str | None = None) -> str:
    """A download link to a file of the project, by its path from the project root.

    Parameters
    ----------
    path
        e.g. ``"data/published/figures.csv"``; must not leave the project.
    text
        Link text; default the path itself.

    """
    p = PurePosixPath(str(path).replace("\\", "/"))
    if p.is_absolute() or ".." in p.parts:
        raise ValueError(f"not a path inside the project: {path}")
    return f"{{download}}`{_text(text or str(p))} </../{p}>`"


def method(name: str, text: str) -> str:
    """A link to the methods section labelled ``method-<name>`` (see ``book/methods/``)."""
    return f"{{ref}}`{_text(text)} <method-{name}>`"


def exhibit_label(exhibit_id: str) -> str:
    """The target label of an exhibit's entry on the exhibits page (``E16`` → ``exhibit-e16``)."""
    eid = str(exhibit_id).strip()
    if not re.fullmatch(r"E\d+", eid):
        raise ValueError(f"not an exhibit id: {exhibit_id!r}")
    return f"exhibit-{eid.lower()}"


def exhibit(exhibit_id: str, text: str | None = None) -> str:
    """A link to an exhibit's entry on the exhibits page."""
    return f"{{ref}}`{_text(text or str(exhibit_id))} <{exhibit_label(exhibit_id)}>`"


def source_label(report_file: str) -> str:
    """The target label of a report's quoted passages on the sources page.

    ``"003_be4685d4f24850f1.txt"`` gives ``source-003``.
    """
    stem = PurePosixPath(str(report_file)).name
    m = re.match(r"(\d+)_", stem)
    key = m.group(1) if m else re.sub(r"[^a-z0-9]+", "-", stem.lower()).strip("-")
    return f"source-{key}"


def source(report_file: str, text: str | None = None) -> str:
    """A link to the quoted passages of one published report on the sources page."""
    return f"{{ref}}`{_text(text or str(report_file))} <{source_label(report_file)}>`"


def target(label: str) -> str:
    """A MyST target line (``(label)=``) to write above a heading or a table."""
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", label):
        raise ValueError(f"not a label: {label!r}")
    return f"({label})="


def page(docname: str, text: str) -> str:
    """A link to another page of the book by its path from ``book/`` (``/programme/trends``)."""
    if not docname.startswith("/"):
        docname = "/" + docname
    return f"{{doc}}`{_text(text)} <{docname}>`"
