"""Audio helpers shared by the caption stage and the review: 16 kHz mono reading and resampling,
MFCC features (framing, FFT, mel filterbank, DCT) and a voice-activity detector, in numpy.

16 kHz audio, 25 ms windows every 10 ms (the usual speech front end; 10 ms frames keep boundary
errors well under the 3-frame sync rule of 100 ms). The first cepstral coefficient (overall level)
is dropped and the rest are mean-normalised (over a 3 s sliding window), because a teacher's microphone and
espeak-ng differ mostly in level and channel colour, which those two steps remove.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from pipeline.house import HOUSE

SPEECH_RATE = HOUSE.speech_rate
HOP = 160  # 10 ms
WINDOW = 400  # 25 ms
NFFT = 512
MELS = 40
CEPSTRA = 13
FRAME = HOP / SPEECH_RATE  # seconds per feature frame
FEATURE_BLOCK = 4096  # frames whose spectra are computed at once (memory stays flat with length)
FLUX_SHARE = 0.5  # of the median spectral change of loud frames, under which a sound is not speech
FLUX_FLOOR = 1.0  # and in any case (when most of the loud sound is music, its median is the music's)
CMN_WINDOW = 3.0  # s: cepstral means are removed over a sliding window, so music or noise at
# one end of a recording does not shift the features of the speech at the other


@dataclass(frozen=True)
class Features:
    """Per-frame MFCC (frames x 12) and log energy in dB (frames,) of one signal, and the mean
    per-band SNR in dB against the signal's own noise floor (frames,; see ``band_snr``)."""

    mfcc: np.ndarray
    energy_db: np.ndarray
    band_snr_db: np.ndarray | None = None

    @property
    def frames(self) -> int:
        return len(self.energy_db)


@lru_cache(maxsize=None)
def _mel_filterbank() -> np.ndarray:
    def mel(f):
        return 2595.0 * np.log10(1.0 + f / 700.0)

    def hz(m):
        return 700.0 * (10 ** (m / 2595.0) - 1.0)

    points = hz(np.linspace(mel(60.0), mel(7600.0), MELS + 2))
    bins = np.fft.rfftfreq(NFFT, 1.0 / SPEECH_RATE)
    bank = np.zeros((MELS, len(bins)), dtype=np.float32)
    for m in range(MELS):
        lo, centre, hi = points[m], points[m + 1], points[m + 2]
        rising = (bins - lo) / (centre - lo)
        falling = (hi - bins) / (hi - centre)
        bank[m] = np.maximum(0.0, np.minimum(rising, falling))
    return bank


@lru_cache(maxsize=None)
def _dct_matrix() -> np.ndarray:
    n = np.arange(MELS)
    k = np.arange(CEPSTRA)[:, None]
    basis = np.cos(np.pi * k * (2 * n + 1) / (2 * MELS)) * np.sqrt(2.0 / MELS)
    basis[0] /= np.sqrt(2.0)
    return basis.T.astype(np.float32)  # (MELS, CEPSTRA)


def features(samples: np.ndarray, bands: bool = False) -> Features:
    """MFCC and log energy of 16 kHz mono float samples (one frame per 10 ms, centred); with
    ``bands``, also the per-band SNR (``band_snr``: only a recording's voice activity uses it)."""
    x = np.asarray(samples, dtype=np.float32)
    if len(x) == 0:
        return Features(np.zeros((0, CEPSTRA - 1), np.float32), np.zeros(0, np.float32),
                        np.zeros(0, np.float32) if bands else None)
    x = np.append(x[0], x[1:] - 0.97 * x[:-1])  # pre-emphasis: flatten speech's spectral tilt
    frames_n = int(np.ceil(len(x) / HOP))
    padded = np.pad(x, (WINDOW // 2, WINDOW // 2 + frames_n * HOP - len(x) + HOP))
    framed = np.lib.stride_tricks.sliding_window_view(padded, WINDOW)[::HOP][:frames_n]
    window = np.hamming(WINDOW).astype(np.float32)
    energies, logmels = [], []
    # a block of frames at a time: the spectra of a 20-minute recording at once take 1 GB
    for a in range(0, frames_n, FEATURE_BLOCK):
        power = np.abs(np.fft.rfft(framed[a: a + FEATURE_BLOCK] * window, NFFT)) ** 2 / NFFT
        energies.append(10.0 * np.log10(power.sum(axis=1) + 1e-10))
        logmels.append(np.log(power @ _mel_filterbank().T + 1e-8))
    energy, logmel = np.concatenate(energies), np.concatenate(logmels)
    cepstra = (logmel @ _dct_matrix())[:, 1:]
    cepstra -= _running_mean(cepstra, round(CMN_WINDOW / FRAME))
    return Features(cepstra.astype(np.float32), energy.astype(np.float32), band_snr(logmel, energy) if bands else None)


NOISE_SHARE = 10  # % of the frames, the quietest by energy, that stand for the noise floor
BAND_SNR = 2.0  # dB: least mean per-band SNR of speech (noise alone: median 0.6-0.8, p99 2.3-3.4)
BAND_SNR_SHARE = 0.25  # and at least this share of the recording's 95th percentile (as for energy in voiced)


def band_snr(logmel: np.ndarray, energy_db: np.ndarray) -> np.ndarray:
    """Per frame, the mean over the mel bands of its SNR in dB against the recording's own noise
    floor (a band under its noise counts 0), for voice activity in a noisy recording only (the
    features the DTW matches are left as they are, see docs/architecture.md, Noise).

    The noise power of each band is its mean over the quietest ``NOISE_SHARE`` % of frames.
    Broad noise (a fan, a room) hides a consonant's or a soft word's total energy, but rarely
    every band of it."""
    quiet = energy_db <= np.percentile(energy_db, NOISE_SHARE)
    noise = np.log(np.mean(np.exp(logmel[quiet].astype(np.float64)), axis=0) + 1e-8).astype(np.float32)
    return (np.maximum(logmel - noise, 0.0).mean(axis=1) * np.float32(10.0 / np.log(10.0))).astype(np.float32)


def _running_mean(x: np.ndarray, window: int) -> np.ndarray:
    """Mean over a window centred on each frame (shorter at the ends)."""
    n = len(x)
    cum = np.concatenate([np.zeros((1, x.shape[1])), np.cumsum(x, axis=0, dtype=np.float64)])
    lo = np.clip(np.arange(n) - window // 2, 0, n)
    hi = np.clip(np.arange(n) + window // 2 + 1, 0, n)
    return ((cum[hi] - cum[lo]) / (hi - lo)[:, None]).astype(np.float32)


def voiced(energy_db: np.ndarray, min_pause: float = 0.15, min_voice: float = 0.05,
           mfcc: np.ndarray | None = None, band_snr_db: np.ndarray | None = None) -> np.ndarray:
    """Boolean per frame: speech (True) or not, from log energy (and spectral change).

    The threshold sits a third of the way from the noise floor (10th percentile) to the speech
    level (95th), so it follows the recording instead of a fixed dB value. Pauses shorter than
    ``min_pause`` (stop closures) are filled; bursts shorter than ``min_voice`` (clicks) removed.
    With ``band_snr_db`` (``Features.band_snr_db``), a frame whose bands stand on average
    ``BAND_SNR`` dB over their noise is speech as well: under broad noise a consonant or a soft
    word is lost in the total energy (pink noise 15 dB under real speech hid 22 % of it) but
    still stands out in the bands where the noise is weak.
    """
    if len(energy_db) == 0:
        return np.zeros(0, bool)
    floor, loud = np.percentile(energy_db, 10), np.percentile(energy_db, 95)
    threshold = floor + max(6.0, 0.25 * (loud - floor))
    loud = energy_db > threshold
    speech = loud
    if band_snr_db is not None:
        speech = loud | (band_snr_db > max(BAND_SNR, BAND_SNR_SHARE * np.percentile(band_snr_db, 95)))
    if mfcc is not None and loud.any():
        # sustained sounds (a tone, a held chord, hum) are loud but do not change: speech
        # changes its spectrum every few tens of ms. Frames whose cepstra barely move over
        # half a second are not speech, even when loud.
        flux = np.r_[0.0, np.sqrt((np.diff(mfcc, axis=0) ** 2).sum(1))]
        flux = _running_mean(flux[:, None], round(0.5 / FRAME))[:, 0]
        speech &= flux > max(FLUX_SHARE * np.median(flux[loud]), FLUX_FLOOR)
    speech = fill_runs(speech, False, round(min_pause / FRAME))
    return fill_runs(speech, True, round(min_voice / FRAME))


NOISY_RANGE = 24.0  # dB: a recording whose loud frames stand less than this over its quietest is noisy


def noisy(energy_db: np.ndarray) -> bool:
    """Whether broad noise sits close under the speech: the 95th percentile of the frame energy
    stands less than ``NOISY_RANGE`` dB over the 10th. Measured on the corpus: clean recordings
    and music 20 dB under the speech 25.5-28 dB; pink noise at SNR 20 dB 21.5-22 dB, 15 dB 17-18 dB,
    10 dB 13-14 dB. There the energy detector misses soft speech, and a noise model helps; on
    quieter recordings it is not needed (and was measured to move a few lines, see
    docs/architecture.md, Noise)."""
    if len(energy_db) == 0:
        return False
    floor, loud = np.percentile(energy_db, 10), np.percentile(energy_db, 95)
    return bool(loud - floor < NOISY_RANGE)


STEADY_LAG = 3  # frames: spectra 30 ms apart are compared (a phone lasts 50-100 ms)
STEADY_SHARE = 0.42  # of the recording's median change, under which a stretch is held, not spoken
STEADY_SHARE_NOISY = 0.6  # the same in a noisy recording (see ``noisy``): the noise's flicker moves everything
HESITATION = (0.1, 2.0)  # s: how long a filled pause between two pauses lasts (a quiet one breaks up)


def hesitations(mfcc: np.ndarray, speech: np.ndarray, share: float = STEADY_SHARE) -> np.ndarray:
    """Boolean per frame: filled pauses ("um", "uh", "er"; "э-э", "м-м"; "음", "어").

    A filled pause is a vowel or a nasal *held*: its spectrum barely changes, where words move
    from phone to phone every 50-100 ms (the cue filled-pause detectors use, e.g. Goto, Itou and
    Hayamizu 1999). So a stretch of speech between two pauses, 0.1-2 s long, whose median
    spectral change over ``STEADY_LAG`` frames is under ``STEADY_SHARE`` of the recording's
    median over all its speech is one. Measured on the corpus (tests/corpus_cases.py): fillers
    0.21-0.34 of the median, isolated words 0.51 and more. Under loud noise the noise's own
    frame-to-frame flicker adds to every stretch's change, held or not, so all of them move
    towards the median: there ``share`` is ``STEADY_SHARE_NOISY`` (real speech with pink noise at
    SNR 15 dB: fillers 0.39-0.53, words 0.70 and more; at 10 dB fillers 0.47-0.58, words 0.74
    and more).
    """
    out = np.zeros(len(speech), bool)
    if len(speech) <= STEADY_LAG or not speech.any():
        return out
    change = np.sqrt(((mfcc[STEADY_LAG:] - mfcc[:-STEADY_LAG]) ** 2).sum(1))
    both = speech[STEADY_LAG:] & speech[:-STEADY_LAG]
    if not both.any():
        return out
    typical = float(np.median(change[both]))
    shortest, longest = (round(s / FRAME) for s in HESITATION)
    for s, e in runs(speech, True):
        if not shortest <= e - s <= longest or e - s <= STEADY_LAG:
            continue
        if np.median(change[s: e - STEADY_LAG]) < share * typical:
            out[s:e] = True
    return out


def fill_runs(mask: np.ndarray, value: bool, shorter_than: int) -> np.ndarray:
    """Flip interior runs of ``value`` shorter than ``shorter_than`` frames."""
    out = mask.copy()
    for start, end in runs(mask, value):
        if end - start < shorter_than and start > 0 and end < len(mask):
            out[start:end] = not value
    return out


def runs(mask: np.ndarray, value: bool = True) -> list[tuple[int, int]]:
    """[start, end) frame ranges where ``mask`` equals ``value``."""
    edges = np.diff(np.concatenate([[0], (mask == value).astype(np.int8), [0]]))
    return list(zip(np.flatnonzero(edges == 1).tolist(), np.flatnonzero(edges == -1).tolist()))


def read_audio(path: Path) -> np.ndarray:
    """A WAV as 16 kHz mono float32."""
    import soundfile

    samples, rate = soundfile.read(str(path), dtype="float32", always_2d=True)
    mono = samples.mean(axis=1)
    return mono if rate == SPEECH_RATE else resample(mono, rate, SPEECH_RATE)


def resample(samples: np.ndarray, rate: int, target: int) -> np.ndarray:
    """Band-limited resampling by FFT (scipy.signal costs half a second just to import).

    The input is zero-padded to ``unit * k`` samples, ``unit = rate / gcd``, with k 5-smooth,
    so both transforms have lengths made of small primes (pocketfft is slow on large primes).
    """
    from math import gcd

    n = len(samples)
    out_n = int(round(n * target / rate))
    if n == 0 or out_n == 0:
        return np.zeros(out_n, np.float32)
    g = gcd(rate, target)
    unit_in, unit_out = rate // g, target // g
    k = _smooth(-(-n // unit_in))
    spectrum = np.fft.rfft(samples, unit_in * k)
    size = unit_out * k
    keep = size // 2 + 1
    spectrum = spectrum[:keep] if keep <= len(spectrum) else np.pad(spectrum, (0, keep - len(spectrum)))
    return (np.fft.irfft(spectrum, size)[:out_n] * (size / (unit_in * k))).astype(np.float32)


def _smooth(n: int) -> int:
    """The smallest number >= n whose prime factors are 2, 3 and 5."""
    while True:
        m = n
        for p in (2, 3, 5):
            while m % p == 0:
                m //= p
        if m == 1:
            return n
        n += 1
