"""Stage 1, load: find the content files and parse them into YAML node trees.

Nothing is interpreted here beyond file layout; `validate` does the rest. Files are
loaded one at a time as the caller asks for them, so each node tree can be
checked and dropped before the next file is read.
"""

from __future__ import annotations

import os
import stat
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import yaml
from slugify import slugify

from .diagnostics import Diagnostic, DiagnosticSink, Severity, did_you_mean, printable
from .schema import FOLDERS, KINDS, MAX_SLUG_LENGTH, RESERVED_SLUGS, slug_problem
from .yamlsource import compose, read_text, split_front_matter

REGISTRY_SUFFIXES = (".yml", ".yaml")


@dataclass(frozen=True)
class SourceDoc:
    """One content file: what it is and where, and an article's Markdown body."""

    kind: str
    """`article`, `person`, `event`, `org`, `place` or `topic`."""
    slug: str
    """The file stem: the entity's identity and URL segment."""
    path: str
    """Path relative to the project root, with forward slashes."""
    body: str = ""
    """Markdown body of an article."""
    body_line: int = 0
    """1-based line on which the body starts."""
    folders: tuple[str, ...] = ()
    """Folders between the kind's folder and the file (YYYY, MM for articles)."""


class ParsedFile(NamedTuple):
    """A loaded file and its YAML node tree, parsed but not yet validated.

    Kept apart from `SourceDoc` because only validation reads the tree, and it is most of a
    loaded file's memory: a validated file keeps its
    `SourceDoc` alone, and the tree is freed as soon as it has been checked.
    """

    source: SourceDoc
    node: yaml.Node | None
    """The YAML mapping (front matter for articles); None when empty or unparsable."""
    line_offset: int = 0
    """Lines before the YAML starts in the file (1 for front matter)."""
    unparsable: bool = False
    """The YAML had a syntax error (already reported): `node` is None for that reason, not emptiness."""


ContentFile = tuple[str, str, tuple[str, ...], str]
"""(kind, absolute path, folders between the kind's folder and the file, path relative to the root)."""


def load_content(content_dir: Path, root: Path, diagnostics: list[Diagnostic]) -> Iterator[ParsedFile]:
    """Read every content file under `content_dir` as it is asked for, reporting layout and YAML problems."""
    return load_files(content_files(content_dir, root, diagnostics), diagnostics)


FileReader = Callable[[ContentFile, os.stat_result, list[Diagnostic]], "ParsedFile | None"]
"""Reads one content file, given its `lstat`, reporting its problems: `load_file`, or the preview's
cache of it (which reuses the last result while the file's stamp is the same)."""


def load_files(entries: list[ContentFile], diagnostics: list[Diagnostic],
               stats: Sequence[os.stat_result | None] | None = None,
               read: FileReader | None = None) -> Iterator[ParsedFile]:
    """Read the listed content files (see `content_files`) one by one; a slug taken by an earlier one is refused.

    `stats` are the entries' `file_stat`s when the caller has taken them already (the preview, to
    compare them with the last run's); `read` replaces `load_file` for files that exist.
    """
    seen: dict[tuple[str, str], str] = {}
    for number, entry in enumerate(entries):
        kind, path, folders, rel = entry
        st = file_stat(path) if stats is None else stats[number]
        # No link is followed below the kind's folder (os.walk does not), so refusing links keeps reads inside.
        if st is not None and stat.S_ISLNK(st.st_mode):
            DiagnosticSink(rel, diagnostics).error(1, 1, "symlink", "content files must not be symbolic links",
                                                   "replace the link with the file itself")
            continue
        if read is None or st is None:
            parsed = _load_one(kind, path, folders, rel, DiagnosticSink(rel, diagnostics))
        else:
            parsed = read(entry, st, diagnostics)
        if parsed is None:
            continue
        slug = parsed.source.slug
        if (kind, slug) in seen:
            DiagnosticSink(rel, diagnostics).error(
                1, 1, "duplicate-slug", f"another {kind} already has the slug `{slug}`: {seen[(kind, slug)]}",
                "slugs name pages, so each must be unique; rename one of the files")
            continue
        seen[(kind, slug)] = rel
        yield parsed


def content_files(content_dir: Path, root: Path, diagnostics: list[Diagnostic]) -> list[ContentFile]:
    """Every entry to load under `content_dir`, kind by kind, in sorted order (linked folders refused)."""
    found: list[ContentFile] = []
    if not content_dir.is_dir():
        diagnostics.append(
            Diagnostic(relative_path(content_dir, root), 0, 0, Severity.ERROR, "no-content",
                       "the content folder does not exist",
                       "create it, or set `content_dir` in the briefgen plugin's options in mkdocs.yml")
        )
        return found
    for kind, folder in FOLDERS.items():
        base = content_dir / folder
        if base.is_symlink():
            DiagnosticSink(relative_path(base, root), diagnostics).error(
                0, 0, "symlink", "content folders must not be symbolic links", "replace the link with the folder")
            continue
        if base.is_dir():
            hidden: list[str] = []
            found += [(kind, *entry) for entry in _walk(str(base), (), _rel_str(str(base), root) + "/", hidden)]
            for rel in hidden:
                DiagnosticSink(rel, diagnostics).warning(
                    1, 1, "hidden-file", "the file name starts with a dot, so the file is ignored",
                    "rename it without the leading dot, or move it out of the content folder")
    _report_strays(content_dir, root, diagnostics)
    return found


#: Files that look like content: outside a kind's folder they are reported, not silently ignored.
_CONTENT_SUFFIXES = (".md", ".yml", ".yaml")


def _report_strays(content_dir: Path, root: Path, diagnostics: list[Diagnostic]) -> None:
    """Warn about content files outside the kinds' folders (`content/persons/x.yml`, `content/x.md`)."""
    try:
        with os.scandir(content_dir) as listing:
            entries = sorted((entry.name, _is_folder(entry) and not entry.is_symlink()) for entry in listing)
    except OSError:
        return
    kind_folders = set(FOLDERS.values())
    for name, is_folder in entries:
        if name.startswith(".") or name in kind_folders:
            continue
        rel = relative_path(content_dir / name, root)
        if is_folder:
            if _holds_content(content_dir / name):
                meant = _FOLDER_WORDS.get(name.lower())
                hint = (f"did you mean `{meant}`?" if meant else did_you_mean(name, kind_folders)) or \
                    "the kinds' folders are " + ", ".join(f"`{folder}/`" for folder in FOLDERS.values())
                DiagnosticSink(rel + "/", diagnostics).warning(
                    0, 0, "unexpected-folder", f"`{name}/` is not the folder of a kind, so its files are ignored",
                    hint)
        elif name.endswith(_CONTENT_SUFFIXES) and name.lower() != "readme.md":
            DiagnosticSink(rel, diagnostics).warning(
                1, 1, "unexpected-file", "the file is in no kind's folder, so it is ignored",
                "articles go in content/articles/YYYY/MM/, registry entries in content/<kind>/, e.g. content/people/")


#: What people call a kind's folder by mistake (`persons/`, `organizations/`) → the folder it is.
_FOLDER_WORDS = {word: kind.folder for kind in KINDS.values()
                 for label in (kind.name, kind.label.lower(), kind.plural.lower())
                 for word in (label, label + "s", label.replace("isation", "ization"),
                              label.replace("isation", "ization") + "s")}


def _holds_content(folder: Path) -> bool:
    """Whether any file below `folder` looks like content (pictures and other assets do not)."""
    return any(name.endswith(_CONTENT_SUFFIXES) for _, _, names in os.walk(folder) for name in names)


def file_stat(path: str) -> os.stat_result | None:
    """The file's `lstat`, or None if it is gone (since the walk: reading it reports why)."""
    try:
        return os.lstat(path)
    except OSError:
        return None


FileStamp = tuple[int, int, int, int]
"""What identifies a version of a file without reading it: size, modification and change times, inode."""


def stamp_of(st: os.stat_result) -> FileStamp:
    """The `FileStamp` of a file from its `lstat`."""
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)


def regular_stamp(st: os.stat_result | None) -> FileStamp | None:
    """The `FileStamp` of a regular file; None for a file that is gone, a link or anything else.

    What the caches compare: a link is refused when read, so nothing is ever kept for it.
    """
    return stamp_of(st) if st is not None and stat.S_ISREG(st.st_mode) else None


def slug_of(path: str) -> str:
    """The slug a content file's name gives it: its stem."""
    return os.path.splitext(os.path.basename(path))[0]


def sharing_a_slug(files: list[ContentFile]) -> set[str]:
    """The paths (relative) of the files whose slug another file of their kind has.

    Which of them is the duplicate depends on all of them, so they are always read together.
    """
    slugs = Counter((kind, slug_of(path)) for kind, path, _, _ in files)
    return {rel for kind, path, _, rel in files if slugs[(kind, slug_of(path))] > 1}


def _walk(folder: str, folders: tuple[str, ...], rel: str,
          hidden: list[str]) -> Iterator[tuple[str, tuple[str, ...], str]]:
    """(path, folders below the kind's folder, path relative to the root) for every entry to load in
    `folder`, whose path relative to the root is `rel` (ending in "/"), in sorted order, top-down.
    Hidden files that look like content (`.story.md`) go into `hidden`, by path relative to the root.

    Plain strings rather than `Path`s, and each path made once by joining: the walk is part of every
    preview rebuild, and pathlib's parsing was a large part of the load time.
    Linked folders are yielded (as entries) so the caller can refuse them; they are never entered.
    """
    try:
        with os.scandir(folder) as listing:
            names = [(entry.name, _is_folder(entry)) for entry in listing]
    except OSError:  # gone or unreadable since it was listed: as `os.walk`, which skipped it
        return
    names.sort()  # so diagnostics and output never depend on directory order
    subfolders = [name for name, is_folder in names if is_folder]
    linked = {name for name in subfolders if os.path.islink(os.path.join(folder, name))}
    for name in subfolders:
        if name in linked:
            yield os.path.join(folder, name), folders, rel + name
    for name, is_folder in names:
        if is_folder:
            continue
        if not name.startswith("."):
            yield folder + os.sep + name, folders, rel + name
        elif name.endswith(_CONTENT_SUFFIXES) and not name.startswith(".#"):  # (".#x.md": an editor's lock)
            hidden.append(rel + name)
    for name in subfolders:
        if name not in linked:
            yield from _walk(os.path.join(folder, name), (*folders, name), rel + name + "/", hidden)


def _is_folder(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()  # a link to a folder counts: it is listed, to be refused, not entered
    except OSError:
        return False


def load_file(entry: ContentFile, into: list[Diagnostic]) -> ParsedFile | None:
    """Read one content file into a `ParsedFile`, reporting its problems into `into`; None if unusable."""
    kind, path, folders, rel = entry
    return _load_one(kind, path, folders, rel, DiagnosticSink(rel, into))


def _load_one(kind: str, path: str, folders: tuple[str, ...], rel: str, sink: DiagnosticSink) -> ParsedFile | None:
    """Read one content file (see `ContentFile`) into a `ParsedFile`; None, with the reason in `sink`, if unusable."""
    markdown = KINDS[kind].markdown
    suffixes = (".md",) if markdown else REGISTRY_SUFFIXES
    slug, suffix = os.path.splitext(os.path.basename(path))
    if suffix not in suffixes or (kind != "article" and folders):
        where = f"content/{FOLDERS[kind]}/" + {"article": "YYYY/MM/<slug>.md", "briefing": "YYYY-MM-DD.md"}.get(
            kind, "<slug>.yml")
        sink.warning(1, 1, "unexpected-file", f"not a {kind} file, so it is ignored", f"{kind} files go in {where}")
        return None
    problem = slug_problem(slug)
    if problem is not None:
        suggestion = slugify(slug, max_length=MAX_SLUG_LENGTH, word_boundary=True) or "a-name-like-this"
        if suggestion in RESERVED_SLUGS or suggestion.isdigit() or suggestion == slug:
            suggestion = f"{suggestion}-{kind}"
        sink.error(1, 1, "bad-slug", f"file name `{printable(slug)}` {problem}",
                   f"rename the file to `{suggestion}{suffix}`")
        return None
    text = read_text(path, sink)
    if text is None:
        return None
    if not markdown:
        node = compose(text, sink)
        return ParsedFile(SourceDoc(kind, slug, rel, folders=folders), node, unparsable=sink.errors > 0)
    parts = split_front_matter(text)
    if parts is None and kind == "briefing":
        if text.startswith("---"):  # front matter begun and never closed: its fields would be published as text
            sink.error(1, 1, "no-front-matter", "the front matter that starts on line 1 is not closed by a `---` line",
                       "close it with a `---` line, or remove the first one for a note of Markdown alone")
            return None
        return ParsedFile(SourceDoc(kind, slug, rel, text, 1, folders), _NO_FIELDS)  # a note may be Markdown alone
    if parts is None:
        sink.error(1, 1, "no-front-matter", "an article must start with YAML front matter between `---` lines",
                   "put `---`, the title, date and other fields, then `---` at the top of the file")
        return None
    yaml_text, body, body_line = parts
    node = compose(yaml_text, sink, line_offset=1)
    if node is None and kind == "briefing" and not sink.errors:
        node = _NO_FIELDS
    return ParsedFile(SourceDoc(kind, slug, rel, body, body_line, folders), node, 1, unparsable=sink.errors > 0)


#: The fields of a Markdown file without front matter: none (an empty mapping, so the schema's defaults hold).
_NO_FIELDS = yaml.compose("{}")


def _rel_str(path: str, root: Path) -> str:
    prefix = str(root) + os.sep
    return path[len(prefix):].replace(os.sep, "/") if path.startswith(prefix) else Path(path).as_posix()


def relative_path(path: Path, root: Path) -> str:
    """`path` relative to `root` with forward slashes, as diagnostics name files; as given if outside `root`."""
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()
