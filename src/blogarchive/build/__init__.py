"""The build command's machinery, posts/ -> site/; `pipeline.py` is the build as its steps.

scan.py      post files and their content keys      keys.py     content keys, fingerprints
digest.py    what pages need of a post               cache.py    the persistent build cache
plan.py      every page and feed planned as data     workers.py  what worker processes do
pool.py      forked workers                          output.py   new tree, keep, swap, lock
manifest.py  the last build's record of its files    report.py   counts and step times
"""

from .pipeline import BuildOptions, build
from .report import Report

__all__ = ["BuildOptions", "Report", "build"]
