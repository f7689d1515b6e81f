"""The content schema as JSON Schema (draft 2020-12), for editors and other tools.

`briefgen.schema` is the one description of the content; this module turns it
into one JSON Schema document per kind. A YAML language server (VS Code's YAML
extension, for instance) can then complete field names and flag mistakes while
an author types, before `briefgen check` runs.

The documents describe the YAML *as a YAML 1.2 language server parses it*:
`123` is a number, `true` a boolean and `2024-07-03` a string. So:

* text accepts strings, numbers and booleans (briefgen keeps `NO` or `2024`
  as written);
* an empty value means "not given" in briefgen, so optional fields also
  accept null, and required ones do not;
* a reference also accepts a non-negative integer, because a slug such as
  `2024` is a number to the editor;
* a value written in one of two forms (an article's `source`: a slug, or a
  mapping; a key point: text, or a mapping with its own source) is `anyOf`
  the two;
* Markdown files (articles, briefing notes) are described by their front
  matter, which a briefing note may leave out.

`briefgen check` stays the authority. What the JSON Schema cannot see:
checks across fields or files (`end` before `start`, unknown slugs, aliases
claimed twice, an article in the wrong month folder), duplicate keys (YAML
parsers keep the last one), `True`-style spellings it reads as text
(`"true"` in quotes, `tRuE`), and values padded with spaces inside quotes.

The package ships the generated files in `briefgen/authoring/schemas/`;
`python -m briefgen.authoring.schemas_export briefgen/authoring/schemas --force` regenerates them
and a test fails while they are out of date.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..desk.schema import (
    FOLDERS,
    SCHEMAS,
    SLUG_RE,
    SOURCE,
    URL_RE,
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
)

DIALECT = "https://json-schema.org/draft/2020-12/schema"
#: `$id` of the document for a kind. The `.invalid` domain never resolves: it names the schemas, it does not host them.
ID_BASE = "https://briefgen.invalid/schemas/"
#: The schemas shipped inside the package, as `write_schemas` writes them.
SHIPPED_DIR = Path(__file__).resolve().parent / "schemas"

#: ISO `YYYY-MM-DD` in the years `validate` accepts (1000 to 2100, see `validate.FIRST_DATE`), with a month
#: 01-12 and a day 01-31; `"format": "date"` rejects days a month lacks.
DATE_PATTERN = r"^(1[0-9]{3}|20[0-9]{2}|2100)-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"
#: What may follow a date that takes a time: the time (minutes, optionally seconds) and its zone.
DATETIME_SUFFIX = r"(T([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?(Z|[+-][0-9]{2}:[0-9]{2}))?$"
URL_PATTERN = URL_RE.pattern
#: Something besides whitespace: briefgen reads a blank required text as missing.
NOT_BLANK = r"\S"

_KIND_TEXT = {
    "article": "Front matter of a briefgen article, content/articles/YYYY/MM/<slug>.md.",
    "person": "A person in the briefgen registry, content/people/<slug>.yml.",
    "event": "An event in the briefgen registry, content/events/<slug>.yml.",
    "org": "An organisation in the briefgen registry, content/orgs/<slug>.yml.",
    "place": "A place in the briefgen registry, content/places/<slug>.yml.",
    "topic": "A topic in the briefgen registry, content/topics/<slug>.yml.",
    "source": "A source (a news outlet, agency or ministry) in the briefgen registry, content/sources/<slug>.yml.",
    "briefing": "Front matter of an editor's note above a day's briefing, content/briefings/YYYY-MM-DD.md "
                "(the front matter is optional: a note may be Markdown alone).",
}

#: Mappings that need at least one of some optional keys, given and not empty: a rule across the mapping's
#: fields that `check` reports per file (`source-without-name`), so the editor can show it too.
_ONE_OF_REQUIRED: tuple[tuple[Record, tuple[str, ...]], ...] = ((SOURCE, ("name", "outlet")),)


class SchemaFileConflict(FileExistsError):
    """A schema file already exists with other content and `force` was not given."""


def schema_id(kind: str) -> str:
    """The `$id` of the JSON Schema for `kind`."""
    return f"{ID_BASE}{kind}.schema.json"


def file_name(kind: str) -> str:
    """File name of the JSON Schema for `kind`, e.g. `person.schema.json`."""
    return f"{kind}.schema.json"


def json_schema(kind: str) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) document for the files of `kind`."""
    if kind not in SCHEMAS:
        raise KeyError(f"unknown kind {kind!r}; known kinds: {', '.join(SCHEMAS)}")
    document: dict[str, Any] = {
        "$schema": DIALECT,
        "$id": schema_id(kind),
        "title": f"briefgen {kind}",
        "description": _KIND_TEXT.get(kind, f"A briefgen {kind} file."),
    }
    document.update(_record(SCHEMAS[kind]))
    return document


def render(kind: str) -> str:
    """The JSON Schema for `kind` as the text `write_schemas` writes: stable, indented, newline-terminated."""
    return json.dumps(json_schema(kind), indent=2, ensure_ascii=False) + "\n"


def _record(record: Record) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "properties": {f.name: _field(f) for f in record.fields}}
    required = [f.name for f in record.fields if f.required]
    if required:
        schema["required"] = required
    schema["additionalProperties"] = False
    for other, keys in _ONE_OF_REQUIRED:
        if record is other:
            schema["anyOf"] = [{"required": [key], "properties": {key: {"not": {"type": "null"}, "pattern": NOT_BLANK}}}
                               for key in keys]
    return schema


def _field(spec: Field) -> dict[str, Any]:
    schema = _type(spec.type, required=spec.required)
    own = schema.pop("description", "")
    text = " ".join(part for part in (spec.doc, own) if part)
    out: dict[str, Any] = {"description": text} if text else {}
    out.update(schema)
    if isinstance(spec.default, str | int | float | bool):
        out["default"] = spec.default
    if not spec.required:
        _allow_null(out)
    return out


def _allow_null(schema: dict[str, Any]) -> None:
    """Let an optional field be written empty, which briefgen reads as "not given"."""
    if "type" not in schema:  # one of several forms (`Either`): empty is one more
        schema["anyOf"] = [*schema["anyOf"], {"type": "null"}]
        return
    types = schema["type"]
    schema["type"] = [*(types if isinstance(types, list) else [types]), "null"]
    if "enum" in schema:
        schema["enum"] = [*schema["enum"], None]


def _type(ftype: FieldType, *, required: bool = False) -> dict[str, Any]:
    """The schema for a value of `ftype` (without null: list items may never be empty)."""
    if isinstance(ftype, Text):
        schema: dict[str, Any] = {"type": ["string", "number", "boolean"]}
        if required:
            schema["pattern"] = NOT_BLANK
        return schema
    if isinstance(ftype, Date):
        if ftype.time:  # ("format": "date" would refuse the time; the pattern checks the parts)
            return {"type": "string", "pattern": DATE_PATTERN[:-1] + DATETIME_SUFFIX}
        return {"type": "string", "pattern": DATE_PATTERN, "format": "date"}
    if isinstance(ftype, Url):
        return {"type": "string", "pattern": URL_PATTERN}
    if isinstance(ftype, Pattern):
        return {"type": "string", "pattern": ftype.regex}
    if isinstance(ftype, Flag):
        return {"type": "boolean"}
    if isinstance(ftype, Choice):
        return {"type": "string", "enum": list(ftype.values)}
    if isinstance(ftype, Ref):
        return {
            "description": f"The slug of {_a(ftype.kind)}: the file name of content/{FOLDERS[ftype.kind]}/<slug>.yml.",
            "type": ["string", "integer"],
            "pattern": SLUG_RE.pattern,
            "minimum": 0,
        }
    if isinstance(ftype, ListOf):
        item = _type(ftype.item)
        schema = {"type": "array", "items": item}
        if ftype.min_items:
            schema["minItems"] = ftype.min_items
        if ftype.unique:
            schema["uniqueItems"] = True
        return schema
    if isinstance(ftype, Record):
        return _record(ftype)
    if isinstance(ftype, Either):  # a scalar or a mapping: a language server offers both
        return {"anyOf": [_type(ftype.scalar), _record(ftype.mapping)]}
    raise TypeError(f"unhandled field type {ftype!r}")  # pragma: no cover


def _a(word: str) -> str:
    return f"{'an' if word[:1] in 'aeiou' else 'a'} {word}"


def stale_schemas(out_dir: Path) -> list[Path]:
    """The schema files in `out_dir` that are missing or differ from what `write_schemas` would write."""
    stale = []
    for kind in SCHEMAS:
        path = out_dir / file_name(kind)
        if not path.is_file() or path.read_text(encoding="utf-8") != render(kind):
            stale.append(path)
    return stale


def write_schemas(out_dir: Path, *, force: bool = False) -> list[Path]:
    """Write `<kind>.schema.json` for every kind into `out_dir`; returns the paths of all of them.

    Files that already hold the right text are left alone. A file with other
    text is only replaced with `force=True`; otherwise `SchemaFileConflict`
    names it and nothing at all is written.
    """
    texts = {out_dir / file_name(kind): render(kind) for kind in SCHEMAS}
    if not force:
        conflicts = [p for p, text in texts.items() if p.exists() and _read(p) != text]
        if conflicts:
            names = ", ".join(str(p) for p in conflicts)
            raise SchemaFileConflict(f"{names} already exist{'s' if len(conflicts) == 1 else ''} with other "
                                     "content; pass force=True (--force) to replace")
    out_dir.mkdir(parents=True, exist_ok=True)
    for path, text in texts.items():
        if not path.is_file() or _read(path) != text:
            path.write_text(text, encoding="utf-8", newline="\n")
    return list(texts)


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m briefgen.schemas_export [OUT_DIR] [--force]`: write the schemas (default: the shipped folder)."""
    args = list(sys.argv[1:] if argv is None else argv)
    force = "--force" in args
    rest = [a for a in args if a != "--force"]
    out_dir = Path(rest[0]) if rest else SHIPPED_DIR
    try:
        paths = write_schemas(out_dir, force=force)
    except SchemaFileConflict as exc:
        print(f"briefgen: error: {exc}", file=sys.stderr)
        return 2
    for path in paths:
        print(path)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
