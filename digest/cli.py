"""The `digest` command: parses arguments, calls the library, prints, and picks the exit code.

Command modules are imported inside each command so `digest --help` stays instant.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import date, timedelta
from pathlib import Path

EXIT_OK = 0
EXIT_INVALID = 1      # bad config or issue file: fix the file
EXIT_USAGE = 2        # bad command line
EXIT_UNREACHABLE = 3  # arXiv could not be reached after retries
EXIT_UPSTREAM = 4     # arXiv answered with something unusable
EXIT_BUILD = 5        # the site could not be written (templates, disk)
EXIT_LOCKED = 6       # another run holds the lock
EXIT_INTERNAL = 70    # a bug: please report it
EXIT_TEMPFAIL = 75    # not available yet: retry later

# Set by run(), which ends the process once main() returns: a build need not free what it loaded (see
# gc_policy.BuildHeap). main() called any other way (tests, a program embedding the CLI) leaves it False.
_process_ends = False

EXIT_CODES_HELP = """exit codes:
  0   success
  1   invalid configuration or issue file (messages say file:line:col)
  2   command-line usage error
  3   arXiv unreachable after retries (network, DNS, timeouts, 5xx, 429)
  4   arXiv answered with unusable data (4xx, malformed XML, feed error)
  5   the site could not be written (template error, disk)
  6   another digest run holds the lock
  70  internal error (a bug; rerun with DIGEST_DEBUG=1 for the traceback)
  75  the batch is not available yet; retry after the time printed
"""


def _err(message: str) -> None:
    print(message, file=sys.stderr)


def _parse_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def _load_config(args):
    from .editorial.config import load_config

    return load_config(args.config)


def cmd_check(args) -> int:
    """Validate digest.yaml and every issue file."""
    from .build.views import load_project
    from .editorial.holidays import unknown_year_warning

    config = _load_config(args)
    project = load_project(config)
    year = _now(args, config).astimezone(config.site.tz).year
    schedule = [w for w in [unknown_year_warning(config, year)] if w is not None]  # digest.yaml's, before the issues'
    for problem in schedule + project.problems:
        print(problem)
    n_err, n_warn = len(project.errors), len(project.warnings) + len(schedule)
    files = project.files_read
    _err(f"checked digest.yaml and {files} issue file{'s' if files != 1 else ''}: "
         f"{n_err} error{'s' if n_err != 1 else ''}, {n_warn} warning{'s' if n_warn != 1 else ''}")
    return EXIT_INVALID if n_err else EXIT_OK


def cmd_build(args) -> int:
    """Render the whole site (nothing at all when the last build's manifest shows no change)."""
    import time

    from .build import build, unchanged_result

    started = time.perf_counter()
    # Decided before digest.yaml is parsed or any rendering library is imported: a no-change rebuild is instant.
    result = None if args.clean else unchanged_result(args.config, args.out, started)
    if result is None:
        config = _load_config(args)
        result = build(config, args.out, clean=args.clean, checked=True, exiting=_process_ends)
    for problem in result.warnings:
        _err(str(problem))
    try:
        shown = result.out.resolve().relative_to(Path.cwd())
    except ValueError:
        shown = result.out
    issues = f"{result.issues} issue{'s' if result.issues != 1 else ''}"
    if result.changed:
        print(f"built {issues} into {shown}/: {result.pages} pages, {result.written} written, "
              f"{result.unchanged} unchanged, in {result.seconds:.2f} s")
    else:
        print(f"built {issues} into {shown}/: {result.pages} pages, 0 written, {result.pages} unchanged "
              f"(the published folder was left as it was), in {result.seconds:.2f} s")
    return EXIT_OK


def cmd_rank(args) -> int:
    """Print an issue's ranking with each signal's value and source."""
    from .commands.rank_report import explain, rank_report, report_json, report_table

    config = _load_config(args)
    report = rank_report(config, args.date)
    if args.explain:
        print(explain(report, args.explain))
    elif args.format == "json":
        print(json.dumps(report_json(report), indent=2, ensure_ascii=False))
    else:
        print(report_table(report))
    for problem in report.warnings:
        _err(str(problem))
    return EXIT_OK


def _now(args, config):
    from .timeutil import now

    try:
        return now(getattr(args, "now", None), config.site.tz)
    except ValueError as exc:
        raise _Usage(str(exc)) from None


class _Usage(Exception):
    """A command-line value that parsed but makes no sense."""


def _issue_date(args, config, current) -> date:
    return args.date or current.astimezone(config.site.tz).date()


def _since(args, issue_date: date) -> date | None:
    """`--since`, which must be before the issue date: the window starts at that date's cutoff."""
    if args.since is not None and args.since >= issue_date:
        raise _Usage(f"--since {args.since.isoformat()} is not before the issue date {issue_date.isoformat()}; "
                     f"give an earlier date (the window starts at its cutoff), e.g. --since "
                     f"{(issue_date - timedelta(days=1)).isoformat()}")
    return args.since


def _progress(enabled: bool):
    if not enabled or not sys.stderr.isatty():
        return None

    def show(done: int, total: int) -> None:
        width = 30
        filled = width * done // max(total, 1)
        end = "\n" if done >= total else ""
        print(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total}", end=end, file=sys.stderr, flush=True)

    return show


def cmd_fetch(args) -> int:
    """Fetch the window's candidates into issues/<date>.candidates.json."""
    from .build.lock import project_lock
    from .editorial.window_start import window_start
    from .fetch.run import fetch_issue, summary_line
    from .prescore import prescorer

    config = _load_config(args)
    current = _now(args, config)
    issue_date = _issue_date(args, config, current)
    since = _since(args, issue_date)
    with project_lock(config.cache_dir, f"digest fetch {issue_date.isoformat()}"):
        start = window_start(config, issue_date, since)
        result = fetch_issue(config, issue_date, current, refresh=args.refresh,
                             progress=_progress(not args.quiet),
                             window=start.window,
                             prescore=prescorer(config, issue_date))
    for note in result.notes:
        _err(f"note: {note}")
    if not args.quiet:
        print(summary_line(result))
    return EXIT_OK


def cmd_new(args) -> int:
    """Create the editor file for DATE from its candidates (never overwrites)."""
    from .build.lock import project_lock
    from .commands.new import new_issue

    config = _load_config(args)
    issue_date = _issue_date(args, config, _now(args, config))
    with project_lock(config.cache_dir, f"digest new {issue_date.isoformat()}"):
        result = new_issue(config, issue_date, empty=args.empty)
    rel = config.display(result.path)
    if result.created and args.empty:
        print(f"created {rel} with no papers, on purpose: write its note: (why there are none) before it is built")
        return EXIT_OK
    if result.created:
        print(f"created {rel} with {result.papers} papers from {result.candidates} candidates")
        return EXIT_OK
    _err(f"{rel} already exists; it is the editor's file and was left untouched")
    return EXIT_INVALID


def cmd_nightly(args) -> int:
    """fetch + new + build, for cron."""
    from datetime import datetime, timezone

    from .commands.nightly import NightlyOutcome, run_nightly

    config = _load_config(args)
    current = _now(args, config)
    issue_date = _issue_date(args, config, current)
    since = _since(args, issue_date)

    def log(message: str) -> None:
        stamp = datetime.now(timezone.utc).astimezone(config.site.tz).strftime("%Y-%m-%dT%H:%M:%S%z")
        print(f"{stamp} digest nightly {issue_date.isoformat()}: {message}", file=sys.stderr, flush=True)

    result = run_nightly(config, issue_date, current, refresh=not args.cached, since=since, log=log,
                         exiting=_process_ends)
    return {NightlyOutcome.DONE: EXIT_OK, NightlyOutcome.NOT_YET: EXIT_TEMPFAIL,
            NightlyOutcome.UNREACHABLE: EXIT_UNREACHABLE, NightlyOutcome.UPSTREAM: EXIT_UPSTREAM}[result.outcome]


def cmd_serve(args) -> int:
    """Serve site/ locally, rebuild it when its sources change, and reload open browsers."""
    from .commands.serve import PortInUse, ServeError, serve

    config = _load_config(args)

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    def ready(url: str) -> None:
        print(f"serving {url} (Ctrl-C to stop)", flush=True)

    try:
        serve(config, args.host, args.port, reload=not args.no_reload, log=log, on_ready=ready)
    except ServeError as exc:
        hint = "; choose another with --port (or --port 0 for any free port)" if isinstance(exc, PortInUse) else ""
        _err(f"digest: error: {exc}{hint}")
        return EXIT_USAGE
    return EXIT_OK


def cmd_schema(args) -> int:
    """Write the JSON Schemas for digest.yaml and issue files."""
    from .editorial.schemas import published_schemas

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    from .files import atomic_write_bytes

    for name, text in published_schemas().items():
        atomic_write_bytes(out / name, text.encode("utf-8"))
        print(out / name)
    if args.reference:
        from .editorial.config_reference import reference_markdown

        atomic_write_bytes(Path(args.reference), reference_markdown().encode("utf-8"))
        print(args.reference)
    return EXIT_OK


# `digest init`'s options, by the Answers field they give.
_INIT_OPTIONS = {"title": "--title", "topic": "--topic", "phrases": "--phrase", "examples": "--example",
                 "categories": "--category", "timezone": "--timezone", "cutoff": "--cutoff", "language": "--language",
                 "base_url": "--base-url", "folder": "FOLDER"}


def cmd_init(args) -> int:
    """Start a digest in FOLDER: ask (on a terminal) or take from the options, write what is missing, say what next."""
    from .commands.init import Answers, BadAnswers, new_digest, parse_phrase

    given = {"title": args.title, "topic": args.topic, "timezone": args.timezone, "cutoff": args.cutoff,
             "language": args.language, "base_url": args.base_url,
             "phrases": args.phrase, "examples": args.example, "categories": args.category}
    if sys.stdin.isatty() and not args.no_input:
        try:
            given = _ask_init(given)
        except EOFError:  # Ctrl-D at a question: nothing was written
            _err("\ndigest init: stopped before the last answer; nothing was written")
            return EXIT_USAGE
    try:
        phrases = tuple(parse_phrase(text) for text in given.pop("phrases") or ())
    except ValueError as exc:
        _err(f"digest init: error: {_INIT_OPTIONS['phrases']}: {exc}")
        return EXIT_USAGE
    answers = Answers(phrases=phrases, **{k: tuple(v) if isinstance(v, list) else v
                                          for k, v in given.items() if v is not None})
    try:
        result = new_digest(args.folder, answers)
    except BadAnswers as exc:
        for problem in exc.problems:
            _err(f"digest init: error: {_INIT_OPTIONS.get(problem.field, problem.field)}: {problem.message}")
        return EXIT_USAGE
    for rel in result.written:
        print(f"wrote  {rel}{'/' if (result.root / rel).is_dir() else ''}")
    for rel in result.kept:
        print(f"kept   {rel}{'/' if (result.root / rel).is_dir() else ''} (it exists; left as it was)")
    if not result.requirement.exact and Path("requirements.txt") in result.written:
        _err(f"warning: requirements.txt: {result.requirement.note}; point it at a git URL or a wheel CI can reach")
    if result.config.site.base_url == "https://example.org/":
        _err("warning: digest.yaml: site.base_url is https://example.org/; set it to where the site is published")
    here = Path(args.folder).resolve() == Path.cwd().resolve()
    print("\nnext:")
    if not here:
        print(f"  cd {args.folder}")
    print("  digest fetch    # read today's arXiv announcements into issues/<date>.candidates.json\n"
          "  digest new      # start today's issue, issues/<date>.yaml, from them: edit it\n"
          "  digest build    # the site, in site/ (digest serve: a preview that rebuilds on change)")
    print(f"To publish every night: push the folder to a GitHub repository and set Settings > Pages > Source to "
          f"\"GitHub Actions\";\n.github/workflows/nightly.yml runs `digest nightly` from "
          f"{result.schedule.first_run}, after schedule.cutoff ({result.schedule.cutoff}).")
    return EXIT_OK


def _ask_init(given: dict) -> dict:
    """Ask on the terminal for every answer the options did not give, again until it is valid."""
    from .commands.init import (
        DEFAULT_BASE_URL,
        DEFAULT_CATEGORIES,
        DEFAULT_CUTOFF,
        DEFAULT_TOPIC,
        check_base_url,
        check_category,
        check_cutoff,
        check_example,
        check_language,
        check_timezone,
        default_title,
        local_timezone,
        parse_phrase,
    )

    def ask(question: str, default: str, check) -> str:
        while True:
            text = input(f"{question} [{default}]: ").strip() if default else input(f"{question}: ").strip()
            try:
                check(text or default)
            except ValueError as exc:
                print(f"  {exc}")
                continue
            return text or default

    def ask_list(question: str, default: list[str], check) -> list[str]:
        def check_all(text: str) -> None:
            for item in _split_list(text):
                check(item)
        return _split_list(ask(question, ", ".join(default), check_all))

    out = dict(given)
    if out["topic"] is None:
        out["topic"] = ask("Topic, as in \"Five <topic> papers\"", DEFAULT_TOPIC, _not_empty)
    if out["title"] is None:
        out["title"] = ask("Site title", default_title(out["topic"]), _not_empty)
    if not out["phrases"]:
        out["phrases"] = ask_list("Topic phrases, comma-separated, each optionally =weight (0-100)",
                                  [out["topic"]], parse_phrase)
    if not out["examples"]:
        out["examples"] = ask_list("Example papers that define the topic, arXiv ids, comma-separated (optional)",
                                   [], lambda t: check_example(t) if t else t)
    if not out["categories"]:
        out["categories"] = ask_list("arXiv categories, comma-separated", list(DEFAULT_CATEGORIES), check_category)
    if out["timezone"] is None:
        out["timezone"] = ask("Display time zone (IANA)", local_timezone(), check_timezone)
    if out["cutoff"] is None:
        out["cutoff"] = ask("Cutoff, when an issue's window closes: HH:MM, or HH:MM Area/City", DEFAULT_CUTOFF,
                            check_cutoff)
    if out["language"] is None:
        out["language"] = ask("Language of the site (en or ko)", "en", check_language)
    if out["base_url"] is None:
        out["base_url"] = ask("Base URL, where the site will be published", DEFAULT_BASE_URL, check_base_url)
    return out


def _split_list(text: str) -> list[str]:
    return [item.strip() for item in text.split(",") if item.strip()]


def _not_empty(text: str) -> None:
    if not text.strip():
        raise ValueError("an answer is needed")


class _Version(argparse.Action):
    """`--version`: the installed package's version, looked up only when asked."""

    def __init__(self, option_strings, dest=argparse.SUPPRESS, default=argparse.SUPPRESS, help=None):
        super().__init__(option_strings, dest=dest, default=default, nargs=0, help=help)

    def __call__(self, parser, namespace, values, option_string=None):
        from importlib import metadata

        try:
            version = metadata.version("paper-digest")
        except metadata.PackageNotFoundError:
            version = "unknown (not installed as a package)"
        print(f"digest {version}")
        parser.exit()


def _dated(p: argparse.ArgumentParser) -> None:
    """The optional DATE and the --now clock that fetch, new and nightly share."""
    p.add_argument("date", nargs="?", type=_parse_date, metavar="DATE",
                   help="issue date (default: today in the display time zone)")
    p.add_argument("--now", help="fix the clock (ISO date-time; also DIGEST_NOW), for reruns, backfills and tests")


def _since_option(p: argparse.ArgumentParser) -> None:
    """`--since DATE`, shared by fetch and nightly."""
    p.add_argument("--since", type=_parse_date, metavar="DATE",
                   help="start the window at DATE's cutoff instead of the previous issue's publication "
                        "(may be longer than schedule.max_window_days)")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (also used to generate the CLI reference)."""
    parser = argparse.ArgumentParser(
        prog="digest",
        description="Build a ranked daily digest of arXiv papers as a static site.",
        epilog=EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--config", default="digest.yaml", help="site configuration (default: digest.yaml)")
    parser.add_argument("--version", action=_Version, help="print the installed version of digest and exit")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("build", help="render the whole site", description="Render every issue into a static site; "
                       "the previous site stays in place until the new one is complete.")
    p.add_argument("--out", default=None, help="output folder (default: site/ beside digest.yaml)")
    p.add_argument("--clean", action="store_true",
                   help="build everything from scratch, ignoring the last build's manifest and cached issue views")
    p.set_defaults(func=cmd_build)

    p = sub.add_parser("check", help="validate digest.yaml and every issue file",
                       description="Validate the configuration and every issue file; print file:line:col: message "
                                   "lines and exit 1 when there is an error.")
    p.add_argument("--now", help="fix the clock (ISO date-time; also DIGEST_NOW); check warns when arXiv's holidays "
                                 "of its year are unknown")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("rank", help="print an issue's ranking with its score breakdown",
                       description="Print the ranking of the issue of DATE: each signal with its value and its "
                                   "source (editor or automatic), and the weighted total.")
    p.add_argument("date", type=_parse_date, metavar="DATE", help="issue date, YYYY-MM-DD")
    p.add_argument("--format", choices=["table", "json"], default="table")
    p.add_argument("--explain", metavar="ID", help="show one paper's signals with the reason for each")
    p.set_defaults(func=cmd_rank)

    p = sub.add_parser("fetch", help="fetch the window's candidates from arXiv",
                       description="Fetch the arXiv announcements of the issue's window into "
                                   "issues/<DATE>.candidates.json (atomically; the editor file is never touched).")
    _dated(p)
    _since_option(p)
    p.add_argument("--refresh", action="store_true", help="ignore cached arXiv responses")
    p.add_argument("--quiet", action="store_true", help="no summary line or progress bar (for cron)")
    p.set_defaults(func=cmd_fetch)

    p = sub.add_parser("new", help="start the editor file for DATE from its candidates",
                       description="Create issues/<DATE>.yaml with the top candidates and their automatic scores "
                                   "as comments. Never overwrites an existing file (exit 1 if it exists). Exit 1 "
                                   "when there is no candidates file (run `digest fetch DATE` first) or its window "
                                   "had no arXiv announcement, unless --empty.")
    _dated(p)
    p.add_argument("--empty", action="store_true",
                   help="start an issue with no papers on purpose (e.g. a holiday notice): its note: says why")
    p.set_defaults(func=cmd_new)

    p = sub.add_parser("nightly", help="fetch + new + build, for cron",
                       description="Fetch the window, create the editor file if it is absent, rebuild the site. "
                                   "Safe to re-run; holds a lock; exits 75 when the batch is not available yet.")
    _dated(p)
    _since_option(p)
    p.add_argument("--cached", action="store_true",
                   help="reuse cached arXiv responses instead of asking again (the default asks again)")
    p.set_defaults(func=cmd_nightly)

    p = sub.add_parser("serve", help="preview the site locally, rebuilding on change",
                       description="Build once, serve site/ over HTTP, rebuild when issues/, templates/, static/ or "
                                   "digest.yaml change, and reload open browser tabs. Build errors are printed and "
                                   "shown in the page; the last good site stays served. The files in site/ are "
                                   "never changed for the preview.")
    p.add_argument("--port", type=int, default=8000, help="port to listen on (default: 8000; 0 picks a free one)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1, this machine only)")
    p.add_argument("--no-reload", action="store_true",
                   help="do not reload browsers (the site is still rebuilt on change; reload the page yourself)")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("schema", help="write JSON Schemas for editor support",
                       description="Write digest.schema.json and issue.schema.json for yaml-language-server.")
    p.add_argument("--out", default="schemas", help="output folder (default: schemas/)")
    p.add_argument("--reference", metavar="FILE",
                   help="also write the digest.yaml reference, every key with its default (docs/configuration.md)")
    p.set_defaults(func=cmd_schema)

    p = sub.add_parser("init", help="start a new digest in a folder",
                       description="Write a commented digest.yaml, an empty issues/, a .gitignore, requirements.txt, "
                                   "the JSON Schemas and the nightly GitHub Actions workflow into FOLDER. On a terminal "
                                   "it asks for every answer the options do not give; otherwise it uses the options "
                                   "and the defaults. Never overwrites a file: existing ones are kept and listed.")
    p.add_argument("folder", nargs="?", default=".", metavar="FOLDER", help="where (default: the current folder)")
    p.add_argument("--title", help="the site's title (default: from the topic, \"<Topic> Digest\")")
    p.add_argument("--topic", help="what the digest is about, as in \"Five <topic> papers\" (default: machine learning)")
    p.add_argument("--phrase", action="append", metavar="TEXT[=WEIGHT]",
                   help="a topic phrase, optionally with its weight 0-100 (default 3); repeatable (default: the topic)")
    p.add_argument("--example", action="append", metavar="ARXIV_ID",
                   help="a paper that defines the topic, by arXiv id; repeatable")
    p.add_argument("--category", action="append", metavar="CATEGORY",
                   help="an arXiv category to read, such as cs.CL; repeatable (default: cs.LG and stat.ML)")
    p.add_argument("--timezone", help="the display time zone, IANA (default: this machine's, else UTC)")
    p.add_argument("--cutoff", help="when an issue's window closes: HH:MM, or HH:MM Area/City "
                                    "(default: 20:00 America/New_York, arXiv's announcement)")
    p.add_argument("--language", help="the site's language: en or ko (default: en)")
    p.add_argument("--base-url", help="where the site will be published, e.g. https://you.github.io/digest/")
    p.add_argument("--no-input", action="store_true", help="ask nothing, even on a terminal")
    p.set_defaults(func=cmd_init)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one command line; its exit code (`run` is the console script: it also ends the process)."""
    import logging

    # The arxiv package logs through the root logger; the CLI reports problems itself.
    logging.getLogger("arxiv").setLevel(logging.ERROR)
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_USAGE
    try:
        return args.func(args)
    except KeyboardInterrupt:
        _err("interrupted")
        return 130
    except BaseException as exc:  # noqa: BLE001 - the one place that turns failures into exit codes
        return _report(exc, getattr(args, "config", None))


def run() -> None:
    """The `digest` command (console script and `python -m digest`): main(), then end the process.

    A build leaves a few hundred megabytes of objects behind it (3,650 issue views), and ending the
    interpreter normally frees them one by one: about a second, measured at 3,650 issues, for memory the
    system takes back anyway. So once main() has returned, nothing else runs in the process and every
    exit handler has run, the process ends at once.
    """
    import atexit
    import threading

    global _process_ends
    _process_ends = True
    code = main()
    exit_handlers = getattr(atexit, "_run_exitfuncs", None)
    if exit_handlers is None or threading.active_count() != 1:
        sys.exit(code)  # let the interpreter end the usual way
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe: nothing more can be said on it
            pass
    exit_handlers()
    os._exit(code)


def _report(exc: BaseException, config_path: str | None = None) -> int:
    """Print what went wrong (errors.describe) and return the exit code it deserves."""
    from .errors import describe

    if isinstance(exc, SystemExit):
        raise exc
    if isinstance(exc, _Usage):
        _err(f"digest: error: {exc}")
        return EXIT_USAGE
    code = _exit_code(exc)
    if code == EXIT_INTERNAL and os.environ.get("DIGEST_DEBUG"):
        raise exc

    def template_path(filename: str) -> str | None:
        from .render.theme import shown_path

        # The file actually used: the project's templates/<name>, or the packaged theme's.
        return shown_path(filename, Path(config_path or "digest.yaml").resolve().parent)

    for line in describe(exc, template_path):
        _err(line)
    return code


def _exit_code(exc: BaseException) -> int:
    """The exit code a failure the library raised deserves."""
    from .errors import DigestError, Locked, NotAvailableYet, UpstreamError

    if isinstance(exc, DigestError):
        return EXIT_INVALID
    if isinstance(exc, NotAvailableYet):
        return EXIT_TEMPFAIL
    if isinstance(exc, UpstreamError):
        return EXIT_UNREACHABLE if exc.unreachable else EXIT_UPSTREAM
    if isinstance(exc, Locked):
        return EXIT_LOCKED
    jinja2 = sys.modules.get("jinja2")  # not loaded: no template raised this
    if isinstance(exc, OSError) or (jinja2 is not None and isinstance(exc, jinja2.TemplateError)):
        return EXIT_BUILD
    return EXIT_INTERNAL


if __name__ == "__main__":  # pragma: no cover
    run()
