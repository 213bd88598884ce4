"""The images import copied (images/ beside posts/) go into the built site: keyed like every
output file, kept when unchanged, copied again when changed, gone when removed; a post's image
link resolves to the copy. The Chromium test opens such a post from `serve` and from file://."""

import posixpath
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from conftest import read_posts, soup
from test_html_inputs import BLOG, png, saved_page

from blogarchive import site as S
from blogarchive.build import BuildOptions, build
from blogarchive.cli import main
from blogarchive.config import Config

ROOT = Path(__file__).resolve().parents[1]
CONFIG = Config(base_url="https://plotfourteen.example.org/")
CHROMIUM = "/usr/bin/chromium"


def import_saved_page(work: Path) -> Path:
    """The saved leeks page (its image in leeks_files/, a link to the broad beans post) and
    the home page, imported into work/posts and work/images; returns work."""
    page = saved_page(work / "saved")
    assert (
        main(
            [
                "import",
                str(page),
                str(BLOG / "html" / "index.html"),
                "--posts",
                str(work / "posts"),
                "--report",
                str(work / "report.txt"),
            ]
        )
        == 0
    )
    return work


def leeks(work: Path):
    return next(p for p in read_posts(work / "posts") if p.slug == "leeks-in-the-frost")


def image_target(site: Path, post) -> Path:
    """The file the post page's <img> points at."""
    here = S.post_path(post)
    src = soup(site / here).select_one(".body img")["src"]
    return site / posixpath.normpath(posixpath.join(posixpath.dirname(here), src))


def build_it(work: Path, **options):
    options.setdefault("images_dir", work / "images")
    return build(
        work / "posts", work / "site", CONFIG, BuildOptions(cache_dir=work / "cache", **options)
    )


def test_the_posts_image_is_copied_and_its_link_resolves(tmp_path):
    work = import_saved_page(tmp_path)
    (name,) = [p.name for p in (work / "images").iterdir()]
    build_it(work)
    assert (work / "site" / "images" / name).read_bytes() == png()
    assert image_target(work / "site", leeks(work)) == work / "site" / "images" / name


def test_an_image_is_kept_when_unchanged_copied_when_changed_and_removed_when_gone(tmp_path):
    work = import_saved_page(tmp_path)
    (image,) = (work / "images").iterdir()
    copy = work / "site" / "images" / image.name
    build_it(work)
    assert build_it(work).up_to_date  # nothing changed: nothing written
    (work / "images" / ".DS_Store").write_bytes(b"\0")  # hidden files are not the site's
    assert build_it(work).up_to_date
    image.write_bytes(png(3, 3))
    report = build_it(work)
    assert not report.up_to_date and report.rendered == 1 and copy.read_bytes() == png(3, 3)
    assert not (work / "site" / "images" / ".DS_Store").exists()
    image.unlink()
    build_it(work)
    assert not copy.exists() and (work / "site" / "index.html").is_file()


def test_build_takes_images_beside_posts_by_default_or_from_images_dir(tmp_path, monkeypatch):
    work = import_saved_page(tmp_path)
    monkeypatch.chdir(work)
    (name,) = [p.name for p in (work / "images").iterdir()]
    assert main(["build", "--no-search"]) == 0  # posts/ -> images/ beside
    assert (work / "site" / "images" / name).read_bytes() == png()
    (work / "images").rename(work / "pictures")
    assert main(["build", "--no-search"]) == 0
    assert not (work / "site" / "images").exists()
    assert main(["build", "--no-search", "--images", "pictures"]) == 0
    assert (work / "site" / "images" / name).read_bytes() == png()


# -- in Chromium -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def served_blog(tmp_path_factory):
    """(served URL, work folder) of `serve` on the imported saved page."""
    from test_browser import free_port

    work = import_saved_page(tmp_path_factory.mktemp("images"))
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            str(ROOT / "build.py"),
            "serve",
            "--port",
            str(port),
            "--posts",
            str(work / "posts"),
            "--out",
            str(work / "site"),
            "--cache",
            str(work / "cache"),
            "--no-search",
            "--no-livereload",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=work,
    )
    url = f"http://127.0.0.1:{port}/"
    for _ in range(300):
        try:
            urllib.request.urlopen(url, timeout=1)
            break
        except OSError:
            time.sleep(0.1)
    yield url, work
    proc.terminate()
    proc.wait(timeout=10)


def open_post_and_follow_its_link(browser, address: str, other: str) -> None:
    """The post's image has loaded, and its link to the other post leads to that post."""
    page = browser.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(address)
    image = page.locator(".body img")
    image.wait_for()
    page.wait_for_function("document.querySelector('.body img').complete")
    assert image.evaluate("img => img.naturalWidth") > 0
    assert page.locator("article.post h1").inner_text() == "Leeks in the frost"
    page.get_by_role("link", name="the broad bean post").click()
    page.wait_for_load_state()
    assert page.locator("article.post h1").inner_text() == other
    assert errors == []
    page.close()


@pytest.mark.browser
@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium not installed")
def test_posts_image_and_link_work_from_serve_and_from_file(served_blog):
    from playwright.sync_api import sync_playwright
    from test_browser import ARGS

    url, work = served_blog
    post = S.post_path(leeks(work))
    other = next(p.title for p in read_posts(work / "posts") if p.slug == "broad-beans-at-last")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            open_post_and_follow_its_link(browser, url + post, other)
            open_post_and_follow_its_link(browser, (work / "site" / post).as_uri(), other)
        finally:
            browser.close()
