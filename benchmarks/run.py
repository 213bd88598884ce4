"""Benchmark blogarchive against Pelican on the synthetic corpus and print one Markdown table.

    python benchmarks/run.py [--n 1000,10000] [--runs 3] [--tools blogarchive,pelican]
                             [--import-mb 10,50,100 | --skip-import] [--extra-args "..."]

For each N and tool: corpus.py writes N posts, one untimed warm-up build, then R runs of
cold (fresh empty output folder on /dev/shm, every cache emptied), warm-one-edit (a
sentence appended to one post, rebuilt into the same output) and no-change (rebuilt
again). Each build is a whole process timed from outside: wall by time.perf_counter, CPU
(user+sys) and peak RSS from os.wait4, which on Linux covers the process and every
descendant it waited for (ru_maxrss is the largest single process, not a sum). For
blogarchive the warm output is byte-compared with a cold build of the same posts, and the
no-change run is checked to have written no file (inode and mtime of every file). Then the
import: synthetic dumps (dumps.py) of each size, timed the same way, in MB/s.
Pelican 4.12 runs from benchmarks/.venv-pelican, created on first use with pip.
"""
from __future__ import annotations

import argparse
import datetime as dt
import filecmp
import os
import platform
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import dumps as dumpgen  # noqa: E402

# Extra arguments for every `build.py build`; "{cache}" becomes the build's own cache folder,
# which is emptied before each cold build. Empty while `build` has no cache options; once it
# has, e.g. "--cache {cache}" or "--cache {cache} --jobs 2". --extra-args overrides it.
BLOGARCHIVE_ARGS = ""
# Added to cold builds only (after BLOGARCHIVE_ARGS), e.g. "--no-cache" if that still writes
# the cache the warm build then reads. --cold-args overrides it.
BLOGARCHIVE_COLD_ARGS = ""
PELICAN_REQUIREMENTS = ("pelican==4.12.*", "markdown")
PELICAN_VENV = HERE / ".venv-pelican"
SHM = Path("/dev/shm")
CASES = ("cold", "warm, one edit", "no change")
SITE_URL = "https://bench.example.org/"
SITE_YAML = f"""title: Benchmark archive
description: Synthetic posts for the benchmark
author: Bench
base_url: {SITE_URL}
posts_per_page: 10
feed_limit: 20
"""


class BenchError(Exception):
    """A build or import that failed: the benchmark stops and says which and where its log is."""


@dataclass
class Measure:
    wall: float
    cpu: float
    rss_mib: float
    pages: int = 0


@dataclass
class CaseResult:
    """The runs of one (tool, N, case), and what the checks found."""
    tool: str
    n: int
    case: str
    runs: list[Measure] = field(default_factory=list)
    same_as_cold: list[bool] = field(default_factory=list)     # warm: output == a cold build
    files_written: list[int] = field(default_factory=list)     # no change: files touched


@dataclass
class ImportResult:
    size_mb: float
    files: int
    generated: int
    found: list[int] = field(default_factory=list)
    runs: list[Measure] = field(default_factory=list)


# -- running one process -------------------------------------------------------------------

def run_measured(cmd: list[str], cwd: Path, log: Path, env: dict | None = None) -> Measure:
    """Run cmd to completion, timed from outside; a non-zero exit is a BenchError."""
    with open(log, "ab") as fh:
        fh.write(("\n$ " + shlex.join(cmd) + "\n").encode())
        fh.flush()
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=fh, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        tail = log.read_text(errors="replace").splitlines()[-15:]
        raise BenchError(f"exit {proc.returncode}: {shlex.join(cmd)}\n(log {log})\n" + "\n".join(tail))
    return Measure(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024)


def child_env(*drop: str) -> dict:
    """The environment of a measured process: ours, but bytecode caches allowed, as for a user
    (so the warm-up leaves them), and without the variables named in `drop`."""
    return {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", *drop)}


def html_pages(folder: Path) -> int:
    return sum(1 for _ in folder.rglob("*.html"))


def snapshot(folder: Path) -> dict[str, tuple[int, int, int]]:
    """(inode, mtime_ns, size) of every file, to tell whether a build wrote anything."""
    out = {}
    for path in folder.rglob("*"):
        if path.is_file():
            st = path.stat()
            out[path.relative_to(folder).as_posix()] = (st.st_ino, st.st_mtime_ns, st.st_size)
    return out


def files_written(before: dict, after: dict) -> int:
    """Files created, deleted, replaced or modified between two snapshots."""
    return len(before.keys() ^ after.keys()) + sum(1 for k in before.keys() & after.keys()
                                                    if before[k] != after[k])


def tree_differences(a: Path, b: Path) -> list[str]:
    """Relative paths that are missing from one tree or differ in bytes."""
    fa = {p.relative_to(a).as_posix() for p in a.rglob("*") if p.is_file()}
    fb = {p.relative_to(b).as_posix() for p in b.rglob("*") if p.is_file()}
    return sorted(fa ^ fb) + [p for p in sorted(fa & fb) if not filecmp.cmp(a / p, b / p, shallow=False)]


def remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()


def empty_folder(path: Path) -> None:
    remove(path)
    path.mkdir(parents=True)


def append_sentence(path: Path, run: int) -> None:
    """The one edit of a warm build: a new last paragraph in one post."""
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(f"\nThis sentence was added to time a rebuild after one edit (run {run + 1}).\n")


# -- the two tools -------------------------------------------------------------------------

@dataclass
class Blogarchive:
    """`python build.py build` on a copy of the corpus; every cache lives under `state`."""
    repo: Path
    posts: Path
    config: Path
    state: Path                       # the build's cwd, $XDG_CACHE_HOME and {cache}
    args: str = ""
    cold_args: str = ""
    name: str = "blogarchive"
    verify: bool = True

    def command(self, out: Path, cold: bool) -> list[str]:
        extra = shlex.split(self.args) + (shlex.split(self.cold_args) if cold else [])
        extra = [a.replace("{cache}", str(self.state / "cache")) for a in extra]
        return [sys.executable, str(self.repo / "build.py"), "build", "--posts", str(self.posts),
                "--out", str(out), "--config", str(self.config), *extra]

    def env(self) -> dict:
        return {**child_env(), "XDG_CACHE_HOME": str(self.state / "xdg")}

    def reset(self) -> None:
        """Cold: an empty state folder, and nothing but the posts in the posts folder."""
        empty_folder(self.state)
        for entry in self.posts.iterdir():
            if entry.suffix != ".md" or entry.is_dir():
                remove(entry)


@dataclass
class Pelican:
    """Pelican on the corpus converted to Pelican Markdown, with its content cache in `state`."""
    python: Path
    posts: Path                       # the content folder
    config: Path
    state: Path
    name: str = "pelican"
    verify: bool = False

    def command(self, out: Path, cold: bool) -> list[str]:
        return [str(self.python), "-m", "pelican", str(self.posts), "-o", str(out),
                "-s", str(self.config), "-q"]

    def env(self) -> dict:
        return child_env("PYTHONPATH")

    def reset(self) -> None:
        empty_folder(self.state)


def repo_version(repo: Path) -> str:
    rev = subprocess.run(["git", "-C", str(repo), "rev-parse", "--short", "HEAD"],
                         capture_output=True, text=True).stdout.strip()
    return f"blogarchive {rev or '(no git)'}"


def pelican_version(python: Path) -> str:
    out = subprocess.run([str(python), "-c", "import importlib.metadata as m; "
                          "print(m.version('pelican'), m.version('markdown'))"],
                         capture_output=True, text=True, check=True).stdout.split()
    return f"Pelican {out[0]} (Markdown {out[1]})"


def pelican_python(venv: Path = PELICAN_VENV) -> Path:
    """The virtual environment's python, with Pelican installed into it on first use."""
    python = venv / "bin" / "python"
    ok = python.exists() and subprocess.run(
        [str(python), "-c", "import pelican, markdown"], capture_output=True).returncode == 0
    if not ok:
        print(f"creating {venv} with {' '.join(PELICAN_REQUIREMENTS)}", file=sys.stderr)
        for cmd in ([sys.executable, "-m", "venv", "--clear", str(venv)],
                    [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check",
                     *PELICAN_REQUIREMENTS]):
            done = subprocess.run(cmd, capture_output=True, text=True)
            if done.returncode:
                raise BenchError(f"cannot set up Pelican: {shlex.join(cmd)}\n{done.stderr[-2000:]}")
    return python


def pelican_conf(state: Path) -> str:
    """The same site shape as blogarchive's, in Pelican's default theme."""
    return f'''# Written by benchmarks/run.py: blogarchive's site shape in Pelican's terms.
AUTHOR = "Bench"
SITENAME = "Benchmark archive"
SITEURL = "{SITE_URL.rstrip('/')}"
RELATIVE_URLS = True
TIMEZONE = "Europe/London"
DEFAULT_LANG = "en"
ARTICLE_URL = "{{date:%Y}}/{{date:%m}}/{{date:%d}}/{{slug}}/"
ARTICLE_SAVE_AS = "{{date:%Y}}/{{date:%m}}/{{date:%d}}/{{slug}}/index.html"
YEAR_ARCHIVE_URL = "{{date:%Y}}/"
YEAR_ARCHIVE_SAVE_AS = "{{date:%Y}}/index.html"
MONTH_ARCHIVE_URL = "{{date:%Y}}/{{date:%m}}/"
MONTH_ARCHIVE_SAVE_AS = "{{date:%Y}}/{{date:%m}}/index.html"
CATEGORY_URL = "category/{{slug}}/"
CATEGORY_SAVE_AS = "category/{{slug}}/index.html"
TAG_URL = "tag/{{slug}}/"
TAG_SAVE_AS = "tag/{{slug}}/index.html"
AUTHOR_SAVE_AS = ""
AUTHORS_SAVE_AS = ""
DIRECT_TEMPLATES = ["index", "categories", "tags", "archives"]
DEFAULT_PAGINATION = 10
PAGINATED_TEMPLATES = {{"index": None, "category": None, "tag": None}}
PAGINATION_PATTERNS = (
    (1, "{{url}}", "{{save_as}}"),
    (2, "{{base_name}}/page/{{number}}/", "{{base_name}}/page/{{number}}/index.html"),
)
FEED_DOMAIN = SITEURL
FEED_ALL_RSS = "feed.xml"
FEED_ALL_ATOM = "atom.xml"
CATEGORY_FEED_RSS = "category/{{slug}}/feed.xml"
CATEGORY_FEED_ATOM = "category/{{slug}}/atom.xml"
AUTHOR_FEED_ATOM = None
AUTHOR_FEED_RSS = None
TRANSLATION_FEED_ATOM = None
FEED_MAX_ITEMS = 20
RSS_FEED_SUMMARY_ONLY = False
# Markdown: Pelican's default settings, whose "extra" extension includes footnotes.
CACHE_CONTENT = True
LOAD_CONTENT_CACHE = True
CACHE_PATH = "{state / 'cache'}"
'''


def pelican_markdown(post) -> str:
    """A blogarchive Post as a Pelican Markdown file (metadata header, blank line, body)."""
    date = post.date or post.date_after or post.date_before or dt.date(1970, 1, 1)
    cats = list(post.categories) or ["Uncategorized"]
    head = [f"Title: {post.title}", f"Date: {date.isoformat()}", f"Category: {cats[0]}"]
    if cats[1:]:
        head.append("Tags: " + ", ".join(cats[1:]))
    head.append(f"Slug: {post.slug}")
    return "\n".join(head) + "\n\n" + post.body


def convert_corpus(corpus: Path, content: Path, repo: Path) -> None:
    """posts/*.md (YAML front matter) -> Pelican content/*.md, same file names."""
    sys.path.insert(0, str(repo / "src"))
    from blogarchive.post import from_markdown
    content.mkdir(parents=True)
    for path in sorted(corpus.glob("*.md")):
        post = from_markdown(path.read_text(encoding="utf-8"), str(path))
        (content / path.name).write_text(pelican_markdown(post), encoding="utf-8")


# -- the build benchmark -------------------------------------------------------------------

def make_corpus(n: int, folder: Path, log: Path) -> Path:
    """corpus.py's N posts, written once per N and copied for each tool."""
    corpus = folder / "corpus"
    subprocess.run([sys.executable, str(HERE / "corpus.py"), str(n), str(corpus)],
                   check=True, stdout=open(log, "ab"))
    return corpus


def setup_tool(name: str, corpus: Path, folder: Path, opts) -> Blogarchive | Pelican:
    """The tool's own copy of the posts, its settings and its state folder under `folder`."""
    folder.mkdir(parents=True)
    if name == "blogarchive":
        shutil.copytree(corpus, folder / "posts")
        (folder / "site.yaml").write_text(SITE_YAML, encoding="utf-8")
        return Blogarchive(opts.repo, folder / "posts", folder / "site.yaml", folder / "state",
                           opts.extra_args, opts.cold_args)
    convert_corpus(corpus, folder / "content", opts.repo)
    (folder / "pelicanconf.py").write_text(pelican_conf(folder / "state"), encoding="utf-8")
    return Pelican(opts.pelican_python, folder / "content", folder / "pelicanconf.py", folder / "state")


def build(tool, out: Path, cold: bool, log: Path) -> Measure:
    """One timed build; a cold one starts from no output and empty caches."""
    if cold:
        tool.reset()
        remove(out)
    tool.state.mkdir(parents=True, exist_ok=True)
    m = run_measured(tool.command(out, cold), tool.state, log, tool.env())
    m.pages = html_pages(out)
    return m


def matches_cold_build(tool, out: Path, folder: Path, log: Path) -> bool:
    """Is `out` byte-identical to a cold build of the same posts (own state, untimed)?"""
    ref = replace(tool, posts=folder / "ref-posts", state=folder / "ref-state")
    shutil.copytree(tool.posts, ref.posts)
    build(ref, folder / "ref-out", cold=True, log=log)
    diff = tree_differences(out, folder / "ref-out")
    if diff:
        say(f"  {len(diff)} files differ from a cold build, e.g. {diff[:3]}")
    for path in (ref.posts, ref.state, folder / "ref-out"):
        remove(path)
    return not diff


def bench_tool(tool, n: int, runs: int, folder: Path, log: Path) -> list[CaseResult]:
    """Warm-up, then `runs` times: cold, warm after one edit, no change."""
    results = {case: CaseResult(tool.name, n, case) for case in CASES}
    edited = sorted(tool.posts.glob("*.md"))[n // 2]
    say(f"{tool.name} N={n}: untimed warm-up")
    build(tool, folder / "out", cold=True, log=log)
    for r in range(runs):
        out = folder / "out"
        cold = build(tool, out, cold=True, log=log)
        results["cold"].runs.append(cold)
        append_sentence(edited, r)
        results["warm, one edit"].runs.append(build(tool, out, cold=False, log=log))
        if tool.verify:
            results["warm, one edit"].same_as_cold.append(matches_cold_build(tool, out, folder, log))
        before = snapshot(out)
        results["no change"].runs.append(build(tool, out, cold=False, log=log))
        results["no change"].files_written.append(files_written(before, snapshot(out)))
        say(f"{tool.name} N={n} run {r + 1}/{runs}: " + ", ".join(
            f"{c} {results[c].runs[-1].wall:.2f} s" for c in CASES))
    remove(folder / "out")
    return list(results.values())


# -- the import benchmark ------------------------------------------------------------------

def bench_import(sizes: list[float], runs: int, repo: Path, folder: Path, log: Path) -> list[ImportResult]:
    """`build.py import` of synthetic dumps of each size into a fresh posts folder."""
    sets = []
    for size in sizes:
        dumps_dir = folder / f"dumps-{size:g}MB"
        paths, posts = dumpgen.write(size, dumps_dir)
        sets.append((ImportResult(sum(p.stat().st_size for p in paths) / 1e6, len(paths), len(posts)),
                     paths))
    posts_dir, report = folder / "posts", folder / "import-report.txt"

    def one(paths) -> tuple[Measure, int]:
        remove(posts_dir)
        cmd = [sys.executable, str(repo / "build.py"), "import", *map(str, paths),
               "--posts", str(posts_dir), "--report", str(report)]
        m = run_measured(cmd, folder, log, child_env())
        return m, sum(1 for _ in posts_dir.glob("*.md"))

    say(f"import: untimed warm-up ({sets[0][0].size_mb:.1f} MB)")
    one(sets[0][1])
    for r in range(runs):
        for result, paths in sets:
            m, found = one(paths)
            result.runs.append(m)
            result.found.append(found)
            say(f"import {result.size_mb:.1f} MB run {r + 1}/{runs}: {m.wall:.2f} s, "
                f"{found}/{result.generated} posts")
    return [s[0] for s in sets]


# -- the report ----------------------------------------------------------------------------

def spread(values: list[float], fmt: str) -> str:
    """'median (min–max)', or the single value."""
    med = statistics.median(values)
    if len(values) == 1:
        return format(med, fmt)
    return f"{format(med, fmt)} ({format(min(values), fmt)}–{format(max(values), fmt)})"


def check_text(res: CaseResult) -> str:
    if res.same_as_cold:
        return f"= cold build: {sum(res.same_as_cold)}/{len(res.same_as_cold)}"
    if res.files_written:
        return f"files written: {max(res.files_written):,}"
    return ""


def build_table(results: list[CaseResult]) -> list[str]:
    out = ["| tool | N | build | wall s | CPU s | peak RSS MiB | pages | ms/page | check |",
           "|---|---:|---|---:|---:|---:|---:|---:|---|"]
    for res in results:
        walls = [m.wall for m in res.runs]
        pages = res.runs[-1].pages
        out.append(f"| {res.tool} | {res.n:,} | {res.case} | {spread(walls, '.2f')} | "
                   f"{spread([m.cpu for m in res.runs], '.2f')} | "
                   f"{spread([m.rss_mib for m in res.runs], '.0f')} | {pages:,} | "
                   f"{1000 * statistics.median(walls) / max(pages, 1):.2f} | {check_text(res)} |")
    return out


def import_table(results: list[ImportResult]) -> list[str]:
    out = ["| import | dumps | posts found / generated | wall s | CPU s | peak RSS MiB | MB/s |",
           "|---:|---:|---:|---:|---:|---:|---:|"]
    for res in results:
        walls = [m.wall for m in res.runs]
        found = "/".join(str(f) for f in sorted(set(res.found)))
        out.append(f"| {res.size_mb:.1f} MB | {res.files} | {found} / {res.generated} | "
                   f"{spread(walls, '.2f')} | {spread([m.cpu for m in res.runs], '.2f')} | "
                   f"{spread([m.rss_mib for m in res.runs], '.0f')} | "
                   f"{res.size_mb / statistics.median(walls):.2f} |")
    return out


def median_wall(results, tool, n, case) -> float | None:
    for r in results:
        if (r.tool, r.n, r.case) == (tool, n, case):
            return statistics.median(m.wall for m in r.runs)
    return None


def targets(results: list[CaseResult], imports: list[ImportResult]) -> list[str]:
    """Issue 6's targets, measured at the largest N (and across N, and across import sizes)."""
    ours = [r for r in results if r.tool == "blogarchive"]
    if not ours:
        return []
    n = max(r.n for r in ours)
    by = {r.case: r for r in ours if r.n == n}
    rows = []
    pel = median_wall(results, "pelican", n, "cold")
    if pel:
        ratio = median_wall(results, "blogarchive", n, "cold") / pel
        rows.append((f"cold ≤ 1/4 of Pelican's wall, N={n:,}", f"{ratio:.2f} × Pelican's {pel:.1f} s",
                     ratio <= 0.25))
    warm = by["warm, one edit"]
    w = statistics.median(m.wall for m in warm.runs)
    rows.append((f"one edit ≤ 2 s, output = cold build, N={n:,}",
                 f"{w:.2f} s, {check_text(warm)}", w <= 2 and all(warm.same_as_cold)))
    nc = by["no change"]
    w = statistics.median(m.wall for m in nc.runs)
    rows.append((f"no change ≤ 1 s, writes no file, N={n:,}", f"{w:.2f} s, {check_text(nc)}",
                 w <= 1 and max(nc.files_written) == 0))
    rss = max(m.rss_mib for r in ours for m in r.runs)
    rows.append(("peak RSS of the largest process ≤ 250 MiB", f"{rss:.0f} MiB (max of all builds)",
                 rss <= 250))
    sizes = sorted({r.n for r in ours})
    if len(sizes) > 1:
        per = {s: 1000 * median_wall(results, "blogarchive", s, "cold") / s for s in sizes}
        change = per[sizes[-1]] / per[sizes[0]] - 1
        rows.append((f"cold cost per post flat within 25%, N={sizes[0]:,}→{sizes[-1]:,}",
                     " → ".join(f"{per[s]:.2f}" for s in sizes) + f" ms/post ({change:+.0%})",
                     abs(change) <= 0.25))
    if imports:
        rates = [r.size_mb / statistics.median(m.wall for m in r.runs) for r in imports]
        linear = max(rates) / min(rates) - 1
        rows.append(("import ≥ 5 MB/s, linear (MB/s within 25% across sizes)",
                     " / ".join(f"{x:.2f}" for x in rates) + f" MB/s (spread {linear:.0%})",
                     min(rates) >= 5 and linear <= 0.25))
    return ["| target | measured | met |", "|---|---|---|"] + [
        f"| {t} | {m} | {'yes' if ok else 'no'} |" for t, m, ok in rows]


def machine() -> str:
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.processor() or "unknown CPU")
    nproc = len(os.sched_getaffinity(0))
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (f"{nproc} cores (`nproc` = {nproc}), {model}, {mem:.0f} GiB RAM, "
            f"Linux {platform.release()}, Python {platform.python_version()}")


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


# -- main ----------------------------------------------------------------------------------

def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", default="1000,10000", help="corpus sizes, comma-separated (default 1000,10000)")
    ap.add_argument("--runs", type=int, default=3, help="timed runs of each case (default 3)")
    ap.add_argument("--tools", default="blogarchive,pelican", help="default blogarchive,pelican")
    ap.add_argument("--import-mb", default="10,50,100", help="dump sizes for the import benchmark")
    ap.add_argument("--skip-import", action="store_true", help="no import benchmark")
    ap.add_argument("--extra-args", default=BLOGARCHIVE_ARGS,
                    help='extra args for every blogarchive build; "{cache}" is its cache folder')
    ap.add_argument("--cold-args", default=BLOGARCHIVE_COLD_ARGS,
                    help="extra args for blogarchive's cold builds only")
    ap.add_argument("--repo", type=Path, default=HERE.parent, help="blogarchive checkout (default: this one)")
    ap.add_argument("--work", type=Path, default=None,
                    help="scratch folder (default: a new folder in /dev/shm, removed afterwards)")
    ap.add_argument("--keep", action="store_true", help="keep the scratch folder")
    args = ap.parse_args(argv)
    args.n = [int(x) for x in args.n.split(",") if x.strip()]
    args.tools = [t.strip() for t in args.tools.split(",") if t.strip()]
    args.import_mb = [] if args.skip_import else [float(x) for x in args.import_mb.split(",") if x.strip()]
    unknown = set(args.tools) - {"blogarchive", "pelican"}
    if unknown:
        ap.error(f"unknown tool(s): {', '.join(sorted(unknown))}")
    return args


def run_builds(args, work: Path, log: Path) -> list[CaseResult]:
    """Every tool at every N, one corpus per N."""
    results = []
    for n in args.n:
        corpus = make_corpus(n, work / f"n{n}", log)
        for name in args.tools:
            tool = setup_tool(name, corpus, work / f"n{n}" / name, args)
            results += bench_tool(tool, n, args.runs, work / f"n{n}" / name, log)
        remove(work / f"n{n}")
    return results


def header(args, started: dt.datetime) -> str:
    """When, on what, with which versions and arguments."""
    versions = [repo_version(args.repo)]
    if args.pelican_python:
        versions.append(pelican_version(args.pelican_python))
    return (f"{started:%Y-%m-%d %H:%M} UTC; {machine()}; {', '.join(versions)}; "
            f"blogarchive build args: `{args.extra_args or '(none)'}`"
            + (f", cold: `{args.cold_args}`" if args.cold_args else "")
            + f"; {args.runs} timed run(s) of each, median (min–max); "
            f"load average before: {args.load_before}, after: {load_average()}")


def main(argv=None) -> int:
    args = parse_args(argv)
    args.repo = args.repo.resolve()
    args.load_before = load_average()
    try:
        args.pelican_python = pelican_python() if "pelican" in args.tools else None
    except BenchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    work = args.work or Path(tempfile.mkdtemp(prefix="blogarchive-bench-", dir=SHM if SHM.is_dir() else None))
    work.mkdir(parents=True, exist_ok=True)
    log = work / "bench.log"
    say(f"scratch folder {work}; process output in {log}")
    started = dt.datetime.now(dt.timezone.utc)
    try:
        results = run_builds(args, work, log)
        imports = bench_import(args.import_mb, args.runs, args.repo, work / "import", log) \
            if args.import_mb else []
    except BenchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        if not (args.keep or args.work):
            shutil.rmtree(work, ignore_errors=True)
    lines = [header(args, started), ""]
    if results:
        lines += build_table(results) + [""]
    if imports:
        lines += import_table(imports) + [""]
    lines += targets(results, imports)
    print("\n".join(lines).rstrip())
    return 0


if __name__ == "__main__":
    sys.exit(main())
