"""`pip install .` gives a working microlearn: a wheel (not an editable install) that checks the
examples and builds a lesson from a folder that is not the checkout, with its templates and schemas
inside the package."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

from conftest import LESSON_YAML, ROOT, SCRIPT_MD

pytestmark = [pytest.mark.e2e, pytest.mark.media]


def test_every_subpackage_on_disk_is_listed_for_the_wheel():
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    on_disk = {p.parent.relative_to(ROOT).as_posix().replace("/", ".") for p in (ROOT / "pipeline").rglob("__init__.py")}
    assert on_disk <= listed, f"add {sorted(on_disk - listed)} to [tool.setuptools] packages in pyproject.toml"


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """The project built as a wheel and installed (without dependencies: they are this venv's) into a folder."""
    scratch = tmp_path_factory.mktemp("install")
    source = scratch / "source"  # a clean copy: the build writes build/ and *.egg-info beside pyproject.toml
    shutil.copytree(ROOT, source,
                    ignore=shutil.ignore_patterns(".venv", "build", "node_modules", ".git",
                                                  "__pycache__", "*.egg-info"))
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "wheel", "--no-deps", "--no-build-isolation", "-w", str(scratch / "dist"), str(source)],
                   check=True, timeout=600)
    [wheel] = (scratch / "dist").glob("microlearn-*.whl")
    site = scratch / "site"
    subprocess.run([*pip, "install", "--no-deps", "--no-compile", "--target", str(site), str(wheel)],
                   check=True, timeout=600)
    return wheel, site


def microlearn(site: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(site)}
    env.pop("MICROLEARN_TEMPLATES", None)
    return subprocess.run([sys.executable, str(site / "bin" / "microlearn"), *args], capture_output=True, text=True,
                          cwd=cwd, env=env, timeout=900)


def test_the_wheel_holds_every_subpackage_the_templates_and_the_schema(installed):
    wheel, _ = installed
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {"pipeline/lesson/loader.py", "pipeline/review/checks/video.py", "pipeline/_schemas/manifest.schema.json",
            "pipeline/_templates/player/index.html.j2", "pipeline/_templates/themes/classic/theme.yaml",
            "pipeline/_templates/review/checklist.yaml", "pipeline/_templates/scaffold/lesson.yaml.j2",
            "pipeline/locale/ru/LC_MESSAGES/microlearn.mo", "pipeline/locale/ko/LC_MESSAGES/microlearn.mo"} <= names


def test_the_installed_tool_checks_the_examples_and_builds_a_lesson_from_another_folder(installed, tmp_path):
    _, site = installed
    where = subprocess.run([sys.executable, "-c",
                            "import pipeline, pipeline.templates as t; print(pipeline.__file__); "
                            "print(t.default_templates())"],
                           capture_output=True, text=True, cwd=tmp_path,
                           env={**os.environ, "PYTHONPATH": str(site)}, check=True)
    module, templates = where.stdout.split()
    assert Path(module).is_relative_to(site) and Path(templates) == site / "pipeline" / "_templates"

    work = tmp_path / "elsewhere"
    shutil.copytree(ROOT / "content", work / "content")
    checked = microlearn(site, work, "check")
    assert checked.returncode == 0, checked.stdout + checked.stderr

    folder = work / "content" / "first-video"
    folder.mkdir()
    (folder / "lesson.yaml").write_text(LESSON_YAML, encoding="utf-8")
    (folder / "script.md").write_text(SCRIPT_MD, encoding="utf-8")
    built = microlearn(site, work, "build", "-j", "1", "first-video")
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    bundle = work / "build" / "first-video" / "bundle" / "first-video-v1.zip"
    assert {"index.html", "imsmanifest.xml", "manifest.json",
            "video/first-video-16x9.mp4"} <= set(zipfile.ZipFile(bundle).namelist())
