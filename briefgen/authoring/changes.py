"""`briefgen check --changed-since REF`: only the problems a change is responsible for.

On a large desk a pull request should see its own errors, not the backlog: problems in the files it
changed, plus problems elsewhere that name a slug it changed or removed (a deleted person still
referenced by an old article).
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

from ..desk.diagnostics import Diagnostic
from ..desk.schema import FOLDERS


class GitError(RuntimeError):
    """git is missing, the folder is not a repository, or the ref is unknown."""


def _git(root: Path, *args: str) -> str:
    try:
        done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=False)
    except FileNotFoundError as exc:
        raise GitError("git is not installed") from exc
    if done.returncode != 0:
        raise GitError(done.stderr.strip() or f"git {' '.join(args)} failed")
    return done.stdout


def changed_files(root: Path, ref: str) -> set[str]:
    """Paths (relative to `root`) changed since `ref`, including deleted and new untracked files."""
    top = Path(_git(root, "rev-parse", "--show-toplevel").strip()).resolve()
    _git(root, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    names = _git(root, "diff", "--name-only", "--no-renames", ref, "--").splitlines()
    names += _git(root, "ls-files", "--others", "--exclude-standard", "--full-name").splitlines()
    prefix = root.resolve().relative_to(top).as_posix() if root.resolve() != top else ""
    result = set()
    for name in names:
        if not prefix:
            result.add(name)
        elif name.startswith(prefix + "/"):
            result.add(name[len(prefix) + 1 :])
    return result


def changed_slugs(paths: Iterable[str], content: str = "content") -> set[str]:
    """Slugs of content files among `paths` (the slug is the file stem); `content` is the content folder."""
    folders = {f"{content}/{folder}" for folder in FOLDERS.values()}
    slugs = set()
    for path in paths:
        pure = PurePosixPath(path)
        if any(str(pure).startswith(folder + "/") for folder in folders):
            slugs.add(pure.stem)
    return slugs


def relevant(diagnostics: Iterable[Diagnostic], paths: set[str], content: str = "content") -> list[Diagnostic]:
    """Diagnostics in `paths`, or naming a slug of a changed file."""
    slugs = changed_slugs(paths, content)
    return [d for d in diagnostics if d.path in paths or any(f"`{slug}`" in d.message for slug in slugs)]
