"""Safe YAML loading that keeps where every value came from.

The C composer gives speed; walking its node graph ourselves gives line and
column for every value, rejects duplicate keys, and bounds the work an alias
bomb or a deeply nested document can cause.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ..errors import DigestError, Problem

try:  # libyaml is present in PyYAML's wheels; fall back rather than fail
    _Loader = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on the platform's wheel
    _Loader = yaml.SafeLoader

MAX_BYTES = 4 * 1024 * 1024
MAX_NODES = 100_000
MAX_DEPTH = 64

Path_ = tuple  # a path into the document: keys and list indexes

_constructor = yaml.constructor.SafeConstructor()
_SCALAR_TAGS = {
    "tag:yaml.org,2002:int": _constructor.construct_yaml_int,
    "tag:yaml.org,2002:float": _constructor.construct_yaml_float,
    "tag:yaml.org,2002:bool": _constructor.construct_yaml_bool,
    "tag:yaml.org,2002:null": _constructor.construct_yaml_null,
}


@dataclass
class Located:
    """A plain YAML value plus the 1-based (line, col) of each value and mapping key in it."""

    data: Any
    file: str
    marks: dict[tuple, tuple[int, int]]
    key_marks: dict[tuple, tuple[int, int]]

    def where(self, path: tuple, *, key: bool = False) -> tuple[int, int]:
        """The closest known location of `path` (falls back to its parents, then 1:1)."""
        table = self.key_marks if key else self.marks
        p = tuple(path)
        if key and p in table:
            return table[p]
        while p:
            if p in self.marks:
                return self.marks[p]
            p = p[:-1]
        return self.marks.get((), (1, 1))

    def problem(self, path: tuple, message: str, *, key: bool = False, severity: str = "error") -> Problem:
        """A Problem located at `path`."""
        line, col = self.where(path, key=key)
        return Problem(self.file, line, col, message, severity)


def _mark(node: yaml.Node) -> tuple[int, int]:
    return (node.start_mark.line + 1, node.start_mark.column + 1)


def load_text(text: str, file: str) -> Located:
    """Parse one YAML document into plain values (timestamps stay strings) with their locations."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        raise DigestError(Problem(file, 1, 1, f"file is larger than {MAX_BYTES // (1024 * 1024)} MiB; split it or remove pasted data"))
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        raise DigestError(_syntax_problem(text, exc, file)) from None
    except yaml.YAMLError as exc:
        raise DigestError(Problem(file, 1, 1, f"YAML error: {exc}")) from None
    except (RecursionError, MemoryError):
        raise DigestError(Problem(file, 1, 1, "document is nested too deeply to read; flatten it")) from None
    marks: dict[tuple, tuple[int, int]] = {}
    key_marks: dict[tuple, tuple[int, int]] = {}
    if node is None:
        return Located(None, file, {(): (1, 1)}, {})
    budget = [MAX_NODES]
    data = _convert(node, (), 0, file, marks, key_marks, budget)
    return Located(data, file, marks, key_marks)


# PyYAML's context for errors inside something opened earlier: its context mark is the opening.
_OPENERS = {"while scanning a quoted scalar": "quote", "while parsing a flow sequence": "[",
            "while parsing a flow mapping": "{"}
_KEY_LINE = re.compile(r"^[ \t]*[A-Za-z_][\w.-]*:([ \t]|$)", re.MULTILINE)


def _syntax_problem(text: str, exc: yaml.MarkedYAMLError, file: str) -> Problem:
    """A syntax error located where the quote or bracket that broke the document was opened, when known."""
    mark = exc.problem_mark or exc.context_mark
    line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    what = exc.problem or exc.context or "invalid YAML"
    opener = _OPENERS.get(exc.context or "")
    # Only when the trouble shows on a later line: on the same line the opener is not what is wrong.
    if opener and exc.context_mark is not None and exc.context_mark.line + 1 < line:
        start = exc.context_mark
        closer = {"quote": "the closing quote", "[": "its ]", "{": "its }"}[opener]
        thing = "the quote" if opener == "quote" else f"the {opener}"
        return Problem(file, start.line + 1, start.column + 1,
                       f"YAML syntax error: {thing} opened here is not closed ({what} at line {line}); add {closer}")
    runaway = _runaway_quote(text, mark.index if mark else len(text), line)
    if runaway is not None:
        (qline, qcol), closed_at = runaway
        return Problem(file, qline, qcol,
                       f"YAML syntax error: the quote opened here runs on to line {closed_at}, over the keys "
                       f"between; close it on this line")
    return Problem(file, line, col, f"YAML syntax error: {what}; check indentation and quoting here")


def _runaway_quote(text: str, before: int, error_line: int) -> tuple[tuple[int, int], int] | None:
    """The quoted value that ends on the error's line after spanning `key:` lines: a quote left open.

    Its closing quote was meant to open another value, so the rest of that line is what fails.
    """
    found = None
    try:
        for token in yaml.scan(text, Loader=_Loader):
            if token.start_mark.index >= before:
                break
            if isinstance(token, yaml.ScalarToken) and token.style in ("'", '"') \
                    and token.end_mark.line + 1 == error_line and token.end_mark.line > token.start_mark.line \
                    and _KEY_LINE.search(text, token.start_mark.index, token.end_mark.index):
                found = ((token.start_mark.line + 1, token.start_mark.column + 1), token.end_mark.line + 1)
    except yaml.YAMLError:
        pass  # the scan stops at the same error; what was seen before it is what counts
    return found


def load_file(path: str | Path, display: str | None = None) -> Located:
    """Read and parse a YAML file; errors carry `display` (default: the path as given)."""
    path = Path(path)
    file = display or str(path)
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise DigestError(Problem(file, 1, 1, f"file is larger than {MAX_BYTES // (1024 * 1024)} MiB; split it or remove pasted data"))
        raw = path.read_bytes()
    except FileNotFoundError:
        raise DigestError(Problem(file, 0, 0, "file not found")) from None
    except OSError as exc:
        raise DigestError(Problem(file, 0, 0, f"cannot read file: {exc.strerror or exc}")) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise DigestError(Problem(file, line, col, "file is not valid UTF-8; re-save it as UTF-8")) from None
    return load_text(text, file)


def _convert(node, path, depth, file, marks, key_marks, budget):
    budget[0] -= 1
    if budget[0] < 0:
        raise DigestError(Problem(file, *_mark(node), f"document expands to more than {MAX_NODES:,} values (alias bomb?); remove repeated aliases"))
    if depth > MAX_DEPTH:
        raise DigestError(Problem(file, *_mark(node), f"nesting deeper than {MAX_DEPTH} levels; flatten the structure"))
    marks[path] = _mark(node)
    if isinstance(node, yaml.ScalarNode):
        construct = _SCALAR_TAGS.get(node.tag)
        if construct is not None:
            try:
                return construct(node)
            except (ValueError, OverflowError):
                return node.value
        return node.value  # str, timestamps and unknown tags stay text; validation decides
    if isinstance(node, yaml.SequenceNode):
        return [_convert(child, path + (i,), depth + 1, file, marks, key_marks, budget) for i, child in enumerate(node.value)]
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise DigestError(Problem(file, *_mark(key_node), "merge keys ('<<') are not supported; write the keys out"))
            if not isinstance(key_node, yaml.ScalarNode):
                raise DigestError(Problem(file, *_mark(key_node), "a mapping key must be plain text"))
            key = key_node.value
            if key in out:
                first = key_marks.get(path + (key,), (0, 0))
                raise DigestError(Problem(file, *_mark(key_node), f"duplicate key '{key}' (first defined at line {first[0]}); keep one"))
            key_marks[path + (key,)] = _mark(key_node)
            out[key] = _convert(value_node, path + (key,), depth + 1, file, marks, key_marks, budget)
        return out
    raise DigestError(Problem(file, *_mark(node), "unsupported YAML node"))
