"""The studio's preview graph: the real stages, a draft encode whose settings never meet the house format's."""

from __future__ import annotations

from pathlib import Path

from pipeline import caption, cards, transcode
from pipeline.lesson.loader import load_lesson
from pipeline.settings import Settings
from pipeline.studio.preview import DRAFT, PREVIEW_FOLDER, draft_transcode, preview_stages

EXAMPLE = Path(__file__).resolve().parent.parent / "content" / "first-teacher-video"


def test_preview_graph_is_the_real_one_with_a_draft_encode():
    stages = preview_stages()
    assert [s.name for s in stages] == ["cards", "transcode", "caption"]
    assert stages[0] is cards.STAGE and stages[2] is caption.STAGE
    assert (
        stages[1].needs == transcode.STAGE.needs
        and stages[1].inputs is transcode.STAGE.inputs
        and stages[1].tools is transcode.STAGE.tools
    )
    assert PREVIEW_FOLDER == ".studio"
    assert dict(DRAFT.sizes) == {"16:9": (640, 360), "9:16": (360, 640)} and DRAFT.preset == "ultrafast"


def test_draft_keys_differ_from_the_house_format_and_encode_one_format():
    lesson = load_lesson(EXAMPLE, probe_media=False)
    draft_stage = draft_transcode()
    settings = Settings(Path("content"), Path("build"))
    house, draft = transcode.STAGE.params(lesson, settings), draft_stage.params(lesson, settings)
    assert house["settings"] == transcode.SETTINGS.key() and draft["settings"] == DRAFT.key() != house["settings"]
    assert house["formats"] == ["16:9", "9:16"] and draft["formats"] == ["16:9"]
    # its code fingerprint covers the transcode package and the draft's own module
    assert draft_stage.code == ("pipeline.transcode", "pipeline.studio.preview")
    assert draft_stage.fingerprint() != transcode.STAGE.fingerprint()
    assert draft_stage.inputs(lesson) == ["media/phone-check.mp4"]
