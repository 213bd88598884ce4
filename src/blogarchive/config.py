"""site.yaml -> a typed, validated Config; every bad key is reported before the build stops."""
from __future__ import annotations

import zoneinfo
from dataclasses import dataclass, fields
from pathlib import Path

import yaml

from .errors import ConfigError


@dataclass(frozen=True)
class Config:
    title: str = "Blog archive"
    description: str = "An archive of the old blog, recovered from its archive pages."
    author: str = "The blog's authors"
    language: str = "en-GB"
    base_url: str = ""                  # e.g. https://example.org/blog/ ; empty: feeds get placeholders
    posts_per_page: int = 10
    date_format: str = "%-d %B %Y"      # strftime, e.g. 25 August 2015
    timezone: str = "UTC"
    feed_limit: int | None = None       # newest N posts per feed; null = all

    @property
    def site_url(self) -> str:
        """Absolute base for canonical links and feeds; a placeholder when none is set."""
        return self.base_url or "http://localhost:8000/"


_CHECKS = {
    "title": (str, "a line of text"), "description": (str, "a line of text"),
    "author": (str, "a name"), "language": (str, "a language tag such as en-GB"),
    "base_url": (str, "an absolute http(s) URL ending in /"), "posts_per_page": (int, "a positive whole number"),
    "date_format": (str, "a strftime format such as %-d %B %Y"), "timezone": (str, "an IANA zone such as Europe/London"),
    "feed_limit": (int, "a positive whole number or null"),
}


def load_config(path: Path, base_url: str | None = None) -> Config:
    """Read site.yaml (missing file: defaults); --base-url overrides the file."""
    raw: dict = {}
    if path.exists():
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except yaml.MarkedYAMLError as exc:
            line = exc.problem_mark.line + 1 if exc.problem_mark else None
            raise ConfigError(path, line, f"bad YAML: {exc.problem}") from None
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            raise ConfigError(path, None, f"bad YAML: {exc}") from None
        if not isinstance(raw, dict):
            raise ConfigError(path, None, "expected a mapping of settings (key: value)")
    if base_url is not None:
        raw = {**raw, "base_url": base_url}
    return _validate(raw, path)


def _validate(raw: dict, path: Path) -> Config:
    problems = []
    known = {f.name for f in fields(Config)}
    for key, value in raw.items():
        if key not in known:
            problems.append(f"{key}: unknown setting (known: {', '.join(sorted(known))})")
            continue
        kind, want = _CHECKS[key]
        if value is None and key == "feed_limit":
            continue
        if not isinstance(value, kind) or isinstance(value, bool) or (kind is int and value < 1) \
                or (kind is str and key != "base_url" and not value.strip()):
            problems.append(f"{key}: expected {want}, got {value!r}")
    values = {k: v for k, v in raw.items() if k in known}
    base = values.get("base_url", "")
    if isinstance(base, str) and base:
        if not base.startswith(("http://", "https://")):
            problems.append(f"base_url: expected an absolute http(s) URL, got {base!r}")
        elif not base.endswith("/"):
            values["base_url"] = base + "/"
    tz = values.get("timezone", "UTC")
    if isinstance(tz, str):
        try:
            zoneinfo.ZoneInfo(tz)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            problems.append(f"timezone: unknown time zone {tz!r}")
    if problems:
        raise ConfigError(path, None, "; ".join(problems))
    return Config(**values)
