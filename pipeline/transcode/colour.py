"""High dynamic range sources (phones record HLG by default) and how they become BT.709 SDR.

The house picture is BT.709 SDR. A clip whose transfer is HLG (``arib-std-b67``) or PQ
(``smpte2084``) would otherwise be shown with its HDR signal read as SDR (washed out) and, since
segments are joined by stream copy, a first segment tagged BT.2020 would label the whole file.
So such a clip is tone-mapped in its segment's graph (``commands.tone_map``), and every clip
segment's frames are tagged BT.709 whatever the source said.
"""
from __future__ import annotations

from pathlib import Path

# AVColorTransferCharacteristic values (libavutil/pixfmt.h) -> the names zscale takes.
HDR_TRANSFERS = {16: "smpte2084", 18: "arib-std-b67"}


def hdr_transfer(path: Path) -> str:
    """The HDR transfer of the file's first video stream ("arib-std-b67", "smpte2084"), or "".

    Only the stream header's tags are read (the file was probed already, so it is known to be
    safe, readable media)."""
    import av

    from pipeline.probe import INPUT_OPTIONS

    with av.open(str(path), options=INPUT_OPTIONS) as container:
        if not container.streams.video:
            return ""
        return HDR_TRANSFERS.get(int(container.streams.video[0].codec_context.color_trc or 0), "")
