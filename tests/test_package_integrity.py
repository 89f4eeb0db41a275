"""A bundle zip as published, and the phrases that say how an edited copy differs (no build needed:
zips written by the package stage's own writer; tests/test_trust_chain.py edits a really built one)."""
from __future__ import annotations

import hashlib
import zipfile

from pipeline.package.bundle import write_zip
from pipeline.signoff.integrity import differences, layout

ENTRIES = [("index.html", b"<p>hello</p>"), ("manifest.json", b'{"lesson": {}}'), ("video/a.mp4", b"\0" * 4096)]


def _approved(tmp_path):
    path = tmp_path / "x-v1.zip"
    write_zip(path, ENTRIES)
    found, inside = layout(path, read=("manifest.json",))
    return path, found.record(path.name), inside


def test_layout_hashes_the_whole_file_and_each_entry(tmp_path):
    path, record, inside = _approved(tmp_path)
    assert record["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest() and record["bytes"] == path.stat().st_size
    assert record["files"] == {name: hashlib.sha256(data).hexdigest() for name, data in ENTRIES}
    assert inside == {"manifest.json": b'{"lesson": {}}'}
    assert differences(record, layout(path)[0]) == []


def test_a_removed_entry_and_a_rewritten_archive_are_named(tmp_path):
    path, record, _ = _approved(tmp_path)
    write_zip(path, ENTRIES[:2])
    assert differences(record, layout(path)[0]) == ["entry video/a.mp4 was removed"]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:  # same entries, another writer
        for name, data in ENTRIES:
            archive.writestr(name, data)
    assert differences(record, layout(path)[0]) == ["the archive was rewritten: every entry holds the approved bytes, but the zip's own bytes differ"]


def test_several_edits_are_each_named_in_order(tmp_path):
    path, record, _ = _approved(tmp_path)
    write_zip(path, [ENTRIES[0], ("manifest.json", b'{"lesson": {"title": "x"}}'), ENTRIES[2], ("x.js", b"alert(1)")])
    path.write_bytes(b"PK-junk" + path.read_bytes() + b"tail")
    assert differences(record, layout(path)[0]) == ["7 byte(s) were added before the zip", "4 byte(s) were added after the end of the zip",
                                                    "entry x.js was added", "entry manifest.json was changed"]


def test_a_file_that_is_not_a_zip(tmp_path):
    _, record, _ = _approved(tmp_path)
    other = tmp_path / "junk.zip"
    other.write_bytes(b"not a zip at all")
    found, inside = layout(other, read=("manifest.json",))
    assert inside == {} and found.sha256 == hashlib.sha256(b"not a zip at all").hexdigest()
    assert differences(record, found) == ["not a zip archive (File is not a zip file)"]
