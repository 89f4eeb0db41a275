"""The studio's preview graph: the real stages, a draft encode whose settings never meet the house format's."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from pipeline import caption, cards, transcode
from pipeline.contracts import Upstream
from pipeline.lesson.loader import load_lesson
from pipeline.settings import Settings
from pipeline.stage import Context, ObjectStore
from conftest import LESSON_YAML, SCRIPT_MD
from pipeline.studio.preview import DRAFT, PREVIEW_FOLDER, draft_transcode, preview_cards, preview_stages

EXAMPLE = Path(__file__).resolve().parent.parent / "content" / "first-teacher-video"


def test_preview_graph_is_the_real_one_with_a_draft_encode():
    stages = preview_stages()
    assert [s.name for s in stages] == ["cards", "transcode", "caption"]
    assert stages[2] is caption.STAGE
    assert (stages[0].needs, stages[0].inputs, stages[0].tools) == (cards.STAGE.needs, cards.STAGE.inputs, cards.STAGE.tools)
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


def test_preview_cards_key_says_no_handout_and_follows_their_code():
    lesson = load_lesson(EXAMPLE, probe_media=False)
    settings = Settings(Path("content"), Path("build"))
    stage = preview_cards()
    assert stage.params(lesson, settings) == {**cards.STAGE.params(lesson, settings), "handout": False, "steps": ["16:9"]}
    assert stage.code == ("pipeline.cards", "pipeline.studio.preview") and stage.fingerprint() != cards.STAGE.fingerprint()


def _cards_ctx(root: Path, build: Path, seen: list) -> Context:
    settings = Settings(root.parent, build)
    lesson = load_lesson(root, probe_media=False, templates=settings.templates)
    return Context(lesson, settings, build / lesson.slug, ObjectStore(build / "objects"), Upstream(),
                   logging.getLogger("test.studio"), ready=seen.append)


def test_preview_places_the_edited_card_first_and_draws_no_handout(lesson_dir, tmp_path):
    root = lesson_dir(yaml=LESSON_YAML.replace("  - type: end", "  - type: card\n    section: light\n  - type: end"),
                      script=SCRIPT_MD + "\n## Light from a window {#light}\n\nFace the window.\n\nNarration: Face a window.\n")
    seen: list = []
    result = preview_cards().run(_cards_ctx(root, tmp_path / "build", seen))
    assert result.handout == "" and result.handouts == {}
    assert not [a for a in result.artifacts if a.kind == "handout"]
    assert not list((tmp_path / "build").rglob("*.pdf"))
    # every page is placed exactly once, and said so as it was placed: every card before any slide
    assert sorted(a.path for a in seen) == sorted(a.path for a in result.artifacts)
    assert [a.path for a in seen[:4]] == ["cards/social/01-hold-steady.png", "cards/social/02-light.png",
                                          "cards/square/01-hold-steady.png", "cards/square/02-light.png"]
    assert {a.kind for a in seen[4:]} == {"slide"}

    script = root / "script.md"
    script.write_text(script.read_text(encoding="utf-8").replace("Face the window.", "Face the big window."), encoding="utf-8")
    seen.clear()
    edited = preview_cards().run(_cards_ctx(root, tmp_path / "build", seen))
    before = {a.path: a.sha256 for a in result.artifacts}
    changed = [a.path for a in seen if a.sha256 != before[a.path]]
    assert changed[:2] == ["cards/social/02-light.png", "cards/square/02-light.png"]
    assert set(changed[2:]) == {"slides/16x9/02-light.png"}  # its slide, after the cards
    assert {a.path: a.sha256 for a in seen} == {a.path: a.sha256 for a in edited.artifacts}


def test_the_final_cards_stage_places_its_pages_only_once_all_are_drawn(lesson_dir, tmp_path, monkeypatch):
    """A failing final build leaves the last good pages: nothing is placed while pages are drawn."""
    from pipeline.cards import deck

    root = lesson_dir()
    seen: list = []
    draw = deck.draw

    def spy(*args, **kwargs):
        drawn = draw(*args, **kwargs)
        assert seen == [] and kwargs.get("on_page") is None
        return drawn

    monkeypatch.setattr(deck, "draw", spy)
    result = cards.STAGE.run(_cards_ctx(root, tmp_path / "build", seen))
    assert [a.path for a in seen] == [a.path for a in result.artifacts]  # each said as placed, handouts too
    assert result.handout == "cards/handout.pdf"


def test_a_placed_file_updates_only_what_shows_it(tmp_path):
    from pipeline.contracts import Artifact
    from pipeline.studio.workspace import Workspace

    workspace = Workspace(Settings(tmp_path / "content", tmp_path / "build"))
    listener = workspace.listen()
    card = {"id": "a", "title": "A", "images": {"social": "/preview/l/cards/social/01-a.png?v=old",
                                                "square": "/preview/l/cards/square/01-a.png?v=old"}}
    workspace.update("l", cards=[card], slides={"16:9": {"title": "/preview/l/slides/16x9/00-title.png?v=t",
                                                         "end": "", "cards": {"a": "/preview/l/slides/16x9/01-a.png?v=old"}}})
    listener.get_nowait()
    workspace.publish_file("l", Artifact("card", "cards/social/01-a.png", "f" * 64, 1))
    state = listener.get_nowait()
    assert state["cards"][0]["images"] == {"social": "/preview/l/cards/social/01-a.png?v=ffffffffffff",
                                           "square": "/preview/l/cards/square/01-a.png?v=old"}
    workspace.publish_file("l", Artifact("card", "cards/social/01-a.png", "f" * 64, 1))  # the same again: no event
    workspace.publish_file("l", Artifact("slide", "slides/16x9/01-a.png", "e" * 64, 1))
    assert listener.get_nowait()["slides"]["16:9"]["cards"]["a"].endswith("?v=eeeeeeeeeeee")
    workspace.publish_file("l", Artifact("video", "video/l-16x9.mp4", "d" * 64, 1))
    assert listener.get_nowait()["video"] == {"src": "/preview/l/video/l-16x9.mp4?v=dddddddddddd",
                                              "sha256": "d" * 64, "poster": ""}
    assert listener.empty()


@pytest.mark.media
def test_the_draft_reuses_the_finished_track_while_only_pictures_change(lesson_dir, tmp_path):
    from pipeline.build import build

    root = lesson_dir()
    settings = Settings(root.parent, tmp_path / "build")
    objects = settings.build_dir / ".cache" / "objects"

    def preview() -> tuple:
        report = build(settings, [root], stages=preview_stages())[0]
        assert report.ok, report.errors
        result = report.results["transcode"]
        speech = {a.path: a.sha256 for a in result.artifacts if a.kind == "speech"}
        video = next(a.sha256 for a in result.artifacts if a.kind == "video")
        return result.loudness, speech, video, sorted(objects.rglob("*.m4a"))

    loudness, speech, video, kept = preview()  # measured, normalised and encoded: kept
    assert len(kept) == 1 and speech
    script = root / "script.md"
    script.write_text(script.read_text(encoding="utf-8").replace("Use both hands", "Use two hands"), encoding="utf-8")
    again = preview()  # a card text edit: a new video with the very same sound
    assert again[0] == loudness and again[1] == speech and again[3] == kept and again[2] != video
    script.write_text(script.read_text(encoding="utf-8").replace("Lean on a table to", "Lean on a desk to"), encoding="utf-8")
    spoken = preview()  # a narration edit: the sound is made again
    assert len(spoken[3]) == 2 and spoken[1] != speech


def test_preview_draws_the_reveal_steps_of_the_draft_format_only(lesson_dir, tmp_path):
    root = lesson_dir(yaml=LESSON_YAML.replace('formats: ["16:9"]', 'formats: ["16:9", "9:16"]'))
    preview = preview_cards().run(_cards_ctx(root, tmp_path / "preview", []))
    final = cards.STAGE.run(_cards_ctx(root, tmp_path / "final", []))
    assert set(final.slides["16:9"].steps) == set(final.slides["9:16"].steps) == {"hold-steady"}
    assert preview.slides["16:9"].steps == final.slides["16:9"].steps and preview.slides["9:16"].steps == {}
    assert preview.slides["9:16"].cards == final.slides["9:16"].cards  # its slides are still drawn and shown
