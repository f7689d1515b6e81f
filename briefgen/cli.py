"""The `briefgen` command: check, build and serve a briefing desk.

Exit codes: 0 success, 1 content problems (or a failed build), 2 usage or
configuration errors. Tracebacks appear only with `--debug`.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from mkdocs.exceptions import Abort, ConfigurationError

from . import __version__
from .build import BuildRefused, build_site, load_mkdocs_config, project_of
from .diagnostics import Severity, format_report, summary_line
from .pipeline import UnsafeProjectPath, check, run_cached

EXIT_OK, EXIT_CONTENT, EXIT_USAGE = 0, 1, 2


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script."""
    parser = _parser()
    args = parser.parse_args(argv)
    _setup_logging(args.verbose, args.quiet)
    try:
        return int(args.func(args))
    except (BuildRefused, ConfigurationError, UnsafeProjectPath) as exc:
        if args.debug:
            raise
        print(f"briefgen: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except Abort as exc:
        if args.debug:
            raise
        print(f"briefgen: build failed: {exc}", file=sys.stderr)
        return EXIT_CONTENT
    except KeyboardInterrupt:
        return 130


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
    serve.set_defaults(func=_serve)
    return parser


def _setup_logging(verbose: bool, quiet: bool) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)-7s -  %(message)s"))
    logger = logging.getLogger("mkdocs")
    logger.handlers[:] = [handler]
    logger.setLevel(logging.DEBUG if verbose else logging.WARNING if quiet else logging.INFO)
    logger.propagate = False


def _check(args: argparse.Namespace) -> int:
    project = project_of(load_mkdocs_config(args.config_file))
    diagnostics, _ = check(project)
    report = format_report(diagnostics, args.format)
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
    result = run_cached(project, drafts=args.drafts)
    if result.diagnostics:
        print(format_report(result.diagnostics, "text"), file=sys.stderr)
    if not result.ok:
        print(f"briefgen: content has {summary_line(result.diagnostics)}; the site was not changed", file=sys.stderr)
        return EXIT_CONTENT
    site = build_site(config, args.site_dir, drafts=args.drafts, force=args.force)
    if not args.quiet:
        pages = sum(1 for _ in site.rglob("*.html"))
        print(f"briefgen: built {pages} pages into {site} in {time.monotonic() - started:.1f} s", file=sys.stderr)
    return EXIT_OK


def _serve(args: argparse.Namespace) -> int:
    from mkdocs.commands.serve import serve

    config = load_mkdocs_config(args.config_file)  # fail early, with our message, on a bad config
    project_of(config)
    overrides = {"dev_addr": args.dev_addr} if args.dev_addr else {}
    serve(str(args.config_file), livereload=True, **overrides)
    return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
