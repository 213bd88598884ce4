"""The steps that make the site, once pipeline.py has found there is work: in the spare
folder, what changed made and the rest kept, then indexed, recorded and swapped in."""

from __future__ import annotations

import collections
import dataclasses
import itertools
import shutil
from collections.abc import Callable, Iterable, Iterator, Mapping, Set
from dataclasses import dataclass
from pathlib import Path

from .. import resources
from .. import site as S
from ..errors import OutputError
from ..export import posts_document_parts, record_line
from ..progress import QUIET, Progress
from ..redirects import redirect_files
from ..related import PostTerms
from ..related_index import RelatedIndex
from ..render import compile_templates, make_env
from ..search import (
    BUNDLE,
    LISTING,
    IndexOptions,
    IndexStats,
    keep_index,
    search_doc,
    update_index,
)
from ..sitemap import robots, sitemap
from .cache import BuildCache
from .digest import Digest
from .keys import (
    content_key,
    page_salt,
)
from .manifest import FileRecord, FileStat, FileTable, Manifest, as_table, key_rows
from .output import (
    Output,
    SiteWriter,
    changed_files,
    changed_folders,
    check_replaceable,
    folder_id,
    folder_times,
    folders_of,
    fresh_spare,
    link_tree,
    same_file,
    spare_folder,
    swap,
    tidy,
    walk,
)
from .pipeline import Request, Scan
from .plan import (
    FeedJob,
    feed_jobs,
    image_jobs,
    other_pages,
    output_key,
    plan_pages,
    post_pages,
)
from .pool import Batch, Forked, Task, Workers
from .report import Report
from .scan import unique_slugs
from .workers import (
    WorkerState,
    copy_images,
    digest_posts,
    know_digests,
    link_files,
    render_feeds,
    render_pages,
)

PLAN_CHUNK = 2000  # pages planned, then rendered, at a time: the plan never sits whole
FIRST_CHUNK = 250  # the first chunk planned: the workers wait for it
IN_FLIGHT = 3 * PLAN_CHUNK  # files handed to the workers and not yet recorded, at most


@dataclass
class Run:
    """One build in progress: its request and cache, the manifests of the site (the last
    build) and of its spare folder, the scan, and what it has done so far (the report, the
    skipped files, every output path planned, every file of the new site with its key)."""

    request: Request
    cache: BuildCache
    manifest: Manifest
    scan: Scan
    report: Report
    errors: list[str]
    salt: str
    spare: Path = Path()
    spare_manifest: Manifest = dataclasses.field(default_factory=Manifest)
    outputs: Output = dataclasses.field(default_factory=Output)
    written: FileTable = dataclasses.field(default_factory=FileTable.empty)
    related_key: str = ""
    folders_seen: dict[str, int] = dataclasses.field(default_factory=dict)  # by tidy_spare
    tidied: tuple = ({}, set())  # the files tidy_spare kept, and their folders
    fresh: bool = False  # made in a new, empty spare folder
    spare_check: SpareCheck | None = None  # which of the spare's recorded files changed
    cached: dict[str, Digest] = dataclasses.field(default_factory=dict)  # the cache's digests
    old_terms: dict[str, str] = dataclasses.field(default_factory=dict)  # see usable_digests

    @property
    def structure(self) -> str:
        """The key of everything a page is made from but the posts' own text."""
        return content_key(
            "\n".join([self.salt, *self.scan.dumps, *sorted(f.name for f in self.scan.files)])
        )

    progress: Progress = QUIET


def make(
    request: Request,
    cache: BuildCache,
    manifest: Manifest,
    scan: Scan,
    report: Report,
    progress: Progress,
) -> None:
    """Make the site the request asks for, whose scan found work to do (see pipeline)."""
    env = make_env(request.template_dir, request.search, cache.compiled_templates())
    compile_templates(env)  # a broken template fails before any work
    salt = page_salt(
        scan.renderer,
        request.config,
        request.template_dir,
        search=request.search,
        drafts=request.drafts,
    )
    run = Run(request, cache, manifest, scan, report, list(scan.errors), salt, progress=progress)
    replace_site(run, env)


def replace_site(run: Run, env) -> None:
    """Bring the spare folder up to date (what changed made, the rest kept), index it, record
    it, and swap it in. On any failure the site stays as it was."""
    request, cache = run.request, run.cache
    out = request.out
    try:
        take_spare(run)
        writer = SiteWriter(run.spare, out)
        state = WorkerState(
            request.config,
            env,
            cache,
            {f.key: f for f in run.scan.files},
            writer,
            run.scan.renderer,
        )
        with EarlyIndex(run, state) as early:
            with Workers(request.jobs, state) as workers:
                posts = make_site(run, workers, state, early.start)
            with run.report.step("tidy"):
                tidy_spare(run)
            if early.started:
                early.finish()
            elif request.index_later and keep_last_index(run, writer):
                run.report.index_pending = True
            else:
                index_step(run, posts, state)
        with run.report.step("remember"):
            made = remember(run)
        with run.report.step("swap"):
            swap(run.spare, out)
        if run.fresh and not cache.scratch and cache.folder is not None:
            with run.report.step("next spare"):
                leave_spare(run, made)
    except BaseException as exc:
        if not out.exists():  # a first build that failed leaves no folder behind
            shutil.rmtree(spare_folder(out), ignore_errors=True)
        if isinstance(exc, OSError):
            raise OutputError(
                f"{out}: cannot write the site: {exc.strerror}; the previous site is untouched"
            ) from None
        raise
    finally:
        if run.spare_check is not None:
            run.spare_check.close()


def tidy_spare(run: Run) -> None:
    """Remove from the spare what this build did not plan; its search index is the index
    step's to update (or, without search, to remove). The folders the spare check found as
    recorded, and that this build wrote nothing into since, are not looked at again."""
    bundle = BUNDLE + "/"
    if not run.request.search:
        shutil.rmtree(run.spare / BUNDLE, ignore_errors=True)
    folders = {
        k: v for k, v in run.spare_manifest.folders.items() if not (k + "/").startswith(bundle)
    }
    files = [rel for rel in run.spare_manifest.files if not rel.startswith(bundle)]
    planned = dict.fromkeys(run.written)
    planned[f"{BUNDLE}/{LISTING}"] = None  # keeps the folder; update_index clears it
    run.tidied = planned, folders_of(planned)
    run.folders_seen = tidy(
        run.spare, planned, folders, files, run.tidied[1], unchanged_folders(run, folders)
    )
    run.folders_seen.pop("", None)  # the root: pagefind/ may yet be made in it


def unchanged_folders(run: Run, folders: Mapping[str, int]) -> Set[str]:
    """The spare's recorded folders still as recorded: those the spare check found so, less
    every folder of a file this build put there since (a file not as the spare recorded it)."""
    moved = run.spare_check.changed_folders() if run.spare_check is not None else None
    if moved is None:
        return frozenset()
    kept = run.spare_manifest.files
    written = folders_of(run.written.differing(as_table(kept)))
    return folders.keys() - moved - written


def take_spare(run: Run) -> None:
    """The folder this build makes the site in: the spare, if this cache knows what it holds,
    else a fresh one. Its record is forgotten first: a killed build leaves it unknown."""
    out, cache = run.request.out, run.cache
    spare = spare_folder(out)
    check_replaceable(spare)
    run.spare_manifest = _shared(cache.manifest(out, folder_id(spare)), run.manifest)
    if run.spare_manifest.files:
        run.spare_check = SpareCheck(spare, run.spare_manifest.files, run.spare_manifest.folders)
    else:
        with run.report.step("new spare"):
            spare = fresh_spare(out)
        run.fresh = True
    cache.forget_manifest(out, folder_id(spare))
    run.spare = spare


def _shared(spare: Manifest, site: Manifest) -> Manifest:
    """The spare's record, its files' paths and keys the site record's objects where equal,
    without its post files (no build asks the spare's)."""
    if isinstance(spare.files, FileTable) and isinstance(site.files, FileTable):
        spare.files.share(site.files)
    return dataclasses.replace(spare, posts={})


def make_site(
    run: Run,
    workers: Workers,
    state: WorkerState,
    posts_known: Callable[[list[Digest]], None] = lambda posts: None,
) -> list[Digest]:
    """Digest the posts, group them, plan the output files, render what changed, keep what
    did not, and add the files no template makes; returns the digests of the site's posts.
    When only the text of some posts changed, only their pages are planned; every other
    file is the last build's (`carry`), and `posts_known` is given the site's posts as
    soon as they are (EarlyIndex.start). When every page is planned, those showing no
    related posts go to the workers first and render while this process finds the related
    posts (seconds at 10,000 posts when the cache does not hold them)."""
    report, config, search = run.report, run.request.config, run.request.search
    digests, changed = digest_step(run, workers)
    digests = [d for d in digests if run.request.drafts or not d.post.draft]
    workers.broadcast(know_digests, {d.key: d for d in digests if d.key in run.cached})
    with report.step("group"):
        site = grouped([d.post for d in digests])
        by_slug = {d.post.slug: d for d in digests}
        if changed is not None:  # which pages to plan depends on whose related posts moved
            posts_known([by_slug[post.slug] for post in site.posts])
            site, changed = with_related(run, site, digests, changed)
    with report.step("source views"):
        views = source_view_step(run.request.dumps_dir, site.posts)
    feeds = feed_jobs(site, by_slug, config)
    with run.progress.phase("render", unit="file") as advance:
        handed = Handed(run, workers, advance)
        if changed is None:
            feeds_and_images(run, handed, feeds)
            plan_step(run, handed, other_pages(site, by_slug, config, views, search))
            with report.step("related"):
                site, _ = with_related(run, site, digests, None)
            plan_step(run, handed, post_pages(site, by_slug, views))
        else:
            plan_step(run, handed, plan_pages(site, by_slug, config, views, search, changed))
            feeds_and_images(run, handed, feeds)
        put_extras(run, state.writer, extra_files(run, digests, feeds))
        handed.finish()
        if changed is not None and not carry(run, state.writer):
            run.outputs, run.written = Output(), FileTable.empty()  # the last build's will not do
            plan_step(run, handed, plan_pages(site, by_slug, config, views, search))
            feeds_and_images(run, handed, feeds)
            put_extras(run, state.writer, extra_files(run, digests, feeds))
            handed.finish()
    put_extras(run, state.writer, [sitemap_file(run, digests)])
    return [by_slug[post.slug] for post in site.posts]


_LAST_GROUPED: dict[str, tuple] = {}  # "last": (posts, Site) of this process's last build


def grouped(posts: list) -> S.Site:
    """site.group(posts), or the Site the last build in this process grouped, if it grouped
    the same posts: serve builds again and again, and an edit of a post's text alone leaves
    every header as it was (0.1-0.2 s of each of its builds at 10,000 posts). The posts of
    unchanged files are the very objects the cache kept, so comparing is quick."""
    last = _LAST_GROUPED.get("last")
    if last is not None and last[0] == posts:
        return last[1]
    site = S.group(posts)
    _LAST_GROUPED["last"] = (posts, site)
    return site


def with_related(
    run: Run, site: S.Site, digests: list[Digest], changed: frozenset[str] | None
) -> tuple[S.Site, frozenset[str] | None]:
    """The site with every post's related posts (`related_links`), and the slugs of the posts
    whose pages to plan: `changed` and those whose related posts moved (None: all)."""
    related, moved = related_links(run, digests)
    if changed is not None:
        changed = None if moved is None else changed | moved
    return dataclasses.replace(site, related=related), changed


def put_extras(run: Run, writer: SiteWriter, extras) -> None:
    """Files no template makes: kept, linked or made like pages, by their keys."""
    with run.report.step("static"):
        for extra in extras:
            run.outputs.add(extra.path, extra.source)
            held = holds(run, extra.path, extra.key)
            if held is None:
                data = extra.make()
                put = writer.put if isinstance(data, bytes) else writer.put_parts
                held = FileRecord(extra.key, put(extra.path, data))
            elif held is LIVE:
                held = FileRecord(extra.key, writer.link([extra.path])[0])
            run.written[extra.path] = held
            run.report.keys[extra.path] = extra.key


def feeds_and_images(run: Run, handed: Handed, feeds: list[FeedJob]) -> None:
    """Every feed and every image of the images folder, made or kept."""
    images = image_jobs(run.request.images_dir, run.scan.images)
    workers = handed.workers
    with run.report.step("feeds"):
        now = feeds_now(run, feeds, workers.state.writer)
        handed.add(render_or_keep(run, workers, render_feeds, now, "feeds"), len(feeds))
    with run.report.step("images"):
        handed.add(render_or_keep(run, workers, copy_images, images, "images"))


def feeds_now(run: Run, feeds: list[FeedJob], writer: SiteWriter) -> list[FeedJob]:
    """The feeds to make now: all of them; but with index_later (serve), a feed the site holds
    intact is left as the last build made it, recorded with that build's key, for the next
    build to make anew (with feed_limit unset, one edit re-renders every feed holding the
    post, in full: seconds at 1,000 posts, which a page preview need not wait for)."""
    if not run.request.index_later:
        return feeds
    now = []
    for job in feeds:
        old = run.manifest.files.get(job.path)
        held = holds(run, job.path, old.key) if old is not None else None
        if held is None or old.key == output_key(job, run.salt):
            now.append(job)
            continue
        if held is LIVE:
            held = FileRecord(old.key, writer.link([job.path])[0])
        run.outputs.add(job.path, job.source)
        run.report.keys[job.path] = old.key
        run.written[job.path] = held
        run.report.index_pending = True
    return now


def plan_step(run: Run, handed: Handed, pages: Iterator) -> None:
    """Plan pages a chunk at a time, each handed to the workers as the next is planned (the
    first chunks smaller, so that the workers start soon)."""
    size = FIRST_CHUNK
    while True:
        with run.report.step("plan"):
            chunk = list(itertools.islice(pages, size))
            if not chunk:
                break
            sent = render_or_keep(run, handed.workers, render_pages, chunk, "pages")
        handed.add(sent)
        size = min(2 * size, PLAN_CHUNK)


KEPT = "the last build (kept)"  # the source of a carried file: one string, not 132,000


def carry(run: Run, writer: SiteWriter) -> bool:
    """Every page the last build made and this one did not plan again (images aside: each
    build plans all of them, so one removed is gone), with its key: kept in
    the spare or linked from the site. False (nothing to do but plan everything) if one of
    them is missing or was changed by hand since."""
    spare = as_table(run.spare_manifest.files)
    changed = run.spare_check.changed() if run.spare_check is not None else frozenset()
    written, kept, keys, rows, link = run.written, [], [], [], []
    recorded, spare_rows = written.index(), spare.index()
    with run.report.step("carry"):
        for rel, key in key_rows(run.manifest.files):  # 132,000 at 50,000 posts: no records
            if (
                rel in recorded
                or rel == SITEMAP
                or rel.startswith(BUNDLE + "/")
                or rel.startswith(S.IMAGES_FOLDER)
            ):  # images are made or kept anyway
                continue
            i = spare_rows.get(rel)
            if i is not None and spare.keys[i] == key and rel not in changed:
                rows.append(i)  # holds() would give the spare's record
            elif holds(run, rel, key) is LIVE:
                link.append(rel)
            else:
                return False
            kept.append(rel)
            keys.append(key)
        run.outputs.add_all(kept, KEPT)
        run.report.keys.update(zip(kept, keys))
        written.put_rows(spare, rows)
        for rel, st in zip(link, writer.link(link)):
            written[rel] = FileRecord(run.report.keys[rel], st)
    run.report.kept += len(kept)
    return True


def digest_step(run: Run, workers: Workers) -> tuple[list[Digest], frozenset[str] | None]:
    """Every post's Digest (cached, else converted in the workers), in scan order, with
    malformed posts and slugs used twice refused (or, with keep_going, skipped); and the
    slugs of the posts whose text alone changed, if that is all (see `text_changes`)."""
    files = run.scan.files
    with run.report.step("load cache"):
        if new_renderer(run):  # every cached digest is stale: none is read (see below)
            loaded, previous = {}, run.cache.html_keys()
        else:
            loaded = run.cache.digests()
            previous = loaded.keys()
        cached = run.cached = usable_digests(run, loaded)
        if cached is not loaded:
            previous = frozenset(previous)
        del loaded  # the digests no post file has: let go
        todo = [k for k in dict.fromkeys(f.key for f in files) if k not in cached]
    with run.report.step("digest"), run.progress.phase("convert", len(todo), "post") as advance:
        results: list[Digest | str] = []
        for part in workers.slices(digest_posts, todo):  # each slice's digests handed on
            results += part  # to every worker while the next slices are converted
            advance(len(part))
            workers.broadcast(know_digests, {d.key: d for d in part if isinstance(d, Digest)})
        fresh = dict(zip(todo, results))
    digests, parsed = {}, {}
    for f in files:
        result = cached.get(f.key) or fresh[f.key]
        if isinstance(result, str):
            run.errors.append(result)
        else:
            parsed[f.name] = digests[f.key] = result
    kept = unique_slugs(
        parsed, lambda d: d.post.slug, run.errors, run.request.keep_going, run.request.posts_dir
    )
    changed = text_changes(run, digests, cached)
    run.cache.put_digests(digests, previous)
    run.report.converted = len(todo)
    return kept, changed


def new_renderer(run: Run) -> bool:
    """The last build of this site ran other code or libraries (keys.renderer_fingerprint):
    every post's key changed, so no cached digest, nor the related posts' workings, can be
    used. Neither is read then: at 50,000 posts they are 145 MiB and 94 MiB of objects whose
    memory the build process would keep, only to be compared and let go. Related posts are
    computed afresh (their terms may be another code's too)."""
    last = run.manifest.renderer
    return bool(last) and last != run.scan.renderer


def usable_digests(run: Run, cached: dict[str, Digest]) -> dict[str, Digest]:
    """The cached digests this build can use: those of its post files and, when only post
    files changed, those of what the changed files held at the last build (text_changes
    compares their headers). Of the other digests of changed files only the terms are kept
    (`run.old_terms`: related posts are brought up to date from them); the rest is let go:
    after a new renderer, 50,000 digests that no post file has any more (160 MB, and again
    in every worker)."""
    wanted = {f.key for f in run.scan.files}
    if len(cached.keys() - wanted) <= len(cached) // 20:  # a few edited: not worth sorting out
        return cached
    now = {f.name: f.key for f in run.scan.files}
    old = {key for name, key in key_rows(run.manifest.posts) if now.get(name) != key}
    if run.manifest.structure == run.structure:
        wanted |= old
    run.old_terms = {k: cached[k].terms for k in old - wanted if k in cached}
    return {k: d for k, d in cached.items() if k in wanted}


def text_changes(
    run: Run, digests: dict[str, Digest], cached: dict[str, Digest]
) -> frozenset[str] | None:
    """The slugs of the posts whose files changed since the last build (which skipped none)
    though their headers did not, when nothing else changed: no post added or removed, the
    same settings, code, templates and dumps. Then every page but theirs, the listing pages
    they are on and the pages of posts whose related posts changed (`related_links`) is what
    the last build made. None otherwise."""
    last = run.manifest
    if (
        not last.fingerprint
        or run.errors
        or last.structure != run.structure
        or len(last.posts) != len(run.scan.files)
    ):
        return None
    changed = set()
    for f in run.scan.files:
        before = last.posts.get(f.name)
        if before is None:
            return None
        if before.key == f.key:
            continue
        old, new = cached.get(before.key), digests.get(f.key)
        if old is None or new is None or old.post != new.post:
            return None
        changed.add(new.post.slug)
    return frozenset(changed)


def related_links(
    run: Run, digests: list[Digest]
) -> tuple[dict[str, tuple[str, ...]], frozenset[str] | None]:
    """Each post's related posts, from every post's terms, and the slugs of the posts whose
    related posts are not what the site shows (None: maybe any). The last computation is
    kept in the cache and brought up to date (related_index.RelatedIndex), so an edit costs
    what it reaches; it is rewritten only when something changed."""
    items = [PostTerms(d.post.slug, d.terms, d.post.categories, d.key) for d in digests]
    state, key = (None, "") if new_renderer(run) else run.cache.related()
    rekeyed = True
    if state is None:
        state, moved = RelatedIndex.compute(items), None
    else:
        keys = state.keys
        try:
            moved = state.update(items, lambda k: old_terms(run, k))
        except BaseException:
            run.cache.forget_related()
            raise
        # posts whose key changed but not their terms (a date edited, another renderer) are
        # kept too: else the next edit of one looks for its old digest, long gone, and
        # every post is ranked again
        rekeyed = state.keys != keys
    if moved == frozenset() and key:  # the same related posts: the file is still right,
        if rekeyed:  # but for the keys of the posts re-keyed with the same words
            run.cache.put_related_keys(state, key)
        run.related_key = key
    else:
        run.related_key = run.cache.put_related(state)
    shown = key and key == run.manifest.related_key  # what the last build's pages were made with
    return state.results, moved if shown else None


def old_terms(run: Run, key: str) -> str | None:
    """The terms of the post whose digest key `key` was (None when no longer known)."""
    found = run.cached.get(key)
    return found.terms if found is not None else run.old_terms.get(key)


def source_view_step(dumps_dir: Path | None, posts) -> dict:
    """The source views of the posts whose dumps are at hand, by slug ({} without dumps)."""
    if not dumps_dir:
        return {}
    named = {s.file for p in posts for s in p.sources}
    if not any((dumps_dir / name).is_file() for name in named):
        return {}
    from ..provenance import source_views  # the loader, loaded only when it can help

    views = source_views(dumps_dir, posts)  # re-runs the loader
    return {slug: v for slug, v in views.items() if any(c.lines for c in v.copies)}


@dataclass
class Sent:
    """A chunk of planned files as render_or_keep decided them: those the spare holds as they
    are (`held`), and the workers' batches linking or making the others; `step` names the
    wait for them in the timings."""

    step: str
    size: int
    held: list[tuple[str, FileRecord]]
    batches: list[tuple[list, Batch]]


def render_or_keep(run: Run, workers: Workers, task: Task, jobs: list, step: str) -> Sent:
    """Where the build decides: a planned file whose key is the one the spare's file was made
    with is left alone; one whose key is the site's is hard-linked from the site; every other
    one is made by `task`. Returns once the work is handed out; Handed records the files."""
    report = run.report
    held, link, make = [], [], []
    for job in jobs:
        run.outputs.add(job.path, job.source)
        key = report.keys[job.path] = output_key(job, run.salt)
        found = holds(run, job.path, key)
        if found is None:
            make.append(job)
        elif found is LIVE:
            link.append(job)
        else:
            held.append((job.path, found))
    report.kept += len(jobs) - len(make)
    report.rendered += len(make)
    batches = [
        (link, workers.submit(link_files, [j.path for j in link])),
        (make, workers.submit(task, make)),
    ]
    return Sent(step, len(jobs), held, batches)


class Handed:
    """The chunks handed to the workers whose files are not recorded yet, oldest first: each
    recorded in run.written (and shown by `advance`) once its batches are back. At most
    IN_FLIGHT files are out at once, so the plan never sits whole."""

    def __init__(self, run: Run, workers: Workers, advance: Callable[[int], None]):
        self.run, self.workers, self.advance = run, workers, advance
        self.chunks: collections.deque[tuple[Sent, int]] = collections.deque()
        self.out = 0

    def add(self, sent: Sent, shown: int | None = None) -> None:
        """One more chunk out; `shown`: the files it counts for in the progress (its size)."""
        self.chunks.append((sent, sent.size if shown is None else shown))
        self.out += sent.size
        while self.out > IN_FLIGHT and len(self.chunks) > 1:
            self._record()

    def finish(self) -> None:
        """Wait for every chunk out and record its files."""
        while self.chunks:
            self._record()

    def _record(self) -> None:
        sent, shown = self.chunks.popleft()
        self.out -= sent.size
        run = self.run
        with run.report.step(sent.step):
            run.written.update(sent.held)
            for jobs, batch in sent.batches:
                for job, st in zip(jobs, self.workers.collect(batch)):
                    run.written[job.path] = FileRecord(run.report.keys[job.path], st)
        self.advance(shown)


LIVE = FileRecord("", FileStat(0, 0, 0))  # `holds`: the site's file will do, linked
SPARE_CHECK_FORK = 4000  # files in the spare from which its check is worth a forked child


def holds(run: Run, rel: str, key: str) -> FileRecord | None:
    """The spare's record of `rel` if its file was made with `key` and is untouched; LIVE if
    the site's is; else None."""
    found = run.spare_manifest.files.get(rel)
    if found is not None and found.key == key and rel not in run.spare_check.changed():
        return found
    found = run.manifest.files.get(rel)
    if found is not None and found.key == key:
        if same_file(f"{run.request.out}/{rel}", found.stat):
            return LIVE
    return None


class SpareCheck:
    """Which of the spare's recorded files are no longer what its record says (removed,
    replaced, changed by hand), and which of its recorded folders' mtimes moved (a file added
    or removed there), found by a forked child from the moment the spare is taken, while this
    process loads the posts and plans (41,000 stats at 10,000 posts, 0.15 s). A build only
    ever changes a file of the spare after deciding about it (`holds`), so what the child
    saw is what that decision needs; tidy_spare looks again at the folders written since."""

    def __init__(self, spare: Path, files: Mapping[str, FileRecord], folders: Mapping[str, int]):
        self._files = spare, files
        self._changed: frozenset[str] | None = None
        self._folders: frozenset[str] | None = None
        self._child: Forked | None = None
        if len(files) >= SPARE_CHECK_FORK:
            self._child = Forked(
                lambda: (changed_files(spare, files), changed_folders(spare, folders))
            )

    def changed(self) -> frozenset[str]:
        """The paths whose files changed (waiting for the child the first time; a small site
        is checked here and now)."""
        if self._child is not None:
            child, self._child = self._child, None
            self._changed, self._folders = child.result()
        elif self._changed is None:
            self._changed = changed_files(*self._files)
        return self._changed

    def known(self) -> frozenset[str] | None:
        """changed(), if it is already in, without waiting (None if not): a child forked
        from this process must not take the spare check's answer."""
        return self._changed if self._child is None else None

    def changed_folders(self) -> frozenset[str] | None:
        """The recorded folders whose mtime had moved when the child looked; None when no
        child looked (a small site: tidy reads every folder's mtime itself)."""
        self.changed()
        return self._folders

    def close(self) -> None:
        """Stop the child if its answer was never needed (a failed build)."""
        if self._child is not None:
            self._child.cancel()
            self._child = None


@dataclass(frozen=True)
class Extra:
    """A file no template makes: its path, what it is, its key, and how to make its bytes."""

    path: str
    source: str
    key: str
    make: Callable[[], bytes | Iterable[bytes]]  # in parts: a file too large to hold whole


def extra_files(run: Run, digests: list[Digest], feeds: list[FeedJob]) -> Iterator[Extra]:
    """Static files, posts.json, robots.txt and the redirect rules of the old feed addresses,
    each made only when its key changed (posts.json: the posts' keys). Drafts (there with
    --drafts) are not in posts.json."""
    config, salt = run.request.config, run.salt
    published = [d for d in digests if not d.post.draft]
    yield Extra(
        "posts.json",
        "posts.json",
        content_key("\n".join([salt, "posts.json", *(d.key for d in published)])),
        lambda: posts_json_file(run.cache, published, config.site_url),
    )
    for name, path in resources.static_files().items():
        rel = "static/" + name
        yield Extra(rel, f"static file {rel}", content_key(f"{salt}\n{rel}"), path.read_bytes)
    yield Extra(
        "robots.txt",
        "robots.txt",
        content_key(f"{salt}\nrobots.txt"),
        lambda: robots(config.site_url),
    )
    feed_paths = [job.path for job in feeds]
    rules = redirect_files(feed_paths, S.rooted_url(config.site_url, ""))
    for name, text in rules.items():
        yield Extra(
            name,
            f"redirect rules {name}",
            content_key("\n".join([salt, name, *feed_paths])),
            lambda text=text: text.encode("utf-8"),
        )


def posts_json_file(cache: BuildCache, published: list[Digest], site_url: str) -> Iterator[bytes]:
    """posts.json in parts, each post's line taken from the cache by its digest key where the
    last build made it (10,000 records encode in a quarter of a second; an edit changes one)."""
    known = cache.record_lines(site_url)
    lines = {d.key: known.get(d.key) or record_line(d.post, site_url, d.words) for d in published}
    if lines.keys() != known.keys():
        cache.put_record_lines(site_url, lines)
    ordered = sorted(published, key=lambda d: d.post.slug)
    return posts_document_parts(site_url, [lines[d.key] for d in ordered])


SITEMAP = "sitemap.xml"


def sitemap_file(run: Run, digests: list[Digest]) -> Extra:
    """sitemap.xml of every page planned (drafts aside), keyed by their paths."""
    drafts = {
        path
        for d in digests
        if d.post.draft
        for path in (S.post_path(d.post), S.source_path(d.post))
    }
    paths = sorted(p for p in run.outputs.sources if p not in drafts)
    return Extra(
        SITEMAP,
        "sitemap",
        content_key("\n".join([run.salt, SITEMAP, *paths])),
        lambda: sitemap(paths, run.request.config.site_url),
    )


def keep_last_index(run: Run, writer: SiteWriter) -> bool:
    """Give the spare the site's search index, made from an older build's posts but whole
    (search catches up in the next build), keeping what the spare already holds of it;
    False if there is none intact."""
    with run.report.step("search (later)"):
        left = keep_index(run.spare, run.request.out, run_intact(run), spare_intact(run))
        if left is None:
            return False
        run.written.update(index_files(run, left))
    return True


def run_intact(run: Run) -> Callable[[str], bool]:
    """Is this file of the site the one the last build wrote?"""
    out, files = run.request.out, run.manifest.files
    return lambda rel: rel in files and same_file(f"{out}/{rel}", files[rel].stat)


def spare_intact(run: Run) -> Callable[[str], bool]:
    """Is this file of the spare the one the build before the last wrote? Answered from the
    spare check when it is in (no file read again), else by each file's stat."""
    spare, files = run.spare, run.spare_manifest.files
    changed = run.spare_check.known() if run.spare_check is not None else None
    if changed is not None:
        return lambda rel: rel in files and rel not in changed
    return lambda rel: rel in files and same_file(f"{spare}/{rel}", files[rel].stat)


class EarlyIndex:
    """The search index of a build that changes a few posts, made in a forked child from the
    moment the posts are known: it indexes the changed shards while this process keeps the
    rest of the site (0.3 s of a one-edit build at 10,000 posts). Builds that plan every page
    index after them, with a progress bar, as do serve's builds that leave the index for
    later. Leaving the block stops a child whose result was not taken (a failed build)."""

    def __init__(self, run: Run, state: WorkerState):
        self.run, self.state = run, state
        self.started = False
        self._child: Forked | None = None

    def __enter__(self) -> EarlyIndex:
        return self

    def __exit__(self, *exc_info) -> None:
        if self._child is not None:
            self._child.cancel()

    def start(self, posts: list[Digest]) -> None:
        request = self.run.request
        if not request.search or request.index_later or self.started:
            return
        run, state = self.run, self.state
        self._child = Forked(lambda: index_posts(run, posts, state))
        self.started = True

    def finish(self) -> None:
        """Wait for the index and record its files."""
        child, self._child = self._child, None
        with self.run.report.step("search"):
            stats = self.run.report.indexed = child.result()
            self.run.written.update(index_files(self.run, stats.left))


def index_posts(
    run: Run,
    posts: list[Digest],
    state: WorkerState,
    advance: Callable[[int], None] = lambda n: None,
) -> IndexStats:
    """Index the posts into the spare (search.update_index), keeping the shards the spare or
    the site holds intact; advance(1) after each shard indexed."""
    return update_index(
        [search_doc(d.post, d.key) for d in posts],
        run.spare,
        state.html_of,
        IndexOptions(
            run.request.out,
            run_intact(run),
            run.request.config.language,
            run.request.jobs,
            advance=advance,
            here=spare_intact(run),
        ),
    )


def index_step(run: Run, posts: list[Digest], state: WorkerState) -> None:
    """Index the site's posts for search (when it is on), in shards, into the spare (whose
    old index is gone): a shard none of whose posts changed is linked from the site, if its
    files are the ones the last build wrote; the others are indexed again
    (search.update_index)."""
    if not run.request.search:
        return
    with run.report.step("search"), run.progress.phase("search index", unit="shard") as advance:
        stats = run.report.indexed = index_posts(run, posts, state, advance)
        run.written.update(index_files(run, stats.left))


def index_files(run: Run, left: tuple[str, ...]) -> dict[str, FileRecord]:
    """The records of the files under the spare's pagefind/: those of the shards left in
    place as the spare's record has them, the others walked."""
    recorded: dict[str, dict[str, FileRecord]] = {name: {} for name in left}
    files = run.spare_manifest.files
    for rel in files:
        if rel.startswith(BUNDLE + "/"):
            shard = rel.split("/", 2)[1]
            if shard in recorded:
                recorded[shard][rel] = files[rel]
    found = {}
    for rel, st in walk(run.spare / BUNDLE, skip=frozenset(left)).items():
        found[f"{BUNDLE}/{rel}"] = FileRecord("", st)
    for records in recorded.values():
        found.update(records)
    return dict(sorted(found.items()))


def leave_spare(run: Run, made: Manifest) -> None:
    """After a build made in an empty folder (the first, or a cold one): the next build's
    spare, made now by hard-linking every file of the site (the same files, not copies) and
    recorded, so that the next edit updates it in place instead of linking every file first
    (0.7 s at 10,000 posts). Its files are the site's, so their records are the site's (a
    link changes no size, mtime or inode). Nothing is lost if it cannot be made: the next
    build makes it."""
    out = run.request.out
    try:
        spare = fresh_spare(out)
        link_tree(out, spare, made.files)
    except (OSError, OutputError):
        shutil.rmtree(spare_folder(out), ignore_errors=True)
        return
    run.cache.put_manifest(
        out,
        folder_id(spare),
        dataclasses.replace(made, folders=folder_times(spare, made.folders)),
        keep=folder_id(out),
    )


def folders_written(run: Run) -> set[str]:
    """Every folder of the files written: those of the files tidy_spare kept, and of the ones
    made since (the search index)."""
    kept, folders = run.tidied
    return folders | folders_of(rel for rel in run.written if rel not in kept)


def remember(run: Run) -> Manifest:
    """Record what the spare now holds, before it is swapped in: this build's fingerprint
    (none when files were skipped), every file with its key and stat, every folder's mtime,
    and each post file's stat and key for the next scan. Returns the record."""
    scan, spare = run.scan, run.spare
    made = Manifest(
        fingerprint=scan.fingerprint if not run.errors else "",
        files=run.written,
        posts=FileTable(
            [f.name for f in scan.files],
            [f.key for f in scan.files],
            [n for f in scan.files for n in f.stats],
        ),
        renderer=scan.renderer,
        scanned_ns=scan.started_ns,
        folders=folder_times(spare, folders_written(run), run.folders_seen),
        structure=run.structure,
        related_key=run.related_key,
        index_pending=run.report.index_pending,
    )
    run.cache.put_manifest(run.request.out, folder_id(spare), made, keep=folder_id(run.request.out))
    run.report.files = len(run.written)
    return made
