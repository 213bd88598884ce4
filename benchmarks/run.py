"""Benchmark blogarchive against Pelican on the synthetic corpus and print one Markdown table.

    python benchmarks/run.py [--n 1000,10000] [--runs 3] [--tools blogarchive,pelican]
                             [--search on,off] [--import-mb 10,50,100 | --skip-import]
                             [--extra-args "..."]

For each N and tool (blogarchive once with search on, as it builds by default, and once
with --no-search): corpus.py writes N posts, one untimed warm-up build, then R runs of
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
import shlex
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from measure import (  # noqa: E402
    BenchError,
    Measure,
    child_env,
    empty_folder,
    files_written,
    html_pages,
    remove,
    run_measured,
    snapshot,
    tree_differences,
)
from pelican_site import convert_corpus, pelican_conf, pelican_python, pelican_version  # noqa: E402
from report import (  # noqa: E402
    CaseResult,
    ImportResult,
    build_table,
    import_table,
    load_average,
    machine,
    targets,
)

import dumps as dumpgen  # noqa: E402

# Extra arguments for every `build.py build`; "{cache}" becomes the build's own cache folder,
# which is emptied before each cold build (so a cold build is cold). --extra-args overrides it.
# Each build runs with search on (row "blogarchive") and with --no-search ("blogarchive
# --no-search"), as --search says; Pelican builds no search index.
BLOGARCHIVE_ARGS = "--cache {cache}"
NO_SEARCH = "--no-search"
# Added to cold builds only (after BLOGARCHIVE_ARGS). --cold-args overrides it.
BLOGARCHIVE_COLD_ARGS = ""
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


def say(text: str) -> None:
    """Progress, on stderr; the table alone goes to stdout."""
    print(text, file=sys.stderr, flush=True)


# -- the two tools -------------------------------------------------------------------------


@dataclass
class Blogarchive:
    """`python build.py build` on a copy of the corpus; every cache lives under `state`."""

    repo: Path
    posts: Path
    config: Path
    state: Path  # the build's cwd, $XDG_CACHE_HOME and {cache}
    args: str = ""
    cold_args: str = ""
    name: str = "blogarchive"
    verify: bool = True
    search: bool = True

    def command(self, out: Path, cold: bool) -> list[str]:
        extra = shlex.split(self.args) + (shlex.split(self.cold_args) if cold else [])
        extra = [a.replace("{cache}", str(self.state / "cache")) for a in extra]
        extra += [] if self.search else [NO_SEARCH]
        return [
            sys.executable,
            str(self.repo / "build.py"),
            "build",
            "--posts",
            str(self.posts),
            "--out",
            str(out),
            "--config",
            str(self.config),
            *extra,
        ]

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
    posts: Path  # the content folder
    config: Path
    state: Path
    name: str = "pelican"
    verify: bool = False

    def command(self, out: Path, cold: bool) -> list[str]:
        return [
            str(self.python),
            "-m",
            "pelican",
            str(self.posts),
            "-o",
            str(out),
            "-s",
            str(self.config),
            "-q",
        ]

    def env(self) -> dict:
        return child_env("PYTHONPATH")

    def reset(self) -> None:
        empty_folder(self.state)


def repo_version(repo: Path) -> str:
    rev = subprocess.run(
        ["git", "-C", str(repo), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    return f"blogarchive {rev or '(no git)'}"


# -- the build benchmark -------------------------------------------------------------------


def append_sentence(path: Path, run: int) -> str:
    """The one edit of a warm build: a new last paragraph in one post; returns the sentence."""
    sentence = f"This sentence was added to time a rebuild after one edit (run {run + 1})."
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(f"\n{sentence}\n")
    return sentence


def edit_shown(out: Path, slug: str, sentence: str) -> bool:
    """Does the edited post's page (…/<slug>/index.html, the same for both tools) show the edit?"""
    return any(
        sentence in page.read_text(encoding="utf-8") for page in out.rglob(f"{slug}/index.html")
    )


def make_corpus(n: int, folder: Path, log: Path) -> Path:
    """corpus.py's N posts, written once per N and copied for each tool."""
    corpus = folder / "corpus"
    subprocess.run(
        [sys.executable, str(HERE / "corpus.py"), str(n), str(corpus)],
        check=True,
        stdout=open(log, "ab"),
    )
    return corpus


def setup_tool(
    name: str, corpus: Path, folder: Path, opts, search: bool = True
) -> Blogarchive | Pelican:
    """The tool's own copy of the posts, its settings and its state folder under `folder`."""
    folder.mkdir(parents=True)
    if name == "blogarchive":
        shutil.copytree(corpus, folder / "posts")
        (folder / "site.yaml").write_text(SITE_YAML, encoding="utf-8")
        return Blogarchive(
            opts.repo,
            folder / "posts",
            folder / "site.yaml",
            folder / "state",
            opts.extra_args,
            opts.cold_args,
            search=search,
            name="blogarchive" if search else f"blogarchive {NO_SEARCH}",
        )
    convert_corpus(corpus, folder / "content", opts.repo)
    (folder / "pelicanconf.py").write_text(
        pelican_conf(folder / "state", SITE_URL), encoding="utf-8"
    )
    return Pelican(
        opts.pelican_python, folder / "content", folder / "pelicanconf.py", folder / "state"
    )


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
    diff = [p for p in tree_differences(out, folder / "ref-out") if not pagefind_varies(p)]
    if diff:
        say(f"  {len(diff)} files differ from a cold build, e.g. {diff[:3]}")
    for path in (ref.posts, ref.state, folder / "ref-out"):
        remove(path)
    return not diff


def pagefind_varies(path: str) -> bool:
    """The index files Pagefind writes differently on every run over the same posts (its filter
    chunks list values in hash-map order, and the .pf_meta and pagefind-entry.json name them):
    not compared. A kept shard keeps its bytes; a re-indexed one differs only in these."""
    return path.startswith("pagefind/") and (
        "/filter/" in path or path.endswith((".pf_meta", "pagefind-entry.json"))
    )


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
        sentence = append_sentence(edited, r)
        results["warm, one edit"].runs.append(build(tool, out, cold=False, log=log))
        results["warm, one edit"].edit_shown.append(edit_shown(out, edited.stem, sentence))
        if tool.verify:
            results["warm, one edit"].same_as_cold.append(
                matches_cold_build(tool, out, folder, log)
            )
        before = snapshot(out)
        results["no change"].runs.append(build(tool, out, cold=False, log=log))
        results["no change"].files_written.append(files_written(before, snapshot(out)))
        say(
            f"{tool.name} N={n} run {r + 1}/{runs}: "
            + ", ".join(f"{c} {results[c].runs[-1].wall:.2f} s" for c in CASES)
        )
    remove(folder / "out")
    return list(results.values())


# -- the import benchmark ------------------------------------------------------------------


def bench_import(
    sizes: list[float], runs: int, repo: Path, folder: Path, log: Path
) -> list[ImportResult]:
    """`build.py import` of synthetic dumps of each size into a fresh posts folder."""
    sets = []
    for size in sizes:
        dumps_dir = folder / f"dumps-{size:g}MB"
        paths, posts = dumpgen.write(size, dumps_dir)
        sets.append(
            (
                ImportResult(sum(p.stat().st_size for p in paths) / 1e6, len(paths), len(posts)),
                paths,
            )
        )
    posts_dir, report = folder / "posts", folder / "import-report.txt"

    def one(paths) -> tuple[Measure, int]:
        remove(posts_dir)
        cmd = [
            sys.executable,
            str(repo / "build.py"),
            "import",
            *map(str, paths),
            "--posts",
            str(posts_dir),
            "--report",
            str(report),
        ]
        m = run_measured(cmd, folder, log, child_env())
        return m, sum(1 for _ in posts_dir.glob("*.md"))

    say(f"import: untimed warm-up ({sets[0][0].size_mb:.1f} MB)")
    one(sets[0][1])
    for r in range(runs):
        for result, paths in sets:
            m, found = one(paths)
            result.runs.append(m)
            result.found.append(found)
            say(
                f"import {result.size_mb:.1f} MB run {r + 1}/{runs}: {m.wall:.2f} s, "
                f"{found}/{result.generated} posts"
            )
    return [s[0] for s in sets]


# -- main ----------------------------------------------------------------------------------


def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--n", default="1000,10000", help="corpus sizes, comma-separated (default 1000,10000)"
    )
    ap.add_argument("--runs", type=int, default=3, help="timed runs of each case (default 3)")
    ap.add_argument("--tools", default="blogarchive,pelican", help="default blogarchive,pelican")
    ap.add_argument(
        "--search",
        default="on,off",
        help="blogarchive with search on, off or both (default on,off)",
    )
    ap.add_argument("--import-mb", default="10,50,100", help="dump sizes for the import benchmark")
    ap.add_argument("--skip-import", action="store_true", help="no import benchmark")
    ap.add_argument(
        "--extra-args",
        default=BLOGARCHIVE_ARGS,
        help='extra args for every blogarchive build; "{cache}" is its cache folder',
    )
    ap.add_argument(
        "--cold-args",
        default=BLOGARCHIVE_COLD_ARGS,
        help="extra args for blogarchive's cold builds only",
    )
    ap.add_argument(
        "--repo", type=Path, default=HERE.parent, help="blogarchive checkout (default: this one)"
    )
    ap.add_argument(
        "--work",
        type=Path,
        default=None,
        help="scratch folder (default: a new folder in /dev/shm, removed afterwards)",
    )
    ap.add_argument("--keep", action="store_true", help="keep the scratch folder")
    args = ap.parse_args(argv)
    args.n = [int(x) for x in args.n.split(",") if x.strip()]
    args.tools = [t.strip() for t in args.tools.split(",") if t.strip()]
    args.search = [m.strip() == "on" for m in args.search.split(",") if m.strip() in ("on", "off")]
    if not args.search:
        ap.error("--search: expected on, off or on,off")
    args.import_mb = (
        [] if args.skip_import else [float(x) for x in args.import_mb.split(",") if x.strip()]
    )
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
            for search in args.search if name == "blogarchive" else [False]:
                folder = (
                    work
                    / f"n{n}"
                    / (name if search or name != "blogarchive" else f"{name}-no-search")
                )
                tool = setup_tool(name, corpus, folder, args, search)
                results += bench_tool(tool, n, args.runs, folder, log)
        remove(work / f"n{n}")
    return results


def header(args, started: dt.datetime) -> str:
    """When, on what, with which versions and arguments."""
    versions = [repo_version(args.repo)]
    if args.pelican_python:
        versions.append(pelican_version(args.pelican_python))
    return (
        f"{started:%Y-%m-%d %H:%M} UTC; {machine()}; {', '.join(versions)}; "
        f"blogarchive build args: `{args.extra_args or '(none)'}`"
        + (f", cold: `{args.cold_args}`" if args.cold_args else "")
        + f"; {args.runs} timed run(s) of each, median (min–max); "
        f"load average before: {args.load_before}, after: {load_average()}"
    )


def main(argv=None) -> int:
    args = parse_args(argv)
    args.repo = args.repo.resolve()
    args.load_before = load_average()
    try:
        args.pelican_python = pelican_python() if "pelican" in args.tools else None
    except BenchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    work = args.work or Path(
        tempfile.mkdtemp(prefix="blogarchive-bench-", dir=SHM if SHM.is_dir() else None)
    )
    work.mkdir(parents=True, exist_ok=True)
    log = work / "bench.log"
    say(f"scratch folder {work}; process output in {log}")
    started = dt.datetime.now(dt.timezone.utc)
    try:
        results = run_builds(args, work, log)
        imports = (
            bench_import(args.import_mb, args.runs, args.repo, work / "import", log)
            if args.import_mb
            else []
        )
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
