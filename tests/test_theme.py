"""The default theme ships in the package; a digest folder overrides single templates or assets in its templates/."""
from __future__ import annotations

import functools
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from types import SimpleNamespace

import jinja2
import jinja2.runtime
import pytest
from hypothesis import given
from hypothesis import strategies as st
from markupsafe import Markup, escape
from conftest import ROOT, Rendered, cold_site, copy_project, digests

import digest.build as build_module
import digest.render.theme as theme_module
from digest.cli import main
from digest.errors import describe
from digest.editorial.config import load_config
from digest.render import templating

THEME = ROOT / "templates"
ISSUE_PAGES = {"2026/07/01/index.html", "2024/11/29/index.html"}


def cli_build(root: Path, *args: str) -> int:
    return main(["--config", str(root / "digest.yaml"), "build", *args])


def bare_project(dest: Path) -> Path:
    """The shipped project without a templates/ folder: everything of the theme comes from the package."""
    copy_project(dest)
    shutil.rmtree(dest / "templates")
    return dest


def override(root: Path, name: str, old: str, new: str) -> Path:
    """Put into the project's templates/ a copy of the packaged `name` with `old` replaced by `new`."""
    text = (theme_module.theme_dir() / name).read_text(encoding="utf-8")
    assert old in text
    path = root / "templates" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def test_a_folder_without_templates_builds_the_site_byte_identical_to_one_with_a_full_copy(tmp_path: Path) -> None:
    bare = bare_project(tmp_path / "bare")
    full = copy_project(tmp_path / "full")
    assert cli_build(bare) == 0 and cli_build(full) == 0
    assert not (bare / "templates").exists()
    site = digests(bare / "site")
    assert site == digests(full / "site")
    assert {"index.html", "404.html", "archive/index.html", "assets/style.css", "assets/favicon.svg"} <= site.keys()
    assert ISSUE_PAGES <= site.keys()
    assert (bare / "site/assets/style.css").read_bytes() == (THEME / "assets/style.css").read_bytes()


def test_a_rebuild_with_nothing_new_from_the_packaged_theme_leaves_the_site_alone(tmp_path: Path, capsys) -> None:
    bare = bare_project(tmp_path / "bare")
    assert cli_build(bare) == 0
    capsys.readouterr()
    assert cli_build(bare) == 0
    assert "(the published folder was left as it was)" in capsys.readouterr().out


def test_overriding_one_template_changes_only_the_pages_it_renders(tmp_path: Path) -> None:
    plain = bare_project(tmp_path / "plain")
    custom = bare_project(tmp_path / "custom")
    override(custom, "issue.html", "{% endblock %}", '<p class="edition">Overridden issue page</p>\n{% endblock %}')
    assert cli_build(plain) == 0 and cli_build(custom) == 0
    a, b = digests(plain / "site"), digests(custom / "site")
    assert a.keys() == b.keys()
    assert {rel for rel in a if a[rel] != b[rel]} == ISSUE_PAGES
    for rel in ISSUE_PAGES:
        page = (custom / "site" / rel).read_text(encoding="utf-8")
        assert "Overridden issue page" in page
        assert 'rel="stylesheet"' in page  # the layout around it is still the packaged base.html
    assert "Overridden issue page" not in (custom / "site/index.html").read_text(encoding="utf-8")


def test_overriding_the_base_layout_reaches_every_page_made_with_it(tmp_path: Path) -> None:
    root = bare_project(tmp_path / "proj")
    override(root, "base.html", "</body>", "<p>Base layout override</p></body>")
    assert cli_build(root) == 0
    pages = [p for p in (root / "site").rglob("*.html") if "pagefind" not in p.parts]
    assert pages and all("Base layout override" in p.read_text(encoding="utf-8") for p in pages)


def test_overriding_the_stylesheet_replaces_it_and_the_other_assets_come_from_the_package(tmp_path: Path) -> None:
    root = bare_project(tmp_path / "proj")
    css = root / "templates/assets/style.css"
    css.parent.mkdir(parents=True)
    css.write_text("body { color: rebeccapurple; }\n", encoding="utf-8")
    assert cli_build(root) == 0
    assert (root / "site/assets/style.css").read_bytes() == css.read_bytes()
    assert (root / "site/assets/favicon.svg").read_bytes() == (THEME / "assets/favicon.svg").read_bytes()
    # Back to the packaged stylesheet when the override goes.
    css.unlink()
    assert cli_build(root) == 0
    assert (root / "site/assets/style.css").read_bytes() == (THEME / "assets/style.css").read_bytes()


def test_adding_then_removing_an_override_rebuilds_only_its_pages_to_what_a_clean_build_makes(
        tmp_path: Path, monkeypatch) -> None:
    root = bare_project(tmp_path / "proj")
    assert cli_build(root) == 0
    before = digests(root / "site")

    path = override(root, "paper.html", "<h1 id=\"paper-title\">", "<h1 id=\"paper-title\" data-own>")
    rendered = Rendered(monkeypatch)
    assert cli_build(root) == 0
    assert rendered.paths and all(p.startswith("papers/") for p in rendered.paths), rendered.paths
    assert 'data-own' in next((root / "site/papers").rglob("index.html")).read_text(encoding="utf-8")
    monkeypatch.undo()
    assert digests(root / "site") == digests(cold_site(root, tmp_path))

    shutil.rmtree(path.parent)  # the whole templates/ folder goes: back to the packaged paper.html
    rendered = Rendered(monkeypatch)
    assert cli_build(root) == 0
    assert rendered.paths and all(p.startswith("papers/") for p in rendered.paths), rendered.paths
    monkeypatch.undo()
    assert digests(root / "site") == before == digests(cold_site(root, tmp_path))


def test_a_full_copy_of_the_theme_and_none_at_all_are_the_same_inputs(tmp_path: Path, monkeypatch) -> None:
    root = copy_project(tmp_path / "proj")
    assert cli_build(root) == 0
    before = digests(root / "site")
    shutil.rmtree(root / "templates")
    rendered = Rendered(monkeypatch)
    assert cli_build(root) == 0
    assert rendered.paths == []  # every template has the same tokens, from the other layer
    assert digests(root / "site") == before


def test_a_change_of_the_packaged_theme_is_a_template_change(tmp_path: Path, monkeypatch) -> None:
    # A new version of the package installs other theme files: stand in for it with a copy of the theme.
    packaged = tmp_path / "site-packages" / "digest_theme"
    shutil.copytree(THEME, packaged)
    monkeypatch.setattr(theme_module, "theme_dir", lambda: packaged)
    root = bare_project(tmp_path / "proj")
    assert cli_build(root) == 0
    paper = packaged / "paper.html"
    paper.write_text(paper.read_text(encoding="utf-8").replace('<h1 id="paper-title">',
                                                               '<h1 id="paper-title" data-new-version>', 1),
                     encoding="utf-8")
    rendered = Rendered(monkeypatch)
    assert cli_build(root) == 0
    assert rendered.paths and all(p.startswith("papers/") for p in rendered.paths), rendered.paths
    assert "data-new-version" in next((root / "site/papers").rglob("index.html")).read_text(encoding="utf-8")
    assert digests(root / "site") == digests(cold_site(root, tmp_path))
    # An override shadows the packaged file: a change of the packaged one then changes nothing.
    override(root, "paper.html", "<h1 ", "<h1 ")
    assert cli_build(root) == 0
    paper.write_text(paper.read_text(encoding="utf-8") + "<p>only in the package</p>\n", encoding="utf-8")
    assert cli_build(root) == 0
    assert "only in the package" not in next((root / "site/papers").rglob("index.html")).read_text(encoding="utf-8")


def test_a_syntax_error_in_an_override_is_located_in_that_file(tmp_path: Path, capsys) -> None:
    root = bare_project(tmp_path / "proj")
    override(root, "paper.html", "{% block main %}", "{% block main %}\n{% if %}")
    assert cli_build(root) == 5
    err = capsys.readouterr().err
    assert re.search(r"^templates/paper\.html:4:1: template error: ", err, re.M), err


def test_a_syntax_error_in_the_packaged_theme_names_the_packaged_file(tmp_path: Path, monkeypatch, capsys) -> None:
    packaged = tmp_path / "site-packages" / "digest_theme"
    shutil.copytree(THEME, packaged)
    (packaged / "topics.html").write_text('{% extends "base.html" %}\n{% block main %}{% if %}{% endblock %}\n',
                                          encoding="utf-8")
    monkeypatch.setattr(theme_module, "theme_dir", lambda: packaged)
    root = bare_project(tmp_path / "proj")
    assert cli_build(root) == 5
    err = capsys.readouterr().err
    assert f"{packaged / 'topics.html'}:2:1: template error: " in err, err


def test_a_runtime_error_in_an_override_is_located_for_the_cli_and_the_preview(tmp_path: Path, capsys) -> None:
    root = bare_project(tmp_path / "proj")
    override(root, "base.html", "</body>", "{{ site.nope }}</body>")
    line = next(i for i, text in enumerate((root / "templates/base.html").read_text().splitlines(), 1)
                if "site.nope" in text)
    assert cli_build(root) == 5
    assert re.search(rf"^templates/base\.html:{line}:1: template error: ", capsys.readouterr().err, re.M)
    config = load_config(root / "digest.yaml")
    with pytest.raises(jinja2.UndefinedError) as caught:
        build_module.build(config, clean=True)
    shown = describe(caught.value, lambda filename: theme_module.shown_path(filename, config.root))
    assert shown[0].startswith(f"templates/base.html:{line}:1: template error: ")


def test_serve_watches_a_templates_folder_created_while_it_runs(tmp_path: Path) -> None:
    from test_serve import Preview, poll

    root = bare_project(tmp_path / "proj")
    preview = Preview(root)
    try:
        override(root, "issue.html", "{% endblock %}", "<p>Made while serving</p>\n{% endblock %}")
        poll(lambda: b"Made while serving" in preview.get("/2026/07/01/")[2])
        (root / "templates/issue.html").write_text(
            (root / "templates/issue.html").read_text(encoding="utf-8").replace("Made while", "Edited while"),
            encoding="utf-8")
        poll(lambda: b"Edited while serving" in preview.get("/2026/07/01/")[2])
    finally:
        preview.server.stop()


def test_the_wheel_ships_every_file_of_the_theme_every_module_and_its_data(tmp_path: Path) -> None:
    # Built from a copy of the sources, so the build's own folders (build/, *.egg-info) stay out of the repository.
    src = tmp_path / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    ignore = shutil.ignore_patterns("__pycache__", ".*")
    shutil.copytree(ROOT / "digest", src / "digest", ignore=ignore)
    shutil.copytree(THEME, src / "templates", ignore=ignore)
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                           "-w", str(tmp_path / "dist"), str(src)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    (wheel,) = (tmp_path / "dist").glob("*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    theme = {p.relative_to(THEME).as_posix() for p in THEME.rglob("*")
             if p.is_file() and "__pycache__" not in p.parts and not p.name.startswith(".")}
    assert {"base.html", "assets/style.css", "assets/favicon.svg"} <= theme
    assert {f"digest_theme/{rel}" for rel in theme} <= names
    modules = {p.relative_to(ROOT).as_posix() for p in (ROOT / "digest").rglob("*.py")}
    assert modules <= names, sorted(modules - names)  # pyproject.toml lists the packages by hand
    data = {p.relative_to(ROOT).as_posix() for p in (ROOT / "digest" / "data").rglob("*") if p.is_file()}
    assert data and data <= names, sorted(data - names)  # holiday schedules, category taxonomy


# ---------------------------------------------------------------- interface strings compiled in

def _language(root: Path, tag: str) -> Path:
    config = root / "digest.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace("  language: en\n", f"  language: {tag}\n", 1),
                      encoding="utf-8")
    return root


@pytest.mark.parametrize("tag", ["en", "ko"])
def test_interface_strings_compiled_into_the_templates_give_the_site_the_calls_gave(tmp_path: Path, monkeypatch,
                                                                                   tag: str) -> None:
    folded = _language(copy_project(tmp_path / "folded"), tag)
    called = _language(copy_project(tmp_path / "called"), tag)
    assert cli_build(folded) == 0
    monkeypatch.setattr(templating, "_binds_t", lambda tree: True)  # compile every t("key") as a call
    assert cli_build(called) == 0
    assert digests(folded / "site") == digests(called / "site")


def test_a_change_of_language_reaches_every_page_as_a_clean_build_makes_it(tmp_path: Path) -> None:
    root = copy_project(tmp_path / "site")
    assert cli_build(root) == 0
    english = (root / "site" / "2026/07/01/index.html").read_text(encoding="utf-8")
    assert cli_build(_language(root, "ko")) == 0
    korean = (root / "site" / "2026/07/01/index.html").read_text(encoding="utf-8")
    assert korean != english and '<html lang="ko">' in korean
    assert digests(root / "site") == digests(cold_site(root, tmp_path))
    folders = list((root / ".digest-cache" / "build" / "templates").iterdir())
    assert len(folders) == 1  # the English compilations are gone


def test_a_template_that_names_its_own_t_is_rendered_as_written(tmp_path: Path) -> None:
    env = templating.environment(load_config(copy_project(tmp_path / "site") / "digest.yaml"))

    def own(key: str) -> str:
        return f"own {key}"

    site_t = {"t": lambda key, **kw: "site " + key}
    assert env.from_string('{{ t("title") }}|{{ t("title", x=1) }}').render(site_t) == "Title|site title"
    for source in ['{% set t = own %}{{ t("title") }}', '{% with t = own %}{{ t("title") }}{% endwith %}',
                   '{% for t in [own] %}{{ t("title") }}{% endfor %}',
                   '{% macro m(t) %}{{ t("title") }}{% endmacro %}{{ m(own) }}',
                   '{% macro t(k) %}own {{ k }}{% endmacro %}{{ t("title") }}']:
        assert env.from_string(source).render(site_t, own=own) == "own title", source


# ---------------------------------------------------------------- printed values escaped as plain text

@given(st.one_of(st.text(), st.integers(), st.floats(allow_nan=False), st.text().map(Markup)))
def test_a_printed_value_is_escaped_as_markupsafe_escapes_it(value: object) -> None:
    printed = templating.escape_text(value)
    assert printed == str(escape(value))
    assert type(value) is not str or type(printed) is str


def test_a_site_printed_and_called_through_the_fast_paths_is_the_site_stock_jinja_gives(tmp_path: Path,
                                                                                     monkeypatch) -> None:
    plain = copy_project(tmp_path / "plain")
    stock = copy_project(tmp_path / "stock")
    assert cli_build(plain) == 0
    monkeypatch.setattr(templating._SiteEnvironment, "code_generator_class", jinja2.compiler.CodeGenerator)
    monkeypatch.setattr(templating._SiteEnvironment, "context_class", jinja2.runtime.Context)
    assert cli_build(stock) == 0
    assert digests(plain / "site") == digests(stock / "site")


def test_printed_values_inside_macros_blocks_and_filters_are_escaped_once(tmp_path: Path) -> None:
    env = templating.environment(load_config(copy_project(tmp_path / "site") / "digest.yaml"))
    source = ('{% macro m(x) %}<i>{{ x }}</i>{% endmacro %}{% set b %}{{ a }}&{% endset %}'
              '{{ a }}|{{ m(a) }}|{{ b }}|{{ m(b) }}|{{ n }}|{{ s }}|{{ s|safe }}|{% filter upper %}{{ a }}{% endfilter %}'
              '|{% autoescape false %}{{ a }}{% endautoescape %}')
    values = {"a": "<a & 'b\">", "n": 3, "s": "<b>"}
    stock = jinja2.Environment(autoescape=True).from_string(source).render(values)
    assert env.from_string(source).render(values) == stock
    assert "&lt;a &amp; &#39;b&#34;&gt;" in stock and "<i>&lt;a &amp;" in stock


# ---------------------------------------------------------------- calls from templates


class _Helpers:
    """Callables of every kind a template may be given, marked and not."""

    def plain(self, x: object = "", obj: object = "", self_: object = "") -> str:
        return f"plain {x}{obj}{self_}"

    @jinja2.pass_context
    def with_context(self, context, x: object = "") -> str:
        return f"context {context.get('seen', '-')} {x}"


class _CallableWithContext:
    @jinja2.pass_context
    def __call__(self, context, x: object = "") -> str:
        return f"object {context.get('seen', '-')} {x}"


def _stops() -> str:
    raise StopIteration


def test_a_template_calls_every_kind_of_callable_as_stock_jinja_does(tmp_path: Path) -> None:
    env = templating.environment(load_config(copy_project(tmp_path / "site") / "digest.yaml"))
    helpers = _Helpers()
    values = {
        "fn": lambda x="", **kw: f"fn {x} {sorted(kw.items())}",
        "method": helpers.plain,
        "ctx_method": helpers.with_context,
        "ctx_fn": jinja2.pass_context(lambda context, x="": f"ctx {context.get('seen', '-')} {x}"),
        "env_fn": jinja2.pass_environment(
            lambda environment, x="": f"env {isinstance(environment, jinja2.Environment)} {x}"),
        "eval_fn": jinja2.pass_eval_context(lambda eval_ctx, x="": f"eval {eval_ctx.autoescape} {x}"),
        "part": functools.partial(helpers.plain, "p"),
        "ctx_part": jinja2.pass_context(functools.partial(lambda context, x: f"cp {context.get('seen', '-')} {x}")),
        "obj": _CallableWithContext(),
        "builtin": "abc".startswith,
        "stops": _stops,
    }
    source = ("{{ fn(1, obj=2, self=3) }}|{{ method(1, obj=2, self_=3) }}|{{ ctx_method(1) }}|{{ ctx_fn(1) }}|"
              "{{ env_fn(1) }}|{{ eval_fn(1) }}|{{ part(obj='o') }}|{{ ctx_part(2) }}|{{ obj(1) }}|{{ builtin('a') }}|"
              "{{ stops() is undefined }}|"
              "{% for item in ['x', 'y'] %}{% set seen = item %}"
              "{{ fn(item) }},{{ ctx_fn(item) }},{{ ctx_method() }},{{ obj() }},"
              "{{ ctx_part(loop.index) }};{% endfor %}"
              "{% macro m(a) %}[{{ ctx_fn(a) }}]{% endmacro %}{{ m(1) }}"
              "{% macro w() %}<{{ caller() }}>{% endmacro %}{% call w() %}{{ ctx_fn(3) }}{% endcall %}")
    stock = jinja2.Environment(autoescape=True).from_string(source).render(values)
    assert env.from_string(source).render(values) == stock
    # Inside the loop the marked callables see the loop's `seen`, and `fn` is not handed Jinja2's _loop_vars.
    assert "fn y []" in stock and "ctx y y" in stock and "cp y 2" in stock and "object y" in stock
    assert "env True 1" in stock and "|True|" in stock


# ---------------------------------------------------------------- attributes read from templates


class _Broken(dict):
    """A mapping whose attribute `key` fails inside its property: Jinja2 then reads the item."""

    @property
    def key(self) -> str:
        raise AttributeError("inside")


def test_a_template_reads_attributes_and_items_as_stock_jinja_does(tmp_path: Path) -> None:
    env = templating.environment(load_config(copy_project(tmp_path / "site") / "digest.yaml"))
    made = []

    def make(n: int) -> object:
        made.append(n)
        return SimpleNamespace(n=n, inner=SimpleNamespace(n=n * 10))

    values = {"obj": SimpleNamespace(a="<a>", deep=SimpleNamespace(b=SimpleNamespace(c="c"))),
              "mapping": {"k": 1, "items": 2}, "broken": _Broken(key="item"), "make": make, "none": None,
              "rows": [SimpleNamespace(x=i) for i in range(3)]}
    source = ("{{ obj.a }}|{{ obj.deep.b.c }}|{{ mapping.k }}|{{ mapping.items is callable }}|{{ broken.key }}|"
              "{{ make(1).n }}|{{ make(2).inner.n }}|{{ make(3).gone is defined }}|{{ obj.missing is defined }}|{{ mapping.nothing is undefined }}|"
              "{% for row in rows if row.x > 0 %}{{ row.x }}{% endfor %}|{% set d = obj.deep %}{{ d.b.c }}|"
              "{% macro m(o) %}{{ o.a }}{% endmacro %}{{ m(obj) }}|{{ obj.a if obj.deep.b else none.x }}|"
              "{{ [obj.a, mapping.k] | join(',') }}")
    stock = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined).from_string(source)
    assert env.from_string(source).render(values) == stock.render(values)
    assert made == [1, 2, 3, 1, 2, 3]  # each call made once per render, here and in stock Jinja2
    for missing in ("{{ obj.missing }}", "{{ none.x }}", "{{ mapping.nothing.deeper }}"):
        with pytest.raises(jinja2.UndefinedError) as ours:
            env.from_string(missing).render(values)
        with pytest.raises(jinja2.UndefinedError) as theirs:
            jinja2.Environment(undefined=jinja2.StrictUndefined).from_string(missing).render(values)
        assert str(ours.value) == str(theirs.value)
