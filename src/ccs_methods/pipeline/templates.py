"""Notebook templates: one editable source per template, checked before and after execution.

A template is a MyST Markdown notebook ``notebooks/<name>.md`` paired by jupytext with
``notebooks/<name>.ipynb``. The ``.md`` file is the source people edit (in JupyterLab, with
jupytext, or in any editor); the ``.ipynb`` pair carries the stored outputs that nbval compares
in CI. Nothing generates either file: :func:`refresh` re-executes the ``.md`` source with its
own parameters and writes the outputs into the pair, keeping every input exactly as written.

Rules checked here, each failing with a :class:`~ccs_methods.errors.ParamsError` that names the
file and cell:

- a template has a code cell tagged ``parameters`` (:func:`check_template`);
- the ``.ipynb`` pair has the same cells as its ``.md`` source (:func:`check_pair`);
- every ``{glue}`` name used in a Markdown cell that a reader sees was glued by the executed
  notebook (:func:`check_glue`);
- Markdown cells tagged ``section:<name>`` are hidden (tag ``remove-cell``) when the notebook
  glued ``section:<name>`` as skipped (:func:`hide_skipped_sections`), so a page without data
  for a step shows one note from :func:`ccs_methods.report.glue.skip` and no dangling prose.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path

import nbformat

from ccs_methods.errors import ParamsError

__all__ = [
    "GLUE_ROLE",
    "TEMPLATE_SUFFIX",
    "check_digits",
    "check_glue",
    "check_pair",
    "check_template",
    "digits_outside_glue",
    "glue_names_used",
    "glued_values",
    "has_parameters_cell",
    "hide_skipped_sections",
    "input_cells",
    "make_deterministic",
    "read_template",
    "refresh",
    "template_paths",
]

#: The suffix of template sources (MyST Markdown notebooks).
TEMPLATE_SUFFIX = ".md"
#: A myst-nb glue role or directive in Markdown: ``{glue}`key` ``, ``{glue:text}`key:.2f` ``,
#: ``{glue:md}`key` ``, ``{glue:figure} key``; the key may be ``page::key`` (another page).
GLUE_ROLE = re.compile(
    r"\{glue(?::(?:any|text|md|figure|math))?\}`((?:[^`:]|::)+)(?::[^`:][^`]*)?`"
)
_GLUE_DIRECTIVE = re.compile(r"^[`:]{3,}\{glue(?::\w+)?\}\s+(\S+)", re.M)
_SECTION_TAG = "section:"
_GLUE_PREFIX = "application/papermill.record/"


def template_paths(nb_dir: Path) -> list[Path]:
    """The template sources in ``nb_dir`` (``*.md`` notebooks), sorted by name."""
    return sorted(p for p in Path(nb_dir).glob(f"*{TEMPLATE_SUFFIX}") if p.is_file())


def read_template(path: Path) -> nbformat.NotebookNode:
    """Read a template source (``.md`` through jupytext, or ``.ipynb``) as a notebook.

    Cells of a ``.md`` source get stable ids (``cell-1``, ``cell-2``, ...), so executing the
    same source twice gives byte-identical pages.

    Raises
    ------
    ParamsError
        The file is missing or cannot be read as a notebook.

    """
    import jupytext

    path = Path(path)
    if not path.is_file():
        raise ParamsError("template notebook not found", file=path)
    try:
        if path.suffix == ".ipynb":
            return nbformat.read(path, as_version=4)
        nb = jupytext.read(path, fmt="md:myst")
    except Exception as exc:  # jupytext and nbformat raise several types
        raise ParamsError(f"not a readable notebook: {exc}", file=path) from exc
    for i, cell in enumerate(nb.cells, start=1):
        cell["id"] = f"cell-{i}"  # stable ids: the same source gives the same executed page
    return nb


def has_parameters_cell(nb: nbformat.NotebookNode) -> bool:
    """Whether a notebook has a code cell tagged ``parameters``."""
    return any(
        c.cell_type == "code" and "parameters" in c.get("metadata", {}).get("tags", [])
        for c in nb.cells
    )


def check_template(path: Path) -> nbformat.NotebookNode:
    """Read a template and check that papermill can inject parameters into it.

    Returns
    -------
    nbformat.NotebookNode
        The template as read.

    Raises
    ------
    ParamsError
        Unreadable, or no code cell tagged ``parameters``.

    """
    nb = read_template(path)
    if not has_parameters_cell(nb):
        raise ParamsError(
            "template has no code cell tagged 'parameters'; papermill needs one to inject"
            " the site and year (add ':tags: [parameters]' to the cell's options)",
            file=path,
            column="cells[].metadata.tags",
        )
    return nb


def input_cells(nb: nbformat.NotebookNode) -> list[tuple[str, str, tuple[str, ...]]]:
    """Each cell's type, stripped source and tags: what a pair must agree on."""
    return [
        (c.cell_type, c.source.strip(), tuple(c.get("metadata", {}).get("tags", [])))
        for c in nb.cells
    ]


def check_pair(md_path: Path) -> None:
    """Check that ``<name>.ipynb`` holds the same cells as its source ``<name>.md``.

    Raises
    ------
    ParamsError
        The pair is missing or differs; the message names the first differing cell and says
        how to bring the pair back in step (``make refresh-notebooks``).

    """
    md_path = Path(md_path)
    pair = md_path.with_suffix(".ipynb")
    fix = "run `make refresh-notebooks` (or save the notebook in JupyterLab with jupytext)"
    if not pair.is_file():
        raise ParamsError(f"paired notebook {pair.name} is missing; {fix}", file=md_path)
    src = input_cells(read_template(md_path))
    stored = input_cells(read_template(pair))
    for i, (a, b) in enumerate(zip(src, stored, strict=False), start=1):
        if a != b:
            what = "type" if a[0] != b[0] else "tags" if a[2] != b[2] else "source"
            raise ParamsError(
                f"paired notebook {pair.name} is out of sync with its source: cell {i} "
                f"differs in its {what}; {fix}",
                file=md_path,
                column=f"cell {i}",
            )
    if len(src) != len(stored):
        raise ParamsError(
            f"paired notebook {pair.name} is out of sync with its source: {len(stored)} cells "
            f"against {len(src)}; {fix}",
            file=md_path,
        )


def glue_names_used(source: str) -> list[str]:
    """The glue keys a Markdown text refers to, in order (``page::key`` forms excluded)."""
    names = GLUE_ROLE.findall(source) + _GLUE_DIRECTIVE.findall(source)
    return [n.strip() for n in names if "::" not in n]


def glued_values(nb: nbformat.NotebookNode) -> dict[str, object]:
    """The keys glued by an executed notebook, with their ``text/plain`` value."""
    found: dict[str, object] = {}
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        for out in cell.get("outputs", []):
            name = out.get("metadata", {}).get("scrapbook", {}).get("name")
            if name:
                data = out.get("data", {})
                found[name] = data.get("text/plain", data.get(_GLUE_PREFIX + "text/plain"))
    return found


def _removed(cell: nbformat.NotebookNode) -> bool:
    return "remove-cell" in cell.get("metadata", {}).get("tags", [])


def hide_skipped_sections(nb: nbformat.NotebookNode) -> list[str]:
    """Tag ``remove-cell`` on the cells of every section the notebook glued as skipped.

    A section is skipped when the executed notebook glued ``section:<name>`` with the value
    ``'skipped'`` (see :func:`ccs_methods.report.glue.skip`). Cells tagged ``section:<name>``
    then carry prose about a step that did not run; they stay in the notebook (a reader can see
    them) but are removed from the page.

    Returns
    -------
    list of str
        The skipped section names.

    """
    glued = glued_values(nb)
    skipped = sorted(
        k[len(_SECTION_TAG) :]
        for k, v in glued.items()
        if k.startswith(_SECTION_TAG) and str(v).strip("'\"") == "skipped"
    )
    for cell in nb.cells:
        tags = list(cell.get("metadata", {}).get("tags", []))
        hit = any(t[len(_SECTION_TAG) :] in skipped for t in tags if t.startswith(_SECTION_TAG))
        if hit and "remove-cell" not in tags:
            cell.setdefault("metadata", {})["tags"] = [*tags, "remove-cell"]
    return skipped


def check_glue(nb: nbformat.NotebookNode, template: Path) -> None:
    """Check that every glue key used in a shown Markdown cell was glued by the notebook.

    Raises
    ------
    ParamsError
        Naming the template, the 1-based cell and the missing keys.

    """
    glued = set(glued_values(nb))
    # numbered as in the template: papermill's injected-parameters cell is not counted
    cells = [c for c in nb.cells
             if "injected-parameters" not in c.get("metadata", {}).get("tags", [])]
    for i, cell in enumerate(cells, start=1):
        if cell.cell_type != "markdown" or _removed(cell):
            continue
        missing = [n for n in glue_names_used(cell.source) if n not in glued]
        if missing:
            raise ParamsError(
                "glue name(s) used in Markdown but never glued by the notebook: "
                + ", ".join(sorted(set(missing)))
                + " (glue them in a code cell above, or tag the cell with the section that"
                " was skipped)",
                file=template,
                column=f"cell {i}",
            )


_ALLOWED_SPANS = [
    GLUE_ROLE,
    re.compile(r"\{(?:cite|cite:p|cite:t|doc|ref|numref|eq|download|py:\w+)\}`[^`]*`"),
    re.compile(r"\]\([^)]*\)"),  # link targets
    re.compile(r"`[A-Za-z_][\w.\-/]*`"),  # code span of an identifier, e.g. `E14`, `its.fourier_k`
    re.compile(r"^%.*$", re.M),  # MyST comments
    re.compile(r"<!--.*?-->", re.S),
]


def digits_outside_glue(source: str) -> list[str]:
    """The digits of a Markdown text that are outside every allowed span.

    Allowed spans: a glue role, a citation or cross-reference, a link target, a code span of
    an identifier, a comment. A template's prose takes every number from the executed
    results; a digit left here is a
    number typed into the page (see CONTRIBUTING.md, "The digit rule").

    Returns
    -------
    list of str
        Each offending word (with its digits), in order.

    """
    text = source
    for pat in _ALLOWED_SPANS:
        text = pat.sub(" ", text)
    return re.findall(r"\S*\d\S*", text)


def check_digits(md_path: Path) -> None:
    """Raise :class:`ParamsError` at the first Markdown cell that types a number into prose."""
    nb = read_template(md_path)
    for i, cell in enumerate(nb.cells, start=1):
        if cell.cell_type != "markdown":
            continue
        bad = digits_outside_glue(cell.source)
        if bad:
            raise ParamsError(
                f"Markdown cell types number(s) into the prose: {', '.join(bad[:5])}; glue "
                "them from results ({glue:text}`name`) or write identifiers as code spans",
                file=md_path,
                column=f"cell {i}",
            )


def make_deterministic(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Strip run-specific metadata (timestamps, durations, absolute paths) from a notebook."""
    pm = nb.metadata.get("papermill")
    if pm is not None:
        nb.metadata["papermill"] = {
            k: pm[k] for k in ("parameters", "default_parameters") if k in pm
        }
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        md = cell.get("metadata", {})
        md.pop("papermill", None)
        md.pop("execution", None)
        if cell.cell_type == "code":
            for out in cell.get("outputs", []):
                out.get("metadata", {}).pop("execution", None)
    return nb


def refresh(md_path: Path, root: Path, *, timeout: int = 900) -> Path:
    """Execute a template source with its own parameters and store the outputs in its pair.

    Every input cell is kept exactly as in the ``.md`` source; only outputs change. The stored
    outputs are what ``pytest --nbval`` compares.

    Returns
    -------
    Path
        The paired ``.ipynb`` written.

    """
    from nbclient import NotebookClient

    md_path = Path(md_path)
    nb = check_template(md_path)
    NotebookClient(
        nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(root)}}
    ).execute()
    shown = copy.deepcopy(nb)  # as the page shows it; the stored pair keeps the source's tags
    hide_skipped_sections(shown)
    check_glue(shown, md_path)
    make_deterministic(nb)
    nb.metadata.setdefault("jupytext", {})["formats"] = "ipynb,md:myst"
    out = md_path.with_suffix(".ipynb")
    tmp = out.with_suffix(".ipynb.tmp")
    nbformat.write(nb, tmp)
    tmp.replace(out)
    return out


