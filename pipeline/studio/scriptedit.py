"""Section-level edits of the markdown script: one card's heading, text or narration at a time.

The script is read the way ``pipeline.lesson.script`` reads it (``## `` headings outside code
fences, a ``Narration:`` line in one of the teacher's languages); an edit replaces only the lines
of the part that changed, so everything else — other cards, blank lines, the marker word the
teacher chose, the line endings — stays byte for byte.
"""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.lesson.script import _EXPLICIT_ID, NARRATION_MARKERS, outline, slugify


@dataclass(frozen=True)
class Block:
    """One ``## `` section of the script, by 0-based line numbers (``end`` exclusive)."""

    id: str
    title: str
    explicit: bool  # the heading carries {#id}
    heading: int
    end: int
    narration: int | None  # line of the Narration: marker
    body: str
    narration_text: str


def newline_of(text: str) -> str:
    return "\r\n" if "\r\n" in text else "\n"


def blocks(text: str) -> list[Block]:
    """The script's sections in file order (sections whose heading gives no id are left out)."""
    lines = text.splitlines()
    heads, fenced = outline(text)  # the loader's own split and code fences (markdown-it tokens), so both agree
    found = []
    for number, (start, after, title) in enumerate(heads):
        end = heads[number + 1][0] if number + 1 < len(heads) else len(lines)
        id_match = _EXPLICIT_ID.search(title)
        explicit = bool(id_match)
        section_id = id_match.group(1) if id_match else slugify(title)
        if id_match:
            title = title[: id_match.start()].rstrip()
        if not section_id:
            continue
        marker = None
        for offset in range(after, end):
            if offset not in fenced and lines[offset].strip().casefold().startswith(NARRATION_MARKERS):
                marker = offset
                break
        body_end = marker if marker is not None else end
        body = "\n".join(lines[after:body_end]).strip()
        narration = ""
        if marker is not None:
            first = lines[marker].strip()
            word = next(m for m in NARRATION_MARKERS if first.casefold().startswith(m))
            narration = " ".join(" ".join([first[len(word) :], *lines[marker + 1 : end]]).split())
        found.append(Block(section_id, title, explicit, start, end, marker, body, narration))
    return found


def find(text: str, section_id: str) -> Block | None:
    return next((b for b in blocks(text) if b.id == section_id), None)


def _last_text(lines: list[str], start: int, end: int) -> int:
    """One past the last non-blank line in lines[start:end] (start when all are blank)."""
    while end > start and not lines[end - 1].strip():
        end -= 1
    return end


def _splice(text: str, start: int, end: int, new: list[str]) -> str:
    nl = newline_of(text)
    lines = text.splitlines()
    lines[start:end] = new
    return nl.join(lines) + (nl if text.endswith(("\n", "\r")) or not text else "")


def set_title(text: str, section_id: str, title: str) -> str:
    """Rewrite the heading; the id is pinned with {#id} so the sequence still finds the card."""
    block = find(text, section_id)
    if block is None or block.title == title:
        return text
    return _splice(text, block.heading, block.heading + 1, [f"## {title} {{#{section_id}}}"])


def set_body(text: str, section_id: str, body: str) -> str:
    """Replace the card text (the lines between the heading and the narration)."""
    block = find(text, section_id)
    if block is None or block.body == body.strip():
        return text
    lines = text.splitlines()
    stop = block.narration if block.narration is not None else _last_text(lines, block.heading + 1, block.end)
    new = (
        [""] + body.strip().splitlines() + ([""] if block.narration is not None else [])
        if body.strip()
        else ([""] if block.narration is not None else [])
    )
    return _splice(text, block.heading + 1, stop, new)


def set_narration(text: str, section_id: str, narration: str) -> str:
    """Replace the narration paragraph, keeping the marker word the teacher used."""
    narration = " ".join(narration.split())
    block = find(text, section_id)
    if block is None or block.narration_text == narration:
        return text
    lines = text.splitlines()
    if block.narration is None:
        at = _last_text(lines, block.heading + 1, block.end)
        return _splice(text, at, at, ["", f"Narration: {narration}"])
    stop = _last_text(lines, block.narration, block.end)
    if not narration:
        return _splice(text, block.narration - (1 if not lines[block.narration - 1].strip() else 0), stop, [])
    first = lines[block.narration]
    stripped = first.lstrip()
    word = next(m for m in NARRATION_MARKERS if stripped.casefold().startswith(m))
    marker = first[: len(first) - len(stripped) + len(word)]
    return _splice(text, block.narration, stop, [f"{marker} {narration}"])


def add_section(text: str, section_id: str, title: str, body: str = "", narration: str = "") -> str:
    """Append a new card section at the end of the script."""
    nl = newline_of(text)
    new = [f"## {title} {{#{section_id}}}", ""]
    if body.strip():
        new += body.strip().splitlines() + [""]
    if narration.strip():
        new += [f"Narration: {' '.join(narration.split())}", ""]
    head = text.rstrip("\r\n")
    return (head + nl + nl if head else "") + nl.join(new[:-1]) + nl


def remove_section(text: str, section_id: str) -> str:
    """Delete a card's section (heading to the next heading)."""
    block = find(text, section_id)
    if block is None:
        return text
    return _splice(text, block.heading, block.end, [])


def new_id(title: str, taken: set[str]) -> str:
    """An id for a new card from its title, not yet used in the script."""
    base = slugify(title) or "card"
    candidate, number = base, 2
    while candidate in taken:
        candidate, number = f"{base}-{number}", number + 1
    return candidate
