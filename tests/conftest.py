"""Shared by the site tests: the hand-made fixture posts and the real posts/, each built once."""

import os
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from hypothesis import HealthCheck, settings

from blogarchive.build import BuildOptions, build
from blogarchive.build.scan import parse_post, post_names
from blogarchive.config import Config, load_config
from blogarchive.post import Post

# Property tests: 50 examples in the everyday run, 300 with --hypothesis-profile=thorough (the
# long run); derandomized and without a database, so every run checks the same examples.
settings.register_profile(
    "fast",
    max_examples=50,
    derandomize=True,
    database=None,
    deadline=None,
    print_blob=True,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
    ],
)
settings.register_profile("thorough", settings.get_profile("fast"), max_examples=300)
settings.load_profile("fast")

ROOT = Path(__file__).resolve().parents[1]
# The example blogs: ../shared/themes-examples beside the checkout, as CI lays it out.
EXAMPLES = ROOT.parent / "shared" / "themes-examples"
if not EXAMPLES.is_dir():
    EXAMPLES = Path("/work/shared/themes-examples")
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


@pytest.fixture(scope="session")
def shots(tmp_path_factory) -> Path:
    """Where browser tests save screenshots: $BLOGARCHIVE_SHOTS when set (for a person to look
    at), else a temporary folder."""
    wanted = os.environ.get("BLOGARCHIVE_SHOTS")
    folder = Path(wanted) if wanted else tmp_path_factory.mktemp("shots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="session")
def searchable_site(tmp_path_factory):
    """(site folder, posts, config, build report) for the real posts/ as a reader gets them:
    source views from dumps/, the Pagefind index, an absolute base_url. Tests only read it."""
    if not list(REAL_POSTS.glob("*.md")):
        pytest.skip("posts/ is empty: run `python build.py import` first")
    config = load_config(ROOT / "site.yaml", base_url="https://archive.example.org/")
    out = tmp_path_factory.mktemp("searchable-site") / "site"
    report = build(REAL_POSTS, out, config, BuildOptions(dumps_dir=ROOT / "dumps", search=True))
    return out, read_posts(REAL_POSTS), config, report
