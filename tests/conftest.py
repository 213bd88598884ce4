"""Shared by the site tests: the hand-made fixture posts and the real posts/, each built once."""
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from blogarchive.build import build
from blogarchive.build.scan import parse_post, post_names
from blogarchive.config import Config, load_config
from blogarchive.post import Post

ROOT = Path(__file__).resolve().parents[1]
FIXTURE_POSTS = ROOT / "tests" / "fixtures" / "posts"
REAL_POSTS = ROOT / "posts"
FIXTURE_CONFIG = Config(posts_per_page=4, base_url="https://archive.example.org/blog/")


def read_posts(folder: Path) -> list[Post]:
    """Every post of a folder, read as the build reads it (names in order, bytes parsed)."""
    return [parse_post(folder / name, (folder / name).read_bytes()) for name in post_names(folder)]


def soup(path: Path) -> BeautifulSoup:
    """A built page, parsed the way a lenient browser would."""
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


@pytest.fixture(scope="session")
def fixture_site(tmp_path_factory):
    """(site folder, posts, config) for tests/fixtures/posts, four posts to a page."""
    out = tmp_path_factory.mktemp("fixture-site") / "site"
    build(FIXTURE_POSTS, out, FIXTURE_CONFIG)
    return out, read_posts(FIXTURE_POSTS), FIXTURE_CONFIG


@pytest.fixture(scope="session")
def real_site(tmp_path_factory):
    """(site folder, posts, config) for the repository's posts/, with its site.yaml."""
    if not list(REAL_POSTS.glob("*.md")):
        pytest.skip("posts/ is empty: run `python build.py import` first")
    config = load_config(ROOT / "site.yaml")
    out = tmp_path_factory.mktemp("real-site") / "site"
    build(REAL_POSTS, out, config)
    return out, read_posts(REAL_POSTS), config
