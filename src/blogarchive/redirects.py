"""WordPress's old feed addresses, kept working: one table of rules, written for three kinds
of host and answered by `serve` (pure: feed files and the site's base path in, text out).

WordPress served a feed at `<folder>feed/` (and `feed/rss2/`, `feed/atom/`, `?feed=rss2`…) of
the home and of each category and tag; the archive writes `<folder>feed.xml` and `atom.xml`.
Whatever folders the build writes feeds into (site, categories, tags) get the rules.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Iterable

# WordPress's feed addresses under a feed folder -> the files that answer them, first that exists
FEED_ADDRESSES = {
    "feed/": ("feed.xml",),
    "feed/rss/": ("feed.xml",),
    "feed/rss2/": ("feed.xml",),
    "feed/rdf/": ("feed.xml",),
    "feed/atom/": ("atom.xml", "feed.xml"),
}
# The same by query on the site's root (`/?feed=rss2`), where a host can match queries
FEED_QUERIES = {
    "feed=rss": ("feed.xml",),
    "feed=rss2": ("feed.xml",),
    "feed=rdf": ("feed.xml",),
    "feed=atom": ("atom.xml", "feed.xml"),
}
# WordPress's comment feeds: the archive has none, so 410 Gone tells aggregators to stop asking
# (a redirect to the posts feed would give comment subscribers posts they never asked for)
GONE = ("comments/feed/",)
GONE_QUERIES = ("feed=comments-rss2",)


@dataclass(frozen=True)
class Rule:
    """One old address: `path` (site-relative, ending in '/'; '' for the root) with `query`
    when it is matched by query, answered by a 301 to `target` (site-relative) or, with no
    target, by 410 Gone."""

    path: str
    target: str | None
    query: str = ""

    @property
    def status(self) -> int:
        return 301 if self.target else 410


def rules(feed_files: Iterable[str]) -> list[Rule]:
    """Every rule for a site whose feeds are `feed_files` ('feed.xml', 'category/x/atom.xml'…),
    in a fixed order: site-wide ones first, then each feed folder's, by folder."""
    files = set(feed_files)
    folders = sorted({f.rpartition("/")[0] + "/" if "/" in f else "" for f in files})
    found: list[Rule] = [Rule(path, None) for path in GONE]
    found += [Rule("", None, query) for query in GONE_QUERIES]
    found += [
        Rule("", target, query)
        for query, names in FEED_QUERIES.items()
        if (target := _first("", names, files.__contains__))
    ]
    for folder in folders:
        found += [
            Rule(folder + suffix, target)
            for suffix, names in FEED_ADDRESSES.items()
            if (target := _first(folder, names, files.__contains__))
        ]
    return found


def resolve(path: str, query: str, exists: Callable[[str], bool]) -> Rule | None:
    """The rule for a request (site-relative path, with or without its final '/'), judged by
    which site files exist: what `rules` gives for the same site, found without listing it."""
    path = path.strip("/") + "/" if path.strip("/") else ""
    if query:
        if path:
            return None
        target = _first("", FEED_QUERIES.get(query, ()), exists)
        return Rule("", target, query) if target or query in GONE_QUERIES else None
    if path in GONE:
        return Rule(path, None)
    for suffix, names in FEED_ADDRESSES.items():
        if path.endswith(suffix) and (path == suffix or path[-len(suffix) - 1] == "/"):
            folder = path[: -len(suffix)]
            target = _first(folder, names, exists)
            return Rule(path, target) if target else None
    return None


def _first(folder: str, names: Iterable[str], exists: Callable[[str], bool]) -> str | None:
    return next((folder + name for name in names if exists(folder + name)), None)


# --- the three files -------------------------------------------------------------------------


def netlify(found: list[Rule], base: str) -> str:
    """`_redirects` (Netlify, Cloudflare Pages): `from [query] to status`. Cloudflare ignores the
    lines it cannot follow (queries, 410) and keeps the rest."""
    lines = ["# Old WordPress feed addresses (written by blogarchive)"]
    for rule in found:
        query = f" {rule.query}" if rule.query else ""
        target = base + rule.target if rule.target else base + "404.html"
        lines.append(f"{base}{rule.path}{query} {target} {rule.status}")
    return "\n".join(lines) + "\n"


def htaccess(found: list[Rule], base: str) -> str:
    """`.htaccess` (Apache): mod_alias RedirectMatch for paths; mod_rewrite, where enabled, for
    queries on the site's root."""
    lines = ["# Old WordPress feed addresses (written by blogarchive)"]
    for rule in (r for r in found if not r.query):
        pattern = f"^{_regex(base + rule.path.rstrip('/'))}/?$"
        lines.append(
            f"RedirectMatch 301 {pattern} {base}{rule.target}"
            if rule.target
            else f"RedirectMatch gone {pattern}"
        )
    queries = [r for r in found if r.query]
    if queries:
        lines += ["<IfModule mod_rewrite.c>", "RewriteEngine On"]
        for rule in queries:
            lines.append(f"RewriteCond %{{QUERY_STRING}} ^{_regex(rule.query)}$")
            lines.append(
                f"RewriteRule ^$ {base}{rule.target}? [R=301,L]"
                if rule.target
                else "RewriteRule ^$ - [G,L]"
            )
        lines.append("</IfModule>")
    return "\n".join(lines) + "\n"


def nginx(found: list[Rule], base: str) -> str:
    """`nginx-redirects.conf`: to `include` inside the site's `server { }` block."""
    lines = [
        "# Old WordPress feed addresses (written by blogarchive): include this file",
        "# inside the site's server { } block.",
    ]
    for rule in found:
        answer = f"return 301 {base}{rule.target};" if rule.target else "return 410;"
        if rule.query:
            uri = f"{base}{rule.path}?{rule.query}"
            lines.append(f'if ($request_uri = "{uri}") {{ {answer} }}')
        else:
            pattern = f"^{_regex(base + rule.path.rstrip('/'))}/?$"
            lines.append(f'location ~ "{pattern}" {{ {answer} }}')
    return "\n".join(lines) + "\n"


def redirect_files(feed_files: Iterable[str], base: str) -> dict[str, str]:
    """The three files by name, for a site at the path `base` ('/' or '/blog/')."""
    found = rules(feed_files)
    return {
        "_redirects": netlify(found, base),
        ".htaccess": htaccess(found, base),
        "nginx-redirects.conf": nginx(found, base),
    }


def _regex(text: str) -> str:
    """Text matched literally in a PCRE or Apache regular expression."""
    return re.sub(r"([.^$*+?()\[\]{}|\\])", r"\\\1", text)
