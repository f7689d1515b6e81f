"""Spreading a build over the machine's cores with forked worker processes.

MkDocs builds in one thread. Rendering briefgen's pages and writing feeds and API
documents need nothing from MkDocs, so forked children do that work while the
main process runs MkDocs: a child renders pages from the end of the list while the
main process renders from the start until they meet, the feeds are written meanwhile,
and the search index is made while MkDocs writes pages. A fork shares the finished
model for free; only rendered HTML travels back, through a pipe. `briefgen check`
meets its workers the same way (`FromBothEnds`). Where forking is unsafe (other
threads running, as in the preview server) or unavailable (Windows, macOS),
everything runs in the main process, with the same output.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import itertools
import mmap
import os
import pickle
import select
import signal
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
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
        parent = os.getpid()
        pid = os.fork()
        if pid == 0:  # the child: do the work, send the outcome, and leave without cleanup handlers
            try:
                os.close(read_end)
                signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
                _end_with(parent)
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


class Later(Generic[T]):
    """A value forked children receive from their parent after the fork, once the parent has it.

    Made before the fork, for `readers` children. The parent's `send` never waits for a child to read:
    the value goes into an unnamed temporary file (a pipe would block the parent once it held 64 KiB,
    until a child got round to reading), pickled once for all of them, and a byte per child through a
    pipe tells each that it is there.
    """

    def __init__(self, readers: int = 1) -> None:
        self._readers = readers
        self._file = tempfile.TemporaryFile()  # noqa: SIM115 - open until `close`
        self._ready, self._sent = os.pipe()

    def send(self, value: T) -> None:
        """In the parent: hand over `value` (once)."""
        pickle.dump(value, self._file, protocol=pickle.HIGHEST_PROTOCOL)
        self._file.flush()
        os.write(self._sent, b"!" * self._readers)

    def ready(self) -> bool:
        """In a child: whether `receive` would return at once (or fail at once: the parent gave up)."""
        return bool(select.select([self._ready], [], [], 0)[0])

    def receive(self) -> T:
        """In a child: wait for the value and return it; raises `WorkerError` if none will come.

        Each child calls it once: it takes one of the bytes `send` wrote.
        """
        os.close(self._sent)  # so that a parent that closes without sending ends the wait
        if os.read(self._ready, 1) != b"!":
            raise WorkerError("the main process sent nothing to work with")
        fd = self._file.fileno()
        return pickle.loads(os.pread(fd, os.fstat(fd).st_size, 0))  # type: ignore[no-any-return]

    def close(self) -> None:
        """In the parent, once the child is done: remove the file and close the pipe."""
        self._file.close()
        for fd in (self._ready, self._sent):
            with contextlib.suppress(OSError):
                os.close(fd)


def _end_with(parent: int) -> None:
    """Have the kernel send this child SIGTERM when `parent` ends, however it ends.

    A killed build must not leave workers behind: they would go on writing into the
    staging folder after the next build has cleaned it away. SIGTERM (not SIGKILL) so the
    search worker can stop Pagefind first.
    """
    with contextlib.suppress(OSError, AttributeError):  # prctl is Linux-only, and forking is too
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    if os.getppid() != parent:  # the parent died before the request was in place
        os._exit(1)


_PR_SET_PDEATHSIG = 1


class Prerendered(Generic[T, R]):
    """Items rendered on demand, with the later parts of the list rendered ahead by forked workers.

    `render(item)` must depend on nothing but the item and what existed at the fork, so a
    worker's result is exactly what the main process would have produced.

    A worker renders its part from the end, and the main process, asked for the part's first items
    before the worker has come down to them, renders them itself: the two meet wherever their speeds
    put them. A fixed split left the main process waiting for a worker whose core it shared with the
    feed writer.
    """

    def __init__(self, items: Sequence[T], key: Callable[[T], str], render: Callable[[T], R], jobs: int,
                 weight: Callable[[T], float] = lambda item: 1.0) -> None:
        """Split `items` into parts of equal `weight` (the relative cost of rendering one), the first
        for the main process, and start a worker for each other part."""
        self._render = render
        self._key = key
        self._items = list(items)
        self._ready: dict[str, R] = {}
        self._parts: list[_Part[R]] = []
        self._where: dict[str, tuple[int, int]] = {}  # item key → (part, position in the list)
        parts = _split(self._items, jobs if can_fork() else 1, weight)
        # Per worker part, two aligned 8-byte words (read and written whole) in memory shared with the workers.
        shared = (ctypes.c_int64 * (2 * len(parts))).from_buffer(mmap.mmap(-1, 16 * len(parts)))
        start = len(parts[0])
        for number, part in enumerate(parts[1:]):
            end = start + len(part)
            for position in range(start, end):
                self._where[key(self._items[position])] = (number, position)
            progress = _Progress(shared, 2 * number)
            progress.low, progress.taken = end, start
            worker = Forked(lambda p=progress, s=start, e=end: self._from_end(p, s, e))
            self._parts.append(_Part(end, progress, worker))
            start = end

    def _from_end(self, progress: _Progress, start: int, end: int) -> tuple[int, list[R]]:
        """A worker's share: its part from the end down to where the main process has got to."""
        done: list[R] = []
        position = progress.work_down(start, end, lambda at: done.append(self._render(self._items[at])))
        done.reverse()
        return position, done

    def get(self, item: T) -> R:
        """The rendering of `item`: from a worker if one did it, else rendered now."""
        name = self._key(item)
        if name in self._ready:
            return self._ready.pop(name)
        where = self._where.get(name)
        if where is None:
            return self._render(item)
        number, position = where
        part = self._parts[number]
        progress = part.progress
        if part.worker is not None and position < progress.low:
            if position == progress.taken:  # asked in order: the worker stops before this one
                progress.taken = position + 1
            return self._render(item)  # (if the worker took it meanwhile too, the copies are the same)
        if part.worker is not None:
            low, done = part.worker.result()
            part.worker = None
            for later in range(max(low, progress.taken), part.end):  # not rendered here already
                self._ready[self._key(self._items[later])] = done[later - low]
        return self._ready.pop(name) if name in self._ready else self._render(item)

    def close(self) -> None:
        """Stop workers whose results were never asked for."""
        for part in self._parts:
            if part.worker is not None:
                part.worker.cancel()
        self._parts, self._where, self._ready = [], {}, {}


class FromBothEnds(Generic[T, R]):
    """Items worked through by forked workers from the end of their parts and by the main process
    from the start of each part, until the two meet.

    Where they meet depends on their speeds, not on a fixed split. On a shared machine one core can
    run at half the speed of the other for seconds at a time: with a fixed split, `briefgen check`
    on a large desk left one core idle for part of the run.

    `step(item)` does an item's work into state of its process's own (what existed at the fork is
    each process's copy), and a worker returns `finish(part)` once it has met the main process; the
    main process makes its own result from its state when `work_here` returns. An item at the
    meeting point may be done by both: the results must allow for that.
    """

    def __init__(self, items: Sequence[T], jobs: int, step: Callable[[T], None],
                 finish: Callable[[int], R]) -> None:
        """Split `items` into a part per worker (`jobs - 1` of them) and start the workers."""
        self._items = items
        self._step = step
        workers = jobs - 1 if can_fork() else 0
        spans = [span for span in _split(range(len(items)), workers) if span] if workers > 0 else []
        # Per part, two aligned 8-byte words (read and written whole) in memory shared with the workers.
        words = 2 * max(len(spans), 1)
        shared = (ctypes.c_int64 * words).from_buffer(mmap.mmap(-1, 8 * words))
        self._parts: list[tuple[range, _Progress, Forked[R] | None]] = []
        for number, span in enumerate(spans):
            progress = _Progress(shared, 2 * number)
            progress.low, progress.taken = span.stop, span.start
            work = functools.partial(self._from_end, span, progress, functools.partial(finish, number))
            self._parts.append((span, progress, Forked(work)))
        if not spans:  # no workers: the main process does everything
            progress = _Progress(shared, 0)
            self._parts.append((range(len(items)), progress, None))

    @property
    def workers(self) -> int:
        """How many workers were started."""
        return sum(1 for _, _, worker in self._parts if worker is not None)

    def _from_end(self, span: range, progress: _Progress, finish: Callable[[], R]) -> R:
        """A worker's share: its part from the end down to where the main process has got to, then `finish`."""
        progress.work_down(span.start, span.stop, lambda at: self._step(self._items[at]))
        return finish()

    def work_here(self) -> None:
        """In the main process: take the items of each part from its start until meeting its worker."""
        for span, progress, worker in self._parts:
            for position in span:
                if worker is not None and position >= progress.low:
                    break
                progress.taken = position + 1
                self._step(self._items[position])

    def results(self) -> list[R]:
        """Each worker's `finish` result, in the order of the parts; raises `WorkerError` if one failed."""
        return [worker.result() for _, _, worker in self._parts if worker is not None]

    def cancel(self) -> None:
        """Stop the workers still running (the main process failed)."""
        for _, _, worker in self._parts:
            if worker is not None:
                worker.cancel()


class _Progress:
    """How far a worker and the main process have got in the worker's part, in shared memory."""

    def __init__(self, words: ctypes.Array[ctypes.c_int64], first: int) -> None:
        self._words, self._first = words, first

    def work_down(self, start: int, end: int, step: Callable[[int], object]) -> int:
        """In a worker: `step` each position from `end - 1` down, until `start` or the main process's
        `taken`; returns the lowest position stepped (`end` if none)."""
        position = end
        while position > start and position - 1 >= self.taken:
            position -= 1
            self.low = position
            step(position)
        return position

    @property
    def low(self) -> int:
        """The lowest position the worker has taken on."""
        return int(self._words[self._first])

    @low.setter
    def low(self, position: int) -> None:
        self._words[self._first] = position

    @property
    def taken(self) -> int:
        """The first position the main process has not taken on."""
        return int(self._words[self._first + 1])

    @taken.setter
    def taken(self, position: int) -> None:
        self._words[self._first + 1] = position


@dataclass
class _Part(Generic[R]):
    """A worker's part of the items, which ends before position `end` in the list."""

    end: int
    progress: _Progress
    worker: Forked[tuple[int, list[R]]] | None
    """None once its results were taken."""


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
