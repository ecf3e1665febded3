"""The digest.yaml reference (docs/configuration.md), written from the schema so the two cannot drift."""
from __future__ import annotations

import json
from typing import Any

from .schemas import CONFIG

HEADER = """# digest.yaml: every key

Generated from the schema by `digest schema --reference docs/configuration.md`; edit
`digest/schemas.py`, not this file. Editors with yaml-language-server get the same
descriptions while typing (`digest schema` writes `schemas/digest.schema.json`).
A key left out takes its default; `digest check` reports any other key as an error
with a did-you-mean.
"""


def reference_markdown() -> str:
    """docs/configuration.md: one section per top-level key, one row per setting."""
    out = [HEADER]
    required = set(CONFIG.get("required", ()))
    for name, section in CONFIG["properties"].items():
        need = " (required)" if name in required else ""
        out.append(f"## `{name}:`{need}\n")
        if section.get("description"):
            out.append(f"{section['description']}.\n")
        out.append("| key | value | default | what it does |")
        out.append("|---|---|---|---|")
        inner_required = set(section.get("required", ()))
        for key, path, node in _settings(section, name):
            default = "required" if key in inner_required else _default(node)
            out.append(f"| `{path}` | {_value(node)} | {default} | {_cell(node.get('description', ''))} |")
        out.append("")
    return "\n".join(out)


def _settings(section: dict, prefix: str):
    """(key, dotted path, schema) of each setting in a section, nested objects with properties flattened."""
    for key, node in section.get("properties", {}).items():
        path = f"{prefix}.{key}"
        yield key, path, node
        if node.get("type") == "object" and node.get("properties"):
            for sub, subpath, subnode in _settings(node, path):
                yield sub, subpath, subnode


def _value(node: dict) -> str:
    """What a value may be, in a few words."""
    kind = node.get("type")
    if kind == "array":
        return f"list of {_value(node.get('items', {})) or 'values'}"
    if kind == "object":
        extra = node.get("additionalProperties")
        return f"mapping to {_value(extra)}" if isinstance(extra, dict) else "mapping"
    if isinstance(kind, list):
        return " or ".join(kind)
    low, high = node.get("minimum"), node.get("maximum")
    span = f" {low}–{high}" if low is not None and high is not None else f" ≥ {low}" if low is not None else ""
    words = {"string": "text", "integer": "whole number", "number": "number", "boolean": "true/false"}
    return f"{words.get(kind, kind or 'any')}{span}" if kind else ""


def _default(node: dict) -> str:
    if "default" not in node:
        return "–"
    value: Any = node["default"]
    return f"`{json.dumps(value, ensure_ascii=False)}`" if not isinstance(value, str) else f'`"{value}"`'


def _cell(text: str) -> str:
    """A table cell: pipes escaped, no line breaks."""
    return " ".join(text.split()).replace("|", "\\|").replace("<", "\\<")
