"""`python -m blogarchive ...`: the same command line as build.py and the `blogarchive` script."""

from .cli import run

run()
