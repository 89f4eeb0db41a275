"""Pure pieces of the aligner: MFCC and VAD, resampling, the espeak-ng SSML and word cutting,
and the DTW on made-up feature sequences (no espeak-ng needed)."""
from __future__ import annotations

import numpy as np

from pipeline.caption import dtw
from pipeline.audio import FRAME, features, noisy, runs, voiced
from pipeline.audio import resample as _resample
from pipeline.caption.synth import espeak_argv, gap_after, ssml, word_pieces


def tone(freq: float, seconds: float, rate: int = 16000) -> np.ndarray:
    return (0.3 * np.sin(2 * np.pi * freq * np.arange(round(seconds * rate)) / rate)).astype(np.float32)


def test_features_have_one_frame_per_10_ms():
    f = features(tone(440, 1.0))
    assert f.mfcc.shape == (100, 12) and f.energy_db.shape == (100,)
    assert features(np.zeros(0, np.float32)).frames == 0


def test_voice_activity_finds_the_noise_bursts_and_ignores_a_steady_tone():
    rng = np.random.default_rng(0)
    quiet = rng.standard_normal(8000).astype(np.float32) * 0.001
    burst = rng.standard_normal(8000).astype(np.float32) * 0.3 * np.repeat(rng.random(50), 160).astype(np.float32)
    signal = np.concatenate([quiet, burst, quiet, quiet, burst, quiet])
    f = features(signal)
    found = [(round(s * FRAME, 1), round(e * FRAME, 1)) for s, e in runs(voiced(f.energy_db))]
    assert found == [(0.5, 1.0), (2.0, 2.5)]
    held = np.concatenate([quiet, tone(300, 2.0), quiet, burst])
    f = features(held)
    assert not voiced(f.energy_db, mfcc=f.mfcc)[80:220].any()  # loud but unchanging: not speech (edges smear 0.25 s)


def _shaped_noise(n: int, rng, low: float = 0.0, high: float = 8000.0, pink: bool = False) -> np.ndarray:
    """``n`` samples of noise at RMS 1: white between ``low`` and ``high`` Hz, or pink."""
    spectrum = np.fft.rfft(rng.standard_normal(n))
    freqs = np.fft.rfftfreq(n, 1 / 16000)
    spectrum[(freqs < low) | (freqs > high)] = 0
    if pink:
        spectrum /= np.sqrt(np.maximum(freqs, 20.0))
    out = np.fft.irfft(spectrum, n)
    return (out / np.sqrt(np.mean(out ** 2))).astype(np.float32)


def test_under_loud_pink_noise_a_soft_hiss_the_total_energy_hides_is_found_in_its_bands():
    """A loud low vowel-like sound at 1.0-1.5 s and a soft "s"-like hiss (3-7 kHz) at 2.5-2.8 s,
    under pink noise 12 dB below the vowel: the total energy sees the vowel only; the bands against
    their noise floor find the hiss too. Over a quiet floor the recording is not noisy, and the
    energy alone finds both."""
    rng = np.random.default_rng(1)
    speech = np.zeros(4 * 16000, np.float32)
    speech[16000:24000] = _shaped_noise(8000, rng, 100, 1000) * 0.5
    speech[40000:44800] = _shaped_noise(4800, rng, 3000, 7000) * 0.03
    loud = features(speech + _shaped_noise(len(speech), rng, pink=True) * 0.05, bands=True)
    assert noisy(loud.energy_db)
    by_energy = [(round(s * FRAME, 1), round(e * FRAME, 1)) for s, e in runs(voiced(loud.energy_db, mfcc=loud.mfcc))]
    assert by_energy == [(1.0, 1.5)]
    by_bands = voiced(loud.energy_db, mfcc=loud.mfcc, band_snr_db=loud.band_snr_db)
    assert [(round(s * FRAME, 1), round(e * FRAME, 1)) for s, e in runs(by_bands)] == [(1.0, 1.5), (2.5, 2.8)]
    quiet = features(speech + _shaped_noise(len(speech), rng, pink=True) * 0.002)
    assert not noisy(quiet.energy_db)
    assert [(round(s * FRAME, 1), round(e * FRAME, 1)) for s, e in runs(voiced(quiet.energy_db, mfcc=quiet.mfcc))] == [(1.0, 1.5),
                                                                                                                     (2.5, 2.8)]


def test_fft_resampling_keeps_the_pitch_and_the_length():
    out = _resample(tone(1000, 1.0, 22050), 22050, 16000)
    assert len(out) == 16000
    spectrum = np.abs(np.fft.rfft(out))
    assert abs(np.argmax(spectrum) - 1000) <= 1


def test_ssml_escapes_the_text_and_the_argv_reads_stdin():
    assert ssml(["Fish",
                 "&", "<chips>"]) == '<speak>Fish <break time="300ms"/> &amp; <break time="300ms"/> &lt;chips&gt;</speak>'
    assert espeak_argv("ko", "/tmp/x.wav") == ["espeak-ng", "-b", "1", "-m", "-v", "ko", "-w", "/tmp/x.wav", "--stdin"]
    assert espeak_argv("ru", "/tmp/x.wav", markup=False) == ["espeak-ng", "-b", "1", "-v", "ru", "-w",
            "/tmp/x.wav", "--stdin"]


def test_words_are_cut_at_long_runs_of_exact_zeros_only():
    word = tone(200, 0.2, 22050)
    closure = np.zeros(round(0.08 * 22050), np.float32)  # a stop inside a word
    brk = np.zeros(round(0.3 * 22050), np.float32)
    pieces = word_pieces(np.concatenate([brk, word, closure, word, brk, word, brk]))
    assert [round(len(p) / 22050, 2) for p in pieces] == [0.48, 0.2]
    assert (gap_after("hands."), gap_after("wall,"), gap_after("table"), gap_after("«да».")) == (0.3, 0.15, 0.04, 0.3)


def test_dtw_follows_a_slower_copy_and_holds_pauses():
    rng = np.random.default_rng(3)
    synth = rng.standard_normal((60, 12)).astype(np.float32)
    slower = np.repeat(synth, 2, axis=0)[:100]  # half speed: the limit of the slope constraint
    silent_real = np.zeros(len(slower), bool)
    rows, cols, _ = dtw.path(slower, synth[:50], silent_real, np.zeros(50, bool), filler=50.0, quiet=0.1, mismatch=50.0)
    assert rows[0] == 0 and rows[-1] == 99 and set(range(100)) <= set(rows.tolist())
    mapped = {int(r): int(c) for r, c in zip(rows, cols) if 0 <= c < 50}
    assert all(abs(mapped[r] - r // 2) <= 1 for r in range(0, 100, 7) if r in mapped)


def test_dtw_puts_leading_noise_on_the_filler():
    rng = np.random.default_rng(4)
    synth = rng.standard_normal((40, 12)).astype(np.float32)
    noise = rng.standard_normal((30, 12)).astype(np.float32) * 3 + 10
    real = np.concatenate([noise, synth])
    rows, cols, _ = dtw.path(real, synth, np.zeros(70, bool), np.zeros(40, bool), filler=5.0, quiet=0.1, mismatch=50.0)
    first = min(int(r) for r, c in zip(rows, cols) if c == 0)
    assert abs(first - 30) <= 1
    assert all(c == -1 for r, c in zip(rows, cols) if r < 29)
