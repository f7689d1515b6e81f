"""Stage 2 in the preview: after an edit, check again only the articles that changed.

The preview's cache (`reuse.FileCache`) spares unchanged files their parse and checks, but asking
it about every file at every stage still cost about 0.3 s per rebuild on a 10,000-article desk.
When an edit changed articles alone, and `content/` lists the same files as before, what the
last run found stands for every other file. Each diagnostic an article causes is reported at the
article's own path: its YAML, its schema, its references and mentions (the same rule lets
`briefgen check` keep a file's results between runs, see `checkcache`). The exception is the
"unused entry" warning, which depends on every article; it is worked out again from a count of
each entry's references, updated by the edited articles. Any other change (a registry entry, a
file added, removed or renamed, an article sharing its slug, more than `MAX_RECHECKED` articles)
checks every file through the cache, as before.
"""

from __future__ import annotations

import functools
import itertools
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .diagnostics import Diagnostic
from .load import ContentFile, FileStamp, content_files, file_stat, load_files, regular_stamp, sharing_a_slug, slug_of
from .reuse import FileCache
from .validate import Registry, ValidDoc, check_articles, check_registry, report_unused, validate_files

if TYPE_CHECKING:
    from .model import Desk

#: More changed articles than this (a branch switched, a name replaced everywhere) are checked the
#: usual way: filtering the last run's diagnostics by path would cost more than it saves.
MAX_RECHECKED = 50

#: The code of the one diagnostic about a file that other files decide (see the module's docstring).
_UNUSED = "unused-entry"


@dataclass(frozen=True)
class CheckedDesk:
    """What one preview run's check found, and from which files: the next run starts from it."""

    files: list[ContentFile]
    stamps: list[FileStamp | None]
    """Each file's stamp when it was read; None for a file that was gone or not a regular file."""
    listing: frozenset[Diagnostic]
    """The diagnostics of listing `content/` (`content_files`): reported afresh by every run."""
    diagnostics: list[Diagnostic]
    """Every diagnostic, sorted."""
    valid: dict[str, ValidDoc]
    """The files that passed their schemas, by path, in the order of `files`."""
    registry: Registry
    referenced: Counter[tuple[str, str]]
    """How many valid files refer to each (kind, slug); none are zero."""
    shared: frozenset[str]
    """Files whose slug another file of their kind has: which one is the duplicate depends on both."""
    rechecked: frozenset[str] | None = None
    """The articles read again, starting from the check `since`; None when every file was checked."""
    since: object = None
    """The `token` of the check this one started from."""
    token: object = field(default_factory=object)
    """Identifies this check (rather than the check itself, which would keep every earlier one alive)."""

    def changed_articles(self, files: list[ContentFile], stamps: list[FileStamp | None]) -> list[int] | None:
        """The positions in `files` of the articles changed since this check, if nothing else changed; else None."""
        if files != self.files:
            return None
        changed = [number for number, (now, then) in enumerate(zip(stamps, self.stamps, strict=True))
                   if now is None or now != then]
        if len(changed) > MAX_RECHECKED:
            return None
        if any(files[number][0] != "article" or files[number][3] in self.shared for number in changed):
            return None
        return changed


def check_again(content_dir: Path, root: Path, cache: FileCache) -> CheckedDesk:
    """Check the desk, starting from the last run's check (kept in `cache`) where an edit allows it."""
    listing: list[Diagnostic] = []
    files = content_files(content_dir, root, listing)
    stats = [file_stat(path) for _, path, _, _ in files]
    stamps = [regular_stamp(st) for st in stats]
    last = cache.last_check
    changed = None if last is None else last.changed_articles(files, stamps)
    if last is None or changed is None:
        checked = _check_all(files, stats, stamps, listing, cache)
    else:
        checked = _check_changed(last, changed, stats, stamps, listing, cache)
        cache.same_files()
    cache.last_check = checked
    return checked


def _check_all(files: list[ContentFile], stats: list[os.stat_result | None], stamps: list[FileStamp | None],
               listing: list[Diagnostic], cache: FileCache) -> CheckedDesk:
    """Every file, each through the cache: `validate.validate`'s steps."""
    diagnostics = list(listing)
    valid = validate_files(load_files(files, diagnostics, cache, stats), diagnostics, cache)
    entries = [doc for doc in valid if doc.kind != "article"]
    # Kept, with its matcher, while every entry is the same object: an article edit leaves it be.
    registry = cache.get("registry", "", tuple(entries), functools.partial(check_registry, entries), diagnostics)
    check_articles([doc for doc in valid if doc.kind == "article"], registry, diagnostics, cache)
    referenced = Counter(itertools.chain.from_iterable(doc.referenced for doc in valid))
    report_unused(registry, referenced.keys(), diagnostics)
    shared = frozenset(sharing_a_slug(files))
    return CheckedDesk(files, stamps, frozenset(listing), sorted(set(diagnostics)),
                       {doc.source.path: doc for doc in valid}, registry, referenced, shared)


def _check_changed(last: CheckedDesk, changed: list[int], stats: list[os.stat_result | None],
                   stamps: list[FileStamp | None], listing: list[Diagnostic], cache: FileCache) -> CheckedDesk:
    """The changed articles read and checked again; the last run's findings for the rest."""
    files = last.files
    paths = {files[number][3] for number in changed}
    diagnostics = [*listing, *(d for d in last.diagnostics
                               if d.path not in paths and d.code != _UNUSED and d not in last.listing)]
    fresh = validate_files(load_files([files[number] for number in changed], diagnostics, cache,
                                      [stats[number] for number in changed]), diagnostics, cache)
    check_articles(fresh, last.registry, diagnostics, cache)
    valid = dict(last.valid)
    referenced = last.referenced.copy()
    now_valid = {doc.source.path: doc for doc in fresh}
    touched: set[tuple[str, str]] = set()
    newly_valid = False
    for path in paths:
        before, after = valid.get(path), now_valid.get(path)
        if before is not None:
            referenced.subtract(before.referenced)
            touched |= before.referenced
        if after is None:
            valid.pop(path, None)
            continue
        newly_valid |= before is None
        valid[path] = after
        referenced.update(after.referenced)
        touched |= after.referenced
    for key in touched:
        if referenced[key] <= 0:
            del referenced[key]
    report_unused(last.registry, referenced.keys(), diagnostics)
    if newly_valid:  # added at the end: back in the order of the files, as a full check has them
        valid = {rel: valid[rel] for _, _, _, rel in files if rel in valid}
    return CheckedDesk(files, stamps, frozenset(listing), sorted(set(diagnostics)), valid, last.registry,
                       referenced, last.shared, frozenset(paths), last.token)


def desk_of(checked: CheckedDesk, *, drafts: bool, cache: FileCache) -> Desk:
    """The model of the checked files: the last run's with the rechecked articles replaced, where it
    was made from the check this one started from, with the same `drafts`; else built afresh."""
    from .model import build_desk, edited_desk  # not at the top: `briefgen check` never needs the model

    last = cache.last_desk
    if checked.rechecked is not None and last is not None and last[:2] == (checked.since, drafts):
        edited = {slug_of(path): checked.valid.get(path) for path in checked.rechecked}
        desk = edited_desk(last[2], edited, drafts=drafts, cache=cache)
    else:
        desk = build_desk(checked.valid.values(), drafts=drafts, cache=cache)
    cache.last_desk = (checked.token, drafts, desk)
    return desk
