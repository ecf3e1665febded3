"""Editor prose (Markdown + TeX math + pandoc-style citations) to safe HTML.

Everything an editor types is treated as untrusted: raw HTML is escaped,
link targets are restricted to a small scheme allow-list, and the MathML
produced by latex2mathml is rebuilt element by element from an allow-list
rather than trusted as a string.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any
from urllib.parse import unquote
from xml.etree.ElementTree import Element

from latex2mathml import commands as _l2m_commands
from latex2mathml import exceptions as _l2m_exc
from latex2mathml.converter import convert_to_element
from latex2mathml.symbols_parser import convert_symbol
from markdown_it import MarkdownIt
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token
from markupsafe import Markup, escape
from mdit_py_plugins.dollarmath import dollarmath_plugin

__all__ = [
    "CiteResolver",
    "RenderReport",
    "render_block",
    "render_inline",
    "render_plain",
]


@dataclass
class RenderReport:
    """Problems and citations collected while rendering one or more fields."""

    unknown_citations: list[str] = field(default_factory=list)
    math_errors: list[str] = field(default_factory=list)
    cited: list[int] = field(default_factory=list)


CiteResolver = Callable[[str], int | None]


# --------------------------------------------------------------------------
# Links
# --------------------------------------------------------------------------

_ALLOWED_SCHEMES = frozenset({"http", "https", "mailto"})
_EXTERNAL_SCHEMES = frozenset({"http", "https"})
_SCHEME_RE = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*):")
# Browsers drop ASCII tab/newline anywhere in a URL and trim C0 controls and
# spaces; invisible Unicode spaces are stripped too so that no spelling of
# "javascript:" survives the check below.
_URL_NOISE_RE = re.compile(
    "[\x00-\x20\x7f-\x9f\u00a0\u1680\u180e\u2000-\u200f\u2028-\u202f\u205f-\u2064\u3000\ufeff]+"
)
_PATH_START_RE = re.compile(r"[/?#]")


def _url_scheme(url: str) -> str | None:
    """Scheme of a URL after undoing encodings, "" if relative, None if suspicious."""
    candidate = url
    # Percent- and entity-encoding can be stacked; a few rounds undo any
    # realistic nesting, and stopping early keeps this cheap.
    for _ in range(4):
        decoded = html.unescape(unquote(candidate))
        if decoded == candidate:
            break
        candidate = decoded
    candidate = _URL_NOISE_RE.sub("", candidate)
    head = _PATH_START_RE.split(candidate, maxsplit=1)[0]
    if ":" not in head:
        return ""
    match = _SCHEME_RE.match(candidate)
    if match is None:
        # A colon before any path separator without a well-formed scheme is
        # never something an editor needs, and could be an obfuscation.
        return None
    return match.group(1).lower()


def _validate_link(url: str) -> bool:
    """Allow only http(s), mailto and relative/fragment URLs."""
    scheme = _url_scheme(url)
    return scheme == "" or scheme in _ALLOWED_SCHEMES


def _is_external(url: str) -> bool:
    scheme = _url_scheme(url)
    return scheme in _EXTERNAL_SCHEMES or (scheme == "" and url.startswith("//"))


# --------------------------------------------------------------------------
# Math
# --------------------------------------------------------------------------

_MATHML_NS = "http://www.w3.org/1998/Math/MathML"
_MAX_FORMULA_CHARS = 4000

_ALLOWED_ELEMENTS = frozenset(
    {
        "mrow", "mi", "mn", "mo", "ms", "mtext", "mspace",
        "msub", "msup", "msubsup", "munder", "mover", "munderover",
        "mmultiscripts", "mprescripts", "none",
        "mfrac", "msqrt", "mroot", "mstyle", "merror", "mpadded", "mphantom",
        "menclose", "mfenced", "mtable", "mtr", "mtd", "mlabeledtr",
    }
)  # fmt: skip
_TOKEN_ELEMENTS = frozenset({"mi", "mn", "mo", "ms", "mtext"})
_ALLOWED_ATTRS = frozenset(
    {
        "mathvariant", "mathsize", "dir", "stretchy", "fence", "separator", "form",
        "lspace", "rspace", "minsize", "maxsize", "movablelimits", "largeop",
        "symmetric", "accent", "accentunder", "width", "height", "depth", "voffset",
        "linethickness", "numalign", "denomalign", "bevelled", "displaystyle",
        "scriptlevel", "scriptsizemultiplier", "scriptminsize", "mathcolor",
        "mathbackground", "notation", "columnalign", "rowalign", "columnlines",
        "rowlines", "columnspacing", "rowspacing", "frame", "framespacing",
        "equalrows", "equalcolumns", "align", "linebreak", "columnspan", "rowspan",
    }
)  # fmt: skip
_COLOR_ATTRS = frozenset({"mathcolor", "mathbackground"})
_COLOR_VALUE_RE = re.compile(r"#[0-9A-Fa-f]{3,8}|[A-Za-z]{1,30}|rgba?\([0-9.,%\s]{1,60}\)")
# No parentheses, colons, quotes or semicolons: nothing that could smuggle a
# url() or a second declaration into a presentational hint.
_PLAIN_VALUE_RE = re.compile(r"[A-Za-z0-9 .%+#\-]{0,100}")

_ARITY = {
    "mfrac": (2, "fraction"),
    "mroot": (2, "root"),
    "msub": (2, "subscript"),
    "msup": (2, "superscript"),
    "msubsup": (3, "sub/superscript"),
    "munder": (2, "underscript"),
    "mover": (2, "overscript"),
    "munderover": (3, "under/overscript"),
}

_EXCEPTION_REASONS: dict[type[BaseException], str] = {
    _l2m_exc.NumeratorNotFoundError: "missing numerator",
    _l2m_exc.DenominatorNotFoundError: "missing denominator",
    _l2m_exc.ExtraLeftOrMissingRightError: r"unmatched \left or \right",
    _l2m_exc.MissingSuperScriptOrSubscriptError: "missing superscript or subscript",
    _l2m_exc.DoubleSubscriptsError: "double subscript",
    _l2m_exc.DoubleSuperscriptsError: "double superscript",
    _l2m_exc.NoAvailableTokensError: "missing argument",
    _l2m_exc.InvalidStyleForGenfracError: r"invalid \genfrac style",
    _l2m_exc.MissingEndError: r"missing \end",
    _l2m_exc.InvalidAlignmentError: "invalid column alignment",
    _l2m_exc.InvalidWidthError: "invalid width",
    _l2m_exc.LimitsMustFollowMathOperatorError: r"\limits must follow an operator",
    StopIteration: "missing argument",
    RecursionError: "formula nested too deeply",
}

# latex2mathml expands user macros without a size bound, so a few nested
# \def lines could stall a build; editors can write the expansion directly.
_MACRO_DEF_RE = re.compile(
    r"\\(?:def|edef|gdef|let|newcommand|renewcommand|providecommand|"
    r"newenvironment|renewenvironment|DeclareMathOperator)(?![A-Za-z])"
)
_BEGIN_RE = re.compile(r"\\(begin|end)\s*\{([^{}]*)\}")
# latex2mathml silently flattens environments it does not know, losing rows
# and columns, so only the ones it lays out properly are accepted.
_KNOWN_ENVIRONMENTS = frozenset(
    {m[1:] for m in _l2m_commands.MATRICES}
    | {"aligned", "equation", "equation*", "gather", "gather*", "gathered"}
)
# "aligned" is what arXiv authors write; latex2mathml only lays out align*.
_ALIGNED_RE = re.compile(r"\\(begin|end)\s*\{aligned\}")
_TEXT_ESCAPE_RE = re.compile(r"\\([&%$#_{}])")
_BARE_BRACE_RE = re.compile(r"(?<!\\)[{}]")
_SINGLE_COMMAND_RE = re.compile(r"\\(?:[A-Za-z]+|[^A-Za-z])")
_UNKNOWN_COMMAND_RE = re.compile(r"\\([A-Za-z]+|.?)", re.DOTALL)
_CHAR_REF_RE = re.compile(r"&#(?:[xX]([0-9A-Fa-f]{1,8})|([0-9]{1,10}));")
_BARE_AMP_RE = re.compile(r"&(?!#(?:[xX][0-9A-Fa-f]{1,8}|[0-9]{1,10});)")


class _FormulaError(Exception):
    """A formula that must be degraded to its source text."""


def _check_source(tex: str) -> None:
    if not tex.strip():
        raise _FormulaError("empty formula")
    if len(tex) > _MAX_FORMULA_CHARS:
        raise _FormulaError(f"formula longer than {_MAX_FORMULA_CHARS} characters")
    if _MACRO_DEF_RE.search(tex):
        raise _FormulaError("macro definitions are not supported")
    # latex2mathml quietly closes a missing "}" and prints a stray one.
    depth = 0
    i, n = 0, len(tex)
    while i < n:
        ch = tex[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth < 0:
                raise _FormulaError("unbalanced braces")
        i += 1
    if depth:
        raise _FormulaError("unbalanced braces")
    for match in _BEGIN_RE.finditer(tex):
        if match.group(2) not in _KNOWN_ENVIRONMENTS:
            raise _FormulaError(f"unknown environment {match.group(2)}")


def _decode_char_ref(match: re.Match[str]) -> str:
    hex_digits, dec_digits = match.groups()
    code = int(hex_digits, 16) if hex_digits else int(dec_digits)
    if (
        code > 0x10FFFF
        or 0xD800 <= code <= 0xDFFF
        or (code < 0x20 and code not in (0x09, 0x0A))
        or 0x7F <= code <= 0x9F
    ):
        raise _FormulaError("invalid character")
    return chr(code)


def _clean_text(text: str | None, tag: str | None) -> str:
    """Validate one text node from latex2mathml and return it HTML-escaped.

    latex2mathml stores characters as numeric references ("&#x003BC;") but
    copies everything else verbatim (including "<" and unknown commands), so
    text is decoded from that convention and then escaped afresh.
    """
    if not text:
        return ""
    if tag in _TOKEN_ELEMENTS and tag != "mtext" and _BARE_BRACE_RE.search(text):
        # Literal braces only appear when a group was closed twice; escaped
        # \{ arrives as a character reference or as the command name itself.
        raise _FormulaError("unbalanced braces")
    if tag == "mtext":
        text = _TEXT_ESCAPE_RE.sub(r"\1", text)
    elif tag in ("mo", "mi") and _SINGLE_COMMAND_RE.fullmatch(text):
        # \big\langle and friends come out as the raw command name.
        code_point = convert_symbol(text)
        if code_point is not None:
            text = chr(int(code_point, 16))
    command = _UNKNOWN_COMMAND_RE.search(text)
    if command is not None:
        name = command.group(1)
        if name.isalpha():
            raise _FormulaError(f"unknown command \\{name}")
        raise _FormulaError("unexpected backslash")
    if _BARE_AMP_RE.search(text):
        raise _FormulaError("misplaced alignment tab &")
    return html.escape(_CHAR_REF_RE.sub(_decode_char_ref, text), quote=False)


def _serialize(element: Element, out: list[str]) -> None:
    tag = element.tag if isinstance(element.tag, str) else ""
    if tag not in _ALLOWED_ELEMENTS:
        # Keep the content but not an element we have not vetted.
        tag = "mrow"
    arity = _ARITY.get(tag)
    if arity is not None and len(element) != arity[0]:
        raise _FormulaError(f"incomplete {arity[1]}")
    out.append("<" + tag)
    for name, value in element.attrib.items():
        if name not in _ALLOWED_ATTRS:
            continue
        pattern = _COLOR_VALUE_RE if name in _COLOR_ATTRS else _PLAIN_VALUE_RE
        if pattern.fullmatch(value):
            out.append(f' {name}="{html.escape(value, quote=True)}"')
    out.append(">")
    out.append(_clean_text(element.text, tag))
    for child in element:
        _serialize(child, out)
        out.append(_clean_text(child.tail, tag))
    out.append(f"</{tag}>")


@lru_cache(maxsize=4096)
def _convert_formula(tex: str, display: bool) -> tuple[str, str]:
    """Return (mathml, "") on success or ("", reason) on failure."""
    try:
        _check_source(tex)
        prepared = _ALIGNED_RE.sub(r"\\\1{align*}", tex)
        root = convert_to_element(prepared, display="block" if display else "inline")
        out: list[str] = []
        children = list(root)
        if len(children) == 1:
            _serialize(children[0], out)
        else:
            wrapper = Element("mrow")
            wrapper.extend(children)
            _serialize(wrapper, out)
    except _FormulaError as exc:
        return "", str(exc)
    except Exception as exc:  # latex2mathml raises many unrelated types on bad input
        reason = next(
            (r for t, r in _EXCEPTION_REASONS.items() if isinstance(exc, t)),
            f"cannot parse formula ({type(exc).__name__})",
        )
        return "", reason
    display_attr = ' display="block"' if display else ""
    annotation = html.escape(tex, quote=False)
    mathml = (
        f'<math xmlns="{_MATHML_NS}"{display_attr}><semantics>{"".join(out)}'
        f'<annotation encoding="application/x-tex">{annotation}</annotation>'
        "</semantics></math>"
    )
    return mathml, ""


def _render_math(tex: str, *, display: bool, block: bool, env: dict[str, Any]) -> str:
    tex = tex.strip()
    mathml, reason = _convert_formula(tex, display)
    if reason:
        report: RenderReport = env["report"]
        report.math_errors.append(f"{tex}: {reason}")
        delim = "$$" if display else "$"
        code = f'<code class="math-error" title="{escape(reason)}">{escape(delim + tex + delim)}</code>'
        return f"<p>{code}</p>\n" if block else code
    if not display:
        return mathml
    attrs = 'class="math-display" tabindex="0" role="region" aria-label="Formula"'
    if block:
        return f"<div {attrs}>{mathml}</div>\n"
    # $$...$$ in the middle of a paragraph: a <div> is not allowed inside <p>.
    return f"<span {attrs}>{mathml}</span>"


# --------------------------------------------------------------------------
# Citations
# --------------------------------------------------------------------------

_CITE_KEY = r"(?:\w[\w:.#%&+?<>~/\-]*)?"
_CITE_RE = re.compile(rf"\[[ \t]*@{_CITE_KEY}(?:\s*;\s*@{_CITE_KEY})*[ \t]*\]")


def _cite_rule(state: StateInline, silent: bool) -> bool:
    """Inline rule for [@key] and [@a; @b]; [@] is the field's own paper."""
    if silent or state.src[state.pos] != "[":
        # Silent mode is only used by link-label scanning, which refuses any
        # bracketed token as a "nested link"; plain brackets balance the same.
        return False
    match = _CITE_RE.match(state.src, state.pos, state.posMax)
    if match is None:
        return False
    end = match.end()
    if end < state.posMax and state.src[end] == "(":
        # [@handle](https://...) is an ordinary link.
        return False
    token = state.push("cite", "", 0)
    token.content = match.group()
    token.meta = {
        "keys": [part.strip()[1:] for part in match.group()[1:-1].split(";")],
        # An <a> inside link text would be invalid nested interactive content.
        "in_link": state.linkLevel > 0,
    }
    state.pos = end
    return True


def _resolve(key: str, env: dict[str, Any]) -> int | None:
    resolver: CiteResolver | None = env["cite"]
    if resolver is None:
        return None
    number = resolver(key)
    if isinstance(number, bool) or not isinstance(number, int) or number < 1:
        return None
    return number


def _render_cite(tokens: Sequence[Token], idx: int, options: Any, env: dict[str, Any]) -> str:
    token = tokens[idx]
    report: RenderReport = env["report"]
    numbers: list[int] = []
    unknown: list[str] = []
    for key in token.meta["keys"]:
        number = _resolve(key, env)
        if number is None:
            unknown.append(key)
            if key not in report.unknown_citations:
                report.unknown_citations.append(key)
            continue
        if number not in numbers:
            numbers.append(number)
        if number not in report.cited:
            report.cited.append(number)
    if not numbers:
        return str(escape(token.content))
    if token.meta["in_link"]:
        inner = ",".join(str(n) for n in numbers)
    else:
        inner = ",".join(f'<a href="#ref-{n}">{n}</a>' for n in numbers)
    out = f'<sup class="cite">{inner}</sup>'
    if unknown:
        out += str(escape("[" + "; ".join("@" + k for k in unknown) + "]"))
    return out


# --------------------------------------------------------------------------
# Parser instance
# --------------------------------------------------------------------------


def _render_link_open(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    token = tokens[idx]
    href = token.attrGet("href")
    if isinstance(href, str) and _is_external(href):
        token.attrSet("rel", "noopener")
    return self.renderToken(tokens, idx, options, env)


def _render_table_open(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    return (
        '<div class="table-scroll" tabindex="0" role="region" aria-label="Table">\n'
        + self.renderToken(tokens, idx, options, env)
    )


def _render_table_close(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    return self.renderToken(tokens, idx, options, env) + "</div>\n"


def _build_parser() -> MarkdownIt:
    md = MarkdownIt(
        "commonmark",
        {"html": False, "linkify": False, "typographer": False},
    ).enable(["table", "strikethrough"])
    dollarmath_plugin(
        md,
        allow_labels=False,  # labels would emit user-controlled ids
        allow_space=False,  # "$5 and $10" stays prose
        allow_digits=False,
        allow_blank_lines=False,  # a forgotten closing $$ must not swallow the rest
        double_inline=True,
    )
    md.inline.ruler.before("link", "cite", _cite_rule)
    md.validateLink = _validate_link  # type: ignore[method-assign]

    def math_inline(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
        return _render_math(tokens[idx].content, display=False, block=False, env=env)

    def math_inline_double(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
        return _render_math(tokens[idx].content, display=True, block=False, env=env)

    def math_block(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
        return _render_math(tokens[idx].content, display=True, block=True, env=env)

    def cite(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
        return _render_cite(tokens, idx, options, env)

    md.add_render_rule("math_inline", math_inline)
    md.add_render_rule("math_inline_double", math_inline_double)
    md.add_render_rule("math_block", math_block)
    md.add_render_rule("cite", cite)
    md.add_render_rule("link_open", _render_link_open)
    md.add_render_rule("table_open", _render_table_open)
    md.add_render_rule("table_close", _render_table_close)
    return md


_MD = _build_parser()


def _env(cite: CiteResolver | None, report: RenderReport | None) -> dict[str, Any]:
    return {"cite": cite, "report": report if report is not None else RenderReport()}


# --------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------


def render_block(
    text: str, *, cite: CiteResolver | None = None, report: RenderReport | None = None
) -> Markup:
    """Render Markdown prose (paragraphs, lists, tables, math, citations) to safe HTML."""
    return Markup(_MD.render(text, _env(cite, report)))


def render_inline(
    text: str, *, cite: CiteResolver | None = None, report: RenderReport | None = None
) -> Markup:
    """Render one paragraph's worth of Markdown to safe HTML without a <p> wrapper."""
    env = _env(cite, report)
    tokens = _MD.parseInline(text, env)
    return Markup(_MD.renderer.render(tokens, _MD.options, env))


# arXiv abstracts are TeX-flavoured plain text, not Markdown: only $...$ and a few
# text-style commands carry meaning there; everything else is shown as written.
_ABSTRACT_MATH_RE = re.compile(r"(?<![\\$])\$([^$]{1,400}?)(?<!\\)\$")
_ABSTRACT_TEXTCMD_RE = re.compile(r"\\(?:textbf|textit|textsc|texttt|textrm|emph|mathrm|text)\{([^{}]*)\}")


def render_abstract(text: str) -> Markup:
    """An arXiv abstract as safe HTML: $...$ becomes MathML, \\textbf{x}-style commands their text."""
    env = _env(None, None)
    out: list[str] = []
    pos = 0
    for m in _ABSTRACT_MATH_RE.finditer(text):
        out.append(str(escape(_ABSTRACT_TEXTCMD_RE.sub(r"\1", text[pos:m.start()]))))
        out.append(_render_math(m.group(1), display=False, block=False, env=env))
        pos = m.end()
    out.append(str(escape(_ABSTRACT_TEXTCMD_RE.sub(r"\1", text[pos:]))))
    return Markup("".join(out))


_CITE_MARK = "\x00"  # markdown-it replaces NUL in its input, so this cannot clash
_CITE_BEFORE_PUNCT_RE = re.compile(r"\s*\x00[\s\x00]*(?=[.,;:!?)\]]|$)")
_WHITESPACE_RE = re.compile(r"\s+")


def _plain_parts(tokens: Sequence[Token], out: list[str]) -> None:
    for token in tokens:
        kind = token.type
        if kind in ("text", "code_inline"):
            out.append(token.content)
        elif kind in ("math_inline", "math_inline_double"):
            out.append(token.content.strip())
        elif kind == "cite":
            out.append(_CITE_MARK)
        elif kind in ("softbreak", "hardbreak"):
            out.append(" ")
        elif kind == "image" or kind == "inline":
            _plain_parts(token.children or [], out)
            if kind == "inline":
                out.append(" ")
        elif kind in ("code_block", "fence", "math_block"):
            out.append(" " + token.content.strip() + " ")
        elif token.block:
            # Block boundaries (paragraphs, cells, list items) become spaces.
            out.append(" ")


def render_plain(text: str) -> str:
    """Render Markdown to plain text for meta descriptions and feed summaries."""
    out: list[str] = []
    _plain_parts(_MD.parse(text, _env(None, None)), out)
    joined = _CITE_BEFORE_PUNCT_RE.sub("", "".join(out)).replace(_CITE_MARK, " ")
    return _WHITESPACE_RE.sub(" ", joined).strip()
