"""The social stage: open captions burned into a copy of the video, for feeds that autoplay muted.

For every format the lesson asks for (``captions.burn_in``, by default the 9:16 video), writes
``video/<slug>-<format>-captioned.mp4`` beside the clean ``video/<slug>-<format>.mp4``: the same
frames and the same audio (stream copy), with the caption stage's cues drawn in by libass, in a
font of the theme that has every character, in the theme's colours, inside the part of the
frame social players leave free of their buttons (``safearea.py``).

The video is cut into GOP-aligned chunks encoded side by side (x264 runs single-threaded for
identical bytes); each chunk is stored under a key of the clean video, its frames and only the
cues shown in it, so a changed cue re-encodes the chunks it touches. Runs after ``caption``,
which runs after ``transcode``: burning needs both the picture and the cue times. It lives in
the transcode package because it encodes with the transcode stage's commands and segments; the
theme's colours and caption fonts come from the cards stage's result, never from its code.
"""
from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from pipeline import ffmpeg
from pipeline.contracts import Artifact, CaptionFont, OpenCaptionStyle, SocialResult
from pipeline.digests import code_fingerprint
from pipeline.errors import Diagnostic, LessonError
from pipeline.i18n import _
from pipeline.lesson.model import Lesson
from pipeline.stage import Context, Settings, Stage
from pipeline.transcode import commands, segments
from pipeline.transcode.opencaptions import ass, captionfont
from pipeline.transcode.opencaptions.burn import burn_chunk
from pipeline.transcode.opencaptions.safearea import SAFE_AREAS, safe_area
from pipeline.transcode.settings import FPS, GOP, MediaSettings

if TYPE_CHECKING:
    from pipeline.probe import MediaInfo

KIND = "captioned-video"
TEXT_ROLE, BOX_ROLE = "background", "text"  # the theme's text/background pair, inverted: its contrast is checked
SETTINGS = MediaSettings()


def burned_formats(lesson: Lesson) -> tuple[str, ...]:
    """The formats that get an open-captioned copy: ``captions.burn_in``, by default 9:16."""
    wanted = lesson.captions.burn_in if lesson.captions.burn_in is not None else ("9:16",)
    return tuple(fmt for fmt in lesson.formats if fmt in wanted)


def captioned_path(slug: str, fmt: str) -> str:
    return f"video/{slug}-{fmt.replace(':', 'x')}-captioned.mp4"


def run(ctx: Context, settings: MediaSettings = SETTINGS, workers: int | None = None) -> SocialResult:
    """Burn the cues into each wanted format's video. Raises LessonError when no caption font of the
    theme has every character of the captions or a line cannot fit the safe area; ToolError when ffmpeg fails."""
    lesson = ctx.lesson
    probed = _prober(ctx)
    cover_artifacts, covers = _covers(ctx, probed)
    uploads = _platforms(ctx, {}, probed)
    formats = burned_formats(lesson)
    if not formats:
        return SocialResult(artifacts=tuple(cover_artifacts), covers=covers, platforms=uploads)
    workers = workers or max(1, (os.cpu_count() or 1) // max(1, ctx.settings.jobs))
    cues = list(ctx.upstream.caption.cues)
    transcode, cards = ctx.upstream.transcode, ctx.upstream.cards
    font, missing = captionfont.choose("".join("".join(c.lines) for c in cues), cards.caption_fonts)
    where = f"{ctx.label}/{lesson.script}"
    if font is None:
        raise LessonError([Diagnostic(where, 0, 0, "narration",
                                      _("open captions: no font of the theme '{theme}' has {characters}", theme=lesson.theme,
                                        characters=", ".join(captionfont.describe(c) for c in missing)),
                                      _("write these characters as words, or choose another theme"))])
    scratch = ctx.out / ".work" / "social"
    shutil.rmtree(scratch, ignore_errors=True)
    fontsdir = scratch / "fonts"
    fontsdir.mkdir(parents=True)
    shutil.copyfile(captionfont.private_copy(font, ctx.objects), fontsdir / f"{captionfont.family_name(font.key)}.ttf")
    widest = max((captionfont.width_em(line, font.path) for c in cues for line in c.lines), default=0.0)

    artifacts: list[Artifact] = []
    videos, styles = {}, {}
    for fmt in formats:
        clean = ctx.out / transcode.videos[fmt]
        info = probed(transcode.videos[fmt]).video
        size = (info.width, info.height)
        style = _style(size, fmt, widest, font, cards.palette)
        if style.size < ass.smallest(size):
            raise LessonError([Diagnostic(where, 0, 0, "narration",
                                          _("open captions: a caption line is too long for the {format} safe area (it would need "
                                            "type under {px} px)", format=fmt, px=ass.smallest(size)),
                                          _("set a smaller captions.max_line_chars in lesson.yaml"))])
        ctx.progress(_("burning captions into the {format} video", format=fmt))
        jobs = _jobs(ctx, clean, transcode.frames, cues, style, size, fontsdir, scratch / fmt.replace(":", "x"), settings, font)
        stored = segments.encode(jobs, ctx.objects, workers, ctx.progress)
        concat = scratch / f"chunks-{fmt.replace(':', 'x')}.ffconcat"
        concat.write_text(commands.concat_list([str(p.resolve()) for p in stored]), encoding="utf-8")
        rel = captioned_path(lesson.slug, fmt)
        artifacts.append(ctx.artifact(KIND, rel, lambda tmp, c=concat, v=clean: ffmpeg.run(commands.mux(str(c), str(v), str(tmp)), context=ctx.label)))
        videos[fmt] = rel
        styles[fmt] = OpenCaptionStyle(Path(font.path).name, style.size, safe_area(fmt).box(size))
    shutil.rmtree(scratch, ignore_errors=True)
    uploads = _platforms(ctx, videos, probed)
    return SocialResult(artifacts=tuple(cover_artifacts + artifacts), videos=videos, styles=styles, covers=covers,
                        platforms=uploads)


def _prober(ctx: Context) -> Callable[[str], MediaInfo]:
    """Probe a video of the lesson's output folder once, however many steps ask (covers, burning,
    each platform's checks)."""
    from functools import lru_cache

    from pipeline.probe import probe

    return lru_cache(maxsize=None)(lambda rel: probe(ctx.out / rel, f"{ctx.label}/{rel}"))


def _covers(ctx: Context, probed: Callable[[str], MediaInfo] | None = None) -> tuple[list[Artifact], dict[str, str]]:
    """A cover image per video format, beside the video (pipeline/transcode/cover.py)."""
    from pipeline.transcode import cover

    probed = probed or _prober(ctx)
    lesson, transcode, cards = ctx.lesson, ctx.upstream.transcode, ctx.upstream.cards
    choice = cover.choose(lesson, {card.id for card in cards.cards if card.images})
    font = None
    if choice.with_title:
        font, missing = captionfont.choose(lesson.title, cards.caption_fonts)
        if font is None:
            raise LessonError([Diagnostic(f"{ctx.label}/lesson.yaml", 0, 0, "title",
                                          _("the cover: no font of the theme '{theme}' has {characters}", theme=lesson.theme,
                                            characters=", ".join(captionfont.describe(c) for c in missing)),
                                          _("write these characters as words, or choose another theme"))])
    if choice.kind == "frame" and choice.seconds * FPS >= transcode.frames:
        raise LessonError([Diagnostic(f"{ctx.label}/lesson.yaml", 0, 0, "cover",
                                      _("{time} is past the end of the video ({seconds} s)", time=lesson.cover,
                                        seconds=f"{transcode.duration:.1f}"),
                                      _("choose a time inside the video, a card or title"))])
    artifacts, covers = [], {}
    for fmt, rel in sorted(transcode.videos.items()):
        clean = ctx.out / rel
        info = probed(rel).video
        size = (info.width, info.height)

        def make(tmp: Path, fmt=fmt, clean=clean, size=size) -> None:
            from PIL import Image

            if choice.kind == "frame":
                png = tmp.with_suffix(".png")
                ffmpeg.run(commands.frame_png(str(clean), round(choice.seconds * FPS), str(png)), context=ctx.label)
                with Image.open(png) as opened:
                    image = opened.convert("RGB")
                png.unlink()
            else:
                slides = cards.slides[fmt]
                image = cover.slide_image(ctx.out / (slides.title if choice.slide == "title" else slides.cards[choice.slide]), size)
            if font is not None:
                image = cover.draw_title(image, lesson.title, font.path, cards.palette[TEXT_ROLE], cards.palette[BOX_ROLE])
            from pipeline.transcode.thumbnail import save_jpeg

            save_jpeg(image, tmp)

        path = cover.cover_path(lesson.slug, fmt)
        ctx.progress(_("drawing the {format} cover", format=fmt))
        artifacts.append(ctx.artifact("cover", path, make))
        covers[fmt] = path
    return artifacts, covers


def _platforms(ctx: Context, captioned: dict[str, str], probed: Callable[[str], MediaInfo]) -> dict[str, str]:
    """For each platform of ``lesson.platforms``, the video to upload (the captioned one when there
    is one: feeds start muted), after checking the built file against the platform's limits: its
    length, its aspect and its size. Raises LessonError naming the video, the platform and the limit."""
    from pipeline.platforms import PLATFORMS, describe_size

    lesson, transcode = ctx.lesson, ctx.upstream.transcode
    uploads, problems = {}, []
    for key in lesson.platforms:
        platform = PLATFORMS[key]
        rel = captioned.get(platform.format) or transcode.videos.get(platform.format)
        if rel is None or not (ctx.out / rel).is_file():
            continue  # the loader asked for the format; captioned copies are checked once they exist
        info = probed(rel)
        where = f"{ctx.out.as_posix()}/{rel}"
        found = platform.too_long(info.duration)
        if found:
            problems.append(Diagnostic(where, 0, 0, "platforms", found,
                                       _("shorten clips or narration, or remove {key} from platforms in lesson.yaml", key=key)))
        want, have = platform.size[0] / platform.size[1], info.video.width / info.video.height
        if abs(want - have) > 0.01:
            problems.append(Diagnostic(where, 0, 0, "platforms",
                                       _("{width}x{height} is not the {format} frame {platform} takes", width=info.video.width,
                                         height=info.video.height, format=platform.format, platform=platform.name),
                                       _("report it: the format's size is the tool's")))
        size = (ctx.out / rel).stat().st_size
        if platform.max_bytes is not None and size > platform.max_bytes:
            problems.append(Diagnostic(where, 0, 0, "platforms",
                                       _("the file has {size}, over the {limit} {platform} takes", size=describe_size(size),
                                         limit=describe_size(platform.max_bytes), platform=platform.name),
                                       _("shorten the lesson, or remove {key} from platforms in lesson.yaml", key=key)))
        uploads[key] = rel
    if problems:
        raise LessonError(problems)
    return uploads


def _style(size: tuple[int, int], fmt: str, widest: float, font: CaptionFont, palette: dict) -> ass.Style:
    x0, y0, x1, y1 = safe_area(fmt).box(size)
    margins = (x0, y0, size[0] - x1, size[1] - y1)
    font_size = ass.fit_size(widest, size, margins)
    return ass.Style(captionfont.family_name(font.key), font_size, palette[TEXT_ROLE], palette[BOX_ROLE], round(font_size * ass.PADDING), margins)


def _jobs(ctx: Context, clean: Path, frames: int, cues: list, style: ass.Style, size: tuple[int, int], fontsdir: Path,
          folder: Path, settings: MediaSettings, font: CaptionFont) -> list[segments.Job]:
    from pipeline.fsutil import sha256_file

    folder.mkdir(parents=True, exist_ok=True)
    video_sha = sha256_file(clean)
    chunk = max(GOP, settings.chunk - settings.chunk % GOP)
    jobs = []
    for first in range(0, frames, chunk):
        count = min(chunk, frames - first)
        t0, t1 = first / FPS, (first + count) / FPS
        shown = [{"start": c.start, "end": c.end, "lines": list(c.lines)} for c in cues if c.start < t1 and c.end > t0]
        script = ass.document(shown, style, size)
        digest = hashlib.sha256(script.encode()).hexdigest()
        path = folder / f"{digest}.ass"
        path.write_text(script, encoding="utf-8")
        argv = burn_chunk(str(clean), first, count, str(path), str(fontsdir), settings, "OUT")
        key = {"stage": "social", "code": code_fingerprint("pipeline.transcode.opencaptions"), "ffmpeg": ffmpeg.ffmpeg_version(), "settings": settings.key(),
               "video": video_sha, "first": first, "frames": count, "ass": digest, "font": captionfont.parts(font)}
        # its .ass and fonts folder are named inside a filter string: encoded here, not sent to a worker
        jobs.append(segments.Job(key, tuple(argv), (), ctx.label, portable=False))
    return jobs


def params(lesson: Lesson, settings: Settings) -> dict:
    # slug names the output, script and theme appear in its messages; the title, sequence and cover make the covers
    from pipeline.platforms import PLATFORMS

    return {"formats": list(burned_formats(lesson)), "slug": lesson.slug, "script": lesson.script, "theme": lesson.theme, "settings": SETTINGS.key(),
            "title": lesson.title, "cover": lesson.cover, "sequence": [getattr(item, "section", "") for item in lesson.sequence],
            "platforms": {key: repr(PLATFORMS[key]) for key in lesson.platforms},
            "safe_areas": {fmt: [a.left, a.top, a.right, a.bottom] for fmt, a in SAFE_AREAS.items()},
            "style": [ass.MAX_SIZE, ass.MIN_SIZE, ass.PADDING, TEXT_ROLE, BOX_ROLE]}


def tools(settings: Settings) -> dict:
    return {"ffmpeg": ffmpeg.ffmpeg_version()}


STAGE = Stage(name="social", needs=("cards", "transcode", "caption"), run=run, params=params, inputs=lambda lesson: [], tools=tools,
              result=SocialResult, code=("pipeline.transcode.opencaptions",))
