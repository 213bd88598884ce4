"""The `serve` command: build, serve the site on 127.0.0.1, rebuild when a source changes."""
from __future__ import annotations

import dataclasses
import functools
import ipaddress
import sys
import threading
import traceback
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from . import builder
from .config import load_config
from .errors import BlogArchiveError


def register(sub) -> None:
    p = sub.add_parser("serve", help="build, serve locally and rebuild on change",
                       description="Build the site, serve it on http://127.0.0.1:PORT/ and rebuild "
                                   "whenever a post, template, static file or site.yaml changes.")
    builder.add_build_options(p)
    p.add_argument("--port", type=int, default=8000, help="port (default: 8000)")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1)")
    p.set_defaults(func=run)


class Handler(SimpleHTTPRequestHandler):
    """Static files from the site folder only; quiet logs; correct types for feeds."""
    extensions_map = {**SimpleHTTPRequestHandler.extensions_map, ".xml": "application/xml",
                      ".json": "application/json", ".svg": "image/svg+xml", ".css": "text/css",
                      ".js": "text/javascript", ".html": "text/html; charset=utf-8"}

    def log_message(self, fmt, *args):
        pass

    def list_directory(self, path):
        """No folder listings: a folder without index.html is simply not found."""
        self.send_error(404)
        return None

    def send_error(self, code, message=None, explain=None):
        """Not found is answered with the site's own 404 page."""
        page = Path(self.directory) / "404.html"
        if code == 404 and page.is_file():
            body = page.read_bytes()
            self.send_response(404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
            return
        super().send_error(code, message, explain)


def rebuild(args, served_url: str = ""):
    """One build, returning its Config; on error it is printed and the last good site stays served.

    Without a base_url the served address stands in, so feeds and canonical links work locally."""
    try:
        config = load_config(Path(args.config), args.base_url)
        if not config.base_url and served_url:
            config = dataclasses.replace(config, base_url=served_url)
        builder.build(Path(args.posts), Path(args.out), config,
                      Path(args.templates) if args.templates else None, args.keep_going)
        return config
    except BlogArchiveError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return None


def watch(args, stop: threading.Event, served_url: str) -> None:
    """Rebuild on every change to posts, templates, static files or settings (watchfiles)."""
    from watchfiles import watch as watch_changes

    sources = (args.posts, builder.ROOT / "templates", builder.ROOT / "static", args.config, args.templates)
    paths = [p for p in sources if p and Path(p).exists()]
    for _changes in watch_changes(*paths, stop_event=stop, debounce=100, step=20):
        try:
            if rebuild(args, served_url):
                print("rebuilt", file=sys.stderr)
            else:
                print("(still serving the last good build)", file=sys.stderr)
        except Exception:   # a bug must not stop the watcher: report it, keep the last good site
            traceback.print_exc()
            print("(still serving the last good build)", file=sys.stderr)


def make_server(host: str, port: int, folder: Path) -> ThreadingHTTPServer:
    """A threading server for the site folder only (port 0: any free port)."""
    handler = functools.partial(Handler, directory=str(folder.resolve()))
    try:
        server = ThreadingHTTPServer((host, port), handler)
    except OSError as exc:
        raise BlogArchiveError(f"cannot serve on {host}:{port}: {exc.strerror}") from None
    server.daemon_threads = True
    return server


def run(args) -> int:
    """The serve command: bind, build, watch for changes, serve until Ctrl-C."""
    warn_if_public(args.host)
    server = make_server(args.host, args.port, Path(args.out))
    host = {"0.0.0.0": "127.0.0.1", "::": "::1"}.get(args.host, args.host)
    host = f"[{host}]" if ":" in host else host
    url = f"http://{host}:{server.server_address[1]}/"
    if rebuild(args, url) is None:
        server.server_close()
        return 1
    stop = threading.Event()
    threading.Thread(target=watch, args=(args, stop, url), daemon=True).start()
    print(f"serving {args.out}/ at {url} (Ctrl-C stops)", flush=True)
    try:
        server.serve_forever()
    finally:
        stop.set()
        server.server_close()
    return 0


def warn_if_public(host: str) -> None:
    """Serving beyond this machine is allowed, but never silently."""
    try:
        if ipaddress.ip_address(host).is_loopback:
            return
        print(f"warning: serving on {host}, reachable from other machines", file=sys.stderr)
    except ValueError:
        if host != "localhost":
            print(f"warning: serving on {host}, which is not a loopback address", file=sys.stderr)
