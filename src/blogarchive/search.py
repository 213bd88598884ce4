"""Full-text search: the posts indexed by Pagefind in stable shards; static/search.js searches them.

The index is made from records, not from the written HTML: each post's title, the plain text
of its body, its URL, and its filters (category, year, tags). Posts are split into shards by
a hash of their slug; each shard is indexed by its own Pagefind process (so Pagefind's
memory is bounded by the shard, not the site) into pagefind/shard-NN/. A shard's key is a
hash of its records: a build re-indexes only the shards whose key changed and hard-links
the others from the previous site. pagefind/shards.json lists the shards with their page and
word counts; shard-00 also carries Pagefind's JavaScript. On the search page, Pagefind UI
imports static/pagefind-shards/pagefind.js, which searches every shard in Pagefind's web
worker and answers as one whole index would (see that file): it needs each shard to load as
an index of its own, so every other shard holds an empty `wasm.<language>.pagefind` (Pagefind's
"already decompressed" signature only), the WebAssembly being shard-00's, loaded first.

What Pagefind leaves non-deterministic: the order of the values inside each filter chunk
(filter/*.pf_filter) follows a per-process random hash, so those files, the shard's
*.pf_meta that names them and its pagefind-entry.json differ between two runs over the
same records. Fragments, the word index and the JavaScript are byte-identical, and so
are the results. A kept shard keeps its exact bytes.

Call `update_index` on the build's new (temporary) site folder before it is swapped in:
a failed or killed index then leaves the old site in place. Each shard is also assembled
in a temporary folder and renamed into place, so no shard folder is ever half-written.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import os
import secrets
import shutil
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Sequence

from . import site as S
from .build.keys import content_key
from .errors import OutputError
from .fsutil import TEMP_SUFFIX
from .markdown_safe import plain_text
from .pagefind_service import PagefindProcess
from .post import Post

BUNDLE = "pagefind"  # the folder of the index in the site
LISTING = "shards.json"  # pagefind/shards.json: the shards and their keys
PRIMARY = "shard-00"  # the shard the search page loads first (templates/search.html)
SHARD_POSTS = 128  # shards are added (doubled) to keep about this many posts each
INDEX_FILES = ("pagefind-entry.json", "fragment/", "index/", "filter/")  # and pagefind.*.pf_meta
EMPTY_WASM = b"pagefind_dcd"  # a shard's wasm.*.pagefind: shard-00's module is reused


@dataclass(frozen=True)
class SearchDoc:
    """What search knows of a post before its text is read: enough to place it in a shard and
    to tell whether that shard changed. `body_key` names the post's HTML for `text_of`."""

    slug: str
    url: str  # site-rooted, as Pagefind gives results: "/2015/08/25/slug/"
    title: str
    date: str  # ISO date, "" when undated
    categories: tuple[str, ...]
    tags: tuple[str, ...]
    body_key: str


@dataclass(frozen=True)
class Shard:
    name: str  # "shard-07": its folder under pagefind/
    key: str  # a hash of its records and of the Pagefind that indexes them
    docs: tuple[SearchDoc, ...]  # in URL order


@dataclass(frozen=True)
class IndexStats:
    pages: int  # posts in the index
    shards: int  # shards in the index
    indexed: int  # shards Pagefind (re)indexed in this run; the rest were kept
    files: int  # files under pagefind/
    bytes: int  # the size of the shards indexed in this run
    seconds: float  # wall time of update_index
    peak_rss: int  # the largest Pagefind process's peak resident memory, bytes
    left: tuple[str, ...] = ()  # shards the target already held, left as they were


def search_doc(post: Post, body_key: str) -> SearchDoc:
    """The search record of a post whose HTML the build keeps under `body_key`."""
    url = "/" + S.post_path(post).removesuffix("index.html")
    return SearchDoc(
        post.slug,
        url,
        post.title,
        post.date.isoformat() if post.date else "",
        tuple(post.categories),
        tuple(post.tags),
        body_key,
    )


def shard_count(posts: int) -> int:
    """How many shards `posts` posts are split into: a power of two, so that a growing site
    re-shards only when it doubles, with at most about SHARD_POSTS posts a shard."""
    count = 1
    while posts > count * SHARD_POSTS:
        count *= 2
    return count


def shard_of(slug: str, count: int) -> int:
    """The shard a slug belongs to, among `count`: stable across builds and machines."""
    digest = hashlib.blake2b(slug.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big") % count


def plan_shards(docs: Iterable[SearchDoc], language: str, count: int | None = None) -> list[Shard]:
    """The shards of these posts (empty ones left out, except shard-00, which carries the
    search page's JavaScript), each keyed by its records, the language and Pagefind's version."""
    docs = sorted(docs, key=lambda d: d.url)
    count = count or shard_count(len(docs))
    members: dict[int, list[SearchDoc]] = {0: []}  # shard 0 is PRIMARY
    for doc in docs:
        members.setdefault(shard_of(doc.slug, count), []).append(doc)
    version = pagefind_version()
    return [
        Shard(
            f"shard-{n:02d}", content_key(repr((version, language, count, n, group))), tuple(group)
        )
        for n, group in sorted(members.items())
    ]


def pagefind_record(doc: SearchDoc, body_html: str, language: str) -> dict:
    """A post as one of Pagefind's custom records: the title and plain text are searched, the
    title shown, category, year and tags offered as filters, the date used to sort."""
    filters = {"category": list(doc.categories), "year": [doc.date[:4] or "Undated"]}
    if doc.tags:
        filters["tags"] = list(doc.tags)
    return {
        "url": doc.url,
        "content": f"{doc.title}\n{plain_text(body_html)}",
        "language": language,
        "meta": {"title": doc.title},
        "filters": filters,
        "sort": {"date": doc.date} if doc.date else {},
    }


def pagefind_language(tag: str) -> str:
    """Pagefind's language code for a site language tag: "en-GB" -> "en"."""
    return tag.split("-")[0].lower() or "en"


# -- writing the index ---------------------------------------------------------------------------


@dataclass(frozen=True)
class IndexOptions:
    """How to index: the last build's site folder and a check that one of its files is the one
    that build wrote (`intact(site-relative path)`), so its unchanged shards can be kept; the
    same check for the target's own files (`here`: a folder updated in place, whose intact
    shards with the right key are left as they are); the blog's language; Pagefind processes
    at a time; a forced number of shards (1: one whole index); and advance(1) after each
    shard indexed (for a progress bar)."""

    previous: Path | None = None
    intact: Callable[[str], bool] | None = None
    language: str = "en"
    jobs: int = 1
    count: int | None = None
    advance: Callable[[int], None] = lambda n: None
    here: Callable[[str], bool] | None = None


def update_index(
    docs: Iterable[SearchDoc],
    site: Path,
    text_of: Callable[[str], str],
    options: IndexOptions = IndexOptions(),
) -> IndexStats:
    """Write the search index of `docs` into site/pagefind/.

    With `here`, shards site/pagefind/ already holds with the right key and intact files are
    left there, and everything else in it is removed; without, site/pagefind/ is new. Shards
    whose key is the one recorded in previous/pagefind/shards.json are hard-linked from
    there, if `intact(path)` holds for each of their files; the others are indexed, reading
    each post's HTML through `text_of(doc.body_key)` (see IndexOptions). An OutputError names
    what failed; the site folder is then to be discarded."""
    o = options
    previous, intact, language, jobs, advance = o.previous, o.intact, o.language, o.jobs, o.advance
    started = time.perf_counter()
    language = pagefind_language(language)
    shards = plan_shards(docs, language, o.count)
    bundle = Path(site) / BUNDLE
    left = _reusable(shards, Path(site), o.here) if o.here else {}
    kept = _reusable(
        [s for s in shards if s.name not in left], Path(previous) if previous else None, intact
    )
    kept.update(left)
    try:
        _clear(bundle, keep=set(left))
        bundle.mkdir(parents=True, exist_ok=True)
        for name, old in kept.items():
            if name in left:
                continue
            _link_files(old.folder, str(bundle / name), old.files)
    except OSError as exc:
        raise OutputError(f"{bundle}: cannot keep the search index: {exc.strerror}") from None
    todo = [s for s in shards if s.name not in kept]
    made = {}
    with ThreadPoolExecutor(max(1, min(jobs, len(todo) or 1))) as pool:
        for shard, result in zip(
            todo, pool.map(lambda s: _index_shard(s, bundle, text_of, language), todo)
        ):
            made[shard.name] = result
            advance(1)
    written = {**{name: old.written for name, old in kept.items()}, **made}
    _write_listing(bundle, shards, written)
    return IndexStats(
        pages=sum(len(s.docs) for s in shards),
        shards=len(shards),
        indexed=len(todo),
        files=sum(w.files for w in written.values()) + 1,
        bytes=sum(w.bytes for w in made.values()),
        seconds=time.perf_counter() - started,
        peak_rss=max((w.peak_rss for w in made.values()), default=0),
        left=tuple(sorted(left)),
    )


def keep_index(
    site: Path, previous: Path, intact: Callable[[str], bool], here: Callable[[str], bool]
) -> tuple[str, ...] | None:
    """Make site/pagefind/ the index previous/pagefind/ holds, as it is (made from older
    posts, but whole): shards site/pagefind/ already holds with the same key and intact files
    (`here`) are left, the others hard-linked from previous if their files are intact. The
    shards left; None, leaving site/pagefind/ as it was, if previous holds no intact index."""
    listing = f"{BUNDLE}/{LISTING}"
    try:
        listed = json.loads((previous / listing).read_text(encoding="utf-8"))["shards"]
        shards = [Shard(item["path"].rstrip("/"), item["key"], ()) for item in listed]
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    if not intact(listing):
        return None
    left = _reusable(shards, site, here)
    kept = _reusable([s for s in shards if s.name not in left], previous, intact)
    if len(left) + len(kept) != len(shards):
        return None
    bundle = site / BUNDLE
    try:
        _clear(bundle, keep=set(left))
        bundle.mkdir(parents=True, exist_ok=True)
        for name, old in kept.items():
            _link_files(old.folder, str(bundle / name), old.files)
        os.link(previous / listing, bundle / LISTING)
    except OSError as exc:
        raise OutputError(f"{bundle}: cannot keep the search index: {exc.strerror}") from None
    return tuple(sorted(left))


def _clear(bundle: Path, keep: set[str]) -> None:
    """Remove everything in bundle (if it exists) but the folders named in `keep`."""
    try:
        entries = list(os.scandir(bundle))
    except FileNotFoundError:
        return
    for entry in entries:
        if entry.name in keep and entry.is_dir(follow_symlinks=False):
            continue
        if entry.is_dir(follow_symlinks=False):
            shutil.rmtree(entry.path)
        else:
            os.unlink(entry.path)


@dataclass(frozen=True)
class Written:
    """What a shard's folder holds (its file and word counts are in shards.json; the size is
    not, as the filter chunks' size varies from run to run), and what indexing it cost."""

    files: int
    bytes: int
    words: int  # the words Pagefind counted in its pages (page lengths)
    peak_rss: int = 0


@dataclass(frozen=True)
class _Kept:
    folder: str  # the shard's folder in the previous site
    files: list[str]  # its files, relative to that folder
    written: Written


def _reusable(
    shards: Sequence[Shard], previous: Path | None, intact: Callable[[str], bool] | None
) -> dict[str, _Kept]:
    """The shards the previous index already holds with the same key and intact files."""
    if previous is None:
        return {}
    try:
        listed = json.loads((previous / BUNDLE / LISTING).read_text(encoding="utf-8"))
        old = {
            item["path"].rstrip("/"): (
                item["key"],
                Written(int(item["files"]), 0, int(item["words"])),
            )
            for item in listed["shards"]
        }
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}
    found = {}
    for shard in shards:
        key, written = old.get(shard.name, ("", None))
        folder = f"{previous}/{BUNDLE}/{shard.name}"
        if key != shard.key:
            continue
        try:
            files = _files_under(folder)
        except OSError:
            continue
        prefix = f"{BUNDLE}/{shard.name}/"
        if len(files) == written.files and (
            intact is None or all(intact(prefix + f) for f in files)
        ):
            found[shard.name] = _Kept(folder, files, written)
    return found


def _files_under(folder: str, prefix: str = "") -> list[str]:
    """Every file under folder, as a relative path (os.scandir: 10,000 files in milliseconds)."""
    found = []
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                found += _files_under(entry.path, f"{prefix}{entry.name}/")
            else:
                found.append(prefix + entry.name)
    return found


def _link_files(source: str, target: str, files: list[str]) -> None:
    """Hard-link these files of folder source into target (a new folder)."""
    made = set()
    for rel in files:
        folder = rel.rpartition("/")[0]
        if folder not in made:
            os.makedirs(f"{target}/{folder}", exist_ok=True)
            made.add(folder)
        os.link(f"{source}/{rel}", f"{target}/{rel}")


def _index_shard(
    shard: Shard, bundle: Path, text_of: Callable[[str], str], language: str
) -> Written:
    """Index one shard with its own Pagefind process into bundle/<name>/ (assembled in a temp
    folder, then renamed into place)."""
    records = (pagefind_record(doc, text_of(doc.body_key), language) for doc in shard.docs)
    with PagefindProcess(pagefind_binary(), bundle) as pagefind:
        index = pagefind.new_index({"force_language": language})
        words = sum(pagefind.add_records(index, records))
        files = pagefind.call({"type": "GetFiles", "index_id": index}).get("files")
    if not isinstance(files, list):
        raise OutputError(f"{bundle / shard.name}: Pagefind returned no index files")
    primary = shard.name == PRIMARY
    tmp = bundle / f".{shard.name}.{secrets.token_hex(4)}{TEMP_SUFFIX}"
    count = size = 0
    try:
        for item in files:
            rel = item["path"]
            data = _kept_content(rel, item["content"], primary)
            if data is not None:
                _write_new(tmp / rel, data)
                count, size = count + 1, size + len(data)
        os.rename(tmp, bundle / shard.name)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise OutputError(
            f"{bundle / shard.name}: cannot write the search index: {exc.strerror}"
        ) from None
    return Written(count, size, words, pagefind.peak_rss)


def _kept_content(rel: str, content: str, primary: bool) -> bytes | None:
    """What a shard keeps of a file Pagefind made (base64 `content`): the primary everything;
    the others their index, and an empty WebAssembly bundle instead of Pagefind's."""
    if primary or rel.startswith(INDEX_FILES) or rel.endswith(".pf_meta"):
        return base64.b64decode(content)
    if rel.startswith("wasm.") and rel.endswith(".pagefind"):
        return EMPTY_WASM
    return None


def _write_new(path: Path, data: bytes) -> None:
    if ".." in path.parts:
        raise OSError(0, f"Pagefind named a file outside its folder: {path}")
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "xb") as fh:
        fh.write(data)


def _write_listing(bundle: Path, shards: Sequence[Shard], written: dict[str, Written]) -> None:
    """pagefind/shards.json: what the search page searches (with the page and word counts it
    ranks by), and the keys the next build compares."""
    listing = {
        "pagefind": pagefind_version(),
        "primary": f"{PRIMARY}/",
        "shards": [
            {
                "path": f"{s.name}/",
                "key": s.key,
                "pages": len(s.docs),
                "words": written[s.name].words,
                "files": written[s.name].files,
            }
            for s in shards
        ],
    }
    try:
        _write_new(bundle / LISTING, (json.dumps(listing, indent=1) + "\n").encode("utf-8"))
    except OSError as exc:
        raise OutputError(f"{bundle / LISTING}: cannot write: {exc.strerror}") from None


# -- the Pagefind program ------------------------------------------------------------------------


def pagefind_binary() -> Path:
    """The Pagefind executable: $PAGEFIND_BINARY_PATH, else the pagefind_bin wheel's, else on
    PATH."""
    if os.environ.get("PAGEFIND_BINARY_PATH"):
        return Path(os.environ["PAGEFIND_BINARY_PATH"])
    try:
        import pagefind_bin

        return Path(pagefind_bin.get_executable())
    except (ImportError, FileNotFoundError):
        pass
    found = shutil.which("pagefind")
    if found:
        return Path(found)
    raise OutputError(
        "cannot build the search index: Pagefind is not installed "
        "(python -m pip install 'pagefind[bin]')"
    )


@functools.lru_cache(maxsize=None)
def pagefind_version() -> str:
    """The Pagefind program's version, as it says (part of every shard's key)."""
    try:
        done = subprocess.run(
            [str(pagefind_binary()), "--version"],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise OutputError(f"cannot run Pagefind: {exc}") from None
    return done.stdout.strip() or f"unknown (exit status {done.returncode})"
