"""Pure parts of the transcode stage: argv lists, sentence splitting, loudnorm reports, planning."""
from __future__ import annotations

import pytest

from pipeline import ffmpeg
from pipeline.transcode import commands, loudness, narration, thumbnail
from pipeline.transcode.plan import frames_for
from pipeline.transcode.settings import MediaSettings

S = MediaSettings()
VIDEO = [
    "-c:v", "libx264", "-preset", "fast", "-profile:v", "high", "-pix_fmt", "yuv420p", "-crf", "21",
    "-maxrate", "5M", "-bufsize", "10M", "-g", "60", "-keyint_min", "60", "-sc_threshold", "0",
    "-flags:v", "+cgop+bitexact", "-x264-params", "stitchable=1", "-threads", "1", "-color_primaries", "bt709",
         "-color_trc", "bt709",
    "-colorspace", "bt709", "-color_range", "tv", "-video_track_timescale", "15360",
]
STILL = [v if v != "stitchable=1" else "stitchable=1:me=dia:rc-lookahead=0:mbtree=0:partitions=none:mixed-refs=0:b-adapt=0:aq-mode=0"
         ":subme=1:chroma-qp-offset=-2" for v in VIDEO]
BITEXACT = ["-fflags", "+bitexact", "-map_metadata", "-1", "-map_chapters", "-1"]
QUIET = ["-hide_banner", "-nostdin", "-nostats", "-y"]


def test_house_sizes_and_settings_key():
    assert S.size("16:9") == (1920, 1080) and S.size("9:16") == (1080, 1920)
    assert S.key()["preset"] == "fast" and S.key()["sizes"] == (("16:9", (1920, 1080)), ("9:16", (1080, 1920)))


def test_video_options_are_shared_by_every_segment():
    assert commands.video_options(S) == VIDEO


def test_slide_segment_decodes_the_image_once_and_loops_it():
    argv = commands.slide_segment("/s/card.png", 60, (1920, 1080), S, "/o/seg.mp4")
    assert argv == [
        "ffmpeg", *QUIET, "-framerate", "30", "-protocol_whitelist", "file", "-i", "/s/card.png",
        "-vf", "scale=1920:1080:force_original_aspect_ratio=decrease:out_color_matrix=bt709:out_range=tv,"
        "pad=1920:1080:(ow-iw)/2:(oh-ih)/2:black,setsar=1,format=yuv420p,"
        "setparams=color_primaries=bt709:color_trc=bt709:colorspace=bt709:range=tv,loop=loop=-1:size=1,setpts=N",
        "-r", "30", "-frames:v", "60", "-an", *STILL, *BITEXACT, "/o/seg.mp4",
    ]
    ffmpeg.check_inputs(argv)


def test_slides_keep_the_faster_presets_own_subpixel_refinement():
    fast = commands.video_options(MediaSettings(preset="veryfast"), still=True)
    assert fast[fast.index("-x264-params") + 1] == STILL[STILL.index("-x264-params") + 1].removesuffix(":subme=1:chroma-qp-offset=-2")


def test_clip_segment_of_the_frame_aspect_is_scaled_only():
    argv = commands.clip_segment("/m/a.mp4", 1.5, 90, commands.Source(1280, 720), (1920, 1080), S, "/o/c.mp4")
    graph = ("[0:v]fps=30[s0];[s0]scale=1920:1080:out_color_matrix=bt709:out_range=tv[s1];[s1]setsar=1[s2];"
             "[s2]tpad=stop=-1:stop_mode=clone[s3];[s3]format=yuv420p[s4];"
             "[s4]setparams=color_primaries=bt709:color_trc=bt709:colorspace=bt709:range=tv[s5]")
    assert argv == [
        "ffmpeg", "-protocol_whitelist", "file", "-ss", "1.5", "-i", "/m/a.mp4", "-filter_complex", graph, "-map", "[s5]",
        "-an", "-bufsize", "10M", "-c:v", "libx264", "-color_primaries", "bt709", "-color_range", "tv", "-color_trc", "bt709",
        "-colorspace", "bt709", "-crf", "21", "-dn", "-fflags", "+bitexact", "-flags:v", "+cgop+bitexact", "-frames:v", "90",
        "-g", "60", "-keyint_min", "60", "-map_chapters", "-1", "-map_metadata", "-1", "-maxrate", "5M", "-pix_fmt", "yuv420p",
        "-preset", "fast", "-profile:v", "high", "-sc_threshold", "0", "-sn", "-threads", "1", "-video_track_timescale", "15360",
        "-x264-params", "stitchable=1",
        "/o/c.mp4", "-hide_banner", "-nostdin", "-nostats", "-y",
    ]
    ffmpeg.check_inputs(argv)


def test_clip_segment_of_another_aspect_gets_a_blurred_fill():
    argv = commands.clip_segment("/m/phone.mp4", 0, 30, commands.Source(1080, 1920), (1920, 1080), S, "/o/c.mp4")
    graph = argv[argv.index("-filter_complex") + 1]
    assert graph == (
        "[0:v]fps=30[s0];[s0]split=2[s1][s2];"
        "[s2]scale=480:270:force_original_aspect_ratio=increase:out_color_matrix=bt709:out_range=tv[s3];[s3]crop=480:270[s4];"
        "[s4]boxblur=chroma_power=2:chroma_radius=6:luma_power=2:luma_radius=12[s5];[s5]scale=1920:1080[s6];[s6]setsar=1[s7];"
        "[s1]scale=1920:1080:force_divisible_by=2:force_original_aspect_ratio=decrease:out_color_matrix=bt709:out_range=tv[s8];[s8]setsar=1[s9];"
        "[s7][s9]overlay=eof_action=repeat:x=(W-w)/2:y=(H-h)/2[s10];[s10]tpad=stop=-1:stop_mode=clone[s11];[s11]format=yuv420p[s12];"
        "[s12]setparams=color_primaries=bt709:color_trc=bt709:colorspace=bt709:range=tv[s13]"
    )


def test_clip_segment_with_pad_and_non_square_pixels():
    settings = MediaSettings(fit="pad")
    argv = commands.clip_segment("/m/dv.mp4", 0, 30, commands.Source(853, 480, 1.185), (1080, 1920),
                                 settings, "/o/c.mp4")
    graph = argv[argv.index("-filter_complex") + 1]
    assert graph == (
        "[0:v]fps=30[s0];[s0]scale=trunc(iw*sar/2)*2:ih[s1];[s1]setsar=1[s2];"
        "[s2]scale=1080:1920:force_divisible_by=2:force_original_aspect_ratio=decrease:out_color_matrix=bt709:out_range=tv[s3];"
        "[s3]pad=1080:1920:(ow-iw)/2:(oh-ih)/2:black[s4];[s4]setsar=1[s5];[s5]tpad=stop=-1:stop_mode=clone[s6];[s6]format=yuv420p[s7];"
        "[s7]setparams=color_primaries=bt709:color_trc=bt709:colorspace=bt709:range=tv[s8]"
    )


def test_clip_audio_is_cut_to_exact_samples_mono_is_upmixed_and_surround_downmixed():
    assert commands.clip_audio("/m/a.mp4", 2.25, 48000, 1, "/o/a.wav") == [
        "ffmpeg", *QUIET, "-protocol_whitelist", "file", "-ss", "2.25", "-i", "/m/a.mp4", "-map", "0:a:0", "-vn",
        "-af", "pan=stereo|c0=c0|c1=c0,aresample=48000:ochl=stereo:clev=0.707107:slev=0.707107:lfe_mix_level=0,apad=whole_len=48000,atrim=end_sample=48000",
        "-ac", "2", "-ar", "48000", "-c:a", "pcm_f32le", "-flags:a", "+bitexact", *BITEXACT, "/o/a.wav",
    ]
    stereo = commands.clip_audio("/m/a.mp4", 0, 1600, 2, "/o/a.wav")
    assert stereo[stereo.index("-af") + 1] == ("aresample=48000:ochl=stereo:clev=0.707107:slev=0.707107:lfe_mix_level=0,"
                                               "apad=whole_len=1600,atrim=end_sample=1600")
    surround = commands.clip_audio("/m/lecture.mov", 0, 1600, 6, "/o/a.wav")
    assert surround[surround.index("-af") + 1] == stereo[stereo.index("-af") + 1]  # BS.775: centre and surrounds at -3 dB, no LFE


def test_loudnorm_passes_and_limiter():
    assert commands.raw_input(commands.measure("/w/t.f32")) == [
        "ffmpeg", *QUIET, "-f", "f32le", "-ar", "48000", "-ac", "2", "-protocol_whitelist", "file", "-i", "/w/t.f32",
        "-map", "0:a:0", "-af", "ebur128=peak=true:framelog=quiet", "-f", "null", "-",
    ]
    measured = {"I": -27.6, "TP": -4.5, "LRA": 18.1, "thresh": -39.2}
    argv = commands.loudnorm_apply("/w/t.f32", measured, -16, -2, 19, "/w/n.f32")
    assert argv[argv.index("-af") + 1] == (
        "loudnorm=I=-16:TP=-2:LRA=19:measured_I=-27.60:measured_TP=-4.50:measured_LRA=18.10:measured_thresh=-39.20"
        ":offset=0:linear=true:print_format=json,aresample=48000"
    )
    limited = commands.raw_output(commands.limited_gain("/w/t.f32", 9.5, -2.0, "/w/n.f32"))
    assert limited[limited.index("-af") + 1] == (
        "volume=9.50dB,aresample=192000,alimiter=limit=0.794328:attack=5:release=50:level=false:latency=true,aresample=48000")
    assert limited[-3:] == ["-f", "f32le", "/w/n.f32"]


def test_aac_mux_and_concat_list():
    assert commands.aac_encode("/w/n.f32", "160k", "/w/a.m4a") == [
        "ffmpeg", *QUIET, "-protocol_whitelist", "file", "-i", "/w/n.f32", "-map", "0:a:0", "-c:a", "aac",
            "-profile:a", "aac_low",
        "-aac_coder", "fast", "-b:a", "160k", "-ar", "48000", "-ac", "2", "-flags:a", "+bitexact",
            *BITEXACT, "/w/a.m4a",
    ]
    argv = commands.mux("/w/list.ffconcat", "/w/a.m4a", "/o/v.mp4")
    assert argv == [
        "ffmpeg", *QUIET, "-f", "concat", "-safe", "0", "-protocol_whitelist", "file", "-i", "/w/list.ffconcat",
        "-protocol_whitelist", "file", "-i", "/w/a.m4a", "-map", "0:v:0", "-map", "1:a:0", "-c", "copy", "-movflags",
                    "+faststart",
        "-flags:v", "+bitexact", "-flags:a", "+bitexact", *BITEXACT, "/o/v.mp4",
    ]
    ffmpeg.check_inputs(argv)
    assert commands.concat_list(["/c/a.mp4", "/c/it's.mp4"]) == "ffconcat version 1.0\nfile '/c/a.mp4'\nfile '/c/it'\\''s.mp4'\n"


def test_frame_extraction_seeks_half_a_frame_early():
    assert commands.frame_png("/o/v.mp4", 45, "/w/f.png") == [
        "ffmpeg", *QUIET, "-ss", "1.483333", "-protocol_whitelist", "file", "-i", "/o/v.mp4", "-map", "0:v:0",
        "-frames:v", "1", "-update", "1", *BITEXACT, "/w/f.png",
    ]


@pytest.mark.parametrize("text,sentences", [
    ("Hold the phone. Lean on a table!  Ready?", ["Hold the phone.", "Lean on a table!", "Ready?"]),
    ("Держите телефон двумя руками. Обопритесь на стол… Готово",
     ["Держите телефон двумя руками.", "Обопритесь на стол…", "Готово"]),
    ("휴대폰을 두 손으로 잡으세요. 탁자에 기대세요!", ["휴대폰을 두 손으로 잡으세요.", "탁자에 기대세요!"]),
    ('He said "stop." Then\nwe left.', ['He said "stop."', "Then we left."]),
])
def test_sentences_split_for_en_ru_ko(text, sentences):
    assert narration.split_sentences(text) == sentences


def test_voice_by_language_unless_overridden():
    assert [narration.voice_for(lang) for lang in ("en", "ru", "ko")] == ["en-us", "ru", "ko"]
    assert narration.voice_for("en", "en-gb") == "en-gb"
    assert narration.espeak_argv("ru", "/w/s.wav") == ["espeak-ng", "-b", "1", "-v", "ru", "-s", "150", "-w",
                                                       "/w/s.wav", "--stdin"]
    assert narration.espeak_argv("en-gb+f3", "/w/s.wav") == ["espeak-ng", "-b", "1", "-v", "en-gb+f3", "-w",
            "/w/s.wav", "--stdin"]


SUMMARY = """[Parsed_ebur128_0 @ 0x7f] Summary:

  Integrated loudness:
    I:         -21.9 LUFS
    Threshold: -31.9 LUFS

  Loudness range:
    LRA:         3.4 LU
    Threshold: -41.9 LUFS
    LRA low:   -23.9 LUFS
    LRA high:  -20.5 LUFS

  True peak:
    Peak:       -inf dBFS
"""


def test_ebur128_summary_is_parsed():
    assert loudness.parse_summary("noise\n" + SUMMARY) == loudness.Measure(-21.9, float("-inf"), 3.4, -31.9)
    assert loudness.Measure(-21.9, float("-inf"), 3.4, -31.9).as_dict() == {"I": -21.9, "TP": None, "LRA": 3.4}
    with pytest.raises(ValueError):
        loudness.parse_summary("no summary")


def test_loudnorm_report_is_parsed_from_stderr():
    stderr = 'size=N/A\n[Parsed_loudnorm_0 @ 0x5] \n{\n\t"input_i" : "-27.61",\n\t"input_tp" : "-4.47",\n\t"normalization_type" : "linear"\n}\n'
    assert loudness.parse_report(stderr) == {"input_i": "-27.61", "input_tp": "-4.47", "normalization_type": "linear"}
    with pytest.raises(ValueError):
        loudness.parse_report("no report")


def test_frames_and_poster_candidates():
    assert frames_for(2.0) == 60 and frames_for(1 / 90) == 1 and frames_for(2.51) == 75
    assert thumbnail.candidates([(0, 60), (60, 90), (150, 30)], 180) == [30, 105, 165, 18, 45, 90, 135]


def test_speech_and_resample_commands():
    assert commands.raw_input(commands.speech_wav("/w/n.f32", 96000, 192000, "/o/speech/02.wav")) == [
        "ffmpeg", *QUIET, "-f", "f32le", "-ar", "48000", "-ac", "2", "-protocol_whitelist", "file", "-i", "/w/n.f32",
        "-af", "atrim=start_sample=96000:end_sample=192000,asetpts=N/SR/TB", "-ar", "16000", "-ac", "1", "-c:a",
            "pcm_s16le",
        "-flags:a", "+bitexact", *BITEXACT, "/o/speech/02.wav",
    ]
    assert commands.resample_wav("/w/s.wav", "/w/o.wav") == [
        "ffmpeg", *QUIET, "-protocol_whitelist", "file", "-i", "/w/s.wav", "-map", "0:a:0", "-ar", "48000", "-ac", "2",
        "-c:a", "pcm_s24le", "-flags:a", "+bitexact", *BITEXACT, "/w/o.wav",
    ]
    assert commands.decode_audio("/m/memo.m4a", "/w/d.wav") == [
        "ffmpeg", *QUIET, "-protocol_whitelist", "file", "-i", "/m/memo.m4a", "-map", "0:a:0", "-vn",
        "-af", "aresample=48000:ochl=mono:clev=0.707107:slev=0.707107:lfe_mix_level=0", "-ac", "1", "-ar", "48000",
        "-c:a", "pcm_s16le", "-flags:a", "+bitexact", *BITEXACT, "/w/d.wav",
    ]


def test_a_trim_from_zero_does_not_seek():
    """Seeking to 0 would keep the AAC priming samples (23 ms early audio), so no -ss at all."""
    assert "-ss" not in commands.clip_audio("/m/a.mp4", 0.0, 1600, 2, "/o/a.wav")
    assert "-ss" not in commands.clip_segment("/m/a.mp4", 0.0, 30, commands.Source(320, 180), (320, 180), S, "/o/c.mp4")


def test_hdr_clip_segment_is_tone_mapped_before_it_is_fitted():
    argv = commands.clip_segment("/m/iphone.mov", 0, 30, commands.Source(320, 180, 1.0, "arib-std-b67"), (320, 180), S, "/o/c.mp4")
    graph = argv[argv.index("-filter_complex") + 1]
    assert graph == (
        "[0:v]fps=30[s0];[s0]zscale=npl=100:t=linear:tin=arib-std-b67[s1];[s1]format=pix_fmts=gbrpf32le[s2];[s2]zscale=p=bt709[s3];"
        "[s3]tonemap=desat=0:param=0.3:tonemap=mobius[s4];[s4]zscale=m=bt709:r=tv:t=bt709[s5];"
        "[s5]scale=320:180:out_color_matrix=bt709:out_range=tv[s6];[s6]setsar=1[s7];[s7]tpad=stop=-1:stop_mode=clone[s8];[s8]format=yuv420p[s9];"
        "[s9]setparams=color_primaries=bt709:color_trc=bt709:colorspace=bt709:range=tv[s10]"
    )
    ffmpeg.check_inputs(argv)


def test_decode_float_keeps_samples():
    assert commands.raw_output(commands.decode_float("/w/a.m4a", "/w/a.f32")) == [
        "ffmpeg", *QUIET, "-protocol_whitelist", "file", "-i", "/w/a.m4a", "-map", "0:a:0", "-c:a", "pcm_f32le",
        "-flags:a", "+bitexact", *BITEXACT, "-f", "f32le", "/w/a.f32",
    ]
