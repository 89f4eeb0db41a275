"""cmi5.xml: the bundle as a cmi5 course (xAPI), beside imsmanifest.xml for SCORM 1.2.

One zip serves both kinds of LMS: a SCORM 1.2 LMS reads imsmanifest.xml, a cmi5 LMS reads cmi5.xml
(both at the root), and both launch the same index.html, whose script reports through the SCORM API
or as a cmi5 assignable unit, whichever launched it. So a reviewer's approval covers the one file a
portal admin uploads, whatever the portal takes (docs/packaging.md).

The course structure (cmi5 specification, section 13) holds one course and one AU. Their ids are
IRIs that stay the same for a lesson version wherever it is built: ``urn:microlearn:`` + the lesson's
slug and version. The AU moves on when ``Completed`` (no questions) or ``Passed`` (questions scored
against the lesson's mastery score, given as ``masteryScore`` from 0 to 1).
"""
from __future__ import annotations

from pathlib import Path

from pipeline import __version__
from pipeline.lesson.model import Lesson
from pipeline.package.scorm import identifier
from pipeline.templates import environment

NAMESPACE = "https://w3id.org/xapi/profiles/cmi5/v1/CourseStructure.xsd"


def course_id(lesson: Lesson) -> str:
    """The course's IRI: the same for a lesson version on every machine."""
    return "urn:microlearn:" + identifier(lesson).removeprefix("microlearn-")


def course_structure(lesson: Lesson, launch: str, templates: Path) -> bytes:
    """cmi5.xml's bytes (``templates``: the templates folder of the build's settings)."""
    scored = bool(lesson.quizzes)
    text = environment(templates / "player").get_template("cmi5.xml.j2").render(
        course_id=course_id(lesson),
        au_id=course_id(lesson) + ":au",
        language=lesson.language,
        title=lesson.title,
        description="; ".join(lesson.objectives),
        launch=launch,
        move_on="Passed" if scored else "Completed",
        mastery=f"{lesson.mastery / 100:g}" if scored else None,
        tool_version=__version__,
    )
    return text.encode("utf-8")
