"""Where the templates and static files a site is made with come from (the one place that knows).

The defaults are the repository's top-level templates/ and static/ when blogarchive runs from
a checkout (src/blogarchive/ beside them), and the copies setup.py ships inside the package
(blogarchive/_theme/) when it is installed. The site folder (the one the tool is run in) may
hold its own templates/ and static/: a file there replaces the default of the same name, and
--templates DIR comes before both.
"""

from __future__ import annotations

from pathlib import Path

from .errors import BlogArchiveError

PACKAGE = Path(__file__).resolve().parent
INSTALLED_THEME = PACKAGE / "_theme"  # written by setup.py's build_py, never in git
CHECKOUT = PACKAGE.parents[1] if PACKAGE.parent.name == "src" else None


def default_folder(name: str) -> Path:
    """The default templates/ or static/ folder, installed or in the checkout."""
    for folder in (INSTALLED_THEME / name, CHECKOUT / name if CHECKOUT else None):
        if folder is not None and folder.is_dir():
            return folder
    raise BlogArchiveError(
        f"blogarchive's default {name}/ are missing from {PACKAGE}; "
        "reinstall it (pip install blogarchive, or pip install . in a checkout)"
    )


def template_dirs(extra: Path | None = None, site: Path = Path(".")) -> list[Path]:
    """Where templates are looked up, first match wins: --templates, the site's own
    templates/, the defaults (a folder listed once, however it is reached)."""
    extras = [Path(extra)] if extra else []
    return _distinct([*extras, site / "templates", default_folder("templates")])


def static_dirs(site: Path = Path(".")) -> list[Path]:
    """The static/ folders, the site's own first: a file there replaces the default's."""
    return _distinct([site / "static", default_folder("static")])


def static_files(site: Path = Path(".")) -> dict[str, Path]:
    """Every static file by its path under static/ (POSIX, sorted), the site's own winning."""
    found: dict[str, Path] = {}
    for folder in reversed(static_dirs(site)):
        found.update(
            {p.relative_to(folder).as_posix(): p for p in folder.rglob("*") if p.is_file()}
        )
    return dict(sorted(found.items()))


def _distinct(folders: list[Path]) -> list[Path]:
    """The folders that exist, each once (by real path), in the order given."""
    seen, out = set(), []
    for folder in folders:
        real = folder.resolve()
        if folder.is_dir() and real not in seen:
            seen.add(real)
            out.append(folder)
    return out
