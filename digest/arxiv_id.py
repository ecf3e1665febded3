"""arXiv identifiers: split '2411.17700v2' into the versionless id and the version."""
from __future__ import annotations

import re

_ID = re.compile(
    r"(?:arXiv:)?(?P<id>\d{4}\.\d{4,5}|[a-z][a-z-]*(?:\.[A-Z]{2})?/\d{7})(?:v(?P<version>[1-9]\d*))?"
)


def split_id(text: str) -> tuple[str, int | None]:
    """'2411.17700v2' or 'https://arxiv.org/abs/2411.17700v2' -> ('2411.17700', 2); ValueError otherwise."""
    text = text.strip()
    for prefix in ("abs/", "oai:arXiv.org:"):
        if prefix in text:
            text = text.rsplit(prefix, 1)[1]
    m = _ID.fullmatch(text)
    if not m:
        raise ValueError(f"{text!r} is not an arXiv identifier")
    version = m.group("version")
    return m.group("id"), int(version) if version else None
