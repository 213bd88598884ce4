"""Pages -> HTML: the one Jinja2 environment, and any page of the site rendered through it.

A planned page (build/plan.py) supplies its template, title and context; `render` adds what
every page shares (navigation, feeds, canonical URL) and names a broken template's line.
"""

from __future__ import annotations

import contextlib
import traceback
from pathlib import Path

import jinja2
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from . import resources
from . import site as S
from .config import Config
from .errors import InputError
from .text import NOT_IN_HTML_RE


class TemplateError(InputError):
    """A template that does not compile or uses a name the renderer does not provide."""


def _printable(value):
    """Every value a template prints, without the control characters (NUL, ESC …) and lone
    surrogates that no HTML page may hold; Markup stays Markup. (None of them is printable:
    most values, printable, skip the search.)"""
    if isinstance(value, str) and not value.isprintable() and NOT_IN_HTML_RE.search(value):
        cleaned = NOT_IN_HTML_RE.sub("", value)
        return Markup(cleaned) if isinstance(value, Markup) else cleaned
    return value


_DICT_ATTRIBUTES = frozenset(dir(dict))


class _Environment(Environment):
    """Jinja2's Environment, looking up `view.name` in a plain dict (the views templates are
    given) without first failing to find it as an attribute: the AttributeError raised and
    caught for each of some 100 lookups a page was a third of the time spent rendering it."""

    def getattr(self, obj, attribute):
        if type(obj) is dict and attribute not in _DICT_ATTRIBUTES:  # no such attribute
            try:
                return obj[attribute]
            except KeyError:
                pass  # Environment.getattr makes it undefined
        return Environment.getattr(self, obj, attribute)


def make_env(
    template_dir: Path | None = None, search: bool = False, compiled: Path | None = None
) -> Environment:
    """--templates (if any) first, the site's own, then the defaults (resources.template_dirs);
    autoescape and StrictUndefined on. With `compiled` (a folder of the build cache), compiled
    templates are kept there between builds (Jinja2 checks each against its source). Each
    template is read once: a build's templates are those it began with (their keys are in
    every page's), and no file is checked again for each of the thousands of pages (and list
    entries, each an include) that use it."""
    dirs = [str(folder) for folder in resources.template_dirs(template_dir)]
    env = _Environment(
        loader=ChoiceLoader([FileSystemLoader(d) for d in dirs]),
        bytecode_cache=_bytecode_cache(compiled),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        finalize=_printable,
        auto_reload=False,
    )
    env.globals["search"] = search  # the header search form and the search page
    return env


def _bytecode_cache(folder: Path | None) -> jinja2.BytecodeCache | None:
    if folder is None:
        return None
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return jinja2.FileSystemBytecodeCache(str(folder))


def compile_templates(env: Environment) -> None:
    """Compile every built-in template name now, so a broken one fails before any work."""
    with template_errors():
        for name in sorted(p.name for p in resources.default_folder("templates").glob("*.html")):
            env.get_template(name)


@contextlib.contextmanager
def template_errors():
    """A broken template (syntax, unknown variable) is a build error naming its file and line."""
    try:
        yield
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateError(
            exc.filename or exc.name or "template", exc.lineno, exc.message
        ) from None
    except jinja2.TemplateError as exc:
        frames = [
            f for f in traceback.extract_tb(exc.__traceback__) if f.filename.endswith(".html")
        ]
        where = frames[-1] if frames else None
        raise TemplateError(
            where.filename if where else "template", where.lineno if where else None, str(exc)
        ) from None


def render(page, env: Environment, config: Config, context: dict) -> str:
    """A planned page (its path, template, title, feeds, nav, rooted) with its own `context`.

    `feeds` are the feed sets it links (plan.FeedLink), `nav` the site's navigation. Links
    are relative to the page's path, except on a `rooted` page (404.html), which a server
    shows at any depth and which therefore links from the root path of base_url."""
    path, rooted = page.path, page.rooted

    def link(target: str) -> str:
        return S.rooted_url(config.site_url, target) if rooted else S.relative_url(path, target)

    feed_views = [
        {
            "label": f.label,
            "rss": link(f.folder + "feed.xml"),
            "atom": link(f.folder + "atom.xml") if f.atom else "",
            "json": link(f.folder + "feed.json"),
        }
        for f in page.feeds
    ]
    nav = [
        {"label": item.label, "url": link(item.path), "current": item.path == path}
        for item in page.nav
    ]
    return env.get_template(page.template).render(
        config=config,
        title=page.title,
        canonical=S.absolute_url(config.site_url, path),
        link=link,
        feeds=feed_views,
        nav=nav,
        **context,
    )
