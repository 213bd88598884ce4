"""Edit saved -> page updated, as a `serve` user sees it, with N posts.

`python benchmarks/serve_latency.py [--posts 1000] [--edits 10]` writes N posts into a temporary
folder (with benchmarks/corpus.py when it is importable, else copies of posts/ under new slugs),
starts `python build.py serve` on a free port, then edits one post's body again and again,
polling its page over HTTP until the new sentence appears. It prints the latency (median, min,
max) and, from serve's own "rebuilt in" lines, how much of it was the build.
"""
from __future__ import annotations

import argparse
import http.client
import os
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
        (folder / f"{slug}-{n}.md").write_text(text.replace(f"slug: {slug}", f"slug: {slug}-{n}", 1),
                                               encoding="utf-8")
    return f"copies of the {len(real)} posts in posts/"


def save(path: Path, text: str) -> None:
    """As most editors save: a new file renamed over the old one."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


class Serve:
    """`python build.py serve --port 0` with its stderr gathered by a thread."""

    def __init__(self, posts: Path, out: Path, config: Path):
        started = time.perf_counter()
        self.proc = subprocess.Popen(
            [sys.executable, str(ROOT / "build.py"), "serve", "--port", "0", "--posts", str(posts),
             "--out", str(out), "--config", str(config)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.lines: list[str] = []
        threading.Thread(target=lambda: self.lines.extend(self.proc.stderr), daemon=True).start()
        match = re.search(r"http://127\.0\.0\.1:(\d+)/", self.proc.stdout.readline())
        if not match:
            self.proc.kill()
            sys.exit("serve did not start:\n" + "".join(self.lines))
        self.startup = time.perf_counter() - started
        self.conn = http.client.HTTPConnection("127.0.0.1", int(match.group(1)), timeout=30)

    def get(self, path: str) -> bytes:
        self.conn.request("GET", path)
        return self.conn.getresponse().read()

    def build_times(self) -> list[float]:
        return [float(m.group(1)) for line in list(self.lines) if (m := re.match(r"rebuilt in ([\d.]+) s", line))]

    def stop(self) -> None:
        self.conn.close()
        self.proc.terminate()
        self.proc.wait(timeout=10)


POLL = 0.02    # a faster poll steals the build's CPU time (serve answers in the same process)


def measure(serve: Serve, post: Path, page: str, edits: int) -> list[float]:
    """Seconds from each save until the page shows it; each edit waits for the previous build."""
    original = post.read_text(encoding="utf-8")
    latencies = []
    for n in range(edits):
        marker = f"Latency marker {n} {time.time_ns()}"
        started = time.perf_counter()
        save(post, f"{original}\n{marker}.\n")
        while marker.encode() not in serve.get(page):
            if time.perf_counter() - started > 120:
                sys.exit("the page never changed:\n" + "".join(serve.lines))
            time.sleep(POLL)
        latencies.append(time.perf_counter() - started)
        while len(serve.build_times()) < n + 1:
            time.sleep(0.01)
        time.sleep(0.3)
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=1000, help="posts to generate (default: 1000)")
    parser.add_argument("--edits", type=int, default=10, help="edits to time (default: 10)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="serve-latency-") as tmp:
        work = Path(tmp)
        origin = make_posts(args.posts, work / "posts")
        shutil.copy(ROOT / "site.yaml", work / "site.yaml")
        post = sorted((work / "posts").glob("*.md"))[args.posts // 2]
        page = "/" + post_path(from_markdown(post.read_text(encoding="utf-8"), str(post)))[: -len("index.html")]
        serve = Serve(work / "posts", work / "site", work / "site.yaml")
        try:
            latencies = measure(serve, post, page, args.edits)
        finally:
            serve.stop()
        builds = serve.build_times()
    ms = [1000 * x for x in latencies]
    print(f"{args.posts} posts ({origin}); serve started in {serve.startup:.1f} s")
    print(f"edit saved -> page updated over {len(ms)} edits: median {statistics.median(ms):.0f} ms, "
          f"min {min(ms):.0f} ms, max {max(ms):.0f} ms")
    print(f"serve's own 'rebuilt in' (the build, including deleting the old site after the swap): "
          f"median {1000 * statistics.median(builds):.0f} ms, min {1000 * min(builds):.0f} ms, "
          f"max {1000 * max(builds):.0f} ms; polled every {POLL * 1000:.0f} ms")


if __name__ == "__main__":
    main()
