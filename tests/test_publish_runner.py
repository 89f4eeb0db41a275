"""The publish run around the targets: a lesson that does not build is listed and fails the run."""
from __future__ import annotations

import pytest

import textwrap

from pipeline.publish import publish

pytestmark = [pytest.mark.media, pytest.mark.e2e]


def test_a_lesson_that_does_not_build_is_listed_and_fails_the_run(tmp_path, lesson_dir):
    lesson_dir(yaml="title: Broken\nlanguage: en\n", slug="broken")
    share = tmp_path / "share"
    share.mkdir()
    config = tmp_path / "publish.yaml"
    config.write_text(textwrap.dedent(f"""\
        targets:
          - name: share
            type: folder
            path: {share}
        """), encoding="utf-8")
    report = publish(tmp_path, tmp_path / "content", tmp_path / "build", config)
    assert not report.ok
    assert report.failures == ["broken: the build failed"]
    [(slug, state, reason)] = report.not_published
    assert (slug, state) == ("broken", "failed")
    assert reason == (f"the build failed: {tmp_path}/content/broken/lesson.yaml:1:1: audience: is required — add "
                      "'audience: ...', "
                      "e.g. teachers, grade 7 pupils (and 5 more) — run: make build LESSON=broken")
    assert report.lines()[-1] == "lessons published: 0, not published: 1, failures: 1"
    # nothing was published, so the target holds only the (empty) catalog
    assert sorted(p.name for p in share.iterdir()) == ["feed.atom", "feed.json", "index.html", "style.css"]
    assert "No lessons are published yet." in (share / "index.html").read_text()


def test_an_approved_lesson_no_target_took_still_gets_its_line():
    from pipeline.publish.runner import PublishReport

    report = PublishReport(failures=["share: the connection failed (OSError: down) — run publish again"], approved=["first-video"])
    assert report.lines() == [
        "not published  first-video (approved): no target took it, see the failures below — run publish again once they are fixed",
        "failed         share: the connection failed (OSError: down) — run publish again",
        "lessons published: 0, not published: 1, failures: 1",
    ]
