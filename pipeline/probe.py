"""Probe media in-process with PyAV before any encoding, and refuse what we must not open.

Only plain local media containers are accepted: a playlist (HLS, DASH), a concat list or an image
sequence pattern can make a demuxer read other files or the network, so those are rejected by
demuxer name before ffmpeg ever sees them, and every open uses a ``file``-only protocol whitelist.
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
IMAGE_DEMUXERS = frozenset({"png_pipe", "jpeg_pipe", "webp_pipe", "image2"})
INPUT_OPTIONS = {"protocol_whitelist": "file"}


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
        container = av.open(str(path), options=INPUT_OPTIONS)
    except av.error.FFmpegError as exc:
        raise MediaError(name, _("is not a media file ffmpeg can read ({reason})", reason=exc.strerror or exc), _("export it again as MP4 (video), WAV/M4A (audio) or PNG/JPEG (image)")) from None
    with container:
        demuxer = container.format.name
        if demuxer not in SAFE_DEMUXERS:
            raise MediaError(name, _("is a '{kind}' file, which can make ffmpeg read other files or the network", kind=demuxer), _("export the media itself as MP4, WAV/M4A or PNG/JPEG"))
        video_stream = next((s for s in container.streams.video if not _is_cover_art(s)), None)
        audio_stream = container.streams.audio[0] if container.streams.audio else None
        video = _video_info(container, video_stream, name) if video_stream is not None else None
        audio = _audio_info(container, audio_stream, name) if audio_stream is not None else None
        duration = _duration(container, video_stream, audio_stream)
        if demuxer in IMAGE_DEMUXERS:
            duration = 0.0
        elif duration <= 0:
            raise MediaError(name, _("has no readable duration (zero length or a broken file)"), _("export the recording again"))
        if video is None and audio is None:
            raise MediaError(name, _("has neither video nor audio"), _("export the recording again"))
    return MediaInfo(name, demuxer, duration, video, audio)


def _is_cover_art(stream) -> bool:
    return bool(stream.disposition & 1024) if hasattr(stream, "disposition") else False  # AV_DISPOSITION_ATTACHED_PIC


def _duration(container, video_stream, audio_stream) -> float:
    if container.duration and container.duration > 0:
        return container.duration / 1_000_000
    for stream in (video_stream, audio_stream):
        if stream is not None and stream.duration and stream.time_base:
            return float(stream.duration * stream.time_base)
    return 0.0


def _video_info(container, stream, name: str) -> VideoInfo:
    import av

    try:
        frame = next(container.decode(stream))
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
    return VideoInfo(stream.codec_context.name, width, height, stream.width, stream.height, fps, rotation, sar, variable)


def _audio_info(container, stream, name: str) -> AudioInfo:
    import av

    try:
        next(container.decode(stream))
    except (av.error.FFmpegError, StopIteration) as exc:
        why = str(exc) or "no audio frame in it"
        raise MediaError(name, _("its audio stream cannot be decoded ({reason})", reason=why), _("export the recording again, e.g. as WAV or M4A")) from None
    ctx = stream.codec_context
    return AudioInfo(ctx.name, ctx.sample_rate or 0, ctx.channels if hasattr(ctx, "channels") else ctx.layout.nb_channels)
