"""Edit saved -> page updated, as a `serve` user sees it, with N posts and search on.

`python benchmarks/serve_latency.py [--posts 1000] [--edits 7] [--no-search] [--method browser]`
writes N posts into a temporary folder (benchmarks/corpus.py when it is importable, else
copies of posts/ under new names), starts `python build.py serve` on a free port, opens one
post's page and edits that post's body again and again, each time timing, from the moment
the file was saved:

- **event**: the live-reload build event reaching an SSE client of /__blogarchive__/events;
- **page**: the open page showing the new sentence. With `--method browser` (the default
  when Debian's /usr/bin/chromium is there) that is headless Chromium's own observation: the
  page updated itself on the event (swapped in place, or reloaded) and its text holds the
  sentence. With `--method http` it
  is the event's arrival followed by one GET of the page (what the browser does, minus
  parsing and drawing).

It prints the median, min and max of each over the edits, and serve's own "rebuilt in"
figures (the build alone). Each edit waits for the previous build to finish.
"""

from __future__ import annotations

import argparse
import http.client
import os
import queue
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(1, str(Path(__file__).resolve().parent))

from blogarchive.post import from_markdown  # noqa: E402
from blogarchive.site import post_path  # noqa: E402

CHROMIUM = "/usr/bin/chromium"


def make_posts(count: int, folder: Path) -> str:
    """`count` posts in `folder`; says where they came from."""
    try:
        import corpus
    except ImportError:
        corpus = None
    if corpus:
        corpus.write(count, folder)
        return "benchmarks/corpus.py"
    folder.mkdir(parents=True)
    real = sorted((ROOT / "posts").glob("*.md"))
    if not real:
        sys.exit("posts/ is empty and benchmarks/corpus.py is missing: nothing to copy")
    for n in range(count):
        text = real[n % len(real)].read_text(encoding="utf-8")
        slug = re.search(r"(?m)^slug: (\S+)$", text).group(1)
        (folder / f"{slug}-{n}.md").write_text(
            text.replace(f"slug: {slug}", f"slug: {slug}-{n}", 1), encoding="utf-8"
        )
    return f"copies of the {len(real)} posts in posts/"


def save(path: Path, text: str) -> None:
    """As most editors save: a new file renamed over the old one."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


class Serve:
    """`python build.py serve --port 0` with its stderr gathered by a thread."""

    def __init__(self, work: Path, search: bool):
        started = time.perf_counter()
        self.proc = subprocess.Popen(
            [
                sys.executable,
                str(ROOT / "build.py"),
                "serve",
                "--port",
                "0",
                "--posts",
                str(work / "posts"),
                "--out",
                str(work / "site"),
                "--config",
                str(work / "site.yaml"),
                "--cache",
                str(work / "cache"),
                *(() if search else ("--no-search",)),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=work,
        )
        self.lines: list[str] = []
        threading.Thread(target=lambda: self.lines.extend(self.proc.stderr), daemon=True).start()
        match = re.search(r"http://127\.0\.0\.1:(\d+)/", self.proc.stdout.readline())
        if not match:
            self.proc.kill()
            sys.exit("serve did not start:\n" + "".join(self.lines))
        self.port = int(match.group(1))
        self.startup = time.perf_counter() - started

    def get(self, path: str) -> bytes:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            conn.request("GET", path)
            return conn.getresponse().read()
        finally:
            conn.close()

    def build_times(self) -> list[float]:
        return [
            float(m.group(1))
            for line in list(self.lines)
            if (m := re.match(r"rebuilt in ([\d.]+) s", line))
        ]

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)


def listen(port: int, arrivals: queue.Queue) -> None:
    """An SSE client: puts (perf_counter, event line) for each build event."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    conn.request("GET", "/__blogarchive__/events")
    response = conn.getresponse()
    while line := response.fp.readline():
        if line.startswith(b"data:") and b'"changed": []' not in line:  # [] : nothing changed
            arrivals.put((time.perf_counter(), line.decode("utf-8")))


class Browser:
    """Headless Chromium with the post's page open."""

    def __init__(self, url: str):
        from playwright.sync_api import sync_playwright

        self.playwright = sync_playwright().start()
        self.browser = self.playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox"]
        )
        self.page = self.browser.new_page()
        with self.page.expect_response(lambda r: r.url.endswith("/__blogarchive__/events")):
            self.page.goto(url)

    def wait_for(self, marker: str) -> None:
        self.page.wait_for_function(
            f"() => document.body.innerText.includes({marker!r})", timeout=600_000, polling=5
        )

    def close(self) -> None:
        self.browser.close()
        self.playwright.stop()


def measure(serve: Serve, post: Path, page: str, edits: int, method: str) -> dict:
    """Seconds from each save to the event and to the page showing the edit."""
    arrivals: queue.Queue = queue.Queue()
    threading.Thread(target=listen, args=(serve.port, arrivals), daemon=True).start()
    browser = Browser(f"http://127.0.0.1:{serve.port}{page}") if method == "browser" else None
    original = post.read_text(encoding="utf-8")
    times: dict[str, list[float]] = {"event": [], "page": []}
    try:
        time.sleep(1.0)  # the listener and the page connected
        for n in range(edits):
            marker = f"Latency marker {n} {time.time_ns()}"
            while not arrivals.empty():  # events of earlier builds
                arrivals.get()
            started = time.perf_counter()
            save(post, f"{original}\n{marker}.\n")
            if browser:
                browser.wait_for(marker)
                times["page"].append(time.perf_counter() - started)
            arrived, _ = arrivals.get(timeout=600)
            times["event"].append(arrived - started)
            if not browser:
                if marker.encode() not in serve.get(page):
                    sys.exit("the event came but the page does not show the edit")
                times["page"].append(time.perf_counter() - started)
            while len(serve.build_times()) < n + 1:
                time.sleep(0.01)
            time.sleep(0.5)
    finally:
        if browser:
            browser.close()
    return times


def spread(seconds: list[float]) -> str:
    ms = [1000 * s for s in seconds]
    return f"median {statistics.median(ms):.0f} ms (min {min(ms):.0f}, max {max(ms):.0f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=1000, help="posts to generate (default: 1000)")
    parser.add_argument("--edits", type=int, default=7, help="edits to time (default: 7)")
    parser.add_argument("--no-search", action="store_true", help="serve without the search index")
    parser.add_argument(
        "--method",
        choices=("browser", "http"),
        default="browser" if Path(CHROMIUM).exists() else "http",
        help="how the page update is seen (default: browser, if chromium is there)",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="serve-latency-") as tmp:
        work = Path(tmp)
        origin = make_posts(args.posts, work / "posts")
        shutil.copy(ROOT / "site.yaml", work / "site.yaml")
        post = sorted((work / "posts").glob("*.md"))[args.posts // 2]
        parsed = from_markdown(post.read_text(encoding="utf-8"), str(post))
        page = "/" + post_path(parsed)[: -len("index.html")]
        serve = Serve(work, search=not args.no_search)
        try:
            times = measure(serve, post, page, args.edits, args.method)
        finally:
            serve.stop()
        builds = serve.build_times()
    print(
        f"{args.posts} posts ({origin}), search {'off' if args.no_search else 'on'}; "
        f"serve started in {serve.startup:.1f} s; {args.edits} edits; load average "
        f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    print(f"edit saved -> build event at the SSE client: {spread(times['event'])}")
    print(f"edit saved -> page updated ({args.method}): {spread(times['page'])}")
    print(f"serve's own 'rebuilt in' (the build alone): {spread(builds)}")


if __name__ == "__main__":
    main()
