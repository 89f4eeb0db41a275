"""Cache keys that cannot go stale.

1. Every lesson field a stage reads while it runs is read by its key too (``params`` or ``inputs``):
   the lesson is wrapped in a recorder and a small lesson is built through every real stage. A stage
   that starts reading a field its key omits fails here, naming the field. The transcode stage's
   kept audio track (``assemble.audio_key``: the studio's draft and a second machine on a shared
   store take it instead of making it) is checked the same way: every field the audio chain reads
   is read while its key is made (the plan, all of whose parts are in the key, and the sound).
2. Stage and piece versions are fingerprints of the code, never hand-bumped strings.
"""
from __future__ import annotations

import dataclasses
import re
import threading
import types
from pathlib import Path

import pytest

from conftest import LESSON_YAML, SCRIPT_MD
from pipeline import build as runner
from pipeline.digests import code_fingerprint
from pipeline.lesson.model import Lesson
from pipeline.settings import Settings

PIPELINE = Path(__file__).resolve().parent.parent / "pipeline"
NOT_CONTENT = {"root"}  # where the lesson folder is: the files read from it are hashed as inputs


class Recorder:
    """Stands in for a Lesson and notes which of its fields are read, under the current phase."""

    def __init__(self, lesson: Lesson, reads: dict):
        object.__setattr__(self, "_lesson", lesson)
        object.__setattr__(self, "_reads", reads)
        object.__setattr__(self, "phase", None)
        object.__setattr__(self, "_inner", {})  # thread -> phases within the stage's (the audio chain's own thread)

    @property
    def __class__(self):  # isinstance(recorder, Lesson) holds, as stage code expects
        return Lesson

    def __getattr__(self, name: str):
        lesson = self._lesson
        attribute = getattr(type(lesson), name, None)
        if isinstance(attribute, property):  # computed from fields: record those, through self
            return attribute.fget(self)
        if callable(attribute):  # a method: run it on the recorder, so the fields it reads are recorded
            return types.MethodType(attribute, self)
        for phase in [self.phase, *self._inner.get(threading.get_ident(), ())]:
            if phase is not None:
                self._reads.setdefault(phase, set()).add(name)
        return getattr(lesson, name)


@pytest.mark.e2e
@pytest.mark.media
def test_every_field_a_stage_reads_is_in_its_cache_key(lesson_dir, tmp_path, monkeypatch):
    folder = lesson_dir(LESSON_YAML.replace('formats: ["16:9"]', 'formats: ["16:9", "9:16"]'), SCRIPT_MD)
    reads: dict = {}
    recorders: list[Recorder] = []
    real_load = runner.load_lesson_memo

    def load(*args, **kwargs):
        recorders.append(Recorder(real_load(*args, **kwargs), reads))
        return recorders[-1]

    monkeypatch.setattr(runner, "load_lesson_memo", load)
    stages = runner.default_stages()
    _record_the_audio_chain(monkeypatch)

    settings = Settings(content_dir=folder.parent, build_dir=tmp_path / "build", jobs=1)
    wrapped = [dataclasses.replace(s) for s in stages]
    # the runner asks each stage for its key and then runs it; route both through the recorder
    for index, stage in enumerate(wrapped):
        def key_params(lesson, settings, _s=stages[index]):
            object.__setattr__(lesson, "phase", (_s.name, "key"))
            try:
                return _s.params(lesson, settings)
            finally:
                object.__setattr__(lesson, "phase", None)

        def key_inputs(lesson, _s=stages[index]):
            object.__setattr__(lesson, "phase", (_s.name, "key"))
            try:
                return _s.inputs(lesson)
            finally:
                object.__setattr__(lesson, "phase", None)

        def run(ctx, _s=stages[index]):
            object.__setattr__(ctx.lesson, "phase", (_s.name, "run"))
            try:
                return _s.run(ctx)
            finally:
                object.__setattr__(ctx.lesson, "phase", None)

        wrapped[index] = dataclasses.replace(stage, params=key_params, inputs=key_inputs, run=run,
                                             code=(stage.run.__module__,))
    [report] = runner.build(settings, [folder], stages=wrapped)
    assert report.status == "built", report.errors
    assert {name for name, _ in reads} - {"audio"} == {s.name for s in stages}
    missing = {name: sorted(reads.get((name, "run"), set()) - reads.get((name, "key"), set()) - NOT_CONTENT) for name in
               (s.name for s in stages)}
    assert missing == {s.name: [] for s in stages}, f"read while running but not in the cache key: {missing}"
    chain, key = reads.get(("audio", "run"), set()), reads.get(("audio", "key"), set())
    assert {"music", "school"} <= chain  # the chain ran, through the recorder
    assert sorted(chain - key - NOT_CONTENT) == [], "the audio chain reads fields its kept track's key omits"


def _record_the_audio_chain(monkeypatch) -> None:
    """Note what the audio chain reads (voices measured, the track made) and what its key is made of
    (the plan and the sound), on top of the stage's own phase, in the thread they run in (the
    chain makes the track while the video is encoded)."""
    from pipeline.transcode import assemble, voices

    def phased(function, phase, lesson_of):
        def wrapper(*args, **kwargs):
            inner, me = lesson_of(args)._inner, threading.get_ident()
            inner.setdefault(me, []).append(phase)
            try:
                return function(*args, **kwargs)
            finally:
                inner[me].pop()
        return wrapper

    monkeypatch.setattr(assemble, "make_plan", phased(assemble.make_plan, ("audio", "key"), lambda a: a[0]))
    monkeypatch.setattr(assemble, "_sound", phased(assemble._sound, ("audio", "key"), lambda a: a[0].lesson))
    monkeypatch.setattr(voices, "prepare", phased(voices.prepare, ("audio", "run"), lambda a: a[1]))
    monkeypatch.setattr(assemble, "_audio", phased(assemble._audio, ("audio", "run"), lambda a: a[0].lesson))


def test_stage_and_piece_versions_are_code_fingerprints():
    found = [f"{p.relative_to(PIPELINE)}: {m.group(0)}" for p in sorted(PIPELINE.rglob("*.py"))
             for m in re.finditer(r"^\w*_VERSION = .*$", p.read_text(encoding="utf-8"), re.M)]
    assert found == [], "a hand-bumped version goes stale when someone forgets it: use digests.code_fingerprint"
    assert "version" not in {f.name for f in dataclasses.fields(runner.Stage)}


def test_a_fingerprint_follows_the_code(tmp_path, monkeypatch):
    package = tmp_path / "fingerprinted"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "piece.py").write_text("SIZE = 1\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    first = code_fingerprint("fingerprinted")
    assert code_fingerprint("fingerprinted.piece") != first  # the module alone is another set of files
    (package / "piece.py").write_text("SIZE = 2\n")
    code_fingerprint.cache_clear()
    assert code_fingerprint("fingerprinted") != first
