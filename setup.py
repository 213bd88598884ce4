"""Packaging hook: ship the top-level templates/ and static/ inside the package.

templates/ and static/ stay at the top of the repository (the source of truth, where
designers find them); building a wheel copies them to blogarchive/_theme/, where
blogarchive.resources finds them once installed. Everything else is in pyproject.toml.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
THEME = ("templates", "static")


class build_py_with_theme(build_py):
    """build_py, then a copy of templates/ and static/ into the built package."""

    def run(self):
        super().run()
        for name in THEME:
            target = Path(self.build_lib) / "blogarchive" / "_theme" / name
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(HERE / name, target)


setup(cmdclass={"build_py": build_py_with_theme})
