"""Forced alignment of a known script to its audio, offline: espeak-ng reads the script, MFCC + DTW
map the synthetic reading onto the recording, and every word gets a start, an end and a confidence.

The idea is aeneas's (synthesise, then warp), written anew in numpy (aeneas is AGPL-3). Word
boundaries come from the synthetic reading (see synth.py), are carried through the warping path
(built window by window, see windows.py, so any length aligns in linear time without drift), then
placed onto the recording's own speech (placement.py), because a pause edge is where a viewer
hears a word begin.

Three measures, each on the same pair of signals (so a voice far from espeak-ng's does not
simply look bad):
- a word's *confidence* (0..1) comes from its mean match cost on the path, scaled between the
  best match its frames find anywhere in the reading and frames paired at random, and from the
  local tempo (a word squeezed or stretched far beyond the reading's own pace is doubtful);
- the part's *quality* (0..1) joins each window's margin over a control (the same reading played
  backwards: same voice, same sounds, not this text; a wrong recording matches both alike) with
  the share of the recording in divergences;
- *divergences* are stretches of a second or more where the audio has speech the script lacks,
  the script has words no audio carries (the local tempo runs far off the reading's), or words
  match badly one after another. Each names its time and the first word there.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pipeline.caption import dtw
from pipeline.audio import (FRAME, SPEECH_RATE as RATE, STEADY_SHARE, STEADY_SHARE_NOISY, features, fill_runs, hesitations, noisy, runs,
                            voiced)
from pipeline.caption.synth import GAP_CLAUSE, synthesise
from pipeline.caption.placement import LOW_CONFIDENCE, place
from pipeline.caption.windows import coarse_path

WINDOW = 1.0  # s of recording over which the local tempo is measured
DIVERGENT = 0.6  # |log2 tempo| (1.75x off) from which script and audio no longer keep pace
DIVERGENT_SECONDS = 1.0  # how long such a stretch lasts before it is reported
MATCH_ZERO, MATCH_FULL = 0.045, 0.085  # windows' median margin over the control giving quality 0 and 1
DIVERGED_ZERO = 0.25  # share of the recording in divergences at which the quality is 0
MISMATCH_SECONDS = 1.5  # how long such a stretch lasts before it is reported
COST_FULL, COST_ZERO = 0.65, 0.95  # relative match cost giving confidence 1 and 0
TEMPO_FULL, TEMPO_ZERO = 0.6, 1.2  # |log2 tempo| giving confidence 1 and 0
SAMPLE = 3000  # frames per side for the cost scale
UNSCRIPTED = 2.0  # s of speech before the first word or after the last that the script lacks


@dataclass(frozen=True)
class Word:
    """One script token placed on the audio (seconds from the audio's start)."""

    text: str
    start: float
    end: float
    confidence: float


@dataclass(frozen=True)
class Divergence:
    """Where the script and the audio stop matching: audio time and the first word there."""

    start: float
    end: float
    word: int  # index of the first script word in the stretch
    kind: str  # "audio-only": speech the script lacks; "script-only": words the audio lacks;
    # "mismatch": words matched badly one after another


@dataclass(frozen=True)
class Alignment:
    words: tuple[Word, ...]
    divergences: tuple[Divergence, ...]
    quality: float  # 0..1, the whole part's match (1 = like a clean reading of this script)
    windows: tuple[tuple[float, float, float], ...] = ()  # (start s, end s, match) per window


def align(samples: np.ndarray, words: list[str], voice: str, context: str = "") -> Alignment:
    """Align display tokens ``words`` to 16 kHz mono ``samples``.

    Raises ToolError/SetupError if espeak-ng fails or is missing.
    """
    if not words:
        return Alignment((), (), 1.0)
    synthetic = synthesise(words, voice, context)
    real = features(samples, bands=True)
    synth = features(synthetic.samples)
    # under loud broad noise (a fan, a room) the total energy hides soft speech and the noise's
    # flicker makes a held filler change like a word: there voice activity also looks at the
    # bands against their noise floor, and the held-sound test allows more change (the features
    # the DTW matches stay as they are)
    loud_noise = noisy(real.energy_db)
    speech = voiced(real.energy_db, mfcc=real.mfcc, band_snr_db=real.band_snr_db if loud_noise else None)
    if real.frames == 0 or not speech.any():
        return Alignment(tuple(Word(w, 0.0, 0.0, 0.0) for w in words), (), 0.0)
    synth_silent = np.ones(synth.frames, bool)
    for s, e in synthetic.spans:
        synth_silent[int(s / FRAME): int(np.ceil(e / FRAME))] = False
    good, unrelated = _scale(real.mfcc, synth.mfcc, speech, synth_silent)
    args = dict(filler=good + 0.6 * (unrelated - good), quiet=0.5 * good, mismatch=unrelated)
    # filled pauses ("um") the script does not hold: a pause with a voice, not a word's place
    hesitant = hesitations(real.mfcc, speech, STEADY_SHARE_NOISY if loud_noise else STEADY_SHARE)
    c_rsil, c_ssil = dtw.pool_mask(~speech), dtw.pool_mask(synth_silent)
    coarse_rows, coarse_cols, windows = coarse_path(dtw.pool(real.mfcc), dtw.pool(synth.mfcc), c_rsil, c_ssil,
                                                    _cuts(words, synthetic.spans, synth.frames), **args,
                                                    c_hes=dtw.pool_mask(hesitant))
    rows, cols = dtw.refine(real.mfcc, synth.mfcc, ~speech, synth_silent, coarse_rows, coarse_cols, **args, hesitant=hesitant)
    # per window: how much better the true reading matches than the control (the same reading
    # backwards: same voice, same sounds, not this text)
    matches = [(w.control_cost - w.true_cost) / max(w.control_cost, 1e-6) for w in windows]
    inner = (cols >= 0) & (cols < synth.frames)
    step_cost = np.full(len(rows), unrelated, dtype=np.float32)
    diff = real.mfcc[rows[inner]] - synth.mfcc[cols[inner]]
    step_cost[inner] = np.sqrt((diff * diff).sum(1))
    relative = np.clip((step_cost - good) / max(unrelated - good, 1e-6), 0.0, 2.0)
    tempo = _tempo(rows, cols, speech, synth_silent)
    first_row, last_row = _row_span(rows, cols, synth.frames)
    placed = []
    for word, (s, e) in zip(words, synthetic.spans):
        a = min(round(s / FRAME), synth.frames - 1)
        b = min(max(a + 1, round(e / FRAME)), synth.frames)
        start, end = first_row[a] * FRAME, (last_row[b - 1] + 1) * FRAME
        inside = (cols >= a) & (cols < b) & speech[rows]
        placed.append([word, start, end, _confidence(relative[inside], tempo[rows[inside]])])
    place(placed, speech)
    divergences = _divergences(tempo, speech, placed) + _unscripted(rows, cols, speech, synth.frames, len(placed))
    spans = [(w.start * dtw.COARSE * FRAME, w.end * dtw.COARSE * FRAME, m) for w, m in zip(windows, matches)]
    # two views of one question, both calibrated on the corpus (bench/bench_caption.py): the
    # windows' median margin over their control (human speech with its script: 0.05-0.16 per
    # window, median 0.09 and more; another script: 0.04 and less), and the share of the
    # recording where script and speech diverge (correct scripts: up to 2 %; wrong or cut
    # short: 19 % and more), which also catches a wrong stretch inside a long part
    diverged = sum(d.end - d.start for d in divergences) / max(len(samples) / RATE, 1e-6)
    by_match = np.clip((float(np.median(matches)) - MATCH_ZERO) / (MATCH_FULL - MATCH_ZERO), 0.0, 1.0)
    quality = float(by_match * np.clip(1.0 - diverged / DIVERGED_ZERO, 0.0, 1.0))
    if any(d.kind in ("audio-only", "script-only") and d.word in (0, len(placed) - 1) and d.end - d.start >= UNSCRIPTED for d in divergences):
        quality = 0.0  # a script or a recording cut short is not the recording of this script
    return Alignment(tuple(Word(w, round(s, 3), round(e, 3), round(c, 3)) for w, s, e, c in placed),
                     tuple(sorted(divergences, key=lambda d: d.start)), round(quality, 3),
                     tuple((round(a, 2), round(b, 2), round(float(m), 3)) for a, b, m in spans))


def _scale(real: np.ndarray, synth: np.ndarray, speech: np.ndarray, synth_silent: np.ndarray) -> tuple[float, float]:
    """The two anchors of the cost scale, from a sample of recording frames against the reading:
    the best match a speech frame finds anywhere (order ignored), and frames paired at random.
    At most ``SAMPLE`` frames of each side, so a long recording costs no more than a short one."""
    r = slice(None, None, max(4, len(real) // SAMPLE))
    c = slice(None, None, max(1, len(synth) // SAMPLE))
    sample = dtw.distances(real[r], synth[c])
    spoken, sounding = speech[r], ~synth_silent[c]
    if not spoken.any():
        spoken = np.ones_like(spoken)
    unrelated = float(np.median(sample[spoken][:, sounding])) if sounding.any() else float(np.median(sample))
    good = float(np.median(sample.min(axis=1)[spoken]))
    return good, unrelated


def _cuts(words: list[str], spans, frames: int) -> list[int]:
    """Coarse reading columns in the middle of clause and sentence gaps: where a window may end."""
    from pipeline.caption.synth import gap_after

    out = []
    for k in range(len(words) - 1):
        if gap_after(words[k]) >= GAP_CLAUSE:
            middle = (spans[k][1] + spans[k + 1][0]) / 2
            out.append(min(int(middle / FRAME) // dtw.COARSE, frames // dtw.COARSE))
    return out


def _confidence(relative: np.ndarray, tempo: np.ndarray) -> float:
    """0..1 from a stretch's relative match cost and local tempo.

    A clean human reading matched to espeak-ng has a relative cost around 0.6 (espeak-ng to
    espeak-ng: 0.1); unrelated speech around 0.8 and more. A tempo more than 2^0.6 = 1.5 times
    off the reading's own (in speech frames) means words are squeezed or stretched to fit.
    """
    if len(relative) == 0:
        return 0.0
    by_cost = np.clip((COST_ZERO - float(np.mean(relative))) / (COST_ZERO - COST_FULL), 0.0, 1.0)
    off = float(np.median(np.abs(tempo)))
    by_tempo = np.clip((TEMPO_ZERO - off) / (TEMPO_ZERO - TEMPO_FULL), 0.0, 1.0)
    return float(min(by_cost, by_tempo))


def _tempo(rows: np.ndarray, cols: np.ndarray, speech: np.ndarray, synth_silent: np.ndarray) -> np.ndarray:
    """Per recording frame: log2 of (synthetic speech frames / recording speech frames) passed
    in a 1 s window around it, relative to the whole part's ratio. Near 0 where the script and
    the audio keep pace; very negative where the audio has speech the script lacks; very
    positive where script words pass with no audio under them."""
    n = len(speech)
    at = np.zeros(n, dtype=np.int64)
    at[rows] = np.clip(cols, 0, len(synth_silent))  # the last column each row reaches
    synth_cum = np.concatenate([[0], np.cumsum(~synth_silent)])
    real_cum = np.concatenate([[0], np.cumsum(speech)])
    half = round(WINDOW / 2 / FRAME)
    lo = np.clip(np.arange(n) - half, 0, n - 1)
    hi = np.clip(np.arange(n) + half, 0, n - 1)
    ratio = np.log2((synth_cum[at[hi]] - synth_cum[at[lo]] + 1) / (real_cum[hi] - real_cum[lo] + 1))
    # the part's own pace: the median of the local ones over the speech the path gives to words,
    # so a stretch the script lacks (or a script cut short) does not shift the pace of the rest
    on_words = np.zeros(n, bool)
    on_words[rows[(cols >= 0) & (cols < len(synth_silent))]] = True
    usable = speech & on_words
    overall = float(np.median(ratio[usable])) if usable.any() else np.log2((synth_cum[-1] + 1) / (real_cum[-1] + 1))
    return ratio - overall


def _row_span(rows: np.ndarray, cols: np.ndarray, frames: int) -> tuple[np.ndarray, np.ndarray]:
    """For each synthetic frame, the first and last recording frame the path maps onto it
    (a frame the path stepped over takes its neighbours' rows)."""
    first = np.full(frames, -1)
    last = np.full(frames, -1)
    keep = (cols >= 0) & (cols < frames)
    r, c = rows[keep], cols[keep]
    last[c] = r  # later assignments win: the path is ordered
    first[c[::-1]] = r[::-1]
    seen = first >= 0
    if not seen.any():
        return np.zeros(frames, int), np.zeros(frames, int)
    index = np.arange(frames)
    after = np.minimum.accumulate(np.where(seen, index, frames)[::-1])[::-1]
    before = np.maximum.accumulate(np.where(seen, index, -1))
    # an unvisited frame starts where the next visited one starts (or, past the last, ends)
    first = np.where(seen, first,
                     np.where(after < frames, first[np.minimum(after, frames - 1)], last[np.maximum(before, 0)]))
    last = np.where(seen, last, last[np.maximum(before, 0)])
    last = np.where(before >= 0, last, first)
    return first, last


def _unscripted(rows: np.ndarray, cols: np.ndarray, speech: np.ndarray, frames: int, words: int) -> list[Divergence]:
    """Speech the path parks on the fillers, before the first word or after the last: a script
    that lacks its beginning or end (or a recording that goes on past it). Short stretches are
    a cough or a "thank you"; ``UNSCRIPTED`` s of speech is a part of the recording."""
    found = []
    for at, word in ((-1, 0), (frames, words - 1)):  # the lead, then the tail
        on = np.zeros(len(speech), bool)
        on[rows[cols == at]] = True
        parked = on & speech
        if parked.sum() * FRAME >= UNSCRIPTED:
            voiced_rows = np.flatnonzero(parked)
            found.append(Divergence(round(voiced_rows[0] * FRAME, 2), round((voiced_rows[-1] + 1) * FRAME, 2), word, "audio-only"))
    return found


def _divergences(tempo: np.ndarray, speech: np.ndarray, placed: list[list]) -> list[Divergence]:
    """Stretches of a second or more where the audio has speech the script lacks (tempo far
    below the reading's) or the script has words no audio carries (far above)."""
    found = []
    for kind, mask in (("audio-only", (tempo < -DIVERGENT) & speech), ("script-only", tempo > DIVERGENT)):
        # short gaps inside a stretch are closed: a stretch of mismatch is rarely bad in every frame
        for s, e in runs(fill_runs(mask, False, round(0.3 / FRAME)), True):
            if (e - s) * FRAME < DIVERGENT_SECONDS:
                continue
            start, end = s * FRAME, e * FRAME
            word = next((k for k, item in enumerate(placed) if item[2] > start), len(placed) - 1)
            found.append(Divergence(round(start, 2), round(end, 2), word, kind))
    # words matched badly one after another: the script and the audio say different things here
    low = [k for k, item in enumerate(placed) if item[3] < LOW_CONFIDENCE]
    groups: list[list[int]] = []
    for k in low:
        if groups and k - groups[-1][-1] <= 2:  # one good word inside a bad stretch does not end it
            groups[-1].append(k)
        else:
            groups.append([k])
    for group in groups:
        start, end = placed[group[0]][1], placed[group[-1]][2]
        if len(group) >= 3 and end - start >= MISMATCH_SECONDS and not any(d.start < end and d.end > start for d in found):
            found.append(Divergence(round(start, 2), round(end, 2), group[0], "mismatch"))
    return sorted(found, key=lambda d: d.start)
