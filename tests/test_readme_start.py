"""README, "Start your own digest": its commands, run as they are in an empty folder outside the repository.

Only the installed package is used (`python -m digest`, from this interpreter), against the local arXiv
stand-in serving the recorded announcement of Wed 27 Nov 2024 20:00 EST, reached through the
DIGEST_ARXIV_* variables; the clock is fixed with DIGEST_NOW and the machine's time zone with TZ.
"""
from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from datetime import date

import pytest
from arxiv_listing import feed_for, listing_responder
from arxiv_server import Reply, arxiv_server, feed_api, feed_items, fixture_bytes  # noqa: F401 - the fixture
from conftest import ROOT, write

RECORDING = fixture_bytes("rss_all-archives_combined_2024-11-28.xml")
# 14:30 in Seoul on Thu 28 Nov 2024 is 00:30 EST: the batch announced at 20:00 EST on the 27th is in the RSS,
# and with the default cutoff (20:00 America/New_York) it is the issue of the 28th.
NOW = "2024-11-28T14:30:00+09:00"
# The override the test puts in the new folder: the issue page, with a line of the folder's own.
OVERRIDE = """\
{% extends "base.html" %}
{% block main %}
<p class="house-line">From our own desk: the papers of the day.</p>
{% with hl = 1, search_body = true %}{% include "_issue.html" %}{% endwith %}
{% endblock %}
"""


def readme_commands() -> list[str]:
    """The command lines between the start-your-own markers of README.md."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    m = re.search(r"<!-- start-your-own:begin -->\n```sh\n(.*?)```\n<!-- start-your-own:end -->", readme, re.S)
    assert m, "README.md has no start-your-own block"
    return [line for line in m.group(1).splitlines() if line.strip()]


def test_the_readme_says_five_commands_from_install_to_build():
    lines = readme_commands()
    assert "pip install" in lines[0]
    steps = [shlex.split(line)[:2] for line in lines[1:] if not line.startswith("cd ")]
    assert steps == [["digest", "init"], ["digest", "fetch"], ["digest", "new"], ["digest", "build"]]


def test_the_readme_commands_make_a_site_on_another_topic(tmp_path, arxiv_server):  # noqa: F811 - the fixture
    lines = readme_commands()
    init_args = shlex.split(lines[1])
    categories = [init_args[i + 1] for i, a in enumerate(init_args) if a == "--category"]
    topic = init_args[init_args.index("--topic") + 1]
    assert "diffusion" not in topic
    # arXiv as it was: the feed of those categories, their listing pages, and id_list lookups.
    arxiv_server.route(f"/rss/{'+'.join(categories)}", Reply(200, feed_for(RECORDING, categories)))
    arxiv_server.route("/list/*", listing_responder(RECORDING, date(2024, 11, 28)))
    arxiv_server.route("/api/query", feed_api(feed_items(RECORDING)), when=lambda r: bool(r.param("id_list")))

    here = tmp_path / "start"  # outside the repository
    here.mkdir()
    assert ROOT not in here.resolve().parents
    env = {k: v for k, v in os.environ.items() if not k.startswith("DIGEST_")}
    env.update(DIGEST_NOW=NOW, TZ="Asia/Seoul", DIGEST_ARXIV_API_URL=arxiv_server.api_url,
               DIGEST_ARXIV_RSS_URL=arxiv_server.rss_url, DIGEST_ARXIV_LISTING_URL=arxiv_server.listing_url,
               DIGEST_HTTP_BACKOFF_BASE="0.05", DIGEST_HTTP_MAX_ATTEMPTS="2", PYTHONPATH="")
    cwd = here
    for line in lines[1:]:
        args = shlex.split(line)
        if args[0] == "cd":
            cwd = cwd / args[1]
            continue
        assert args[0] == "digest", f"the test runs only digest commands, not {line!r}"
        if args[1] == "build":
            # The folder's own template for the issue page (README: "To change a page, ...").
            write(cwd / "templates" / "issue.html", OVERRIDE)
        # The installed package, run from outside the repository, with no terminal on standard input.
        done = subprocess.run([sys.executable, "-m", "digest", *args[1:]], cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, f"$ {line}\n{done.stdout}{done.stderr}"
        assert "Traceback" not in done.stderr

    site = cwd / "site"
    assert not (cwd / "templates" / "base.html").exists()  # everything else comes from the packaged theme
    page = (site / "2024" / "11" / "28" / "index.html").read_text(encoding="utf-8")
    title = re.search(r"<title>([^<]*)</title>", page).group(1)
    assert re.fullmatch(rf"(Two|Three|Four|Five) {re.escape(topic)} papers: November 28, 2024", title), title
    assert "From our own desk: the papers of the day." in page
    assert (site / "assets").is_dir() and (site / "feed.xml").is_file()
    # The issue's papers are from the configured categories of the recorded batch, each on the page.
    issue = (cwd / "issues" / "2024-11-28.yaml").read_text(encoding="utf-8")
    ids = re.findall(r'arxiv: "(\d{4}\.\d{5})v\d+"', issue)
    assert len(ids) >= 2
    for i in ids:
        assert f"arXiv:{i}v" in feed_for(RECORDING, categories).decode() and f"arxiv.org/abs/{i}" in page
    assert not list(cwd.rglob("2026-07-01*"))  # nothing of this repository's issues


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX paths")
def test_the_install_line_installs_from_a_clone_not_a_registry():
    # `paper-digest` on PyPI is someone else's project: the README installs this repository's copy.
    assert re.search(r"pip install \./paper-digest\b", readme_commands()[0])
