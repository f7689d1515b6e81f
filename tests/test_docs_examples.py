"""Every `briefgen` command the documents show in a shell block runs as written on the sample desk."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO, copy_of_sample

DOCUMENTS = ["README.md", "CONTRIBUTING.md", "content/README.md", *sorted(
    p.relative_to(REPO).as_posix() for p in (REPO / "docs").glob("*.md"))]
#: Commands that run until stopped: the preview has tests of its own (test_preview_and_browser.py).
LONG_RUNNING = ("serve",)


def shell_commands(document: str) -> list[list[str]]:
    """The `briefgen` commands of the document's ```sh blocks, in order, as argument lists."""
    text = (REPO / document).read_text(encoding="utf-8")
    commands = []
    for block in re.findall(r"^```(?:sh|shell|console|bash)\n(.*?)^```", text, flags=re.M | re.S):
        for line in block.splitlines():
            words = shlex.split(line.removeprefix("$ "), comments=True)
            if words[:1] == ["briefgen"] and words[1] not in LONG_RUNNING:
                commands.append(words)
    return commands


def test_the_documents_show_briefgen_commands() -> None:
    assert len([c for d in DOCUMENTS for c in shell_commands(d)]) >= 4, "the test would check nothing"


@pytest.mark.parametrize("document", [d for d in DOCUMENTS if shell_commands(d)])
def test_each_command_of_a_document_runs_as_written(document: str, tmp_path: Path) -> None:
    desk = copy_of_sample(tmp_path / "desk")
    for words in shell_commands(document):
        done = subprocess.run([sys.executable, "-m", "briefgen", *words[1:]], cwd=desk.root, capture_output=True,
                              text=True, timeout=300)
        shown = " ".join(words)
        assert "Traceback" not in done.stderr, f"{document}: `{shown}`\n{done.stderr}"
        # 0, or 1 for content problems (`check --strict` on a desk with a new, unused entry); never 2,
        # which would mean the document shows a command or an option that does not exist.
        assert done.returncode in (0, 1), f"{document}: `{shown}` exited {done.returncode}\n{done.stderr}"
