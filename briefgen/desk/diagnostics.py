"""Diagnostics: every content problem, with where it is and how to fix it.

A diagnostic is data, not an exception: the loader and validator collect all
of them, and the command line (or the MkDocs plugin) reports them at once.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from enum import StrEnum


class Severity(StrEnum):
    """How bad a diagnostic is; warnings fail only under `--strict`."""

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One problem in one content file.

    `path` is relative to the project root and uses forward slashes; `line`
    and `col` are 1-based (a problem with a whole file is at 1:1, where editors and
    pull-request views can show it; 0 only for a problem with a folder).
    """

    path: str
    line: int
    col: int
    severity: Severity
    code: str
    message: str
    hint: str = ""

    def format_text(self) -> str:
        """The compiler-style form: `path:line:col: error[code]: message` and a hint line."""
        head = f"{printable(self.path)}:{self.line}:{self.col}: {self.severity.value}[{self.code}]: {self.message}"
        return f"{head}\n  hint: {self.hint}" if self.hint else head

    def format_github(self) -> str:
        """A GitHub Actions workflow command, which the PR view shows on the line."""
        level = "error" if self.severity is Severity.ERROR else "warning"
        text = f"{self.message} ({self.hint})" if self.hint else self.message
        text = f"[{self.code}] {text}"
        props = f"file={_escape_property(self.path)}"
        if self.line:
            props += f",line={self.line}"
        if self.col:
            props += f",col={self.col}"
        props += f",title={_escape_property('briefgen ' + self.code)}"
        return f"::{level} {props}::{_escape_data(text)}"

    def as_json(self) -> dict[str, object]:
        """A plain dict for `--format json`."""
        data = asdict(self)
        data["severity"] = self.severity.value
        return data


def printable(text: str) -> str:
    """`text` with its control characters written as escapes (`\\n`), for a message naming a file."""
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in text)


def _escape_data(text: str) -> str:
    # As documented for workflow commands: %, CR and LF are escaped in the message.
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def format_report(diagnostics: Sequence[Diagnostic], fmt: str, *, ascii_only: bool = False) -> str:
    """Render diagnostics as `text`, `github` or `json`, sorted by file and position.

    `ascii_only` writes JSON with every other character escaped, for an output that is not UTF-8.
    """
    ordered = sorted(set(diagnostics))
    if fmt == "json":
        return json.dumps([d.as_json() for d in ordered], indent=2, ensure_ascii=ascii_only)
    if fmt == "github":
        return "\n".join(d.format_github() for d in ordered)
    return "\n".join(d.format_text() for d in ordered)


def summary_line(diagnostics: Iterable[Diagnostic]) -> str:
    """`2 errors, 1 warning` style summary."""
    items = list(diagnostics)
    errors = sum(1 for d in items if d.severity is Severity.ERROR)
    warnings = len(items) - errors
    return f"{errors} error{'s' if errors != 1 else ''}, {warnings} warning{'s' if warnings != 1 else ''}"


def did_you_mean(word: str, candidates: Iterable[str], *, quote: str = "`") -> str:
    """A hint naming the closest candidates, or "" when nothing is close."""
    close = difflib.get_close_matches(word, sorted(set(candidates)), n=3, cutoff=0.6)
    if not close:
        return ""
    listed = " or ".join(f"{quote}{c}{quote}" for c in close)
    return f"did you mean {listed}?"


class DiagnosticSink:
    """Collects diagnostics for one file, so callers need not repeat the path."""

    def __init__(self, path: str, into: list[Diagnostic]) -> None:
        self.path = path
        self._into = into
        self.errors = 0
        """Errors recorded through this sink so far."""

    def error(self, line: int, col: int, code: str, message: str, hint: str = "") -> None:
        """Record an error at `line:col`."""
        self.errors += 1
        self._into.append(Diagnostic(self.path, line, col, Severity.ERROR, code, message, hint))

    def warning(self, line: int, col: int, code: str, message: str, hint: str = "") -> None:
        """Record a warning at `line:col`."""
        self._into.append(Diagnostic(self.path, line, col, Severity.WARNING, code, message, hint))


def has_errors(diagnostics: Iterable[Diagnostic]) -> bool:
    """True when any diagnostic is an error."""
    return any(d.severity is Severity.ERROR for d in diagnostics)
