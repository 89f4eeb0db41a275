"""imsmanifest.xml: the SCORM 1.2 content package description at the root of the bundle.

Moodle imports SCORM 1.2 natively (SCORM 2004 it does not), so that is what we write: IMS CP 1.1.2
with the ADL CP 1.2 extensions, metadata schema "ADL SCORM" 1.2, one organization whose single item
launches one `webcontent` resource of `adlcp:scormtype="sco"`, and a `<file>` for every file in the
package. The metadata holds no LOM record: every LMS reads the title from the organization. A lesson
with questions gives its item an ``adlcp:masteryscore`` (the share of right answers that passes).
"""
from __future__ import annotations

import re
from pathlib import Path

from pipeline import __version__
from pipeline.lesson.model import Lesson
from pipeline.templates import environment


def identifier(lesson: Lesson) -> str:
    """An xsd:ID (letters, digits, '-', '_', '.'; not starting with a digit) naming this lesson version."""
    version = re.sub(r"[^A-Za-z0-9._-]+", "-", lesson.version).strip("-") or "1"
    return f"microlearn-{lesson.slug}-v{version}"


def imsmanifest(lesson: Lesson, launch: str, files: list[str], templates: Path) -> bytes:
    """The manifest's bytes; ``files`` are the package's paths (imsmanifest.xml itself is not listed)."""
    text = environment(templates / "player").get_template("imsmanifest.xml.j2").render(
        identifier=identifier(lesson),
        version=re.sub(r"\s+", "-", lesson.version),
        title=lesson.title,
        launch=launch,
        files=sorted(files),
        tool_version=__version__,
        # the LMS judges passed/failed from the score only where there are questions to score
        mastery=lesson.mastery if lesson.quizzes else None,
    )
    return text.encode("utf-8")
