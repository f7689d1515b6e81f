"""The layers of the package, and the extension points that must fail loudly (docs/architecture.md)."""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

import pytest

import briefgen
from briefgen.desk.load import SourceDoc
from briefgen.desk.model import ENTITY_CLASSES, entity_from
from briefgen.desk.pipeline import run
from briefgen.desk.project import project_at
from briefgen.desk.schema import ENTITY_KINDS, KINDS, LISTED_KINDS, UnknownKind, kind_of
from briefgen.desk.validate import ValidDoc
from briefgen.pages.render import Listing, PageSpec, RenderOptions, SiteRenderer, default_templates_dir
from briefgen.preview.rules import Snapshot, pages_to_rebuild
from briefgen.speed import checkcache

PACKAGE = Path(briefgen.__file__).resolve().parent
REPO = PACKAGE.parent

#: Layer → the briefgen layers its modules may import (besides their own). Adapters may import anything.
ALLOWED = {
    "desk": set(),
    "pages": {"desk"},
    "authoring": {"desk"},
    "speed": {"desk"},
    "preview": {"desk", "pages"},
}
#: The only modules that may import MkDocs (or ProperDocs): the adapters and the preview server.
MKDOCS_IMPORTERS = {"briefgen.mkdocs_plugin", "briefgen.options", "briefgen.sitebuild", "briefgen.build",
                    "briefgen.cli", "briefgen.preview.server"}


def _modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def _imports(name: str, path: Path) -> set[str]:
    """Every module `name` imports, anywhere in it (functions and `TYPE_CHECKING` blocks too)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            found.add(module)
            # `from . import urls` imports the module `urls` of the package.
            found.update(f"{module}.{alias.name}" for alias in node.names if f"{module}.{alias.name}" in MODULES)
    return found


MODULES = _modules()
IMPORTS = {name: _imports(name, path) for name, path in MODULES.items()}


LAYERS = set(ALLOWED)


def _layer(module: str) -> str | None:
    """The layer a module of briefgen belongs to; None for the adapters and the package itself."""
    parts = module.split(".")
    return parts[1] if len(parts) >= 2 and parts[0] == "briefgen" and parts[1] in LAYERS else None


def test_each_layer_imports_only_the_layers_below_it() -> None:
    wrong = []
    for name, imported in IMPORTS.items():
        layer = _layer(name)
        if layer is None:
            continue  # an adapter, or the package itself
        for module in imported:
            if module.startswith("briefgen") and module != "briefgen":
                target = _layer(module)
                if target != layer and target not in ALLOWED[layer]:
                    wrong.append(f"{name} imports {module}")
    assert wrong == []


def test_only_the_adapters_and_the_preview_server_import_mkdocs() -> None:
    wrong = [f"{name} imports {module}" for name, imported in IMPORTS.items() for module in imported
             if module.split(".")[0] in ("mkdocs", "properdocs") and name not in MKDOCS_IMPORTERS]
    assert wrong == []
    assert IMPORTS["briefgen.sitebuild"] & {"mkdocs.structure.files"}, "the rule is checked against real imports"


def test_the_domain_uses_no_template_engine_and_no_processes() -> None:
    forbidden = {"jinja2", "multiprocessing", "watchdog"}
    wrong = [f"{name} imports {module}" for name, imported in IMPORTS.items() if _layer(name) == "desk"
             for module in imported if module.split(".")[0] in forbidden]
    assert wrong == []


def test_no_module_imports_itself_through_others() -> None:
    graph = {name: {m for m in imported if m in MODULES and m != name} for name, imported in IMPORTS.items()}
    # A package's __init__ is imported with each of its modules, and imports none of them here.
    assert all(not deps for name, deps in graph.items() if MODULES[name].name == "__init__.py")
    cycles = []
    for start in sorted(graph):
        stack = [(start, [start])]
        seen: set[str] = set()
        while stack:
            node, trail = stack.pop()
            for nxt in sorted(graph[node]):
                if nxt == start:
                    cycles.append(" → ".join([*trail, start]))
                elif nxt not in seen:
                    seen.add(nxt)
                    stack.append((nxt, [*trail, nxt]))
    assert cycles == []


def test_the_layer_test_sees_a_forbidden_import(tmp_path: Path) -> None:
    bad = tmp_path / "briefgen" / "desk" / "bad.py"
    bad.parent.mkdir(parents=True)
    bad.write_text("from ..preview.filecache import FileCache\nfrom mkdocs.config import base\n")
    assert _imports("briefgen.desk.bad", bad) >= {"briefgen.preview.filecache", "mkdocs.config"}


# --- extension points ------------------------------------------------------------------------------


def test_every_kind_has_one_row_and_every_entity_kind_a_model_class() -> None:
    assert list(KINDS) == ["article", *ENTITY_KINDS, "briefing"]
    assert set(ENTITY_CLASSES) == set(ENTITY_KINDS)
    for kind in ENTITY_KINDS:
        assert ENTITY_CLASSES[kind].kind == kind
        assert KINDS[kind].article_field and KINDS[kind].article_field in KINDS["article"].schema.by_name
    assert tuple(kind for kind in ENTITY_KINDS if kind != "source") == LISTED_KINDS


def test_an_unknown_kind_raises_instead_of_becoming_a_topic() -> None:
    doc = ValidDoc(SourceDoc("podcast", "a-show", "content/podcasts/a-show.yml"), {"name": "A Show"})
    with pytest.raises(UnknownKind, match="podcast"):
        entity_from(doc)
    with pytest.raises(UnknownKind, match="the kinds are article, person"):
        kind_of("podcast")


def test_a_page_of_a_type_the_preview_has_no_rule_for_is_always_rendered_again() -> None:
    index = run(project_at(REPO, "content", "templates")).index
    assert index is not None
    renderer = SiteRenderer(index, [default_templates_dir()], RenderOptions())
    specs = {spec.src_uri: spec for spec in renderer.pages()}
    new_type = PageSpec("atlas/index.md", "Atlas", "home.html", "Every place on a map.", None, lambda r: {})
    specs[new_type.src_uri] = new_type
    last = Snapshot(index, dict(specs), None, {uri: frozenset() for uri in specs})
    assert {spec.listing for spec in specs.values() if spec.listing} == set(Listing), "every listing is on the site"
    # Nothing changed: the pages the rules know stay as they are; the one they do not is rendered again.
    assert pages_to_rebuild(last, index, specs) == {new_type.src_uri}


def test_the_check_cache_key_covers_every_module_of_the_package(tmp_path: Path) -> None:
    names = {name for name, _ in checkcache.package_sources()}
    assert names == {path.relative_to(PACKAGE).as_posix() for path in MODULES.values()}
    assert {"desk/validate.py", "pages/render.py", "preview/server.py", "cli.py"} <= names
    copy = tmp_path / "briefgen"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__", "templates"))
    before = checkcache._code_key(copy)
    assert checkcache._code_key(copy) == before
    module = copy / "desk" / "schema.py"  # in a subpackage: a key over the top folder alone would miss it
    module.write_text(module.read_text(encoding="utf-8") + "\n# changed\n", encoding="utf-8")
    assert checkcache._code_key(copy) != before
