"""`serve`: what it will and will not serve, its headers, the 404 page, and rebuilding.

Requests that must not be normalised on the way are sent as raw bytes on a socket. Most tests
run the server in-process on a site built once from tests/fixtures/posts; the rebuild tests
run `python build.py serve` on a temporary copy of the posts.
"""

import http.client
import os
import queue
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from blogarchive.build import build
from blogarchive.config import load_config
from blogarchive.server import (
    Sources,
    content_type,
    drain,
    feed_type,
    folder_url,
    is_source,
    make_server,
    public_warning,
    request_target,
    served_url,
)

ROOT = Path(__file__).resolve().parents[1]
FIXTURE_POSTS = ROOT / "tests" / "fixtures" / "posts"
OLD_POST_PAGE = "/2014/06/27/how-labour-should-outflank-cameron-on-the-juncker-question/"
SECRET = b"TOP-SECRET-outside-the-site"


# --- helpers --------------------------------------------------------------------------------


def raw_request(port: int, target: bytes, method: bytes = b"GET") -> tuple[int, dict, bytes]:
    """Send one request exactly as given (nothing normalises the target); status, headers, body."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(method + b" " + target + b" HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:])
    return int(lines[0].split()[1]), headers, body


class Serve:
    """`python build.py serve --port 0` in a subprocess; its stderr collected line by line."""

    def __init__(self, posts: Path, out: Path, config: Path, *extra: str, cwd: Path = ROOT):
        """Serve posts into out; cwd is the site folder (its own templates/ and static/ win)."""
        self.proc = subprocess.Popen(
            [
                sys.executable,
                str(ROOT / "build.py"),
                "serve",
                "--port",
                "0",
                "--posts",
                str(posts),
                "--out",
                str(out),
                "--config",
                str(config),
                "--cache",
                str(out.parent / "build-cache"),
                *extra,
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=cwd,
        )
        self.errors: list[str] = []
        threading.Thread(target=self._collect, daemon=True).start()
        line = self.proc.stdout.readline()  # printed once the first build is served
        match = re.search(r"at http://127\.0\.0\.1:(\d+)/", line)
        if not match:
            self.stop()
            raise AssertionError(f"serve did not start: {line!r}\n{''.join(self.errors)}")
        self.port = int(match.group(1))

    def _collect(self) -> None:
        for line in self.proc.stderr:
            self.errors.append(line)

    @property
    def stderr(self) -> str:
        return "".join(self.errors)

    def wait_for(self, text: str, count: int = 1, timeout: float = 30) -> bool:
        """Until `text` has appeared `count` times on stderr."""
        deadline = time.monotonic() + timeout
        while self.stderr.count(text) < count:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.02)
        return True

    def get(self, path: str) -> tuple[int, bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            conn.request("GET", path)
            response = conn.getresponse()
            return response.status, response.read()
        finally:
            conn.close()

    def wait_for_page(self, path: str, text: str, timeout: float = 30) -> bool:
        deadline = time.monotonic() + timeout
        while text.encode() not in self.get(path)[1]:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.05)
        return True

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """The fixture posts built once, plus files of every type served, a secret beside the site,
    and links inside the site that lead out of it (and one that stays in)."""
    work = tmp_path_factory.mktemp("served")
    out = work / "site"
    build(FIXTURE_POSTS, out, load_config(ROOT / "site.yaml"))
    (work / "secret.txt").write_bytes(SECRET)
    (work / "site-evil").mkdir()  # shares the site's name as a prefix
    (work / "site-evil" / "secret.txt").write_bytes(SECRET)
    (out / "leak").symlink_to(work)
    (out / "leak.txt").symlink_to(work / "secret.txt")
    (out / "evil").symlink_to(work / "site-evil")
    (out / "home.html").symlink_to(out / "index.html")  # a link that stays inside is fine
    (out / "empty").mkdir()
    for name in (
        "a.wasm",
        "a.pf_meta",
        "a.pf_index",
        "a.pf_fragment",
        "a.pagefind",
        "a.json",
        "a.svg",
        "a.css",
        "a.js",
        "a.txt",
        "a.png",
    ):
        (out / "types").mkdir(exist_ok=True)
        (out / "types" / name).write_bytes(b"x" * 10)
    (out / "types" / "big.bin").write_bytes(b"x" * 4_000_000)  # more than the socket buffers hold
    return out


@pytest.fixture(scope="module")
def port(site):
    server = make_server("127.0.0.1", 0, site)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


# --- nothing outside the site -----------------------------------------------------------------

TRAVERSALS = [
    b"/../secret.txt",
    b"/../../../../etc/passwd",
    b"/%2e%2e/secret.txt",
    b"/%2E%2E/%2E%2E/etc/passwd",
    b"/..%2fsecret.txt",
    b"/%2e%2e%2fsecret.txt",
    b"/static/../../secret.txt",
    b"//etc/passwd",
    b"/..\\secret.txt",
    b"/%5c..%5csecret.txt",
    b"/..%5c..%5csecret.txt",
    b"/index.html%00",
    b"/%00/../secret.txt",
    b"/secret.txt%00.html",
    b"/leak/secret.txt",
    b"/leak.txt",
    b"/evil/secret.txt",
    b"/leak/site-evil/secret.txt",
    b"/%c0%ae%c0%ae/secret.txt",
    b"/%ff",
    b"/....//secret.txt",
    b"http://t/../secret.txt",
    b"*",
    b"secret.txt",
    b"/.",
    b"/./../secret.txt",
    b"/%2e",
]


@pytest.mark.parametrize("target", TRAVERSALS, ids=[t.decode() for t in TRAVERSALS])
def test_nothing_outside_the_site_is_served(port, target, capfd):
    status, _, body = raw_request(port, target)
    assert status in (400, 404)
    assert SECRET not in body and b"root:" not in body
    assert "Traceback" not in capfd.readouterr().err


def test_head_of_traversal_is_not_found_without_a_body(port):
    status, headers, body = raw_request(port, b"/../secret.txt", b"HEAD")
    assert (status, body) == (404, b"")


def test_a_link_that_stays_inside_the_site_is_followed(port, site):
    status, _, body = raw_request(port, b"/home.html")
    assert (status, body) == (200, (site / "index.html").read_bytes())


# --- what is served, and how ----------------------------------------------------------------


def test_get_serves_the_file_and_a_folder_its_index(port, site):
    assert raw_request(port, b"/")[2] == (site / "index.html").read_bytes()
    status, headers, body = raw_request(port, OLD_POST_PAGE.encode())
    assert status == 200 and body == (site / OLD_POST_PAGE[1:] / "index.html").read_bytes()
    assert headers["Content-Length"] == str(len(body))


def test_head_sends_the_headers_of_get_and_no_body(port, site):
    status, headers, body = raw_request(port, b"/feed.xml", b"HEAD")
    assert (status, body) == (200, b"")
    assert headers["Content-Length"] == str((site / "feed.xml").stat().st_size)
    assert headers["Content-Type"] == "application/rss+xml"


@pytest.mark.parametrize(
    "path, expected",
    [
        ("/", "text/html; charset=utf-8"),
        ("/index.html", "text/html; charset=utf-8"),
        ("/feed.xml", "application/rss+xml"),
        ("/atom.xml", "application/atom+xml"),
        ("/category/local-democracy/feed.xml", "application/rss+xml"),
        ("/sitemap.xml", "application/xml"),
        ("/robots.txt", "text/plain; charset=utf-8"),
        ("/types/a.wasm", "application/wasm"),
        ("/types/a.json", "application/json"),
        ("/types/a.svg", "image/svg+xml"),
        ("/types/a.css", "text/css; charset=utf-8"),
        ("/types/a.js", "text/javascript; charset=utf-8"),
        ("/types/a.png", "image/png"),
        ("/types/a.pf_meta", "application/octet-stream"),
        ("/types/a.pf_index", "application/octet-stream"),
        ("/types/a.pf_fragment", "application/octet-stream"),
        ("/types/a.pagefind", "application/octet-stream"),
    ],
)
def test_content_types(port, path, expected):
    status, headers, _ = raw_request(port, path.encode())
    assert (status, headers["Content-Type"]) == (200, expected)


@pytest.mark.parametrize(
    "target",
    [
        b"/no/such/page/",
        b"/nothing.html",
        b"/feed.xml/",
        b"/static/",
        b"/empty/",
        b"/empty/index.html",
    ],
)
def test_not_found_is_the_sites_404_page_and_never_a_listing(port, site, target):
    status, headers, body = raw_request(port, target)
    assert (status, body) == (404, (site / "404.html").read_bytes())
    assert headers["Content-Type"] == "text/html; charset=utf-8"


def test_a_folder_without_its_slash_redirects_to_one_path_never_another_host(port):
    status, headers, _ = raw_request(port, b"/category")
    assert (status, headers["Location"]) == (301, "/category/")
    assert raw_request(port, b"//category?x=1")[1]["Location"] == "/category/?x=1"


def test_other_methods_are_refused(port):
    status, headers, _ = raw_request(port, b"/", b"POST")
    assert status == 405 and headers["Allow"] == "GET, HEAD"


def test_keep_alive_serves_several_requests_on_one_connection(port, site):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    for path, name in (
        ("/", "index.html"),
        ("/static/style.css", "static/style.css"),
        ("/nope", "404.html"),
        ("/atom.xml", "atom.xml"),
    ):
        conn.request("GET", path)
        assert conn.getresponse().read() == (site / name).read_bytes()
    conn.close()


def test_a_request_during_the_swap_waits_for_the_new_folder(port, site):
    """Between the build's two renames the folder is absent: the answer is the page, not a 404."""
    away = site.with_name("site.away")
    site.rename(away)
    answers = []
    thread = threading.Thread(target=lambda: answers.append(raw_request(port, b"/atom.xml")))
    thread.start()
    time.sleep(0.2)
    away.rename(site)
    thread.join(10)
    assert answers[0][0] == 200 and answers[0][2] == (site / "atom.xml").read_bytes()


def test_a_client_that_hangs_up_mid_response_is_not_an_error(port, capfd):
    for _ in range(20):
        with socket.create_connection(("127.0.0.1", port)) as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1024)
            sock.sendall(b"GET /types/big.bin HTTP/1.1\r\nHost: t\r\n\r\n")
            sock.recv(100)
            sock.setsockopt(
                socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00"
            )
    assert raw_request(port, b"/")[0] == 200
    assert "Traceback" not in capfd.readouterr().err


# --- pure parts ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("/", ((), True)),
        ("/a/b/", (("a", "b"), True)),
        ("/a//b?q=1#f", (("a", "b"), False)),
        ("/caf%C3%A9/", (("café",), True)),
        ("http://host/x", (("x",), False)),
        ("/../x", None),
        ("/%2e%2e/x", None),
        ("/a%2f..%2fb", None),
        ("/a\\b", None),
        ("/a%5cb", None),
        ("/a%00", None),
        ("/.git/config", None),
        ("/%ff", None),
        ("*", None),
        ("x", None),
    ],
)
def test_request_target(raw, expected):
    assert request_target(raw) == expected


def test_folder_url_has_one_leading_slash_and_is_quoted():
    assert folder_url(("evil.example", "x y"), "") == "/evil.example/x%20y/"
    assert folder_url((), "a=1") == "/?a=1"


def test_feed_type_reads_the_root_element():
    assert (
        feed_type(b"<?xml version='1.0' encoding='UTF-8'?>\n<rss version=\"2.0\">")
        == "application/rss+xml"
    )
    assert (
        feed_type(b'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom">')
        == "application/atom+xml"
    )
    assert feed_type(b'<?xml version="1.0"?><urlset xmlns="...">') is None
    assert content_type("sitemap.xml", b"<urlset>") == "application/xml"
    assert content_type("archive.unknown-suffix") == "application/octet-stream"


@pytest.mark.parametrize(
    "host, warned",
    [
        ("127.0.0.1", False),
        ("127.0.0.2", False),
        ("::1", False),
        ("localhost", False),
        ("0.0.0.0", True),
        ("::", True),
        ("192.168.1.10", True),
        ("example.org", True),
    ],
)
def test_public_warning_for_every_address_that_is_not_loopback(host, warned):
    warning = public_warning(host)
    assert (warning is not None) == warned
    if warned:
        assert warning.startswith("warning: ") and "127.0.0.1" in warning


def test_served_url_reaches_a_wildcard_bind_through_loopback():
    assert served_url("0.0.0.0", 80) == "http://127.0.0.1:80/"
    assert served_url("::", 8) == "http://[::1]:8/"


def test_is_source_ignores_the_output_temp_files_and_non_posts(tmp_path):
    src = Sources(
        tmp_path / "posts",
        (tmp_path / "templates", tmp_path / "static"),
        tmp_path / "site.yaml",
        tmp_path / "site",
    )
    yes = ["posts/a.md", "templates/base.html", "static/css/x.css", "site.yaml"]
    no = [
        "site",
        "site/index.html",
        ".site.new.abc.blogarchive-tmp/index.html",
        "posts/.a.md.swp",
        "posts/a.md~",
        "posts/#a.md#",
        "posts/4913",
        "posts/a.md.tmp",
        "posts/notes.txt",
        "posts/.import-manifest.json",
        "posts/sub/a.md",
        "templates/.git/index",
        "static/.DS_Store",
        "templates/base.html___jb_tmp___",
        "dumps/x.txt",
        "other.yaml",
    ]
    assert [p for p in yes if not is_source(str(tmp_path / p), src)] == []
    assert [p for p in no if is_source(str(tmp_path / p), src)] == []


def test_drain_coalesces_every_waiting_change():
    changes = queue.Queue()
    for batch in ({"a"}, {"b"}, {"a", "c"}):
        changes.put(batch)
    assert drain(changes, 0.01) == {"a", "b", "c"} and drain(changes, 0.01) == set()


# --- serve as a command: rebuilding ----------------------------------------------------------


@pytest.fixture
def work(tmp_path) -> Path:
    shutil.copytree(FIXTURE_POSTS, tmp_path / "posts")
    shutil.copy(ROOT / "site.yaml", tmp_path / "site.yaml")
    return tmp_path


def test_failed_rebuild_keeps_the_last_site_and_a_fix_recovers(work):
    post = work / "posts" / "old_year_post.md"
    good = post.read_text(encoding="utf-8")
    serve = Serve(work / "posts", work / "site", work / "site.yaml")
    try:
        assert serve.get(OLD_POST_PAGE)[0] == 200
        post.write_text(good.replace("\ncategories: [", "\ncategories: [[", 1), encoding="utf-8")
        assert serve.wait_for("(still serving the last good build)"), serve.stderr
        assert re.search(r"old_year_post\.md:\d+: ", serve.stderr), serve.stderr
        status, body = serve.get(OLD_POST_PAGE)
        assert status == 200 and b"Juncker" in body
        post.write_text(good + "\nA sentence added after the fix.\n", encoding="utf-8")
        assert serve.wait_for_page(OLD_POST_PAGE, "A sentence added after the fix."), serve.stderr
        assert "Traceback" not in serve.stderr
    finally:
        serve.stop()


def test_an_edited_config_saved_by_rename_is_picked_up(work):
    config = work / "site.yaml"
    serve = Serve(work / "posts", work / "site", config)
    try:
        for n in (1, 2):  # the second save proves the watch survived the first
            text = config.read_text(encoding="utf-8")
            text = re.sub(r"(?m)^title: .*$", f'title: "Renamed archive {n}"', text)
            (work / "site.yaml.tmp").write_text(text, encoding="utf-8")
            os.replace(work / "site.yaml.tmp", config)
            assert serve.wait_for_page("/", f"Renamed archive {n}"), serve.stderr
    finally:
        serve.stop()


def test_output_inside_a_watched_folder_never_rebuilds_on_its_own(work):
    """The site written into the watched templates folder must not trigger the next build."""
    templates = work / "templates"
    templates.mkdir()
    serve = Serve(
        work / "posts", templates / "site", work / "site.yaml", "--templates", str(templates)
    )
    try:
        post = work / "posts" / "old_year_post.md"
        post.write_text(post.read_text(encoding="utf-8") + "\nOne edit.\n", encoding="utf-8")
        assert serve.wait_for("rebuilt in"), serve.stderr
        time.sleep(1.5)
        assert serve.stderr.count("rebuilt in") == 1, serve.stderr
    finally:
        serve.stop()


def test_a_burst_of_saves_is_one_or_two_builds_not_one_each(work):
    serve = Serve(work / "posts", work / "site", work / "site.yaml")
    try:
        for path in sorted((work / "posts").glob("*.md")):
            path.write_text(path.read_text(encoding="utf-8") + "\nBurst.\n", encoding="utf-8")
        assert serve.wait_for("rebuilt in"), serve.stderr
        time.sleep(1)
        assert 1 <= serve.stderr.count("rebuilt in") <= 2, serve.stderr
    finally:
        serve.stop()


def test_serve_collects_cycles_once_edits_pause_not_between_a_build_and_its_reload(work):
    """A build under serve leaves Python's cycle collector off, so that collecting every
    object the build made does not delay the page's reload; the rebuild thread collects
    and turns it back on once edits pause."""
    import gc

    from blogarchive.cli import _parser
    from blogarchive.server import Rebuilder

    argv = ["serve", "--posts", str(work / "posts"), "--out", str(work / "site")]
    argv += ["--config", str(work / "site.yaml"), "--no-search", "-q"]
    args = _parser("serve").parse_args(argv)
    rebuilder = Rebuilder(args, "http://127.0.0.1:8000/", None, None)
    post = work / "posts" / "old_year_post.md"
    stop = threading.Event()
    try:
        rebuilder.once({str(post)})
        assert not gc.isenabled()
        assert (work / "site" / OLD_POST_PAGE.strip("/") / "index.html").is_file()
        thread = threading.Thread(target=rebuilder.run, args=(queue.Queue(), stop), daemon=True)
        thread.start()
        deadline = time.monotonic() + 5
        while not gc.isenabled() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert gc.isenabled()
    finally:
        stop.set()
        gc.enable()
