"""Reading the YAML files of ``params/``: safe, strict about duplicate keys, clear errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from ccs_methods.errors import ParamsError

__all__ = ["read_yaml"]


class _UniqueKeyLoader(yaml.SafeLoader):
    """A safe YAML loader that rejects a key given twice in one mapping (YAML keeps the last)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)  # type: ignore[no-untyped-call]
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def read_yaml(path: Path) -> dict[str, Any]:
    """Read a YAML mapping; :class:`ParamsError` names the file and line of any problem."""
    if not path.is_file():
        raise ParamsError("params file not found", file=path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ParamsError(f"not valid UTF-8 (byte {exc.start})", file=path) from exc
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc)
        raise ParamsError(f"YAML syntax error: {problem}", file=path, row=line) from exc
    if not isinstance(data, dict):
        raise ParamsError("expected a mapping of keys to values at the top level", file=path)
    return data
