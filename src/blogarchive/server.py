"""The `serve` command: build, serve the site on 127.0.0.1, rebuild when a source changes.

Serving: every request is resolved afresh against the site folder, which the build replaces by
renaming, so a request never sees a half-written site; a file that vanishes mid-swap is looked
up once more. Nothing outside the folder is ever served. Watching: posts/, templates, static
files and site.yaml feed one rebuild thread, which coalesces bursts of changes into one build.
"""

from __future__ import annotations

import dataclasses
import errno
import gc
import ipaddress
import mimetypes
import os
import queue
import socket
import stat
import sys
import threading
import time
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote, unquote_to_bytes, urlsplit

from . import livereload, redirects, resources
from .build import build
from .cli import add_build_options, build_options, images_folder, port_number
from .config import load_config
from .errors import BlogArchiveError


def register(sub) -> None:
    p = sub.add_parser(
        "serve",
        help="build, serve locally and rebuild on change",
        description="Build the site, serve it on http://127.0.0.1:PORT/ and rebuild "
        "whenever a post, template, static file or site.yaml changes.",
    )
    add_build_options(p)
    p.add_argument(
        "--port", type=port_number, default=8000, help="port (default: 8000; 0: any free port)"
    )
    p.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to bind (default: 127.0.0.1, this machine only)",
    )
    p.add_argument(
        "--no-livereload",
        action="store_true",
        help="do not reload open pages after a rebuild (nor show its errors in them)",
    )
    p.set_defaults(func=run)


# --- Requests: pure functions from what a client sent to what the site holds ----------------

TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".json": "application/json",
    ".xml": "application/xml",
    ".svg": "image/svg+xml",
    ".wasm": "application/wasm",
    ".ico": "image/x-icon",
    ".woff2": "font/woff2",
    ".webp": "image/webp",
    # Pagefind's search index: binary chunks the browser fetches and decodes itself
    ".pf_meta": "application/octet-stream",
    ".pf_index": "application/octet-stream",
    ".pf_fragment": "application/octet-stream",
    ".pagefind": "application/octet-stream",
}
_BUILTIN_TYPES = mimetypes.MimeTypes()  # Python's own table: the same answer on every machine


def content_type(name: str, head: bytes = b"") -> str:
    """The Content-Type for a file name; `head` (its first bytes) tells a feed from other XML."""
    suffix = os.path.splitext(name)[1].lower()
    if suffix == ".xml":
        return feed_type(head) or TYPES[".xml"]
    return TYPES.get(suffix) or _BUILTIN_TYPES.guess_type(name)[0] or "application/octet-stream"


def feed_type(head: bytes) -> str | None:
    """application/rss+xml or application/atom+xml when the XML's root element is a feed."""
    start = head.find(b"<", head.find(b"?>") + 1 if head.startswith(b"<?xml") else 0)
    if head.startswith(b"<rss", start):
        return "application/rss+xml"
    if head.startswith(b"<feed", start) and b"http://www.w3.org/2005/Atom" in head:
        return "application/atom+xml"
    return None


def request_target(raw: str) -> tuple[tuple[str, ...], bool] | None:
    """The path segments a request target names inside the site, and whether it ends in '/'.

    None when it cannot name a file of the site: not UTF-8 once decoded, a NUL or backslash,
    a '.' or '..' segment, a hidden name. `raw` is the request line's target as
    http.server gives it (decoded as Latin-1)."""
    if raw.startswith(("http://", "https://")):  # absolute form, as sent to proxies
        raw = urlsplit(raw).path or "/"
    path = raw.split("?", 1)[0].split("#", 1)[0]
    if not path.startswith("/"):
        return None
    try:
        text = unquote_to_bytes(path.encode("latin-1")).decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return None
    if "\x00" in text or "\\" in text:
        return None
    parts = tuple(p for p in text.split("/") if p)
    if any(p.startswith(".") for p in parts):  # '.', '..', and dotfiles alike
        return None
    return parts, text.endswith("/")


def folder_url(parts: tuple[str, ...], query: str) -> str:
    """Where a folder named without its '/' redirects; always one leading slash (never '//host')."""
    url = "/" + "".join(quote(p) + "/" for p in parts)
    return url + ("?" + query if query else "")


def inside(root: str, parts: tuple[str, ...]) -> str | None:
    """The real path of root/parts, or None when links lead it out of root."""
    real = os.path.realpath(os.path.join(root, *parts))
    return real if real.startswith(root + os.sep) else None


def old_address(root: str, parts: tuple[str, ...], query: str) -> redirects.Rule | None:
    """The redirect rule (the same the build writes for hosts) for an old WordPress address."""
    return redirects.resolve(
        "/".join(parts), query, lambda rel: os.path.isfile(os.path.join(root, rel))
    )


# --- Serving ---------------------------------------------------------------------------------

_GONE = (errno.ENOENT, errno.ENOTDIR)  # the swap can cause these: retry
_NOT_SERVABLE = (errno.EACCES, errno.EPERM, errno.ELOOP, errno.ENAMETOOLONG, errno.EISDIR)


@dataclasses.dataclass
class Found:
    """An open file of the site (its descriptor outlives a swap that deletes the file)."""

    fd: int
    size: int
    type: str


class Redirect(str):
    """A folder named without its trailing '/': the URL to send the client to."""


def open_file(
    root: str, parts: tuple[str, ...], slash: bool, query: str = ""
) -> Found | Redirect | None:
    """What root/parts names: an open regular file, a folder's index.html, a redirect, or None.

    Raises FileNotFoundError/NotADirectoryError when a path vanished (the caller retries)."""
    real = inside(root, parts) if parts else root
    if real is None:
        return None
    fd = os.open(
        real, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC
    )  # NONBLOCK: a FIFO cannot hang us
    try:
        info = os.fstat(fd)
        if stat.S_ISREG(info.st_mode) and not slash:
            return Found(fd, info.st_size, content_type(real, os.pread(fd, 512, 0)))
    except BaseException:
        os.close(fd)
        raise
    os.close(fd)
    if not stat.S_ISDIR(info.st_mode):
        return None
    if not slash:
        return Redirect(folder_url(parts, query))
    return open_file(root, parts + ("index.html",), False)


def lookup(
    root: str, parts: tuple[str, ...], slash: bool, query: str = ""
) -> Found | Redirect | None:
    """open_file, looked up a second time if the site folder was being swapped."""
    for attempt in (1, 2):
        try:
            return open_file(root, parts, slash, query)
        except OSError as exc:
            if exc.errno in _NOT_SERVABLE or (exc.errno in _GONE and attempt == 2):
                return None
            if exc.errno not in _GONE:
                raise
            wait_for_folder(root)
    return None


def wait_for_folder(root: str, limit: float = 2.0) -> None:
    """Between the build's two renames the site folder is briefly absent: wait for the new one."""
    deadline = time.monotonic() + limit
    while not os.path.isdir(root) and time.monotonic() < deadline:
        time.sleep(0.002)


class Handler(BaseHTTPRequestHandler):
    """GET and HEAD of the site's files; the site's 404 page; no listings; quiet logs."""

    protocol_version = "HTTP/1.1"  # keep-alive: a page and its CSS on one connection
    timeout = 30  # an idle keep-alive connection frees its thread

    def version_string(self):
        return "blogarchive"

    def do_GET(self):
        self.answer(with_body=True)

    def do_HEAD(self):
        self.answer(with_body=False)

    def refuse_method(self):
        """A static site takes no uploads; any request body is left unread, so the connection
        closes."""
        self.close_connection = True
        self.send_response(405)
        self.send_header("Allow", "GET, HEAD")
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = refuse_method

    def log_message(self, fmt, *args):
        pass

    def answer(self, with_body: bool) -> None:
        """The file a GET or HEAD names, a redirect to a folder's '/', or the 404 page."""
        if self.headers.get("Content-Length", "0") != "0" or "Transfer-Encoding" in self.headers:
            self.close_connection = True  # a body we do not read must not become a request
        target = request_target(self.path)
        if self.server.hub and target and target[0][:1] == (livereload.PREFIX,):
            self.live_reload("/" + "/".join(target[0]), with_body)
            return
        root = self.server.root
        query = urlsplit(self.path).query
        rule = old_address(root, target[0], query) if target else None
        found = None if rule or not target else lookup(root, *target, query)
        if rule:
            self.send_rule(rule, with_body)
        elif isinstance(found, Redirect):
            self.send_response(301)
            self.send_header("Location", found)
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif found:
            self.send_file(200, found, with_body)
        else:
            page = lookup(root, ("404.html",), False)
            if isinstance(page, Found):
                self.send_file(404, page, with_body)
            else:
                self.send_error(404)

    def send_rule(self, rule: redirects.Rule, with_body: bool) -> None:
        """An old WordPress address: 301 to the file that replaces it, or 410 Gone."""
        if rule.target:
            self.send_response(301)
            self.send_header("Location", "/" + quote(rule.target))
            self.send_header("Content-Length", "0")
            self.end_headers()
        else:
            self.send_bytes(
                410, TYPES[".txt"], b"gone: this archive has no comment feeds\n", with_body
            )

    def send_file(self, status: int, found: Found, with_body: bool) -> None:
        """Headers, then the open file's bytes; the descriptor is closed whatever the client does.
        Under live reload, an HTML page gets the reload script's tag."""
        with open(found.fd, "rb") as file:
            if self.server.hub and found.type.startswith("text/html"):
                self.send_bytes(status, found.type, livereload.inject(file.read()), with_body)
                return
            self.send_response(status)
            self.send_header("Content-Type", found.type)
            self.send_header("Content-Length", str(found.size))
            self.send_header("Cache-Control", "no-cache")  # pages change on every rebuild
            self.end_headers()
            if with_body and found.size:
                self.connection.sendfile(file, 0, found.size)

    def send_bytes(self, status: int, kind: str, data: bytes, with_body: bool) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()
        if with_body:
            self.wfile.write(data)

    def live_reload(self, path: str, with_body: bool) -> None:
        """The reload script, the build event stream, or 404 for anything else under the prefix."""
        if path == livereload.SCRIPT_PATH:
            self.send_bytes(200, TYPES[".js"], livereload.script(), with_body)
        elif path == livereload.EVENTS_PATH and with_body:
            self.send_events()
        else:
            self.send_bytes(404, TYPES[".txt"], b"not found\n", with_body)

    def send_events(self) -> None:
        """A Server-Sent Events stream of builds, in this connection's thread until the client
        leaves; refused with 503 when every slot is taken."""
        hub = self.server.hub
        if not hub.join():
            self.close_connection = True
            self.send_bytes(503, TYPES[".txt"], b"too many live-reload clients\n", True)
            return
        try:
            self.close_connection = True  # the stream ends when the connection does
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream; charset=utf-8")
            self.send_header("Cache-Control", "no-cache")
            self.end_headers()

            def write(data: bytes) -> None:
                self.wfile.write(data)
                self.wfile.flush()

            livereload.stream(hub, write)
        except (OSError, ValueError):  # the client went away (or the socket closed)
            pass
        finally:
            hub.leave()


class SiteServer(ThreadingHTTPServer):
    """One thread per connection; a client that hangs up is not an error worth a traceback."""

    daemon_threads = True
    block_on_close = False
    request_queue_size = 128  # bursts of connections wait instead of failing

    def __init__(self, address: tuple[str, int], folder: Path, hub: livereload.Hub | None = None):
        self.root = str(folder.resolve())
        self.hub = hub  # live reload: pages get the script, /events
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, Handler)

    def handle_error(self, request, client_address):
        if not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            super().handle_error(request, client_address)

    def server_close(self):
        if self.hub:
            self.hub.close()  # ends the event streams' threads
        super().server_close()


def make_server(
    host: str, port: int, folder: Path, hub: livereload.Hub | None = None
) -> SiteServer:
    """A threading server for the site folder only (port 0: any free port); with a hub, with
    live reload."""
    try:
        return SiteServer((host, port), folder, hub)
    except OSError as exc:
        raise BlogArchiveError(f"cannot serve on {host}:{port}: {exc.strerror}") from None


def public_warning(host: str) -> str | None:
    """Serving beyond this machine is allowed, but never silently: the warning, if one is due."""
    try:
        if ipaddress.ip_address(host).is_loopback:
            return None
        reach = (
            "every address of this machine" if ipaddress.ip_address(host).is_unspecified else host
        )
    except ValueError:
        if host == "localhost":
            return None
        reach = f"{host}, which is not a loopback address"
    return (
        f"warning: serving on {reach}: other machines on the network can read the site "
        "(use the default --host 127.0.0.1 to keep it to this machine)"
    )


def served_url(host: str, port: int) -> str:
    """The address to open in a browser (a wildcard bind is reached through loopback)."""
    host = {"0.0.0.0": "127.0.0.1", "::": "::1"}.get(host, host)
    host = f"[{host}]" if ":" in host else host
    return f"http://{host}:{port}/"


# --- Rebuilding --------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Sources:
    """What a build reads, as absolute paths; the watchers' filter is pure path logic over these."""

    posts: Path
    folders: tuple[Path, ...]  # templates, static, --templates, images: any file counts
    config: Path
    out: Path
    written: tuple[Path, ...] = ()  # the build cache: written by builds, never a source

    @classmethod
    def of(cls, args) -> Sources:
        folders = (
            *resources.template_dirs(args.templates),
            *resources.static_dirs(),
            images_folder(args),
        )
        cache = getattr(args, "cache", None)
        return cls(
            Path(args.posts).resolve(),
            tuple(f.resolve() for f in folders),
            Path(args.config).resolve(),
            Path(args.out).resolve(),
            (Path(cache).resolve(),) if cache else (),
        )


VIM_PROBE = "4913"  # the file vim creates to test that it may write a folder
SCRATCH_ENDINGS = (
    "~",
    ".swp",
    ".swo",
    ".swx",
    ".tmp",
    ".part",
    ".bak",
    "___jb_tmp___",
    "___jb_old___",
)


def is_scratch(name: str) -> bool:
    """Editors' temporary and backup files (vim, emacs, JetBrains...): never a reason to rebuild."""
    return name.startswith((".", "#")) or name.endswith(SCRATCH_ENDINGS) or name == VIM_PROBE


def is_source(path: str, src: Sources) -> bool:
    """Whether a changed path can change the site: never the output folder or the build's temp
    folders."""
    p = Path(path)
    if (
        p == src.out
        or src.out in p.parents
        or any(part.endswith(".blogarchive-tmp") for part in p.parts)
    ):
        return False
    if any(p == w or w in p.parents for w in src.written):
        return False
    if p == src.config:
        return True
    if is_scratch(p.name):
        return False
    if p.parent == src.posts:
        return p.suffix == ".md"
    return any(
        f in p.parents and not any(is_scratch(q) for q in p.relative_to(f).parts)
        for f in src.folders
    )


@dataclasses.dataclass(frozen=True)
class Outcome:
    """What one build under serve did: each output's key (see build.report.Report.keys) when it
    succeeded ({} when nothing needed writing), or its error."""

    keys: dict | None = None
    error: str | None = None
    index_pending: bool = False  # swapped in with the last search index (index_later)
    site_keys: dict | None = None  # every output's key, also when nothing needed writing


def rebuild(
    args, url: str = "", index_later: bool = False, edited: frozenset[str] | None = None
) -> Outcome:
    """One build; on error it is printed and the last good site stays served.

    Without a base_url the served address stands in, so feeds and canonical links work locally.
    With index_later, the pages are swapped in before the search index is brought up to date
    (the last complete one stays until then: see build). `edited`: the names of the only post
    files that may have changed since the last good build (BuildOptions.edited)."""
    try:
        config = load_config(Path(args.config), args.base_url)
        if not config.base_url and url:
            config = dataclasses.replace(config, base_url=url)
        report = build(
            Path(args.posts),
            Path(args.out),
            config,
            dataclasses.replace(build_options(args, index_later), edited=edited),
        )
        if not args.quiet:
            print(report.summary(args.out), file=sys.stderr)
        return Outcome(
            keys={} if report.up_to_date else dict(report.keys),
            index_pending=report.index_pending,
            site_keys=report.output_keys() if report.up_to_date else None,
        )
    except BlogArchiveError as exc:
        print(f"error: {exc}", file=sys.stderr, flush=True)
        return Outcome(error=str(exc))


# watchfiles sees a change after two quiet steps: 10 ms gives 10-20 ms from a save to the
# rebuild (25 ms gave 25-52), at 0.5 ms of CPU a second per watcher thread while idle
WATCH_STEP_MS = 10


def watch(sources: Sources, changes: queue.Queue, stop: threading.Event) -> list[threading.Thread]:
    """Watcher threads putting sets of changed source paths on `changes`.

    posts/ and site.yaml's folder are watched flat (builds read only posts/*.md, and the
    config's folder may hold the site itself); a single file is never watched, since an
    editor that saves by renaming would end the watch. Templates, static and images go deep."""
    from watchfiles import watch as watch_paths

    def run(paths: list[Path], recursive: bool) -> None:
        try:
            for batch in watch_paths(
                *paths,
                watch_filter=lambda _c, p: is_source(p, sources),
                recursive=recursive,
                stop_event=stop,
                debounce=300,
                step=WATCH_STEP_MS,
                raise_interrupt=False,
            ):
                changes.put({path for _change, path in batch})
        except Exception as exc:  # e.g. a watched folder deleted: say so rather than go quiet
            print(
                f"error: stopped watching {', '.join(map(str, paths))}: {exc}; restart serve "
                "to rebuild on change again",
                file=sys.stderr,
                flush=True,
            )

    flat = sorted({p for p in (sources.posts, sources.config.parent) if p.is_dir()})
    deep = sorted({p for p in sources.folders if p.is_dir()})
    threads = [
        threading.Thread(target=run, args=(paths, recursive), daemon=True, name="watch")
        for paths, recursive in ((flat, False), (deep, True))
        if paths
    ]
    for thread in threads:
        thread.start()
    return threads


def drain(changes: queue.Queue, timeout: float) -> set[str]:
    """Every change waiting (after waiting up to `timeout` for the first): one build for a burst."""
    try:
        paths = set(changes.get(timeout=timeout))
    except queue.Empty:
        return set()
    while True:
        try:
            paths |= changes.get_nowait()
        except queue.Empty:
            return paths


def describe(paths: set[str]) -> str:
    names = sorted(Path(p).name for p in paths)
    return ", ".join(names) if len(names) <= 3 else f"{len(names)} files"


INDEX_AFTER = 1.0  # seconds without an edit before serve brings the search index up to date
COLLECT_AT_LEAST = 30.0  # seconds: the longest the collector stays off while edits go on


class Rebuilder:
    """The one rebuild thread: each burst of changes gives one build, whose outcome goes to
    the live-reload hub (if any); a failure keeps the last good site."""

    def __init__(self, args, url: str, hub: livereload.Hub | None, keys: dict | None):
        self.args, self.url, self.hub, self.keys = args, url, hub, keys
        self.posts = Path(args.posts).resolve()
        self.pending: set[str] = set()  # changes whose search index is left for later
        self.last = 0.0  # when the last build ended (time.monotonic)
        self.edited: set[str] = set()  # names of the files changed since the last good build
        self.collected = time.monotonic()  # when the cycle collector last ran (collect)

    def run(self, changes: queue.Queue, stop: threading.Event) -> None:
        while not stop.is_set():
            paths = drain(changes, INDEX_AFTER / 4)
            if paths:
                self.once(paths)
            elif self.pending and time.monotonic() - self.last >= INDEX_AFTER:
                self.catch_up()
            elif not gc.isenabled():
                self.collect()  # edits paused: the builds' cycles are collected now

    def collect(self) -> None:
        """Collect the cycles the builds since the last collection left, and turn the
        collector back on (until the next build)."""
        gc.collect()
        gc.enable()
        self.collected = time.monotonic()

    def once(self, paths: set[str]) -> None:
        """Build and announce the pages at once, leaving the search index for later: it is
        brought up to date once edits pause for INDEX_AFTER seconds (`catch_up`), so an edit
        never waits for the index of the one before."""
        outcome = self.build(paths, index_later=True)
        self.announce(outcome, paths)
        if outcome.index_pending:
            self.pending |= paths
        self.last = time.monotonic()

    def catch_up(self) -> None:
        """Build again to bring the search index up to date (announcing whatever changed)."""
        paths, self.pending = self.pending, set()
        self.announce(self.build(paths, index_later=False), paths)
        self.last = time.monotonic()

    def build(self, paths: set[str], index_later: bool) -> Outcome:
        """One build, timed. The cycle collector stays off after it (`run` collects once edits
        pause): turned on at once, it walked every object the build made (0.15 s at 10,000
        posts) between the build and the page's reload."""
        started = time.perf_counter()
        if not gc.isenabled() and time.monotonic() - self.collected > COLLECT_AT_LEAST:
            self.collect()  # edits have not paused for a while: collect before this build
        gc.disable()
        # the watcher saw every change since the last good build (it started before the
        # first): a quick build checks only those post files; catching up checks them all
        self.edited |= {Path(p).name for p in paths}
        edited = frozenset(self.edited) if index_later else None
        try:
            outcome = rebuild(self.args, self.url, index_later, edited)
        except Exception as exc:  # a bug must not stop the watcher: report it, keep the site
            traceback.print_exc()
            outcome = Outcome(error=f"internal error: {type(exc).__name__}: {exc}")
        if outcome.error is None:
            self.edited = set()
            if not self.args.quiet:
                what = "search index updated" if not index_later else "rebuilt"
                print(
                    f"{what} in {time.perf_counter() - started:.2f} s ({describe(paths)} changed)",
                    file=sys.stderr,
                    flush=True,
                )
        else:
            print("(still serving the last good build)", file=sys.stderr, flush=True)
        return outcome

    def announce(self, outcome: Outcome, paths: set[str]) -> None:
        """Publish what changed: only posts changed, the pages whose keys changed; else
        (templates, static files, settings) every page."""
        if self.hub is None:
            return
        if outcome.error is not None:
            self.hub.publish(error=outcome.error)
            return
        if not outcome.keys:  # up to date: nothing was written
            self.hub.publish(changed=())
            return
        only_posts = all(Path(p).parent == self.posts for p in paths)
        changed = livereload.changed_paths(self.keys, outcome.keys) if only_posts else None
        self.keys = outcome.keys
        self.hub.publish(changed=changed)


def run(args) -> int:
    """The serve command: bind, watch, build, serve until Ctrl-C."""
    warning = public_warning(args.host)
    if warning:
        print(warning, file=sys.stderr, flush=True)
    hub = None if args.no_livereload else livereload.Hub()
    server = make_server(args.host, args.port, Path(args.out), hub)
    url = served_url(args.host, server.server_address[1])
    stop, changes = threading.Event(), queue.Queue()
    watch(Sources.of(args), changes, stop)  # before the first build: edits meanwhile count
    try:
        first = rebuild(args, url)
        if first.error is not None:
            return 1
        rebuilder = Rebuilder(args, url, hub, first.keys or first.site_keys or None)
        threading.Thread(
            target=rebuilder.run, args=(changes, stop), daemon=True, name="rebuild"
        ).start()
        print(f"serving {args.out}/ at {url} (Ctrl-C stops)", flush=True)
        server.serve_forever()
    finally:
        stop.set()
        server.server_close()
    return 0
