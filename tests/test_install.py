"""Install anywhere: a non-editable install builds a site folder from anywhere, with its
templates and static files shipped as package data; the command line's edges."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import ROOT, read_posts, soup

from blogarchive.site import post_path

PROJECT = ("src", "templates", "static", "pyproject.toml", "setup.py", "MANIFEST.in", "README.md")


def clean_env() -> dict:
    """The environment without PYTHONPATH, so only what is installed can be imported."""
    return {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}


def test_a_non_editable_install_builds_a_site_folder_from_anywhere(tmp_path):
    source = tmp_path / "project"  # pip builds in the tree: never in the repo's
    source.mkdir()
    for name in PROJECT:
        copy = shutil.copytree if (ROOT / name).is_dir() else shutil.copy
        copy(ROOT / name, source / name)
    shutil.rmtree(source / "src" / "blogarchive.egg-info", ignore_errors=True)
    venv = tmp_path / "venv"
    subprocess.run(
        [sys.executable, "-m", "venv", "--system-site-packages", "--without-pip", str(venv)],
        check=True,
    )
    python = venv / "bin" / "python"
    # without `wheel` here, pip fetches the build requirements into an isolated environment
    flags = ["--no-build-isolation"] if importlib.util.find_spec("wheel") else []
    pip = subprocess.run(
        [python, "-m", "pip", "install", "-q", "--no-deps", *flags, str(source)],
        capture_output=True,
        text=True,
        env=clean_env(),
        timeout=300,
    )
    assert pip.returncode == 0, pip.stderr
    site_folder = tmp_path / "blog"
    site_folder.mkdir()
    where = subprocess.run(
        [python, "-c", "import blogarchive; print(blogarchive.__file__)"],
        capture_output=True,
        text=True,
        env=clean_env(),
        cwd=site_folder,
    )
    assert Path(where.stdout.strip()).is_relative_to(venv), where  # not the editable checkout
    for name in ("posts", "dumps"):
        shutil.copytree(ROOT / name, site_folder / name)
    shutil.copy(ROOT / "site.yaml", site_folder / "site.yaml")
    (site_folder / "templates").mkdir()  # the site's own: replace by name
    (site_folder / "templates" / "404.html").write_text(
        '{% extends "base.html" %}{% block content %}<h1>Gone fishing</h1>{% endblock %}\n', "utf-8"
    )
    (site_folder / "static").mkdir()
    (site_folder / "static" / "extra.txt").write_text("mine\n", "utf-8")

    done = subprocess.run(
        [venv / "bin" / "blogarchive", "build", "--no-search"],
        cwd=site_folder,
        capture_output=True,
        text=True,
        env=clean_env(),
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    out = site_folder / "site"
    assert all((out / post_path(p)).is_file() for p in read_posts(ROOT / "posts"))
    for name in ("style.css", "reader.css", "favicon.svg"):
        assert (out / "static" / name).read_bytes() == (ROOT / "static" / name).read_bytes()
    assert (out / "static" / "extra.txt").read_text("utf-8") == "mine\n"
    assert soup(out / "404.html").h1.get_text() == "Gone fishing"
    assert soup(out / "index.html").select_one(".site-title")  # built-in list.html
    assert list(out.glob("*/*/*/*/source/index.html"))  # ./dumps was found

    module = subprocess.run(
        [python, "-m", "blogarchive", "--version"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=clean_env(),
    )
    assert module.returncode == 0 and module.stdout.startswith("blogarchive ")


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    return subprocess.run(
        [sys.executable, "-m", "blogarchive", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_a_missing_config_file_is_an_error(tmp_path):
    done = cli("build", "--config", "missing.yaml", cwd=tmp_path)
    assert done.returncode == 2 and not (tmp_path / "site").exists()
    assert done.stderr == (
        "error: python -m blogarchive build: argument --config: missing.yaml: "
        "no such settings file (see python -m blogarchive build --help)\n"
    )


def test_a_bad_port_is_one_clear_line(tmp_path):
    for port in ("99999", "-1", "http"):
        done = cli("serve", "--port", port, cwd=tmp_path)
        assert done.returncode == 2 and done.stderr.count("\n") == 1, done.stderr
        assert "--port: expected a port number from 0 to 65535" in done.stderr


def test_the_commands_work_on_the_folder_they_are_run_in(tmp_path):
    shutil.copytree(ROOT / "tests" / "fixtures" / "posts", tmp_path / "posts")
    (tmp_path / "site.yaml").write_text("title: Run here\n", "utf-8")
    done = cli("build", "--no-search", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert soup(tmp_path / "site" / "index.html").select_one(".site-title").get_text() == "Run here"
