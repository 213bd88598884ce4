"""site.yaml -> a typed, validated Config; every bad key is reported before the build stops."""

from __future__ import annotations

import datetime as dt
import re
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
    base_url: str = ""  # e.g. https://example.org/blog/ ; empty: feeds get placeholders
    posts_per_page: int = 10
    date_format: str = "%-d %B %Y"  # strftime, e.g. 25 August 2015
    timezone: str = "UTC"
    feed_limit: int | None = None  # newest N posts per feed; null = all

    @property
    def site_url(self) -> str:
        """Absolute base for canonical links and feeds; a placeholder when none is set."""
        return self.base_url or "http://localhost:8000/"


_CHECKS = {
    "title": (str, "a line of text"),
    "description": (str, "a line of text"),
    "author": (str, "a name"),
    "language": (str, "a language tag such as en-GB"),
    "base_url": (str, "an absolute http(s) URL such as https://example.org/blog/"),
    "posts_per_page": (int, "a positive whole number"),
    "date_format": (str, "a strftime format such as %-d %B %Y"),
    "timezone": (str, "an IANA zone such as Europe/London"),
    "feed_limit": (int, "a positive whole number or null"),
}


def load_config(path: Path, base_url: str | None = None) -> Config:
    """Read site.yaml (a missing file or key: defaults); --base-url overrides the file."""
    raw, lines = _read(path) if path.exists() else ({}, {})
    if base_url is not None:
        raw = {**raw, "base_url": base_url}
        lines.pop("base_url", None)
    problems = _problems(raw)
    if problems:
        raise _config_error(
            path, [(lines.get(key), f"{key}: {message}") for key, message in problems]
        )
    return Config(**_normalised(raw))


def _read(path: Path) -> tuple[dict, dict[str, int]]:
    """The settings mapping and the 1-based line of each key."""
    try:
        text = path.read_text(encoding="utf-8")
        raw = yaml.safe_load(text) or {}
        node = yaml.compose(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise ConfigError(
            path, mark.line + 1 if mark else None, f"bad YAML: {exc.problem}"
        ) from None
    except (yaml.YAMLError, UnicodeDecodeError, ValueError) as exc:
        raise ConfigError(path, None, f"bad YAML: {exc}") from None
    if not isinstance(raw, dict):
        raise ConfigError(path, 1, "expected a mapping of settings (key: value)")
    lines = {
        str(k.value): k.start_mark.line + 1
        for k, _ in getattr(node, "value", [])
        if isinstance(k, yaml.ScalarNode)
    }
    return raw, lines


def _config_error(path: Path, problems: list[tuple[int | None, str]]) -> ConfigError:
    """One problem: 'site.yaml:3: key: ...'; several: all of them, one a line."""
    if len(problems) == 1:
        return ConfigError(path, *problems[0])
    listed = "\n".join(
        f"  {path}:{line}: {msg}" if line else f"  {path}: {msg}" for line, msg in problems
    )
    return ConfigError(path, None, f"{len(problems)} bad settings:\n{listed}")


def _problems(raw: dict) -> list[tuple[str, str]]:
    """(key, message) for every unknown key and bad value, in file order."""
    known = {f.name for f in fields(Config)}
    problems = []
    for key, value in raw.items():
        if key not in known:
            problems.append((str(key), f"unknown setting (known: {', '.join(sorted(known))})"))
        else:
            message = _check(key, value)
            if message:
                problems.append((key, message))
    return problems


_LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*$")


def _check(key: str, value) -> str | None:
    """Why `value` is not acceptable for `key`, or None."""
    kind, want = _CHECKS[key]
    if value is None and key == "feed_limit":
        return None
    if (
        not isinstance(value, kind)
        or isinstance(value, bool)
        or (kind is int and value < 1)
        or (kind is str and key != "base_url" and not value.strip())
    ):
        return f"expected {want}, got {value!r}"
    if key == "base_url" and value and not re.match(r"^https?://[^/\s?#]+(/[^\s?#]*)?$", value):
        return f"expected {want}, got {value!r}"
    if key == "language" and not _LANGUAGE.match(value):
        return f"expected {want}, got {value!r}"
    if key == "timezone":
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            return f"unknown time zone {value!r}"
    if key == "date_format":
        try:
            dt.date(2015, 8, 25).strftime(value)
        except ValueError as exc:
            return f"not a date format ({exc})"
    return None


def _normalised(raw: dict) -> dict:
    """Valid settings ready for Config: base_url always ends in '/'."""
    values = dict(raw)
    if values.get("base_url") and not values["base_url"].endswith("/"):
        values["base_url"] += "/"
    return values
