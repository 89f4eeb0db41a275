"""The studio's preview build: the real lesson graph with a draft encode, in its own folder.

Cards are the real cards stage (a preview card is the card that will ship), placing each page as
soon as it is drawn, edited cards first, without the handout and with the reveal steps of the
draft's one format only: the studio shows neither, so a card edit neither waits for them nor
delays the video by them. The video is the real
transcode stage with draft settings — small frames, x264 ultrafast, the first format only — so a
one-card edit of a minute-long lesson plays again within seconds. It builds into
``build/.studio/`` with its own journal and object store: the final build's cache never sees
a draft setting, and ``make build`` is never blocked by the studio's lock.
"""

from __future__ import annotations

from dataclasses import replace

from pipeline.lesson.model import Lesson
from pipeline.stage import Context, Stage
from pipeline.transcode.settings import MediaSettings

PREVIEW_FOLDER = ".studio"
DRAFT = MediaSettings(
    sizes=(("16:9", (640, 360)), ("9:16", (360, 640))),
    preset="ultrafast",
    crf=28,
    maxrate="1M",
    bufsize="2M",
    audio_bitrate="96k",
)


def _first_format(lesson: Lesson) -> Lesson:
    return replace(lesson, formats=lesson.formats[:1])


def _run(ctx: Context):
    from pipeline.transcode.assemble import transcode

    return transcode(replace(ctx, lesson=_first_format(ctx.lesson)), DRAFT, reuse_audio=True)


def _params(lesson: Lesson, *settings) -> dict:
    from pipeline import transcode

    return {**transcode.STAGE.params(_first_format(lesson), *settings), "settings": DRAFT.key()}


def draft_transcode() -> Stage:
    """The transcode stage as it is (upstream, inputs, tools, result type), with the draft encode;
    its code fingerprint covers the transcode package and this module."""
    from pipeline import transcode

    return _variant(transcode.STAGE, _run, _params)


def _cards_run(ctx: Context):
    from pipeline import cards

    return cards.run(ctx, handout=False, early=True, steps=tuple(ctx.lesson.formats[:1]))


def _cards_params(lesson: Lesson, *settings) -> dict:
    from pipeline import cards

    return {**cards.STAGE.params(lesson, *settings), "handout": False, "steps": list(lesson.formats[:1])}


def preview_cards() -> Stage:
    """The cards stage as it is, placing pages as they are drawn, drawing no handout and the reveal
    steps of the draft video's format only (the studio shows neither)."""
    from pipeline import cards

    return _variant(cards.STAGE, _cards_run, _cards_params)


def _variant(stage: Stage, run, params) -> Stage:
    """``stage`` with the studio's own ``run`` and ``params``; its code fingerprint covers its own
    code and this module."""
    return replace(stage, run=run, params=params, code=(stage.code or (stage.run.__module__,)) + (__name__,))


def preview_stages() -> list[Stage]:
    """cards -> draft transcode -> caption: what the studio shows, nothing the review adds."""
    from pipeline import caption

    return [preview_cards(), draft_transcode(), caption.STAGE]
