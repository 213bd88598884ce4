"""The `serve` command: build, serve the site on 127.0.0.1, rebuild when a source changes."""
from __future__ import annotations

import functools
import ipaddress
import sys
import threading
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

    def send_error(self, code, message=None, explain=None):
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


def rebuild(args) -> bool:
    """One build; an error is printed and the last good site stays served."""
    try:
        config = load_config(Path(args.config), args.base_url)
        builder.build(Path(args.posts), Path(args.out), config,
                      Path(args.templates) if args.templates else None, args.keep_going)
        return True
    except BlogArchiveError as exc:
        print(f"error: {exc}\n(still serving the last good build)", file=sys.stderr)
        return False


def watch(args, stop: threading.Event) -> None:
    """Rebuild on every change to posts, templates, static files or settings (watchfiles)."""
    from watchfiles import watch as watch_changes

    paths = [p for p in (args.posts, "templates", "static", args.config, args.templates) if p and Path(p).exists()]
    for _changes in watch_changes(*paths, stop_event=stop, debounce=100, step=20):
        if rebuild(args):
            print("rebuilt", file=sys.stderr)


def make_server(host: str, port: int, folder: Path) -> ThreadingHTTPServer:
    handler = functools.partial(Handler, directory=str(folder.resolve()))
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    return server


def run(args) -> int:
    if not rebuild(args):
        return 1
    try:
        if not ipaddress.ip_address(args.host).is_loopback:
            print(f"warning: serving on {args.host}, reachable from other machines", file=sys.stderr)
    except ValueError:
        print(f"warning: serving on {args.host}, which is not a loopback address", file=sys.stderr)
    server = make_server(args.host, args.port, Path(args.out))
    stop = threading.Event()
    threading.Thread(target=watch, args=(args, stop), daemon=True).start()
    print(f"serving {args.out}/ at http://{args.host}:{server.server_address[1]}/ (Ctrl-C stops)")
    try:
        server.serve_forever()
    finally:
        stop.set()
        server.server_close()
    return 0
