"""Small helpers to read built pages as parsed HTML."""
from __future__ import annotations

from pathlib import Path

from bs4 import BeautifulSoup


def page(path: Path) -> BeautifulSoup:
    """Parse a built page."""
    return BeautifulSoup(Path(path).read_text(encoding="utf-8"), "html.parser")


def text(node) -> str:
    """Visible text with whitespace collapsed."""
    return " ".join(node.get_text(" ").split())
