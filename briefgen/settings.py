"""The project a command works on, read from mkdocs.yml without loading MkDocs where that is safe.

`briefgen check` and `briefgen new` need three of the briefgen plugin's options: the content and
templates folders, and the number of processes. Loading mkdocs.yml the MkDocs way imports its
configuration machinery, the theme and every plugin with their dependencies; that was half
of `briefgen check`'s start-up. So when mkdocs.yml states the plugin's options plainly, they are
read here; anything else (`INHERIT`, `!ENV` or another tag in the plugin's entry, an unknown or
mistyped option, no briefgen plugin, a file that does not parse) goes to MkDocs, which explains
the problem. The rest of the configuration (theme, navigation, other plugins) is left to the
build to check, as it concerns the site rather than the content.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from .build import jobs_of, load_mkdocs_config, project_of
from .desk.project import Project, project_at
from .speed.workers import default_jobs

PLUGIN = "briefgen"

#: The whole numbers the plugin's options take (inclusive): outside these a page would be empty or
#: endless, or `jobs` would fork thousands of processes. `options.BriefgenConfig` holds the same rule.
RANGES: dict[str, tuple[int, int]] = {"page_size": (1, 1000), "home_articles": (0, 1000), "jobs": (0, 64)}


def in_range(name: str, value: object) -> bool:
    """Whether `value` is a whole number (not a boolean) that option `name` takes."""
    low, high = RANGES[name]
    return type(value) is int and low <= value <= high

def sections_problem(value: object) -> str | None:
    """What is wrong with a `briefing_sections` value as mkdocs.yml gives it; None if nothing.

    The option is a list of sections, each a mapping with a `title` (text) and `topics` (a list of topic
    slugs). Whether each slug names a topic of the desk is for the build to say: it has the content.
    """
    shape = "a list of sections, each with a `title` and a list of `topics`"
    if value is None:  # `briefing_sections:` with nothing under it: no sections
        return None
    if not isinstance(value, list):
        return f"Expected {shape}, but received: {value!r}"
    for n, section in enumerate(value, start=1):
        if not isinstance(section, dict):
            return f"Expected {shape}; section {n} is not a mapping: {section!r}"
        unknown = sorted(str(key) for key in section if key not in ("title", "topics"))
        if unknown:
            return f"Section {n} has the unknown key {unknown[0]!r}; a section has a `title` and `topics`"
        title = section.get("title")
        if type(title) is not str or not title.strip():
            return f"Section {n} needs a `title` (text), but has: {title!r}"
        topics = section.get("topics")
        if not isinstance(topics, list) or not all(type(slug) is str for slug in topics):
            return f"Section {n} ({title!r}) needs `topics`, a list of topic slugs, but has: {topics!r}"
    return None


#: Each option of the plugin (`mkdocs_plugin.BriefgenConfig`, which a test keeps in step with this) and
#: the values MkDocs would accept as written, without conversion; a value outside these goes to MkDocs.
PLAIN_OPTIONS: dict[str, Callable[[Any], bool]] = {
    "content_dir": lambda value: type(value) is str,
    "templates_dir": lambda value: type(value) is str,
    "drafts": lambda value: value is None or type(value) is bool,
    "page_size": lambda value: in_range("page_size", value),
    "home_articles": lambda value: in_range("home_articles", value),
    "search_engine": lambda value: value in ("pagefind", "material"),
    "jobs": lambda value: in_range("jobs", value),
    "briefing_sections": lambda value: sections_problem(value) is None,
}
#: The defaults of the options read here; the same test compares them with the plugin's.
DEFAULTS: dict[str, Any] = {"content_dir": "content", "templates_dir": "templates", "jobs": 0}


class _Opaque:
    """A value under a tag only MkDocs resolves (`!ENV`, `!relative`, `!!python/name`)."""


class _PlainLoader(yaml.SafeLoader):
    """Safe YAML that reads every non-standard tag as `_Opaque` instead of refusing the file."""


_PlainLoader.add_multi_constructor("", lambda loader, suffix, node: _Opaque())


def project_settings(config_file: Path) -> tuple[Project, int]:
    """The project configured in `config_file`, and how many processes may check it.

    Raises what `build.load_mkdocs_config` and `build.project_of` raise for a configuration that is
    wrong, and `UnsafeProjectPath` for folders outside the project.
    """
    options = plain_options(config_file)
    if options is None:
        config = load_mkdocs_config(config_file)
        return project_of(config), jobs_of(config)
    root = config_file.resolve().parent
    project = project_at(root, options["content_dir"], options["templates_dir"])
    return project, options["jobs"] or default_jobs()


def plain_options(config_file: Path) -> dict[str, Any] | None:
    """The briefgen plugin's options with their defaults, if `config_file` states them plainly; else None."""
    try:
        with open(config_file, encoding="utf-8") as handle:
            config = yaml.load(handle, Loader=_PlainLoader)
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return None
    if not isinstance(config, dict) or "INHERIT" in config:
        return None
    entries = _plugin_entries(config.get("plugins"))
    if entries is None or len(entries) != 1:
        return None
    given = entries[0]
    if given is None:
        given = {}
    if not isinstance(given, dict):
        return None
    for name, value in given.items():
        accepts = PLAIN_OPTIONS.get(name)
        if accepts is None or not accepts(value):
            return None
    return {**DEFAULTS, **given}


def _plugin_entries(plugins: object) -> list[object] | None:
    """The options given to each briefgen entry in a `plugins` value; None if its form is not plain."""
    if isinstance(plugins, dict):
        return [options for name, options in plugins.items() if name == PLUGIN]
    if not isinstance(plugins, list):
        return None
    entries: list[object] = []
    for item in plugins:
        if item == PLUGIN:
            entries.append(None)
        elif isinstance(item, dict) and len(item) == 1:
            entries += [options for name, options in item.items() if name == PLUGIN]
        elif not isinstance(item, str):
            return None
    return entries
