"""A small Sphinx extension for the API reference: resolve short names in docstrings.

Docstrings refer to their neighbours by short name (``:func:`mann_kendall```,
``:data:`DATASETS```) while the reference documents them under the module that defines them or
under the package that re-exports them. Sphinx resolves a short name only in the current
module, so the nitpicky build (``-n``) would fail on every such reference. On Sphinx's
``missing-reference`` event this extension:

1. looks the name up in the whole Python domain (as a ``.name`` reference would) and, if it
   is documented, links to the object closest to the current module (longest common module
   prefix, then the shortest dotted name, i.e. the package that re-exports it);
2. otherwise, if the name is a real object of ``ccs_methods`` (importable from the current
   module, e.g. a constant without a doc comment), shows it as code without a link.

Anything else (a typo, a removed function) stays a warning, so the build still fails on it.
References to other libraries (pandas, numpy, ...) are listed in ``nitpick_ignore_regex`` in
``_config.yml``: the book is built offline, without intersphinx.
"""

from __future__ import annotations

import importlib
import re
from typing import Any

__all__ = ["setup"]


def _common_prefix(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a.split("."), b.split("."), strict=False):
        if x != y:
            break
        n += 1
    return n


def _exists(modname: str | None, clsname: str | None, target: str) -> bool:
    """Whether ``target`` names an object of ``ccs_methods`` seen from ``modname``."""
    if not modname or not modname.startswith("ccs_methods"):
        return False
    parts = target.split(".")
    if parts[0] == "ccs_methods":
        return _exists(".".join(parts[:-1]), None, parts[-1]) if len(parts) > 1 else True
    mods = modname.split(".")
    # the current module, then the packages above it (which re-export their modules' names)
    for depth in range(len(mods), 1, -1):
        try:
            obj: Any = importlib.import_module(".".join(mods[:depth]))
        except ImportError:
            continue
        if depth == len(mods) and clsname:
            cls: Any = obj
            for p in clsname.split("."):
                cls = getattr(cls, p, None)
            if cls is not None and hasattr(cls, parts[0]):
                return True
        for p in parts:
            if not hasattr(obj, p):
                break
            obj = getattr(obj, p)
        else:
            return True
    return False


def _missing_reference(app: Any, env: Any, node: Any, contnode: Any) -> Any:
    if node.get("refdomain") != "py":
        return None
    from sphinx.util.nodes import make_refnode

    target = str(node.get("reftarget", "")).lstrip(".~")
    if not target:
        return None
    modname = node.get("py:module")
    clsname = node.get("py:class")
    domain = env.get_domain("py")
    matches = domain.find_obj(env, modname, clsname, target, node.get("reftype"), 1)
    if not matches:
        matches = domain.find_obj(env, modname, clsname, target, None, 1)
    if matches:
        here = modname or ""
        name, obj = min(matches, key=lambda m: (-_common_prefix(here, m[0]), len(m[0]), m[0]))
        return make_refnode(
            app.builder, node["refdoc"], obj.docname, obj.node_id, contnode, name
        )
    if _exists(modname, clsname, target):
        return contnode
    return None


_PLAIN_TYPE = re.compile(r"^[\w.\[\], |]+$")


def _guard_attribute_docstring(
    app: Any, what: str, name: str, obj: Any, options: Any, lines: list[str]
) -> None:
    """Keep napoleon from reading a constant's first sentence as its type.

    napoleon reads the first line of an attribute docstring as ``type: description``; a
    docstring such as "Verbal scale for the posterior: the first label ..." would get the
    type "Verbal scale for the posterior". Unless the part before the colon looks like a type
    (``int``, ``dict[str, int]``, ``str | None``), an empty RST comment (``..``) is put first,
    so that napoleon sees no inline type; the comment renders as nothing.
    """
    if what not in ("data", "attribute") or not lines:
        return
    head, colon, rest = lines[0].partition(":")
    looks_like_type = bool(_PLAIN_TYPE.match(head.strip())) and " " not in head.strip().replace(
        ", ", ","
    ).replace(" | ", "|")
    if colon and rest.strip() and not rest.startswith(":") and not looks_like_type:
        lines[0:0] = ["..", ""]


def setup(app: Any) -> dict[str, Any]:
    """Register the handlers with Sphinx (the docstring guard runs before napoleon's)."""
    app.connect("missing-reference", _missing_reference)
    app.connect("autodoc-process-docstring", _guard_attribute_docstring, priority=400)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
