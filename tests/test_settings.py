"""How `check` and `new` find the project: mkdocs.yml read directly when plain, by MkDocs otherwise."""

from __future__ import annotations

import subprocess
import sys

import pytest
from conftest import article, person

from briefgen.mkdocs_plugin import BriefgenConfig
from briefgen.settings import DEFAULTS, PLAIN_OPTIONS, plain_options

GOOD = {**person(), **article()}
HEAD = "site_name: Test desk\ndocs_dir: content\ntheme:\n  name: material\n"
#: An article in `notes/` that is wrong in a way `check` reports with its path.
NOTES_ARTICLE = "notes/articles/2024/07/a-story.md"


def _notes_desk(desk_factory, config: str):
    """A desk whose content is in `notes/`, with one bad date there, configured by `config`."""
    desk = desk_factory(GOOD)
    (desk.root / "content").rename(desk.root / "notes")
    text = (desk.root / NOTES_ARTICLE).read_text(encoding="utf-8")
    (desk.root / NOTES_ARTICLE).write_text(text.replace("date: 2024-07-03", "date: 2024-07-3"), encoding="utf-8")
    (desk.root / "content").mkdir()  # MkDocs' docs_dir must exist when MkDocs reads the configuration
    desk.write("mkdocs.yml", HEAD + config)
    return desk


@pytest.mark.parametrize(("config", "plain"), [
    pytest.param("plugins:\n  - briefgen:\n      content_dir: notes\n", True, id="list"),
    pytest.param("plugins:\n  search: {}\n  briefgen:\n    content_dir: notes\n", True, id="mapping"),
    pytest.param("plugins:\n  - briefgen:\n      content_dir: !ENV [DESK_CONTENT, content]\n", False, id="env"),
    # The parent's options are merged into the child's, so the child's alone would name the wrong folder.
    pytest.param("INHERIT: base.yml\nplugins:\n  briefgen: {}\n", False, id="inherit"),
])
def test_check_reads_the_content_folder_the_configuration_names(desk_factory, monkeypatch, capsys,
                                                                config: str, plain: bool) -> None:
    desk = _notes_desk(desk_factory, config)
    desk.write("base.yml", "plugins:\n  briefgen:\n    content_dir: notes\n")
    monkeypatch.setenv("DESK_CONTENT", "notes")
    assert (plain_options(desk.config) is not None) is plain
    assert desk.cli("check") == 1
    assert f"{NOTES_ARTICLE}:3:7: error[bad-date]: `date` is not a valid date: `2024-07-3`" in capsys.readouterr().out


@pytest.mark.parametrize(("config", "message"), [
    pytest.param("plugins:\n  - search\n", "does not enable the briefgen plugin", id="no-plugin"),
    pytest.param("plugins:\n  - briefgen:\n      jobs: two\n", "configuration error", id="mistyped"),
    pytest.param("plugins:\n  - briefgen:\n      content_dir: ../elsewhere\n",
                 "`content_dir: ../elsewhere` points outside the project folder", id="outside"),
    pytest.param("plugins: [briefgen\n", "error parsing the configuration file", id="unparsable"),
])
def test_a_configuration_check_cannot_use_is_a_usage_error(desk_factory, capsys, config: str, message: str) -> None:
    desk = _notes_desk(desk_factory, config)
    assert desk.cli("check") == 2
    err = capsys.readouterr().err
    assert "briefgen: error: " in err and message in err


def test_check_runs_without_loading_mkdocs_when_the_configuration_is_plain(desk_factory) -> None:
    # MkDocs' configuration machinery, theme and plugins were two thirds of `check`'s start-up.
    desk = desk_factory(GOOD)
    script = ("import sys; from briefgen.cli import main; status = main(['check', '-q', '-f', sys.argv[1]]); "
              "print(status, sorted(m for m in sys.modules if m.split('.')[0] in ('mkdocs', 'markdown', 'jinja2')))")
    done = subprocess.run([sys.executable, "-c", script, str(desk.config)], capture_output=True, text=True, check=True)
    assert done.stdout.split("\n")[-2] == "0 []"


def test_the_plain_options_are_the_plugins_options() -> None:
    # What `settings` accepts without MkDocs must stay in step with the plugin's own options.
    schema = dict(BriefgenConfig._schema)
    assert set(PLAIN_OPTIONS) == set(schema)
    assert {name: schema[name].default for name in DEFAULTS} == DEFAULTS
    for name, accepts in PLAIN_OPTIONS.items():
        assert accepts(schema[name].default), name
