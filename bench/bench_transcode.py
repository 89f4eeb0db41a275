"""Transcode stage speed and memory, side by side with the bare ffmpeg command and MoviePy 2.

Figures (goals from the transcode issue):
- our transcode of a 60 s 1080p clip / the bare ffmpeg command doing the same encode (<= 1.15x);
- 60 s of card slides with synthesised narration / realtime (<= 0.1x);
- the same slides assembled with MoviePy 2 / ours (>= 5x);
- peak memory for a 10-minute input: the largest ffmpeg child (<= 500 MB) and our own process.

Every scenario runs in a fresh Python process, so its peak RSS (``resource.getrusage``) is its
own. Media are generated in a scratch folder; nothing is cached between scenarios.
Usage: python bench/bench_transcode.py [clip|slides|memory ...]   (or make bench)
"""
from __future__ import annotations

import json
import logging
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline import ffmpeg  # noqa: E402
from pipeline.lesson.model import FORMATS, Author, CardSlide, Clip, Lesson, Section  # noqa: E402
from pipeline.contracts import CardsResult, SlideSet, TranscodeResult, Upstream  # noqa: E402
from pipeline.stage import Context, ObjectStore, Settings  # noqa: E402
from pipeline.transcode import commands  # noqa: E402
from pipeline.transcode.settings import MediaSettings  # noqa: E402

PRODUCT = MediaSettings()
CARD_TEXTS = (
    "Hold the phone with both hands and keep your elbows close to your body. "
    "Lean on a table or a wall when you can, because every small movement shows on the screen. "
    "If you walk while you record, hold the phone at chest height and take slow, short steps.",
    "Look at the lens, not at your own face, and speak as if to one student. "
    "Smile before you start, and count to two before the first sentence. "
    "Your students will forgive a small mistake, but they notice when you read from a screen.",
    "Turn off the lights that hum and close the window facing the street. "
    "A quiet room matters more than an expensive microphone. "
    "Soft things such as curtains, carpets and bookshelves stop the echo of an empty classroom.",
    "Record each part twice and keep the better take. "
    "Short takes are easier to redo than one long recording without mistakes. "
    "Name every file after its part of the lesson, so that nothing gets lost before the build.",
)


def _gen(*args: str) -> None:
    subprocess.run([ffmpeg.ffmpeg_path(), "-hide_banner", "-v", "error", "-y", *args], check=True, stdin=subprocess.DEVNULL)


def _clip(path: Path, seconds: int, size: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    _gen("-f", "lavfi", "-i", f"testsrc2=s={size}:r=30:d={seconds}", "-f", "lavfi", "-i", f"sine=f=440:r=44100:d={seconds}",
         "-c:v", "libx264", "-preset", "ultrafast", "-crf", "18", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", str(path))
    return path


def _lesson(root: Path, sequence, sections=()) -> Lesson:
    return Lesson("bench", root, "Bench", "en", (Author("A"),), "r", (), "CC-BY-4.0", ("o",), "teachers", ("16:9",), 900.0,
                  tuple(sequence), tuple(sections))


def _slides(out: Path, sections) -> CardsResult:
    entry = {"title": "cards/t.png", "end": "cards/e.png", "cards": {}}
    (out / "cards").mkdir(parents=True, exist_ok=True)
    for s in sections:
        entry["cards"][s.id] = f"cards/{s.id}.png"
        _gen("-f", "lavfi", "-i", f"color=c=steelblue:s=1920x1080:d=1,drawtext=text='{s.title}':fontsize=120:x=100:y=100",
             "-frames:v", "1", str(out / entry["cards"][s.id]))
    return _cards(SlideSet(**entry))


def _cards(slides: SlideSet) -> CardsResult:
    return CardsResult(slides={"16:9": slides}, cards=(), handout="", theme="")


def _run_stage(the_lesson: Lesson, out: Path, cards: CardsResult, settings: MediaSettings) -> tuple[float, TranscodeResult]:
    from pipeline.transcode.assemble import transcode

    ctx = Context(the_lesson, Settings(the_lesson.root.parent, out.parent), out, ObjectStore(out.parent / "objects"), Upstream(cards=cards), logging.getLogger("bench"))
    started = time.perf_counter()
    result = transcode(ctx, settings)
    return time.perf_counter() - started, result


def _rss() -> dict:
    return {"python_peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            "ffmpeg_child_peak_mb": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1)}


# -- scenarios (each runs in its own process, so its peak RSS figures are its own) -------------

def _bare(src: Path, out: Path, threads: str) -> list[str]:
    """The bare command doing the same encode: same fit (a 16:9 source is only scaled), same x264
    and AAC options, one ffmpeg run, no probing, no loudness, no cache."""
    width, height = FORMATS["16:9"]
    video = commands.video_options(PRODUCT)
    video[video.index("-threads") + 1] = threads
    return ["ffmpeg", "-hide_banner", "-nostdin", "-y", *ffmpeg.WHITELIST, "-i", str(src),
            "-vf", f"fps=30,scale={width}:{height},format=yuv420p", *video,
            "-c:a", "aac", "-aac_coder", "fast", "-b:a", PRODUCT.audio_bitrate, "-ar", "48000", "-ac", "2", "-movflags", "+faststart", str(out)]


def _timed_bare(media: Path, scratch: Path, threads: str) -> dict:
    argv = _bare(media / "clip60.mp4", scratch / "bare.mp4", threads)
    started = time.perf_counter()
    ffmpeg.run(argv)
    return {"seconds": round(time.perf_counter() - started, 2), "command": ffmpeg.quote(argv), **_rss()}


def scenario_bare(media: Path, scratch: Path) -> dict:
    """The bare command with exactly our x264 options (one thread)."""
    return _timed_bare(media, scratch, str(PRODUCT.threads))


def scenario_bare_auto(media: Path, scratch: Path) -> dict:
    """The bare command with x264 choosing its thread count (not byte-reproducible, faster alone)."""
    return _timed_bare(media, scratch, "0")


def scenario_ours(media: Path, scratch: Path) -> dict:
    """The stage on a lesson holding only the 60 s 1080p clip, cold cache."""
    root = scratch / "content" / "bench"
    (root / "media").mkdir(parents=True)
    os.link(media / "clip60.mp4", root / "media" / "clip.mp4")
    seconds, _ = _run_stage(_lesson(root, (Clip("media/clip.mp4"),)), scratch / "build" / "bench", _cards(SlideSet("", "")), PRODUCT)
    return {"seconds": round(seconds, 2), **_rss()}


def _card_lesson(root: Path):
    sections = [Section(f"c{i}", f"Card {i}", "text", text, 1) for i, text in enumerate(CARD_TEXTS)]
    return _lesson(root, [CardSlide(s.id) for s in sections], sections), sections


def scenario_slides(media: Path, scratch: Path) -> dict:
    """Card slides with synthesised narration (about 60 s) vs realtime, then MoviePy 2 doing the same."""
    root = scratch / "content" / "bench"
    root.mkdir(parents=True)
    the_lesson, sections = _card_lesson(root)
    out = scratch / "build" / "bench"
    cards = _slides(out, sections)
    ours_s, result = _run_stage(the_lesson, out, cards, PRODUCT)
    duration = result.duration
    figures = {"slides_seconds_of_video": duration, "slides_ours_s": round(ours_s, 2), "slides_realtime_ratio": round(ours_s / duration, 3), **_rss()}
    figures.update(_moviepy(scratch, result, out, cards))
    figures["moviepy_slower_x"] = round(figures["slides_moviepy_s"] / ours_s, 2)
    return figures


def _moviepy(scratch: Path, result: TranscodeResult, out: Path, cards: CardsResult) -> dict:
    """The same slides and narration (the WAVs our run placed) assembled by MoviePy 2."""
    import soundfile
    from moviepy import AudioFileClip, ImageClip, concatenate_videoclips

    pieces = []
    for entry in result.timeline:
        wav = scratch / f"narration-{entry.section}.wav"
        data, rate = soundfile.read(out / entry.speech.audio)
        soundfile.write(wav, data, rate)
        png = out / cards.slides["16:9"].cards[entry.section]
        clip = ImageClip(str(png)).with_duration(entry.end - entry.start)
        pieces.append(clip.with_audio(AudioFileClip(str(wav)).with_start(entry.speech.offset - entry.start)))
    started = time.perf_counter()
    concatenate_videoclips(pieces).write_videofile(str(scratch / "moviepy.mp4"), fps=30, codec="libx264", preset=PRODUCT.preset,
                                                   audio_codec="aac", audio_fps=48000, logger=None)
    return {"slides_moviepy_s": round(time.perf_counter() - started, 2)}


def scenario_memory(media: Path, scratch: Path) -> dict:
    """A 10-minute input: peak RSS of the largest ffmpeg child and of our process.

    The encoder preset is ultrafast here (10 minutes at 1080p with the product preset takes
    longer than a benchmark should); x264's memory depends on frame size and look-ahead, not on
    the input's length, which the 60 s run at the product preset shows beside it."""
    root = scratch / "content" / "bench"
    (root / "media").mkdir(parents=True)
    os.link(media / "clip600.mp4", root / "media" / "long.mp4")
    settings = MediaSettings(preset="ultrafast")
    seconds, _ = _run_stage(_lesson(root, (Clip("media/long.mp4"),)), scratch / "build" / "bench", _cards(SlideSet("", "")), settings)
    return {"seconds": round(seconds, 1), **_rss()}


SCENARIOS = {"bare": scenario_bare, "bare_auto": scenario_bare_auto, "ours": scenario_ours, "slides": scenario_slides, "memory": scenario_memory}
GROUPS = {"clip": ("bare", "bare_auto", "ours"), "slides": ("slides",), "memory": ("memory",)}


def _in_process(name: str, media: Path) -> dict:
    done = subprocess.run([sys.executable, __file__, "--scenario", name, str(media)], capture_output=True, text=True, cwd=ROOT)
    if done.returncode != 0:
        raise RuntimeError(f"scenario {name} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(groups: list[str] | None = None) -> dict:
    groups = groups or list(GROUPS)
    figures = {"cores": os.cpu_count(), "ffmpeg": ffmpeg.ffmpeg_version(), "preset": PRODUCT.preset}
    with tempfile.TemporaryDirectory(prefix="bench-media-") as media:
        media = Path(media)
        print("   generating media ...", flush=True)
        if "clip" in groups:
            _clip(media / "clip60.mp4", 60, "1920x1080")
        if "memory" in groups:
            _clip(media / "clip600.mp4", 600, "640x360")
        for group in groups:
            for name in GROUPS[group]:
                print(f"   running {name} ...", flush=True)
                figures[name] = _in_process(name, media)
    if "bare" in figures:
        figures["clip_ratio_vs_same_options"] = round(figures["ours"]["seconds"] / figures["bare"]["seconds"], 3)
        figures["clip_ratio_vs_auto_threads"] = round(figures["ours"]["seconds"] / figures["bare_auto"]["seconds"], 3)
    _table(figures)
    return figures


def _table(f: dict) -> None:
    rows = []
    if "ours" in f:
        rows += [("60 s 1080p clip: ours (cold cache)", f"{f['ours']['seconds']} s", f"largest ffmpeg child {f['ours']['ffmpeg_child_peak_mb']} MB"),
                 ("  bare ffmpeg, same options (x264 1 thread)", f"{f['bare']['seconds']} s", f"ours/bare {f['clip_ratio_vs_same_options']} (goal <= 1.15); child {f['bare']['ffmpeg_child_peak_mb']} MB"),
                 ("  bare ffmpeg, x264 auto threads", f"{f['bare_auto']['seconds']} s", f"ours/bare {f['clip_ratio_vs_auto_threads']}; child {f['bare_auto']['ffmpeg_child_peak_mb']} MB")]
    if "slides" in f:
        s = f["slides"]
        rows += [(f"{s['slides_seconds_of_video']:.1f} s of slides + narration: ours", f"{s['slides_ours_s']} s", f"{s['slides_realtime_ratio']}x realtime (goal <= 0.1)"),
                 ("  MoviePy 2, same assembly", f"{s['slides_moviepy_s']} s", f"ours {s['moviepy_slower_x']}x faster (goal >= 5)")]
    if "memory" in f:
        m = f["memory"]
        rows += [("10-min input (ultrafast): largest ffmpeg child", f"{m['ffmpeg_child_peak_mb']} MB", "goal <= 500 MB"),
                 ("  our Python process", f"{m['python_peak_mb']} MB", f"took {m['seconds']} s")]
    width = max(len(r[0]) for r in rows) if rows else 0
    for name, value, note in rows:
        print(f"   {name:<{width}}  {value:>9}  {note}")


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--scenario":
        with tempfile.TemporaryDirectory(prefix="bench-transcode-") as tmp:
            print(json.dumps(SCENARIOS[sys.argv[2]](Path(sys.argv[3]), Path(tmp))))
        sys.exit(0)
    results = main(sys.argv[1:])
    target = ROOT / "bench" / "results"
    target.mkdir(exist_ok=True)
    (target / "transcode.json").write_text(json.dumps({"benchmark": "transcode", **results}, indent=1) + "\n")
