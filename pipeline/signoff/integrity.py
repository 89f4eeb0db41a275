"""What a bundle zip is, byte for byte, and how an edited copy differs from the approved one.

An approval signs the sha256 of the whole zip file (every byte that is published: the entries,
manifest.json, the zip's own headers, its comment, anything before or after it) and, to say
*what* changed when a copy no longer matches, the sha256 of each entry. ``layout`` reads both
from one open handle; ``differences`` turns an approved record and a layout into one short
phrase per change, for ``microlearn verify`` and the publish report.
"""
from __future__ import annotations

import struct
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.fsutil import sha256_stream
from pipeline.i18n import _, _n

_END = b"PK\x05\x06"  # end of central directory record: 22 bytes, then the comment
_END_SIZE = 22
_END_SEARCH = _END_SIZE + 0xFFFF  # the record sits within the last 22 + 65535 (longest comment) bytes


@dataclass(frozen=True)
class Layout:
    """A zip file as published: its sha256 and size, and what is inside and around the archive."""

    sha256: str
    bytes: int
    files: dict[str, str] = field(default_factory=dict)  # entry name -> sha256 of its content
    leading: int = 0  # bytes before the first entry
    trailing: int = 0  # bytes after the end record and its comment
    comment: bytes = b""
    problem: str = ""  # why it could not be read as a zip ("" when it could)

    def record(self, name: str) -> dict:
        """What an approval signs about this file (see pipeline/signoff/approval.py)."""
        return {"name": name, "sha256": self.sha256, "bytes": self.bytes, "files": dict(sorted(self.files.items()))}


def layout(path: Path, read: tuple[str, ...] = ()) -> tuple[Layout, dict[str, bytes]]:
    """The layout of the zip at ``path`` and the bytes of the entries named in ``read`` (those
    present), all from one open handle: what is read is what was hashed. Raises OSError when the
    file cannot be opened; a file that is not a zip gives a layout with ``problem`` set."""
    with open(path, "rb") as handle:
        sha256 = sha256_stream(handle)
        size = handle.tell()
        try:
            handle.seek(0)
            with zipfile.ZipFile(handle) as archive:
                files, wanted = {}, {}
                for info in archive.infolist():
                    with archive.open(info) as entry:
                        files[info.filename] = sha256_stream(entry)
                    if info.filename in read:
                        wanted[info.filename] = archive.read(info)
                leading = min((info.header_offset for info in archive.infolist()), default=archive.start_dir)
                comment = archive.comment
        except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError, NotImplementedError) as exc:
            return Layout(sha256, size, problem=_("not a zip archive ({reason})", reason=exc)), {}
        if _hash_again(handle) != sha256:  # an in-place writer: what was read may not be what was hashed
            return Layout(sha256, size, problem=_("the file changed while it was read")), {}
        return Layout(sha256, size, files, leading, _trailing(handle, size), comment), wanted


def _hash_again(handle) -> str:
    handle.seek(0)
    return sha256_stream(handle)


def _trailing(handle, size: int) -> int:
    """Bytes after the end of central directory record and its comment (zipfile itself ignores them)."""
    handle.seek(max(0, size - _END_SEARCH))
    tail = handle.read()
    at = tail.rfind(_END)
    if at < 0 or at + _END_SIZE > len(tail):
        return 0
    (comment_length,) = struct.unpack("<H", tail[at + 20:at + 22])
    return max(0, len(tail) - (at + _END_SIZE + comment_length))


def differences(approved: dict, actual: Layout) -> list[str]:
    """One phrase per way ``actual`` differs from the ``approved`` record (Layout.record); empty
    when the sha256 and size are the approved ones."""
    if actual.sha256 == approved["sha256"] and actual.bytes == approved["bytes"]:
        return []
    if actual.problem:
        return [actual.problem]
    found = []
    if actual.leading:
        # English keeps "byte(s)" (docs and scripts quote it); the catalogs give each language its plural forms
        found.append(_n("{n} byte(s) were added before the zip", "{n} byte(s) were added before the zip", actual.leading))
    if actual.trailing:
        found.append(_n("{n} byte(s) were added after the end of the zip", "{n} byte(s) were added after the end of the zip",
                        actual.trailing))
    if actual.comment:
        found.append(_n("a zip comment of {n} byte(s) was added (approved bundles have none)",
                        "a zip comment of {n} byte(s) was added (approved bundles have none)", len(actual.comment)))
    signed = approved["files"]
    found += [_("entry {name} was added", name=name) for name in sorted(set(actual.files) - set(signed))]
    found += [_("entry {name} was removed", name=name) for name in sorted(set(signed) - set(actual.files))]
    found += [_("entry {name} was changed", name=name) for name in sorted(set(signed) & set(actual.files))
              if signed[name] != actual.files[name]]
    if not found:
        found.append(_("the archive was rewritten: every entry holds the approved bytes, but the zip's own bytes differ"))
    return found
