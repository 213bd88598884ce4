"""Command line: `python build.py [import|build|serve] ...`; the only place that prints errors.

Each command module exposes `register(subparsers)`, which adds its parser and sets
`func`; a bare `python build.py` runs import and then build.
"""
from __future__ import annotations

import argparse
import sys

from . import __version__
from .errors import BlogArchiveError


def _parser() -> argparse.ArgumentParser:
    from . import builder, importer, server

    parser = argparse.ArgumentParser(
        prog="build.py",
        description="Recover a blog from raw archive dumps and build it as a static site. "
                    "With no command: import dumps/ into posts/ (keeping edited posts), then build site/.")
    parser.add_argument("--version", action="version", version=f"blogarchive {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    importer.register(sub)
    builder.register(sub)
    server.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        if args.command is None:
            return _default(parser)
        return args.func(args) or 0
    except BlogArchiveError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def _default(parser: argparse.ArgumentParser) -> int:
    """The bare command: an edit-safe import, then a build with default settings."""
    code = main(["import"])
    if code:
        return code
    return main(["build"])
