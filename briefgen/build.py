"""Stage 6, build: run MkDocs into a fresh folder, then swap it with the published one.

A failed or interrupted build never touches the previous site: MkDocs writes
into a sibling staging folder, and only a finished build replaces `site/`,
in one atomic exchange where the OS allows it. One build of a folder runs at a
time (a lock file beside it), and a build removes only the folders beside the
site that bear the names it gives them (see `_sweep`), never a copy of a site.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import logging
import os
import re
import secrets
import shutil
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from .desk.pipeline import Result
from .desk.project import Project, project_at
from .speed.workers import default_jobs

if TYPE_CHECKING:
    from mkdocs.config.defaults import MkDocsConfig

try:
    import fcntl
except ImportError:  # Windows: no advisory locks, so two builds at once there are not kept apart
    fcntl = None  # type: ignore[assignment]

log = logging.getLogger("mkdocs.plugins.briefgen")

#: Written into every built site, so a later build knows the folder is its own to replace.
MARKER = ".briefgen-site"
#: Written into every staging folder, never left in a site: what marks a killed build's folder for removal.
STAGING_MARKER = ".briefgen-staging"
#: The names of the folders a build of `site` makes beside it: `.site.briefgen-staging-<16 hex digits>`
#: for the site being written, `.site.briefgen-trash-<16 hex digits>` for a folder being deleted.
_OWNED_NAME = re.compile(r"\.(?P<site>.+)\.briefgen-(?P<kind>staging|trash)-[0-9a-f]{16}", re.DOTALL)


class BuildRefused(Exception):
    """The build would write somewhere it must not."""


class InvalidConfiguration(Exception):
    """mkdocs.yml has errors; MkDocs has logged each of them."""


def load_mkdocs_config(config_file: Path, **overrides: object) -> MkDocsConfig:
    """Load mkdocs.yml (a trusted file) with command-line overrides."""
    # Imported here: MkDocs' configuration machinery is most of the start-up of a command that loads it,
    # and `briefgen check` usually does not (see `settings`).
    from mkdocs.config import load_config
    from mkdocs.exceptions import Abort

    try:
        return load_config(str(config_file), **overrides)  # type: ignore[arg-type]
    except Abort as exc:  # MkDocs' word for a configuration with errors: not a failed build
        raise InvalidConfiguration(f"{config_file}: {exc}") from exc


def project_of(config: MkDocsConfig) -> Project:
    """The briefgen folders named by a loaded MkDocs configuration."""
    plugin = config.plugins.get("briefgen")
    if plugin is None:
        raise BuildRefused(f"{config.config_file_path} does not enable the briefgen plugin (plugins: - briefgen)")
    root = Path(config.config_file_path).resolve().parent
    return project_at(root, plugin.config.content_dir, plugin.config.templates_dir)  # type: ignore[attr-defined]


def jobs_of(config: MkDocsConfig) -> int:
    """How many processes the briefgen plugin's `jobs` option allows (0: one per CPU, at most four).

    Called after `project_of`, which refuses a configuration without the plugin.
    """
    return config.plugins["briefgen"].config.jobs or default_jobs()  # type: ignore[attr-defined,no-any-return]


def check_site_dir(site_dir: Path, project: Project, *, force: bool = False) -> None:
    """Refuse output folders that would wipe sources or a folder the build did not make."""
    site = site_dir.resolve()
    if project.root.is_relative_to(site):
        raise BuildRefused(f"the site folder {site_dir} contains the project itself; choose a folder such as site/")
    for source in (project.content_dir.resolve(), project.templates_dir.resolve()):
        if site.is_relative_to(source):
            raise BuildRefused(f"the site folder {site_dir} lies inside the sources in {source}")
    if site.exists() and not force:
        if not site.is_dir():
            raise BuildRefused(f"{site_dir} exists and is not a folder")
        if any(site.iterdir()) and not (site / MARKER).exists():
            raise BuildRefused(f"{site_dir} is not empty and was not built by briefgen; "
                               "pass --force to replace it")


def build_site(config: MkDocsConfig, site_dir: Path | None = None, *, drafts: bool | None = None,
               force: bool = False, checked: Result | None = None) -> Path:
    """Build the site from a loaded configuration and swap it into place; returns the site folder.

    `checked` is the pipeline's result for the same content (`run(..., stamped=True)`), which the
    plugin then uses instead of running the pipeline again while no content file has changed.
    One build of a folder at a time: a second one waits for the first (see `_site_lock`).
    Raises `NoSpaceLeft` if the disk fills up; the previous site is then as it was.
    """
    project = project_of(config)
    final = (site_dir or Path(config.site_dir)).resolve()
    check_site_dir(final, project, force=force)  # before anything is written, the lock file included
    if drafts is not None:
        config.plugins["briefgen"].config.drafts = drafts  # type: ignore[attr-defined]
    from mkdocs.commands.build import build as mkdocs_build  # heavy, and `briefgen check` never needs it

    try:
        final.parent.mkdir(parents=True, exist_ok=True)
        with _site_lock(final):
            # Again: the build this one waited for may have replaced the folder meanwhile.
            check_site_dir(final, project, force=force)
            _sweep(final)
            with _staging(final) as staging:
                # As `mkdocs build` does. MkDocs keeps one instance of a plugin with these events per process,
                # so without them a build after a preview in the same process would inherit the preview's state.
                config.plugins.on_startup(command="build", dirty=False)
                if checked is not None:
                    config.plugins["briefgen"].use_result(checked)  # type: ignore[attr-defined]
                try:
                    config.site_dir = str(staging)
                    mkdocs_build(config)
                    _swap_into_place(staging, final)
                finally:
                    config.plugins.on_shutdown()
    except Exception as exc:
        full = disk_full_error(exc)
        if full is None:
            raise
        # A copy's (or a rename's) error names the source first and the file written second.
        written = full.filename2 if full.filename2 is not None else full.filename
        raise NoSpaceLeft(_written_path(written, final)) from exc
    return final


class NoSpaceLeft(Exception):
    """The disk (or the user's quota) filled up while a build wrote the site; the previous site is intact."""

    def __init__(self, path: str) -> None:
        super().__init__(f"no space left on device while writing {path}")
        self.path = path
        """The file being written, as it would be in the site folder; the site folder if not known."""


_DISK_FULL = tuple(code for code in (errno.ENOSPC, getattr(errno, "EDQUOT", None)) if code is not None)


def disk_full_error(exc: BaseException) -> OSError | None:
    """The disk-full error (ENOSPC or EDQUOT) that caused `exc`, if one did; None otherwise.

    MkDocs wraps a plugin's exceptions in its own (`PluginError`, then `Abort`), so the causes and
    contexts of `exc` are searched too. Errors that crossed a process boundary arrive as text (a
    forked worker's `WorkerError`, Pagefind's own message), recognised by the system's wording of
    the error; those name no file.
    """
    wordings = [os.strerror(code) for code in _DISK_FULL]
    seen: set[int] = set()
    found: BaseException | None = exc
    while found is not None and id(found) not in seen:
        seen.add(id(found))
        if isinstance(found, OSError) and found.errno in _DISK_FULL:
            return found
        if not isinstance(found, OSError) and any(wording in str(found) for wording in wordings):
            return OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        found = found.__cause__ or found.__context__
    return None


def _written_path(filename: object, final: Path) -> str:
    """Where a write failed, as the user knows it: the file's place in the site folder, not in the
    staging folder that was being written (and is gone now); the site folder if no file is named."""
    if not isinstance(filename, (str, bytes, os.PathLike)):
        return str(final)
    path = Path(os.fsdecode(filename))
    if path.is_relative_to(final.parent) and path != final.parent:
        first, *rest = path.relative_to(final.parent).parts
        if _owned_kind(first, final) is not None:
            return str(final.joinpath(*rest))
    return str(path)


def _owned_kind(name: str, final: Path) -> str | None:
    """"staging" or "trash" for a name this tool gives the folders beside `final`; None for any other."""
    match = _OWNED_NAME.fullmatch(name)
    if match is None or match["site"] != final.name:
        return None
    return match["kind"]


def _owned_path(final: Path, kind: str) -> Path:
    """A new name beside `final` for a folder of `kind` ("staging" or "trash")."""
    return final.with_name(f".{final.name}.briefgen-{kind}-{secrets.token_hex(8)}")


@contextlib.contextmanager
def _site_lock(final: Path) -> Iterator[None]:
    """Hold the lock of the site folder `final` while the block runs: one build of a folder at a time.

    Two builds at once could each take the other's folders for a killed build's leftovers, and
    install a site without its marker. The lock is a file beside `final` (the folder itself is
    swapped away), locked with a POSIX record lock: it is this process's alone, not its forked
    workers', and ends with the process however it ends. The file is removed at the end while
    still locked; a build that was waiting on it meanwhile then finds it gone and takes a new one.
    Not on Windows, which has no fcntl: builds there are not kept apart, as before.
    """
    if fcntl is None:
        yield
        return
    path = final.with_name(f".{final.name}.briefgen-lock")
    said = False
    while True:
        lock = open(path, "a+b")  # noqa: SIM115 - open while the build runs; an exclusive lock needs write access
        try:
            try:
                fcntl.lockf(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except (BlockingIOError, PermissionError):  # held by another build
                if not said:
                    log.info(f"briefgen: another build of {final} is running; waiting for it to finish")
                    said = True
                fcntl.lockf(lock, fcntl.LOCK_EX)
            with contextlib.suppress(FileNotFoundError):
                if os.path.samestat(os.fstat(lock.fileno()), os.stat(path)):
                    break  # (else the build that held it removed it: lock the file that is there now)
        except BaseException:
            lock.close()
            raise
        lock.close()
    try:
        yield
    finally:
        with contextlib.suppress(OSError):
            path.unlink()
        lock.close()


@contextlib.contextmanager
def _staging(final: Path) -> Iterator[Path]:
    """A new folder beside `final` for MkDocs to write the site into; removed afterwards unless it
    became the site.

    Marked before anything is written, so a killed build's leftovers are recognised whatever
    stage it reached (MkDocs' clean-up of its output folder spares dot-files), and the marker
    held locked while the build runs (see `_site_lock` for the kind of lock), so no other build
    takes it for a killed build's. Its marker says "staging": the published site's says "site",
    and the sweep of leftovers never removes a folder for that.
    """
    while True:
        staging = _owned_path(final, "staging")
        try:
            staging.mkdir()  # the permissions `mkdocs build` would give the site folder
            break
        except FileExistsError:
            continue
    marker = None
    try:
        marker = open(staging / STAGING_MARKER, "w", encoding="utf-8")  # noqa: SIM115 - locked until the end
        if fcntl is not None:
            fcntl.lockf(marker, fcntl.LOCK_EX)
        marker.write("A briefgen build writes here; a later build removes this folder once no build holds "
                     "this file locked.\n")
        marker.flush()
        if fcntl is None:
            marker.close()  # no lock to hold; and Windows renames no folder while a file in it is open
        yield staging
    finally:
        if marker is not None:
            with contextlib.suppress(OSError):  # (a full disk fails the write again as the file closes)
                marker.close()
        if os.path.lexists(staging):  # the build failed: its folder goes, the site stays as it was
            _discard(staging, final)  # (no other build sweeps meanwhile: this one holds the site's lock)


def _sweep(final: Path) -> None:
    """Remove what builds of `final` that were killed left beside it.

    Only folders with the names this tool gives them: trash, and staging folders no running
    build holds. Never anything else (a user's `.site-backup`, say), nor a file or a link with
    such a name; and the sweep never fails a build.
    """
    try:
        entries = list(os.scandir(final.parent))
    except OSError:
        return
    for entry in entries:
        kind = _owned_kind(entry.name, final)
        if kind is None:
            continue
        with contextlib.suppress(OSError):
            if not entry.is_dir(follow_symlinks=False):
                continue
            folder = Path(entry.path)
            if kind == "trash":
                _remove(folder)
            elif _abandoned(folder):
                _discard(folder, final)
            else:
                continue
            log.info(f"briefgen: removed {folder.name}, left by a build that was killed")


def _abandoned(folder: Path) -> bool:
    """Whether the staging folder `folder` is no running build's: empty (its build was killed before
    marking it), or marked and its marker not locked (see `_staging`)."""
    marker = folder / STAGING_MARKER
    try:
        if not stat.S_ISREG(os.lstat(marker).st_mode):
            return False
    except FileNotFoundError:
        return not any(folder.iterdir())
    try:
        with open(marker, "r+b") as handle:  # an exclusive lock needs write access
            if fcntl is not None:
                fcntl.lockf(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)  # released as the file closes
    except OSError:  # a build running now holds it
        return False
    return True


def _discard(path: Path, final: Path) -> None:
    """Delete `path`, renamed to a trash name first: a build killed while deleting it leaves a
    folder the next build recognises and removes, whatever was deleted of it already."""
    trash = _owned_path(final, "trash")
    try:
        path.rename(trash)
    except FileNotFoundError:
        return
    except OSError:
        trash = path  # cannot be renamed: deleted where it is
    _remove(trash)


def _remove(path: Path) -> None:
    """Delete a folder (or a file, or a link), as much of it as can be: what is left is trash, which
    the next build tries again."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(OSError):
            path.unlink()


def _swap_into_place(staging: Path, final: Path) -> None:
    """Put the finished build in `staging` in the place of `final`, atomically where the OS allows,
    and delete the previous site."""
    with open(staging / MARKER, "w", encoding="utf-8") as marker:
        marker.write("Built by briefgen; `briefgen build` replaces this folder.\n")
    # Renamed to a trash name before anything else: a build killed from here on leaves a folder
    # (the new site, or the previous one once swapped out) that the next build removes.
    ready = _owned_path(final, "trash")
    staging.rename(ready)
    try:
        # Before the swap: the published site never holds the staging marker, not even for a moment.
        (ready / STAGING_MARKER).unlink()
        if not os.path.lexists(final):
            ready.rename(final)
        elif not _exchange(ready, final):  # (if it swapped, `ready` now holds the previous site)
            # No atomic exchange on this OS: the site is missing between the two renames.
            previous = _owned_path(final, "trash")
            final.rename(previous)
            try:
                ready.rename(final)
            except BaseException:
                previous.rename(final)
                raise
            ready = previous
    finally:
        _remove(ready)  # the previous site; the new one if the swap failed; nothing if `final` was new


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths with Linux's renameat2; False where it is unavailable."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)  # the symbols already loaded, libc's among them
    except OSError:  # pragma: no cover - no dynamic loader (Windows)
        return False
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is None:
        return False
    result = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    return result == 0
