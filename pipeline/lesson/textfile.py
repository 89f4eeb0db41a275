"""Reading a teacher's text files (lesson.yaml, the script) as untrusted input.

A file is resolved and checked to lie inside the lesson folder *before* it is opened, so a link to
``~/.env`` is refused without a byte of it being read (and so without any of it reaching an error
message or a log). It must be a regular file (a FIFO would block the build) no larger than its
limit, and UTF-8: a leading byte-order mark is dropped (editors on Windows add one, and it would
hide the first heading), anything else that is not UTF-8 is reported with its line. Invisible
characters that change how text is shown (bidirectional overrides) or split words unseen
(zero-width spaces) are reported with their line and column: on a card or in a caption they
would mislead the reader or the reviewer.
"""
from __future__ import annotations

import os
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from pipeline.errors import Diagnostic
from pipeline.i18n import _

KIB = 1024
# A real lesson.yaml is 1-5 KB and a script 5-30 KB; the limits leave ample room and keep the
# pure-Python YAML parser well under a second even for a file at the limit.
MAX_YAML_BYTES = 256 * KIB
MAX_SCRIPT_BYTES = 1024 * KIB
MAX_INVISIBLE_REPORTED = 10  # per file: enough to show the pattern, not a wall of messages

BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
ZERO_WIDTH = frozenset("\u200b\u200c\u200d\u2060\ufeff")
_INVISIBLE = re.compile("[" + "".join(sorted(BIDI_CONTROLS | ZERO_WIDTH)) + "]")
UTF8_BOM = b"\xef\xbb\xbf"
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


@dataclass(frozen=True)
class TextFile:
    """The outcome of reading one file: its text (None when it could not be used) and problems."""

    text: str | None
    problems: list[Diagnostic]
    missing: bool = False


def inside(root: Path, path: Path) -> bool:
    """Whether ``path``, with every link resolved, lies inside the folder ``root``."""
    try:
        return path.resolve(strict=False).is_relative_to(Path(root).resolve())
    except (OSError, RuntimeError):  # a link loop
        return False


def read_text(root: Path, rel: str, label: str, limit: int) -> TextFile:
    """Read ``root/rel`` as UTF-8 text, checking containment, kind and size before opening it.

    ``label`` names the file in diagnostics. Returns ``TextFile(missing=True)`` (and no problem)
    when there is no file, so that the caller says what to create.
    """
    path = Path(root) / rel
    if not os.path.lexists(path):
        return TextFile(None, [], missing=True)
    if not inside(root, path):
        return TextFile(None,
                        [Diagnostic(label, 0, 0, "",
                                    _("leads outside the lesson folder (through a link); it was not read"),
                                    _("copy the file itself into the lesson folder instead of linking to it"))])
    try:
        info = os.stat(path)
    except OSError:
        return TextFile(None, [], missing=True)  # a dangling link inside the folder
    if not _is_regular(info.st_mode):
        return TextFile(None,
                        [Diagnostic(label, 0, 0, "", _("is not a regular file"), _("replace it with a plain text file"))])
    if info.st_size > limit:
        return TextFile(None, [_too_big(label, info.st_size, limit)])
    with open(path, "rb") as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:  # grew since it was measured
        return TextFile(None, [_too_big(label, len(data), limit)])
    return decode(data, label)


def _is_regular(mode: int) -> bool:
    import stat

    return stat.S_ISREG(mode)


def _too_big(label: str, size: int, limit: int) -> Diagnostic:
    return Diagnostic(label, 0, 0, "", _("is {size} KB, over the limit of {limit} KB for this file", size=size // KIB,
                                         limit=limit // KIB),
                      _("a lesson's text files are small: remove pasted data or long logs from it"))


def decode(data: bytes, label: str) -> TextFile:
    """UTF-8 bytes to text: BOM dropped, undecodable bytes and invisible characters reported."""
    if data.startswith(UTF16_BOMS):
        return TextFile(None,
                        [Diagnostic(label, 1, 1, "", _("is saved as UTF-16 text, not UTF-8"),
                                    _("save the file as UTF-8 in your editor"))])
    if data.startswith(UTF8_BOM):
        data = data[len(UTF8_BOM):]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line_start = data.rfind(b"\n", 0, exc.start) + 1
        line = data.count(b"\n", 0, exc.start) + 1
        col = len(data[line_start:exc.start].decode("utf-8", "replace")) + 1
        return TextFile(None,
                        [Diagnostic(label, line, col, "",
                                    _("is not UTF-8 text (byte 0x{byte} here is not UTF-8)", byte=f"{data[exc.start]:02x}"),
                                    _("save the file as UTF-8 in your editor (Save as → Encoding: UTF-8)"))])
    return TextFile(text, invisible_characters(text, label))


def invisible_characters(text: str, label: str) -> list[Diagnostic]:
    """One diagnostic per invisible control or zero-width character (at most MAX_INVISIBLE_REPORTED)."""
    problems: list[Diagnostic] = []
    for number, line in enumerate(text.splitlines(), 1):
        for match in _INVISIBLE.finditer(line):
            char = match.group()
            name = unicodedata.name(char, "FORMAT CHARACTER")
            if char in BIDI_CONTROLS:
                message = _("invisible direction control U+{code} ({name}): it changes the order in which the text is shown",
                            code=f"{ord(char):04X}", name=name)
            else:
                message = _("invisible character U+{code} ({name}): it splits or joins words without being seen",
                            code=f"{ord(char):04X}", name=name)
            problems.append(Diagnostic(label, number, match.start() + 1, "", message,
                                       _("delete it (it was probably pasted along with the text)")))
            if len(problems) == MAX_INVISIBLE_REPORTED:
                return problems
    return problems
