"""Pure builders of every ffmpeg command the transcode stage runs (argv lists, tested exactly).

Nothing here touches the disk or runs anything: each function maps typed values to an argv list
that ``pipeline.ffmpeg.run`` executes. Every file input carries ``-protocol_whitelist file``.
"""
from __future__ import annotations

from dataclasses import dataclass

from pipeline.ffmpeg import WHITELIST
from pipeline.transcode.settings import AUDIO_RATE, FPS, GOP, SPEECH_RATE, MediaSettings

# Same inputs -> same bytes: no encoder/version strings, no creation time, no source metadata.
BITEXACT = ["-fflags", "+bitexact", "-map_metadata", "-1", "-map_chapters", "-1"]
QUIET = ["-hide_banner", "-nostdin", "-nostats", "-y"]


@dataclass(frozen=True)
class Source:
    """The facts about a video source the fit graph needs (from ``pipeline.probe.VideoInfo``)."""

    width: int  # as displayed: after rotation and sample aspect ratio
    height: int
    sar: float = 1.0
    hdr: str = ""  # the HDR transfer to tone-map from ("arib-std-b67", "smpte2084"), or "" for SDR


# Tone mapping HDR to BT.709 SDR with zscale (zimg) and tonemap: linearise with 100 nits as 1.0,
# convert the BT.2020 primaries in linear light, compress the highlights, then BT.709 transfer
# and matrix. ``mobius`` is linear up to a knee and compresses only above it, so an HLG picture's
# diffuse white (75% signal, 203 nits, BT.2408) lands near SDR white instead of ~55% grey as
# with ``hable`` (measured on a test pattern: mean luma 119 against 122 in SDR; hable 96).
# ``desat=0`` keeps saturated colours instead of greying the highlights.
TONE_MAP = ("zscale", {"t": "linear", "npl": 100}), ("format", {"pix_fmts": "gbrpf32le"}), ("zscale", {"p": "bt709"}), \
    ("tonemap", {"tonemap": "mobius", "param": 0.3, "desat": 0}), ("zscale", {"t": "bt709", "m": "bt709", "r": "tv"})
# Every frame (clips and slides) is labelled BT.709 limited range before the encoder: ffmpeg takes
# a frame's own colour tags over the output options (a PNG slide's frames said "unspecified", an
# HLG clip's BT.2020/HLG), segments must share one SPS to be joined, and the first segment's tags
# label the joined file.
BT709 = {"color_primaries": "bt709", "color_trc": "bt709", "colorspace": "bt709", "range": "tv"}


# For still slides: analysis a static picture does not need (motion search, look-ahead,
# partitions, adaptive quantisation). None of these reaches the SPS/PPS, so slide and clip
# segments still join (tests/test_transcode_stage.py compares the headers); subme, psy and
# trellis do change the PPS (chroma QP offset) and are left alone. About 35% less time per frame.
STILL = "me=dia:rc-lookahead=0:mbtree=0:partitions=none:mixed-refs=0:b-adapt=0:aq-mode=0"
# and sub-pixel refinement 1 instead of the preset's 6 or more: it halves x264's time per slide
# frame again (measured at 1080p: 12.6 -> 6.5 ms a still frame, 17.5 -> 9.2 ms with a moving
# picture, 5 % more bytes). Below subme 6 x264 turns psy-rd off, and with it the -2 it adds to the
# chroma QP offset, which is in the PPS: the offset is set back explicitly, so the headers stay
# those of the clips. Presets whose own subme is already under 6 are left as they are.
SLIDE_SUBME = "subme=1:chroma-qp-offset=-2"
LOW_SUBME_PRESETS = ("ultrafast", "superfast", "veryfast", "faster")


def video_options(settings: MediaSettings, still: bool = False) -> list[str]:
    """x264 options shared by every segment of a lesson.

    Segments are joined by stream copy, so they must share one SPS/PPS: every segment of a format
    is encoded with exactly these options (same profile, refs, B-frames, VUI colour tags).
    x264's ``stitchable`` stops it from tuning headers to the content (its PPS initial QP would
    otherwise follow the rate control), which is what makes the headers identical.
    ``-sc_threshold 0`` keeps keyframes at fixed places and ``+cgop`` closes each GOP, so any
    segment (and any repeat of a still-slide unit) starts cleanly.
    """
    return [
        "-c:v", "libx264", "-preset", settings.preset, "-profile:v", "high", "-pix_fmt", "yuv420p",
        "-crf", str(settings.crf), "-maxrate", settings.maxrate, "-bufsize", settings.bufsize,
        "-g", str(GOP), "-keyint_min", str(GOP), "-sc_threshold", "0", "-flags:v", "+cgop+bitexact",
        "-x264-params", "stitchable=1" + (":" + _still(settings) if still else ""), "-threads", str(settings.threads),
        "-color_primaries", "bt709", "-color_trc", "bt709", "-colorspace", "bt709", "-color_range", "tv",
        "-video_track_timescale", str(FPS * 512),
    ]


def _still(settings: MediaSettings) -> str:
    return STILL if settings.preset in LOW_SUBME_PRESETS else f"{STILL}:{SLIDE_SUBME}"


def _even(value: int) -> int:
    return max(2, value - value % 2)


def clip_segment(src: str, start: float, frames: int, source: Source, size: tuple[int, int],
                 settings: MediaSettings, out: str) -> list[str]:
    """Encode ``frames`` frames of a clip from ``start`` (seconds) into a video-only segment.

    The graph: constant 30 fps first (a 60 fps or variable-rate source is then fitted only 30
    times a second), then the fit, then ``tpad`` repeating the last frame so a source whose video
    ends a little early (common in phone files) still yields exactly ``frames`` frames.
    ``-ss`` before ``-i`` seeks accurately when transcoding; ``-frames:v`` makes the length exact.
    Rotation is applied by ffmpeg's autorotate before the graph; a non-square sample aspect ratio
    is resampled to square pixels first.

    The fit never distorts: a source of the frame's aspect is scaled; any other is scaled to fit
    inside the frame, and the rest is filled with a blurred, enlarged copy of the picture
    (``fit="blur"``, what a phone held upright looks best with in a landscape lesson) or black
    bars (``fit="pad"``). The blur is computed at a quarter of the size: 16x fewer pixels, and a
    blurred picture loses nothing by being upscaled.

    ffmpeg-python builds the graph (split, two branches, overlay, named links);
    ``compile_graph`` turns it into argv for our own runner, which keeps stderr.

    An HDR source (``source.hdr``) is tone-mapped to BT.709 SDR first (``TONE_MAP``), at 30 fps
    before any scaling; every frame leaves tagged BT.709 (``BT709``).
    """
    import ffmpeg as ffmpeg_python

    from pipeline.ffmpeg import compile_graph

    width, height = size
    seek = {"ss": _time(start)} if start > 0 else {}
    video = ffmpeg_python.input(src, protocol_whitelist="file", **seek).video.filter("fps", FPS)
    if source.hdr:
        first, *rest = TONE_MAP
        video = video.filter(first[0], tin=source.hdr, **first[1])
        for name, options in rest:
            video = video.filter(name, **options)
    if abs(source.sar - 1.0) > 1e-3:
        video = video.filter("scale", "trunc(iw*sar/2)*2", "ih").filter("setsar", 1)
    if source.width * height == source.height * width:
        video = video.filter("scale", width, height, out_color_matrix="bt709", out_range="tv").filter("setsar", 1)
    else:
        inside = dict(force_original_aspect_ratio="decrease", force_divisible_by=2,
                      out_color_matrix="bt709", out_range="tv")
        if settings.fit == "pad":
            video = video.filter("scale", width, height, **inside).filter("pad", width,
                    height, "(ow-iw)/2", "(oh-ih)/2", "black").filter("setsar", 1)
        else:
            branches = video.split()
            small_w, small_h = _even(width // 4), _even(height // 4)
            back = (
                branches[1]
                .filter("scale", small_w, small_h, force_original_aspect_ratio="increase",
                        out_color_matrix="bt709", out_range="tv")
                .filter("crop", small_w, small_h)
                .filter("boxblur", luma_radius=12, luma_power=2, chroma_radius=6, chroma_power=2)
                .filter("scale", width, height)
                .filter("setsar", 1)
            )
            front = branches[0].filter("scale", width, height, **inside).filter("setsar", 1)
            video = ffmpeg_python.overlay(back, front, x="(W-w)/2", y="(H-h)/2", eof_action="repeat")
    video = video.filter("tpad", stop=-1, stop_mode="clone").filter("format", "yuv420p").filter("setparams", **BT709)
    options = _pairs(["-frames:v", str(frames), *video_options(settings), *BITEXACT])
    stream = ffmpeg_python.output(video, out, an=None, sn=None, dn=None, **options).global_args(*QUIET[:-1])
    return compile_graph(stream)


def _pairs(flat: list[str]) -> dict:
    """``["-a", "1", "-b", "2"]`` -> ``{"a": "1", "b": "2"}`` for ffmpeg-python keyword options."""
    return {flat[i].lstrip("-"): flat[i + 1] for i in range(0, len(flat), 2)}


def slide_segment(png: str, frames: int, size: tuple[int, int], settings: MediaSettings, out: str) -> list[str]:
    """Encode a still slide for ``frames`` frames: the image is decoded, fitted and converted to
    4:2:0 once, then repeated by the ``loop`` filter (decoding it once a second with ``-loop 1
    -framerate 1`` cost 0.44 s of CPU per 15-frame unit at 1080p, this 0.28 s)."""
    width, height = size
    scale = f"scale={width}:{height}:force_original_aspect_ratio=decrease:out_color_matrix=bt709:out_range=tv"
    tags = ":".join(f"{k}={v}" for k, v in BT709.items())
    graph = (f"{scale},pad={width}:{height}:(ow-iw)/2:(oh-ih)/2:black,setsar=1,format=yuv420p,setparams={tags},"
             "loop=loop=-1:size=1,setpts=N")
    return [
        "ffmpeg", *QUIET, "-framerate", str(FPS), *WHITELIST, "-i", png,
        "-vf", graph, "-r", str(FPS), "-frames:v", str(frames), "-an", *video_options(settings, still=True),
            *BITEXACT, out,
    ]


# Down-mixing (swresample's matrix, spelled out so it never depends on a default): ITU-R BS.775
# style, centre and surround channels at -3 dB into both sides, LFE left out. The centre channel,
# where a film or lecture puts its dialogue, survives. swresample scales the matrix so the sum
# cannot clip; the level does not matter, each part's loudness is normalised afterwards.
MIX = "clev=0.707107:slev=0.707107:lfe_mix_level=0"


def downmix(layout: str) -> str:
    """The resampling filter to 48 kHz in ``layout`` ("mono" or "stereo") with the BS.775 matrix."""
    return f"aresample={AUDIO_RATE}:ochl={layout}:{MIX}"


def clip_audio(src: str, start: float, samples: int, channels: int, out: str) -> list[str]:
    """Decode a clip's first audio stream from ``start`` to exactly ``samples`` samples of
    48 kHz stereo float WAV (padded with silence or cut), so the part lasts exactly its frames.
    Mono is put on both sides at the same level; more channels are down-mixed (``downmix``)."""
    upmix = "pan=stereo|c0=c0|c1=c0," if channels == 1 else ""  # mono: the same signal on both sides
    graph = f"{upmix}{downmix('stereo')},apad=whole_len={samples},atrim=end_sample={samples}"
    return [
        "ffmpeg", *QUIET, *WHITELIST, *_seek(start), "-i", src, "-map", "0:a:0", "-vn",
        "-af", graph, "-ac", "2", "-ar", str(AUDIO_RATE), "-c:a", "pcm_f32le", "-flags:a", "+bitexact", *BITEXACT, out,
    ]


def decode_audio(src: str, out: str) -> list[str]:
    """Decode a recorded narration to 48 kHz mono 16-bit WAV for clean-up with pydub.

    A narration is one voice: whatever the recording's layout (stereo with one side louder, a
    lecture's 5.1 with the voice in the centre), it is down-mixed to mono and later placed in
    the middle, the same level in both ears."""
    return [
        "ffmpeg", *QUIET, *WHITELIST, "-i", src, "-map", "0:a:0", "-vn",
        "-af", downmix("mono"), "-ac", "1", "-ar", str(AUDIO_RATE), "-c:a", "pcm_s16le", "-flags:a", "+bitexact", *BITEXACT, out,
    ]


def decode_float(src: str, out: str) -> list[str]:
    """A 48 kHz stereo float audio file's samples unchanged (use with ``raw_output``)."""
    return ["ffmpeg", *QUIET, *WHITELIST, "-i", src, "-map", "0:a:0", "-c:a", "pcm_f32le", "-flags:a", "+bitexact", *BITEXACT, out]


def resample_wav(src: str, out: str) -> list[str]:
    """Any WAV to 48 kHz stereo 24-bit WAV (synthesised speech comes at 22.05 kHz mono)."""
    return ["ffmpeg", *QUIET, *WHITELIST, "-i", src, "-map", "0:a:0", "-ar", str(AUDIO_RATE), "-ac", "2", "-c:a",
            "pcm_s24le", "-flags:a", "+bitexact", *BITEXACT, out]


def speech_wav(src: str, first: int, last: int, out: str) -> list[str]:
    """Samples [first, last) of the raw normalised track as 16 kHz mono 16-bit WAV, the input
    the caption stage aligns the script on. (Use with ``raw_input``.)"""
    return [
        "ffmpeg", *QUIET, *WHITELIST, "-i", src, "-af", f"atrim=start_sample={first}:end_sample={last},asetpts=N/SR/TB",
        "-ar", str(SPEECH_RATE), "-ac", "1", "-c:a", "pcm_s16le", "-flags:a", "+bitexact", *BITEXACT, out,
    ]


def measure(src: str) -> list[str]:
    """First pass (and the check after): EBU R128 integrated loudness, range and true peak.

    ffmpeg's ebur128 filter measures what loudnorm's own first pass measures (BS.1770-4, true
    peak 4x oversampled) about 8x faster: loudnorm's measuring pass also runs its dynamic
    compressor at 192 kHz (60 s of audio: 1.85 s against 0.24 s here)."""
    return ["ffmpeg", *QUIET, *WHITELIST, "-i", src, "-map", "0:a:0", "-af", "ebur128=peak=true:framelog=quiet", "-f",
            "null", "-"]


def loudnorm_apply(src: str, measured: dict, target_i: float, target_tp: float,
                   target_lra: float, out: str) -> list[str]:
    """Second pass: linear loudnorm with the first pass's measurements, back to 48 kHz float.

    ``measured`` holds I, TP, LRA and thresh. loudnorm always outputs 192 kHz (it upsamples to
    find true peaks), hence the ``aresample``.
    """
    graph = (
        f"loudnorm=I={target_i:g}:TP={target_tp:g}:LRA={target_lra:g}"
        f":measured_I={measured['I']:.2f}:measured_TP={measured['TP']:.2f}"
        f":measured_LRA={measured['LRA']:.2f}:measured_thresh={measured['thresh']:.2f}"
        f":offset=0:linear=true:print_format=json,aresample={AUDIO_RATE}"
    )
    return ["ffmpeg", *QUIET, *WHITELIST, "-i", src, "-map", "0:a:0", "-af", graph, "-c:a", "pcm_f32le", "-flags:a",
            "+bitexact", *BITEXACT, out]


def limited_gain(src: str, gain_db: float, limit_db: float, out: str) -> list[str]:
    """Linear gain followed by an explicit peak limiter, for tracks whose peaks linear gain alone
    would push over the true-peak ceiling. The limiter runs at 192 kHz so it sees inter-sample
    (true) peaks; ``level=false`` stops it from re-normalising and ``latency=true`` removes its
    look-ahead delay, so the audio does not shift against the video."""
    limit = 10 ** (limit_db / 20)
    graph = (
        f"volume={gain_db:.2f}dB,aresample=192000,"
        f"alimiter=limit={limit:.6f}:attack=5:release=50:level=false:latency=true,aresample={AUDIO_RATE}"
    )
    return ["ffmpeg", *QUIET, *WHITELIST, "-i", src, "-map", "0:a:0", "-af", graph, "-c:a", "pcm_f32le", "-flags:a",
            "+bitexact", *BITEXACT, out]


def aac_encode(src: str, bitrate: str, out: str) -> list[str]:
    """AAC-LC 48 kHz stereo in an M4A, muxed later with each format's video by stream copy.

    The ``fast`` coder: on 53 s of speech the default two-loop search took 3.4 s, fast 1.5 s,
    and on a lesson of slides this encode is the longest step of the critical path."""
    return [
        "ffmpeg", *QUIET, *WHITELIST, "-i", src, "-map", "0:a:0", "-c:a", "aac", "-profile:a", "aac_low",
            "-aac_coder", "fast",
        "-b:a", bitrate, "-ar", str(AUDIO_RATE), "-ac", "2", "-flags:a", "+bitexact", *BITEXACT, out,
    ]


def concat_list(paths: list[str]) -> str:
    """Our own ffconcat list of segment files (absolute paths, quoted the ffconcat way)."""
    lines = ["ffconcat version 1.0"]
    lines += ["file '" + p.replace("'", "'\\''") + "'" for p in paths]
    return "\n".join(lines) + "\n"


def mux(concat: str, audio: str, out: str) -> list[str]:
    """Join the segments (concat demuxer, stream copy) and the audio into the final MP4.

    ``-safe 0`` allows the absolute paths of our generated list; the whitelist still limits the
    demuxer to local files. ``+faststart`` moves the index to the front for progressive playback.
    """
    return [
        "ffmpeg", *QUIET, "-f", "concat", "-safe", "0", *WHITELIST, "-i", concat, *WHITELIST, "-i", audio,
        "-map", "0:v:0", "-map", "1:a:0", "-c", "copy", "-movflags", "+faststart",
        "-flags:v", "+bitexact", "-flags:a", "+bitexact", *BITEXACT, out,
    ]


def frame_png(video: str, frame: int, out: str) -> list[str]:
    """Extract frame number ``frame`` as PNG; seeking to half a frame before it picks it exactly."""
    at = max(0.0, (frame - 0.5) / FPS)
    return ["ffmpeg", *QUIET, "-ss", _time(at), *WHITELIST, "-i", video, "-map", "0:v:0", "-frames:v", "1", "-update",
            "1", *BITEXACT, out]


def raw_input(argv: list[str]) -> list[str]:
    """The same command reading its (first) input as raw 48 kHz stereo float samples.

    The assembled track is kept raw: libsndfile stamps float WAVs with a PEAK chunk holding the
    current time, and raw samples need no header at all."""
    index = argv.index("-i")
    return argv[: index - 2] + ["-f", "f32le", "-ar", str(AUDIO_RATE), "-ac", "2"] + argv[index - 2:]


def raw_output(argv: list[str]) -> list[str]:
    """The same command writing raw float samples (the output file is the last argument)."""
    return argv[:-1] + ["-f", "f32le", argv[-1]]


def _seek(start: float) -> list[str]:
    """``-ss`` for a trim; none at all for 0, because seeking to 0 makes the mov demuxer keep
    the AAC encoder's priming samples (about 23 ms of audio played too early)."""
    return ["-ss", _time(start)] if start > 0 else []


def _time(seconds: float) -> str:
    return f"{seconds:.6f}".rstrip("0").rstrip(".") or "0"
