"""Transcode stage speed and memory, side by side with the bare ffmpeg command and MoviePy 2.

Figures (goals from the transcode issue):
- our transcode of a 60 s 1080p clip / the bare ffmpeg command doing the same encode (<= 1.15x);
- 60 s of card slides with synthesised narration / realtime (<= 0.1x); with motion (three reveal
  steps per card, held as cached units like still slides) <= 0.15x;
- picture cards (``motion``): the same four cards, each with a picture, still; with motion on (three
  reveal steps and the camera move on the picture); and the bare ffmpeg command making the same
  video by hand; wall and CPU seconds (this process and its children) with the load average
  (goal with motion <= 0.15x realtime);
- the same slides assembled with MoviePy 2 / ours (>= 5x);
- peak memory for a 10-minute input: the largest ffmpeg child (<= 500 MB) and our own process;
- per-part loudness: the audio phase of a lesson of three recorded narrations (quiet, ordinary,
  loud) and two synthesised cards, against the bare ffmpeg commands doing the same work (per part
  a loudnorm measuring pass and a linear pass, the join, the whole's two passes, AAC, and each part
  measured again).

Every scenario runs in a fresh Python process, so its peak RSS (``resource.getrusage``) is its
own. Media are generated in a scratch folder; nothing is cached between scenarios.
Usage: python bench/bench_transcode.py [clip|slides|memory|parts|motion ...]   (or make bench)
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


PICTURE = (1070, 170, 720, 720)  # where the classic theme puts a card's picture on a 16:9 slide


def _slides(out: Path, sections, steps: int = 0, picture: bool = False, camera: bool = True) -> CardsResult:
    """A slide per card; with ``steps``, also that many reveal steps (pipeline/reveal.py)
    before each full slide, each showing one more line, as the cards stage draws them; with
    ``picture``, a detailed picture (testsrc2) in ``PICTURE`` on every card, and its box for the camera
    move unless ``camera`` is false (a theme with ``camera: still``)."""
    entry = {"title": "cards/t.png", "end": "cards/e.png", "cards": {}, "steps": {}, "pictures": {}}
    (out / "cards").mkdir(parents=True, exist_ok=True)

    def draw(rel: str, title: str, lines: int) -> None:
        graph = f"color=c=steelblue:s=1920x1080:d=1,drawtext=text='{title}':fontsize=120:x=100:y=100"
        graph += "".join(f",drawtext=text='line {n + 1}':fontsize=80:x=100:y={300 + 120 * n}" for n in range(lines))
        if picture and title.startswith("Card"):
            x, y, w, h = PICTURE
            graph = f"{graph}[slide];testsrc2=s={w}x{h}:d=1[pic];[slide][pic]overlay={x}:{y}"
            _gen("-filter_complex", graph, "-frames:v", "1", str(out / rel))
            return
        _gen("-f", "lavfi", "-i", graph, "-frames:v", "1", str(out / rel))

    for s in sections:
        entry["cards"][s.id] = f"cards/{s.id}.png"
        if picture and camera:
            entry["pictures"][s.id] = PICTURE
        draw(entry["cards"][s.id], s.title, steps + 1 if steps else 0)
        if steps:
            entry["steps"][s.id] = tuple(f"cards/{s.id}-step{k}.png" for k in range(1, steps + 1))
            for k, rel in enumerate(entry["steps"][s.id], 1):
                draw(rel, s.title, k)
    return _cards(SlideSet(**entry))


def _cards(slides: SlideSet) -> CardsResult:
    return CardsResult(slides={"16:9": slides}, cards=(), handout="", theme="")


def _cpu() -> float:
    """CPU seconds (user + system) of this process and its finished children (ffmpeg, espeak-ng)."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def _measured(work) -> tuple[dict, object]:
    """Wall and CPU seconds of ``work()`` and the 1-minute load average when it started and ended."""
    load, cpu, started = os.getloadavg()[0], _cpu(), time.perf_counter()
    value = work()
    return {"wall_s": round(time.perf_counter() - started, 2), "cpu_s": round(_cpu() - cpu, 2),
            "load": [round(load, 2), round(os.getloadavg()[0], 2)]}, value


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


def _bare_motion(the_lesson: Lesson, out: Path, cards: CardsResult, result: TranscodeResult, scratch: Path) -> list[str]:
    """The same slides, reveal steps and camera moves as ONE plain ffmpeg command, the way one
    would write it by hand: every piece an image input looped at 30 fps for its time, the moving
    pieces through the same crop/scale/overlay graph, joined by the concat filter, encoded by x264
    with the house options (x264 choosing its threads) and our narration re-encoded to AAC."""
    from pipeline.transcode import camera
    from pipeline.transcode.assemble import _held
    from pipeline.transcode.plan import make_plan

    plan = make_plan(the_lesson, "bench", PRODUCT, ObjectStore(out.parent / "objects"), ffmpeg.ffmpeg_version())
    slides = cards.slides["16:9"]
    inputs, graph, labels = [], [], []
    for part in plan.parts:
        rel = slides.cards[part.section] if part.kind == "card" else getattr(slides, part.kind)
        move = camera.move_for(slides.pictures.get(part.section), part.frames, PRODUCT) if part.kind == "card" else None
        at = 0
        for png, frames in _held(part, part.frames, rel, list(slides.steps.get(part.section, ())), PRODUCT.slide_unit):
            moving = min(frames, move.frames - at) if move is not None and at < move.frames else 0
            for first, count in ((at, moving), (at + moving, frames - moving)):
                if not count:
                    continue
                index = len(labels)
                inputs += ["-loop", "1", "-framerate", "30", "-t", f"{count / 30:.6f}", *ffmpeg.WHITELIST, "-i", str(out / png)]
                chain = f"[{index}:v]format=yuv420p"
                if first < at + moving:
                    x, y, w, h = move.box
                    z = move.expression(first)
                    chain += (f",split[s{index}][b{index}];[b{index}]crop={w}:{h}:{x}:{y},scale=w='2*trunc({w}*{z}/2+0.5)':"
                              f"h='2*trunc({h}*{z}/2+0.5)':eval=frame,crop={w}:{h}:(iw-{w})/2:(ih-{h})/2[p{index}];"
                              f"[s{index}][p{index}]overlay={x}:{y}")
                graph.append(chain + f"[v{index}]")
                labels.append(f"[v{index}]")
            at += frames
    graph.append("".join(labels) + f"concat=n={len(labels)}:v=1:a=0[v]")
    video = commands.video_options(PRODUCT)
    video[video.index("-threads") + 1] = "0"
    return ["ffmpeg", "-hide_banner", "-nostdin", "-y", *inputs, *ffmpeg.WHITELIST, "-i", str(out / result.videos["16:9"]),
            "-filter_complex", ";".join(graph), "-map", "[v]", "-map", f"{len(labels)}:a:0", *video,
            "-c:a", "aac", "-aac_coder", "fast", "-b:a", PRODUCT.audio_bitrate, "-movflags", "+faststart",
            str(scratch / "bare-motion.mp4")]


def scenario_motion(media: Path, scratch: Path) -> dict:
    """About 56 s of four card slides with synthesised narration, each card with a picture: still;
    then with motion on (three reveal steps and the camera move on the picture, fresh object store);
    then the bare ffmpeg command making the same video from the same pictures. Wall and CPU
    seconds (this process and every child) and the load average beside each."""
    root = scratch / "content" / "bench"
    root.mkdir(parents=True)
    the_lesson, sections = _card_lesson(root)
    out = scratch / "still" / "bench"
    still, (_, result) = _measured(lambda: _run_stage(the_lesson, out, _slides(out, sections, picture=True, camera=False), PRODUCT))
    moving = scratch / "moving" / "bench"
    cards = _slides(moving, sections, steps=2, picture=True)
    motion, (_, moved) = _measured(lambda: _run_stage(the_lesson, moving, cards, PRODUCT))
    argv = _bare_motion(the_lesson, moving, cards, moved, scratch)
    bare, _ = _measured(lambda: ffmpeg.run(argv))
    seconds = result.duration
    for row in (still, motion, bare):
        row.update(wall_x=round(row["wall_s"] / seconds, 3), cpu_x=round(row["cpu_s"] / seconds, 3))
    return {"seconds_of_video": seconds, "still": still, "motion": motion, "bare_motion": bare,
            "bare_command_inputs": argv.count("-i")}


SCENARIOS = {"bare": scenario_bare, "bare_auto": scenario_bare_auto, "ours": scenario_ours, "slides": scenario_slides, "memory": scenario_memory,
             "parts": scenario_parts, "motion": scenario_motion}
GROUPS = {"clip": ("bare", "bare_auto", "ours"), "slides": ("slides",), "memory": ("memory",), "parts": ("parts",),
          "motion": ("motion",)}


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
    if "motion" in f:
        m = f["motion"]
        for name, row in (("ours, still", m["still"]), ("ours, motion on (reveal + camera)", m["motion"]),
                          ("bare ffmpeg, same video, motion", m["bare_motion"])):
            rows.append((f"{m['seconds_of_video']:.1f} s of picture cards: {name}", f"{row['wall_s']} s",
                         f"{row['wall_x']}x realtime wall, {row['cpu_s']} s CPU = {row['cpu_x']}x (load {row['load']})"))
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
