"""Stage 1, load: find the content files and parse them into YAML node trees.

Nothing is interpreted here beyond file layout; `validate` does the rest.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import yaml
from slugify import slugify

from .diagnostics import Diagnostic, DiagnosticSink, Severity
from .schema import FOLDERS, SLUG_RE, SLUG_RULE
from .yamlsource import compose, read_text, split_front_matter

REGISTRY_SUFFIXES = (".yml", ".yaml")


@dataclass(frozen=True)
class SourceDoc:
    """One content file, parsed as far as YAML but not yet validated."""

    kind: str
    """`article`, `person`, `event`, `org`, `place` or `topic`."""
    slug: str
    """The file stem: the entity's identity and URL segment."""
    path: str
    """Path relative to the project root, with forward slashes."""
    node: yaml.Node | None
    """The YAML mapping (front matter for articles); None when empty or unparsable."""
    line_offset: int = 0
    """Lines before the YAML starts in the file (1 for front matter)."""
    body: str = ""
    """Markdown body of an article."""
    body_line: int = 0
    """1-based line on which the body starts."""
    folders: tuple[str, ...] = ()
    """Folders between the kind's folder and the file (YYYY, MM for articles)."""


def load_content(content_dir: Path, root: Path, diagnostics: list[Diagnostic]) -> list[SourceDoc]:
    """Read every content file under `content_dir`, reporting layout and YAML problems."""
    docs: list[SourceDoc] = []
    if not content_dir.is_dir():
        diagnostics.append(
            Diagnostic(_rel(content_dir, root), 0, 0, Severity.ERROR, "no-content", "the content folder does not exist",
                       "create it, or set `content_dir` in the briefgen plugin's options in mkdocs.yml")
        )
        return docs
    for kind, folder in FOLDERS.items():
        base = content_dir / folder
        if base.is_symlink():
            DiagnosticSink(_rel(base, root), diagnostics).error(
                0, 0, "symlink", "content folders must not be symbolic links", "replace the link with the folder")
            continue
        if not base.is_dir():
            continue
        seen: dict[str, str] = {}
        for path in _walk(base):
            rel = _rel(path, root)
            sink = DiagnosticSink(rel, diagnostics)
            # No link is followed below `base` (os.walk does not), so refusing links keeps reads inside it.
            if os.path.islink(path):
                sink.error(0, 0, "symlink", "content files must not be symbolic links",
                           "replace the link with the file itself")
                continue
            doc = _load_one(kind, path, base, rel, sink)
            if doc is None:
                continue
            if doc.slug in seen:
                sink.error(0, 0, "duplicate-slug",
                           f"another {kind} already has the slug `{doc.slug}`: {seen[doc.slug]}",
                           "slugs name pages, so each must be unique; rename one of the files")
                continue
            seen[doc.slug] = rel
            docs.append(doc)
    return docs


def _walk(base: Path) -> Iterator[Path]:
    # Sorted, so diagnostics and output never depend on directory order.
    for dirpath, dirnames, filenames in os.walk(base, followlinks=False):
        dirnames.sort()
        here = Path(dirpath)
        for name in dirnames:
            if (here / name).is_symlink():
                yield here / name
        for name in sorted(filenames):
            if not name.startswith("."):
                yield here / name


def _load_one(kind: str, path: Path, base: Path, rel: str, sink: DiagnosticSink) -> SourceDoc | None:
    suffixes = (".md",) if kind == "article" else REGISTRY_SUFFIXES
    folders = path.relative_to(base).parent.parts
    if path.suffix not in suffixes or (kind != "article" and folders):
        where = f"content/{FOLDERS[kind]}/" + ("YYYY/MM/<slug>.md" if kind == "article" else "<slug>.yml")
        sink.warning(0, 0, "unexpected-file", f"not a {kind} file, so it is ignored", f"{kind} files go in {where}")
        return None
    slug = path.stem
    if not SLUG_RE.match(slug):
        suggestion = slugify(slug) or "a-name-like-this"
        sink.error(0, 0, "bad-slug", f"file name `{slug}` is not a valid slug ({SLUG_RULE})",
                   f"rename the file to `{suggestion}{path.suffix}`")
        return None
    text = read_text(path, sink)
    if text is None:
        return None
    if kind != "article":
        return SourceDoc(kind, slug, rel, compose(text, sink), folders=folders)
    parts = split_front_matter(text)
    if parts is None:
        sink.error(1, 1, "no-front-matter", "an article must start with YAML front matter between `---` lines",
                   "put `---`, the title, date and other fields, then `---` at the top of the file")
        return None
    yaml_text, body, body_line = parts
    return SourceDoc(kind, slug, rel, compose(yaml_text, sink, line_offset=1), 1, body, body_line, folders)


def _rel(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()

