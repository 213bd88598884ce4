"""Headless Chromium (Debian's) opens the real site from `serve` and from file://."""

import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium not installed"),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    if not list((ROOT / "posts").glob("*.md")):
        pytest.skip("posts/ is empty: run `python build.py import` first")
    work = tmp_path_factory.mktemp("serve")
    shutil.copytree(ROOT / "posts", work / "posts")
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
            "--config",
            str(ROOT / "site.yaml"),
            "--cache",
            str(work / "cache"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ROOT,
    )
    url = f"http://127.0.0.1:{port}/"
    for _ in range(100):
        try:
            urllib.request.urlopen(url, timeout=1)
            break
        except OSError:
            time.sleep(0.1)
    yield url, work
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def shoot(page, shots: Path, name: str) -> None:
    """A screenshot into the shots folder (see conftest.shots)."""
    page.screenshot(path=str(shots / name))


def watch_console(page, errors: list) -> None:
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))


def walk(browser, start: str, shots: Path, name: str) -> list[str]:
    """Home -> a post -> a category -> a month, collecting console errors; screenshots saved."""
    errors = []
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    watch_console(page, errors)
    page.goto(start)
    assert page.locator("h1").count() == 1
    shoot(page, shots, f"{name}-home-1280.png")
    page.click("article.entry h2 a >> nth=0")
    assert (
        page.locator("article.post h1").inner_text()
        == "How I’ll vote in the Labour leadership election"
    )
    shoot(page, shots, f"{name}-post-1280.png")
    page.click(".categories a >> nth=0")
    assert page.locator("h1").inner_text().startswith("Category: Labour Party News")
    page.click("nav[aria-label=Site] >> text=Archives")
    page.get_by_role("link", name="August 2015", exact=True).click()
    assert page.locator("h1").inner_text() == "Posts from August 2015"
    page.click("article.entry h2 a >> nth=0")
    page.locator("article.post h1").wait_for()  # count() does not wait for the navigation
    assert page.locator("article.post h1").count() == 1
    mobile = browser.new_page(viewport={"width": 390, "height": 844})
    watch_console(mobile, errors)
    mobile.goto(start)
    shoot(mobile, shots, f"{name}-home-390.png")
    assert mobile.evaluate("document.documentElement.scrollWidth") <= 390, (
        "scrolls sideways on a phone"
    )
    mobile.click("article.entry h2 a >> nth=0")
    shoot(mobile, shots, f"{name}-post-390.png")
    assert mobile.evaluate("document.documentElement.scrollWidth") <= 390, (
        "scrolls sideways on a phone"
    )
    return errors


def test_served_site_in_chromium(served, browser, shots):
    url, _ = served
    assert walk(browser, url, shots, "serve") == []


def test_file_url_site_in_chromium(served, browser, shots):
    _, work = served
    assert walk(browser, (work / "site" / "index.html").as_uri(), shots, "file") == []


def test_served_404_is_styled_at_any_depth(served, browser):
    url, _ = served
    page = browser.new_page()
    response = page.goto(url + "no/such/deep/page/")
    assert response.status == 404 and page.locator("h1").inner_text() == "Page not found"
    assert page.evaluate("getComputedStyle(document.body).fontFamily").startswith("Georgia")
    page.click(".site-title a")
    assert page.url == url


def test_dark_mode_and_focus_are_styled(served, browser):
    url, _ = served
    page = browser.new_page(color_scheme="dark")
    page.goto(url)
    dark = page.evaluate("getComputedStyle(document.body).backgroundColor")
    page.emulate_media(color_scheme="light")
    assert dark != page.evaluate("getComputedStyle(document.body).backgroundColor")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    assert page.locator(".skip").bounding_box()["x"] >= 0  # the skip link shows when focused


def test_serve_rebuilds_on_change_and_survives_a_bad_post(served):
    url, work = served
    post = work / "posts" / "vote-corbyn.md"
    post.write_text(
        post.read_text(encoding="utf-8").replace("title: Vote Corbyn", "title: Vote Corbyn now"),
        encoding="utf-8",
    )
    page = url + "2015/08/11/vote-corbyn/"
    for _ in range(100):
        if "Vote Corbyn now" in urllib.request.urlopen(page).read().decode():
            break
        time.sleep(0.1)
    else:
        pytest.fail("serve did not rebuild after the post changed")
    (work / "posts" / "broken.md").write_text("---\ntitle: [\n---\n", encoding="utf-8")
    time.sleep(1.5)
    assert "Vote Corbyn now" in urllib.request.urlopen(page).read().decode()
    (work / "posts" / "broken.md").unlink()
