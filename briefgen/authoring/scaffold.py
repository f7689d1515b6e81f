"""New content files from the schema: what `briefgen new KIND NAME` writes.

A scaffolded file lists every field of its kind, in schema order, each under
a comment that explains it (from `Field.doc`) and says whether it is required
and what it takes. Fields the command knows are filled in: the name (the
title, for an article), the article's date, an event's start and end. Lists
are written `[]` and every other field is left empty, which briefgen reads
as "not given".

A briefing note (`briefgen new briefing YYYY-MM-DD`, or a title with
`--date`) is named after its day; it gets its front matter, commented, and an
empty body for the note: a placeholder there would be published.

Every scaffolded file passes `briefgen check` as it is. For an article that
takes placeholders, because its source, summary and key points are required
and cannot be guessed: text reads `TODO: <what the field is for>`, the
source address is `https://example.com/`, and the article is written with
`status: draft` so `briefgen build` leaves it out until an author replaces
the placeholders and removes that line. (`briefgen serve` shows drafts.)

Registry files start with a modeline for YAML language servers,
`# yaml-language-server: $schema=<base>/<kind>.schema.json`. By default the
base is the relative path from the new file to the project's `schemas/`
folder (`../../schemas` for `content/people/x.yml`), where `briefgen schema`
writes the JSON Schemas of the installed briefgen, so editors work offline
and always match the version that runs `check`. Pass `schema_base` to point
elsewhere, e.g. a URL where the schemas are published.

Nothing is ever overwritten: a slug that a file of the kind already uses, in
any month folder for articles, is refused and the file named.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from slugify import slugify

from ..desk.diagnostics import Diagnostic, DiagnosticSink, Severity
from ..desk.load import REGISTRY_SUFFIXES, ParsedFile, SourceDoc, content_files, load_files, relative_path
from ..desk.matcher import NameKey, name_key
from ..desk.project import Project
from ..desk.schema import (
    FOLDERS,
    KINDS,
    PLACEHOLDER_PREFIX,
    PLACEHOLDER_URL,
    SCHEMAS,
    SLUG_RULE,
    Choice,
    Date,
    Either,
    Field,
    FieldType,
    Flag,
    ListOf,
    Pattern,
    Record,
    Ref,
    Text,
    Url,
    slug_problem,
)
from ..desk.validate import entry_names, validate_file
from ..desk.yamlsource import compose, split_front_matter
from .schemas_export import file_name

#: Longest slug made from a name; longer names are cut at a word boundary.
#: Slugs made from a name are cut at a word boundary after this many characters (a file's own slug
#: may be longer, up to `schema.MAX_SLUG_LENGTH`).
MADE_SLUG_LENGTH = 60
#: Folder under the project root that the default modeline points to.
SCHEMA_DIRNAME = "schemas"
#: Start of every placeholder text, easy to search for (and what `check` looks for in published files).
TODO = PLACEHOLDER_PREFIX + ": "

_ARTICLE_BODY = (
    "TODO: the brief in three to five short paragraphs, in your own words. Repeat direct quotes verbatim,\n"
    "inside double quotes, and list their speakers under `quotes`.\n"
)


class ScaffoldError(ValueError):
    """The file cannot be scaffolded: bad arguments, or it would replace or duplicate existing content."""


def slug_for(name: str) -> str:
    """The slug `scaffold` derives from `name`: python-slugify, cut at a word boundary after 60 characters."""
    return slugify(name, max_length=MADE_SLUG_LENGTH, word_boundary=True)


def default_schema_dir(project: Project) -> Path:
    """The folder the default modeline refers to: `schemas/` next to mkdocs.yml."""
    return project.root / SCHEMA_DIRNAME


def parse_date(text: str) -> dt.date:
    """A `YYYY-MM-DD` date from the command line."""
    try:
        if len(text) != 10:
            raise ValueError
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ScaffoldError(f"`{text}` is not a date; write YYYY-MM-DD, e.g. 2024-07-03") from None


def target_path(project: Project, kind: str, slug: str, date: dt.date | None = None) -> Path:
    """Where a new file of `kind` with `slug` goes; articles need their date for the month folder."""
    folder = project.content_dir / FOLDERS[kind]
    if kind == "article":
        if date is None:
            raise ScaffoldError("an article needs its date (--date YYYY-MM-DD): it decides the month folder")
        return folder / f"{date.year:04d}" / f"{date.month:02d}" / f"{slug}.md"
    return folder / f"{slug}.md" if KINDS[kind].markdown else folder / f"{slug}.yml"


def find_existing(project: Project, kind: str, slug: str) -> Path | None:
    """A file of `kind` that already has `slug` (an article in any month folder), if there is one."""
    folder = project.content_dir / FOLDERS[kind]
    if not folder.is_dir():
        return None
    if kind == "article":
        return next(iter(sorted(p for p in folder.rglob(f"{slug}.md") if p.is_file() or p.is_symlink())), None)
    if KINDS[kind].markdown:
        path = folder / f"{slug}.md"
        return path if path.exists() or path.is_symlink() else None
    return next((p for suffix in REGISTRY_SUFFIXES if (p := folder / f"{slug}{suffix}").exists()), None)


def scaffold(
    project: Project,
    kind: str,
    name: str,
    *,
    date: dt.date | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    slug: str | None = None,
    schema_base: str | None = None,
) -> Path:
    """Write a new content file of `kind` named `name`; returns its path.

    `name` is the display name (the title, for an article) and gives the slug
    unless `slug` is passed. Articles need `date`; events need `start` (or
    `date`, for a one-day event) and may take `end`; a briefing note is named
    after its day, given as `name` (`2024-07-03`) or as `date` with `name` its
    title; other kinds take no dates. Raises `ScaffoldError` before writing anything if the arguments
    are wrong, the slug or name is taken, or the file would not pass `check`.
    """
    if kind not in SCHEMAS:
        raise ScaffoldError(f"unknown kind `{kind}`; choose one of: {', '.join(SCHEMAS)}")
    name = " ".join(name.split())
    if not name:
        raise ScaffoldError(f"the {kind} needs a name" if kind != "article" else "the article needs a title")
    if kind == "briefing":
        if slug is not None:
            raise ScaffoldError("a briefing note is named after its day; it takes no --slug")
        slug = _note_day(name, _day(date)).isoformat()
    slug = slug if slug is not None else slug_for(name)
    problem = slug_problem(slug) if slug else None
    if not slug or problem is not None:
        raise ScaffoldError(f"cannot make a slug from `{name}`; pass one ({SLUG_RULE})" if not slug else
                            f"`{slug}` {problem}; pass another with --slug")
    known = _known_values(kind, name, _day(date), _day(start), _day(end))
    target = target_path(project, kind, slug, known.get("date"))
    rel = relative_path(target, project.root)
    if target.exists() or target.is_symlink():
        raise ScaffoldError(f"{rel} already exists; briefgen new never overwrites a file")
    existing = find_existing(project, kind, slug)
    if existing is not None:
        where = relative_path(existing, project.root)
        raise ScaffoldError(f"{_a(kind)} with the slug `{slug}` already exists: {where}; "
                            "choose another name, or pass a slug")
    modeline = None
    if not KINDS[kind].markdown:  # (language servers do not read front matter)
        _check_name_is_free(project, kind, name)
        base = schema_base if schema_base is not None else _relative_base(default_schema_dir(project), target.parent)
        modeline = f"{base.rstrip('/')}/{file_name(kind)}"
    write_new(project, kind, slug, target, render(kind, known, modeline=modeline))
    return target


def write_new(project: Project, kind: str, slug: str, target: Path, text: str, command: str = "briefgen new") -> None:
    """Write `text` as the new file `target` of `kind`, once it passes `check`; never over an existing file.

    Raises `ScaffoldError`, naming `command`, when the text would not pass or the file cannot be written.
    """
    rel = relative_path(target, project.root)
    _check_text(kind, slug, rel, text, target)
    _make_folder(target.parent, project.root)
    try:
        with target.open("x", encoding="utf-8", newline="\n") as out:
            out.write(text)
    except FileExistsError:
        raise ScaffoldError(f"{rel} already exists; {command} never overwrites a file") from None
    except OSError as exc:
        raise ScaffoldError(f"cannot write {rel}: {exc.strerror or exc}") from None


def _make_folder(folder: Path, root: Path) -> None:
    """Create `folder` and its parents, or say which of them is in the way."""
    for parent in [*reversed(folder.relative_to(root).parents), folder.relative_to(root)]:
        path = root / parent
        if path.exists() and not path.is_dir():
            raise ScaffoldError(f"{relative_path(path, root)} is a file, not a folder; "
                                "move it away so that the new file can go below it")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ScaffoldError(f"cannot create {relative_path(folder, root)}: {exc.strerror or exc}") from None


def _day(value: dt.date | None) -> dt.date | None:
    return value.date() if isinstance(value, dt.datetime) else value


def _known_values(kind: str, name: str, date: dt.date | None, start: dt.date | None,
                  end: dt.date | None) -> dict[str, Any]:
    if kind == "article":
        if start or end:
            raise ScaffoldError("an article takes --date, not --start or --end")
        if date is None:
            raise ScaffoldError("an article needs its date (--date YYYY-MM-DD): it decides the month folder")
        # A source needs its name or outlet: the name's placeholder stands for both (`outlet:` follows it).
        source = {"name": TODO + SOURCE_NAME_DOC, "url": PLACEHOLDER_URL}
        return {"title": name, "date": date, "source": source, "status": "draft"}
    if kind == "event":
        if date and start:
            raise ScaffoldError("give an event either --date (one day) or --start, not both")
        start = start or date
        if start is None:
            raise ScaffoldError("an event needs its first day (--start YYYY-MM-DD, or --date for a one-day event)")
        if end is not None and end < start:
            raise ScaffoldError(f"the event cannot end ({end}) before it starts ({start})")
        return {"name": name, "start": start, "end": end}
    if kind == "briefing":
        if start or end:
            raise ScaffoldError("a briefing note takes its day (or --date), not --start or --end")
        return {"title": name if date else None}
    if date or start or end:
        raise ScaffoldError(f"a {kind} takes no dates; --date, --start and --end are for articles, events and "
                            "briefing notes")
    return {"name": name}


def _note_day(name: str, date: dt.date | None) -> dt.date:
    """The day of a new briefing note: `date`, when `name` is the note's title, else `name` itself."""
    if date is not None:
        return date
    try:
        return parse_date(name)
    except ScaffoldError:
        raise ScaffoldError(f"a briefing note is named after its day, and `{name}` is not a date: write "
                            "`briefgen new briefing YYYY-MM-DD`, or `--date YYYY-MM-DD` with a title") from None


def _check_name_is_free(project: Project, kind: str, name: str) -> None:
    """Refuse a name that another entry of `kind` already has as its name: `check` would report it
    (`duplicate-alias`). Aliases may be shared, and so may names across kinds: annotations tell them apart."""
    holders = _claimed_names(project, kind).get(name_key(name))
    if holders:
        holder_kind, holder, path = holders[0]
        raise ScaffoldError(f"the name `{name}` is already used by {holder_kind} `{holder}` ({path}); "
                            "tell them apart: give one a fuller name (e.g. add a first name or a qualifier "
                            "in brackets) and keep the shared form as an alias")


def _claimed_names(project: Project, kind: str) -> dict[NameKey, list[tuple[str, str, str]]]:
    """The names (not aliases) of the entries of `kind`, each with the entries that have it."""
    diagnostics: list[Diagnostic] = []
    claimed: dict[NameKey, list[tuple[str, str, str]]] = {}
    # The registry's files alone: a large desk's articles would be most of the reading, for nothing.
    entries = [f for f in content_files(project.content_dir, project.root, diagnostics) if f[0] == kind]
    for parsed in load_files(entries, diagnostics):
        source = parsed.source
        valid = validate_file(parsed, diagnostics)
        if valid is None:
            continue
        claimed.setdefault(name_key(entry_names(valid)[0]), []).append((source.kind, source.slug, source.path))
    return claimed


def _relative_base(schema_dir: Path, folder: Path) -> str:
    return Path(os.path.relpath(schema_dir, folder)).as_posix()


def _check_text(kind: str, slug: str, rel: str, text: str, target: Path) -> None:
    """Validate the new file as `check` will, so a scaffold that would not pass is never written."""
    diagnostics: list[Diagnostic] = []
    sink = DiagnosticSink(rel, diagnostics)
    if KINDS[kind].markdown:
        parts = split_front_matter(text)
        assert parts is not None
        node = compose(parts[0], sink, line_offset=1)
        folders = target.parent.parts[-2:] if kind == "article" else ()
        parsed = ParsedFile(SourceDoc(kind, slug, rel, parts[1], parts[2], folders), node, 1)
    else:
        parsed = ParsedFile(SourceDoc(kind, slug, rel), compose(text, sink))
    validate_file(parsed, diagnostics)
    errors = [d for d in diagnostics if d.severity is Severity.ERROR]
    if errors:
        listed = "; ".join(f"line {d.line}: [{d.code}] {d.message}" for d in errors)
        raise ScaffoldError(f"the scaffold for {rel} would not pass `briefgen check`: {listed}")


# --- the text of a new file ------------------------------------------------------------------------------------


def render(kind: str, known: Mapping[str, Any], *, modeline: str | None = None) -> str:
    """The text of a new file of `kind` with the `known` top-level values filled in.

    `modeline` is the schema reference for a registry file's language-server comment; articles, whose YAML is
    front matter that language servers do not read, never get one.
    """
    lines: list[str] = []
    markdown = KINDS[kind].markdown
    if modeline and not markdown:
        lines.append(f"# yaml-language-server: $schema={modeline}")
    if kind == "article":
        lines += ["---", f"# Replace every `{TODO.strip()}`, then delete `status: draft` to publish."]
    elif markdown:
        lines += ["---", "# Write the note below the closing `---`, in Markdown: a few sentences on the day's news,",
                  "# drawn from the day's briefs. An empty field means \"not given\"."]
    else:
        lines.append("# Fill in what you know and leave the rest empty: an empty field means \"not given\".")
    lines += _record_lines(SCHEMAS[kind], known, "")
    if kind == "article":
        lines += ["---", "", _ARTICLE_BODY.rstrip("\n")]
    elif markdown:
        lines += ["---"]
    return "\n".join(lines) + "\n"


#: What a new article's source name says: the field's own doc, which also names the other way (`outlet`).
SOURCE_NAME_DOC = SCHEMAS["article"].by_name["source"].type.mapping.by_name["name"].doc  # type: ignore[union-attr]

#: Fields that tools write and editors leave alone: a new file shows them only when a tool filled them.
_TOOL_FIELDS = frozenset({"source_fingerprint"})


def _record_lines(record: Record, known: Mapping[str, Any], indent: str) -> list[str]:
    lines: list[str] = []
    for spec in record.fields:
        if spec.name in _TOOL_FIELDS and known.get(spec.name) is None:
            continue
        lines += [f"{indent}# {line}".rstrip() for line in _comment(spec)]
        value = known.get(spec.name)
        if value is None and spec.required:
            value = _placeholder(spec.type, spec.doc)
        lines += _entry_lines(spec, value, indent)
    return lines


def _entry_lines(spec: Field, value: Any, indent: str) -> list[str]:
    key = f"{indent}{spec.name}:"
    ftype = spec.type
    if isinstance(ftype, Either):  # written in the form of the value it has
        ftype = ftype.mapping if isinstance(value, Mapping) else ftype.scalar
    if value is None:
        return [f"{key} []" if isinstance(ftype, ListOf) else key]
    if isinstance(ftype, Record):
        return [key, *_record_lines(ftype, value, indent + "  ")]
    if isinstance(ftype, ListOf):
        if not value:
            return [f"{key} []"]
        lines = [key]
        for item in value:
            if isinstance(ftype.item, Record) or (isinstance(ftype.item, Either) and isinstance(item, Mapping)):
                record = ftype.item if isinstance(ftype.item, Record) else ftype.item.mapping
                inner = [line for line in _record_lines(record, item, indent + "    ")
                         if not line.lstrip().startswith("#")]
                lines += [f"{indent}  - {inner[0].lstrip()}", *inner[1:]]
            else:
                lines.append(f"{indent}  - {_scalar(item)}")
        return lines
    return [f"{key} {_scalar(value)}"]


def _placeholder(ftype: FieldType, doc: str) -> Any:
    """A value that passes the schema and plainly needs replacing."""
    if isinstance(ftype, Text):
        return TODO + (doc or "fill in")
    if isinstance(ftype, Url):
        return PLACEHOLDER_URL
    if isinstance(ftype, Choice):
        return ftype.values[0]
    if isinstance(ftype, Flag):
        return False
    if isinstance(ftype, Record):
        return {}
    if isinstance(ftype, ListOf):
        return [_placeholder(ftype.item, doc) for _ in range(ftype.min_items)]
    if isinstance(ftype, Either):  # the simple form, where one can be made up
        return _placeholder(ftype.scalar if isinstance(ftype.scalar, Text | Url) else ftype.mapping, doc)
    # A date, slug or patterned id cannot be made up: the caller has to supply it.
    raise AssertionError(f"no placeholder for a required {ftype!r}")  # pragma: no cover


def _scalar(value: Any) -> str:
    """`value` as a YAML scalar that briefgen reads back exactly: plain where that is safe, else double-quoted."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value)
    if _plain_is_safe(text):
        return text
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a valid YAML double-quoted scalar


def _plain_is_safe(text: str) -> bool:
    if not text or text != text.strip() or "\n" in text:
        return False
    try:
        node = yaml.compose(f"k: {text}\n", Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return False
    if not isinstance(node, yaml.MappingNode) or len(node.value) != 1:
        return False
    value = node.value[0][1]
    # Only text YAML itself reads as text: `NO`, `2024` or `null` are quoted, so no reader takes them for more.
    return isinstance(value, yaml.ScalarNode) and value.value == text and value.tag == "tag:yaml.org,2002:str"


def _comment(spec: Field) -> list[str]:
    ftype = spec.type
    parts = ["required"] if spec.required else []
    if isinstance(ftype, ListOf) and isinstance(ftype.item, Record | Either):
        record = ftype.item if isinstance(ftype.item, Record) else ftype.item.mapping
        each = ("each item:" if isinstance(ftype.item, Record)
                else f"each item {_describe(ftype.item.scalar)}, or a mapping:")
        parts.append(f"list; {each}" if not ftype.min_items else f"list of at least {ftype.min_items}; {each}")
        head = f"{spec.doc} [{', '.join(parts)}]".lstrip()
        return [head, *(f"  {line}" for sub in record.fields for line in _sub_comment(sub))]
    if isinstance(ftype, Record):
        return [f"{spec.doc} [{', '.join([*parts, 'mapping'])}]".lstrip()]
    if isinstance(ftype, Either):
        return [f"{spec.doc} [{', '.join([*parts, f'{_describe(ftype.scalar)} or a mapping'])}]".lstrip()]
    parts.append(_describe(ftype))
    return [f"{spec.doc} [{', '.join(parts)}]".lstrip()]


def _sub_comment(spec: Field) -> list[str]:
    return [f"{spec.name}: {line}" for line in _comment(spec)[:1]]


def _describe(ftype: FieldType, plural: bool = False) -> str:
    if isinstance(ftype, Text):
        return "text items" if plural else "text"
    if isinstance(ftype, Date):
        return "dates YYYY-MM-DD" if plural else "date YYYY-MM-DD"
    if isinstance(ftype, Url):
        return "http(s) addresses" if plural else "http(s) address"
    if isinstance(ftype, Pattern):
        return ftype.rule
    if isinstance(ftype, Flag):
        return "true or false"
    if isinstance(ftype, Choice):
        return " or ".join(ftype.values) if len(ftype.values) == 2 else "one of " + ", ".join(ftype.values)
    if isinstance(ftype, Ref):
        return f"{ftype.kind} slugs" if plural else f"{ftype.kind} slug"
    if isinstance(ftype, ListOf):
        text = f"list of {_describe(ftype.item, plural=True)}"
        if ftype.min_items:
            text += f", at least {ftype.min_items}"
        if ftype.unique:
            text += ", no repeats"
        return text
    if isinstance(ftype, Either):
        return f"{_describe(ftype.scalar, plural)} or {'mappings' if plural else 'a mapping'}"
    return "mappings" if plural else "mapping"


def _a(word: str) -> str:
    return f"{'an' if word[:1] in 'aeiou' else 'a'} {word}"
