"""Pelican for run.py: its virtual environment, the corpus as Pelican content, its settings."""

from __future__ import annotations

import datetime as dt
import shlex
import subprocess
import sys
from pathlib import Path

from measure import BenchError

HERE = Path(__file__).resolve().parent
PELICAN_REQUIREMENTS = ("pelican==4.12.*", "markdown")
PELICAN_VENV = HERE / ".venv-pelican"


def pelican_version(python: Path) -> str:
    out = subprocess.run(
        [
            str(python),
            "-c",
            "import importlib.metadata as m; print(m.version('pelican'), m.version('markdown'))",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return f"Pelican {out[0]} (Markdown {out[1]})"


def pelican_python(venv: Path = PELICAN_VENV) -> Path:
    """The virtual environment's python, with Pelican installed into it on first use."""
    python = venv / "bin" / "python"
    ok = (
        python.exists()
        and subprocess.run(
            [str(python), "-c", "import pelican, markdown"], capture_output=True
        ).returncode
        == 0
    )
    if not ok:
        print(f"creating {venv} with {' '.join(PELICAN_REQUIREMENTS)}", file=sys.stderr)
        for cmd in (
            [sys.executable, "-m", "venv", "--clear", str(venv)],
            [
                str(python),
                "-m",
                "pip",
                "install",
                "-q",
                "--disable-pip-version-check",
                *PELICAN_REQUIREMENTS,
            ],
        ):
            done = subprocess.run(cmd, capture_output=True, text=True)
            if done.returncode:
                raise BenchError(f"cannot set up Pelican: {shlex.join(cmd)}\n{done.stderr[-2000:]}")
    return python


def pelican_conf(state: Path, site_url: str) -> str:
    """The same site shape as blogarchive's, in Pelican's default theme."""
    return f'''# Written by benchmarks/run.py: blogarchive's site shape in Pelican's terms.
AUTHOR = "Bench"
SITENAME = "Benchmark archive"
SITEURL = "{site_url.rstrip("/")}"
RELATIVE_URLS = True
TIMEZONE = "Europe/London"
DEFAULT_LANG = "en"
ARTICLE_URL = "{{date:%Y}}/{{date:%m}}/{{date:%d}}/{{slug}}/"
ARTICLE_SAVE_AS = "{{date:%Y}}/{{date:%m}}/{{date:%d}}/{{slug}}/index.html"
YEAR_ARCHIVE_URL = "{{date:%Y}}/"
YEAR_ARCHIVE_SAVE_AS = "{{date:%Y}}/index.html"
MONTH_ARCHIVE_URL = "{{date:%Y}}/{{date:%m}}/"
MONTH_ARCHIVE_SAVE_AS = "{{date:%Y}}/{{date:%m}}/index.html"
CATEGORY_URL = "category/{{slug}}/"
CATEGORY_SAVE_AS = "category/{{slug}}/index.html"
TAG_URL = "tag/{{slug}}/"
TAG_SAVE_AS = "tag/{{slug}}/index.html"
AUTHOR_SAVE_AS = ""
AUTHORS_SAVE_AS = ""
DIRECT_TEMPLATES = ["index", "categories", "tags", "archives"]
DEFAULT_PAGINATION = 10
PAGINATED_TEMPLATES = {{"index": None, "category": None, "tag": None}}
PAGINATION_PATTERNS = (
    (1, "{{url}}", "{{save_as}}"),
    (2, "{{base_name}}/page/{{number}}/", "{{base_name}}/page/{{number}}/index.html"),
)
FEED_DOMAIN = SITEURL
FEED_ALL_RSS = "feed.xml"
FEED_ALL_ATOM = "atom.xml"
CATEGORY_FEED_RSS = "category/{{slug}}/feed.xml"
CATEGORY_FEED_ATOM = "category/{{slug}}/atom.xml"
AUTHOR_FEED_ATOM = None
AUTHOR_FEED_RSS = None
TRANSLATION_FEED_ATOM = None
FEED_MAX_ITEMS = 20
RSS_FEED_SUMMARY_ONLY = False
# Markdown: Pelican's default settings, whose "extra" extension includes footnotes.
CACHE_CONTENT = True
LOAD_CONTENT_CACHE = True
CACHE_PATH = "{state / "cache"}"
'''


def pelican_markdown(post) -> str:
    """A blogarchive Post as a Pelican Markdown file (metadata header, blank line, body)."""
    date = post.date or post.date_after or post.date_before or dt.date(1970, 1, 1)
    cats = list(post.categories) or ["Uncategorized"]
    head = [f"Title: {post.title}", f"Date: {date.isoformat()}", f"Category: {cats[0]}"]
    if cats[1:]:
        head.append("Tags: " + ", ".join(cats[1:]))
    head.append(f"Slug: {post.slug}")
    return "\n".join(head) + "\n\n" + post.body


def convert_corpus(corpus: Path, content: Path, repo: Path) -> None:
    """posts/*.md (YAML front matter) -> Pelican content/*.md, same file names."""
    sys.path.insert(0, str(repo / "src"))
    from blogarchive.post import from_markdown

    content.mkdir(parents=True)
    for path in sorted(corpus.glob("*.md")):
        post = from_markdown(path.read_text(encoding="utf-8"), str(path))
        (content / path.name).write_text(pelican_markdown(post), encoding="utf-8")
