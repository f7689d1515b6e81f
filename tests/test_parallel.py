"""Builds spread over processes: the same site as one process, and failures that reach the user."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import tree_digest

from briefgen.authoring.demo import write_demo_desk
from briefgen.cli import main
from briefgen.desk.check import check
from briefgen.desk.diagnostics import format_report
from briefgen.desk.load import content_files, load_files
from briefgen.desk.project import project_at
from briefgen.desk.validate import Registry, check_registry, references_in, validate_files
from briefgen.speed import parallel_check
from briefgen.speed.parallel_check import diagnose
from briefgen.speed.workers import Forked, FromBothEnds, Later, Prerendered, WorkerError, can_fork

pytestmark = pytest.mark.skipif(not can_fork(), reason="workers are forked on Linux only")


def _demo(root: Path, jobs: int) -> Path:
    write_demo_desk(root, 40)
    config = root / "mkdocs.yml"
    config.write_text(config.read_text().replace("  - briefgen:\n", f"  - briefgen:\n      jobs: {jobs}\n"))
    return config


def test_one_process_and_three_build_the_same_site(tmp_path: Path) -> None:
    sites = {}
    for jobs in (1, 3):
        config = _demo(tmp_path / f"desk-{jobs}", jobs)
        assert main(["build", "-q", "-f", str(config)]) == 0
        sites[jobs] = tree_digest(config.parent / "site")
    assert sites[1].keys() == sites[3].keys()
    assert [name for name in sites[1] if sites[1][name] != sites[3][name]] == []
    assert any(name.startswith("pagefind/") for name in sites[1]), "the search index is part of the comparison"


def test_a_template_error_in_a_worker_fails_the_build(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = _demo(tmp_path / "desk", 2)
    (config.parent / "templates").mkdir()
    # Topic pages come last, so a worker renders them.
    (config.parent / "templates/topic.html").write_text("{{ no_such_value }}\n")
    assert main(["build", "-q", "-f", str(config)]) == 1
    assert re.search(r"template \S*templates/topic.html:1: 'no_such_value' is undefined", capsys.readouterr().err)
    assert not (config.parent / "site").exists()


def test_a_worker_returns_its_result_or_its_error() -> None:
    assert Forked(lambda: {"pages": 3}).result() == {"pages": 3}
    with pytest.raises(WorkerError, match="no such page"):
        Forked(lambda: (_ for _ in ()).throw(KeyError("no such page"))).result()


def test_a_cancelled_worker_is_stopped_and_reaped() -> None:
    worker = Forked(lambda: time.sleep(60))
    started = time.monotonic()
    worker.cancel()
    assert time.monotonic() - started < 5
    with pytest.raises(ChildProcessError):
        os.waitpid(worker.pid, os.WNOHANG)  # reaped: not even a zombie is left


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"  # a zombie has ended; only its parent (init here) has not reaped it yet


def test_a_worker_ends_when_its_parent_is_killed() -> None:
    """SIGKILL gives the parent no chance to cancel its workers; they must not go on alone."""
    script = ("import sys, time; from briefgen.speed.workers import Forked; "
              "worker = Forked(lambda: time.sleep(60)); print(worker.pid, flush=True); time.sleep(60)")
    parent = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert parent.stdout is not None
    worker = int(parent.stdout.readline())
    assert _running(worker)
    parent.kill()
    parent.wait()
    deadline = time.monotonic() + 5
    while _running(worker) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _running(worker)


def _timed_render(main_seconds: float, worker_seconds: float,
                  log: Path | None = None) -> Callable[[str], tuple[str, int]]:
    """A render function taking `main_seconds` per item in this process and `worker_seconds` in a worker
    (which lists what it rendered in `log`)."""
    main_pid = os.getpid()

    def render(item: str) -> tuple[str, int]:
        in_main = os.getpid() == main_pid
        if log is not None and not in_main:
            with log.open("a") as rendered:
                rendered.write(item + "\n")
        time.sleep(main_seconds if in_main else worker_seconds)
        return item.upper(), os.getpid()
    return render


@pytest.mark.parametrize("order", ["forward", "backward"])
def test_prerendered_items_come_back_in_any_order(order: str) -> None:
    items = [f"page-{i}" for i in range(10)]
    # The main process is slow: by the time it is done with its part, the workers are done with theirs.
    rendered = Prerendered(items, str, _timed_render(0.1, 0), jobs=3)
    asked = items if order == "forward" else items[::-1]
    results = {item: rendered.get(item) for item in asked}
    assert {item: text for item, (text, _) in results.items()} == {i: i.upper() for i in items}
    assert len({pid for _, pid in results.values()}) == 3, "three processes shared the work"


def test_the_main_process_renders_what_a_slow_worker_has_not_reached(tmp_path: Path) -> None:
    items = [f"page-{i}" for i in range(10)]
    # The worker starts on the last item and takes long over it; the main process asks for items in order.
    by_worker = tmp_path / "worker.txt"
    rendered = Prerendered(items, str, _timed_render(0.05, 1.0, by_worker), jobs=2)
    results = [rendered.get(item) for item in items]
    assert [text for text, _ in results] == [item.upper() for item in items]
    by_main = [item for item, (_, pid) in zip(items, results, strict=True) if pid == os.getpid()]
    assert by_main == items[:9]
    assert by_worker.read_text().split() == ["page-9"], "the worker stopped where the main process had got to"


def test_check_in_two_processes_reports_exactly_what_one_process_reports(tmp_path: Path,
                                                                           capsys: pytest.CaptureFixture[str]) -> None:
    config = _demo(tmp_path, 2)
    content = tmp_path / "content"
    articles = sorted((content / "articles").rglob("*.md"))
    first = articles[0]
    # The same slug in a later month: which file is the duplicate depends on seeing both in order.
    (content / "articles/2030/01").mkdir(parents=True)
    (content / "articles/2030/01" / first.name).write_text(first.read_text())
    text = articles[1].read_text()
    person = text.split("people:\n- ", 1)[1].split("\n", 1)[0]
    # A person the article no longer lists (its quote now names an unlisted speaker), an article naming
    # an event that does not exist, and one with broken YAML.
    articles[1].write_text(text.replace(f"people:\n- {person}\n", "people:\n"))
    # An article whose body names someone it does not list (and that has no error of its own).
    listed = articles[4].read_text()
    other = next(p for p in sorted((content / "people").glob("*.yml")) if p.stem not in listed)
    name = other.read_text().split("name: ", 1)[1].split("\n", 1)[0].strip("'\"")
    articles[4].write_text(listed + f"\n{name} was there too.\n")
    articles[2].write_text(articles[2].read_text().replace("events:\n- ", "events:\n- no-such-event\n- "))
    articles[3].write_text(articles[3].read_text().replace("title: ", "title: [", 1))
    (content / "people/zyx-quorum.yml").write_text("name: Zyx Quorum\n")  # in no article
    project = project_at(tmp_path, "content", "templates")

    one = check(project).diagnostics
    assert diagnose(project, jobs=2) == one
    assert diagnose(project, jobs=3) == one
    codes = {d.code for d in one}
    assert {"duplicate-slug", "unknown-ref", "quote-speaker-not-listed", "unannotated-mention", "yaml-syntax",
            "unused-entry"} <= codes, codes
    duplicate = [d for d in one if d.code == "duplicate-slug"]
    assert [d.path for d in duplicate] == [f"content/articles/2030/01/{first.name}"]
    # The command reports them too, in the same order as one process.
    assert main(["check", "-f", str(config)]) == 1
    assert capsys.readouterr().out.strip() == format_report(one, "text")


def test_articles_of_one_slug_are_checked_together_in_their_order() -> None:
    files = [("article", f"/c/articles/2024/{m:02d}/story-{n}.md", ("2024", f"{m:02d}"), "")
             for m in (1, 2) for n in range(300)]  # every slug twice, in two months
    groups = parallel_check._slug_groups(files)
    assert [len(group) for group in groups] == [2] * 300
    assert [group[0][1] for group in groups] == [f[1] for f in files[:300]], "in the order of each slug's first file"
    assert all(a[1] < b[1] for a, b in groups), "the earlier file first, so the later one is the duplicate"


def _timed_steps(main_seconds: float, worker_seconds: float) -> tuple[list[int], Callable[[int], None]]:
    """A list of the items this process has done, and a step taking `main_seconds` per item in this
    process and `worker_seconds` in a worker."""
    main_pid = os.getpid()
    done: list[int] = []

    def step(item: int) -> None:
        time.sleep(main_seconds if os.getpid() == main_pid else worker_seconds)
        done.append(item)
    return done, step


@pytest.mark.parametrize("jobs", [1, 2, 3])
def test_work_from_both_ends_does_every_item(jobs: int) -> None:
    done, step = _timed_steps(0.01, 0.01)
    shared = FromBothEnds(range(40), jobs, step, lambda part: (part, list(done)))
    shared.work_here()
    results = shared.results()
    assert [part for part, _ in results] == list(range(jobs - 1))
    everything = done + [item for _, theirs in results for item in theirs]
    assert sorted(set(everything)) == list(range(40))
    assert len(everything) <= 40 + jobs - 1, "at most the item where two meet is done twice"


def test_the_main_process_takes_what_a_slow_worker_has_not_reached() -> None:
    done, step = _timed_steps(0.05, 1.0)
    shared = FromBothEnds(range(10), 2, step, lambda part: list(done))
    shared.work_here()
    assert done == list(range(9))
    assert shared.results() == [[9]], "the worker stopped where the main process had got to"


def test_a_fast_worker_takes_what_the_busy_main_process_has_not_reached() -> None:
    done, step = _timed_steps(0.0, 0.01)
    shared = FromBothEnds(range(10), 2, step, lambda part: list(done))
    time.sleep(1.0)  # the main process is busy elsewhere (the registry, for `check`)
    shared.work_here()
    assert done == [] and shared.results() == [list(range(9, -1, -1))]


def test_a_value_sent_later_never_waits_for_the_child_to_read_it() -> None:
    later: Later[list[str]] = Later()
    go: Later[bool] = Later()
    # The child reads the value only once told that `send` has returned: a send that waited for the
    # reader (a pipe holds 64 KiB) would never return, and the alarm would fail the test.
    worker = Forked(lambda: (go.receive(), len(later.receive()))[1])
    value = [f"{n:04d}" + "x" * 1000 for n in range(2000)]  # 2 MB pickled

    def waited_too_long(*_: object) -> None:
        raise TimeoutError("send waited for the child")

    previous = signal.signal(signal.SIGALRM, waited_too_long)
    signal.alarm(30)
    try:
        later.send(value)
        go.send(True)
        assert worker.result() == 2000
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
        worker.cancel()
        later.close()
        go.close()


def test_a_value_sent_later_reaches_every_reader_and_is_ready_only_once_sent() -> None:
    later: Later[str] = Later(readers=2)
    go: Later[bool] = Later(readers=2)

    def wait_and_take() -> tuple[bool, str]:
        signal.alarm(30)  # a child left waiting ends, and so fails the test, rather than hanging it
        go.receive()
        before = later.ready()  # told to look before the value was sent
        deadline = time.monotonic() + 10
        while not later.ready():
            if time.monotonic() > deadline:
                return before, "nothing came"
            time.sleep(0.01)
        return before, later.receive()

    workers = [Forked(wait_and_take) for _ in range(2)]
    try:
        go.send(True)
        time.sleep(0.3)
        later.send("the registry")
        assert [worker.result() for worker in workers] == [(False, "the registry")] * 2
    finally:
        for worker in workers:
            worker.cancel()
        later.close()
        go.close()


def test_articles_are_checked_against_the_registry_from_the_first_step_after_it_comes(tmp_path: Path) -> None:
    write_demo_desk(tmp_path, 6)
    content = tmp_path / "content"
    articles = sorted((content / "articles").rglob("*.md"))
    text = articles[0].read_text()
    other = next(p for p in sorted((content / "people").glob("*.yml")) if p.stem not in text)
    name = other.read_text().split("name: ", 1)[1].split("\n", 1)[0].strip("'\"")
    articles[0].write_text(text + f"\n{name} was there too.\n")  # a name the article does not list
    files = content_files(content, tmp_path, [])
    entries = validate_files(load_files([f for f in files if f[0] != "article"], []), [])
    registry = check_registry(entries, [])
    article_files = [f for f in files if f[0] == "article"]
    later: Later[Registry] = Later()
    checked = parallel_check._ArticlesChecked(later)
    try:
        checked.add([article_files[0]])
        assert "unannotated-mention" not in {d.code for d in checked.found}, "no registry yet"
        later.send(registry.for_articles())
        checked.add([article_files[1]])
        # The article added before the registry came is checked against it now, not at the end.
        mentions = [d for d in checked.found if d.code == "unannotated-mention"]
        assert {d.path for d in mentions} == {article_files[0][3]}
        found, referenced, _ = checked.result()
        assert found is checked.found
        both = validate_files(load_files(article_files[:2], []), [])
        assert referenced == references_in(both)
    finally:
        later.close()


def test_a_worker_told_nothing_fails_with_a_message() -> None:
    later: Later[int] = Later()
    worker = Forked(later.receive)
    later.close()  # the main process gave up before it had anything to send
    with pytest.raises(WorkerError, match="sent nothing"):
        worker.result()
