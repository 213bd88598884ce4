"""Full-text search: Pagefind indexes the written site; static/search.js shows the results.

Pagefind (the `pagefind[bin]` package ships its binary in the wheel) reads the HTML of an
already written site and writes a static index into <site>/pagefind/: no server code, and
the browser downloads only the index chunks a query needs. It indexes only elements marked
`data-pagefind-body` (the post article in templates/post.html); with no such element
anywhere, it would index every page whole.

Run `index_site` on the build's temporary folder, after every file is written and before
the folder is swapped in, so a failed index leaves the old site in place.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from .errors import OutputError

BUNDLE = "pagefind"          # the folder Pagefind writes into the site
TIMEOUT = 600                # seconds; a site of 50,000 posts indexes in well under that


@dataclass(frozen=True)
class IndexStats:
    pages: int          # pages Pagefind indexed
    files: int          # files it wrote under <site>/pagefind/
    bytes: int          # their total size
    seconds: float      # wall time of the run


def pagefind_binary() -> Path:
    """The Pagefind executable: $PAGEFIND_BINARY_PATH, else the pagefind_bin wheel's, else on PATH."""
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
    raise OutputError("cannot build the search index: Pagefind is not installed "
                      "(python -m pip install 'pagefind[bin]')")


def index_site(folder: Path) -> IndexStats:
    """Index the HTML site in `folder` into `folder`/pagefind/; an OutputError carries Pagefind's words."""
    folder = Path(folder)
    if not folder.is_dir():
        raise OutputError(f"{folder}: cannot build the search index: no such folder")
    command = [str(pagefind_binary()), "--site", ".", "--output-subdir", BUNDLE]
    started = time.perf_counter()
    try:
        done = subprocess.run(command, cwd=folder, env=_clean_env(), capture_output=True, text=True,
                              timeout=TIMEOUT, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise OutputError(f"{folder}: cannot build the search index: {exc}") from None
    seconds = time.perf_counter() - started
    if done.returncode != 0 or not (folder / BUNDLE / "pagefind.js").is_file():
        message = _last_lines(done.stderr) or _last_lines(done.stdout) or f"exit status {done.returncode}"
        raise OutputError(f"{folder}: Pagefind could not build the search index: {message}")
    files = [p for p in (folder / BUNDLE).rglob("*") if p.is_file()]
    return IndexStats(pages=_pages_indexed(done.stdout), files=len(files),
                      bytes=sum(p.stat().st_size for p in files), seconds=seconds)


def _clean_env() -> dict[str, str]:
    """The environment without PAGEFIND_* settings, which would silently change what is indexed."""
    return {k: v for k, v in os.environ.items() if not k.startswith("PAGEFIND_")}


def _pages_indexed(output: str) -> int:
    """'Indexed 33 pages' from Pagefind's summary (0 if it did not say)."""
    found = re.findall(r"Indexed (\d+) pages?", output)
    return int(found[-1]) if found else 0


def _last_lines(text: str, count: int = 5) -> str:
    lines = [line.strip() for line in (text or "").strip().splitlines() if line.strip()]
    return " / ".join(lines[-count:])
