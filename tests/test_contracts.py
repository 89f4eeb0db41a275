"""The typed contracts between stages: one result type per stage, one round trip through the journal."""
from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from pipeline import records
from pipeline.cache import Components, Journal
from pipeline.contracts import (
    Artifact, CaptionCue, CaptionFiles, CaptionResult, Card, CardImage, CardsResult, Check, Divergence, Level, Loudness,
    PackageResult, PartMatch, ReviewResult, Sentence, SlideSet, SocialResult, Speech, StageResult, TimelinePart,
                                TranscodeResult, Upstream,
    Violation,
)
from pipeline.stages import stages

PIPELINE = Path(__file__).resolve().parent.parent / "pipeline"
LEVEL = Level(-16.02, -1.61, 4.2)

SAMPLES = [
    CardsResult(artifacts=(Artifact("card", "cards/social/01-a.png", "ab" * 32, 1234),),
                checks=(Check("cards.fit", True, 87, 100,
                              "fullest page: cards/social/01-a.png (87% of its text box)"),),
                slides={"16:9": SlideSet("slides/16x9/00-title.png", "slides/16x9/99-end.png",
                                         {"a": "slides/16x9/01-a.png"})},
                cards=(Card("a", "A", "text", "<p>text</p>",
                            (CardImage("media/p.png", "a phone"),), "cards/social/01-a.png"),),
                handout="cards/handout.pdf", theme="classic"),
    TranscodeResult(duration=12.5, frames=375, videos={"16:9": "video/x-16x9.mp4"}, thumbnail="thumbnail.jpg",
                    poster="poster-16x9.jpg", posters={"16:9": "poster-16x9.jpg"},
                    timeline=(TimelinePart("title", 0.0, 2.0),
                              TimelinePart("card", 2.0, 6.5, "a", None, Speech("Hold it.", "speech/01.wav", 2.4, True,
                                                                             (Sentence("Hold it.", 2.4, 3.1),)))),
                    loudness=Loudness(LEVEL, Level(None, None, None), "linear", 0.0, True, "", ("media/short.mp4",)),
                    checks=(Check("loudness.short_clip", None, 2.0, 3.0, "media/short.mp4 lasts 2.0 s"),)),
    CaptionResult(cues=(CaptionCue(1, 2.4, 3.1, ("Hold it.",), 0.91, False, 1),),
                  files=CaptionFiles("captions/x.en.vtt", "captions/x.en.srt", "transcript.txt", "transcript.html"),
                  qc=(Violation(1, 2.4, 3.1, "max_cps", 21.4, 20, "cue 1 at 00:00:02.400: ...", "Hold it.", 1),),
                  rules={"language": "en", "max_cps": 20},
                  divergences=(Divergence(1, 2.0, 3.0, "mismatch", "Hold", "...", (1,)),),
                  parts=(PartMatch(1, 0.93, "aligned"),)),
    ReviewResult(blocking_failures=0, media_digest="cd" * 32,
                 checks=(Check("video.fps", True, 30.0, 30, "16:9", "blocking"),)),
    PackageResult(bundle="bundle/x-v1.zip", digest="ef" * 32, files=15),
]


@pytest.mark.parametrize("result", SAMPLES, ids=lambda r: type(r).__name__)
def test_every_result_type_comes_back_from_the_journal_as_it_went_in(result):
    raw = records.dump(result)
    assert isinstance(raw["artifacts"], list)  # JSON-able: tuples become lists
    again = records.load(type(result), raw)
    assert again == result and type(again) is type(result)


@pytest.mark.parametrize("change, message", [
    (lambda raw: raw.pop("timeline"), "TranscodeResult: field 'timeline' is missing"),
    (lambda raw: raw.update(timelines=raw.pop("timeline")), "TranscodeResult: unknown field 'timelines'"),
    (lambda raw: raw["timeline"][1]["speech"].update(txt=raw["timeline"][1]["speech"].pop("text")),
     "TranscodeResult.timeline[1].speech: unknown field 'txt'"),
    (lambda raw: raw.update(frames="375"), "TranscodeResult.frames: expected int, got str"),
    (lambda raw: raw["loudness"].update(reliable=1), "TranscodeResult.loudness.reliable: expected bool, got int"),
])
def test_a_renamed_or_retyped_field_is_refused_by_name(change, message):
    raw = records.dump(SAMPLES[1])
    change(raw)
    with pytest.raises(records.RecordError) as caught:
        records.load(TranscodeResult, raw)
    assert str(caught.value) == message


def test_a_journal_entry_of_an_older_shape_is_rebuilt_and_says_why(tmp_path):
    journal = Journal.load(tmp_path)
    components = Components(version="1", params={}, inputs={}, tools={}, upstream={})
    result = SAMPLES[4]
    journal.record("package", components, result, tmp_path)
    assert Journal.load(tmp_path).cached("package", components, tmp_path, PackageResult) == (result, [])

    @dataclasses.dataclass(frozen=True, kw_only=True)
    class RenamedPackage(StageResult):  # the same stage after its field "digest" was renamed
        bundle: str
        bundle_digest: str
        files: int

    cached, reasons = Journal.load(tmp_path).cached("package", components, tmp_path, RenamedPackage)
    assert cached is None
    assert reasons == ["its recorded result has an older shape (RenamedPackage: unknown field 'digest')"]


def test_every_stage_declares_its_result_type_and_reads_only_what_it_needs():
    found = stages()
    assert [(s.name, s.result) for s in found] == [
        ("cards", CardsResult), ("transcode", TranscodeResult), ("caption", CaptionResult), ("social", SocialResult),
        ("review", ReviewResult), ("package", PackageResult)]
    readable = {f.name for f in dataclasses.fields(Upstream)}
    for stage in found:
        assert set(stage.needs) <= readable, stage.name
        for field in dataclasses.fields(stage.result):
            assert field.type, (stage.name, field.name)  # every field is annotated, so load() can rebuild it


def test_no_stage_reads_a_string_keyed_result_or_the_environment():
    """Results are read by attribute (ctx.upstream.transcode.timeline); settings come from Settings,
    resolved once in pipeline/settings.py (the ffmpeg gateway, publish's secrets and a cluster worker's own
    input cache folder, a fact of the worker's machine, are the exceptions)."""
    allowed_environ = {"settings.py", "ffmpeg.py", "publish/ledger.py", "publish/targets.py", "publish/config.py",
                       "executors.py"}
    for path in sorted(PIPELINE.rglob("*.py")):
        rel = path.relative_to(PIPELINE).as_posix()
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"\.data\[|\.data\.get\(|upstream\[|upstream\.get\(", text), rel
        if rel not in allowed_environ:
            assert not re.search(r"os\.environ|getenv\(", text), rel
