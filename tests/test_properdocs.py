"""The briefgen plugin under ProperDocs, the maintained drop-in fork of MkDocs 1.x.

ProperDocs installs as its own package (`properdocs`) next to MkDocs and loads plugins from the
same `mkdocs.plugins` entry points. Its command line aliases every `mkdocs.*` import to
`properdocs.*` (`properdocs/replacement.py`), so it must run in a process of its own: imported
into this one, it would take over the MkDocs that the rest of the suite uses. Each build here is
therefore a subprocess, `python -m properdocs build --strict`, on a copy of the sample desk.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PERSON_PAGE = Path("people/s-jaishankar/index.html")
QUOTE = "We have expressed our grave concern"
GENERATOR = re.compile(r'<meta name="generator" content="[^"]*">')


def sample_desk(root: Path) -> Path:
    """The repository's sample desk (content, templates, mkdocs.yml) copied into `root`."""
    root.mkdir(parents=True)
    for name in ("content", "templates"):
        shutil.copytree(REPO / name, root / name)
    shutil.copy(REPO / "mkdocs.yml", root / "mkdocs.yml")
    return root


def build(program: str, desk: Path, site: Path) -> subprocess.CompletedProcess[str]:
    """`python -m <program> build --strict` on `desk`, in a process of its own."""
    assert importlib.util.find_spec(program), f"{program} is not installed; pip install -e '.[test]'"
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "DISABLE_MKDOCS_2_WARNING": "true"}
    return subprocess.run(
        [sys.executable, "-m", program, "build", "--strict", "--config-file", "mkdocs.yml", "--site-dir", str(site)],
        cwd=desk, env=env, capture_output=True, text=True, timeout=300, check=False,
    )


def output(result: subprocess.CompletedProcess[str]) -> str:
    return f"exit {result.returncode}\n--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The sample desk built once with ProperDocs and once with MkDocs, from the same copy."""
    desk = sample_desk(tmp_path_factory.mktemp("properdocs") / "desk")
    built = {}
    for program in ("properdocs", "mkdocs"):
        site = desk.parent / f"site-{program}"
        result = build(program, desk, site)
        assert result.returncode == 0, f"{program} build failed:\n{output(result)}"
        built[program] = site
    return built


def test_properdocs_finds_the_plugin_through_the_mkdocs_entry_point() -> None:
    probe = ("from properdocs.plugins import get_plugins; ep = get_plugins()['briefgen']; "
             "print(ep.group, ep.value)")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, output(result)
    assert result.stdout.split() == ["mkdocs.plugins", "briefgen.mkdocs_plugin:BriefgenPlugin"]


def test_properdocs_builds_the_sample_person_page(sites: dict[str, Path]) -> None:
    page = sites["properdocs"] / PERSON_PAGE
    assert page.is_file()
    html = page.read_text(encoding="utf-8")
    assert "S Jaishankar" in html
    assert QUOTE in html
    assert "ProperDocs" in GENERATOR.search(html)[0]  # built by ProperDocs, not by MkDocs


def test_properdocs_and_mkdocs_build_the_same_site(sites: dict[str, Path]) -> None:
    def tree(site: Path) -> dict[str, bytes]:
        files = {}
        for path in sorted(p for p in site.rglob("*") if p.is_file()):
            data = path.read_bytes()
            if path.suffix == ".html":  # the only difference: which program says it generated the page
                data = GENERATOR.sub("", data.decode("utf-8")).encode("utf-8")
            files[path.relative_to(site).as_posix()] = data
        return files

    properdocs, mkdocs = tree(sites["properdocs"]), tree(sites["mkdocs"])
    assert sorted(properdocs) == sorted(mkdocs)
    assert PERSON_PAGE.as_posix() in properdocs
    differing = [name for name in properdocs if properdocs[name] != mkdocs[name]]
    assert differing == []


def test_properdocs_stops_on_content_errors_with_briefgen_s_report(tmp_path: Path) -> None:
    desk = sample_desk(tmp_path / "desk")
    person = desk / "content" / "people" / "s-jaishankar.yml"
    person.write_text(person.read_text(encoding="utf-8") + "bogus: 1\n", encoding="utf-8")
    result = build("properdocs", desk, tmp_path / "site")
    assert result.returncode == 1, output(result)
    assert "content/people/s-jaishankar.yml:15:1: error[unknown-key]" in result.stderr, output(result)
    assert not (tmp_path / "site" / PERSON_PAGE).exists()
