"""Helpers for the packaging tests (no tests here): build real lessons, open bundles, validate SCORM XML."""
from __future__ import annotations

import json
import textwrap
import zipfile
from pathlib import Path

import pytest

from conftest import SHARED
from pipeline.build import build
from pipeline.settings import Settings

IMSCP = "http://www.imsproject.org/xsd/imscp_rootv1p1p2"
ADLCP = "http://www.adlnet.org/xsd/adlcp_rootv1p2"
SAFE_NAME = r"^[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)*$"


def write_lesson(folder: Path, yaml: str, script: str) -> Path:
    (folder / "media").mkdir(parents=True, exist_ok=True)
    (folder / "lesson.yaml").write_text(textwrap.dedent(yaml), encoding="utf-8")
    (folder / "script.md").write_text(textwrap.dedent(script), encoding="utf-8")
    return folder


def build_lesson(folder: Path, build_dir: Path):
    """Build one lesson folder with the real stages, in-process; returns its LessonReport."""
    settings = Settings.from_environment(folder.parent, build_dir, jobs=1)  # as the CLI resolves them
    [report] = build(settings, [folder])
    return report


def bundle_of(build_dir: Path, slug: str) -> tuple[Path, dict]:
    """The bundle zip of a built lesson and its bundle/manifest.json."""
    folder = build_dir / slug / "bundle"
    [zip_path] = folder.glob("*.zip")
    return zip_path, json.loads((folder / "manifest.json").read_text(encoding="utf-8"))


def zip_entries(zip_path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(zip_path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def scorm_schema():
    """SCORM 1.2's own schemas from ../shared/scorm12-xsd (never copied into the project), as lxml loads them:
    a wrapper importing IMS CP 1.1.2 and ADL CP 1.2, and ims_xml.xsd without the default-namespace binding
    libxml2 refuses (see that folder's README)."""
    from lxml import etree

    folder = SHARED / "scorm12-xsd"
    if not folder.is_dir():
        pytest.skip("../shared/scorm12-xsd is not present beside the project: the SCORM 1.2 XSDs are needed to validate")
    fixed_xml = (folder / "ims_xml.xsd").read_text(encoding="utf-8").replace(' xmlns="http://www.w3.org/XML/1998/namespace"', "", 1)

    class Resolver(etree.Resolver):
        def resolve(self, url, pubid, context):
            if url.endswith("ims_xml.xsd"):
                return self.resolve_string(fixed_xml, context)
            return None

    parser = etree.XMLParser()
    parser.resolvers.add(Resolver())
    wrapper = f"""<xsd:schema xmlns:xsd="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:microlearn:scorm12-wrapper">
  <xsd:import namespace="{IMSCP}" schemaLocation="{(folder / 'imscp_rootv1p1p2.xsd').as_uri()}"/>
  <xsd:import namespace="{ADLCP}" schemaLocation="{(folder / 'adlcp_rootv1p2.xsd').as_uri()}"/>
</xsd:schema>"""
    return etree.XMLSchema(etree.fromstring(wrapper.encode(), parser, base_url=folder.as_uri() + "/"))
