"""The `build` command: posts/ -> site/, rendered into a new folder that replaces the old one.

The build, in order:
  scan posts/ (content keys) -> nothing changed since the last build? stop, writing nothing
  -> digest each post (front matter, HTML, summary: cached, else in worker processes)
  -> group -> plan every page and feed, each with a key of everything it is made from
  -> render what changed in the workers, hard-link what did not from the old site
  -> static files, sitemap -> swap the new folder in -> remember what was built.
A failure anywhere before the swap leaves the old site untouched.
"""
from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import importlib.metadata
import os
import shutil
import stat
import sys
import tempfile
import time
import traceback
from pathlib import Path

import jinja2
import markdown

from . import site as S
from .cache import BuildCache
from .config import Config, load_config
from .errors import BlogArchiveError, InputError, OutputError, PostError
from .feed import FeedInfo, FeedItem, absolutize, atom_xml, rss_xml
from .fsutil import TEMP_SUFFIX
from .parallel import Workers
from .post import Post, from_markdown
from .export import json_feed, posts_json
from .provenance import source_views
from .related import related_from_terms
from .search import search_doc, update_index
from .render import (BUILTIN_TEMPLATES, Digest, Page, content_key, digest, make_env, plan_pages,
                     post_html, render, robots, sitemap, summary)

ROOT = Path(__file__).resolve().parents[2]
STATIC = ROOT / "static"
DEFAULT_CACHE = ".blogarchive-cache"


class TemplateError(InputError):
    """A template that does not compile or uses a name the renderer does not provide."""


def register(sub) -> None:
    p = sub.add_parser("build", help="build the site from posts/ into site/",
                       description="Build the static site from posts/*.md. The previous site is "
                                   "replaced only when the whole build succeeded.")
    add_build_options(p)
    p.set_defaults(func=run)


def add_build_options(p) -> None:
    p.add_argument("--posts", default="posts", metavar="DIR", help="posts folder (default: posts)")
    p.add_argument("--out", default="site", metavar="DIR", help="output folder (default: site)")
    p.add_argument("--config", default="site.yaml", metavar="FILE", help="settings (default: site.yaml)")
    p.add_argument("--base-url", default=None, metavar="URL",
                   help="absolute URL the site will be published at (overrides site.yaml)")
    p.add_argument("--templates", default=None, metavar="DIR",
                   help="folder of templates overriding the built-in ones by name")
    p.add_argument("--keep-going", action="store_true", help="skip malformed posts with a warning")
    p.add_argument("--jobs", "-j", type=int, default=None, metavar="N",
                   help="worker processes (default: one per CPU core)")
    p.add_argument("--cache", default=DEFAULT_CACHE, metavar="DIR",
                   help=f"build cache folder, outside the site (default: {DEFAULT_CACHE})")
    p.add_argument("--no-cache", action="store_true",
                   help="neither read nor write the build cache: a cold build")
    p.add_argument("--timings", action="store_true", help="print how long each step took")
    p.add_argument("--dumps", default="dumps", metavar="DIR",
                   help="the raw dumps, for each post's source view (default: dumps; skipped if absent)")
    p.add_argument("--no-search", action="store_true", help="do not build the Pagefind search index")


def run(args) -> int:
    """The build command: settings, build, one line of result, the base_url warning."""
    config = load_config(Path(args.config), args.base_url)
    report = build(Path(args.posts), Path(args.out), config,
                   Path(args.templates) if args.templates else None, args.keep_going,
                   **options(args))
    print(report.summary(args.out))
    if args.timings:
        print("  " + ", ".join(f"{step} {sec:.2f} s" for step, sec in report.phases.items()))
    warn_placeholder(config)
    return 0


def options(args) -> dict:
    """The build() keywords the command-line options ask for."""
    if args.jobs is not None and args.jobs < 1:
        raise BlogArchiveError(f"--jobs: expected a positive number of workers, got {args.jobs}")
    return {"jobs": args.jobs, "cache_dir": None if args.no_cache else Path(args.cache),
            "dumps_dir": Path(args.dumps), "search": not args.no_search}


def warn_placeholder(config: Config) -> None:
    """Without base_url the site works, but feeds and canonical links cannot be right: say so once."""
    if not config.base_url:
        print("warning: no base_url in site.yaml (or --base-url): feeds, sitemap and canonical links "
              f"carry the placeholder {config.site_url} until one is set", file=sys.stderr)


@dataclasses.dataclass
class Report:
    """What a build did, for the one line the command prints (and for benchmarks and tests)."""
    files: int = 0
    rendered: int = 0
    kept: int = 0
    converted: int = 0
    read: int = 0                   # post files read (the rest matched the last build's record)
    indexed_keys: list = dataclasses.field(default_factory=list, repr=False)   # of the post pages
    indexed: object = None          # search.IndexStats, when Pagefind ran
    up_to_date: bool = False
    seconds: float = 0.0
    keys: dict = dataclasses.field(default_factory=dict, repr=False)   # output path -> its key
    phases: dict = dataclasses.field(default_factory=dict)              # step -> seconds

    def lap(self, step: str) -> None:
        """Note the time since the last lap under `step` (shown by --timings)."""
        now = time.perf_counter()
        self.phases[step] = self.phases.get(step, 0.0) + now - getattr(self, "_last", now)
        self._last = now

    def __int__(self) -> int:
        return self.files

    def summary(self, out) -> str:
        if self.up_to_date:
            return f"{out}/ is up to date ({self.files} files); nothing written in {self.seconds:.2f} s"
        index = self.indexed
        searched = (f"; search index of {index.pages} pages in {index.shards} shards, "
                    f"{index.indexed} indexed ({index.bytes / 1e6:.1f} MB) "
                    f"in {index.seconds:.2f} s" if index else "")
        return (f"built {self.files} files into {out}/ in {self.seconds:.2f} s "
                f"({self.converted} posts converted, {self.rendered} files rendered, "
                f"{self.kept} unchanged{searched})")


# -- reading posts ---------------------------------------------------------------------------

def scan_posts(folder: Path) -> tuple[list[tuple[Path, bytes]], list[str]]:
    """Every posts/*.md as (path, bytes), in name order, and the files that cannot be read."""
    if not folder.is_dir():
        raise BlogArchiveError(f"{folder}: no such posts folder (run `python build.py import` first)")
    found, errors = [], []
    root = folder.resolve()
    names = sorted(e.name for e in os.scandir(folder) if e.name.endswith(".md") and not e.name.startswith("."))
    for path in (folder / name for name in names):
        try:
            if path.is_symlink() and not path.resolve().is_relative_to(root):
                raise PostError(path, None, "is a link to a file outside the posts folder; refused")
            try:
                found.append((path, path.read_bytes()))
            except OSError as exc:
                raise PostError(path, None, f"cannot read: {exc.strerror}") from None
        except PostError as exc:
            errors.append(str(exc))
    return found, errors


def key_posts(folder: Path, renderer: str, known: dict, trusted_before: int):
    """Every posts/*.md as (path, content key, whether it was read, [size, mtime_ns, inode]).

    Bytes are hashed and let go: workers read the files they convert, so no process holds
    every post (10,000 posts are 70 MB of text).

    A file whose size, mtime and inode are what the last build recorded, and which was last
    modified well before that build began (so no edit can hide in the same clock tick), keeps
    its recorded key without being read: a no-change build of 10,000 posts reads nothing."""
    if not folder.is_dir():
        raise BlogArchiveError(f"{folder}: no such posts folder (run `python build.py import` first)")
    found, errors = [], []
    root = folder.resolve()
    names = sorted(e.name for e in os.scandir(folder) if e.name.endswith(".md") and not e.name.startswith("."))
    for name in names:
        path = folder / name
        try:
            st = os.stat(path)
            if os.path.islink(path) and not path.resolve().is_relative_to(root):
                raise PostError(path, None, "is a link to a file outside the posts folder; refused")
            stats = [st.st_size, st.st_mtime_ns, st.st_ino]
            record = known.get(name)
            if isinstance(record, list) and record[:3] == stats and st.st_mtime_ns < trusted_before:
                found.append((path, str(record[3]), False, stats))
                continue
            key = content_key(renderer.encode() + path.read_bytes())
            found.append((path, key, True, stats))
        except PostError as exc:
            errors.append(str(exc))
        except OSError as exc:
            errors.append(str(PostError(path, None, f"cannot read: {exc.strerror}")))
    return found, errors


def parse_post(path: Path, data: bytes) -> Post:
    """One post file's bytes as a Post; non-UTF-8 text is a PostError naming the byte."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PostError(path, data[:exc.start].count(b"\n") + 1,
                        f"not UTF-8 text (byte {exc.start})") from None
    return from_markdown(text, str(path))


def read_posts(folder: Path, keep_going: bool) -> list[Post]:
    """Every posts/*.md as a Post; all malformed files are reported together (or skipped)."""
    found, errors = scan_posts(folder)
    parsed = []
    for path, data in found:
        try:
            parsed.append((path, parse_post(path, data)))
        except PostError as exc:
            errors.append(str(exc))
    return unique_slugs(parsed, lambda post: post.slug, errors, keep_going)


def unique_slugs(items: list[tuple[Path, object]], slug_of, errors: list[str], keep_going: bool) -> list:
    """The items, refusing (or with --keep-going skipping) malformed files and a slug used twice."""
    seen: dict[str, Path] = {}
    kept = []
    for path, item in items:
        slug = slug_of(item)
        if slug in seen:
            errors.append(f"{path}: slug {slug!r} is also used by {seen[slug]}")
            continue
        seen[slug] = path
        kept.append(item)
    if errors and not keep_going:
        raise BlogArchiveError("cannot build:\n  " + "\n  ".join(errors)
                               + "\n(fix the files, or use --keep-going to skip them)")
    for error in errors:
        print(f"warning: skipped {error}", file=sys.stderr)
    return kept


# -- fingerprints ------------------------------------------------------------------------------

def renderer_fingerprint() -> str:
    """Everything besides a post's own bytes that its HTML depends on: our code and markdown's."""
    parts = [f"{path.relative_to(ROOT)}:{content_key(path.read_bytes())}"
             for path in sorted((ROOT / "src" / "blogarchive").rglob("*.py"))]
    return content_key("\n".join([markdown.__version__, jinja2.__version__, _version("feedgen"), *parts]))


def _version(package: str) -> str:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "?"


def _folder_keys(folder: Path | None) -> list[str]:
    if folder is None or not folder.is_dir():
        return []
    return [f"{p.relative_to(folder).as_posix()}:{content_key(p.read_bytes())}"
            for p in sorted(folder.rglob("*")) if p.is_file()]


def site_fingerprint(renderer: str, config: Config, template_dir: Path | None, post_keys: list[str]) -> str:
    """Every input of the whole site: a build with the same fingerprint would write the same files."""
    return content_key("\n".join([renderer, repr(config), str(template_dir), *_folder_keys(template_dir),
                                  *_folder_keys(BUILTIN_TEMPLATES), *_folder_keys(STATIC), *post_keys]))


# -- the work each worker process does ---------------------------------------------------------

@dataclasses.dataclass
class FeedJob:
    path: str
    source: str
    kind: str                   # "rss" or "atom"
    info: FeedInfo
    items: tuple                # (header Post, absolute URL, HTML key) for each entry

    def key(self, salt: str) -> str:
        return content_key(salt + repr((self.path, self.kind, self.info, self.items)))


class BuildState:
    """A worker's view of the build: settings, templates, the cache, the post files by key,
    and the HTML of the posts it converted (until their pages are rendered)."""

    def __init__(self, config: Config, env: jinja2.Environment, cache: BuildCache,
                 files: dict[str, Path], tmp: Path, old: Path, salt: str = "",
                 renderer: str = ""):
        self.config, self.env, self.cache, self.files, self.salt = config, env, cache, files, salt
        self.renderer = renderer
        self.tmp, self.old = tmp, old
        self.digests: dict[str, Digest] = {}
        self.items: dict[tuple[str, str], FeedItem] = {}
        self.made: set[str] = set()

    def know(self, digests: dict[str, Digest]) -> None:
        """Every post's digest by key, which listings and post pages are rendered from."""
        self.digests = digests

    def digest(self, keys: list[str]) -> list:
        """Each post as a Digest (its HTML cached), or the error that stops it being read."""
        out = []
        for key in keys:
            try:
                post = self.post(key)
            except PostError as exc:
                out.append(str(exc))
                continue
            body = post_html(post.body)
            self.cache.put_html(key, body)
            out.append(digest(post, key, body))
        return out

    def html_of(self, key: str) -> str:
        """A post's HTML: from the cache (or scratch folder), else converted again from its file."""
        body = self.cache.html(key)
        return post_html(self.post(key).body) if body is None else body

    def post(self, key: str) -> Post:
        """The post with this content key (its file must still hold exactly that content)."""
        path = self.files[key]
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise PostError(path, None, f"cannot read: {exc.strerror}") from None
        if content_key(self.renderer.encode() + data) != key:
            raise PostError(path, None, "changed while the site was being built; build again")
        return parse_post(path, data)

    def render(self, pages: list[Page]) -> list[str]:
        """Render and write each page; 'same' where the old site already has these bytes."""
        out = []
        with template_errors():
            for page in pages:
                data = render(page, self.env, self.config, self.digests, self.html_of).encode("utf-8")
                out.append(self.put(page.path, data))
        return out

    def feeds(self, jobs: list[FeedJob]) -> list[str]:
        out = []
        for job in jobs:
            items = [self._feed_item(post, url, key) for post, url, key in job.items]
            data = {"rss": rss_xml, "atom": atom_xml, "json": json_feed}[job.kind](job.info, items)
            out.append(self.put(job.path, data))
        return out

    def _feed_item(self, post: Post, url: str, key: str) -> FeedItem:
        """One entry, made once per worker though RSS, Atom and JSON Feed of the site and of
        each category all show it (absolutize parses the HTML)."""
        if (key, url) not in self.items:
            body = self.html_of(key)
            self.items[(key, url)] = FeedItem(post, url, absolutize(body, url), summary(body))
        return self.items[(key, url)]

    def put(self, rel: str, data: bytes) -> str:
        """Write one file of the new site, or hard-link the old site's copy when the bytes match."""
        target, old = self._target(rel), f"{self.old}/{rel}"
        try:
            st = os.lstat(old)
            if stat.S_ISREG(st.st_mode) and st.st_size == len(data):
                with open(old, "rb") as fh:
                    if fh.read() == data:
                        os.link(old, target)
                        return "same"
        except OSError:
            pass
        try:
            with open(target, "xb") as fh:
                fh.write(data)
        except OSError as exc:
            raise OutputError(f"{self.tmp}: cannot write {rel}: {exc.strerror}") from None
        return "written"

    def link(self, rels: list[str]) -> list[str]:
        """Hard-link unchanged files of the old site into the new one."""
        try:
            for rel in rels:
                os.link(f"{self.old}/{rel}", self._target(rel))
        except OSError as exc:
            raise OutputError(f"{self.tmp}: cannot link {rel} from the old site: {exc.strerror}") from None
        return ["kept"] * len(rels)

    def _target(self, rel: str) -> str:
        """The new site's path for `rel`, its folders made (once per process)."""
        folder = rel.rpartition("/")[0]
        if folder and folder not in self.made:
            try:
                os.makedirs(f"{self.tmp}/{folder}", exist_ok=True)
            except OSError as exc:
                raise OutputError(f"{self.tmp}: cannot make {folder}/: {exc.strerror}") from None
            while folder:
                self.made.add(folder)
                folder = folder.rpartition("/")[0]
        return f"{self.tmp}/{rel}"


@contextlib.contextmanager
def template_errors():
    """A broken template (syntax, unknown variable) is a build error naming its file and line."""
    try:
        yield
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateError(exc.filename or exc.name or "template", exc.lineno, exc.message) from None
    except jinja2.TemplateError as exc:
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename.endswith(".html")]
        where = frames[-1] if frames else None
        raise TemplateError(where.filename if where else "template", where.lineno if where else None,
                            str(exc)) from None


# -- the build -----------------------------------------------------------------------------------

def build(posts_dir: Path, out: Path, config: Config, template_dir: Path | None = None,
          keep_going: bool = False, *, jobs: int | None = None, cache_dir: Path | None = None,
          dumps_dir: Path | None = None, search: bool = False) -> Report:
    """Build posts_dir into out; with a cache_dir, reuse whatever the last build already made.

    With a dumps_dir, each post whose dumps are there gets a source view; with search, the
    site is indexed by Pagefind before it is swapped in."""
    started = time.perf_counter()
    out = Path(out).absolute()
    with output_lock(out):
        for stale in out.parent.glob(f".{out.name}.*{TEMP_SUFFIX}"):   # left by a killed build
            shutil.rmtree(stale, ignore_errors=True)
        with _cache(out, cache_dir) as cache:
            report = _build(Path(posts_dir), out, config, template_dir, keep_going,
                            jobs or os.cpu_count() or 1, cache,
                            Path(dumps_dir) if dumps_dir and Path(dumps_dir).is_dir() else None, search)
    report.seconds = time.perf_counter() - started
    return report


@contextlib.contextmanager
def _cache(out: Path, cache_dir: Path | None):
    """The persistent cache; without one (--no-cache), a scratch folder for this build's HTML
    (workers hand post HTML to each other through it, not through memory), removed after."""
    if cache_dir is not None:
        yield BuildCache(Path(cache_dir).absolute())
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f".{out.name}.scratch.", suffix=TEMP_SUFFIX, dir=out.parent))
    try:
        yield BuildCache(scratch, scratch=True)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _build(posts_dir: Path, out: Path, config: Config, template_dir: Path | None, keep_going: bool,
           jobs: int, cache: BuildCache, dumps_dir: Path | None, search: bool) -> Report:
    report = Report()
    report.lap("start")
    scanned = time.time_ns()
    renderer = renderer_fingerprint()
    manifest = cache.manifest(out)
    known = manifest.get("posts", {}) if manifest.get("renderer") == renderer else {}
    found, errors = key_posts(posts_dir, renderer, known if isinstance(known, dict) else {},
                              int(manifest.get("scanned", 0) or 0) - 2_000_000_000)
    order = [(path, key) for path, key, _, _ in found]
    report.read = sum(read for _, _, read, _ in found)
    files = {key: path for path, key, _, _ in found}
    fingerprint = site_fingerprint(renderer, config, template_dir, [
        f"search={search}", *_folder_keys(dumps_dir), *(f"{p.name}:{k}" for p, k in order)])
    report.lap("scan")
    if not errors and manifest.get("fingerprint") == fingerprint and _intact(out, manifest["files"]):
        report.lap("check")
        report.files, report.up_to_date = len(manifest["files"]), True
        return report

    env = make_env(template_dir, search)
    with template_errors():     # compile the templates now: a broken one fails before any work
        for name in sorted(p.name for p in BUILTIN_TEMPLATES.glob("*.html")):
            env.get_template(name)
    tmp = _new_folder(out)
    try:
        salt = content_key(repr((renderer, config, search, _folder_keys(BUILTIN_TEMPLATES),
                                 _folder_keys(template_dir))))   # in every page's key
        state = BuildState(config, env, cache, files, tmp, out, salt, renderer)
        with Workers(jobs, state) as workers:
            digests = _render_site(state, workers, order, errors, keep_going, manifest, out, report,
                                   dumps_dir)
        if search:
            _search_index(state, digests, manifest, jobs, report)
        written = _walk(tmp)
        cache.forget_manifest(out)
        _swap(tmp, out)
        report.lap("swap")
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise OutputError(f"{out}: cannot write the site: {exc.strerror}; the previous site is untouched") from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    cache.put_manifest(out, fingerprint if not errors else "", {
        rel: [report.keys.get(rel, ""), *stat] for rel, stat in written.items()},
        renderer=renderer, scanned=scanned, posts={p.name: [*st, key] for p, key, _, st in found})
    report.files = len(written)
    report.lap("remember")
    return report


def _render_site(state: BuildState, workers: Workers, order: list[tuple[Path, str]], errors: list[str],
                 keep_going: bool, manifest: dict, out: Path, report: Report,
                 dumps_dir: Path | None = None) -> list[Digest]:
    """Digest the posts, plan every output file, render what changed, keep what did not;
    returns the digests of the posts built."""
    cached = state.cache.digests()
    todo = [k for k in dict.fromkeys(k for _, k in order) if k not in cached]
    report.lap("load cache")
    fresh = dict(zip(todo, workers.map("digest", todo)))
    report.lap("digest")
    digests, parsed = {}, []
    for path, key in order:
        result = cached.get(key) or fresh[key]
        if isinstance(result, str):
            errors.append(result)
        else:
            parsed.append((path, result))
            digests[key] = result
    kept_digests = unique_slugs(parsed, lambda d: d.post.slug, errors, keep_going)
    state.cache.put_digests(digests, cached)
    workers.broadcast("know", {d.key: d for d in kept_digests})
    report.converted = len(todo)
    salt = state.salt
    site = S.group([d.post for d in kept_digests], related_links(kept_digests, state.cache))
    by_slug = {d.post.slug: d for d in kept_digests}
    outputs = Output()
    old_files = manifest.get("files", {})

    def dispatch(method: str, jobs: list) -> None:
        keep, make = [], []
        for job in jobs:
            outputs.add(job.path, job.source)
            key = job.key(salt)
            report.keys[job.path] = key
            old = old_files.get(job.path)
            (keep if old and old[0] == key and _same_file(f"{out}/{job.path}", old) else make).append(job)
        workers.map("link", [j.path for j in keep])
        workers.map(method, make)
        report.kept += len(keep)
        report.rendered += len(make)
        report.indexed_keys += [report.keys[j.path] for j in jobs if getattr(j, "kind", "") == "post"]

    report.lap("group")
    named = {s.file for p in site.posts for s in p.sources}
    if dumps_dir and any((dumps_dir / name).is_file() for name in named):
        views = source_views(dumps_dir, site.posts)     # re-runs the loader: only when it can help
    else:
        views = {}
    views = {slug: v for slug, v in views.items() if any(c.lines for c in v.copies)}
    report.lap("source views")
    pages = plan_pages(site, by_slug, state.config, views, bool(state.env.globals["search"]))
    while chunk := list(_take(pages, 2000)):
        report.lap("plan")
        dispatch("render", chunk)
        report.lap("pages")
    dispatch("feeds", feed_jobs(site, by_slug, state.config))
    report.lap("feeds")
    for rel, source, data in extra_files(outputs, state.config, kept_digests):
        outputs.add(rel, source)
        state.put(rel, data)
    report.lap("static")
    return kept_digests


def related_links(digests: list[Digest], cache: BuildCache) -> dict[str, tuple[str, ...]]:
    """Each post's related posts, from every post's terms; remembered in the cache while the
    terms and categories of all posts stay the same (an edit seldom changes them)."""
    items = sorted((d.post.slug, d.terms, d.post.categories) for d in digests)
    key = content_key(repr(items))
    found = cache.related(key)
    if found is None:
        found = related_from_terms(items)
        cache.put_related(key, found)
    return found


def _search_index(state: BuildState, digests: list[Digest], manifest: dict, jobs: int,
                  report: Report) -> None:
    """Index the posts in shards; a shard none of whose posts changed is linked from the old
    site (if its files are the ones the last build wrote), the others are indexed again."""
    old_files = manifest.get("files", {})
    report.indexed = update_index(
        [search_doc(d.post, d.key) for d in digests], state.tmp, state.html_of, previous=state.old,
        intact=lambda rel: rel in old_files and _same_file(f"{state.old}/{rel}", old_files[rel]),
        language=state.config.language, jobs=jobs)
    report.lap("search")


def _take(iterator, n: int):
    for _, item in zip(range(n), iterator):
        yield item


def extra_files(outputs: "Output", config: Config, digests: list[Digest]):
    """Static files, posts.json, sitemap.xml and robots.txt, as (path, what it is, bytes)."""
    yield "posts.json", "posts.json", posts_json([d.post for d in digests], config.site_url,
                                                 {d.post.slug: d.words for d in digests})
    for path in sorted(STATIC.rglob("*")):
        if path.is_file():
            rel = "static/" + path.relative_to(STATIC).as_posix()
            yield rel, f"static file {rel}", path.read_bytes()
    yield "sitemap.xml", "sitemap", sitemap(list(outputs.sources), config.site_url)
    yield "robots.txt", "robots.txt", robots(config.site_url)


def feed_jobs(site: S.Site, digests: dict[str, Digest], config: Config) -> list[FeedJob]:
    """feed.xml, atom.xml and feed.json for the whole site and for each category."""
    base = config.site_url
    groups = [("", config.title, site.posts)] + [
        (f"category/{c.slug}/", f"{config.title}: {c.name}", c.posts) for c in site.categories]
    jobs = []
    for folder, title, posts in groups:
        items = tuple((p, S.absolute_url(base, S.post_path(p)), digests[p.slug].key)
                      for p in posts[: _feed_window(config, posts)])
        for name, kind in (("feed.xml", "rss"), ("atom.xml", "atom"), ("feed.json", "json")):
            info = FeedInfo(title, config.description, config.author, config.language,
                            base, base + folder + name, config.timezone, config.feed_limit)
            jobs.append(FeedJob(folder + name, f"{kind} feed {title!r}", kind, info, items))
    return jobs


def _feed_window(config: Config, posts) -> int:
    """How many of the newest posts a feed can show: the limit counts dated posts separately in
    Atom (undated ones are left out), so allow for every undated post besides the limit."""
    if config.feed_limit is None:
        return len(posts)
    return config.feed_limit + sum(1 for p in posts if p.date is None)


class Output:
    """The files of the site being built; refuses a second file at the same path, naming both."""

    def __init__(self):
        self.sources: dict[str, str] = {}

    @property
    def files(self) -> dict[str, str]:
        return self.sources

    def add(self, path: str, source: str, data: bytes | None = None) -> None:
        if path in self.sources:
            raise OutputError(f"{path}: would be written twice, by {self.sources[path]} and by {source}")
        self.sources[path] = source


# -- files and folders -------------------------------------------------------------------------

def _same_file(path: str, recorded: list) -> bool:
    """Is this the very file the last build wrote (same size, mtime and inode)?"""
    try:
        st = os.lstat(path)
    except OSError:
        return False
    return stat.S_ISREG(st.st_mode) and [st.st_size, st.st_mtime_ns, st.st_ino] == recorded[1:4]


def _walk(folder: Path) -> dict[str, list[int]]:
    """Every file under folder (relative POSIX path -> size, mtime_ns, inode)."""
    out = {}
    stack = [(folder, "")]
    while stack:
        here, prefix = stack.pop()
        with os.scandir(here) as entries:
            for entry in entries:
                rel = prefix + entry.name
                if entry.is_dir(follow_symlinks=False):
                    stack.append((entry.path, rel + "/"))
                else:
                    st = entry.stat(follow_symlinks=False)
                    out[rel] = [st.st_size, st.st_mtime_ns, st.st_ino]
    return dict(sorted(out.items()))


def _intact(out: Path, files: dict) -> bool:
    """Does `out` hold exactly the files the last build wrote, untouched?"""
    try:
        found = _walk(out)
    except OSError:
        return False
    return found.keys() == files.keys() and all(found[k] == list(v[1:4]) for k, v in files.items())


def _new_folder(out: Path) -> Path:
    """A fresh temp folder beside `out` (same file system, so the swap is a rename)."""
    try:
        return Path(tempfile.mkdtemp(prefix=f".{out.name}.new.", suffix=TEMP_SUFFIX, dir=out.parent))
    except OSError as exc:
        raise OutputError(f"{out.parent}: cannot write: {exc.strerror}") from None


def _swap(new: Path, out: Path) -> None:
    """Rename the old site away, the new one in, then delete the old one."""
    if out.is_symlink() or (out.exists() and not out.is_dir()):
        raise OutputError(f"{out}: exists and is not a folder; refusing to replace it")
    old = None
    if out.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old.", suffix=TEMP_SUFFIX, dir=out.parent))
        os.rename(out, old / "site")
    os.rename(new, out)
    if old:
        shutil.rmtree(old, ignore_errors=True)


@contextlib.contextmanager
def output_lock(out: Path):
    """One build at a time into an output folder: a second one is refused, naming the holder.

    The lock is an flock on `.<out>.lock` beside the folder, so a build killed with -9 never
    leaves a stale lock: the kernel releases it, and the next build takes it over."""
    path = out.parent / f".{out.name}.lock"
    out.parent.mkdir(parents=True, exist_ok=True)
    while True:
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise OutputError(f"{path}: cannot create the build lock: {exc.strerror}") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "unknown"
            os.close(fd)
            raise OutputError(f"{out}: another build (PID {holder}) is writing this folder; "
                              "wait for it to finish, then run again") from None
        try:
            same = os.fstat(fd).st_ino == os.stat(path).st_ino
        except FileNotFoundError:
            same = False
        if same:
            break
        os.close(fd)        # the holder removed the file as we opened it: take the new one
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield
    finally:
        try:
            os.unlink(path)
        except OSError:
            pass
        os.close(fd)
