"""A bounded load test of `serve`: 10,000+ requests from 50 clients while the site is rebuilt.

Every answer must be the file as one of the two builds wrote it (or the 404 page): never a
5xx, never a mix of builds or a truncated body, whatever clients that hang up mid-response do.
Run with `-s` to see requests per second and latency percentiles.
"""

import http.client
import os
import random
import shutil
import socket
import statistics
import threading
import time
from pathlib import Path

import pytest
from test_server import ROOT, Serve

from blogarchive.build import BuildOptions, build
from blogarchive.config import load_config

pytestmark = pytest.mark.slow

REQUESTS, CLIENTS, RUDE_CLIENTS = 10_000, 50, 4
EDITED_POST = "how-ill-vote-in-the-labour-leadership-election.md"
MISSING = ["/no/such/page/", "/2015/13/", "/feed.xml/", "/static/", "/category/no-such/feed.xml"]


def posts_source() -> Path:
    real = ROOT / "posts"
    return real if (real / EDITED_POST).exists() else ROOT / "tests" / "fixtures" / "posts"


def snapshot(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


def write_atomically(path: Path, text: str) -> None:
    """As editors save: a whole new file renamed over the old, so a build never reads half of
    one."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


@pytest.fixture
def two_builds(tmp_path):
    """posts/ and site.yaml in tmp_path, the post's two versions, and both builds as
    {path: bytes}."""
    posts = tmp_path / "posts"
    shutil.copytree(posts_source(), posts)
    config = tmp_path / "site.yaml"
    config.write_text('base_url: "http://archive.test/"\ntitle: "Load test"\n', encoding="utf-8")
    post = posts / (
        EDITED_POST if (posts / EDITED_POST).exists() else sorted(posts.glob("*.md"))[0].name
    )
    old = post.read_text(encoding="utf-8")
    versions = (old, old + "\nA paragraph that only the second build has.\n")
    builds = []
    for n, text in enumerate(versions):
        write_atomically(post, text)
        build(
            posts,
            tmp_path / f"expected{n}",
            load_config(config),
            BuildOptions(dumps_dir=ROOT / "dumps"),
        )
        builds.append(snapshot(tmp_path / f"expected{n}"))
    write_atomically(post, versions[0])
    return tmp_path, post, versions, builds


def urls_of(build: dict[str, bytes]) -> list[str]:
    """Every file's URL, and each folder's own URL for its index.html; not the host's own
    dot files (.htaccess), which serve never serves."""
    urls = ["/" + rel for rel in build if not rel.startswith(".")]
    return urls + ["/" + rel[: -len("index.html")] for rel in build if rel.endswith("index.html")]


def expected_bodies(builds, url: str) -> tuple[int, set[bytes]]:
    """The status and the bodies (one per build) a GET of `url` may answer."""
    rel = url[1:] + ("index.html" if url.endswith("/") else "")
    found = {b[rel] for b in builds if rel in b}
    return (200, found) if found else (404, {b["404.html"] for b in builds})


class Load:
    """Shared counters of the clients: every answer checked, latencies kept."""

    def __init__(self, port: int, builds, urls: list[str]):
        self.port, self.builds, self.urls = port, builds, urls
        self.lock = threading.Lock()
        self.issued, self.latencies, self.failures, self.hangups = 0, [], [], 0

    def take(self) -> bool:
        with self.lock:
            self.issued += 1
            return self.issued <= REQUESTS

    def client(self, seed: int) -> None:
        """Keep-alive requests, a new connection now and then, some HEADs, some closes."""
        rng = random.Random(seed)
        conn = None
        while self.take():
            url = rng.choice(self.urls) if rng.random() > 0.1 else rng.choice(MISSING)
            method = "HEAD" if rng.random() < 0.05 else "GET"
            headers = {"Connection": "close"} if rng.random() < 0.1 else {}
            conn = conn or http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            started = time.perf_counter()
            try:
                conn.request(method, url, headers=headers)
                response = conn.getresponse()
                body = response.read()
            except (OSError, http.client.HTTPException) as exc:
                self.fail(f"{method} {url}: {exc!r}")
                conn.close()
                conn = None
                continue
            with self.lock:
                self.latencies.append(time.perf_counter() - started)
            self.check(method, url, response, body)
            if headers or response.will_close or rng.random() < 0.05:
                conn.close()
                conn = None
        if conn:
            conn.close()

    def check(self, method: str, url: str, response, body: bytes) -> None:
        status, bodies = expected_bodies(self.builds, url)
        if response.status != status:
            self.fail(f"{method} {url}: status {response.status}, expected {status}")
        elif method == "HEAD" and (
            body or int(response.getheader("Content-Length")) not in map(len, bodies)
        ):
            self.fail(f"HEAD {url}: a body, or a length of neither build")
        elif method == "GET" and body not in bodies:
            self.fail(f"GET {url}: a body of neither build ({len(body)} bytes)")

    def fail(self, message: str) -> None:
        with self.lock:
            self.failures.append(message)

    def rude_client(self, stop: threading.Event, biggest: str) -> None:
        """Asks for the biggest file, reads a little, hangs up with a reset."""
        while not stop.is_set():
            with socket.create_connection(("127.0.0.1", self.port), timeout=30) as sock:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 2048)
                sock.sendall(f"GET {biggest} HTTP/1.1\r\nHost: t\r\n\r\n".encode())
                sock.recv(512)
                sock.setsockopt(
                    socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00"
                )
            with self.lock:
                self.hangups += 1
            time.sleep(0.005)


def keep_rebuilding(post: Path, versions, stop: threading.Event, serve: Serve) -> None:
    """Switch the post between its versions, each time once the previous rebuild is done."""
    n = 0
    while not stop.is_set():
        n += 1
        write_atomically(post, versions[n % 2])
        serve.wait_for("rebuilt in", count=n, timeout=20)
        time.sleep(0.2)


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[q - 1] if len(values) > 1 else values[0]


def test_load_while_rebuilding(two_builds):
    work, post, versions, builds = two_builds
    # --no-search: Pagefind varies run to run; --no-livereload: live reload adds its script to
    # every HTML page served, and the bodies here are compared with the built files
    serve = Serve(
        work / "posts", work / "site", work / "site.yaml", "--no-search", "--no-livereload"
    )
    urls = urls_of(builds[0])
    load = Load(serve.port, builds, urls)
    biggest = "/" + max(builds[0], key=lambda rel: len(builds[0][rel]))
    stop = threading.Event()
    helpers = [
        threading.Thread(target=keep_rebuilding, args=(post, versions, stop, serve), daemon=True)
    ]
    helpers += [
        threading.Thread(target=load.rude_client, args=(stop, biggest), daemon=True)
        for _ in range(RUDE_CLIENTS)
    ]
    clients = [threading.Thread(target=load.client, args=(n,)) for n in range(CLIENTS)]
    try:
        started = time.perf_counter()
        for thread in helpers + clients:
            thread.start()
        for thread in clients:
            thread.join(timeout=120)
        elapsed = time.perf_counter() - started
        stop.set()
        for thread in helpers:
            thread.join(timeout=30)
        after = serve.get("/")
    finally:
        serve.stop()
    served, rebuilds = len(load.latencies), serve.stderr.count("rebuilt in")
    ms = {q: 1000 * percentile(load.latencies, q) for q in (50, 95, 99)}
    print(
        f"\n{served} requests from {CLIENTS} clients in {elapsed:.1f} s: "
        f"{served / elapsed:.0f} req/s; "
        f"latency p50 {ms[50]:.1f} ms, p95 {ms[95]:.1f} ms, p99 {ms[99]:.1f} ms; "
        f"{rebuilds} rebuilds, {load.hangups} hang-ups mid-response, {len(load.failures)} failures"
    )
    assert load.failures == [], load.failures[:20]
    assert served >= REQUESTS and rebuilds >= 1 and load.hangups > 0
    assert after == (200, builds[0]["index.html"]) or after == (200, builds[1]["index.html"])
    assert "Traceback" not in serve.stderr and "error" not in serve.stderr, serve.stderr
