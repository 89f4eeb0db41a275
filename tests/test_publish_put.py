"""``put`` on a folder target: nothing sent twice, damaged or stale partials never reach the final name."""
from __future__ import annotations

import hashlib
import os

import pytest

from pipeline.publish.config import FolderTarget, PublishError
from pipeline.publish.targets import FolderConnection, partial_name, put

DATA = bytes(range(256)) * 1000  # 256 kB, several chunks


@pytest.fixture
def conn(tmp_path):
    return FolderConnection(FolderTarget("share", tmp_path))


def test_put_then_nothing_the_second_time(conn, tmp_path):
    assert put(conn, DATA, "bundles/a.zip") is True
    before = os.stat(tmp_path / "bundles" / "a.zip")
    assert put(conn, DATA, "bundles/a.zip") is False
    after = os.stat(tmp_path / "bundles" / "a.zip")
    assert (before.st_ino, before.st_mtime_ns) == (after.st_ino, after.st_mtime_ns)
    assert sorted(os.listdir(tmp_path / "bundles")) == ["a.zip"]


def test_changed_content_replaces_the_file(conn, tmp_path):
    put(conn, DATA, "a.zip")
    assert put(conn, DATA[::-1], "a.zip") is True
    assert (tmp_path / "a.zip").read_bytes() == DATA[::-1]


def test_resume_appends_to_a_good_partial(conn, tmp_path):
    sha = hashlib.sha256(DATA).hexdigest()
    (tmp_path / partial_name("a.zip", sha)).write_bytes(DATA[:100_000])
    sent = []
    assert put(conn, DATA, "a.zip", progress=lambda rel, n, total: sent.append(n)) is True
    assert min(sent) > 100_000 and sent[-1] == len(DATA)
    assert (tmp_path / "a.zip").read_bytes() == DATA
    assert os.listdir(tmp_path) == ["a.zip"]


def test_a_damaged_partial_is_sent_again_from_the_start(conn, tmp_path):
    sha = hashlib.sha256(DATA).hexdigest()
    (tmp_path / partial_name("a.zip", sha)).write_bytes(b"\xff" * 5000)  # right name, wrong bytes
    sent = []
    put(conn, DATA, "a.zip", progress=lambda rel, n, total: sent.append(n))
    assert sent.count(len(DATA)) == 2  # the resumed copy failed verification; the second went from byte 0
    assert (tmp_path / "a.zip").read_bytes() == DATA
    assert os.listdir(tmp_path) == ["a.zip"]


def test_partials_of_older_contents_are_removed(conn, tmp_path):
    (tmp_path / ".a.zip.0123456789abcdef.part").write_bytes(b"old")
    (tmp_path / ".b.zip.0123456789abcdef.part").write_bytes(b"another file's")
    put(conn, DATA, "a.zip")
    assert sorted(os.listdir(tmp_path)) == [".b.zip.0123456789abcdef.part", "a.zip"]


def test_missing_folder_says_what_to_do(tmp_path):
    with pytest.raises(PublishError) as caught:
        FolderConnection(FolderTarget("share", tmp_path / "nope"))
    assert str(caught.value) == (f"share: the folder {tmp_path / 'nope'} does not exist — mount the share or create the folder, "
                                 "or fix 'path' in publish.yaml")


def test_a_local_file_that_is_not_the_expected_one_is_refused_and_nothing_is_published(conn, tmp_path):
    """The sha256 a bundle must have is the approved one: the bytes read while sending are hashed
    and compared, so a file changed after it was checked never takes the final name."""
    from pipeline.publish.targets import SourceChanged

    local = tmp_path / "local.zip"
    local.write_bytes(DATA[:-1] + b"!")  # same size, one byte changed after the check
    approved = hashlib.sha256(DATA).hexdigest()
    with pytest.raises(SourceChanged) as caught:
        put(conn, local, "bundles/a.zip", measured=(approved, len(DATA)))
    assert str(caught.value) == (f"share: bundles/a.zip: the local file {local} is not the one to publish (sha256 "
                                 f"{hashlib.sha256(local.read_bytes()).hexdigest()[:12]}, {len(DATA)} bytes; expected {approved[:12]}, "
                                 f"{len(DATA)} bytes) — it changed after it was checked; nothing was published, run publish again")
    assert os.listdir(tmp_path / "bundles") == []  # no final file and no partial


def test_a_resumed_upload_hashes_the_part_already_sent(conn, tmp_path):
    """A partial left on the target is trusted only if the local file's first bytes hash along with the rest."""
    from pipeline.publish.targets import SourceChanged

    sha = hashlib.sha256(DATA).hexdigest()
    (tmp_path / partial_name("a.zip", sha)).write_bytes(DATA[:100_000])
    local = tmp_path / "local.zip"
    local.write_bytes(b"\0" * 100_000 + DATA[100_000:])  # the tail matches, the head the target already has does not
    with pytest.raises(SourceChanged, match="is not the one to publish"):
        put(conn, local, "a.zip", measured=(sha, len(DATA)))
    assert sorted(os.listdir(tmp_path)) == ["local.zip"]
