"""The studio's preview build: the real lesson graph with a draft encode, in its own folder.

Cards are the real cards stage (a preview card is the card that will ship). The video is the real
transcode stage with draft settings — small frames, x264 ultrafast, the first format only — so a
one-card edit of a minute-long lesson plays again within seconds. It builds into
``build/.studio/`` with its own journal and object store: the final build's cache never sees
a draft setting, and ``make build`` is never blocked by the studio's lock.
"""
from __future__ import annotations

from dataclasses import replace

from pipeline.lesson.model import Lesson
from pipeline.stage import Context, Stage, StageResult
from pipeline.transcode.settings import MediaSettings

PREVIEW_FOLDER = ".studio"
DRAFT = MediaSettings(sizes=(("16:9", (640, 360)), ("9:16", (360, 640))), preset="ultrafast", crf=28,
                      maxrate="1M", bufsize="2M", audio_bitrate="96k")


def _first_format(lesson: Lesson) -> Lesson:
    return replace(lesson, formats=lesson.formats[:1])


def _run(ctx: Context) -> StageResult:
    from pipeline.transcode.assemble import transcode

    return transcode(replace(ctx, lesson=_first_format(ctx.lesson)), DRAFT)


def _params(lesson: Lesson) -> dict:
    from pipeline import transcode

    return {**transcode.params(_first_format(lesson)), "settings": DRAFT.key()}


def _inputs(lesson: Lesson) -> list[str]:
    from pipeline import transcode

    return transcode.inputs(lesson)


def _tools() -> dict:
    from pipeline import transcode

    return transcode.tools()


DRAFT_TRANSCODE = Stage("transcode", ("cards",), _run, _params, _inputs, _tools, version="draft-1")


def preview_stages() -> list[Stage]:
    """cards -> draft transcode -> caption: what the studio shows, nothing the review adds."""
    from pipeline import caption, cards

    return [cards.STAGE, DRAFT_TRANSCODE, caption.STAGE]
