"""The bundle zip: deterministic bytes, its digest, and the portal's size limit.

Same files in → same zip bytes out: entries sorted, a fixed timestamp (1980-01-01, the earliest a
zip can hold), fixed permissions and creator system, fixed compression per kind. The bundle digest
covers every file's path and sha256, so a sign-off can name exactly what it approved.
"""
from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

from pipeline.digests import bundle_digest  # noqa: F401 - the package stage's digest, shared with sign-off and review
from pipeline.errors import PipelineError
from pipeline.i18n import _
from pipeline.settings import LIMIT_VARIABLE

FIXED_TIME = (1980, 1, 1, 0, 0, 0)
# already-compressed media gains nothing from deflate; text does
STORED_SUFFIXES = (".mp4", ".png", ".jpg", ".jpeg", ".pdf", ".webp", ".zip")


class BundleTooLarge(PipelineError):
    """The bundle would be over the portal's upload limit."""


def human(size: float) -> str:
    for unit in ("B", "KB", "MB"):
        if size < 1000:
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    return f"{size:.2f} GB"


def check_size(label: str, sizes: dict[str, int], limit: int) -> None:
    """Refuse a bundle whose files add up to more than ``limit`` bytes, naming the largest files."""
    total = sum(sizes.values())
    if total <= limit:
        return
    largest = sorted(sizes.items(), key=lambda item: (-item[1], item[0]))[:3]
    names = ", ".join(f"{path} {human(size)}" for path, size in largest)
    raise BundleTooLarge(
        _("{lesson}: the bundle would hold {size}, over the portal limit of {limit} (largest: {names}) — shorten the lesson "
          "or drop a format in lesson.yaml, or if your portal takes more, set {variable} (e.g. {variable}=1GB)",
          lesson=label, size=human(total), limit=human(limit), names=names, variable=LIMIT_VARIABLE))


def write_zip(target: Path, entries: list[tuple[str, Path | bytes]]) -> None:
    """A zip whose bytes depend only on the entries' names and contents.

    Media are stored and streamed from disk (a lesson's videos can be hundreds of MB); text is deflated.
    """
    with zipfile.ZipFile(target, "w") as archive:
        for name, source in sorted(entries, key=lambda e: e[0]):
            info = zipfile.ZipInfo(name, FIXED_TIME)
            info.external_attr = 0o644 << 16
            info.create_system = 3
            if name.lower().endswith(STORED_SUFFIXES) and isinstance(source, Path):
                info.compress_type = zipfile.ZIP_STORED
                info.file_size = source.stat().st_size  # decides zip64 before any byte is written
                with open(source, "rb") as reader, archive.open(info, "w") as writer:
                    shutil.copyfileobj(reader, writer, 1 << 20)
            else:
                stored = name.lower().endswith(STORED_SUFFIXES)
                info.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
                data = source if isinstance(source, bytes) else source.read_bytes()
                archive.writestr(info, data, compresslevel=None if stored else 9)
