"""TeX accents in arXiv author names (`G\\"unther`, `{\\'e}`, `\\c{c}`, `{\\l}`) to Unicode NFC."""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

# Accent commands written with a symbol: \'e, \'{e}, \"{\i}.
_SYMBOL_ACCENTS = {
    "'": "\u0301",
    "`": "\u0300",
    "^": "\u0302",
    '"': "\u0308",
    "~": "\u0303",
    "=": "\u0304",
    ".": "\u0307",
}
# Accent commands written with a letter: \v{s}, \c{c}, \c c, \u{g}.
_LETTER_ACCENTS = {
    "u": "\u0306",
    "v": "\u030c",
    "H": "\u030b",
    "c": "\u0327",
    "k": "\u0328",
    "r": "\u030a",
    "d": "\u0323",
    "b": "\u0331",
}
# Letters TeX has no accent for, spelled as control words: {\o}, {\l}, {\ss}.
_LETTERS = {
    "ss": "ß", "ae": "æ", "AE": "Æ", "oe": "œ", "OE": "Œ", "aa": "å", "AA": "Å",
    "o": "ø", "O": "Ø", "l": "ł", "L": "Ł", "i": "ı", "j": "ȷ",
    "dh": "ð", "DH": "Ð", "th": "þ", "TH": "Þ", "ng": "ŋ", "NG": "Ŋ", "dj": "đ", "DJ": "Đ",
}
_ESCAPES = {"&": "&", "%": "%", "$": "$", "_": "_", "#": "#", "{": "{", "}": "}", " ": " ", ",": " "}

_LETTER_WORDS = "|".join(sorted(_LETTERS, key=len, reverse=True))
# The accented thing: a braced group holding a letter or control-word letter, or a bare one.
_TARGET = rf"(?:\{{\s*(?P<braced>\\(?:{_LETTER_WORDS})|[^\\{{}}\s])?\s*\}}|(?P<bare>\\(?:{_LETTER_WORDS})(?![A-Za-z])|[A-Za-z]))"
_SYMBOL_RE = re.compile(r"\\(?P<accent>['`^\"~=.])\s*" + _TARGET)
# A letter accent needs a brace or a space before a bare letter, or "\cc" would be a word.
_LETTER_RE = re.compile(
    r"\\(?P<accent>[uvHckrdb])(?:\s*"
    + rf"\{{\s*(?P<braced>\\(?:{_LETTER_WORDS})|[^\\{{}}\s])?\s*\}}|\s+(?P<bare>[A-Za-z]))"
)
_WORD_RE = re.compile(rf"\\(?P<word>{_LETTER_WORDS})(?![A-Za-z])(?:\{{\}})?")
_ESCAPE_RE = re.compile(r"\\(?P<char>[&%$_#{} ,])")
_SPACE_RE = re.compile(r"\s+")


def _base(text: str | None) -> str:
    if not text:
        return ""
    if text.startswith("\\"):
        word = text[1:]
        # An accent over a dotless i or j means the plain letter with that accent.
        return {"i": "i", "j": "j"}.get(word, _LETTERS.get(word, word))
    return text


def _accent(table: dict[str, str]) -> Callable[[re.Match[str]], str]:
    def sub(m: re.Match[str]) -> str:
        base = _base(m.group("braced") or m.group("bare"))
        # An accent over nothing (`\'{}`) has no letter to sit on; dropping it loses nothing readable.
        return base + table[m.group("accent")] if base else ""
    return sub


def tex_to_unicode(text: str) -> str:
    """Replace TeX accent commands and special letters with Unicode, drop grouping braces, NFC-normalise."""
    if "\\" not in text and "{" not in text and "~" not in text:
        return unicodedata.normalize("NFC", _SPACE_RE.sub(" ", text).strip())
    out = _SYMBOL_RE.sub(_accent(_SYMBOL_ACCENTS), text)
    out = _LETTER_RE.sub(_accent(_LETTER_ACCENTS), out)
    out = _WORD_RE.sub(lambda m: _LETTERS[m.group("word")], out)
    # Unescaped braces only group; an unescaped tilde is TeX's non-breaking space.
    placeholder = "\x00"
    out = _ESCAPE_RE.sub(lambda m: placeholder + m.group("char"), out)
    out = re.sub(r"(?<!\x00)[{}]", "", out)
    out = re.sub(r"(?<!\x00)~", " ", out)
    out = out.replace(placeholder, "")
    return unicodedata.normalize("NFC", _SPACE_RE.sub(" ", out).strip())


def split_authors(creator: str) -> list[tuple[str, list[str]]]:
    """Split an RSS `dc:creator` string into (name, affiliations) pairs.

    Names are comma-separated; a name may carry its affiliations in parentheses,
    and those contain commas too, so only commas outside parentheses separate names.
    """
    parts: list[str] = []
    depth = 0
    current: list[str] = []
    for ch in creator:
        if ch == "(":
            depth += 1
        elif ch == ")" and depth:
            depth -= 1
        if ch == "," and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    authors: list[tuple[str, list[str]]] = []
    for part in parts:
        part = part.strip()
        if not part:
            continue
        affiliations: list[str] = []
        name = part
        paren = part.find("(")
        if paren > 0 and part.endswith(")"):
            name = part[:paren]
            inner = part[paren + 1:-1]
            affiliations = [tex_to_unicode(inner)] if inner.strip() else []
        name = tex_to_unicode(name)
        if name:
            authors.append((name, affiliations))
    return authors


def byline(creator: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The names of an author string and its affiliations, each affiliation once, in order."""
    pairs = split_authors(creator)
    affiliations = dict.fromkeys(aff for _, affs in pairs for aff in affs)
    return tuple(name for name, _ in pairs), tuple(affiliations)
