"""Benchmark briefgen on synthetic desks; not a test. Run: `.venv/bin/python bench/benchmark.py`.

For each size N it reports `briefgen check` time (cold, and with its cache: nothing changed, or one
article saved), cold `briefgen build` time and peak RSS, HTML bytes per page, the time from saving an
article to the preview serving the change, and (same run, same theme) the time plain MkDocs takes to
build the same pages pre-written as Markdown, with generated pages out of the nav. Times are
whole-process medians of `--repeat` runs; the preview figure is the median (and the maximum) of nine
saves. Peak RSS is that of the largest process in the build's tree: briefgen itself,
or Pagefind, which it runs to index the finished site. With `--instructions`, also the instructions
`check` executes (valgrind), a figure that unlike its time does not vary with the machine's speed.
"""

from __future__ import annotations

import argparse
import compileall
import json
import multiprocessing
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import yaml

import briefgen
from briefgen.authoring.demo import DEFAULT_DAYS, write_demo_desk
from briefgen.desk.pipeline import run
from briefgen.desk.project import project_at
from briefgen.pages.render import RenderOptions, SiteRenderer, default_templates_dir
from briefgen.speed.checkcache import SETTLED_NS

BIN = Path(sys.executable).parent
#: Articles a day in every benchmark desk: the 10,000-article desk spans the demo desk's two years, and a
#: desk of N articles spans N / this many days. A desk grows by adding days, as a real one does: packing ten
#: times the articles into the same days would make each daily briefing ten times longer, a different desk
#: rather than a larger one (docs/performance.md, "Bytes per page").
ARTICLES_A_DAY = 10_000 / DEFAULT_DAYS


@dataclass(frozen=True)
class Timing:
    """One process run: wall seconds, peak RSS, and CPU seconds of it and the processes it waited for."""

    seconds: float
    peak_rss: int
    """Bytes, of the largest process."""
    user: float
    system: float
    pagefind: float = 0.0
    """CPU seconds (user and system) of Pagefind, sampled from /proc: a lower bound (see `PagefindCpu`)."""


class PagefindCpu:
    """Pagefind's CPU time during a build, read from /proc every tenth of a second (Linux; 0 elsewhere).

    The build's own resource usage lumps Pagefind in with briefgen's processes; this tells them apart,
    to see which of them grows faster than the desk. The last tenth of a second of each Pagefind
    process may be missed, so the figure is a lower bound.
    """

    def __init__(self) -> None:
        self._seen: dict[int, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100

    def __enter__(self) -> PagefindCpu:
        if os.path.isdir("/proc"):
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    @property
    def seconds(self) -> float:
        return sum(self._seen.values())

    def _sample(self) -> None:
        while not self._stop.wait(0.1):
            for name in os.listdir("/proc"):
                if not name.isdigit():
                    continue
                try:
                    with open(f"/proc/{name}/cmdline", "rb") as cmd:
                        if b"pagefind" not in cmd.read().split(b"\0", 1)[0]:
                            continue
                    with open(f"/proc/{name}/stat", "rb") as stat:
                        fields = stat.read().rsplit(b")", 1)[1].split()
                except OSError:
                    continue  # ended between listing and reading
                # utime and stime are fields 14 and 15 of stat(5); here 11 and 12, after the name.
                self._seen[int(name)] = (int(fields[11]) + int(fields[12])) / self._tick


def timed(args: list[str], cwd: Path) -> Timing:
    """Wall seconds, peak RSS and CPU time of one process and the processes it waited for."""
    os.sync()  # the last run's writes reach the disk now, not in the background during this one
    with tempfile.TemporaryFile() as err, PagefindCpu() as pagefind:  # a pipe could fill and stall a chatty process
        start = time.monotonic()
        proc = subprocess.Popen(args, cwd=cwd, stdout=subprocess.DEVNULL, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.monotonic() - start
        if os.waitstatus_to_exitcode(status) != 0:
            err.seek(0)
            raise SystemExit(f"{' '.join(args)} failed: {err.read().decode()[-2000:]}")
    return Timing(elapsed, usage.ru_maxrss * 1024, usage.ru_utime, usage.ru_stime, pagefind.seconds)


class Trash:
    """Output folders moved out of the way during the run and deleted once the timings are done.

    A cold build starts without an earlier `site/`, as on a fresh clone. Deleting the earlier one just
    before would not be the same: on a journal-less ext4 (this project's VM), files created in the
    minutes after tens of thousands were deleted cost up to ten times more kernel time (the allocator
    steps over recently freed inodes), which made the timed builds vary by a third.
    """

    def __init__(self, work: Path) -> None:
        self.folder = work / ".trash"
        self.folder.mkdir(exist_ok=True)
        self.count = 0

    def clear(self, path: Path) -> None:
        """Move `path` aside if it exists: one rename, nothing freed yet."""
        if path.exists():
            self.count += 1
            path.rename(self.folder / f"{time.time_ns()}-{self.count}")

    def empty(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def median_run(args: list[str], cwd: Path, repeat: int, before: Callable[[], None] = lambda: None) -> tuple[float, int]:
    """Median time and largest peak RSS of `repeat` runs, each after calling `before`."""
    runs = []
    for _ in range(repeat):
        before()
        runs.append(timed(args, cwd))
    return statistics.median(r.seconds for r in runs), max(r.peak_rss for r in runs)


def html_bytes_per_page(site: Path) -> tuple[int, float]:
    pages = list(site.rglob("*.html"))
    return len(pages), sum(p.stat().st_size for p in pages) / max(len(pages), 1)


def preview_reload_seconds(desk: Path, edits: int = 9) -> list[float]:
    """Save one article `edits` times; for each, the seconds until the preview serves the change."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([str(BIN / "briefgen"), "serve", "-a", f"127.0.0.1:{port}"], cwd=desk,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/articles/story-0/"
    story = next((desk / "content/articles").rglob("story-0.md"))
    original = story.read_text(encoding="utf-8")
    times = []
    try:
        _poll(url, "story-0", timeout=1800)
        os.sync()  # the first build's pages, as `timed` does
        _, front, body = original.split("---\n", 2)
        for _ in range(edits):
            data = yaml.safe_load(front)
            marker = f"Edited {time.time_ns()}"
            data["key_points"][0] = marker  # a fresh marker every time
            start = time.monotonic()
            story.write_text(f"---\n{yaml.safe_dump(data, sort_keys=False)}---\n{body}", encoding="utf-8")
            _poll(url, marker, timeout=900)
            times.append(time.monotonic() - start)
            time.sleep(0.5)  # let the server settle, as between two saves by hand
        return times
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        story.write_text(original, encoding="utf-8")


def _poll(url: str, needle: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if needle in response.read().decode("utf-8", "replace"):
                    return
        except OSError:
            pass
        time.sleep(0.02)
    raise SystemExit(f"{url} never showed {needle!r}")


def write_plain_mkdocs(desk: Path, out: Path) -> None:
    """The same pages as Markdown files for plain MkDocs: the HTML briefgen renders, as raw HTML blocks."""
    result = run(project_at(desk, "content", "templates"))
    assert result.index is not None
    renderer = SiteRenderer(result.index, [default_templates_dir()], RenderOptions())
    docs = out / "docs"
    for spec in renderer.pages():
        path = docs / spec.src_uri
        path.parent.mkdir(parents=True, exist_ok=True)
        title = json.dumps(spec.title)
        path.write_text(f"---\ntitle: {title}\n---\n\n<div>\n{renderer.render(spec)}\n</div>\n", encoding="utf-8")
    nav = "\n".join(f"  - {title!r}: {uri}" for item in SiteRenderer.static_nav() for title, uri in item.items())
    (out / "mkdocs.yml").write_text(
        "site_name: Plain\ntheme:\n  name: material\nplugins:\n  - search\n"
        f"nav:\n{nav}\nnot_in_nav: |\n  /**\n", encoding="utf-8")


def prepare(size: int, work: Path, repeat: int, trash: Trash, plain: bool) -> dict[str, float]:
    """Write the desk of `size` articles (and, if `plain`, the same pages for plain MkDocs); time `check`."""
    desk = work / f"desk-{size}"
    if not desk.exists():
        in_child(write_desk, desk, size)
    check = [str(BIN / "briefgen"), "check", "-q"]
    check_s, _ = median_run([*check, "--no-cache"], desk, repeat)  # cold, as in CI
    warm_s, edit_s = check_with_cache(check, desk, repeat)
    if plain:
        trash.clear(work / f"plain-{size}")
        in_child(write_plain_mkdocs, desk, work / f"plain-{size}")
    return {"articles": size, "check_s": round(check_s, 2), "check_warm_s": round(warm_s, 2),
            "check_edit_s": round(edit_s, 2)}


def write_desk(desk: Path, size: int) -> None:
    """The demo desk of `size` articles at `ARTICLES_A_DAY` a day."""
    write_demo_desk(desk, size, days=max(1, round(size / ARTICLES_A_DAY)))


def check_with_cache(check: list[str], desk: Path, repeat: int) -> tuple[float, float]:
    """Median times of `check` run again with nothing changed, and after saving one article each time.

    The editing loop on a desk: a first run fills the cache (`main` points it into the work folder),
    then each run reads only what changed. The article is put back as it was afterwards.
    """
    shutil.rmtree(Path(os.environ["XDG_CACHE_HOME"]) / "briefgen", ignore_errors=True)
    # The cache keeps nothing of a file saved in the last seconds (`speed.checkcache`), and every article's
    # results depend on every entity file: a desk written just now would not be cached by the first run.
    time.sleep(SETTLED_NS / 1e9 + 0.1)
    timed(check, desk)
    warm_s, _ = median_run(check, desk, repeat)
    articles = sorted((desk / "content" / "articles").rglob("*.md"))
    article = articles[len(articles) // 2]
    original = article.read_bytes()
    edits = iter(range(repeat))
    try:
        edit_s, _ = median_run(check, desk, repeat,
                               before=lambda: article.write_bytes(original + f"\nEdited {next(edits)}.\n".encode()))
    finally:
        article.write_bytes(original)
    return warm_s, edit_s


def check_instructions(desk: Path) -> float | None:
    """Billions of instructions that `briefgen check` executes per process: start-up, then an equal share of the work.

    Its processes share the articles where their speeds make them meet, so each count depends on how
    valgrind happened to run them; their mean does not, and it is what a perfectly even split gives.

    Counted by valgrind's cachegrind, in about 10 s per 1,000 articles. Unlike time, the count does
    not change with the machine's speed: on a shared VM whose speed swings by half within minutes, it
    is what tells whether a change made `check` cheaper. None where valgrind is not installed.
    """
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        return None
    with tempfile.TemporaryDirectory() as out:
        subprocess.run([valgrind, "--tool=cachegrind", "--cache-sim=no", f"--cachegrind-out-file={out}/cg.%p",
                        str(BIN / "python"), "-m", "briefgen", "check", "-q", "--no-cache"],
                       cwd=desk, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        # One file per process; a forked worker's count includes what its parent ran before the fork.
        counts = [int(line.split()[1]) for f in Path(out).iterdir()
                  for line in f.read_text().splitlines() if line.startswith("summary:")]
    return round(sum(counts) / len(counts) / 1e9, 2) if counts else None


def in_child(work: Callable[..., object], *args: object) -> None:
    """Run `work(*args)` in a forked process, so that this one stays small.

    Linux counts the memory a process had when it started another program in that program's peak
    RSS: timed builds started by a benchmark that had loaded a 20,000-article desk itself all
    reported at least its 672 MiB.
    """
    child = multiprocessing.get_context("fork").Process(target=work, args=args)
    child.start()
    child.join()
    if child.exitcode != 0:
        raise SystemExit(f"{work.__name__}{args} failed with exit code {child.exitcode}")


def time_builds(rows: list[dict[str, float]], work: Path, repeat: int, trash: Trash, plain: bool) -> None:
    """Add cold build times, memory and page sizes to each size's row.

    Each repetition builds every size, briefgen and plain MkDocs, so a machine that speeds up or slows
    down during the run (shared virtual machines do) affects every size, and both sides of each ratio,
    alike: timing one size after the other once made plain MkDocs, which grows linearly, look 2.3 times
    as slow at 20,000 articles as at 10,000. Every other repetition goes in the reverse order, largest
    size and plain MkDocs first, so that what drifts in one direction through the run (the machine's
    speed, the disk filling with the moved-aside sites of `Trash`) favours neither the later sizes nor
    briefgen: in ascending order only, the 20,000-article builds always came last, after the most
    moved-aside files.
    """
    runs: dict[int, dict[str, list[Timing]]] = {int(row["articles"]): {"ours": [], "plain": []} for row in rows}
    for repetition in range(repeat):
        backwards = repetition % 2 == 1
        for size in sorted(runs, reverse=backwards):
            desk, twin = work / f"desk-{size}", work / f"plain-{size}"
            commands = [("ours", desk, "briefgen")] + ([("plain", twin, "mkdocs")] if plain else [])
            for side, folder, program in reversed(commands) if backwards else commands:
                trash.clear(folder / "site")  # a cold build, as on a fresh clone
                runs[size][side].append(timed([str(BIN / program), "build", "-q"], folder))
    previous: dict[str, list[Timing]] | None = None
    for row in rows:
        ours = runs[int(row["articles"])]["ours"]
        pages, per_page = html_bytes_per_page(work / f"desk-{row['articles']}" / "site")
        row.update(pages=pages, build_s=round(statistics.median(t.seconds for t in ours), 2),
                   build_peak_rss_mib=round(max(t.peak_rss for t in ours) / 2**20),
                   html_bytes_per_page=round(per_page),
                   # Where the time goes, all processes of the build together: briefgen's and Pagefind's.
                   build_user_s=round(statistics.median(t.user for t in ours), 1),
                   build_system_s=round(statistics.median(t.system for t in ours), 1),
                   pagefind_cpu_s=round(statistics.median(t.pagefind for t in ours), 1))
        if plain:
            twins = runs[int(row["articles"])]["plain"]
            plain_s = statistics.median(t.seconds for t in twins)
            row.update(plain_mkdocs_s=round(plain_s, 2),
                       plain_mkdocs_peak_rss_mib=round(max(t.peak_rss for t in twins) / 2**20),
                       ratio_to_plain=round(row["build_s"] / plain_s, 2))
        if previous is not None:  # how cost grows with the desk: 2.0 for a doubled desk means linear
            _add_growth(row, runs[int(row["articles"])], previous)
        previous = runs[int(row["articles"])]


#: Figures of a build `Timing` whose growth from one size to the next is reported, by their row name.
_GROWTH = {"build": ("ours", "seconds"), "build_user": ("ours", "user"), "build_system": ("ours", "system"),
           "pagefind_cpu": ("ours", "pagefind"), "plain_mkdocs": ("plain", "seconds")}


def _add_growth(row: dict[str, float], runs: dict[str, list[Timing]], previous: dict[str, list[Timing]]) -> None:
    """Add `<figure>_x_previous`: how many times the previous size's figure this size's is.

    Each is the median of the ratios within a repetition, where the two builds ran minutes apart,
    rather than the ratio of two medians, which can pair a build from a fast stretch of a shared VM
    with one from a slow stretch.
    """
    for name, (side, attribute) in _GROWTH.items():
        pairs = [(getattr(now, attribute), getattr(then, attribute))
                 for now, then in zip(runs[side], previous[side], strict=False)]
        ratios = [now / then for now, then in pairs if then]
        if ratios:
            row[f"{name}_x_previous"] = round(statistics.median(ratios), 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--work", type=Path, default=Path("bench-out"), help="scratch folder (git-ignored)")
    parser.add_argument("--repeat", type=int, default=1, help="runs per timing; the median is reported")
    parser.add_argument("--no-plain", dest="plain", action="store_false",
                        help="skip plain MkDocs (2.6 times briefgen's build time): briefgen's own figures only")
    parser.add_argument("--no-preview", dest="preview", action="store_false", help="skip the save-to-preview timing")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--instructions", action="store_true",
                        help="also count the instructions `check` executes (valgrind; 10 s per 1,000 articles)")
    args = parser.parse_args()
    # Time what an installed briefgen costs: installing a wheel compiles its modules. An editable checkout
    # with PYTHONDONTWRITEBYTECODE set (as on this project's VM) would compile them in every process
    # instead, 0.08-0.1 s of each `briefgen check`.
    compileall.compile_dir(Path(briefgen.__file__).parent, quiet=1)
    args.work.mkdir(exist_ok=True)
    work = args.work.resolve()
    os.environ["XDG_CACHE_HOME"] = str(work / "cache-home")  # `check`'s cache, not the user's
    os.environ.pop("CI", None)  # which would turn it off
    trash = Trash(work)
    rows = []
    try:
        for size in args.sizes:
            print(f"preparing and checking {size} articles …", file=sys.stderr, flush=True)
            rows.append(prepare(size, work, args.repeat, trash, args.plain))
        print("timing builds …", file=sys.stderr, flush=True)
        time_builds(rows, work, args.repeat, trash, args.plain)
        for row in rows:
            print(json.dumps(row), file=sys.stderr, flush=True)
        # After every build: the preview removes its temporary site when it stops (see `Trash`).
        for row in rows if args.instructions else []:
            print(f"counting the instructions of checking {row['articles']} articles …", file=sys.stderr, flush=True)
            row["check_ginstr"] = check_instructions(work / f"desk-{row['articles']}")
        for row in rows if args.preview else []:
            print(f"previewing {row['articles']} articles …", file=sys.stderr, flush=True)
            reloads = preview_reload_seconds(work / f"desk-{row['articles']}")
            row.update(edit_to_preview_s=round(statistics.median(reloads), 2),
                       edit_to_preview_max_s=round(max(reloads), 2))
            print(json.dumps(row), file=sys.stderr, flush=True)
    finally:
        trash.empty()
    # How the interpreter was built changes every timing (docs/performance.md): each report names it.
    python = f"Python {platform.python_version()} ({os.path.realpath(sys.executable)})"
    for row in rows:
        row["python"] = python
    print(python)
    keys = list(dict.fromkeys(k for row in rows for k in row if k != "python"))
    print("| " + " | ".join(keys) + " |")
    print("|" + " --- |" * len(keys))
    for row in rows:
        print("| " + " | ".join(str(row.get(k, "")) for k in keys) + " |")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2) + "\n")


if __name__ == "__main__":
    main()
