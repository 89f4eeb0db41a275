"""The packaging stage on a real lesson built from tiny media: what the bundle holds, its manifest and
schema, SCORM 1.2 XML against the real XSDs, byte-identical rebuilds and the portal size limit."""
from __future__ import annotations

import copy
import hashlib
import json
import re
import shutil
import zipfile

import jsonschema
import pytest
from lxml import etree

from conftest import make_image
from pipeline.lesson.loader import lesson_label
from pipeline.package import names
from pipeline.package.bundle import bundle_digest
from pipeline.settings import DEFAULT_LIMIT, SettingError, parse_size
from pipeline.package.manifest import SCHEMA_FILE, ManifestError, problems, validate
from package_helpers import ADLCP, IMSCP, SAFE_NAME, build_lesson, bundle_of, scorm_schema, write_lesson, zip_entries

pytestmark = [pytest.mark.media, pytest.mark.e2e]

YAML = """\
title: Holding the phone
language: en
authors:
  - name: Anna Petrova
    school: Lyceum 1
rubric: Teacher craft
tags: [video, phone]
licence: CC-BY-4.0
objectives:
  - Hold a phone steady
audience: teachers
formats: ["16:9"]
version: "2"
sequence:
  - type: title
    duration: 2
  - type: card
    section: hold-steady
  - type: end
    credits: [Anna Petrova]
    duration: 2
"""

SCRIPT = """\
# Holding the phone

## Hold the phone steady {#hold-steady}

- Use both hands
- Lean on a table

![A blue square standing for a phone](media/phone.png)

Narration: Hold the phone with both hands. Lean on a table to keep it steady.
"""


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("package")
    folder = write_lesson(root / "content" / "holding", YAML, SCRIPT)
    make_image(folder / "media" / "phone.png", size="320x240")
    report = build_lesson(folder, root / "build")
    assert report.ok, report.errors
    return root, folder, report


def test_bundle_holds_media_player_and_scorm_but_not_the_review(built):
    root, _, report = built
    zip_path, manifest = bundle_of(root / "build", "holding")
    assert zip_path.name == "holding-v2.zip"
    entries = zip_entries(zip_path)
    assert set(entries) == {
        "captions/holding.en.srt", "captions/holding.en.vtt", "cards/handout-letter.pdf", "cards/handout.pdf", "cards/social/01-hold-steady.png",
        "cards/square/01-hold-steady.png", "cmi5.xml", "cmi5.js", "imsmanifest.xml", "index.html", "manifest.json", "media/phone.png",
        "player.css", "player.js", "poster-16x9.jpg", "thumbnail.jpg", "transcript.html", "transcript.txt", "video/holding-16x9.mp4",
        "video/holding-16x9-cover.jpg"}
    assert not any(name.startswith(("review/", "speech/", "slides/")) for name in entries)
    # the copy beside the zip is the manifest inside it, byte for byte
    assert entries["manifest.json"] == (root / "build/holding/bundle/manifest.json").read_bytes()
    # every file but manifest.json is listed with its true sha256, size and kind
    listed = {f["path"]: f for f in manifest["files"]}
    assert set(listed) == set(entries) - {"manifest.json"}
    for path, entry in listed.items():
        assert entry["sha256"] == hashlib.sha256(entries[path]).hexdigest() and entry["bytes"] == len(entries[path]), path
    assert {listed[p]["kind"] for p in ("index.html", "player.js", "player.css", "cmi5.js")} == {"player"}
    assert listed["cmi5.xml"]["kind"] == "cmi5"
    assert (listed["imsmanifest.xml"]["kind"], listed["media/phone.png"]["kind"],
            listed["video/holding-16x9.mp4"]["kind"]) == ("scorm", "image", "video")
    # the digest recomputed here from the zip's own bytes
    lines = "".join(f"{p} {hashlib.sha256(entries[p]).hexdigest()}\n" for p in sorted(entries) if p != "manifest.json")
    assert manifest["digest"] == hashlib.sha256(lines.encode()).hexdigest() == bundle_digest(manifest["files"])
    package = report.results["package"]
    assert (package.bundle, package.digest, package.files) == ("bundle/holding-v2.zip", manifest["digest"], 19)
    assert manifest["lesson"] == {"slug": "holding", "version": "2", "title": "Holding the phone", "language": "en", "rubric": "Teacher craft",
                                  "tags": ["video", "phone"], "licence": "CC-BY-4.0", "authors": [{"name": "Anna Petrova", "school": "Lyceum 1"}],
                                  "objectives": ["Hold a phone steady"], "audience": "teachers", "school": "Lyceum 1"}  # no school: block: the author's school
    assert manifest["durations"]["total"] == pytest.approx(report.results["transcode"].duration)
    assert manifest["launch"] == "index.html" and manifest["tool"]["name"] == "microlearn"


def test_zip_entries_are_normalised(built):
    root, _, _ = built
    zip_path, _ = bundle_of(root / "build", "holding")
    with zipfile.ZipFile(zip_path) as archive:
        assert archive.testzip() is None
        infos = archive.infolist()
    assert [i.filename for i in infos] == sorted(i.filename for i in infos)
    for info in infos:
        assert info.date_time == (1980, 1, 1, 0,
                                  0, 0) and info.external_attr >> 16 == 0o644 and info.create_system == 3, info.filename
        media = info.filename.endswith((".mp4", ".png", ".jpg", ".pdf"))
        assert info.compress_type == (zipfile.ZIP_STORED if media else zipfile.ZIP_DEFLATED), info.filename


def test_manifest_follows_the_schema_and_hand_broken_ones_are_rejected(built):
    root, _, _ = built
    _, manifest = bundle_of(root / "build", "holding")
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(manifest, schema, cls=jsonschema.Draft202012Validator)  # the independent validator agrees
    assert problems(manifest) == []

    broken = copy.deepcopy(manifest)
    del broken["digest"]
    broken["files"][0]["sha256"] = "not-a-hash"
    broken["files"][1]["path"] = "cards/카드.png"
    broken["lesson"]["language"] = "fr"
    broken["lesson"]["authors"] = []
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, schema, cls=jsonschema.Draft202012Validator)
    found = problems(broken)
    assert len(found) == 5, found
    assert "(top level): 'digest' is a required property" in found
    assert any(f.startswith("files/0/sha256: 'not-a-hash' does not match") for f in found)
    assert any(f.startswith("files/1/path: 'cards/카드.png' does not match") for f in found)
    assert "lesson/language: 'fr' is not one of ['en', 'ru', 'ko']" in found
    with pytest.raises(ManifestError) as caught:
        validate(broken, "content/holding")
    assert str(caught.value).startswith("content/holding: the manifest does not follow manifest.schema.json (5 "
                                        "problem(s)):\n  ")
    unknown = dict(manifest, extra=1)
    assert problems(unknown) == ["(top level): Additional properties are not allowed ('extra' was unexpected)"]


def test_imsmanifest_is_valid_scorm_12(built):
    root, _, _ = built
    zip_path, _ = bundle_of(root / "build", "holding")
    entries = zip_entries(zip_path)
    schema = scorm_schema()
    document = etree.fromstring(entries["imsmanifest.xml"])
    assert schema.validate(document), schema.error_log
    ns = {"cp": IMSCP, "adlcp": ADLCP}
    assert document.findtext("cp:metadata/cp:schema", namespaces=ns) == "ADL SCORM"
    assert document.findtext("cp:metadata/cp:schemaversion", namespaces=ns) == "1.2"
    [organization] = document.findall("cp:organizations/cp:organization", ns)
    assert document.find("cp:organizations", ns).get("default") == organization.get("identifier")
    [item] = organization.findall("cp:item", ns)
    assert item.findtext("cp:title", namespaces=ns) == "Holding the phone"
    [resource] = document.findall("cp:resources/cp:resource", ns)
    assert resource.get("identifier") == item.get("identifierref")
    assert (resource.get("type"), resource.get(f"{{{ADLCP}}}scormtype"), resource.get("href")) == ("webcontent",
            "sco", "index.html")
    assert sorted(f.get("href") for f in resource.findall("cp:file", ns)) == sorted(set(entries) - {"imsmanifest.xml"})
    # the validator does reject a broken package description
    del resource.attrib["identifier"]
    etree.SubElement(resource, f"{{{IMSCP}}}bogus")
    assert not schema.validate(document)


def test_a_rebuild_from_scratch_gives_the_same_bundle_bytes(built, tmp_path):
    root, folder, _ = built
    again = build_lesson(folder, tmp_path / "build")
    assert again.ok, again.errors
    first, _ = bundle_of(root / "build", "holding")
    second, _ = bundle_of(tmp_path / "build", "holding")
    assert first.read_bytes() == second.read_bytes()
    assert (root / "build/holding/bundle/manifest.json").read_bytes() == (tmp_path / "build/holding/bundle/manifest.json").read_bytes()


def test_portal_limit_is_checked_before_packaging_and_is_part_of_the_cache_key(built, tmp_path, monkeypatch):
    root, folder, _ = built
    build_dir = tmp_path / "build"
    shutil.copytree(root / "build", build_dir)
    bundle = next((build_dir / "holding" / "bundle").glob("*.zip"))
    before = bundle.read_bytes()
    monkeypatch.setenv("MICROLEARN_PORTAL_LIMIT", "100KB")
    report = build_lesson(folder, build_dir)
    assert report.status == "failed"
    assert [(s.name, s.status) for s in report.stages][-1] == ("package", "failed")
    [package] = [s for s in report.stages if s.name == "package"]
    assert "setting 'portal_limit' changed: 500000000 → 100000" in package.reasons, package.reasons
    [error] = report.errors
    video = (build_dir / "holding/video/holding-16x9.mp4").stat().st_size
    assert error["kind"] == "BundleTooLarge"
    assert re.match(rf"^{re.escape(lesson_label(folder))}: the bundle would hold [\d.]+ [KM]B, over the portal limit of 100\.0 KB "
                    rf"\(largest: video/holding-16x9\.mp4 {video / 1e3:.1f} KB, video/holding-16x9-cover\.jpg [\d.]+ KB, "
                    r"cards/social/01-hold-steady\.png ", error["message"]), error["message"]
    assert error["message"].endswith("— shorten the lesson or drop a format in lesson.yaml, or if your portal takes more, "
                                     "set MICROLEARN_PORTAL_LIMIT (e.g. MICROLEARN_PORTAL_LIMIT=1GB)")
    assert bundle.read_bytes() == before  # nothing half-written
    monkeypatch.setenv("MICROLEARN_PORTAL_LIMIT", "1GB")
    assert build_lesson(folder, build_dir).ok


def test_sizes_parse_and_a_bad_one_is_explained():
    assert parse_size("500MB", "X") == DEFAULT_LIMIT == 500_000_000
    assert (parse_size("2 gb", "X"), parse_size("750MiB", "X"), parse_size("12345", "X")) == (2_000_000_000,
            750 * 2**20, 12345)
    with pytest.raises(SettingError,
                       match=r"^MICROLEARN_PORTAL_LIMIT: 'lots' is not a size — write it like 500MB, 2GB or 750MiB$"):
        parse_size("lots", "MICROLEARN_PORTAL_LIMIT")


def test_bundle_names_are_ascii_safe_and_unique():
    assigned = names.assign(["cards/social/01-зачем-рубрики.png", "cards/social/02-교사-크리에이터.png", "media/Фото.JPG",
                             "media/photo.png", "media/Photo.png", "video/a-16x9.mp4", "media/café au lait.png"])
    assert assigned["video/a-16x9.mp4"] == "video/a-16x9.mp4"
    assert assigned["media/Photo.png"] == "media/Photo.png" and assigned["media/photo.png"] == "media/photo-2.png"
    assert re.fullmatch(r"cards/social/01-[0-9a-f]{8}\.png", assigned["cards/social/01-зачем-рубрики.png"])
    assert re.fullmatch(r"cards/social/02-[0-9a-f]{8}\.png", assigned["cards/social/02-교사-크리에이터.png"])
    assert re.fullmatch(r"media/cafe-au-lait-[0-9a-f]{8}\.png", assigned["media/café au lait.png"])
    assert re.fullmatch(r"media/[0-9a-f]{8}\.JPG", assigned["media/Фото.JPG"])
    assert all(re.fullmatch(SAFE_NAME, name) for name in assigned.values())
    assert len({name.lower() for name in assigned.values()}) == len(assigned)
    assert names.assign(list(reversed(list(assigned)))) == assigned  # same names whatever the order
