"""arXiv identifiers: the one place their syntax is written.

An id is new style, `2411.17700` (YYMM.NNNNN; four digits before 2015), or old style, `hep-th/9901001`;
either may carry a version, `v2`, and an `arXiv:` prefix. Callers differ in what they accept around that:
editors write bare ids (`split_written_id`, checked against arXiv's numbering), arXiv's own pages and feeds
give them inside links (`split_id`), scoring takes whatever a record holds (`bare_id`, never raises).
"""
from __future__ import annotations

import re

NEW_STYLE = r"\d{4}\.\d{4,5}"
OLD_STYLE = r"[a-z][a-z-]*(?:\.[A-Z]{2})?/\d{7}"
VERSION_NUMBER = r"[1-9]\d*"
PREFIX = "arXiv:"
# The JSON Schema "pattern" of an id as editors write it (issue files, topic.examples).
SCHEMA_PATTERN = rf"^(?:{PREFIX})?(?:{NEW_STYLE}|{OLD_STYLE})(?:v{VERSION_NUMBER})?$"

_ID = re.compile(rf"(?:{PREFIX})?(?P<id>{NEW_STYLE}|{OLD_STYLE})(?:v(?P<version>{VERSION_NUMBER}))?")
# A citation key such as [@2411.17700v3]: any version number, as an editor may cite one not listed.
_CITED_VERSION = re.compile(rf"(?P<id>{NEW_STYLE})v\d+")
# Where arXiv's links and records put the id: after the last of these.
_LINK_PREFIXES = ("abs/", "oai:arXiv.org:")


def split_id(text: str) -> tuple[str, int | None]:
    """'2411.17700v2' or 'https://arxiv.org/abs/2411.17700v2' -> ('2411.17700', 2); ValueError otherwise."""
    text = text.strip()
    for prefix in _LINK_PREFIXES:
        if prefix in text:
            text = text.rsplit(prefix, 1)[1]
    m = _ID.fullmatch(text)
    if not m:
        raise ValueError(f"{text!r} is not an arXiv identifier")
    return _parts(m)


def split_written_id(text: str) -> tuple[str, int | None]:
    """An id as an editor writes it, '2606.32020v2' -> ('2606.32020', 2); ValueError when it is no arXiv id.

    Stricter than `split_id` on the number: the month is 01-12, five digits since 1501, four before.
    """
    text = text.strip()
    m = _ID.fullmatch(text)
    if not m:
        raise ValueError(f"{text!r} is not an arXiv id")
    ident, version = _parts(m)
    if "/" not in ident:
        yymm, number = ident.split(".")
        # Four-digit numbers ran from 0704 to 1412; five digits since 1501.
        if year_month(ident) is None or (len(number) == 5) != (yymm >= "1501"):
            raise ValueError(f"{text!r} is not an arXiv id: YYMM.NNNNN (five digits since 2015, four before)")
    return ident, version


def year_month(text: str) -> tuple[int, int] | None:
    """When a new-style id was numbered: '2411.17700' or '2411.17700v2' -> (2024, 11); None for any other text."""
    m = _ID.fullmatch(text)
    if m is None or "/" in m.group("id"):
        return None
    yy, mm = int(m.group("id")[:2]), int(m.group("id")[2:4])
    return (2000 + yy, mm) if 1 <= mm <= 12 else None


def bare_id(value: object) -> str:
    """The versionless id: "arXiv:2411.17769v2" -> "2411.17769".

    Lenient on purpose, unlike `split_written_id`, which raises: a record whose id is no arXiv id is
    still scored, under the id as written (less a trailing "v<digits>").
    """
    text = value.strip() if isinstance(value, str) else ""
    if text[:len(PREFIX)].lower() == PREFIX.lower():
        text = text[len(PREFIX):]
    i = text.rfind("v")
    if i > 0 and text[i + 1:].isdigit():
        text = text[:i]
    return text


def cited_without_version(key: str) -> str | None:
    """A citation key naming a new-style id with a version, '2411.17700v3' -> '2411.17700'; None otherwise."""
    m = _CITED_VERSION.fullmatch(key)
    return m.group("id") if m else None


def _parts(m: re.Match[str]) -> tuple[str, int | None]:
    version = m.group("version")
    return m.group("id"), int(version) if version else None
