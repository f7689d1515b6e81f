"""The pipeline in one call: load → validate → model → index.

The command line, the MkDocs plugin and the preview all come through here, so `briefgen check`,
`briefgen build`, `mkdocs build` and `briefgen serve` can never disagree about content: they run
the same `check`, with different `FileChecks` (see `check`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .check import Checked, FileChecks, check, gc_paused
from .diagnostics import Diagnostic, has_errors
from .project import Project, Stamp, files_stamp

if TYPE_CHECKING:
    from .index import DeskIndex


@dataclass(frozen=True)
class Result:
    """What one run of the pipeline produced."""

    diagnostics: list[Diagnostic] = field(default_factory=list)
    index: DeskIndex | None = None
    """The indexed desk, or None when there were errors."""
    drafts: bool = False
    """Whether the desk holds drafts."""
    stamp: Stamp = ()
    """The content files' `files_stamp` when the run began, if the caller asked for it (see `run`)."""

    @property
    def ok(self) -> bool:
        """True when no diagnostic is an error."""
        return not has_errors(self.diagnostics)

    def still_current(self, project: Project, *, drafts: bool) -> bool:
        """Whether this result still describes the project's content (no file changed since), with `drafts`."""
        return bool(self.stamp) and self.drafts == drafts and files_stamp(project.content_dir) == self.stamp


IndexMaker = Callable[[Checked, bool], "DeskIndex"]
"""Makes the indexed desk from a clean check, with or without drafts (the preview's keeps unchanged parts)."""


def run(project: Project, *, drafts: bool = False, checks: FileChecks | None = None,
        make_index: IndexMaker | None = None, stamped: bool = False) -> Result:
    """Check all content; build the model and index when it is free of errors.

    The preview passes its own `checks` and `make_index`, which reuse the last run's work for what an
    edit left unchanged. With `stamped`, the result carries the content's stamp, so that a later
    caller in the same process (the plugin, after `briefgen build` checked) can tell it still holds.
    """
    stamp = files_stamp(project.content_dir) if stamped else ()
    checked = check(project, checks)
    if has_errors(checked.diagnostics):
        return Result(checked.diagnostics, drafts=drafts, stamp=stamp)
    with gc_paused(freeze=checks is None or checks.freeze):
        index = (make_index or index_of)(checked, drafts)
    return Result(checked.diagnostics, index, drafts, stamp)


def index_of(checked: Checked, drafts: bool) -> DeskIndex:
    """The model and index of a clean check (imported here: `briefgen check` never gets this far, and
    defining the model's classes is part of its start-up)."""
    from .index import build_index
    from .model import build_desk

    return build_index(build_desk(checked.valid, drafts=drafts))
