"""What the preview keeps from one rebuild to the next."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

import jinja2
import jinja2.bccache

from ..pages.render import KeptPages
from .incremental import IncrementalRun
from .rules import Snapshot

log = logging.getLogger("mkdocs.plugins.briefgen")


class MemoryBytecodeCache(jinja2.BytecodeCache):
    """Compiled templates kept in memory between rebuilds (Jinja checks each against its source).

    Every rebuild gets a fresh Jinja environment from MkDocs; compiling Material's templates and
    the desk's again was a large part of a one-article rebuild (see docs/performance.md).
    """

    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        """Fill `bucket` from memory (Jinja discards it if the template's source changed)."""
        if bucket.key in self._code:
            bucket.bytecode_from_string(self._code[bucket.key])

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        """Keep a freshly compiled template."""
        self._code[bucket.key] = bucket.bytecode_to_string()


@dataclass
class PreviewState:
    """Kept by the plugin across the rebuilds of one `serve` session."""

    pipeline: IncrementalRun = field(default_factory=IncrementalRun)
    """The check, model and index, each starting from the last rebuild's."""
    templates: MemoryBytecodeCache = field(default_factory=MemoryBytecodeCache)
    pages: KeptPages = field(default_factory=dict)
    """Each article's and entity's pages, kept while what they are made from is the same (`SiteRenderer.pages`)."""
    last: Snapshot | None = None


class AfterReload:
    """Work that a preview rebuild leaves until after the browser reloads: a thread, waited for before the next.

    What it writes is not on the page being previewed (feeds, API documents), so the reload need not
    wait for it; the next rebuild does, so two rebuilds never write the same files at once.
    """

    def __init__(self, work: Callable[[], int], what: str) -> None:
        self.what = what
        self.failed = False
        self._thread = threading.Thread(target=self._run, args=(work,), name=f"briefgen: {what}", daemon=True)
        self._thread.start()

    def _run(self, work: Callable[[], int]) -> None:
        try:
            count = work()
        except Exception as exc:  # a failed write (a full disk) must not end the preview: the next build redoes it
            self.failed = True
            log.error(f"briefgen: writing {self.what} failed: {exc}")
        else:
            log.info(f"briefgen: wrote {count} {self.what}")

    def wait(self) -> bool:
        """Wait until the work is done; False if it failed."""
        self._thread.join()
        return not self.failed

