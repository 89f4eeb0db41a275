"""Where on the studio's page a validation message belongs.

A message about lesson.yaml goes to the form field its path names (``authors[0].name``), one
about the script to the card and the part of it (heading, text, narration) its line is in; what
has no field (a media file, the whole lesson) goes to the lesson's message list. Every message
keeps the one-line text ``make check`` prints.
"""

from __future__ import annotations

from pipeline.errors import Diagnostic
from pipeline.studio import scriptedit


def target(error: dict, script_name: str, script_text: str) -> str:
    """``field:<path>``, ``section:<id>.<title|body|narration>`` or ``lesson``."""
    file = error.get("file", "")
    if file.endswith("/lesson.yaml") or file == "lesson.yaml":
        return f"field:{error['field']}" if error.get("field") else "lesson"
    if file.endswith("/" + script_name) or file == script_name:
        line = int(error.get("line") or 0) - 1
        for block in scriptedit.blocks(script_text):
            if block.heading <= line < block.end:
                if line == block.heading:
                    # a message naming the card itself (text that does not fit it) is about its text
                    part = "body" if error.get("field") else "title"
                elif block.narration is not None and line >= block.narration:
                    part = "narration"
                else:
                    part = "body"
                return f"section:{block.id}.{part}"
    return "lesson"


def placed(errors: list[dict], script_name: str, script_text: str) -> list[dict]:
    """Each error as the page shows it: its target and the line ``make check`` prints."""
    out = []
    for error in errors:
        if "line" in error or "field" in error:
            text = str(
                Diagnostic(
                    error.get("file", ""),
                    int(error.get("line") or 0),
                    int(error.get("column") or 0),
                    error.get("field", ""),
                    error.get("message", ""),
                    error.get("hint", ""),
                )
            )
        else:
            text = error.get("message", "")
        out.append(
            {
                **{k: v for k, v in error.items() if k != "traceback"},
                "target": target(error, script_name, script_text),
                "text": text,
            }
        )
    return out
