"""Spreading a build over the machine's cores with forked worker processes.

MkDocs builds in one thread. Rendering briefgen's pages and writing feeds and API
documents need nothing from MkDocs, so forked children do that work while the
main process runs MkDocs: half the pages are rendered ahead by a child while the
main process renders the other half, the feeds are written meanwhile, and the
search index is made while MkDocs writes pages. A fork shares the finished model for free; only rendered HTML
travels back, through a pipe. Where forking is unsafe (other threads running, as
in the preview server) or unavailable (Windows, macOS), everything runs in the
main process, with the same output.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import pickle
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")


class WorkerError(RuntimeError):
    """A worker process failed; the message is the worker's own error."""


def can_fork() -> bool:
    """Whether forking is safe here: Linux, and no other thread that could hold a lock mid-fork."""
    return sys.platform == "linux" and hasattr(os, "fork") and threading.active_count() == 1


def default_jobs() -> int:
    """Processes to use when the configuration does not say: one per CPU, at most four."""
    return max(1, min(os.cpu_count() or 1, 4))


class Forked(Generic[T]):
    """`work()` running in a forked child; `result()` waits for its return value (or its error)."""

    def __init__(self, work: Callable[[], T]) -> None:
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: do the work, send the outcome, and leave without cleanup handlers
            os.close(read_end)
            signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
            try:
                try:
                    outcome: tuple[bool, object] = (True, work())
                except BaseException as exc:  # every failure must reach the parent
                    outcome = (False, str(exc) or traceback.format_exc(limit=3))
                with os.fdopen(write_end, "wb") as pipe:
                    pickle.dump(outcome, pipe, protocol=pickle.HIGHEST_PROTOCOL)
            finally:
                os._exit(0)
        os.close(write_end)
        self.pid = pid
        """The worker's process id."""
        self._pid: int | None = pid  # None once the worker has been waited for
        self._pipe = os.fdopen(read_end, "rb")

    def result(self) -> T:
        """Wait for the child and return what `work` returned; raises `WorkerError` if it failed."""
        data = self._pipe.read()
        self._pipe.close()
        assert self._pid is not None
        _, status = os.waitpid(self._pid, 0)
        self._pid = None
        if not data:
            raise WorkerError(f"a worker process ended without a result (status {status})")
        ok, value = pickle.loads(data)
        if not ok:
            raise WorkerError(str(value))
        return value  # type: ignore[no-any-return]

    def cancel(self) -> None:
        """Stop the child if it is still running (the build failed elsewhere).

        SIGTERM first, so a child that started processes of its own can stop them; SIGKILL if
        it has not ended within a few seconds.
        """
        if self._pid is None:
            return
        self._pipe.close()
        with contextlib.suppress(ProcessLookupError):
            os.kill(self._pid, signal.SIGTERM)
        for _ in range(50):
            if os.waitpid(self._pid, os.WNOHANG) != (0, 0):
                break
            time.sleep(0.1)
        else:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self._pid, signal.SIGKILL)
            os.waitpid(self._pid, 0)
        self._pid = None


class Prerendered(Generic[T, R]):
    """Items rendered on demand, with the later parts of the list rendered ahead by forked workers.

    `render(item)` must depend on nothing but the item and what existed at the fork, so a
    worker's result is exactly what the main process would have produced.
    """

    def __init__(self, items: Sequence[T], key: Callable[[T], str], render: Callable[[T], R], jobs: int,
                 weight: Callable[[T], float] = lambda item: 1.0) -> None:
        """Split `items` into parts of equal `weight` (the relative cost of rendering one), the first
        for the main process.

        An equal part, although the main process runs MkDocs beside it: given 85 % of a part, it waited
        1 to 2 s for the worker's pages on large desks once the feed writer shared the cores."""
        self._render = render
        self._key = key
        self._workers: list[tuple[list[str], Forked[list[R]]]] = []
        self._owner: dict[str, int] = {}  # item key → index of the worker rendering it
        for part in _split(items, jobs if can_fork() else 1, weight)[1:]:
            keys = [key(item) for item in part]
            self._owner.update(dict.fromkeys(keys, len(self._workers)))
            self._workers.append((keys, Forked(lambda part=part: [render(item) for item in part])))
        self._ready: dict[str, R] = {}

    def get(self, item: T) -> R:
        """The rendering of `item`: from a worker if one did it, else rendered now."""
        name = self._key(item)
        if name in self._ready:
            return self._ready.pop(name)
        index = self._owner.pop(name, None)
        if index is None:
            return self._render(item)
        keys, worker = self._workers[index]
        self._ready.update(zip(keys, worker.result(), strict=True))
        for other in keys:
            self._owner.pop(other, None)
        return self._ready.pop(name)

    def close(self) -> None:
        """Stop workers whose results were never asked for."""
        for _, worker in self._workers:
            worker.cancel()
        self._workers, self._owner, self._ready = [], {}, {}


def _split(items: Sequence[T], parts: int, weight: Callable[[T], float] = lambda item: 1.0) -> list[Sequence[T]]:
    """`parts` contiguous slices of about equal total weight."""
    if parts <= 1:
        return [items]
    weights = [weight(item) for item in items]
    share = sum(weights) / parts
    bounds, running, goal = [], 0.0, share
    for index, w in enumerate(weights):
        if len(bounds) == parts - 1:
            break
        running += w
        if running >= goal:
            bounds.append(index + 1)
            goal += share
    bounds += [len(items)] * (parts - 1 - len(bounds))
    edges = [0, *bounds, len(items)]
    return [items[a:b] for a, b in itertools.pairwise(edges)]
