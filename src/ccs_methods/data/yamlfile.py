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
                    None, None, f"duplicate key {key!r} (YAML keeps the last)", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _bad_scalar(text: str) -> tuple[int | None, str | None]:
    """The line and text of the first scalar the safe loader cannot construct (best effort)."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return None, None
    stack = [root] if root is not None else []
    loader = yaml.SafeLoader("")
    while stack:
        node = stack.pop(0)
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                stack += [k, v]
        elif isinstance(node, yaml.SequenceNode):
            stack += list(node.value)
        elif isinstance(node, yaml.ScalarNode):
            try:
                loader.construct_object(node, deep=True)  # type: ignore[no-untyped-call]
            except (ValueError, OverflowError):
                return node.start_mark.line + 1, str(node.value)
    return None, None


def read_yaml(path: Path) -> dict[str, Any]:
    """Read a YAML mapping; :class:`ParamsError` names the file and line of any problem."""
    if not path.is_file():
        raise ParamsError("params file not found", file=path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        line = path.read_bytes().count(b"\n", 0, exc.start) + 1
        raise ParamsError(
            f"not valid UTF-8 (byte {exc.start}); save the file as UTF-8",
            file=path,
            row=line,
            rule="UTF-8",
        ) from None
    except OSError as exc:
        raise ParamsError(f"cannot be read: {exc.strerror}", file=path) from None
    for i, ln in enumerate(text.splitlines(), start=1):
        if "\t" in ln[: len(ln) - len(ln.lstrip())]:
            raise ParamsError(
                "a tab is used for indentation; YAML needs spaces",
                file=path,
                row=i,
                rule="YAML indentation",
            )
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc)
        raise ParamsError(
            f"YAML syntax error: {problem}", file=path, row=line, rule="YAML syntax"
        ) from None
    except (ValueError, OverflowError) as exc:  # e.g. a date that does not exist: 2019-02-30
        line, value = _bad_scalar(text)
        what = f"value {value!r} " if value is not None else ""
        raise ParamsError(
            f"{what}cannot be read ({exc}); dates are YYYY-MM-DD and must exist",
            file=path,
            row=line,
            rule="valid date",
        ) from None
    if not isinstance(data, dict):
        raise ParamsError("expected a mapping of keys to values at the top level", file=path)
    return data
