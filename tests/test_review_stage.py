"""The review stage on a really built lesson whose faults are known: a clip that flashes five
times a second for 1.5 s and falls silent for 4 s between two spoken sentences (espeak-ng).
Exactly those checks must trip; the report renders in headless Chromium; approving is refused
while a blocking check fails. One lesson is built per module (tiny media, one format)."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

import av
import numpy as np
import pytest
from lxml import html as lxml_html

from conftest import needs_tool, run_ffmpeg
from pipeline.signoff.approval import ApprovalError, approval_status, approve
from pipeline.signoff.keys import generate_key
from pipeline.build import build
from pipeline.lesson.loader import load_lesson
from pipeline.review import measure
from pipeline.signoff.checklist import load_checklist
from pipeline.stage import Settings

pytestmark = [pytest.mark.media, needs_tool("espeak-ng"), pytest.mark.e2e]

SLUG = "faulty-clip"
FIRST, SECOND = "Hold the phone with both hands.", "Lean on a table to keep it steady."
LESSON = f"""\
title: A clip with known faults
language: en
authors:
  - name: Anna Petrova
    school: Lyceum 1
rubric: Teacher craft
tags: [video]
licence: CC-BY-4.0
objectives:
  - See what the review measures
audience: teachers
school:
  name: Lyceum 1
formats: ["16:9"]
max_duration: 60
sequence:
  - type: title
    duration: 2
  - type: clip
    file: media/clip.mp4
    says: {FIRST} {SECOND}
  - type: card
    section: steady
  - type: end
    duration: 2
"""
SCRIPT = """\
# A clip with known faults

## Keep it steady {#steady}

- Both hands

Narration: Keep the phone steady.
"""
FLASH = (0.5, 2.0)  # s inside the clip: black/white every 3 frames = 5 flashes a second
SILENCE = 4.0  # s between the two sentences


def make_clip(media: Path) -> float:
    """Speech, 4 s of digital silence, speech; a picture that flashes for 1.5 s, then testsrc2."""
    for name, text in (("a", FIRST), ("b", SECOND)):
        subprocess.run(["espeak-ng", "-v", "en", "-w", str(media / f"{name}.wav"), text],
                       check=True, stdin=subprocess.DEVNULL)
    run_ffmpeg("-i", str(media / "a.wav"), "-f", "lavfi", "-t", str(SILENCE), "-i", "anullsrc=r=22050:cl=mono",
               "-i", str(media / "b.wav"),
               "-filter_complex", "[0:a][1:a][2:a]concat=n=3:v=0:a=1[a]", "-map", "[a]", "-ar",
               "48000", str(media / "speech.wav"))
    with av.open(str(media / "speech.wav")) as container:
        seconds = float(container.duration / 1_000_000)
    flash = f"color=c=white:s=320x180:r=30:d={FLASH[1] - FLASH[0]},geq=lum='if(lt(mod(N\\,6)\\,3)\\,235\\,16)':cb=128:cr=128"
    run_ffmpeg("-f", "lavfi", "-i", f"testsrc2=s=320x180:r=30:d={FLASH[0]}", "-f", "lavfi", "-i", flash,
               "-f", "lavfi", "-i", f"testsrc2=s=320x180:r=30:d={seconds - FLASH[1]}", "-i", str(media / "speech.wav"),
               "-filter_complex", "[0:v][1:v][2:v]concat=n=3:v=1:a=0,format=yuv420p[v]", "-map", "[v]", "-map", "3:a",
               "-c:v", "libx264", "-preset", "veryfast", "-c:a", "aac", "-shortest", str(media / "clip.mp4"))
    for name in ("a.wav", "b.wav", "speech.wav"):
        (media / name).unlink()
    return seconds


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("review")
    lesson = root / "content" / SLUG
    (lesson / "media").mkdir(parents=True)
    (lesson / "lesson.yaml").write_text(LESSON, encoding="utf-8")
    (lesson / "script.md").write_text(SCRIPT, encoding="utf-8")
    make_clip(lesson / "media")
    settings = Settings(content_dir=root / "content", build_dir=root / "build", jobs=1)
    reports = build(settings, [lesson])
    assert reports[0].ok, reports[0].errors
    out = root / "build" / SLUG
    review = json.loads((out / "review" / "review.json").read_text(encoding="utf-8"))
    return root, out, review, reports[0]


def failing(review: dict) -> set[str]:
    return {c["id"] for c in review["checks"] if c["passed"] is False}


def test_exactly_the_known_faults_trip(built):
    _, _, review, _ = built
    # espeak-ng speech peaks about 17 dB above its loudness, more than the 14.5 dB that linear gain to
    # -16 LUFS with a -1.5 dBTP ceiling allows: the transcode stage limits, and says so (advisory)
    assert failing(review) == {"flashes.wcag",
                               "silence.long", "loudness.mode"}, [c for c in review["checks"] if c["passed"] is False]
    assert review["blocking_failures"] == 1
    by_id = {c["id"]: c for c in review["checks"] if len({x["id"] for x in review["checks"] if x["id"] == c["id"]}) == 1}
    assert by_id["flashes.wcag"]["severity"] == "blocking" and by_id["flashes.wcag"]["value"] == 5 and by_id["flashes.wcag"]["limit"] == 3
    assert by_id["flashes.wcag"]["hint"].startswith("remove or slow down the flashing part")
    assert by_id["silence.long"]["severity"] == "advisory" and abs(by_id["silence.long"]["value"] - SILENCE) < 0.4
    assert by_id["loudness.integrated"]["passed"] is True and abs(by_id["loudness.integrated"]["value"] + 16) <= 1
    assert by_id["captions.coverage"]["passed"] is True and by_id["captions.coverage"]["value"] == 1.0
    assert by_id["loudness.mode"]["severity"] == "advisory" and by_id["loudness.mode"]["value"] == "limited"
    for item in review["checks"]:  # the contract others read
        assert set(item) == {"id", "title", "severity", "passed", "value", "limit", "hint", "detail"}


def test_loudness_agrees_with_an_independent_meter(built):
    """pyloudnorm (BS.1770) on the audio decoded by PyAV: the house target the check reports."""
    import pyloudnorm

    _, out, review, _ = built
    with av.open(str(next((out / "video").glob("*.mp4")))) as container:
        samples = np.concatenate([f.to_ndarray() for f in container.decode(audio=0)], axis=1).T
    measured = pyloudnorm.Meter(48000).integrated_loudness(samples)
    reported = next(c["value"] for c in review["checks"] if c["id"] == "loudness.integrated")
    assert abs(measured - reported) < 0.5 and abs(measured + 16) <= 1


def test_failures_come_first(built):
    _, _, review, _ = built
    order = [{False: 0, None: 1, True: 2}[c["passed"]] for c in review["checks"]]
    assert order == sorted(order)
    assert review["checks"][0]["id"] == "flashes.wcag"


def test_the_flash_and_silence_are_placed_where_they_are(built):
    """Independent of the checks: the clip starts after the 2 s title, so the faults do too."""
    _, _, review, _ = built
    clip_start = 2.0
    silent = [s for s in review["signals"]["silent"] if s["seconds"] > 3]
    assert len(silent) == 1 and clip_start + 1.0 < silent[0]["start"] < clip_start + 3.5
    assert abs(review["flashes"]["at"] - (clip_start + FLASH[0])) < 0.3


def test_flash_count_agrees_with_an_independent_luminance_reading(built):
    """Mean luma of every frame read with PyAV at full size: swings of more than 10% of the range."""
    _, out, review, _ = built
    video = next((out / "video").glob("*.mp4"))
    means = []
    with av.open(str(video)) as container:
        for frame in container.decode(video=0):
            means.append(frame.to_ndarray(format="gray").mean())
    swings = np.abs(np.diff(means)) > 0.1 * 219
    best = max(int(swings[i:i + 30].sum()) for i in range(len(swings) - 30))
    assert best // 2 == review["flashes"]["most_per_second"] == 5


def test_the_checks_table_in_the_report_matches_review_json(built):
    _, out, review, _ = built
    tree = lxml_html.fromstring((out / "review" / "index.html").read_bytes())
    rows = tree.xpath("//table[@id='checks']/tbody/tr")
    assert [r.get("data-check") for r in rows] == [c["id"] for c in review["checks"]]
    assert [i.get("data-item") for i in tree.xpath("//ol[@id='checklist']/li")] == [i.id for i in load_checklist()]
    assert tree.xpath("//p[@id='approval']/@data-state") == ["missing"]


def test_build_summary_says_the_approval_is_missing(built):
    root, _, _, report = built
    assert report.approval == {"state": "missing",
                               "reason": f"not approved: {root.resolve() / 'approvals' / (SLUG + '.json')} does not exist — "
                                                            "a reviewer listed in reviewers.yaml runs: make approve "
                                                            f"LESSON={SLUG}"}
    assert report.as_dict()["approval"] == report.approval


def test_approving_is_refused_while_a_blocking_check_fails(built, tmp_path):
    root, _, _, _ = built
    public = generate_key(tmp_path / "kim")
    (root / "reviewers.yaml").write_text(f"reviewers:\n  - name: Kim Minji\n    public_key: {public}\n", encoding="utf-8")
    answers = {item.id: {"ok": True, "note": ""} for item in load_checklist()}
    lesson = load_lesson(root / "content" / SLUG, probe_media=False)
    with pytest.raises(ApprovalError,
                       match=r"^faulty-clip: 1 blocking check fails \(flashes.wcag\) — fix it and rebuild"):
        approve(root, root / "build", lesson, root / "build" / SLUG / "bundle" / f"{SLUG}-v1.zip", "Kim Minji",
                tmp_path / "kim", answers)
    assert approval_status(root, root / "build", lesson,
                           root / "build" / SLUG / "bundle" / f"{SLUG}-v1.zip").state == "missing"


def test_the_review_digest_covers_every_file_shown(built):
    import hashlib

    _, out, review, _ = built
    state = json.loads((out / ".state.json").read_text(encoding="utf-8"))
    files = sorted(f"{a['path']} {hashlib.sha256((out / a['path']).read_bytes()).hexdigest()}\n"
                   for stage in ("cards",
                                 "transcode", "caption") for a in state["stages"][stage]["result"]["artifacts"])
    assert review["media_digest"] == hashlib.sha256("".join(files).encode()).hexdigest()


def test_signal_parsing_on_real_ffmpeg_output(tmp_path):
    """A 3 s black silent stretch then 2 s of tone: the parser finds both, closing open stretches at the end."""
    clip = tmp_path / "t.mp4"
    run_ffmpeg("-f", "lavfi", "-i", "color=c=black:s=160x90:r=30:d=3", "-f", "lavfi", "-i",
               "testsrc2=s=160x90:r=30:d=2",
               "-f", "lavfi", "-i", "anullsrc=r=48000:cl=mono:d=3", "-f", "lavfi", "-i", "sine=f=440:r=48000:d=2",
               "-filter_complex", "[0:v][1:v]concat=n=2:v=1:a=0[v];[2:a][3:a]concat=n=2:v=0:a=1[a]", "-map", "[v]",
               "-map", "[a]",
               "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", "-c:a", "aac", str(clip))
    signals = measure.measure_signals(clip, 5.0, 30.0)
    assert [(round(s.start), round(s.end)) for s in signals.black] == [(0, 3)]
    assert [(round(s.start), round(s.end)) for s in signals.frozen] == [(0, 3)]
    assert [(round(s.start), round(s.end)) for s in signals.silent] == [(0, 3)]
    assert len(signals.loudness) == 50
    assert all(p[1] == measure.FLOOR_LUFS for p in signals.loudness[:25]) and -30 < signals.loudness[-1][1] < -10
    assert signals.flashes.most_per_second == 1  # the cut from black to the test pattern is one swing, not a flash


def test_the_analysis_pass_is_one_single_threaded_decode():
    assert measure.signal_argv("in.mp4") == [
        "ffmpeg", "-protocol_whitelist", "file", "-skip_loop_filter", "all", "-threads", "1", "-i", "in.mp4",
                                             "-filter_complex",
        "[0:v]scale=160:-2:flags=fast_bilinear[s0];[s0]split=2[s1][s2];"
        "[s1]blackdetect=d=1.0:pix_th=0.1[s3];[s3]freezedetect=d=1.0:n=0.003[s4];"
        "[0:a]silencedetect=d=1.0:n=-50dB[s5];[s5]ebur128[s6];"
        "[s2]scale=64:36:flags=area[s7];[s7]format=yuv420p[s8]",
        "-map", "[s4]", "-map", "[s6]", "-f", "null", "-", "-map", "[s8]", "-f", "rawvideo", "pipe:1",
        "-hide_banner", "-nostdin", "-nostats", "-v", "info", "-filter_threads", "1"]


def test_flash_counter_on_synthetic_series():
    fps = 30.0
    steady = np.full((60, 1), 0.5)
    assert measure.count_flashes(steady, fps) == (0, 0.0)
    blink = np.array([[0.05] if (i // 3) % 2 else [0.9] for i in range(60)])
    assert measure.count_flashes(blink, fps)[0] == 5
    slow = np.array([[0.05] if (i // 15) % 2 else [0.9] for i in range(90)])  # one swap every half second
    assert measure.count_flashes(slow, fps)[0] == 1
    faint = np.array([[0.50] if (i // 3) % 2 else [0.55] for i in range(60)])  # under 10% change
    assert measure.count_flashes(faint, fps)[0] == 0
    bright = np.array([[0.85] if (i // 3) % 2 else [0.99] for i in range(60)])  # darker image above 0.80
    assert measure.count_flashes(bright, fps)[0] == 0


@pytest.fixture
def served(built):
    from test_scorm_runtime import serve_folder

    _, out, _, _ = built
    with serve_folder(out) as url:
        yield url


def test_the_report_renders_in_chromium(built, served, browser_page):
    _, _, review, _ = built
    page = browser_page
    page.goto(f"{served}/review/index.html")
    page.wait_for_function("() => { const t = document.querySelector('video').textTracks[0]; return t && t.cues && t.cues.length > 0; }", timeout=20_000)
    cues = page.evaluate("document.querySelector('video').textTracks[0].cues.length")
    assert cues > 0
    assert page.evaluate("document.querySelector('video track').kind") == "captions"
    assert page.evaluate("document.querySelectorAll('svg.loudness polyline.short-term').length") == 1
    points = page.evaluate("document.querySelector('svg.loudness "
                           "polyline.short-term').getAttribute('points').trim().split(' ').length")
    assert points == len(review["signals"]["loudness"])
    assert page.evaluate("document.querySelectorAll('svg.reading-speed rect.cue').length") == cues
    assert page.evaluate("document.querySelectorAll('#cards img').length") == 1
    page.wait_for_function("() => [...document.images].every(i => i.complete && i.naturalWidth > 0)")
    assert page.evaluate("document.querySelector('#checks tbody tr').dataset.check") == "flashes.wcag"
    assert page.problems == []


def test_a_forged_approval_never_crashes_the_build(built):
    """Runs last: it adds a hand-made approval to the module's project and rebuilds."""
    root, out, _, _ = built
    (root / "approvals").mkdir(exist_ok=True)
    forged = root / "approvals" / f"{SLUG}.json"
    forged.write_text('{"schema": "microlearn-approval/1", "slug": "faulty-clip", "digest": "', encoding="utf-8")
    reports = build(Settings(content_dir=root / "content", build_dir=root / "build", jobs=1), [root / "content" / SLUG])
    assert reports[0].ok, reports[0].errors
    assert [s.name for s in reports[0].stages if s.status == "ran"] == ["review"]  # the report shows the new state
    assert reports[0].approval["state"] == "invalid"
    assert reports[0].approval["reason"].startswith(f"{forged.resolve()}: it is not valid JSON (")
    tree = lxml_html.fromstring((out / "review" / "index.html").read_bytes())
    assert tree.xpath("//p[@id='approval']/@data-state") == ["invalid"]
