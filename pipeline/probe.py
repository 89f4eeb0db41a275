"""Probe media in-process with PyAV before any encoding, and refuse what we must not open.

Only plain local media containers are accepted: a playlist (HLS, DASH), a concat list or an image
sequence pattern can make a demuxer read other files or the network. FFmpeg picks a demuxer by
probing, and the HLS demuxer opens the first segment a playlist names while it is being probed —
the ``file``-only protocol whitelist does not stop a local path. So the container is recognised
here from the file's first bytes, and FFmpeg is told which demuxer to use from an allow-list of
single-file demuxers: anything else (playlists by content, whatever their name) is refused before
FFmpeg opens the file, and the demuxer's name is checked once more after opening.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pipeline.i18n import _
from pipeline.errors import MediaError

# Demuxers that read exactly one local file. Anything else (hls, dash, concat, ffconcat, tee,
# image2 with a pattern, sdp, rtsp, ...) is refused.
SAFE_DEMUXERS = frozenset(
    {
        "mov,mp4,m4a,3gp,3g2,mj2",
        "matroska,webm",
        "avi",
        "wav",
        "mp3",
        "flac",
        "ogg",
        "aac",
        "mpegts",
        "png_pipe",
        "jpeg_pipe",
        "webp_pipe",
        "image2",
    }
)
MOV, MATROSKA = "mov,mp4,m4a,3gp,3g2,mj2", "matroska,webm"  # full names: FFmpeg reports what it was given
IMAGE_DEMUXERS = frozenset({"png_pipe", "jpeg_pipe", "webp_pipe", "image2"})
INPUT_OPTIONS = {"protocol_whitelist": "file"}
SNIFF_BYTES = 4096
MAX_PACKETS = 2000  # a real recording's first frame comes within a few dozen packets
MAX_PIXELS = 8192 * 8192  # a frame larger than 8K square is refused before anything is decoded
KNOWN = "MP4/MOV, WebM/MKV, AVI, WAV, MP3, FLAC, OGG, AAC, MPEG-TS, PNG, JPEG or WebP"
# Text formats that name other files: recognised by content, so a renamed playlist is refused too.
_REFERRING = ((b"#EXTM3U", "hls"), (b"#EXT-X-", "hls"), (b"ffconcat", "concat"), (b"file ", "concat"),
              (b"file\t", "concat"),
              (b"<?xml", "xml"), (b"<MPD", "dash"), (b"<smil", "smil"), (b"[playlist]", "pls"), (b"v=0", "sdp"))


def sniff(head: bytes) -> str | None:
    """The single-file demuxer for a file starting with ``head``, or None when it is not one.

    Pure (unit-tested on byte strings). ``head`` should be the first SNIFF_BYTES of the file.
    """
    if head[4:8] in (b"ftyp", b"moov", b"mdat", b"free", b"wide", b"skip", b"pnot"):
        return MOV
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return MATROSKA
    if head[:4] in (b"RIFF", b"RF64"):
        return {b"AVI ": "avi", b"WAVE": "wav", b"WEBP": "webp_pipe"}.get(head[8:12])
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png_pipe"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg_pipe"
    if head.startswith(b"fLaC"):
        return "flac"
    if head.startswith(b"OggS"):
        return "ogg"
    if head.startswith(b"ID3"):
        return "mp3"
    if len(head) >= 2 and head[0] == 0xFF and head[1] & 0xF6 == 0xF0:  # ADTS: sync word, layer 00
        return "aac"
    if len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0:  # MPEG audio frame sync
        return "mp3"
    if head[:1] == b"\x47" and (len(head) <= 188 or head[188:189] == b"\x47"):
        return "mpegts"
    if head[4:5] == b"\x47" and (len(head) <= 196 or head[196:197] == b"\x47"):  # M2TS (camcorders): a 4-byte time code per packet
        return "mpegts"
    return None


def referring_format(head: bytes) -> str | None:
    """The name of a text format that refers to other files (a playlist, a concat list), or None."""
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    return next((name for magic, name in _REFERRING if text[:len(magic)].lower() == magic.lower()), None)


@dataclass(frozen=True)
class VideoInfo:
    codec: str
    width: int  # as displayed, after rotation and sample aspect ratio
    height: int
    coded_width: int
    coded_height: int
    fps: float
    rotation: int  # degrees, counter-clockwise as ffmpeg reports it
    sar: float
    variable_rate: bool


@dataclass(frozen=True)
class AudioInfo:
    codec: str
    sample_rate: int
    channels: int


@dataclass(frozen=True)
class MediaInfo:
    path: str
    demuxer: str
    duration: float
    video: VideoInfo | None
    audio: AudioInfo | None

    @property
    def is_image(self) -> bool:
        return self.demuxer in IMAGE_DEMUXERS


def probe(path: Path, label: str | None = None) -> MediaInfo:
    """Open ``path`` with PyAV and describe its streams; decode a little to prove it is readable.

    ``label`` is how the file is named in errors (e.g. ``content/intro/media/clip.mp4``).
    Raises MediaError for anything that is not safe, readable media.
    """
    import av  # imported lazily: PyAV loads FFmpeg's libraries, which costs start-up time

    name = label or str(path)
    if "%" in path.name:
        raise MediaError(name, _("file names with '%' are read by ffmpeg as numbered image patterns"), _("rename the file without '%'"))
    try:
        with open(path, "rb") as handle:
            head = handle.read(SNIFF_BYTES)
    except FileNotFoundError:
        raise MediaError(name, "is missing (it was there when the lesson was checked)",
                         "put the file back, or change its path in lesson.yaml") from None
    except OSError as exc:
        raise MediaError(name, f"cannot be read ({exc.strerror})", "check that the file is readable") from None
    forced = sniff(head)
    if forced is None:
        referring = referring_format(head)
        if referring:
            raise MediaError(name, f"is a '{referring}' file, which can make ffmpeg read other files or the network",
                             "export the media itself as MP4, WAV/M4A or PNG/JPEG")
        raise MediaError(name, f"is not a media file ffmpeg can read (not {KNOWN})",
                         "export it again as MP4 (video), WAV/M4A (audio) or PNG/JPEG (image)")
    try:
        container = av.open(str(path), format=forced, options=INPUT_OPTIONS)
    except av.error.FFmpegError as exc:
        raise MediaError(name, _("is not a media file ffmpeg can read ({reason})", reason=exc.strerror or exc),
                         _("export it again as MP4 (video), WAV/M4A (audio) or PNG/JPEG (image)")) from None
    with container:
        demuxer = container.format.name
        if demuxer not in SAFE_DEMUXERS:
            raise MediaError(name, _("is a '{kind}' file, which can make ffmpeg read other files or the network",
                                     kind=demuxer), _("export the media itself as MP4, WAV/M4A or PNG/JPEG"))
        video_stream = next((s for s in container.streams.video if not _is_cover_art(s)), None)
        if video_stream is not None and (video_stream.width or 0) * (video_stream.height or 0) > MAX_PIXELS:
            raise MediaError(name,
                             f"its picture is {video_stream.width}x{video_stream.height} pixels, over the limit of 8192x8192",
                             "export it at a usual size (at most 3840x2160 is plenty)")
        audio_stream = container.streams.audio[0] if container.streams.audio else None
        video = _video_info(container, video_stream, name) if video_stream is not None else None
        audio = _audio_info(container, audio_stream, name) if audio_stream is not None else None
        duration = _duration(container, video_stream, audio_stream) or _packets_end(container, video_stream, audio_stream)
        if demuxer in IMAGE_DEMUXERS:
            duration = 0.0
        elif duration <= 0:
            raise MediaError(name, _("has no readable duration (zero length or a broken file)"), _("export the recording again"))
        if video is None and audio is None:
            raise MediaError(name, _("has neither video nor audio"), _("export the recording again"))
    return MediaInfo(name, demuxer, duration, video, audio)


def _first_frame(container, stream):
    """The stream's first decoded frame, reading at most MAX_PACKETS packets: a damaged or hostile
    file whose packets never decode must not keep the probe reading for minutes."""
    for count, packet in enumerate(container.demux(stream)):
        for frame in packet.decode():
            return frame
        if count >= MAX_PACKETS:
            break
    raise StopIteration(f"no frame decoded in the first {MAX_PACKETS} packets")


def _is_cover_art(stream) -> bool:
    return bool(stream.disposition & 1024) if hasattr(stream, "disposition") else False  # AV_DISPOSITION_ATTACHED_PIC


def _duration(container, video_stream, audio_stream) -> float:
    if container.duration and container.duration > 0:
        return container.duration / 1_000_000
    for stream in (video_stream, audio_stream):
        if stream is not None and stream.duration and stream.time_base:
            return float(stream.duration * stream.time_base)
    return 0.0


def _packets_end(container, video_stream, audio_stream) -> float:
    """The duration of a file whose header does not state it, from its packets.

    A browser's MediaRecorder writes WebM as a live stream: the header is written before the
    length is known and never updated. Reading every packet's end time (no decoding needed)
    finds it; the file was already opened and read up to its first frames, so only the rest
    of it is read here."""
    import av

    streams = [s for s in (video_stream, audio_stream) if s is not None]
    first, end = None, 0.0
    try:
        for packet in container.demux(streams):
            if packet.pts is None or packet.time_base is None:
                continue
            start = float(packet.pts * packet.time_base)
            first = start if first is None else min(first, start)
            end = max(end, float((packet.pts + (packet.duration or 0)) * packet.time_base))
    except av.error.FFmpegError:
        pass  # a truncated tail: the packets read so far still say how long the file plays
    begin = container.start_time / 1_000_000 if container.start_time is not None else (first or 0.0)
    return max(0.0, end - begin)


def _video_info(container, stream, name: str) -> VideoInfo:
    import av

    try:
        frame = _first_frame(container, stream)
    except (av.error.FFmpegError, StopIteration) as exc:
        raise MediaError(name, _("its video stream cannot be decoded ({reason})", reason=exc), _("export the recording again, e.g. as H.264 MP4")) from None
    rotation = int(getattr(frame, "rotation", 0) or 0) % 360
    sar = float(stream.sample_aspect_ratio or 1) or 1.0
    width = round(stream.width * sar)
    height = stream.height
    if rotation in (90, 270):
        width, height = height, width
    avg, base = stream.average_rate, stream.base_rate or stream.guessed_rate
    fps = float(avg or base or 0)
    variable = bool(avg and base and abs(float(avg) - float(base)) > 0.01)
    return VideoInfo(stream.codec_context.name, width, height, stream.width, stream.height, fps, rotation,
                     sar, variable)


def _audio_info(container, stream, name: str) -> AudioInfo:
    import av

    try:
        _first_frame(container, stream)
    except (av.error.FFmpegError, StopIteration) as exc:
        why = str(exc) or "no audio frame in it"
        raise MediaError(name, _("its audio stream cannot be decoded ({reason})", reason=why), _("export the recording again, e.g. as WAV or M4A")) from None
    ctx = stream.codec_context
    return AudioInfo(ctx.name, ctx.sample_rate or 0,
                     ctx.channels if hasattr(ctx, "channels") else ctx.layout.nb_channels)
