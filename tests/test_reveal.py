"""Motion that follows the narration: which units a card has, when each appears, and the step
pictures the cards stage draws (each shows one more unit, nothing else moves)."""
from __future__ import annotations

import logging

import numpy as np
import pytest
from PIL import Image

from pipeline.cards import STAGE
from pipeline.reveal import hide_after, reveal_frames, steps, units
from pipeline.lesson.loader import load_lesson
from pipeline.contracts import Upstream
from pipeline.stage import Context, ObjectStore, Settings
from pipeline.transcode.assemble import _held
from pipeline.transcode.narration import Narration, Sentence
from pipeline.transcode.plan import Part
from tests.conftest import LESSON_YAML, SCRIPT_MD


def test_units_are_paragraphs_and_list_items_in_reading_order():
    html = "<p>a</p><ul><li>x<ul><li>nested</li></ul></li><li>y<br>z</li></ul><blockquote><p>q</p></blockquote>"
    assert units(html) == [".card-body > :nth-child(1)", ".card-body > :nth-child(2) > li:nth-child(1)",
                           ".card-body > :nth-child(2) > li:nth-child(2)", ".card-body > :nth-child(3)"]
    assert hide_after(units(html), 3) == "<style>.card-body > :nth-child(3) { visibility: hidden !important; }</style>"
    assert hide_after(units(html), 4) == ""


def test_units_appear_with_the_sentences_and_the_part_keeps_its_length():
    assert reveal_frames(4, [12, 60, 120]) == [0, 12, 60, 120]
    assert reveal_frames(3, [12, 60, 120, 200, 260]) == [0, 60, 200]  # units spread over the sentences
    assert steps(4, [12, 60, 120], 200) == [(1, 12), (2, 48), (3, 60), (4, 80)]
    assert steps(3, [], 90) == [(3, 90)]
    # on a 15-frame grid a unit appears at or just before its sentence; the first two here both at once
    assert steps(4, [12, 60, 128], 200, grid=15) == [(2, 60), (3, 60), (4, 80)]
    assert steps(2, [12, 300], 200) == [(1, 199), (2, 1)]  # a late sentence still shows the whole card
    for count, starts, frames in ((5, [3, 40, 41, 90], 150), (2, [0], 30), (6, [10, 20], 25)):
        assert sum(f for _, f in steps(count, starts, frames)) == frames and steps(count, starts, frames)[-1][0] == count


def test_a_card_part_holds_each_step_from_its_sentence():
    part = Part(index=1, kind="card", frames=150, section="a", lead=0.4,
                narration=Narration(np.zeros((0, 2), dtype=np.float32), (Sentence("One.", 0.0, 1.0), Sentence("Two.", 2.0, 3.0)), "One. Two.", True))
    # three units, two sentences: the first unit at once, the second with sentence 1 (0.4 s), the third with sentence 2 (2.4 s)
    assert _held(part, 150, "final.png", ["s1.png", "s2.png"]) == [("s1.png", 12), ("s2.png", 60), ("final.png", 78)]
    assert _held(part, 150, "final.png", []) == [("final.png", 150)]
    # on the transcode stage's 15-frame grid: each step but the last is whole units (one stored encode)
    assert _held(part, 150, "final.png", ["s1.png", "s2.png"], 15) == [("s2.png", 60), ("final.png", 90)]


@pytest.mark.media
def test_slides_get_one_step_picture_per_unit_and_cards_none(tmp_path, lesson_dir):
    yaml = LESSON_YAML.replace('formats: ["16:9"]', 'formats: ["9:16"]')
    lesson = load_lesson(lesson_dir(yaml=yaml, script=SCRIPT_MD), probe_media=False)
    ctx = Context(lesson, Settings(lesson.root.parent, tmp_path / "build"), tmp_path / "build" / lesson.slug,
                  ObjectStore(tmp_path / "objects"), Upstream(), logging.getLogger("test"))
    result = STAGE.run(ctx)
    final = result.slides["9:16"].cards["hold-steady"]
    assert result.slides["9:16"].steps == {"hold-steady": (final.removesuffix(".png") + "-step1.png",)}
    step = np.asarray(Image.open(ctx.out / result.slides["9:16"].steps["hold-steady"][0]).convert("L"), dtype=int)
    full = np.asarray(Image.open(ctx.out / final).convert("L"), dtype=int)
    rows = np.nonzero(np.abs(step - full).max(axis=1) > 60)[0]
    assert len(rows) > 20  # the second bullet is missing from the step...
    assert np.abs(step[: rows.min()] - full[: rows.min()]).max() == 0  # ...and everything above it is identical
    assert not any("step" in a.path for a in result.artifacts if a.kind == "card")
