"""The build runner with small stand-in stages: caching, --explain reasons, failure isolation,
atomic outputs after a kill, the lock, and the JSON document."""
from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import LESSON_YAML, SCRIPT_MD
from pipeline.build import Reporter, build, check
from pipeline.errors import BuildLockedError, MediaError
from pipeline.lock import build_lock
from pipeline.progress import JsonReporter, PlainReporter
from pipeline.stage import Settings, Stage, StageResult

TWO_CARDS = SCRIPT_MD + "\n## Light from a window {#light}\n\nFace the window.\n\nNarration: Face a window for soft light.\n"
TWO_CARDS_YAML = LESSON_YAML.replace("  - type: end", "  - type: card\n    section: light\n  - type: end")


class Recorder(Reporter):
    def __init__(self):
        self.events: list[tuple[str, str, str, str]] = []

    def stage(self, slug, stage, status, detail=""):
        self.events.append((slug, stage, status, detail))


@dataclass(frozen=True, kw_only=True)
class FakeCards(StageResult):
    cards: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class FakeVideo(StageResult):
    duration: int


def fake_stages(calls: list[str]) -> list[Stage]:
    """cards: one file per section; transcode: joins the cards into a "video"; package: a digest of it."""

    def cards(ctx):
        calls.append(f"cards:{ctx.lesson.slug}")
        artifacts = []
        for index, section in enumerate(ctx.lesson.sections):
            rendered = ctx.objects.memo({"card": section.body, "title": section.title}, ".txt", lambda tmp,
                                        s=section: (calls.append(f"render:{s.id}"),
                                                    tmp.write_text(s.title + "\n" + s.body))[1])
            artifacts.append(ctx.copy_artifact("card", f"cards/{index:02d}-{section.id}.txt", rendered))
        return FakeCards(artifacts=tuple(artifacts), cards=tuple(a.path for a in artifacts))

    def video(ctx):
        calls.append(f"video:{ctx.lesson.slug}")
        if "broken" in ctx.lesson.title:
            raise MediaError(f"{ctx.label}/media/clip.mp4", "its video stream cannot be decoded",
                             "export the recording again")
        body = "".join((ctx.out / p).read_text() for p in ctx.upstream.cards.cards)
        return FakeVideo(artifacts=(ctx.artifact("video", "video/lesson.txt",
                                                 lambda tmp: tmp.write_text(body)),), duration=len(body))

    def package(ctx):
        calls.append(f"package:{ctx.lesson.slug}")
        text = (ctx.out / "video/lesson.txt").read_text()
        return StageResult(artifacts=(ctx.artifact("bundle", "bundle/lesson.zip",
                                                   lambda tmp: tmp.write_text(text.upper())),))

    return [
        Stage("cards", (), cards, params=lambda l, s: {"theme": l.theme},
              inputs=lambda l: [l.script], result=FakeCards),
        Stage("transcode", ("cards",), video, params=lambda l, s: {"formats": list(l.formats)}, inputs=lambda l: [],
              tools=lambda s: {"ffmpeg": "test"}, result=FakeVideo),
        Stage("package", ("transcode",), package, params=lambda l, s: {"version": l.version}, inputs=lambda l: []),
    ]


@pytest.fixture
def settings(tmp_path):
    return Settings(content_dir=tmp_path / "content", build_dir=tmp_path / "build", jobs=2)


def test_first_build_runs_everything_then_nothing(lesson_dir, settings):
    folder = lesson_dir(TWO_CARDS_YAML, TWO_CARDS)
    calls: list[str] = []
    [report] = build(settings, [folder], stages=fake_stages(calls))
    assert report.status == "built"
    assert [s.status for s in report.stages] == ["ran", "ran", "ran"]
    assert calls == ["cards:first-video", "render:hold-steady", "render:light",
                     "video:first-video", "package:first-video"]
    assert (settings.build_dir / "first-video/bundle/lesson.zip").read_text().startswith("HOLD THE PHONE STEADY")
    calls.clear()
    [again] = build(settings, [folder], stages=fake_stages(calls))
    assert again.status == "up-to-date"
    assert [s.status for s in again.stages] == ["cached", "cached", "cached"]
    assert calls == []
    assert {a["path"] for a in again.artifacts} == {a["path"] for a in report.artifacts}


def test_changed_card_rebuilds_that_card_and_what_depends_on_it(lesson_dir, settings):
    folder = lesson_dir(TWO_CARDS_YAML, TWO_CARDS)
    calls: list[str] = []
    build(settings, [folder], stages=fake_stages(calls))
    (folder / "script.md").write_text(TWO_CARDS.replace("Face the window.", "Face the window, not away from it."))
    calls.clear()
    recorder = Recorder()
    [report] = build(settings, [folder], reporter=recorder, stages=fake_stages(calls))
    assert calls == ["cards:first-video", "render:light",
                     "video:first-video", "package:first-video"]  # hold-steady not re-rendered
    starts = {stage: detail for _slug, stage, status,
              detail in recorder.events if status == "start" and stage != "check"}
    assert starts == {"cards": "script.md changed", "transcode": "its input from stage 'cards' changed",
                      "package": "its input from stage 'transcode' changed"}


def test_unchanged_output_stops_the_cascade(lesson_dir, settings):
    """A setting that changes nothing downstream (the theme here changes no card text) reruns only its stage."""
    folder = lesson_dir(TWO_CARDS_YAML, TWO_CARDS)
    calls: list[str] = []
    build(settings, [folder], stages=fake_stages(calls))
    (folder / "lesson.yaml").write_text(TWO_CARDS_YAML + "theme: chalk\n")
    calls.clear()
    recorder = Recorder()
    [report] = build(settings, [folder], reporter=recorder, stages=fake_stages(calls))
    if report.status == "invalid":  # no such theme folder in this checkout's templates
        pytest.skip("theme 'chalk' is not installed")
    assert calls == ["cards:first-video"]
    reasons = [d for _s, stage, status, d in recorder.events if status == "start" and stage == "cards"]
    assert reasons == ['setting \'theme\' changed: "classic" → "chalk"']


def test_explain_names_a_missing_output_and_the_build_repairs_it(lesson_dir, settings):
    folder = lesson_dir(TWO_CARDS_YAML, TWO_CARDS)
    calls: list[str] = []
    build(settings, [folder], stages=fake_stages(calls))
    (settings.build_dir / "first-video/video/lesson.txt").unlink()
    calls.clear()
    stream = io.StringIO()
    build(settings, [folder], reporter=PlainReporter(stream, explain=True), stages=fake_stages(calls))
    assert "first-video: transcode: rebuilding because output video/lesson.txt is missing" in stream.getvalue()
    assert "first-video: cards: up to date" in stream.getvalue()
    assert calls == ["video:first-video"]  # same bytes again, so package stays cached
    assert (settings.build_dir / "first-video/video/lesson.txt").is_file()


def test_removed_card_removes_its_stale_output(lesson_dir, settings):
    folder = lesson_dir(TWO_CARDS_YAML, TWO_CARDS)
    build(settings, [folder], stages=fake_stages([]))
    assert (settings.build_dir / "first-video/cards/01-light.txt").is_file()
    (folder / "script.md").write_text(SCRIPT_MD)
    (folder / "lesson.yaml").write_text(LESSON_YAML)
    build(settings, [folder], stages=fake_stages([]))
    assert not (settings.build_dir / "first-video/cards/01-light.txt").exists()


def test_one_failing_lesson_never_stops_the_others(lesson_dir, settings):
    good = lesson_dir(slug="good")
    broken = lesson_dir(LESSON_YAML.replace("title: Recording", "title: broken Recording"), slug="broken")
    invalid = lesson_dir(LESSON_YAML.replace("language: en", "language: xx"), slug="invalid")
    stream = io.StringIO()
    reports = build(settings, [broken, good, invalid], reporter=PlainReporter(stream), stages=fake_stages([]))
    status = {r.slug: r.status for r in reports}
    assert status == {"broken": "failed", "good": "built", "invalid": "invalid"}
    broken_report = next(r for r in reports if r.slug == "broken")
    assert [s.status for s in broken_report.stages] == ["ran", "failed", "not-run"]
    out = stream.getvalue()
    assert f"{broken}/media/clip.mp4: its video stream cannot be decoded — export the recording again" in out
    assert f"{invalid}/lesson.yaml:2:11: language: 'xx' is not one of en, ru, ko" in out
    assert out.rstrip().endswith("3 lessons built, 2 failed")


def test_internal_errors_keep_their_traceback_and_do_not_stop_others(lesson_dir, settings):
    good = lesson_dir(slug="good")
    other = lesson_dir(slug="other")

    def boom(ctx):
        if ctx.lesson.slug == "other":
            raise ZeroDivisionError("division by zero")
        return StageResult()

    stage = Stage("cards", (), boom, params=lambda l, s: {}, inputs=lambda l: [])
    reports = build(settings, [good, other], stages=[stage])
    assert [r.status for r in reports] == ["built", "failed"]
    error = reports[1].errors[0]
    assert error["message"] == "internal error (ZeroDivisionError: division by zero) — please report this with the traceback"
    assert "Traceback" in error["traceback"]


def test_a_killed_build_leaves_previous_outputs_and_the_next_build_repairs(lesson_dir, settings, tmp_path):
    """Kill a build while a stage is writing: the old output stays whole; rerunning finishes the job."""
    folder = lesson_dir(TWO_CARDS_YAML, TWO_CARDS)
    build(settings, [folder], stages=fake_stages([]))
    video = settings.build_dir / "first-video/video/lesson.txt"
    before = video.read_bytes()
    (folder / "script.md").write_text(TWO_CARDS.replace("Face the window.", "Face the bright window."))
    marker = tmp_path / "writing"
    script = textwrap.dedent(f"""
        import sys, time
        sys.path.insert(0, {str(Path(__file__).parent)!r})
        from pathlib import Path
        from test_build_runner import fake_stages
        from pipeline.build import build
        from pipeline.stage import Settings, StageResult
        stages = fake_stages([])
        slow_video = stages[1].run
        def video(ctx):
            def make(tmp):
                tmp.write_text("half-writ")
                Path({str(marker)!r}).write_text("now")
                time.sleep(60)
            ctx.artifact("video", "video/lesson.txt", make)
        stages[1] = stages[1].__class__("transcode", ("cards",), video, stages[1].params, stages[1].inputs, stages[1].tools,
                                        result=stages[1].result)
        build(Settings(Path({str(settings.content_dir)!r}), Path({str(settings.build_dir)!r})), [Path({str(folder)!r})], stages=stages)
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], cwd=tmp_path)
    deadline = time.monotonic() + 30
    while not marker.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert marker.exists(), "the stand-in stage never started writing"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert video.read_bytes() == before  # never half-written
    calls: list[str] = []
    [report] = build(settings, [folder], stages=fake_stages(calls))
    assert report.status == "built"
    assert calls == ["video:first-video", "package:first-video"]  # the cards finished before the kill
    assert b"Face the bright window." in video.read_bytes()
    assert not [p.name for p in video.parent.iterdir() if ".tmp" in p.name]  # the killed run's temp file is swept
    fresh = Settings(settings.content_dir, settings.build_dir.parent / "fresh", 1)
    build(fresh, [folder], stages=fake_stages([]))
    assert (fresh.build_dir / "first-video/bundle/lesson.zip").read_bytes() == (settings.build_dir / "first-video/bundle/lesson.zip").read_bytes()


def test_lock_stops_a_second_build(settings, lesson_dir):
    folder = lesson_dir()
    with build_lock(settings.build_dir):
        with pytest.raises(BuildLockedError) as caught:
            build(settings, [folder], stages=fake_stages([]))
    assert str(caught.value) == f"another build is writing {settings.build_dir} (process {os.getpid()}) — wait for it to finish, or stop it"
    [report] = build(settings, [folder], stages=fake_stages([]))  # released
    assert report.ok


def test_json_document_shape(lesson_dir, settings):
    good = lesson_dir(slug="good")
    bad = lesson_dir(LESSON_YAML.replace("language: en", "language: xx"), slug="bad")
    stream = io.StringIO()
    build(settings, [bad, good], reporter=JsonReporter(stream), stages=fake_stages([]))
    document = json.loads(stream.getvalue())
    assert document["command"] == "build" and document["ok"] is False
    assert document["summary"] == {"lessons": 2, "ok": 1, "failed": 1}
    bad_doc, good_doc = document["lessons"]
    assert bad_doc["status"] == "invalid"
    assert bad_doc["errors"] == [{"kind": "LessonError", "file": f"{bad}/lesson.yaml", "line": 2, "column": 11,
                                  "field": "language", "code": "is-not-one-of",
                                  "message": "'xx' is not one of en, ru, ko", "hint": "write one of: en, ru, ko"}]
    assert good_doc["status"] == "built"
    artifact = good_doc["artifacts"][0]
    assert set(artifact) == {"kind", "path", "sha256", "bytes"} and len(artifact["sha256"]) == 64
    assert [s["name"] for s in good_doc["stages"]] == ["cards", "transcode", "package"]


def test_check_reports_without_building(lesson_dir, settings):
    good = lesson_dir(slug="good")
    bad = lesson_dir(LESSON_YAML.replace("rubric: Teacher craft\n", ""), slug="bad")
    reports = check(settings, [good, bad])
    assert [r.status for r in reports] == ["valid", "invalid"]
    assert not settings.build_dir.exists()


def test_settings_with_tuples_and_paths_stay_cached_across_runs(lesson_dir, settings):
    # the journal stores JSON: a tuple or a Path in a stage's params or tools must compare equal
    # after the round trip, or every build would rebuild the stage ("setting changed: [..] → [..]")
    folder = lesson_dir(TWO_CARDS_YAML, TWO_CARDS)
    calls: list[str] = []
    stages = fake_stages(calls)
    stages[1] = Stage("transcode", ("cards",), stages[1].run, params=lambda l,
                      s: {"formats": tuple(l.formats), "root": l.root},
                      inputs=lambda l: [], tools=lambda s: {"ffmpeg": ("test", 1)}, result=stages[1].result)
    build(settings, [folder], stages=stages)
    calls.clear()
    [again] = build(settings, [folder], stages=stages)
    assert again.status == "up-to-date", [(s.name, s.status, s.reasons) for s in again.stages]
    assert calls == []


def test_remembered_lesson_is_reloaded_when_any_file_of_its_folder_changes(lesson_dir, settings):
    folder = lesson_dir(TWO_CARDS_YAML, TWO_CARDS)
    calls: list[str] = []
    build(settings, [folder], stages=fake_stages(calls))
    assert (settings.build_dir / ".cache" / "lessons" / "first-video.pickle").is_file()
    script = folder / "script.md"
    script.write_text(script.read_text().replace("Face the window.", "Face a bright window."))
    calls.clear()
    [again] = build(settings, [folder], stages=fake_stages(calls))
    assert "render:light" in calls and "render:hold-steady" not in calls
    assert "Face a bright window." in (settings.build_dir / "first-video/cards/01-light.txt").read_text()
    # a damaged memo is ignored, never trusted
    (settings.build_dir / ".cache" / "lessons" / "first-video.pickle").write_bytes(b"\x80garbage")
    calls.clear()
    [third] = build(settings, [folder], stages=fake_stages(calls))
    assert third.status == "up-to-date" and calls == []


def test_summary_ends_with_the_files_to_open_and_status_lines_fit_the_terminal(tmp_path):
    from pipeline.build import LessonReport
    from pipeline.progress import fit, summary_table

    report = LessonReport("first-video", "content/first-video", status="built", seconds=2.0,
                          artifacts=[{"kind": "review", "path": "review/review.json"}, {"kind": "review", "path": "review/index.html"},
                                     {"kind": "video", "path": "video/first-video-16x9.mp4"}, {"kind": "bundle", "path": "bundle/first-video-v1.zip"}])
    lines = summary_table([report], "build", tmp_path / "build").splitlines()
    assert lines[-4:] == ["1 lesson built, all OK",
                          f"open: {tmp_path}/build/first-video/review/index.html (review report)",
                          f"open: {tmp_path}/build/first-video/video/first-video-16x9.mp4 (video)",
                          f"open: {tmp_path}/build/first-video/bundle/first-video-v1.zip (SCORM bundle for the portal)"]
    assert fit("  first-video  transcode … encoding the landscape video", 40) == "  first-video  transcode … encoding the…"
    assert fit("  수업  카드 … 한국어 문장이 아주 길게 이어집니다", 24) == "  수업  카드 … 한국어…"  # 2 cells a Hangul letter
    assert fit("short", 40) == "short"
