"""The one gateway to ffmpeg: whitelist enforced, stderr kept, errors carry command, tail and hint."""
from __future__ import annotations

import pytest

from conftest import make_audio, make_video
from pipeline import ffmpeg
from pipeline.errors import MediaError, SetupError, ToolError
from pipeline.probe import probe


@pytest.mark.media
def test_an_input_without_the_whitelist_is_refused():
    with pytest.raises(ValueError, match="ffmpeg input 'clip.mp4' is opened without '-protocol_whitelist file'"):
        ffmpeg.run(["ffmpeg", "-i", "clip.mp4", "out.mp4"])


def test_lavfi_inputs_and_whitelisted_files_pass_the_check():
    ffmpeg.check_inputs(["ffmpeg", "-f", "lavfi", "-i", "sine", "-protocol_whitelist", "file", "-i", "a.wav", "out.wav"])
    with pytest.raises(ValueError):
        ffmpeg.check_inputs(["ffmpeg", "-protocol_whitelist", "file,http", "-i", "a.wav", "out.wav"])
    with pytest.raises(ValueError):  # the whitelist of the first input does not cover the second
        ffmpeg.check_inputs(["ffmpeg", "-protocol_whitelist", "file", "-i", "a.wav", "-i", "b.wav", "out.wav"])


@pytest.mark.media
def test_failure_carries_command_stderr_tail_and_hint(tmp_path):
    missing = tmp_path / "nothing.mp4"
    with pytest.raises(ToolError) as caught:
        ffmpeg.run(["ffmpeg", *ffmpeg.WHITELIST, "-i", str(missing), str(tmp_path / "out.mp4")], context="content/intro")
    error = caught.value
    assert error.code != 0
    assert "No such file or directory" in error.stderr_tail
    assert error.hint == "a file the build needs is missing: run 'make check' to see which"
    text = str(error)
    assert text.startswith("content/intro: ffmpeg") and "failed (exit" in text
    assert f"-i {missing}" in text and "stderr:" in text


@pytest.mark.media
def test_a_playlist_cannot_make_ffmpeg_reach_the_network(tmp_path):
    """Even if a playlist got past the probe, the whitelist stops ffmpeg from following it."""
    playlist = tmp_path / "clip.m3u8"
    playlist.write_text("#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\nhttp://127.0.0.1:9/x.ts\n#EXT-X-ENDLIST\n")
    with pytest.raises(ToolError) as caught:
        ffmpeg.run(["ffmpeg", *ffmpeg.WHITELIST, "-i", str(playlist), "-f", "null", "-"])
    assert "not on whitelist" in caught.value.stderr_tail


@pytest.mark.parametrize(
    "name,text",
    [
        ("clip.mp4", "#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\nhttp://127.0.0.1:9/x.ts\n#EXT-X-ENDLIST\n"),
        ("clip.mov", "ffconcat version 1.0\nfile /etc/passwd\n"),
    ],
)
def test_probe_refuses_playlists_and_concat_lists_disguised_as_video(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(MediaError) as caught:
        probe(path, f"lesson/media/{name}")
    assert caught.value.path == f"lesson/media/{name}"
    assert "other files or the network" in caught.value.reason or "not a media file" in caught.value.reason


@pytest.mark.media
def test_probe_describes_video_audio_and_rotation(tmp_path):
    clip = make_video(tmp_path / "clip.mp4", seconds=1, size="320x240")
    info = probe(clip)
    assert (info.video.width, info.video.height, round(info.video.fps)) == (320, 240, 30)
    assert info.audio.sample_rate == 44100 and 0.9 < info.duration < 1.2
    rotated = tmp_path / "rotated.mp4"
    ffmpeg.run(["ffmpeg", "-y", "-display_rotation:v:0", "90", *ffmpeg.WHITELIST, "-i", str(clip), "-c", "copy", str(rotated)])
    turned = probe(rotated)
    assert turned.video.rotation in (90, 270) and (turned.video.width, turned.video.height) == (240, 320)
    voice = probe(make_audio(tmp_path / "voice.wav", seconds=1))
    assert voice.video is None and voice.audio.channels == 1


def test_override_variable_must_name_an_executable(monkeypatch, tmp_path):
    monkeypatch.setenv(ffmpeg.OVERRIDE_VARIABLE, str(tmp_path / "no-ffmpeg"))
    with pytest.raises(SetupError, match="MICROLEARN_FFMPEG=.* is not an executable file — point it at an ffmpeg binary or unset it"):
        ffmpeg.ffmpeg_path()
