"""The build: posts/ -> site/, rendered into a new folder that replaces the old one.

The steps, in order (each a function below, timed by `report.step`):
  scan posts/ (content keys) -> nothing changed since the last build? stop, writing nothing
  -> digest each post (front matter, HTML, summary: cached, else in worker processes)
  -> group -> plan every page and feed, each with a key of everything it is made from
  -> render what changed in the workers, keep (hard-link) what did not from the old site
  -> static files, sitemap -> index for search -> swap the new folder in -> remember.
Everything is gathered before the swap: a failure anywhere before it leaves the old site
untouched.
"""
from __future__ import annotations

import contextlib
import dataclasses
import itertools
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from .. import resources
from .. import site as S
from ..config import Config
from ..errors import OutputError
from ..export import posts_json
from ..progress import QUIET, Progress
from ..provenance import source_views
from ..redirects import redirect_files
from ..related import PostTerms, related_from_terms
from ..render import compile_templates, make_env
from ..search import search_doc, update_index
from ..sitemap import robots, sitemap
from .cache import BuildCache
from .digest import Digest
from .keys import (content_key, folder_keys, image_keys, page_salt, renderer_fingerprint,
                   site_fingerprint)
from .manifest import FileRecord, FileStat, Manifest
from .output import (Output, SiteWriter, intact, new_folder, output_lock, remove_stale,
                     same_file, swap, walk)
from .plan import FeedJob, feed_jobs, image_jobs, output_key, plan_pages
from .pool import Task, Workers
from .report import Report
from .scan import PostFile, scan_posts, unique_slugs
from .workers import (WorkerState, copy_images, digest_posts, know_digests, link_files,
                      render_feeds, render_pages)

PLAN_CHUNK = 2000       # pages planned, then rendered, at a time: the plan never sits whole


@dataclass(frozen=True)
class Request:
    """What to build: the arguments of `build`, resolved."""
    posts_dir: Path
    out: Path
    config: Config
    template_dir: Path | None
    keep_going: bool
    jobs: int
    dumps_dir: Path | None      # None when there is no such folder
    search: bool
    images_dir: Path | None = None  # the project's images/, copied into the site; None: none
    drafts: bool = False        # include posts marked draft (never in feeds, sitemap, posts.json)


@dataclass(frozen=True)
class Scan:
    """What the scan found: the post files, the unreadable ones, the site's fingerprint, and
    the images to copy (path in the images folder -> content key)."""
    files: tuple[PostFile, ...]
    errors: tuple[str, ...]
    renderer: str
    fingerprint: str
    started_ns: int
    images: Mapping[str, str] = dataclasses.field(default_factory=dict)


@dataclass
class Run:
    """One build in progress: its request and cache, the last build's manifest, the scan, and
    what it has done so far (the report, the skipped files, every output path planned)."""
    request: Request
    cache: BuildCache
    manifest: Manifest
    scan: Scan
    report: Report
    errors: list[str]
    salt: str
    outputs: Output = dataclasses.field(default_factory=Output)
    progress: Progress = QUIET


def build(posts_dir: Path, out: Path, config: Config, template_dir: Path | None = None,
          keep_going: bool = False, *, jobs: int | None = None, cache_dir: Path | None = None,
          dumps_dir: Path | None = None, search: bool = False,
          images_dir: Path | None = None, drafts: bool = False,
          progress: Progress = QUIET) -> Report:
    """Build posts_dir into out; with a cache_dir, reuse whatever the last build already made.

    With a dumps_dir, each post whose dumps are there gets a source view; with search, the
    site is indexed by Pagefind before it is swapped in; the files of images_dir (the images
    import copied) are copied into the site's images/; with drafts, posts marked draft are
    pages too (marked Draft), though never in feeds, the sitemap or posts.json. `progress`
    shows converting, rendering and indexing as they go (see progress.py)."""
    started = time.perf_counter()
    out = Path(out).absolute()
    dumps = Path(dumps_dir) if dumps_dir and Path(dumps_dir).is_dir() else None
    images = Path(images_dir).absolute() if images_dir and Path(images_dir).is_dir() else None
    request = Request(Path(posts_dir), out, config, template_dir, keep_going,
                      jobs or os.cpu_count() or 1, dumps, search, images, drafts)
    with output_lock(out):
        remove_stale(out)
        with open_cache(out, cache_dir) as cache:
            report = _build(request, cache, progress)
    report.seconds = time.perf_counter() - started
    return report


@contextlib.contextmanager
def open_cache(out: Path, cache_dir: Path | None):
    """The persistent cache; without one (--no-cache), a scratch folder for this build's HTML
    (workers hand post HTML to each other through it, not through memory), removed after."""
    if cache_dir is not None:
        yield BuildCache(Path(cache_dir).absolute())
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    scratch = new_folder(out, "scratch")
    try:
        yield BuildCache(scratch, scratch=True)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _build(request: Request, cache: BuildCache, progress: Progress) -> Report:
    """The steps; returns early, writing nothing, when the last build is still right."""
    report = Report()
    manifest = cache.manifest(request.out)
    with report.step("scan"):
        scan = scan_step(request, manifest)
    report.read = sum(f.read for f in scan.files)
    with report.step("check"):
        if up_to_date(scan, manifest, request.out):
            report.files, report.up_to_date = len(manifest.files), True
            return report
    env = make_env(request.template_dir, request.search)
    compile_templates(env)      # a broken template fails before any work
    salt = page_salt(scan.renderer, request.config, request.template_dir,
                     search=request.search, drafts=request.drafts)
    run = Run(request, cache, manifest, scan, report, list(scan.errors), salt, progress=progress)
    written = replace_site(run, env)
    with report.step("remember"):
        remember(run, written)
    return report


def replace_site(run: Run, env) -> dict[str, FileStat]:
    """Make the whole site in a new folder beside the output, index it, and swap it in;
    returns its files. On any failure the old site stays."""
    request, cache = run.request, run.cache
    tmp = new_folder(request.out)
    try:
        writer = SiteWriter(tmp, request.out)
        state = WorkerState(request.config, env, cache, {f.key: f.path for f in run.scan.files},
                            writer, run.scan.renderer)
        with Workers(request.jobs, state) as workers:
            posts = make_site(run, workers, state)
        index_step(run, posts, state)
        written = walk(tmp)
        cache.forget_manifest(request.out)
        with run.report.step("swap"):
            swap(tmp, request.out)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise OutputError(f"{request.out}: cannot write the site: {exc.strerror}; "
                          "the previous site is untouched") from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return written


def scan_step(request: Request, manifest: Manifest) -> Scan:
    """Every post file's content key (reusing the last build's where the file is untouched),
    every image's, and the fingerprint of everything the site is made from."""
    started_ns = time.time_ns()
    renderer = renderer_fingerprint()
    known = manifest.posts if manifest.renderer == renderer else {}
    files, errors = scan_posts(request.posts_dir, renderer, known, manifest.scanned_ns)
    images = image_keys(request.images_dir)
    fingerprint = site_fingerprint(renderer, request.config, request.template_dir, [
        f"search={request.search}", f"drafts={request.drafts}", *folder_keys(request.dumps_dir),
        *(f"{S.IMAGES_FOLDER}{rel}:{key}" for rel, key in images.items()),
        *(f"{f.path.name}:{f.key}" for f in files)])
    return Scan(tuple(files), tuple(errors), renderer, fingerprint, started_ns, images)


def up_to_date(scan: Scan, manifest: Manifest, out: Path) -> bool:
    """Would this build write exactly what `out` already holds, untouched since?"""
    return (not scan.errors and manifest.fingerprint == scan.fingerprint
            and intact(out, manifest.files))


def make_site(run: Run, workers: Workers, state: WorkerState) -> list[Digest]:
    """Digest the posts, group them, plan every output file, render what changed, keep what
    did not, and add the files no template makes; returns the digests of the site's posts."""
    report, config = run.report, run.request.config
    digests = [d for d in digest_step(run, workers) if run.request.drafts or not d.post.draft]
    workers.broadcast(know_digests, {d.key: d for d in digests})
    with report.step("group"):
        site = S.group([d.post for d in digests], related_links(digests, run.cache))
        by_slug = {d.post.slug: d for d in digests}
    with report.step("source views"):
        views = source_view_step(run.request.dumps_dir, site.posts)
    pages = plan_pages(site, by_slug, config, views, run.request.search)
    feeds = feed_jobs(site, by_slug, config)
    images = image_jobs(run.request.images_dir, run.scan.images)
    with run.progress.phase("render", unit="file") as advance:
        while True:
            with report.step("plan"):
                chunk = list(itertools.islice(pages, PLAN_CHUNK))
            if not chunk:
                break
            with report.step("pages"):
                render_or_keep(run, workers, render_pages, chunk)
            advance(len(chunk))
        with report.step("feeds"):
            render_or_keep(run, workers, render_feeds, feeds)
        with report.step("images"):
            render_or_keep(run, workers, copy_images, images)
        advance(len(feeds) + len(images))
    with report.step("static"):
        for rel, source, data in extra_files(run.outputs, config, digests, feeds):
            run.outputs.add(rel, source)
            state.writer.put(rel, data)
    return [by_slug[post.slug] for post in site.posts]


def digest_step(run: Run, workers: Workers) -> list[Digest]:
    """Every post's Digest (cached, else converted in the workers), in scan order, with
    malformed posts and slugs used twice refused (or, with keep_going, skipped)."""
    files = run.scan.files
    with run.report.step("load cache"):
        cached = run.cache.digests()
        todo = [k for k in dict.fromkeys(f.key for f in files) if k not in cached]
    with run.report.step("digest"), run.progress.phase("convert", len(todo), "post") as advance:
        fresh = dict(zip(todo, workers.map(digest_posts, todo, advance)))
    digests, parsed = {}, {}
    for f in files:
        result = cached.get(f.key) or fresh[f.key]
        if isinstance(result, str):
            run.errors.append(result)
        else:
            parsed[f.path] = digests[f.key] = result
    kept = unique_slugs(parsed, lambda d: d.post.slug, run.errors, run.request.keep_going)
    run.cache.put_digests(digests, cached)
    run.report.converted = len(todo)
    return kept


def related_links(digests: list[Digest], cache: BuildCache) -> dict[str, tuple[str, ...]]:
    """Each post's related posts, from every post's terms; remembered in the cache while the
    terms and categories of all posts stay the same (an edit seldom changes them)."""
    items = [PostTerms(d.post.slug, d.terms, d.post.categories)
             for d in sorted(digests, key=lambda d: d.post.slug)]
    key = content_key(repr(items))
    found = cache.related(key)
    if found is None:
        found = related_from_terms(items)
        cache.put_related(key, found)
    return found


def source_view_step(dumps_dir: Path | None, posts) -> dict:
    """The source views of the posts whose dumps are at hand, by slug ({} without dumps)."""
    named = {s.file for p in posts for s in p.sources}
    if not dumps_dir or not any((dumps_dir / name).is_file() for name in named):
        return {}
    views = source_views(dumps_dir, posts)     # re-runs the loader: only when it can help
    return {slug: v for slug, v in views.items() if any(c.lines for c in v.copies)}


def render_or_keep(run: Run, workers: Workers, task: Task, jobs: list) -> None:
    """Where the build decides: a planned file whose key and file are what the last build
    recorded is hard-linked from the old site; every other one is made by `task`."""
    report, out = run.report, run.request.out
    old_files = run.manifest.files
    keep, make = [], []
    for job in jobs:
        run.outputs.add(job.path, job.source)
        key = report.keys[job.path] = output_key(job, run.salt)
        old = old_files.get(job.path)
        unchanged = old and old.key == key and same_file(f"{out}/{job.path}", old.stat)
        (keep if unchanged else make).append(job)
    workers.map(link_files, [j.path for j in keep])
    workers.map(task, make)
    report.kept += len(keep)
    report.rendered += len(make)


def extra_files(outputs: Output, config: Config, digests: list[Digest], feeds: list[FeedJob]):
    """Static files, posts.json, sitemap.xml, robots.txt and the redirect rules of the old
    feed addresses, as (path, what it is, bytes). Drafts (there with --drafts) are in neither
    posts.json nor the sitemap."""
    published = [d for d in digests if not d.post.draft]
    yield "posts.json", "posts.json", posts_json([d.post for d in published], config.site_url,
                                                 {d.post.slug: d.words for d in published})
    for name, path in resources.static_files().items():
        rel = "static/" + name
        yield rel, f"static file {rel}", path.read_bytes()
    drafts = {path for d in digests if d.post.draft
              for path in (S.post_path(d.post), S.source_path(d.post))}
    yield "sitemap.xml", "sitemap", sitemap([p for p in outputs.sources if p not in drafts],
                                            config.site_url)
    yield "robots.txt", "robots.txt", robots(config.site_url)
    base_path = S.rooted_url(config.site_url, "")
    for name, text in redirect_files([job.path for job in feeds], base_path).items():
        yield name, f"redirect rules {name}", text.encode("utf-8")


def index_step(run: Run, posts: list[Digest], state: WorkerState) -> None:
    """Index the site's posts for search (when it is on), in shards: a shard none of whose
    posts changed is linked from the old site, if its files are the ones the last build
    wrote; the others are indexed again (search.update_index)."""
    if not run.request.search:
        return
    out, old_files = run.request.out, run.manifest.files

    def intact(rel: str) -> bool:
        return rel in old_files and same_file(f"{out}/{rel}", old_files[rel].stat)

    with run.report.step("search"), run.progress.phase("search index", unit="shard") as advance:
        run.report.indexed = update_index(
            [search_doc(d.post, d.key) for d in posts], state.writer.tmp, state.html_of,
            previous=out, intact=intact, language=run.request.config.language,
            jobs=run.request.jobs, advance=advance)


def remember(run: Run, written: dict[str, FileStat]) -> None:
    """Record this build in the cache: its fingerprint (none when files were skipped), every
    file with its key and stat, and each post file's stat and key for the next scan."""
    keys, scan = run.report.keys, run.scan
    run.cache.put_manifest(run.request.out, Manifest(
        fingerprint=scan.fingerprint if not run.errors else "",
        files={rel: FileRecord(keys.get(rel, ""), stat) for rel, stat in written.items()},
        posts={f.path.name: FileRecord(f.key, f.stats) for f in scan.files},
        renderer=scan.renderer, scanned_ns=scan.started_ns))
    run.report.files = len(written)
