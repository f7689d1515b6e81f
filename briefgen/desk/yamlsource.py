"""Reading untrusted text files and YAML into position-carrying node trees.

Only composition is done here (YAML text → `yaml.Node` with line and column);
turning nodes into values is left to `validate`, which knows from the schema
whether `NO` is meant as a word or a boolean. Nothing here can run code:
composition never constructs Python objects, tags included.
"""

from __future__ import annotations

import errno
import operator
import os
import re
import stat
from pathlib import Path

import yaml

from .diagnostics import DiagnosticSink

#: Files larger than this are refused: no brief needs a megabyte of YAML.
MAX_FILE_BYTES = 1_000_000

_NULL_TAG = "tag:yaml.org,2002:null"
_STR_TAG = "tag:yaml.org,2002:str"
_SEQ_TAG = "tag:yaml.org,2002:seq"
_MAP_TAG = "tag:yaml.org,2002:map"
_NULL_WORDS = frozenset(("", "~", "null", "Null", "NULL"))
_ScalarNode = yaml.ScalarNode
_SequenceNode = yaml.SequenceNode


class _Resolving:
    """Resolves untagged values to just "null", "str", "seq" or "map".

    Validation reads a scalar's text by the schema (so `NO` stays a word where text is wanted) and
    looks at tags only to refuse explicit ones and to spot empty values; matching each scalar against
    YAML's implicit int, float, bool and date patterns was a large part of the load time.
    """

    def resolve(self, kind: type, value: str, implicit: tuple[bool, bool]) -> str:
        if kind is _ScalarNode:
            return _NULL_TAG if implicit[0] and value in _NULL_WORDS else _STR_TAG
        return _SEQ_TAG if kind is _SequenceNode else _MAP_TAG

    # Path resolvers (`yaml.add_path_resolver`) are never registered here, but the parser still calls
    # these two around each of a desk's several hundred thousand values. Built-in functions that take
    # the same arguments and whose result is ignored cost no Python frame
    # (plain functions are not bound to the loader, so `is_` gets the node and the index).
    descend_resolver = operator.is_
    ascend_resolver = tuple


try:  # libyaml's C parser is several times faster and gives the same marks.
    from yaml.cyaml import CParser

    class _Loader(_Resolving, CParser):  # type: ignore[misc]
        """libyaml's parser and composer alone: no constructor or resolver state to set up per file."""

except ImportError:  # pragma: no cover - PyYAML built without libyaml
    class _Loader(_Resolving, yaml.reader.Reader, yaml.scanner.Scanner,  # type: ignore[no-redef]
                  yaml.parser.Parser, yaml.composer.Composer):
        def __init__(self, stream: str) -> None:
            yaml.reader.Reader.__init__(self, stream)
            yaml.scanner.Scanner.__init__(self)
            yaml.parser.Parser.__init__(self)
            yaml.composer.Composer.__init__(self)


def read_text(path: str | Path, sink: DiagnosticSink) -> str | None:
    """Read a UTF-8 text file, or report why it cannot be read and return None."""
    try:
        size, data = _read_bytes(path)
    except OSError as exc:
        sink.error(1, 1, "unreadable", f"cannot read the file: {exc.strerror or exc}")
        return None
    if data is None:
        sink.error(1, 1, "file-too-large", f"file is {size:,} bytes; the limit is {MAX_FILE_BYTES:,}",
                   "split the content or move large media out of content/")
        return None
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]  # A UTF-8 byte-order mark is harmless; editors on Windows add it.
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        sink.error(line, col, "encoding", f"the file is not valid UTF-8 (byte 0x{data[exc.start]:02x})",
                   "save the file as UTF-8")
        return None
    text = text.replace("\r\n", "\n")
    odd = _INVISIBLE.search(text)
    if odd is not None:
        at = odd.start()
        line = text.count("\n", 0, at) + 1
        col = at - (text.rfind("\n", 0, at) + 1) + 1
        message, hint = _invisible_problem(odd.group())
        sink.error(line, col, "encoding", message, hint)
        return None
    return text


#: Characters a content file must not hold: C0 and C1 controls but tab and line feed (YAML refuses
#: them, and PyYAML reports them by offset alone), a carriage return left without its line feed (old
#: Mac line endings, which YAML reads as line breaks but nothing else here does), and the invisible
#: separators YAML counts as line breaks (U+0085, U+2028, U+2029), which would shift every line
#: number after them.
_INVISIBLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")


def _invisible_problem(char: str) -> tuple[str, str]:
    """The message and hint for a character `_INVISIBLE` found."""
    code = f"U+{ord(char):04X}"
    if char == "\r":
        return ("a carriage return (CR) without a line feed: the file has old Mac line endings",
                "save the file with LF (Unix) line endings")
    if char in "\x85\u2028\u2029":
        return (f"the file contains an invisible line separator ({code}), which YAML reads as a line break",
                "delete it, or replace it with a normal line break (it often comes with text pasted from the web)")
    name = "NUL" if char == "\x00" else "DEL" if char == "\x7f" else "control"
    return (f"the file contains a {name} character ({code}), which is invisible in most editors",
            "delete it, and save the file as plain UTF-8 text")


#: Opening a content file never waits on a named pipe, and never follows a link (a file swapped for
#: one after it was listed); the flags that do not exist on a system are left out there.
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_BINARY", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0)


def _read_bytes(path: str | Path) -> tuple[int, bytes | None]:
    """The file's size, and its bytes unless it is larger than `MAX_FILE_BYTES`.

    Four system calls for a file that does not change meanwhile (open, size, read, close). A
    buffered `open` made eight (it asks whether the file is a terminal, and for the size three
    times), for each of a desk's thousands of files.
    """
    fd = os.open(path, _OPEN_FLAGS)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise OSError(errno.EINVAL, "not a regular file")
        if st.st_size > MAX_FILE_BYTES:
            return st.st_size, None
        data = os.read(fd, st.st_size + 1)  # fewer bytes than asked for: the end of the file
        if len(data) <= st.st_size:
            return st.st_size, data
        # It grew since its size was taken (or, as in /proc, has none): read on, up to the limit.
        chunks, size = [data], len(data)
        while size <= MAX_FILE_BYTES and (chunk := os.read(fd, 1 << 16)):
            chunks.append(chunk)
            size += len(chunk)
        return (size, b"".join(chunks)) if size <= MAX_FILE_BYTES else (size, None)
    finally:
        os.close(fd)


def compose(text: str, sink: DiagnosticSink, line_offset: int = 0) -> yaml.Node | None:
    """Parse one YAML document into a node tree; syntax errors become diagnostics.

    `line_offset` is added to every line number, for YAML cut out of a larger
    file (front matter). Returns None for an empty document or on error.
    """
    try:
        # Anchors and aliases have no use in content and are how "billion laughs" bombs are built;
        # refuse them. The event scan only runs when an alias marker could be present at all.
        if "*" in text:
            for event in yaml.parse(text, Loader=_Loader):
                if isinstance(event, yaml.AliasEvent):
                    mark = event.start_mark
                    sink.error(mark.line + 1 + line_offset, mark.column + 1, "yaml-alias",
                               f"YAML alias `*{event.anchor}` is not allowed in content",
                               "write the value out in full")
                    return None
        return yaml.compose(text, Loader=_Loader)  # composing builds no Python values, tags included
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 + line_offset if mark else 0
        col = mark.column + 1 if mark else 0
        problem = exc.problem or exc.context or "invalid YAML"
        hint = _syntax_hint(problem)
        sink.error(line, col, "yaml-syntax", f"YAML syntax error: {problem}", hint)
    except yaml.YAMLError as exc:
        sink.error(1 + line_offset, 1, "yaml-syntax", f"YAML error: {exc}")
    return None


def _syntax_hint(problem: str) -> str:
    if "mapping values are not allowed" in problem:
        return "a value that contains `: ` must be quoted, e.g. title: \"India: a view\""
    if "found character '\\t'" in problem:
        return "indent YAML with spaces, not tabs"
    if "could not find expected ':'" in problem:
        return "each line of a mapping needs `key: value`"
    return "check indentation and quoting near this position"


#: A line that closes front matter (`---` or `...`, then nothing but blanks), with the newline before it.
#: Starting with that newline lets the regex engine jump from line to line instead of trying every
#: character, as it did for `^`.
_CLOSING_RE = re.compile(r"\n(?:---|\.\.\.)[^\S\n]*$", re.MULTILINE)


def split_front_matter(text: str) -> tuple[str, str, int] | None:
    """Split `---` front matter from a Markdown file.

    Returns (yaml_text, body, body_first_line) or None when the file does not
    start with a front matter block. Line numbers are 1-based.
    """
    # Searched for, not split into lines: the body after the block is most of the file.
    first_end = text.find("\n")
    if (text if first_end < 0 else text[:first_end]).rstrip() != "---":
        return None
    close = _CLOSING_RE.search(text, first_end) if first_end >= 0 else None
    if close is None:
        return None
    closing_line = close.start() + 1
    yaml_text = text[first_end + 1 : closing_line] or "\n"
    return yaml_text, text[close.end() + 1 :], text.count("\n", 0, closing_line) + 2
