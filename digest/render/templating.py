"""The Jinja2 environment every page and feed entry is rendered with, and the one way a page links to another."""
from __future__ import annotations

import posixpath
from functools import lru_cache, partial
from types import BuiltinFunctionType, FunctionType, MethodType

import jinja2
import jinja2.runtime
from jinja2 import nodes
from jinja2.compiler import CodeGenerator, optimizeconst
from jinja2.visitor import NodeTransformer
from markupsafe import escape

try:  # markupsafe 3: the C function escape() wraps
    from markupsafe import _escape_inner
except ImportError:  # pragma: no cover - another markupsafe: the same text, through escape()
    def _escape_inner(s: str) -> str:
        return str(escape(s))

from ..editorial.config import Config
from . import theme
from .i18n import lang
from .markdown import render_abstract
from .tokens import LEX_OPTIONS


class SnapshotLoader(jinja2.FileSystemLoader):
    """A FileSystemLoader that reads each template once: every later use (rendering, page keys, the feeds'
    kept entries) sees the bytes first read, so a template edited during a build reaches none of it."""

    def __init__(self, searchpath: list[str]):
        super().__init__(searchpath)
        self._read: dict[str, tuple[str, str | None]] = {}

    def get_source(self, environment: jinja2.Environment, template: str) -> tuple[str, str | None, object]:
        """The template's source and file name as first read; it never goes out of date."""
        found = self._read.get(template)
        if found is None:
            source, filename, _ = super().get_source(environment, template)
            found = self._read[template] = (source, filename)
        return found[0], found[1], lambda: True


def escape_text(value: object) -> str:
    """The value as escaped HTML text, as markupsafe.escape gives it but a plain string: what a template prints."""
    if type(value) is str:
        return _escape_inner(value)
    html = getattr(value, "__html__", None)
    if html is not None:
        return html()
    return _escape_inner(str(value))


NO_ATTRIBUTE = object()  # what getattr gives in compiled templates when an object has no such attribute


class _PrintedText(CodeGenerator):
    """Jinja2's code generator, printing values through escape_text and reading attributes inline.

    markupsafe 3's escape() wraps its C function in Python and makes a Markup of every printed value, a third of
    the time of rendering an issue page; a printed value only joins the page's text (a block or macro that
    collects output still makes Markup of the whole), so the wrapper buys nothing there.
    """

    def visit_Template(self, node: nodes.Template, frame=None) -> None:
        """The module as Jinja2 writes it, importing escape_text first."""
        self.writeline(f"from {__name__} import escape_text, NO_ATTRIBUTE as _no_attribute")
        super().visit_Template(node, frame)

    @optimizeconst
    def visit_Getattr(self, node: nodes.Getattr, frame) -> None:
        # `x.name` as Environment.getattr answers it, without its Python call when the attribute is there (an
        # issue page reads about 330 attributes); anything else (an item, undefined) still goes through it.
        # The walrus names are assigned and read within this one expression: nested ones finish first.
        if self.environment.is_async:
            super().visit_Getattr(node, frame)
            return
        self.write("(_got if (_got := getattr((_owner := ")
        self.visit(node.node, frame)
        self.write(f"), {node.attr!r}, _no_attribute)) is not _no_attribute "
                   f"else environment.getattr(_owner, {node.attr!r}))")

    def _output_child_pre(self, node: nodes.Expr, frame, finalize) -> None:
        # Where Jinja2 3.1 writes `escape(`; outputs whose escaping is decided at run time stay as it writes them.
        if not frame.eval_ctx.autoescape or frame.eval_ctx.volatile:
            super()._output_child_pre(node, frame, finalize)
            return
        self.write("escape_text(")
        if finalize.src is not None:
            self.write(finalize.src)


# Callables whose __call__ is a method-wrapper, which cannot carry Jinja2's pass_context (and kin) marker: for
# these, Jinja2's Context.call only reads the marker on the callable itself.
_PLAIN_CALLABLES = frozenset({FunctionType, MethodType, BuiltinFunctionType, partial})


class _SiteContext(jinja2.runtime.Context):
    """Jinja2's template context, calling plain functions and methods without its general checks.

    Context.call looks for a pass_context marker on the callable's __call__ and then on the callable, which costs
    about 3 microseconds a call, a quarter of the time of rendering an issue page (113 calls: t, url, paper_page,
    macros). For a plain function, method or partial without a marker the outcome is known: call it as
    Context.call would. Anything else (macros, callable objects, marked functions) goes through Context.call.
    """

    def call(self, obj, /, *args, **kwargs):
        """The value of `obj(*args, **kwargs)` in a template, as Jinja2's Context.call gives it."""
        if type(obj) not in _PLAIN_CALLABLES or getattr(obj, "jinja_pass_arg", None) is not None:
            return super().call(obj, *args, **kwargs)
        if kwargs:
            kwargs.pop("_block_vars", None)
            kwargs.pop("_loop_vars", None)
        try:
            return obj(*args, **kwargs)
        except StopIteration:  # as Jinja2 3.1's Context.call answers it
            return self.environment.undefined("value was undefined because a callable raised a"
                                              " StopIteration exception")


class _SiteEnvironment(jinja2.Environment):
    """An environment for one site language: `t("key")` with a literal key is compiled as its text.

    Every page and feed entry is rendered with `t` as the site language's lookup (render/site.py,
    render/feeds.py), so its plain calls are constants; each was a Python call and an escape, a seventh of
    the time of making an issue page. A template that binds a name `t` itself is compiled as written.
    Printed values are escaped to plain text (_PrintedText), and plain functions are called directly (_SiteContext).
    """

    code_generator_class = _PrintedText
    context_class = _SiteContext

    def __init__(self, strings: dict[str, str], **options: object):
        super().__init__(**options)
        self.strings = strings

    def compile(self, source, name=None, filename=None, raw=False, defer_init=False):
        """Jinja2's compile, with the interface strings folded in (see the class)."""
        if isinstance(source, str):
            source = self.parse(source, name, filename)
        if isinstance(source, nodes.Template) and not _binds_t(source):
            source = _FoldStrings(self.strings).visit(source)
        return super().compile(source, name, filename, raw, defer_init)


def _binds_t(tree: nodes.Template) -> bool:
    """Whether the template gives the name `t` a meaning of its own (assigns it, takes it as a parameter,
    imports it, or defines a macro so named)."""
    if any(n.name == "t" and n.ctx != "load" for n in tree.find_all(nodes.Name)):
        return True
    if any(m.name == "t" for m in tree.find_all(nodes.Macro)) or any(i.target == "t" for i in tree.find_all(nodes.Import)):
        return True
    return any((name if isinstance(name, str) else name[-1]) == "t"
               for imp in tree.find_all(nodes.FromImport) for name in imp.names)


class _FoldStrings(NodeTransformer):
    """Replaces t("key") (one literal key, no other argument) by the string it returns."""

    def __init__(self, strings: dict[str, str]):
        self.strings = strings

    def visit_Call(self, node: nodes.Call) -> nodes.Node:
        """The key's text for a plain t("key"), else the call with its parts visited."""
        target, args = node.node, node.args
        if (isinstance(target, nodes.Name) and target.name == "t" and len(args) == 1 and not node.kwargs
                and node.dyn_args is None and node.dyn_kwargs is None and isinstance(args[0], nodes.Const)
                and isinstance(args[0].value, str) and args[0].value in self.strings):
            return nodes.Const(self.strings[args[0].value], lineno=node.lineno)
        return self.generic_visit(node)


def environment(config: Config) -> jinja2.Environment:
    """The Jinja2 environment over the project's templates/ and then the packaged theme (autoescaping on,
    undefined names are errors), for the site's language."""
    env = _SiteEnvironment(
        lang(config.site.language).strings,
        loader=SnapshotLoader([str(folder) for folder in theme.layers(config.templates_dir)]),
        autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
        undefined=jinja2.StrictUndefined,
        # One build renders every page with the templates as first read; checking their files again
        # before each page cost four stat calls a page (88,000 for a 3,650-issue site).
        auto_reload=False,
        **LEX_OPTIONS,
    )
    env.filters["abstract"] = render_abstract
    return env


@lru_cache(maxsize=65536)
def relative_url(from_page: str, target: str) -> str:
    """A link from the page file `from_page` to the site path `target` (a trailing '/' or '' is a folder)."""
    folder = target.endswith("/") or target == ""
    parts = [p for p in target.split("/") if p]
    if "." in parts or ".." in parts:  # prose links may climb: posixpath resolves those
        rel = posixpath.relpath("/".join(parts) or ".", posixpath.dirname(from_page) or ".")
        return ("./" if rel == "." else rel + "/") if folder else rel
    # Site paths are clean and relative, so plain segment arithmetic does what posixpath.relpath does
    # without its getcwd/abspath calls (tens of thousands of links per build).
    base = from_page.split("/")[:-1]
    common = 0
    while common < min(len(base), len(parts)) and base[common] == parts[common]:
        common += 1
    rel = "/".join([".."] * (len(base) - common) + parts[common:])
    if folder:
        return rel + "/" if rel else "./"
    return rel or "."
