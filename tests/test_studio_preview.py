"""The studio's preview graph: the real stages, a draft encode whose settings never meet the house format's."""
from __future__ import annotations

from pathlib import Path

from pipeline import caption, cards, transcode
from pipeline.lesson.loader import load_lesson
from pipeline.studio.preview import DRAFT, DRAFT_TRANSCODE, PREVIEW_FOLDER, preview_stages

EXAMPLE = Path(__file__).resolve().parent.parent / "content" / "first-teacher-video"


def test_preview_graph_is_the_real_one_with_a_draft_encode():
    stages = preview_stages()
    assert [s.name for s in stages] == ["cards", "transcode", "caption"]
    assert stages[0] is cards.STAGE and stages[2] is caption.STAGE and stages[1] is DRAFT_TRANSCODE
    assert PREVIEW_FOLDER == ".studio"
    assert dict(DRAFT.sizes) == {"16:9": (640, 360), "9:16": (360, 640)} and DRAFT.preset == "ultrafast"


def test_draft_keys_differ_from_the_house_format_and_encode_one_format():
    lesson = load_lesson(EXAMPLE, probe_media=False)
    house, draft = transcode.STAGE.params(lesson), DRAFT_TRANSCODE.params(lesson)
    assert house["settings"] == transcode.SETTINGS.key() and draft["settings"] == DRAFT.key() != house["settings"]
    assert house["formats"] == ["16:9", "9:16"] and draft["formats"] == ["16:9"]
    assert DRAFT_TRANSCODE.version != transcode.STAGE.version
    assert DRAFT_TRANSCODE.inputs(lesson) == transcode.STAGE.inputs(lesson) == ["media/phone-check.mp4"]
