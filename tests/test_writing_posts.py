"""Hand-written posts: slug optional, unknown keys warned about, every problem at once, `new`."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import zoneinfo
from pathlib import Path

import pytest
from conftest import ROOT, soup

from blogarchive.build import BuildOptions, build
from blogarchive.config import Config
from blogarchive.errors import PostError, PostErrors, PostWarning
from blogarchive.post import from_markdown, read_post, starter_markdown


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(ROOT / "build.py"), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def write(folder: Path, name: str, head: str, body: str = "Some text.\n") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(f"---\n{head}---\n{body}", encoding="utf-8")
    return path


# --- slug -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, title, slug",
    [
        ("leeks-in-the-frost.md", "Anything at all", "leeks-in-the-frost"),  # the file's name
        ("Leeks in the Frost.md", "Leeks, in the frost!", "leeks-in-the-frost"),  # else the title
        ("con.md", "Con", "con-post"),  # never a device name
        ("x" * 201 + ".md", "Short", "short"),  # nor too long
    ],
)
def test_a_post_without_slug_is_named_by_its_file_else_its_title(name, title, slug):
    post = from_markdown(f"---\ntitle: '{title}'\ndate: 2015-01-02\n---\nBody.\n", f"posts/{name}")
    assert post.slug == slug and post.title == title and post.date == dt.date(2015, 1, 2)


def test_a_given_slug_still_wins_and_a_bad_one_is_still_refused():
    assert from_markdown("---\ntitle: T\nslug: mine\n---\n", "posts/other.md").slug == "mine"
    with pytest.raises(PostError, match=r"^posts/other.md:3: slug: must be lowercase"):
        from_markdown("---\ntitle: T\nslug: Not A Slug\n---\n", "posts/other.md")


def test_the_build_names_a_slugless_post_by_its_file_and_follows_a_rename(tmp_path):
    posts, out, cache = tmp_path / "posts", tmp_path / "site", tmp_path / "cache"
    write(posts, "first-name.md", "title: A hand-written post\ndate: 2016-03-04\n")
    build(posts, out, Config(), BuildOptions(cache_dir=cache))
    page = out / "2016/03/04/first-name/index.html"
    assert soup(page).h1.get_text() == "A hand-written post"
    (posts / "first-name.md").rename(posts / "second-name.md")  # same bytes, new name
    build(posts, out, Config(), BuildOptions(cache_dir=cache))
    assert not page.exists() and (out / "2016/03/04/second-name/index.html").is_file()


# --- unknown keys: warnings, not errors -------------------------------------------------------


def test_an_unknown_key_is_a_warning_naming_file_line_and_nearest_key():
    text = "---\ntitle: T\nslug: t\ncategoires: [Gardening]\ncolour: red\n---\nBody.\n"
    parsed = read_post(text, "posts/t.md")
    assert parsed.post.title == "T" and parsed.post.categories == ()
    assert parsed.warnings == (
        "posts/t.md:4: unknown key 'categoires' ignored (did you mean 'categories'?)",
        "posts/t.md:5: unknown key 'colour' ignored (known keys: title, slug, date, date_after, "
        "date_before, categories, tags, author, comments, excerpt, draft, sources, "
        "archived_comments)",
    )
    with pytest.warns(PostWarning) as caught:
        assert from_markdown(text, "posts/t.md") == parsed.post
    assert [str(w.message) for w in caught] == list(parsed.warnings)


def test_the_build_goes_on_after_an_unknown_key_and_says_where(tmp_path):
    posts = tmp_path / "posts"
    path = write(posts, "p.md", "title: T\ndate: 2015-01-01\ndarft: true\n")
    done = cli(
        "build", "--posts", str(posts), "--out", str(tmp_path / "site"), "--no-search", cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    assert f"warning: {path}:4: unknown key 'darft' ignored (did you mean 'draft'?)" in done.stderr
    assert "Traceback" not in done.stderr and (tmp_path / "site/2015/01/01/p/index.html").is_file()


# --- every problem at once --------------------------------------------------------------------


def test_every_problem_in_a_post_is_reported_at_once_in_line_order():
    text = (
        "---\ntitle: [not, text]\nslug: Bad Slug\ndate: 2015-13\ncategories: Gardening\n"
        "comments: -1\ndraft: maybe\ndate_after: 2016-01-01\ndate_before: 2015-01-01\n---\n"
    )
    with pytest.raises(PostErrors) as err:
        from_markdown(text, "posts/bad.md")
    problems = [(p.line, p.message.split(":")[0]) for p in err.value.problems]
    assert problems == [
        (2, "title"),
        (3, "slug"),
        (4, "date"),
        (5, "categories"),
        (6, "comments"),
        (7, "draft"),
        (8, "date_after"),
    ]
    assert str(err.value).startswith("posts/bad.md: 7 problems:\n  posts/bad.md:2: title: ")
    with pytest.raises(PostError, match=r"^posts/ok.md:3: date_after: is later than date_before$"):
        from_markdown(
            "---\ntitle: T\ndate_after: 2016-01-01\ndate_before: 2015-01-01\n---\n", "posts/ok.md"
        )


def test_the_build_prints_every_problem_once(tmp_path):
    posts = tmp_path / "posts"
    path = write(posts, "bad.md", "title: ''\ndate: someday\ntags: tomatoes\n")
    done = cli(
        "build", "--posts", str(posts), "--out", str(tmp_path / "site"), "--no-search", cwd=tmp_path
    )
    assert done.returncode == 1 and "Traceback" not in done.stderr
    for line, key in ((2, "title"), (3, "date"), (4, "tags")):
        assert done.stderr.count(f"{path}:{line}: {key}:") == 1, done.stderr
    assert not (tmp_path / "site").exists()


# --- python build.py new ------------------------------------------------------------------------


def test_new_writes_a_draft_dated_today_and_refuses_to_overwrite(tmp_path):
    (tmp_path / "site.yaml").write_text("timezone: Pacific/Kiritimati\n", encoding="utf-8")
    done = cli("new", "Leeks & frost: a 'first' look", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    path = tmp_path / "posts" / "leeks-frost-a-first-look.md"
    assert done.stdout.strip() == str(Path("posts") / path.name)
    post = from_markdown(path.read_text("utf-8"), str(path))
    today = dt.datetime.now(zoneinfo.ZoneInfo("Pacific/Kiritimati")).date()
    assert (post.title, post.slug, post.categories, post.tags, post.draft, post.body) == (
        "Leeks & frost: a 'first' look",
        "leeks-frost-a-first-look",
        (),
        (),
        True,
        "\n",
    )
    assert post.date in (today, today - dt.timedelta(days=1))  # the clock may pass midnight
    path.write_text(path.read_text("utf-8") + "My words.\n", encoding="utf-8")
    again = cli("new", "Leeks & frost: a 'first' look", cwd=tmp_path)
    assert again.returncode == 1 and "already exists" in again.stderr and "--force" in again.stderr
    assert path.read_text("utf-8").endswith("My words.\n")
    forced = cli("new", "Leeks & frost: a 'first' look", "--force", cwd=tmp_path)
    assert forced.returncode == 0 and not path.read_text("utf-8").endswith("My words.\n")


def test_new_refuses_a_title_no_post_may_have(tmp_path):
    done = cli("new", "   ", cwd=tmp_path)
    assert done.returncode == 1 and "title: empty" in done.stderr
    assert not (tmp_path / "posts").exists()
    with pytest.raises(ValueError, match="control character"):
        starter_markdown("Bell\x07", dt.date(2020, 1, 1))
