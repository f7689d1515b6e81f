"""Where a desk's files are: the project folder, its content and its templates."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Project:
    """Where a desk's files are."""

    root: Path
    """Folder of mkdocs.yml; paths in diagnostics are relative to it."""
    content_dir: Path
    templates_dir: Path


class UnsafeProjectPath(ValueError):
    """A configured folder lies outside the project: the build must not read from there."""


def project_at(root: Path, content_dir: str, templates_dir: str) -> Project:
    """The project rooted at `root`, refusing folders (`../x`, absolute paths, links) that leave it."""
    root = root.resolve()
    for option, value in (("content_dir", content_dir), ("templates_dir", templates_dir)):
        if not (root / value).resolve().is_relative_to(root):
            raise UnsafeProjectPath(f"`{option}: {value}` points outside the project folder {root}")
    return Project(root, root / content_dir, root / templates_dir)


Stamp = tuple[tuple[str, int, int], ...]
"""Name, size and modification time of each file of a tree (`files_stamp`)."""


def files_stamp(*paths: os.PathLike[str] | str) -> Stamp:
    """Name, size and modification time of each file at or below `paths`: cheap, and changes with any edit."""
    entries = []
    for top in paths:
        if os.path.isfile(top):
            st = os.lstat(top)
            entries.append((os.fspath(top), st.st_size, st.st_mtime_ns))
            continue
        for dirpath, dirnames, filenames in os.walk(top):
            dirnames.sort()
            for name in sorted(filenames):
                path = os.path.join(dirpath, name)
                try:
                    st = os.lstat(path)
                except OSError:
                    continue
                entries.append((path, st.st_size, st.st_mtime_ns))
    return tuple(entries)
