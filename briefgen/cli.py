"""The `briefgen` command: check, build and serve a briefing desk.

Exit codes: 0 success, 1 content problems (or a failed build), 2 usage or
configuration errors. Tracebacks appear only with `--debug`.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from . import __version__
from .authoring.changes import GitError, changed_files, relevant
from .authoring.demo import DEFAULT_DAYS, write_demo_desk
from .authoring.scaffold import ScaffoldError, default_schema_dir, parse_date, scaffold
from .authoring.schemas_export import SchemaFileConflict, stale_schemas, write_schemas
from .build import BuildRefused, InvalidConfiguration, build_site, load_mkdocs_config, project_of
from .desk.diagnostics import Severity, format_report, summary_line
from .desk.pipeline import run
from .desk.project import UnsafeProjectPath
from .desk.schema import FOLDERS
from .settings import project_settings
from .speed.checkcache import default_cache_dir
from .speed.parallel_check import diagnose

EXIT_OK, EXIT_CONTENT, EXIT_USAGE = 0, 1, 2

#: Errors in what a command was asked to do (arguments, configuration), reported in one line.
USAGE_ERRORS = (BuildRefused, InvalidConfiguration, UnsafeProjectPath, ScaffoldError, SchemaFileConflict, GitError)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script."""
    _tolerant_output()
    parser = _parser()
    args = parser.parse_args(argv)
    _setup_logging(args.verbose, args.quiet)
    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        status = None if args.debug else _reported(exc)
        if status is None:
            raise
        return status


def _utf8(stream: object) -> bool:
    return str(getattr(stream, "encoding", "") or "").lower().replace("-", "").replace("_", "") == "utf8"


def _tolerant_output() -> None:
    """Let a terminal or pipe that is not UTF-8 receive every report: a character it cannot show
    (a `→` in a message, a name with accents) is written as an escape instead of ending the command."""
    for stream in (sys.stdout, sys.stderr):
        if not _utf8(stream) and hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")


def _reported(exc: Exception) -> int | None:
    """Report an error the user can act on in one line and return the exit status; None for a bug."""
    # MkDocs is imported only now: `briefgen check` usually runs without it (see `settings`).
    from mkdocs.exceptions import Abort, ConfigurationError

    from .build import NoSpaceLeft, disk_full_error

    if isinstance(exc, (*USAGE_ERRORS, ConfigurationError)):
        print(f"briefgen: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if isinstance(exc, NoSpaceLeft):  # a build's: the site is as it was
        print(f"briefgen: error: {exc}", file=sys.stderr)
        return EXIT_CONTENT
    full = disk_full_error(exc)
    if full is not None:  # any other command's
        written = full.filename2 if full.filename2 is not None else full.filename  # a copy's: its target
        where = f" while writing {os.fsdecode(written)}" if written is not None else ""
        print(f"briefgen: error: no space left on device{where}", file=sys.stderr)
        return EXIT_CONTENT
    if isinstance(exc, Abort):
        print(f"briefgen: build failed: {exc}", file=sys.stderr)
        return EXIT_CONTENT
    return None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="briefgen", description="Static-site generator for news briefings.")
    parser.add_argument("--version", action="version", version=f"briefgen {__version__}")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("-f", "--config-file", type=Path, default=Path("mkdocs.yml"),
                        help="the MkDocs configuration (default: mkdocs.yml)")
    common.add_argument("-v", "--verbose", action="store_true", help="show MkDocs' detailed log")
    common.add_argument("-q", "--quiet", action="store_true", help="show only problems")
    common.add_argument("--debug", action="store_true", help="show tracebacks for internal errors")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    check = sub.add_parser("check", parents=[common], help="validate all content and report every problem",
                           description="Validate all content (drafts included) and report every problem.")
    check.add_argument("--format", choices=("text", "github", "json"), default="text",
                       help="text (default), GitHub workflow annotations, or JSON")
    check.add_argument("--strict", action="store_true", help="fail on warnings too")
    check.add_argument("--changed-since", metavar="REF",
                       help="report only problems in files changed since the git REF, or caused by them")
    check.add_argument("--no-cache", action="store_true",
                       help="read every file, ignoring what the last run found (kept in ~/.cache/briefgen; "
                            "never used where the CI environment variable is set)")
    check.set_defaults(func=_check)

    build = sub.add_parser("build", parents=[common], help="check content, then build the site",
                           description="Check content, build the site strictly, and swap it into place.")
    build.add_argument("-d", "--site-dir", type=Path, help="output folder (default: site_dir of mkdocs.yml)")
    build.add_argument("--drafts", action="store_true", help="include articles with `status: draft`")
    build.add_argument("--force", action="store_true", help="replace a non-empty folder briefgen did not build")
    build.set_defaults(func=_build)

    serve = sub.add_parser("serve", parents=[common], help="preview with live reload (drafts included)",
                           description="Preview the site; reloads when content, templates or config change.")
    serve.add_argument("-a", "--dev-addr", default=None, metavar="IP:PORT", help="address (default 127.0.0.1:8000)")
    serve.add_argument("--poll", action="store_true",
                       help="look for changes by polling files (for mounts that send no change events)")
    serve.add_argument("--open", action="store_true", help="open the preview in a browser")
    serve.set_defaults(func=_serve)

    new = sub.add_parser("new", parents=[common], help="write a new content file with every field, commented",
                         description="Write a new article, registry entry or briefing note; never overwrites an "
                                     "existing file.")
    new.add_argument("kind", choices=list(FOLDERS), help="what to create")
    new.add_argument("name", help="the name (the title, for an article; the day YYYY-MM-DD, for a briefing note)")
    new.add_argument("--date", help="an article's date (YYYY-MM-DD), required for articles; or a briefing note's "
                                    "day, NAME then being its title")
    new.add_argument("--start", help="an event's first day")
    new.add_argument("--end", help="an event's last day")
    new.add_argument("--slug", help="the file name, if the one made from the name will not do")
    new.add_argument("--schema-base", help="where editors find the JSON Schemas (default: the project's schemas/)")
    new.set_defaults(func=_new)

    schema = sub.add_parser("schema", parents=[common], help="write the JSON Schemas of the content files",
                            description="Write one JSON Schema (draft 2020-12) per kind of content file.")
    schema.add_argument("--out", type=Path, default=Path("schemas"), help="output folder (default: schemas)")
    schema.add_argument("--force", action="store_true", help="replace schema files that differ")
    schema.add_argument("--check", action="store_true", help="only report whether the files are up to date")
    schema.set_defaults(func=_schema)

    demo = sub.add_parser("demo-desk", parents=[common], help="write a synthetic desk for benchmarks and demos",
                          description="Write a deterministic fictional desk of N articles into a new folder.")
    demo.add_argument("--articles", type=int, default=1000, help="number of articles (default 1000)")
    demo.add_argument("--out", type=Path, required=True, help="a new or empty folder")
    demo.add_argument("--seed", type=int, default=2024, help="random seed (default 2024)")
    demo.add_argument("--days", type=_positive, default=DEFAULT_DAYS,
                      help=f"days the articles are spread over, from 1 January 2024 (default {DEFAULT_DAYS})")
    demo.set_defaults(func=_demo)

    imp = sub.add_parser("import", parents=[common], help="turn a scraped article (text or saved HTML) into a draft",
                         description="Clean a scraped article and write it as a draft; never overwrites a file.")
    imp.add_argument("file", help="the scraped text or saved .html page; - reads standard input")
    imp.add_argument("--date", help="the article's date (YYYY-MM-DD) when the text has no time stamp")
    imp.add_argument("--source-name", help="the publication, e.g. `Hindustan Times`")
    imp.add_argument("--source-url", help="the address of the original article")
    imp.add_argument("--slug", help="the file name, if the one made from the title will not do")
    imp.add_argument("--format", choices=("text", "json"), default="text", help="text (default) or JSON")
    imp.set_defaults(func=_import)

    ann = sub.add_parser("annotate", parents=[common], help="propose an article's references and quotes",
                         description="Find registry entries, new names and quotes in an article; "
                                     "--write merges them into its front matter.")
    ann.add_argument("article", type=Path, help="the article's Markdown file")
    ann.add_argument("--write", action="store_true",
                     help="add the references and attributed quotes found to the front matter (removes nothing)")
    ann.add_argument("--format", choices=("text", "json"), default="text", help="text (default) or JSON")
    ann.set_defaults(func=_annotate)
    return parser


def _positive(text: str) -> int:
    """An argument that must be a whole number of at least 1 (argparse reports the message)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is less than 1")
    return value


def _setup_logging(verbose: bool, quiet: bool) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)-7s -  %(message)s"))
    logger = logging.getLogger("mkdocs")
    logger.handlers[:] = [handler]
    logger.setLevel(logging.DEBUG if verbose else logging.WARNING if quiet else logging.INFO)
    logger.propagate = False


def _check(args: argparse.Namespace) -> int:
    project, jobs = project_settings(args.config_file)
    # A CI machine checks a checkout once: keeping results for a next run would only cost time there.
    cached = not args.no_cache and not os.environ.get("CI")
    diagnostics = diagnose(project, jobs, default_cache_dir() if cached else None)
    if args.changed_since:
        paths = changed_files(project.root, args.changed_since)
        content = project.content_dir.relative_to(project.root).as_posix()
        diagnostics = relevant(diagnostics, paths, content)
    report = format_report(diagnostics, args.format, ascii_only=not _utf8(sys.stdout))
    if report:
        print(report)
    if args.format == "text" and not args.quiet:
        print(f"briefgen: {summary_line(diagnostics)}", file=sys.stderr)
    failing = [d for d in diagnostics if d.severity is Severity.ERROR or args.strict]
    return EXIT_CONTENT if failing else EXIT_OK


def _build(args: argparse.Namespace) -> int:
    started = time.monotonic()
    config = load_mkdocs_config(args.config_file, strict=True)
    project = project_of(config)
    result = run(project, drafts=args.drafts, stamped=True)
    errors = [d for d in result.diagnostics if d.severity is Severity.ERROR]
    # Errors are what stops a build; warnings are `check`'s business, so a big desk's log stays readable.
    shown = result.diagnostics if args.verbose else errors
    if shown:
        print(format_report(shown, "text"), file=sys.stderr)
    if len(shown) < len(result.diagnostics) and not args.quiet:
        hidden = len(result.diagnostics) - len(shown)
        print(f"briefgen: {hidden} warning{'s' if hidden != 1 else ''} (`briefgen check` lists them)", file=sys.stderr)
    if not result.ok:
        print(f"briefgen: content has {summary_line(result.diagnostics)}; the site was not changed", file=sys.stderr)
        return EXIT_CONTENT
    site = build_site(config, args.site_dir, drafts=args.drafts, force=args.force, checked=result)
    if not args.quiet:
        pages = sum(1 for _ in site.rglob("*.html"))
        print(f"briefgen: built {pages} pages into {site} in {time.monotonic() - started:.1f} s", file=sys.stderr)
    return EXIT_OK


def _new(args: argparse.Namespace) -> int:
    project, _ = project_settings(args.config_file)
    dates = {k: parse_date(v) for k in ("date", "start", "end") if (v := getattr(args, k))}
    path = scaffold(project, args.kind, args.name, slug=args.slug, schema_base=args.schema_base, **dates)
    schemas = default_schema_dir(project)
    if args.schema_base is None and not schemas.exists():
        # The new file's first line points editors' YAML language servers at these. A new folder, so
        # nothing of the user's is touched; ignored by git unless the desk decides to keep it.
        write_schemas(schemas)
        (schemas / ".gitignore").write_text(SCHEMAS_GITIGNORE, encoding="utf-8")
        if not args.quiet:
            print(f"briefgen: wrote the JSON Schemas editors use into {schemas.relative_to(project.root)}/ "
                  "(ignored by git; delete its .gitignore to keep them)", file=sys.stderr)
    print(path.relative_to(project.root).as_posix())
    return EXIT_OK


#: Written into the schemas folder `briefgen new` makes: generated files, rewritten by `briefgen schema`.
SCHEMAS_GITIGNORE = "# Written by `briefgen new`: JSON Schemas for editors, regenerated by `briefgen schema`.\n*\n"


def _schema(args: argparse.Namespace) -> int:
    if args.check:
        stale = stale_schemas(args.out)
        for path in stale:
            print(f"{path}: missing or out of date; run `briefgen schema --out {args.out} --force`")
        return EXIT_CONTENT if stale else EXIT_OK
    for path in write_schemas(args.out, force=args.force):
        if not args.quiet:
            print(path)
    return EXIT_OK


def _demo(args: argparse.Namespace) -> int:
    if args.out.exists() and any(args.out.iterdir()):
        raise BuildRefused(f"{args.out} is not empty; choose a new folder")
    counts = write_demo_desk(args.out, args.articles, seed=args.seed, days=args.days)
    if not args.quiet:
        listed = ", ".join(f"{n} {kind}s" for kind, n in counts.items())
        print(f"briefgen: wrote a demo desk of {listed} into {args.out}", file=sys.stderr)
    return EXIT_OK


def _serve(args: argparse.Namespace) -> int:
    from .preview.server import serve

    config = load_mkdocs_config(args.config_file)  # fail early, with our message, on a bad config
    project_of(config)
    serve(str(args.config_file), dev_addr=args.dev_addr, poll=args.poll, open_in_browser=args.open)
    return EXIT_OK


def _import(args: argparse.Namespace) -> int:
    import json

    from .authoring.importer import ImportRefused, import_article

    project, _ = project_settings(args.config_file)
    date = parse_date(args.date) if args.date else None
    try:
        data = sys.stdin.buffer.read() if args.file == "-" else Path(args.file).read_bytes()
    except OSError as exc:
        raise ImportRefused(f"cannot read {args.file}: {exc.strerror or exc}") from None
    name = "standard input" if args.file == "-" else args.file
    done = import_article(project, data, name, date=date, source_name=args.source_name,
                          source_url=args.source_url, slug=args.slug)
    cleaned, rel = done.cleaned, done.path.relative_to(project.root).as_posix()
    if args.format == "json":
        when = cleaned.date.isoformat() if cleaned.date else None
        print(json.dumps({"path": rel, "title": cleaned.title, "date": when,
                          "removed": [{"line": r.line, "text": r.text, "why": r.why} for r in cleaned.removed],
                          "captions": cleaned.captions}, ensure_ascii=False, indent=2))
        return EXIT_OK
    print(rel)
    if not args.quiet:
        for removed in cleaned.removed:
            print(f"  line {removed.line}: removed {removed.text[:70]!r}: {removed.why}", file=sys.stderr)
        if cleaned.title is None:
            print("briefgen: the text has no headline; the title is left as a TODO", file=sys.stderr)
    return EXIT_OK


def _annotate(args: argparse.Namespace) -> int:
    from .authoring.annotate import annotate_file, format_text, write_proposals

    project, _ = project_settings(args.config_file)
    proposals = annotate_file(project, args.article)
    if args.write:
        added = write_proposals(args.article, proposals)
        if not args.quiet:
            print(f"briefgen: added {added} reference{'s' if added != 1 else ''} and quotes to {args.article}",
                  file=sys.stderr)
    print(proposals.to_json() if args.format == "json" else format_text(proposals))
    return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
