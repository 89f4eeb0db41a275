"""The check registry: ids unique, every check documented, docs/checks.md current."""
from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.lesson.model import Author, CardSlide, Clip, Lesson, Section
from pipeline.review import checksdoc
from pipeline.review.registry import all_checks, check

ROOT = Path(__file__).resolve().parent.parent


def test_checks_doc_is_generated_from_the_registry():
    assert (ROOT / "docs" / "checks.md").read_text(encoding="utf-8") == checksdoc.render(), "run: .venv/bin/python -m pipeline.review.checksdoc > docs/checks.md"


def test_every_check_has_a_title_severity_and_hint():
    checks = all_checks()
    assert len(checks) >= 10
    for item in checks:
        assert item.title and item.hint, item.id
        assert item.severity in ("blocking", "advisory")


def test_a_check_id_cannot_be_registered_twice():
    first = all_checks()[0]
    with pytest.raises(ValueError, match=f"check {first.id} is registered twice"):
        check(first.id, "again", "advisory", "none")(lambda ev: [])


@pytest.mark.parametrize("sequence, expected", [
    ((CardSlide("a"),), "the computer voice (espeak-ng) has sharp peaks"),
    ((CardSlide("a"), Clip("media/talk.mp4")), "loudnorm chose 'dynamic' mode"),
    ((CardSlide("a", audio="media/a.wav"),), "loudnorm chose 'dynamic' mode"),
])
def test_a_limited_track_is_explained_by_where_the_peaks_come_from(tmp_path, sequence, expected):
    """A limiter on the computer voice alone is expected, not the teacher's to fix; on recordings it is."""
    from pipeline.review import Evidence
    from pipeline.review.registry import REGISTRY
    from conftest import transcode_result
    from pipeline.contracts import Level, Loudness, Upstream

    lesson = Lesson("l", tmp_path, "T", "en", (Author("A"),), "r", (), "CC-BY-4.0", ("o",), "teachers", ("16:9",), 90.0,
                    sequence, (Section("a", "A", "text", "Words.", 1),))
    level = Level(-16.0, -1.6, 5.0)
    loudness = Loudness(level, level, "limited", 0.0, True, "loudnorm chose 'dynamic' mode; applied linear gain and a limiter instead")
    evidence = Evidence(lesson, tmp_path, Upstream(transcode=transcode_result(loudness=loudness)), {})
    [result] = REGISTRY["loudness.mode"].run(evidence)
    assert result.passed is False and result.value == "limited"
    assert expected in result.detail
    assert "recordings" in result.hint
