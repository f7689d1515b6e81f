"""Stage 6, build: run MkDocs into a fresh folder, then swap it with the published one.

A failed or interrupted build never touches the previous site: MkDocs writes
into a sibling temporary folder, and only a finished build replaces `site/`,
in one atomic exchange where the OS allows it.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import shutil
import tempfile
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

#: Written into every built site, so a later build knows the folder is its own to replace.
MARKER = ".briefgen-site"


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
    """
    project = project_of(config)
    final = (site_dir or Path(config.site_dir)).resolve()
    check_site_dir(final, project, force=force)
    if drafts is not None:
        config.plugins["briefgen"].config.drafts = drafts  # type: ignore[attr-defined]
    from mkdocs.commands.build import build as mkdocs_build  # heavy, and `briefgen check` never needs it

    final.parent.mkdir(parents=True, exist_ok=True)
    for stale in final.parent.glob(f".{final.name}-*"):
        if not any(stale.iterdir()) or _abandoned(stale):
            shutil.rmtree(stale, ignore_errors=True)  # left by a build that was killed
    staging = Path(tempfile.mkdtemp(prefix=f".{final.name}-", dir=final.parent))
    with _marked(staging):
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
            shutil.rmtree(staging, ignore_errors=True)
    return final


@contextlib.contextmanager
def _marked(staging: Path) -> Iterator[None]:
    """Mark `staging` as a briefgen build's, and hold the marker locked while the build runs.

    Marked before anything is written, so a killed build's leftovers are recognised whatever
    stage it reached (MkDocs' clean-up of its output folder spares dot-files). Locked, so a
    second build started meanwhile does not take the folder for a killed build's and delete it.
    A POSIX record lock, not `flock`: it belongs to this process alone, not to the workers it
    forks, so it ends the moment the build's own process does, however it ends.
    """
    with open(staging / MARKER, "w", encoding="utf-8") as marker:
        if fcntl is not None:
            fcntl.lockf(marker, fcntl.LOCK_EX)
        marker.write("Built by briefgen; `briefgen build` replaces this folder.\n")
        marker.flush()
        yield


def _abandoned(folder: Path) -> bool:
    """Whether `folder` is briefgen's and no running build holds it (see `_marked`)."""
    try:
        with open(folder / MARKER, "r+b") as marker:  # an exclusive lock needs write access
            if fcntl is not None:
                fcntl.lockf(marker, fcntl.LOCK_EX | fcntl.LOCK_NB)  # released as the file closes
    except OSError:  # no marker: not briefgen's to delete; or a build running now holds it
        return False
    return True


def _swap_into_place(staging: Path, final: Path) -> None:
    if not final.exists():
        staging.rename(final)
        return
    if _exchange(staging, final):
        return  # `staging` now holds the old site, which the caller removes.
    # No atomic exchange on this OS: keep a backup until the new site is in place.
    backup = final.with_name(f".{final.name}-old-{os.getpid()}")
    final.rename(backup)
    staging.rename(final)
    shutil.rmtree(backup, ignore_errors=True)


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
