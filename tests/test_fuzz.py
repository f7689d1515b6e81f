"""Hostile and broken content never crashes `check` or `build`: every failure is a diagnostic with a file.

Hypothesis generates content trees from random YAML, wrong types, huge strings and unicode edge cases
(RTL marks, combining characters, NUL, lone surrogates replaced by the encoder). Example counts:
`CHECK_EXAMPLES` trees through `check`, `BUILD_EXAMPLES` through a real MkDocs build.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import yaml
from conftest import article, date_back, make_desk, person
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from briefgen.cli import main
from briefgen.desk.check import check
from briefgen.desk.diagnostics import Severity
from briefgen.desk.project import Project, project_at
from briefgen.speed.parallel_check import diagnose

CHECK_EXAMPLES = 300
BUILD_EXAMPLES = 25

EDGE_CHARS = ["\u200f", "\u202e", "\u0301", "\x00", "\ufeff", "\u2028", "🦜", "ß", "İ", "\t", "\r", ":", "-", "#",
              "&", "*", "!", "|", ">", "'", '"', "%", "@", "`", "{", "}", "[", "]", "<script>", "javascript:", "---"]
text = st.lists(st.one_of(st.characters(codec="utf-8"), st.sampled_from(EDGE_CHARS)), max_size=30).map("".join)
huge = st.integers(min_value=1, max_value=3).map(lambda n: "x" * (10 ** (n + 3)))
scalars = st.one_of(text, huge, st.integers(), st.floats(allow_nan=True), st.booleans(), st.none(), st.dates())
FIELDS = ["name", "aliases", "title", "date", "start", "end", "people", "events", "quotes", "source", "summary",
          "key_points", "roles", "parent", "participants", "country", "links", "wikidata", "status", "ongoing", "by"]
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.one_of(st.sampled_from(FIELDS), text), inner, max_size=4)),
    max_leaves=12)
documents = st.one_of(
    st.dictionaries(st.sampled_from(FIELDS), values, max_size=8).map(lambda d: yaml.safe_dump(d, allow_unicode=True)),
    text,  # not YAML at all, or YAML of the wrong shape
    st.binary(max_size=80),  # not even UTF-8
)
SLOTS = ["content/people/p.yml", "content/events/e.yml", "content/places/p.yml", "content/topics/t.yml",
         "content/orgs/o.yml", "content/articles/2024/07/a.md", "content/people/Bad Name.yml"]
trees = st.dictionaries(st.sampled_from(SLOTS), documents, min_size=1, max_size=4)


def _front_matter(rel: str, doc: str | bytes) -> str | bytes:
    if rel.endswith(".md") and isinstance(doc, str):
        return f"---\n{doc}\n---\nBody with <script>alert(1)</script> and Ada Lovelace.\n"
    return doc


def _desk(root: Path, tree: dict[str, str | bytes]):
    desk = make_desk(root, {**person(), **article()})
    for rel, doc in tree.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        data = _front_matter(rel, doc)
        path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8", "surrogatepass"))
    return desk


@settings(max_examples=CHECK_EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(trees)
def test_check_reports_instead_of_crashing(tree: dict[str, str | bytes]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        desk = _desk(Path(tmp), tree)
        diagnostics = check(desk_project(desk.root)).diagnostics
        for d in diagnostics:
            assert (desk.root / d.path).exists(), d
            assert d.severity in (Severity.ERROR, Severity.WARNING)
        # `briefgen check` groups the same checks differently, to spread them over processes.
        assert diagnose(desk_project(desk.root), jobs=2) == diagnostics
        # And with its cache: files dated back (those saved just now are never kept), a run that
        # keeps what it finds, then one that reuses it.
        date_back(desk.root / "content")
        cache = Path(tmp) / "cache"
        assert diagnose(desk_project(desk.root), 1, cache) == diagnostics
        assert diagnose(desk_project(desk.root), 1, cache) == diagnostics


@settings(max_examples=BUILD_EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(trees)
def test_build_fails_cleanly_or_succeeds(tree: dict[str, str | bytes]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        desk = _desk(Path(tmp), tree)
        status = main(["build", "-q", "-f", str(desk.config), "--site-dir", str(desk.root / "site")])
        assert status in (0, 1)
        if status == 0:
            assert (desk.root / "site/index.html").is_file()


def desk_project(root: Path) -> Project:
    return project_at(root, "content", "templates")
