"""Turn JSON Schema findings into located, human-worded problems."""
from __future__ import annotations

import difflib
from typing import Any

from jsonschema import Draft202012Validator

from ..errors import Problem
from .yamlload import Located

_TYPE_NAMES = {
    "string": "text",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
    "array": "a list",
    "object": "a mapping of keys",
    "null": "empty",
}


_VALIDATORS: dict[int, Draft202012Validator] = {}


def _validator(schema: dict) -> Draft202012Validator:
    # Building a validator compiles the schema; the schemas are module constants.
    found = _VALIDATORS.get(id(schema))
    if found is None:
        found = _VALIDATORS[id(schema)] = Draft202012Validator(schema)
    return found


def _describe(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"{str(value).lower()}"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, str):
        short = value if len(value) <= 40 else value[:37] + "..."
        return f"text {short!r}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def field_name(path: tuple) -> str:
    """`papers[2].scores.novelty` style name of a document path."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "the document"


def check(doc: Located, schema: dict) -> list[Problem]:
    """Every schema violation in `doc`, located and worded for an editor."""
    validator = _validator(schema)
    problems: list[Problem] = []
    for err in validator.iter_errors(doc.data):
        problems.extend(_explain(doc, err))
    # One value can break several rules; one message per place and wording is enough.
    return sorted(set(problems))


def _explain(doc: Located, err) -> list[Problem]:
    path = tuple(err.absolute_path)
    name = field_name(path)
    kind = err.validator
    schema = err.schema if isinstance(err.schema, dict) else {}
    if kind == "additionalProperties" and isinstance(err.instance, dict):
        allowed = sorted(schema.get("properties", {}))
        out = []
        for key in err.instance:
            if key in schema.get("properties", {}):
                continue
            if "properties" not in schema and "additionalProperties" in schema:
                continue
            hint = difflib.get_close_matches(str(key), allowed, n=1, cutoff=0.6)
            if hint:
                tip = f"did you mean '{hint[0]}'?"
            else:
                tip = "allowed keys here: " + ", ".join(allowed)
            where = f" in {name}" if path else ""
            out.append(doc.problem(path + (key,), f"unknown key '{key}'{where}; {tip}", key=True))
        return out
    if kind == "required":
        missing = [k for k in err.validator_value if k not in (err.instance or {})]
        where = f" in {name}" if path else ""
        return [doc.problem(path, f"missing required key '{k}'{where}; add it") for k in missing]
    if kind == "type":
        want = err.validator_value
        wants = want if isinstance(want, list) else [want]
        words = " or ".join(_TYPE_NAMES.get(w, w) for w in wants)
        hint = ""
        if "string" in wants and not isinstance(err.instance, str):
            hint = " (put the value in quotes)"
        return [doc.problem(path, f"{name} must be {words}, not {_describe(err.instance)}{hint}")]
    if kind == "anyOf" and "x-error-anyOf" in schema:
        return [doc.problem(path, f"{name}: {schema['x-error-anyOf']}")]
    if "x-error" in schema:
        return [doc.problem(path, f"{name} {schema['x-error']} (got {_describe(err.instance)})")]
    if kind in ("minimum", "maximum"):
        return [doc.problem(path, f"{name} is {err.instance}, outside the allowed range")]
    if kind == "maxItems":
        return [doc.problem(path, f"{name} has {len(err.instance)} entries; at most {err.validator_value} are allowed")]
    if kind == "minItems":
        return [doc.problem(path, f"{name} needs at least {err.validator_value} entries")]
    return [doc.problem(path, f"{name}: {err.message}")]
