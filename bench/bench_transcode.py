"""Transcode stage speed and memory, side by side with the bare ffmpeg command and MoviePy 2.

Figures (goals from the transcode issue):
- our transcode of a 60 s 1080p clip / the bare ffmpeg command doing the same encode (<= 1.15x);
- 60 s of card slides with synthesised narration / realtime (<= 0.1x); with motion (three reveal
  steps per card, held as cached units like still slides) <= 0.15x;
- the same slides assembled with MoviePy 2 / ours (>= 5x);
- peak memory for a 10-minute input: the largest ffmpeg child (<= 500 MB) and our own process;
- per-part loudness: the audio phase of a lesson of three recorded narrations (quiet, ordinary,
  loud) and two synthesised cards, against the bare ffmpeg commands doing the same work (per part
  a loudnorm measuring pass and a linear pass, the join, the whole's two passes, AAC, and each part
  measured again).

Every scenario runs in a fresh Python process, so its peak RSS (``resource.getrusage``) is its
own. Media are generated in a scratch folder; nothing is cached between scenarios.
Usage: python bench/bench_transcode.py [clip|slides|memory|parts ...]   (or make bench)
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

import numpy as np

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
    subprocess.run([ffmpeg.ffmpeg_path(), "-hide_banner", "-v", "error", "-y", *args],
                   check=True, stdin=subprocess.DEVNULL)


def _clip(path: Path, seconds: int, size: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    _gen("-f", "lavfi", "-i", f"testsrc2=s={size}:r=30:d={seconds}", "-f", "lavfi", "-i",
         f"sine=f=440:r=44100:d={seconds}",
         "-c:v", "libx264", "-preset", "ultrafast", "-crf", "18", "-pix_fmt", "yuv420p", "-c:a", "aac",
         "-shortest", str(path))
    return path


def _lesson(root: Path, sequence, sections=()) -> Lesson:
    return Lesson("bench", root, "Bench", "en", (Author("A"),), "r", (), "CC-BY-4.0", ("o",), "teachers",
                  ("16:9",), 900.0,
                  tuple(sequence), tuple(sections))


def _slides(out: Path, sections, steps: int = 0) -> CardsResult:
    """A slide per card; with ``steps``, also that many reveal steps (pipeline/reveal.py)
    before each full slide, each showing one more line, as the cards stage draws them."""
    entry = {"title": "cards/t.png", "end": "cards/e.png", "cards": {}, "steps": {}}
    (out / "cards").mkdir(parents=True, exist_ok=True)

    def draw(rel: str, title: str, lines: int) -> None:
        graph = f"color=c=steelblue:s=1920x1080:d=1,drawtext=text='{title}':fontsize=120:x=100:y=100"
        graph += "".join(f",drawtext=text='line {n + 1}':fontsize=80:x=100:y={300 + 120 * n}" for n in range(lines))
        _gen("-f", "lavfi", "-i", graph, "-frames:v", "1", str(out / rel))

    for s in sections:
        entry["cards"][s.id] = f"cards/{s.id}.png"
        draw(entry["cards"][s.id], s.title, steps + 1 if steps else 0)
        if steps:
            entry["steps"][s.id] = tuple(f"cards/{s.id}-step{k}.png" for k in range(1, steps + 1))
            for k, rel in enumerate(entry["steps"][s.id], 1):
                draw(rel, s.title, k)
    return _cards(SlideSet(**entry))


def _cards(slides: SlideSet) -> CardsResult:
    return CardsResult(slides={"16:9": slides}, cards=(), handout="", theme="")


def _run_stage(the_lesson: Lesson, out: Path,
               cards: CardsResult, settings: MediaSettings) -> tuple[float, TranscodeResult]:
    from pipeline.transcode.assemble import transcode

    ctx = Context(the_lesson, Settings(the_lesson.root.parent, out.parent), out,
                  ObjectStore(out.parent / "objects"), Upstream(cards=cards), logging.getLogger("bench"))
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
            "-c:a", "aac", "-aac_coder", "fast", "-b:a", PRODUCT.audio_bitrate, "-ar", "48000", "-ac", "2", "-movflags",
            "+faststart", str(out)]


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
    seconds, _ = _run_stage(_lesson(root, (Clip("media/clip.mp4"),)), scratch / "build" / "bench",
                            _cards(SlideSet("", "")), PRODUCT)
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
    figures = {"slides_seconds_of_video": duration, "slides_ours_s": round(ours_s, 2),
               "slides_realtime_ratio": round(ours_s / duration, 3), **_rss()}
    figures.update(_moviepy(scratch, result, out, cards))
    figures["moviepy_slower_x"] = round(figures["slides_moviepy_s"] / ours_s, 2)
    # motion: the same slides revealed in three steps with the narration, in a fresh object store
    moving = scratch / "moving" / "bench"
    motion_s, _ = _run_stage(the_lesson, moving, _slides(moving, sections, steps=2), PRODUCT)
    figures.update({"slides_motion_s": round(motion_s, 2), "slides_motion_realtime_ratio": round(motion_s / duration, 3)})
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
    concatenate_videoclips(pieces).write_videofile(str(scratch / "moviepy.mp4"), fps=30, codec="libx264",
                                                   preset=PRODUCT.preset,
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
    seconds, _ = _run_stage(_lesson(root, (Clip("media/long.mp4"),)), scratch / "build" / "bench",
                            _cards(SlideSet("", "")), settings)
    return {"seconds": round(seconds, 1), **_rss()}


# (file, ffmpeg filter giving the espeak-ng voice its level): a quiet phone memo, an ordinary
# recording, and a loud one with a limiter's flattened peaks
RECORDINGS = (("quiet.m4a", "volume=-30dB"), ("plain.m4a", "volume=-6dB"), ("loud.m4a", "volume=12dB,alimiter=limit=0.9:level=false"))


def _recordings(root: Path, sections) -> None:
    (root / "media").mkdir(parents=True)
    for (name, graph), section in zip(RECORDINGS, sections):
        wav = root / "media" / (name + ".espeak.wav")
        subprocess.run(["espeak-ng", "-w", str(wav), section.narration], check=True, stdin=subprocess.DEVNULL)
        _gen("-i", str(wav), "-af", f"{graph},aresample=44100", "-ac", "1", "-c:a", "aac", "-b:a", "128k", str(root / "media" / name))
        wav.unlink()


def _bare_parts(voices_in: list[Path], windows: list[list[tuple[int, int]]], scratch: Path) -> float:
    """The same work as bare commands: each part's loudnorm two passes (measure, then linear),
    the parts joined with the concat filter, the whole's two passes, AAC, each part measured again."""
    bin_ = ffmpeg.ffmpeg_path()
    run = lambda *a: subprocess.run([bin_, "-hide_banner", "-nostdin", "-y", *a], check=True, capture_output=True, text=True)  # noqa: E731

    def two_pass(src: Path, out: Path) -> None:
        report = run("-i", str(src), "-af", "loudnorm=I=-16:TP=-2:LRA=11:print_format=json", "-f", "null", "-").stderr
        m = json.loads(report[report.rindex("{"):report.rindex("}") + 1])
        run("-i", str(src), "-af", f"loudnorm=I=-16:TP=-2:LRA=11:measured_I={m['input_i']}:measured_TP={m['input_tp']}:"
            f"measured_LRA={m['input_lra']}:measured_thresh={m['input_thresh']}:linear=true,aresample=48000", "-c:a", "pcm_f32le", str(out))

    started = time.perf_counter()
    parts = []
    for index, src in enumerate(voices_in):
        parts.append(scratch / f"bare-{index}.wav")
        two_pass(src, parts[-1])
    inputs = [a for p in parts for a in ("-i", str(p))]
    joined = "".join(f"[{i}:a]" for i in range(len(parts))) + f"concat=n={len(parts)}:v=0:a=1"
    run(*inputs, "-filter_complex", joined, "-c:a", "pcm_f32le", str(scratch / "bare-joined.wav"))
    two_pass(scratch / "bare-joined.wav", scratch / "bare-normal.wav")
    run("-i", str(scratch / "bare-normal.wav"), "-c:a", "aac", "-aac_coder", "fast", "-b:a", PRODUCT.audio_bitrate, str(scratch / "bare.m4a"))
    for spans in windows:
        for first, last in spans:
            run("-i", str(scratch / "bare.m4a"), "-af", f"atrim=start_sample={first}:end_sample={last},ebur128=peak=true", "-f", "null", "-")
    return time.perf_counter() - started


def scenario_parts(media: Path, scratch: Path) -> dict:
    """The audio phase (every voice measured, judged, normalised; the track; the whole; AAC; each
    voice measured again) of a lesson of three recorded narrations and two synthesised cards."""
    from pipeline.transcode import assemble, track, voices
    from pipeline.transcode.plan import make_plan

    root = scratch / "content" / "bench"
    _, sections = _card_lesson(root)
    sections = sections + [Section("c4", "Card 4", "text", CARD_TEXTS[0], 1)]
    _recordings(root, sections)
    sequence = [CardSlide(s.id, audio=f"media/{name}") for s, (name, _) in zip(sections, RECORDINGS)] + [CardSlide("c3"), CardSlide("c4")]
    the_lesson = _lesson(root, sequence, sections)
    out = scratch / "build" / "bench"
    out.mkdir(parents=True)
    ctx = Context(the_lesson, Settings(root.parent, out.parent), out, ObjectStore(scratch / "objects"), Upstream(), logging.getLogger("bench"))
    plan = make_plan(the_lesson, "bench", PRODUCT, ctx.objects, ffmpeg.ffmpeg_version())  # decoding and espeak-ng: the same for both
    work = scratch / "work"
    work.mkdir()
    started = time.perf_counter()
    prepared = voices.prepare(plan, the_lesson, "bench", ctx.objects, work)
    _, _, level = assemble._audio(ctx, plan, prepared, PRODUCT, work)
    ours = time.perf_counter() - started
    # the bare commands get the same voices (as float WAVs) and the same windows to measure
    import soundfile

    bare_in, windows = [], []
    for item in prepared:
        wav = scratch / f"{item.level.voice.key}.wav"
        soundfile.write(str(wav), np.fromfile(item.source, dtype=np.float32).reshape(-1, 2), 48000, subtype="FLOAT")
        bare_in.append(wav)
        windows.append([track.speech_window(plan, i) for i in item.level.voice.parts])
    bare = _bare_parts(bare_in, windows, scratch)
    return {"parts_ours_s": round(ours, 2), "parts_bare_s": round(bare, 2), "parts_ratio": round(ours / bare, 2),
            "track_seconds": round(plan.seconds, 1),
            "parts": [{k: getattr(row, k) for k in ("voice", "before", "gain_db", "after", "true_peak")} for row in level.parts],
            "whole_after": {"I": level.after.I, "TP": level.after.TP}}


SCENARIOS = {"bare": scenario_bare, "bare_auto": scenario_bare_auto, "ours": scenario_ours, "slides": scenario_slides, "memory": scenario_memory,
             "parts": scenario_parts}
GROUPS = {"clip": ("bare", "bare_auto", "ours"), "slides": ("slides",), "memory": ("memory",), "parts": ("parts",)}


def _in_process(name: str, media: Path) -> dict:
    done = subprocess.run([sys.executable, __file__, "--scenario", name, str(media)], capture_output=True,
                          text=True, cwd=ROOT)
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
        rows += [("60 s 1080p clip: ours (cold cache)", f"{f['ours']['seconds']} s",
                  f"largest ffmpeg child {f['ours']['ffmpeg_child_peak_mb']} MB"),
                 ("  bare ffmpeg, same options (x264 1 thread)", f"{f['bare']['seconds']} s",
                  f"ours/bare {f['clip_ratio_vs_same_options']} (goal <= 1.15); child "
                  f"{f['bare']['ffmpeg_child_peak_mb']} MB"),
                 ("  bare ffmpeg, x264 auto threads", f"{f['bare_auto']['seconds']} s",
                  f"ours/bare {f['clip_ratio_vs_auto_threads']}; child {f['bare_auto']['ffmpeg_child_peak_mb']} MB")]
    if "slides" in f:
        s = f["slides"]
        rows += [(f"{s['slides_seconds_of_video']:.1f} s of slides + narration: ours", f"{s['slides_ours_s']} s",
                  f"{s['slides_realtime_ratio']}x realtime (goal <= 0.1)"),
                 ("  MoviePy 2, same assembly", f"{s['slides_moviepy_s']} s", f"ours {s['moviepy_slower_x']}x faster (goal >= 5)"),
                 ("  with motion (3 reveal steps per card)", f"{s['slides_motion_s']} s", f"{s['slides_motion_realtime_ratio']}x realtime (goal <= 0.15)")]
    if "memory" in f:
        m = f["memory"]
        rows += [("10-min input (ultrafast): largest ffmpeg child",
                  f"{m['ffmpeg_child_peak_mb']} MB", "goal <= 500 MB"),
                 ("  our Python process", f"{m['python_peak_mb']} MB", f"took {m['seconds']} s")]
    if "parts" in f:
        p = f["parts"]
        rows += [(f"per-part loudness, {p['track_seconds']} s track, 4 voices: ours", f"{p['parts_ours_s']} s", f"ours/bare {p['parts_ratio']}"),
                 ("  bare ffmpeg commands, same work", f"{p['parts_bare_s']} s", "")]
        rows += [(f"    {r['voice']}", f"{r['after']} LUFS", f"from {r['before']} LUFS, gain {r['gain_db']:+} dB, TP {r['true_peak']} dBTP")
                 for r in p["parts"]]
        rows += [("    whole track", f"{p['whole_after']['I']} LUFS", f"TP {p['whole_after']['TP']} dBTP")]
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
