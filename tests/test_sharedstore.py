"""The shared object store (pipeline/sharedstore.py) on a local folder: sealed objects, damaged
and partial ones refused, concurrent writers of one object, a second machine's store reusing it."""
from __future__ import annotations

import hashlib
import logging
import multiprocessing
import threading
from pathlib import Path

import pytest

from pipeline.settings import SettingError, Settings
from pipeline.sharedstore import SEAL, SharedStore
from pipeline.stage import ObjectStore

DATA = bytes(range(256)) * 4096  # 1 MiB: more than one read chunk


def store(tmp_path: Path) -> SharedStore:
    return SharedStore((tmp_path / "shared").as_uri())


def test_publish_seals_and_fetch_verifies(tmp_path):
    shared = store(tmp_path)
    source = tmp_path / "made.bin"
    source.write_bytes(DATA)
    shared.publish("ab/abc.bin", source)
    seal = (tmp_path / "shared" / "ab" / ("abc.bin" + SEAL)).read_text().split()
    assert seal == [hashlib.sha256(DATA).hexdigest(), str(len(DATA))]
    assert shared.has("ab/abc.bin")
    assert shared.fetch("ab/abc.bin", tmp_path / "here" / "abc.bin")
    assert (tmp_path / "here" / "abc.bin").read_bytes() == DATA
    assert sorted(p.name for p in (tmp_path / "shared" / "ab").iterdir()) == ["abc.bin", "abc.bin" + SEAL]


@pytest.mark.parametrize("damage", ["flipped", "cut", "unsealed", "missing"])
def test_a_damaged_partial_or_unsealed_object_is_never_used(tmp_path, damage, caplog):
    shared = store(tmp_path)
    source = tmp_path / "made.bin"
    source.write_bytes(DATA)
    shared.publish("ab/abc.bin", source)
    stored = tmp_path / "shared" / "ab" / "abc.bin"
    if damage == "flipped":  # same size, one byte changed: only the hash can tell
        data = bytearray(DATA)
        data[1000] ^= 1
        stored.write_bytes(bytes(data))
    elif damage == "cut":  # a writer that stopped half-way (without our temporary name)
        stored.write_bytes(DATA[: len(DATA) // 2])
    elif damage == "unsealed":
        (stored.parent / (stored.name + SEAL)).unlink()
    else:
        stored.unlink()
    local = tmp_path / "here" / "abc.bin"
    with caplog.at_level(logging.WARNING, "microlearn.cache"):
        assert shared.fetch("ab/abc.bin", local) is False
    assert not local.exists() and not list(local.parent.glob(".*"))  # nothing half-copied left behind
    if damage in ("flipped", "cut"):
        assert "ab/abc.bin is damaged" in caplog.text
    assert shared.has("ab/abc.bin") is (damage == "flipped")  # has() is the cheap check: size only


def _publish_many(url: str, folder: str, rounds: int) -> None:
    shared = SharedStore(url)
    source = Path(folder) / f"src-{multiprocessing.current_process().pid}-{threading.get_ident()}.bin"
    source.write_bytes(DATA)
    for _ in range(rounds):
        shared.publish("cd/same.bin", source)
        local = Path(folder) / f"got-{threading.get_ident()}-{multiprocessing.current_process().pid}.bin"
        assert shared.fetch("cd/same.bin", local), "a reader saw the object while another wrote it"
        assert local.read_bytes() == DATA


def test_concurrent_writers_of_one_object_are_safe(tmp_path):
    """Two processes with three threads each write the same object over and over while reading it
    back: every read is whole and verified, and no temporary name is left."""
    shared = store(tmp_path)
    url = shared.url
    (tmp_path / "work").mkdir()
    ctx = multiprocessing.get_context("spawn")
    processes = [ctx.Process(target=_threads, args=(url, str(tmp_path / "work"))) for _ in range(2)]
    for p in processes:
        p.start()
    _threads(url, str(tmp_path / "work"))
    for p in processes:
        p.join(60)
        assert p.exitcode == 0
    folder = tmp_path / "shared" / "cd"
    assert sorted(p.name for p in folder.iterdir()) == ["same.bin", "same.bin" + SEAL]
    assert (folder / "same.bin").read_bytes() == DATA


def _threads(url: str, folder: str) -> None:
    errors = []

    def work():
        try:
            _publish_many(url, folder, 5)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]


def test_a_second_machine_reuses_pieces_and_remakes_a_damaged_one(tmp_path):
    shared = store(tmp_path)
    made = []

    def make(tmp: Path) -> None:
        made.append(tmp)
        tmp.write_bytes(DATA)

    first = ObjectStore(tmp_path / "one" / "objects", shared)
    piece = first.memo({"what": "piece"}, ".bin", make)
    assert len(made) == 1 and shared.has(first.name(piece))
    second = ObjectStore(tmp_path / "two" / "objects", shared)  # a fresh build folder elsewhere
    assert second.memo({"what": "piece"}, ".bin", make).read_bytes() == DATA
    assert len(made) == 1  # reused, not made
    (tmp_path / "shared" / first.name(piece)).write_bytes(b"\0" * len(DATA))  # damaged in the store
    third = ObjectStore(tmp_path / "three" / "objects", shared)
    assert third.memo({"what": "piece"}, ".bin", make).read_bytes() == DATA
    assert len(made) == 2  # made again, and put back whole
    assert (tmp_path / "shared" / first.name(piece)).read_bytes() == DATA


def test_a_piece_made_before_the_store_was_shared_is_put_there(tmp_path):
    local = ObjectStore(tmp_path / "objects")
    piece = local.memo({"what": "old"}, ".bin", lambda tmp: tmp.write_bytes(DATA))
    shared = store(tmp_path)
    again = ObjectStore(tmp_path / "objects", shared)
    assert again.present(piece) and shared.has(again.name(piece))


def test_settings_name_what_is_wrong_with_the_cluster_variables(tmp_path):
    with pytest.raises(SettingError) as caught:
        Settings.from_environment(tmp_path, tmp_path, environ={"MICROLEARN_CACHE": "/mnt/cache"})
    assert str(caught.value) == ("MICROLEARN_CACHE: '/mnt/cache' is not a URL — write file:///mnt/cache, "
                                 "sftp://user@host/srv/cache or s3://bucket/cache")
    with pytest.raises(SettingError, match="MICROLEARN_EXECUTOR: 'threads' is not an executor — use one of local, processes"):
        Settings.from_environment(tmp_path, tmp_path, environ={"MICROLEARN_EXECUTOR": "threads"})
    settings = Settings.from_environment(tmp_path, tmp_path, environ={"MICROLEARN_SCHEDULER": "tcp://h:8786",
                                                                      "MICROLEARN_CACHE": "sftp://u@h/srv"})
    assert (settings.scheduler, settings.cache, settings.executor) == ("tcp://h:8786", "sftp://u@h/srv", "local")
    chosen = Settings.from_environment(tmp_path, tmp_path, environ={"MICROLEARN_SCHEDULER": "tcp://h:8786"},
                                       scheduler="tcp://other:1")
    assert chosen.scheduler == "tcp://other:1"  # the command line wins
