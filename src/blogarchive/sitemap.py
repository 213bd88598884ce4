"""sitemap.xml and robots.txt of the built site (pure: paths and base URL in, bytes out)."""

from __future__ import annotations

from .site import absolute_url


def xml_escape(text: str) -> str:
    """&, < and > as XML entities (what xml.sax.saxutils.escape does, without loading urllib
    and http.client with it)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def sitemap(paths: list[str], base: str) -> bytes:
    """sitemap.xml of every HTML page but the 404 page, in path order."""
    urls = "".join(
        f"  <url><loc>{xml_escape(absolute_url(base, p))}</loc></url>\n"
        for p in sorted(paths)
        if p.endswith(".html") and p != "404.html"
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        f"{urls}</urlset>\n"
    ).encode("utf-8")


def robots(base: str) -> bytes:
    """robots.txt: everything allowed, and where the sitemap is."""
    sitemap_url = absolute_url(base, "sitemap.xml")
    return f"User-agent: *\nAllow: /\nSitemap: {sitemap_url}\n".encode("utf-8")
