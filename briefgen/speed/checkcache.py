"""What `briefgen check` found in each file, kept between runs, so that the next run reads only the
files that changed.

A registry entry's own diagnostics and checked values depend on its bytes and on briefgen (with
the PyYAML and python-slugify it uses) alone; an article's diagnostics (its own, and those from
checking it against the registry) on its bytes, on the registry and on briefgen. So a result is
reused while its file's stamp (size, times, inode) is the one it had when it was read, with the
same code, and an article's only while every entity entry's file is unchanged too: a changed alias
can change what any article's check finds, so editing an entity entry makes the next run read every
article again (an editor's note, which names nothing, does not). Files that share a slug are always
read, since which one is the duplicate depends on all of them.

The cache lives outside the project, in `$XDG_CACHE_HOME/briefgen` (else `~/.cache/briefgen`), a
file per project. Never in the repository: a pull request could commit a doctored cache that hides
its own problems from CI. It is a pickle of plain values (strings, numbers, tuples, dates), and
loading it refuses every other class and every function (`_PlainUnpickler`), so that a doctored
file cannot run code; a file that cannot be read or does not fit is ignored, as if there were none.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import io
import os
import pickle
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import slugify
import yaml

from .. import __version__
from ..desk.diagnostics import Diagnostic, Severity
from ..desk.load import FileStamp, SourceDoc, file_stat, regular_stamp
from ..desk.validate import ValidDoc

T = TypeVar("T")

#: Bumped when the layout of the file changes.
FORMAT = 3

Stamp = FileStamp
"""Size, modification and change times (ns), inode: what changes whenever a file's bytes may have."""
_DiagnosticFields = tuple[str, int, int, str, str, str, str]
Record = tuple[Stamp, tuple[_DiagnosticFields, ...], object]
"""A file's stamp when read, every diagnostic reported for it, and for an article the (kind, slug) it
names, for a registry entry its checked values (`_plain_doc`), or None if it failed its schema."""
Records = dict[str, Record]


def default_cache_dir() -> Path:
    """Where `briefgen check` keeps its cache: `$XDG_CACHE_HOME/briefgen`, or `~/.cache/briefgen`."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "briefgen"


#: A file modified less than this long before it was read is not kept. File times tick in steps of a
#: few milliseconds: a second edit of the same size in the same step would leave the stamp as it was.
SETTLED_NS = 2_000_000_000


def file_stamp(path: str) -> Stamp | None:
    """The stamp of a regular file; None for a link or anything else (never kept), or a file that is gone."""
    return regular_stamp(file_stat(path))


class CheckCache:
    """Per-file results of the last run (`reuse`, `reuse_entry`) and of this one (`keep`,
    `keep_entry`, then `save`)."""

    #: Articles' records are pickled in chunks of this many as they come, by the process that checked
    #: them, so that the work is spread like the checking; the main process just writes the chunks.
    CHUNK = 1000

    def __init__(self, path: Path | None, code_key: str, registry_key: str) -> None:
        self.path = path
        """The cache file; None keeps nothing between runs."""
        self.keys = (code_key, registry_key)
        """What the entries' records depend on besides their own files, and what the articles' do."""
        self.settled_before = time.time_ns() - SETTLED_NS
        """Files last modified before this time (ns) are kept; those modified later may change again unseen."""
        self._last: tuple[Records, Records] = ({}, {})
        self._entries: Records = {}
        self.entries = b""
        """This run's entry records, pickled."""
        self._articles: Records = {}
        self.chunks: list[bytes] = []
        """This run's article records, pickled: this process's, until `diagnose` adds the workers'."""
        self.reused = 0
        """How many of the last run's article records this process reused."""
        self.read = 0
        """How many new article records this process made."""
        self._named: dict[tuple[str, str], tuple[str, str]] = {}
        """One object per (kind, slug) named: pickled once, then referred to (a desk's articles name
        a few thousand entries some hundred thousand times)."""

    @classmethod
    def open(cls, cache_dir: Path, root: Path, content_dir: Path, registry_files: list[tuple[str, str]]) -> CheckCache:
        """The cache of the project at `root`, holding the last run's records that still apply.

        `registry_files` are the (absolute path, path relative to `root`) of every file under the
        folders of the kinds articles are checked against (the entities'): the articles' records depend
        on their stamps.
        """
        where = hashlib.sha256(f"{root}\0{content_dir}".encode()).hexdigest()[:16]
        code_key = _code_key()
        cache = cls(cache_dir / f"check-{where}.pickle", code_key, _registry_key(code_key, registry_files))
        cache._last = _read(cache.path, cache.keys)
        return cache

    def settled(self, stamp: Stamp) -> bool:
        """Whether a file with `stamp` may be kept: it was last modified long enough before this run."""
        return stamp[1] < self.settled_before

    def reuse(self, rel: str, stamp: Stamp) -> tuple[list[Diagnostic], frozenset[tuple[str, str]]] | None:
        """The diagnostics and named entries of the article at `rel` if it is unchanged since last run."""
        found = _unchanged(self._last[1], rel, stamp, frozenset)
        if found is None:
            return None
        record, diagnostics, named = found
        self.reused += 1
        self._add(rel, record)
        return diagnostics, named

    def keep(self, rel: str, stamp: Stamp, diagnostics: list[Diagnostic],
             referenced: frozenset[tuple[str, str]]) -> None:
        """Record what this run found for the article at `rel`, read when it had `stamp`."""
        named = self._named
        referenced = frozenset([named.setdefault(entry, entry) for entry in referenced])
        self.read += 1
        self._add(rel, (stamp, _fields(diagnostics), referenced))

    def _add(self, rel: str, record: Record) -> None:
        self._articles[rel] = record
        if len(self._articles) >= self.CHUNK:
            self.flush()

    def flush(self) -> None:
        """Pickle the article records not pickled yet (into `chunks`)."""
        if self._articles:
            self.chunks.append(pickle.dumps(self._articles, protocol=pickle.HIGHEST_PROTOCOL))
            self._articles = {}

    def reuse_entry(self, rel: str, stamp: Stamp) -> tuple[list[Diagnostic], ValidDoc | None] | None:
        """The diagnostics and checked file (None if it failed) of the entry at `rel`, if unchanged."""
        found = _unchanged(self._last[0], rel, stamp, lambda plain: None if plain is None else _valid_doc(plain))
        if found is None:
            return None
        record, diagnostics, doc = found
        self._entries[rel] = record
        return diagnostics, doc

    def keep_entry(self, rel: str, stamp: Stamp, diagnostics: list[Diagnostic], doc: ValidDoc | None) -> None:
        """Record what this run found for the entry at `rel`, read when it had `stamp`."""
        self._entries[rel] = (stamp, _fields(diagnostics), None if doc is None else _plain_doc(doc))

    def entries_done(self) -> None:
        """Pickle the entries' records (all of them are in)."""
        self.entries = pickle.dumps(self._entries, protocol=pickle.HIGHEST_PROTOCOL)

    def save(self) -> None:
        """Write this run's records for the next one, unless they are the last run's; skipped if it cannot be written.

        Call once every process's `chunks`, `reused` and `read` have been added to this one's.
        """
        self.flush()
        unchanged = self._entries == self._last[0] and self.read == 0 and self.reused == len(self._last[1])
        if self.path is None or unchanged:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            out = tempfile.NamedTemporaryFile("wb", dir=self.path.parent, prefix=".check-", delete=False)  # noqa: SIM115
        except OSError:
            return
        try:
            with out:
                pickle.dump((FORMAT, *self.keys, self.entries, self.chunks), out, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(out.name, self.path)  # whole or not at all, even with two checks running at once
        except OSError:  # a full disk, say: leave no half-written file behind
            with contextlib.suppress(OSError):
                os.unlink(out.name)


def _unchanged(records: Records, rel: str, stamp: Stamp,
               decode: Callable[[Any], T]) -> tuple[Record, list[Diagnostic], T] | None:
    """The record of the file at `rel` if its stamp is still `stamp`, with its diagnostics and
    `decode` of its value; None if there is none, or it is of another shape (a damaged file)."""
    record = records.get(rel)
    try:
        if record is None or record[0] != stamp:
            return None
        return record, _diagnostics(record[1]), decode(record[2])
    except (TypeError, ValueError, AttributeError):
        return None


def _fields(diagnostics: list[Diagnostic]) -> tuple[_DiagnosticFields, ...]:
    return tuple((d.path, d.line, d.col, d.severity.value, d.code, d.message, d.hint) for d in diagnostics)


def _diagnostics(fields: tuple[_DiagnosticFields, ...]) -> list[Diagnostic]:
    return [Diagnostic(path, line, col, Severity(severity), code, message, hint)
            for path, line, col, severity, code, message, hint in fields]


def _plain_doc(doc: ValidDoc) -> tuple[object, ...]:
    """A checked registry entry as plain values, and dates."""
    source = doc.source
    return (source.kind, source.slug, source.path, source.folders, doc.values, doc.positions, doc.refs, doc.errors)


def _valid_doc(plain: tuple[object, ...]) -> ValidDoc:
    kind, slug, path, folders, values, positions, refs, errors = plain
    return ValidDoc(SourceDoc(kind, slug, path, folders=folders), values, positions, refs, errors)  # type: ignore[arg-type]


def _code_key(package: Path | None = None) -> str:
    """What every record depends on besides its own file: the code that checks (every module of `package`)."""
    digest = hashlib.sha256()
    # What else the checks' results come from: PyYAML parses, python-slugify words some hints.
    digest.update(f"{__version__}\0{sys.version}\0{yaml.__version__}\0{yaml.__with_libyaml__}\0".encode())
    digest.update(f"{slugify.__version__}\0".encode())
    for name, source in package_sources(package or PACKAGE):
        digest.update(name.encode() + b"\0" + source + b"\0")
    return digest.hexdigest()


#: The briefgen package: every module in it and its subpackages is part of the code key.
PACKAGE = Path(__file__).resolve().parent.parent


def package_sources(package: Path = PACKAGE) -> list[tuple[str, bytes]]:
    """(path relative to the package, bytes) of every Python module of briefgen, in a fixed order.

    All of them, not only those `check` imports: a change anywhere may change what a check reports
    (a schema, a hint's wording), and a stale result that hides a problem is worse than a re-read.
    """
    return [(module.relative_to(package).as_posix(), module.read_bytes())
            for module in sorted(package.rglob("*.py"))]


def _registry_key(code_key: str, registry_files: list[tuple[str, str]]) -> str:
    """What the articles' records depend on besides their own files: the code and the registry's files."""
    digest = hashlib.sha256(code_key.encode())
    for path, rel in registry_files:
        digest.update(f"{rel}\0{file_stamp(path)}\0".encode())
    return digest.hexdigest()


class _PlainUnpickler(pickle.Unpickler):
    """Loads strings, numbers, tuples, lists, dicts, sets and dates, and no other class or any function."""

    def find_class(self, module: str, name: str) -> object:
        if (module, name) == ("datetime", "date"):
            return dt.date  # made from its bytes, which it checks
        raise pickle.UnpicklingError(f"{module}.{name} is not allowed in the check cache")


def _read(path: Path, keys: tuple[str, str]) -> tuple[Records, Records]:
    """The entries' and the articles' records in the file, each only if it was written with `keys`."""
    try:
        data = path.read_bytes()
    except OSError:
        return {}, {}
    try:
        fmt, code_key, registry_key, entries, chunks = _plain_load(data)
        if fmt != FORMAT or code_key != keys[0]:
            return {}, {}
        articles: Records = {}
        if registry_key == keys[1]:
            for chunk in chunks:
                articles.update(_records(chunk))
        return _records(entries), articles
    except Exception:  # a damaged or doctored file is no worse than no cache
        return {}, {}


def _plain_load(data: bytes) -> Any:
    return _PlainUnpickler(io.BytesIO(data)).load()


def _records(data: bytes) -> Records:
    records = _plain_load(data)
    if not isinstance(records, dict):
        raise TypeError("not a dict of records")
    return records
