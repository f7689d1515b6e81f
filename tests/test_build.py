"""`briefgen build` and `mkdocs build`: real builds in temporary folders."""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import REPO, Desk, ExecutableFinder, article, person, tree_digest

from briefgen.build import MARKER, STAGING_MARKER, build_site, disk_full_error, load_mkdocs_config, project_of
from briefgen.desk.pipeline import run

try:
    import fcntl
except ImportError:
    fcntl = None  # type: ignore[assignment]

GOOD = {**person(), **article()}


def test_build_writes_pages_and_swaps_atomically(desk_factory) -> None:
    desk = desk_factory(GOOD)
    assert desk.build() == 0
    assert "Ada Lovelace" in desk.page("people/ada-lovelace")
    assert (desk.site / ".briefgen-site").is_file()
    assert not (desk.site / STAGING_MARKER).exists()
    leftovers = [p.name for p in desk.root.iterdir() if p.name.startswith(".site")]
    assert leftovers == [], "no staging folder, no trash, no lock file"


def _failing_rebuild(desk: Desk, rel: str, text: str) -> None:
    """Build, break one file, build again: the second build fails and the first site is unchanged."""
    assert desk.build() == 0
    before = tree_digest(desk.site)
    desk.write(rel, text)
    assert desk.build() == 1
    assert tree_digest(desk.site) == before


def test_failed_build_leaves_previous_site_intact(desk_factory, capsys: pytest.CaptureFixture[str]) -> None:
    _failing_rebuild(desk_factory(GOOD), "content/people/ada-lovelace.yml", "name: Ada Lovelace\nrols: []\n")
    err = capsys.readouterr().err
    assert "content/people/ada-lovelace.yml:2:1: error[unknown-key]" in err
    assert "the site was not changed" in err


def test_template_error_fails_build_and_keeps_site(desk_factory, capsys: pytest.CaptureFixture[str]) -> None:
    _failing_rebuild(desk_factory(GOOD), "templates/person.html", "{{ no_such_value }}\n")
    assert re.search(r"template \S*templates/person.html:1: 'no_such_value' is undefined", capsys.readouterr().err)


# A stand-in for `pagefind --service` that creates the index, then rejects the first page it is sent.
REJECTING_PAGEFIND = """#!{python}
import base64, json, sys
def answer(message_id, payload):
    body = json.dumps({{"message_id": message_id, "payload": payload}}).encode()
    sys.stdout.write(base64.b64encode(body).decode() + ",")
    sys.stdout.flush()
buffer = b""
while chunk := sys.stdin.buffer.read1(65536):
    *messages, buffer = (buffer + chunk).split(b",")
    for raw in messages:
        message = json.loads(base64.b64decode(raw))
        if message["payload"]["type"] == "NewIndex":
            answer(message["message_id"], {{"type": "NewIndex", "index_id": 0}})
        else:
            answer(message["message_id"], {{"type": "Error", "message": "unreadable page", "original_message": None}})
"""


@pytest.mark.parametrize(("jobs", "pagefind", "message"), [
    (1, "#!/bin/sh\necho 'index folder is read-only' >&2\nexit 3\n",
     "Pagefind failed: it exited early with code 3: index folder is read-only"),
    (2, "#!/bin/sh\necho 'index folder is read-only' >&2\nexit 3\n",
     "Pagefind failed: it exited early with code 3: index folder is read-only"),
    (1, REJECTING_PAGEFIND, "Pagefind failed: unreadable page"),
    (2, REJECTING_PAGEFIND, "Pagefind failed: unreadable page"),
])
def test_failing_search_indexer_fails_build_and_keeps_site(desk_factory, monkeypatch: pytest.MonkeyPatch,
                                                           capsys: pytest.CaptureFixture[str], jobs: int,
                                                           pagefind: str, message: str) -> None:
    """Pagefind's own message reaches the user, whether it ran beside this process or beside a worker."""
    desk = desk_factory(GOOD)
    desk.write("mkdocs.yml", desk.config.read_text().replace("page_size: 50", f"page_size: 50\n      jobs: {jobs}"))
    assert desk.build() == 0
    before = tree_digest(desk.site)
    broken = desk.write("broken-pagefind", pagefind.format(python=sys.executable))
    broken.chmod(0o755)
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", str(broken))  # where Pagefind's Python API looks first
    assert desk.build() == 1
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err
    assert tree_digest(desk.site) == before
    assert [p.name for p in desk.root.iterdir() if p.name.startswith(".site")] == []


def test_same_input_gives_byte_identical_site(desk_factory, tmp_path: Path) -> None:
    desk = desk_factory(sample=True)
    assert desk.cli("build", "-q", "--site-dir", str(tmp_path / "one")) == 0
    assert desk.cli("build", "-q", "--site-dir", str(tmp_path / "two")) == 0
    one, two = tree_digest(tmp_path / "one"), tree_digest(tmp_path / "two")
    assert one.keys() == two.keys()
    assert [k for k in one if one[k] != two[k]] == []
    sitemap = (tmp_path / "one/sitemap.xml").read_text()
    assert "<lastmod>2024-07-03</lastmod>" in sitemap, "dates come from the content, not the clock"
    assert str(dt.date.today()) not in sitemap


def test_drafts_are_left_out_unless_asked_for(desk_factory) -> None:
    draft = article("draft-story", title="Secret plan")
    path, text = next(iter(draft.items()))
    desk = desk_factory({**GOOD, path: text.replace("people:", "status: draft\npeople:")})
    assert desk.build() == 0
    assert not (desk.site / "articles/draft-story").exists()
    assert "Secret plan" not in desk.page("people/ada-lovelace")
    assert desk.build("--drafts") == 0
    assert "Draft" in desk.page("articles/draft-story")


def test_site_template_overrides_builtin(desk_factory) -> None:
    desk = desk_factory(GOOD)
    desk.write("templates/person.html", "<h1>{{ name }}</h1><p class='custom'>Custom profile</p>\n")
    assert desk.build() == 0
    page = desk.page("people/ada-lovelace")
    assert "Custom profile" in page and "<h1>Ada Lovelace</h1>" in page
    assert 'class="bg-articles"' in desk.page("articles"), "other pages keep the built-in templates"


def test_page_size_does_not_grow_with_the_desk(desk_factory) -> None:
    """A page's size depends on its own content, not on how many articles the site has."""
    def desk_with(n: int) -> Desk:
        files = {**person(), **person("grace-hopper", "Grace Hopper", "Hopper"), **article("about-grace",
                 people="grace-hopper", body="Grace Hopper spoke.", date="2023-01-05")}
        for i in range(n):
            files.update(article(f"story-{i:03d}", date=f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}"))
        return desk_factory(files, page_size=20)

    small, large = desk_with(3), desk_with(60)
    assert small.build() == 0 and large.build() == 0
    assert small.page("people/grace-hopper") == large.page("people/grace-hopper")
    # Coverage of a person in 60 articles is paged, 20 per page.
    first = large.page("people/ada-lovelace")
    assert first.count('class="bg-article-item"') == 20
    assert 'href="page/2/"' in first
    assert large.page("people/ada-lovelace/page/3").count('class="bg-article-item"') == 20
    assert not (large.site / "people/ada-lovelace/page/4").exists()


def test_untrusted_html_is_sanitised_and_metadata_escaped(desk_factory) -> None:
    body = ('Ada Lovelace spoke.<script>alert(1)</script> <img src=x onerror="alert(2)">'
            ' [click](javascript:alert(3)) <iframe src="https://evil.example"></iframe>'
            ' <a href="https://ok.example/" onclick="alert(4)">ok</a>')
    files = {**article(body=body, title='<script>alert(5)</script> "Title"'),
             "content/people/ada-lovelace.yml": 'name: Ada <b onmouseover="alert(6)">Lovelace</b>\n'
                                                "aliases: [Lovelace]\n"}
    desk = desk_factory(files)
    assert desk.build() == 0
    for url in ("articles/a-story", "people/ada-lovelace", ""):
        parser = ExecutableFinder()
        parser.feed(desk.page(url))
        assert parser.found == [], url
    page = desk.page("articles/a-story")
    assert "&lt;script&gt;alert(5)&lt;/script&gt;" in page
    assert 'href="https://ok.example/"' in page


def test_yaml_values_are_kept_as_written(desk_factory) -> None:
    """YAML 1.1 would turn NO into false and 12:30 into 750; the schema wants text, so text it is."""
    files = {**article(title="12:30"), "content/people/ada-lovelace.yml": "name: NO\naliases: [Lovelace, 'on']\n"}
    desk = desk_factory(files)
    assert desk.build() == 0
    assert "<h1>NO</h1>" in desk.page("people/ada-lovelace")
    assert "<h1>12:30</h1>" in desk.page("articles/a-story")


def test_site_dir_that_would_destroy_sources_is_refused(desk_factory, capsys: pytest.CaptureFixture[str]) -> None:
    desk = desk_factory(GOOD)
    assert desk.cli("build", "--site-dir", str(desk.root / "content" / "out")) == 2
    assert desk.cli("build", "--site-dir", str(desk.root)) == 2
    (desk.root / "notes").mkdir()
    (desk.root / "notes" / "todo.txt").write_text("mine")
    assert desk.cli("build", "--site-dir", str(desk.root / "notes")) == 2
    err = capsys.readouterr().err
    assert "was not built by briefgen; pass --force to replace it" in err
    assert (desk.root / "notes" / "todo.txt").read_text() == "mine"


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONUTF8": "1"}
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, env=env, timeout=120)


def test_plain_mkdocs_build_works_through_the_plugin(desk_factory) -> None:
    desk = desk_factory(GOOD)
    done = _run([sys.executable, "-m", "mkdocs", "build", "--strict", "-q"], desk.root)
    assert done.returncode == 0, done.stderr
    assert "Ada Lovelace" in desk.page("people/ada-lovelace")
    desk.write("content/people/ada-lovelace.yml", "name: Ada Lovelace\nrols: []\n")
    done = _run([sys.executable, "-m", "mkdocs", "build", "--strict", "-q"], desk.root)
    assert done.returncode == 1
    assert "content/people/ada-lovelace.yml:2:1: error[unknown-key]: unknown field `rols`" in done.stderr


def test_console_script_reports_and_exits(desk_factory) -> None:
    desk = desk_factory({**GOOD, "content/people/ada-lovelace.yml": "name: Ada\nroles: 3\n"})
    exe = Path(sys.executable).parent / "briefgen"
    done = _run([str(exe), "check"], desk.root)
    assert done.returncode == 1
    assert "content/people/ada-lovelace.yml:2:8: error[wrong-type]: `roles` must be a list" in done.stdout
    assert "Traceback" not in done.stdout + done.stderr


def test_repository_is_lint_clean() -> None:
    done = _run([sys.executable, "-m", "ruff", "check", "briefgen", "tests"], REPO)
    assert done.returncode == 0, done.stdout


def test_killed_build_never_damages_the_published_site(desk_factory) -> None:
    """SIGKILL at any moment of a rebuild leaves site/ complete: old or new, never half of each."""
    desk = desk_factory(sample=True)
    assert desk.build() == 0
    before = tree_digest(desk.site)
    exe = Path(sys.executable).parent / "briefgen"
    for delay in (0.2, 0.4, 0.6, 0.8, 1.0, 1.3):
        proc = subprocess.Popen([str(exe), "build", "-q", "--site-dir", str(desk.site)], cwd=desk.root,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        proc.kill()
        proc.wait()
        # The same content builds byte-identical output, so "old or new" means exactly `before`.
        assert tree_digest(desk.site) == before, f"killed after {delay} s"
    assert desk.build() == 0
    assert [p.name for p in desk.root.iterdir() if p.name.startswith(".site")] == [], "stale staging is cleaned"


def test_a_build_killed_early_leaves_nothing_the_next_build_keeps(desk_factory) -> None:
    """Killed while only the background writer's feeds and API are staged, before any MkDocs output."""
    desk = desk_factory(sample=True)
    exe = Path(sys.executable).parent / "briefgen"
    proc = subprocess.Popen([str(exe), "build", "-q", "--site-dir", str(desk.site)], cwd=desk.root,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while not list(desk.root.glob(".site.briefgen-staging-*/feed.xml")) and time.monotonic() < deadline:
        time.sleep(0.005)
    proc.kill()
    proc.wait()
    staged = [p for p in desk.root.iterdir() if p.name.startswith(".site.briefgen-staging-")]
    assert len(staged) == 1 and (staged[0] / "feed.xml").exists(), "killed once the feeds were staged"
    assert desk.build() == 0
    assert [p.name for p in desk.root.iterdir() if p.name.startswith(".site")] == []


@pytest.mark.skipif(fcntl is None, reason="builds are kept apart with POSIX file locks")
def test_a_build_leaves_the_staging_folder_of_a_build_running_meanwhile_alone(desk_factory) -> None:
    desk = desk_factory(sample=True)
    running = desk.root / f".site.briefgen-staging-{'0' * 16}"
    running.mkdir()
    # Another process holds the folder's marker locked, as a build running there does.
    hold = ("import fcntl, sys, time; f = open(sys.argv[1], 'w'); fcntl.lockf(f, fcntl.LOCK_EX); "
            "print(1, flush=True); time.sleep(60)")
    holder = subprocess.Popen([sys.executable, "-c", hold, str(running / STAGING_MARKER)], stdout=subprocess.PIPE,
                              text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "1\n"
        assert desk.build() == 0
        assert (running / STAGING_MARKER).exists(), "another build's folder is not deleted under it"
    finally:
        holder.kill()
        holder.wait()
    assert desk.build() == 0
    assert not running.exists(), "once no build holds it, it is a killed build's leftover"


def test_folders_outside_the_project_are_refused(desk_factory, capsys: pytest.CaptureFixture[str]) -> None:
    desk = desk_factory(GOOD)
    config = desk.config.read_text().replace("page_size: 50", "page_size: 50\n      content_dir: ../elsewhere")
    desk.write("mkdocs.yml", config)
    assert desk.cli("check") == 2
    assert "`content_dir: ../elsewhere` points outside the project folder" in capsys.readouterr().err
    done = _run([sys.executable, "-m", "mkdocs", "build", "-q"], desk.root)
    assert done.returncode == 1 and "points outside the project folder" in done.stderr


def test_progress_shows_on_a_terminal_and_not_in_logs(desk_factory) -> None:
    """Long builds report pages rendered on a terminal; CI logs and pipes stay quiet."""
    import pty

    files = {**person()}
    for i in range(300):
        files.update(article(f"story-{i}", date=f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}"))
    desk = desk_factory(files)
    exe = str(Path(sys.executable).parent / "briefgen")
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    piped = subprocess.run([exe, "build", "-q"], cwd=desk.root, capture_output=True, text=True, env=env)
    assert piped.returncode == 0 and "rendered" not in piped.stderr
    leader, follower = pty.openpty()
    proc = subprocess.Popen([exe, "build", "-q", "--force"], cwd=desk.root, stdout=subprocess.DEVNULL,
                            stderr=follower, env=env)
    os.close(follower)
    output = b""
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:
            break
        if not chunk:
            break
        output += chunk
    assert proc.wait() == 0
    os.close(leader)
    assert re.search(rb"rendered [\d,]+/[\d,]+ pages, \d+ s", output), output[-500:]


def test_the_plugin_builds_from_the_check_build_hands_it_unless_content_changed_since(desk_factory) -> None:
    desk = desk_factory(GOOD)
    config = load_mkdocs_config(desk.config, strict=True)
    project = project_of(config)
    result = run(project, stamped=True)
    build_site(config, desk.site, checked=result)
    plugin = config.plugins["briefgen"]
    assert plugin.site.renderer.index is result.index, "not checked a second time"
    desk.write("content/people/ada-lovelace.yml", "name: Ada King\n")
    config = load_mkdocs_config(desk.config, strict=True)
    build_site(config, desk.site, checked=result)
    plugin = config.plugins["briefgen"]
    assert plugin.site.renderer.index is not result.index, "checked again: the content changed"
    assert "Ada King" in desk.page("people/ada-lovelace")


def _beside_site(desk: Desk) -> list[str]:
    """The names beginning `.site` beside the desk's site folder (where staging folders, trash and the lock go)."""
    return sorted(p.name for p in desk.root.iterdir() if p.name.startswith(".site"))


def test_a_copy_of_the_site_saved_beside_it_survives_builds(desk_factory) -> None:
    """A `.site-backup` carries the site's marker, and a build still never takes it for its own."""
    desk = desk_factory(GOOD)
    assert desk.build() == 0
    shutil.copytree(desk.site, desk.root / ".site-backup")
    shutil.copytree(desk.site, desk.root / ".site.briefgen-backup")
    saved = tree_digest(desk.root / ".site-backup")
    assert MARKER in saved
    assert desk.build() == 0
    assert tree_digest(desk.root / ".site-backup") == saved
    assert tree_digest(desk.root / ".site.briefgen-backup") == saved
    assert _beside_site(desk) == [".site-backup", ".site.briefgen-backup"]


def test_files_and_links_named_like_leftovers_neither_stop_a_build_nor_are_removed(desk_factory) -> None:
    desk = desk_factory(GOOD)
    names = [".site-x", f".site.briefgen-staging-{'a' * 16}", f".site.briefgen-trash-{'b' * 16}"]
    for name in names:
        (desk.root / name).write_text("mine")
    elsewhere = desk.root / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "keep.txt").write_text("mine")
    (desk.root / f".site.briefgen-trash-{'c' * 16}").symlink_to(elsewhere, target_is_directory=True)
    (desk.root / f".site.briefgen-staging-{'d' * 16}").symlink_to(elsewhere, target_is_directory=True)
    assert desk.build() == 0
    assert desk.build() == 0
    for name in names:
        assert (desk.root / name).read_text() == "mine", name
    assert (elsewhere / "keep.txt").read_text() == "mine", "a link is not followed"
    assert len(_beside_site(desk)) == 5


def test_the_next_build_removes_the_folders_killed_builds_left(desk_factory) -> None:
    """A staging folder no build holds (marked, or not yet marked and empty), and trash: a folder a
    build was deleting when it was killed, whatever it has lost already."""
    desk = desk_factory(GOOD)
    abandoned = desk.root / f".site.briefgen-staging-{'1' * 16}"
    (abandoned / "people").mkdir(parents=True)
    (abandoned / STAGING_MARKER).write_text("")
    (abandoned / "people/index.html").write_text("half a build")
    empty = desk.root / f".site.briefgen-staging-{'2' * 16}"
    empty.mkdir()
    trash = desk.root / f".site.briefgen-trash-{'3' * 16}"
    (trash / "articles").mkdir(parents=True)
    (trash / "articles/index.html").write_text("half deleted; no marker left")
    assert desk.build() == 0
    assert _beside_site(desk) == []
    assert "Ada Lovelace" in desk.page("people/ada-lovelace")


def test_builds_started_together_wait_for_each_other(desk_factory) -> None:
    """Four builds of one folder at once: each waits for the one before, and the site they leave is
    a briefgen site that the next build replaces without --force."""
    desk = desk_factory(GOOD)
    exe = Path(sys.executable).parent / "briefgen"
    env = {**os.environ, "PYTHONUTF8": "1"}
    procs = [subprocess.Popen([str(exe), "build", "--site-dir", str(desk.site)], cwd=desk.root, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True) for _ in range(4)]
    errs = []
    try:
        for proc in procs:
            errs.append(proc.communicate(timeout=120)[1])
    finally:
        for proc in procs:
            proc.kill()
            proc.wait()
    assert [proc.returncode for proc in procs] == [0, 0, 0, 0], errs
    assert any(f"another build of {desk.site} is running; waiting for it to finish" in err for err in errs), errs
    assert (desk.site / MARKER).is_file()
    assert not (desk.site / STAGING_MARKER).exists()
    assert desk.build() == 0, "no --force needed"
    assert (desk.site / MARKER).is_file() and not (desk.site / STAGING_MARKER).exists()
    assert _beside_site(desk) == []


@contextlib.contextmanager
def _small_disk(where: Path, size: str) -> Iterator[Path]:
    """A tmpfs of `size` mounted at `where` (root only), unmounted afterwards."""
    if not sys.platform.startswith("linux") or os.geteuid() != 0:
        pytest.skip("a full disk is made with a tmpfs mount, which needs root on Linux")
    where.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield where
    finally:
        if subprocess.run(["umount", str(where)], capture_output=True).returncode != 0:
            subprocess.run(["umount", "-l", str(where)], capture_output=True)


@pytest.mark.parametrize("jobs", [1, 2])
@pytest.mark.parametrize("room", [0.05, 0.95])
def test_a_full_disk_fails_the_build_in_one_line_and_keeps_the_site(desk_factory, tmp_path: Path, jobs: int,
                                                                    room: float) -> None:
    """`room`: the free space left, as a share of the site's size. Little: the build fails copying the
    theme's files; nearly enough: writing pages, feeds, API documents or the search index, in this
    process or in a worker."""
    desk = desk_factory(GOOD)
    desk.write("mkdocs.yml", desk.config.read_text().replace("page_size: 50", f"page_size: 50\n      jobs: {jobs}"))
    with _small_disk(tmp_path / "disk", "64m") as disk:
        site = disk / "site"
        assert desk.cli("build", "-q", "--site-dir", str(site)) == 0
        before = tree_digest(site)
        disk_stat = os.statvfs(disk)
        used, free = ((disk_stat.f_blocks - disk_stat.f_bfree) * disk_stat.f_frsize,
                      disk_stat.f_bavail * disk_stat.f_frsize)
        with open(disk / "filler", "wb") as filler:
            os.posix_fallocate(filler.fileno(), 0, free - int(used * room))
        done = _run([str(Path(sys.executable).parent / "briefgen"), "build", "-q", "--site-dir", str(site)], desk.root)
        assert done.returncode == 1, done.stderr
        assert "Traceback" not in done.stderr
        last = done.stderr.splitlines()[-1]
        assert re.fullmatch(rf"briefgen: error: no space left on device while writing {re.escape(str(site))}(/\S+)?",
                            last), done.stderr
        assert tree_digest(site) == before
        assert sorted(p.name for p in disk.iterdir()) == ["filler", "site"], "the staging folder is removed"


def test_a_full_disk_met_by_a_forked_worker_is_recognised(tmp_path: Path) -> None:
    """A worker's error reaches the build as text, wrapped by the plugin and by MkDocs."""
    from mkdocs.exceptions import Abort, PluginError

    from briefgen.speed.workers import Forked, WorkerError

    def write() -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(tmp_path / "feed.xml"))

    with pytest.raises(Abort) as caught:
        try:
            try:
                Forked(write).result()
            except WorkerError as exc:
                raise PluginError(f"briefgen: {exc}") from exc  # as `SiteBuild` does
        except PluginError:
            raise Abort("Aborted with a BuildError!")  # noqa: B904 - as MkDocs does
    assert caught.value.__context__ is not None
    assert disk_full_error(caught.value) is not None
    assert disk_full_error(RuntimeError("Pagefind failed: No space left on device (os error 28)")) is not None
    assert disk_full_error(OSError(errno.EACCES, os.strerror(errno.EACCES))) is None
