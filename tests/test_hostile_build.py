"""Hostile posts/ for the build: each gets a clear outcome (an error naming the file and line,
or safe output), never a traceback, a hang, a file outside the output folder, or markup run."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import feedparser
import pytest
from conftest import ROOT, soup

from blogarchive.build import build
from blogarchive.config import Config

CONFIG = Config(base_url="https://example.org/", posts_per_page=5)


def post(folder: Path, name: str, head: str, body: str = "Text.\n") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.md"
    path.write_text(f"---\n{head}---\n{body}", encoding="utf-8")
    return path


def run(posts: Path, out: Path, *extra: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            sys.executable,
            str(ROOT / "build.py"),
            "build",
            "--posts",
            str(posts),
            "--out",
            str(out),
            "--no-cache",
            "--no-search",
            "--dumps",
            str(posts / "x"),
            *extra,
        ],
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def files_under(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()]


@pytest.mark.parametrize(
    "slug", ["../../etc", "/abs", "..\\\\x", "%2e%2e", "a/b", "CON Space", "x" * 201]
)
def test_a_slug_that_could_leave_the_site_is_refused_naming_file_and_line(tmp_path, slug):
    posts = tmp_path / "posts"
    post(posts, "bad", f"title: Bad\nslug: '{slug}'\n")
    done = run(posts, tmp_path / "site")
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert f"{posts / 'bad.md'}:3: slug:" in done.stderr
    assert not (tmp_path / "site").exists() and sorted(p.name for p in tmp_path.iterdir()) == [
        "posts"
    ]


def test_hostile_categories_stay_inside_the_site_and_apart(tmp_path):
    posts = tmp_path / "posts"
    names = [
        "../../etc",
        "/abs",
        "..\\x",
        "%2e%2e",
        "C++",
        "C",
        "???",
        "!!!",
        "con",
        "NUL",
        "é" * 1000,
    ]
    for i, name in enumerate(names):
        escaped = name.replace("\\", "\\\\").replace('"', '\\"')
        post(
            posts,
            f"p{i}",
            f'title: "Post {i}"\nslug: p{i}\ndate: 2015-01-{i + 1:02d}\n'
            f'categories: ["{escaped}"]\n',
        )
    post(posts, "long", f"title: {'Long title ' * 100}\nslug: long\n")
    out = tmp_path / "site"
    build(posts, out, CONFIG)
    root = out.resolve()
    for path in files_under(tmp_path):
        assert path.resolve().is_relative_to(root) or path.resolve().is_relative_to(posts.resolve())
    folders = sorted(p.name for p in (out / "category").iterdir() if p.is_dir())
    assert len(folders) == len(names) + 1  # every name its own page (+ Uncategorized)
    assert all(0 < len(f.encode()) <= 255 and f.lower() not in {"con", "nul"} for f in folders)
    titles = {soup(out / "category" / f / "index.html").find("h1").get_text() for f in folders}
    assert {f"Category: {n}" for n in names} <= titles
    assert (
        soup(out / "undated/long/index.html").find("h1").get_text() == ("Long title " * 100).strip()
    )


BAD_FRONT_MATTER = {
    "not-a-mapping": ("- just\n- a list\n", 2),
    "wrong-types": ("title: [1, 2]\nslug: wrong-types\n", 2),
    "impossible-date": ("title: T\nslug: impossible-date\ndate: 2015-02-30\n", 4),
    "alias-bomb": (
        'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
        + "".join(
            f"{c}: &{c} [*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p}]\n"
            for p, c in zip("abcdefgh", "bcdefghi")
        )
        + "title: *i\nslug: alias-bomb\n",
        None,
    ),
    "python-tag": ("title: !!python/object/apply:os.system ['touch PWNED']\nslug: python-tag\n", 2),
    "several-problems": ("title: T\nslug: Bad Slug\ndate: 2015-13\nauthor: [me]\n", 4),
    "unclosed": ("title: T\n", None),
}


@pytest.mark.parametrize("name", sorted(BAD_FRONT_MATTER))
def test_bad_front_matter_is_an_error_naming_the_file(tmp_path, name):
    head, line = BAD_FRONT_MATTER[name]
    posts = tmp_path / "posts"
    path = posts / f"{name}.md"
    posts.mkdir()
    text = f"---\n{head}" + ("" if name == "unclosed" else "---\nBody.\n")
    path.write_text(text, encoding="utf-8")
    started = time.perf_counter()
    done = run(posts, tmp_path / "site", timeout=60)
    assert time.perf_counter() - started < 60
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
    assert str(path) in done.stderr
    if line:
        assert f"{path}:{line}:" in done.stderr
    assert not (ROOT / "PWNED").exists() and not (tmp_path / "PWNED").exists()
    kept = run(posts, tmp_path / "site", "--keep-going")  # skipped with a warning instead
    assert kept.returncode == 0 and "warning: skipped" in kept.stderr


def test_unreadable_posts_are_errors_naming_them(tmp_path):
    posts = tmp_path / "posts"
    post(posts, "good", "title: Good\nslug: good\n")
    (posts / "latin1.md").write_bytes(b"---\ntitle: Caf\xe9\nslug: latin\n---\nx\n")
    outside = tmp_path / "secret.md"
    outside.write_text("---\ntitle: Secret\nslug: secret\n---\nsecret text\n", encoding="utf-8")
    (posts / "link.md").symlink_to(outside)
    done = run(posts, tmp_path / "site")
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert f"{posts / 'latin1.md'}:2: not UTF-8 text (byte 14)" in done.stderr
    assert (
        f"{posts / 'link.md'}: is a link to a file outside the posts folder; refused" in done.stderr
    )
    kept = run(posts, tmp_path / "site", "--keep-going")
    assert kept.returncode == 0
    assert "secret text" not in "".join(
        p.read_text("utf-8", "replace") for p in files_under(tmp_path / "site")
    )


def test_an_empty_posts_folder_builds_an_empty_site(tmp_path):
    (tmp_path / "posts").mkdir()
    done = run(tmp_path / "posts", tmp_path / "site")
    assert done.returncode == 0, done.stderr
    assert "No posts here." in (tmp_path / "site/index.html").read_text("utf-8")
    assert feedparser.parse((tmp_path / "site/feed.xml").read_bytes()).bozo == 0


def test_control_characters_in_a_post_are_an_error_naming_the_line(tmp_path):
    posts = tmp_path / "posts"
    post(
        posts, "ctl", "title: T\nslug: ctl\ndate: 2015-01-01\n", "Fine line.\nBody with \x00 NUL.\n"
    )
    done = run(posts, tmp_path / "site")
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert f"{posts / 'ctl.md'}:7: control character U+0000" in done.stderr


def test_control_characters_never_reach_a_page_even_from_a_template_value():
    from blogarchive.render import make_env

    assert make_env().from_string("{{ x }}").render(x="a\x00b\x1bc<") == "abc&lt;"


def test_cdata_ends_and_markup_in_titles_and_bodies_are_text_in_pages_and_feeds(tmp_path):
    posts = tmp_path / "posts"
    post(
        posts,
        "cdata",
        'title: "A ]]> end <b>"\nslug: cdata\ndate: 2015-01-01\ncategories: ["a]]>b"]\n',
        "Body with ]]> and <![CDATA[ x ]]> and </script>.\n",
    )
    out = tmp_path / "site"
    build(posts, out, CONFIG)
    doc = soup(out / "2015/01/01/cdata/index.html")
    assert doc.find("h1").get_text() == "A ]]> end <b>"
    assert "]]> and <![CDATA[ x ]]> and </script>." in doc.select_one(".body").get_text()
    for feed in ("feed.xml", "atom.xml"):
        parsed = feedparser.parse((out / feed).read_bytes())
        assert parsed.bozo == 0 and parsed.entries[0].title == "A ]]> end <b>"
        assert "]]&gt; and &lt;![CDATA[ x ]]&gt;" in parsed.entries[0].content[0].value


@pytest.mark.slow
def test_a_20_mb_post_builds(tmp_path):
    posts = tmp_path / "posts"
    paragraph = "A long paragraph of ordinary words, repeated to make a very large post. " * 20
    body = "\n\n".join(f"{paragraph} Paragraph {i}." for i in range(14_000))
    path = post(posts, "huge", "title: Huge\nslug: huge\ndate: 2015-01-01\n", body)
    assert path.stat().st_size > 20_000_000
    started = time.perf_counter()
    done = run(posts, tmp_path / "site", timeout=900)
    print(f"\n20 MB post: built in {time.perf_counter() - started:.1f} s")
    assert done.returncode == 0, done.stderr
    assert "Paragraph 13999." in (tmp_path / "site/2015/01/01/huge/index.html").read_text("utf-8")


@pytest.mark.slow
def test_100000_one_line_posts_build(tmp_path):
    posts = tmp_path / "posts"
    posts.mkdir()
    for i in range(100_000):
        day = f"20{10 + i % 10}-{1 + i % 12:02d}-{1 + i % 28:02d}"
        (posts / f"p{i}.md").write_text(
            f"---\ntitle: Post {i}\nslug: p{i}\ndate: {day}\n"
            f"categories: [C{i % 7}]\n---\nLine {i}.\n",
            encoding="utf-8",
        )
    started = time.perf_counter()
    done = run(posts, tmp_path / "site", timeout=1800)
    print(f"\n100,000 one-line posts: built in {time.perf_counter() - started:.1f} s")
    assert done.returncode == 0, done.stderr
    assert "Line 99999." in next((tmp_path / "site").glob("20*/*/*/p99999/index.html")).read_text(
        "utf-8"
    )
