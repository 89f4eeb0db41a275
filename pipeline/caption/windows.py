"""The coarse warping path of a recording of any length, window by window, in linear time.

A full DTW of a 20-minute recording against its reading is 30 000 x 30 000 cells even at 40 ms:
minutes of work and gigabytes. Worse, one global path lets a stretch the script does not explain
(a long aside, music, a filler-laden pause) pull whole minutes of words late, with nothing to
pull them back: the drift measured on real lectures.

So the path is built as a chain of windows, each anchored where the previous one is sure. A
window takes about ``CHUNK`` seconds of the reading (cut at a clause or sentence gap) and enough
of the recording to hold it (its *speech* frames, so pauses cost no budget), aligns them with
free fillers at both ends, and keeps only the first half of the path, up to a gap of the reading
near its middle: there the window saw context on both sides, so that point is an anchor. The
next window starts at the anchor. Each window costs the same, so time and memory grow linearly
with the recording; the last window runs to the recording's end.

Each window also aligns the same stretch of recording against its slice of the reading played
backwards (same voice, same sounds, not this text). How much better the true reading matches
than that control is the window's *match*: per window, so a wrong paragraph in a long lecture
shows where it is, instead of being averaged away.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pipeline.caption.dtw import COARSE, HUGE, pause_costs, warp

CHUNK = 30.0  # s of the reading per window
FRAME = 0.01 * COARSE  # s per coarse frame
SLACK = 3.0  # s of recording speech added to every window
BAND = 6.0  # s either side of the speech diagonal searched in a window
TYPICAL_PACE = 1.15  # a teacher against espeak-ng's 175 words a minute
TAIL_ROOM = 1.3  # the last window's short try: its words at the measured pace, and this much room
PACE = (0.6, 1.8)  # recording speech per reading speech: what teachers' pace against espeak-ng can be
START_PACE = (0.85, 1.4)  # before any window measured it: a script cut short or too long misleads less
SQUEEZED = 0.9  # the anchor beyond this share of the window's rows: the window was too short


@dataclass(frozen=True)
class Window:
    """One window's share of the path: coarse rows [start, end) and its match costs."""

    start: int
    end: int
    true_cost: float  # mean path cost per recording speech frame, this reading
    control_cost: float  # the same against the reading backwards


def coarse_path(c_real, c_synth, c_rsil, c_ssil, cuts: list[int], filler: float, quiet: float, mismatch: float,
                c_hes=None) -> tuple[np.ndarray, np.ndarray, list[Window]]:
    """The whole coarse path (rows, extended columns: 0 and M+1 are the fillers) and its windows.

    ``cuts`` are coarse reading columns inside gaps between words where a window may end
    (ascending). Costs as in ``dtw.coarse``; ``c_hes`` marks filled pauses (``dtw.pause_costs``).
    """
    c_hes = np.zeros(len(c_real), bool) if c_hes is None else c_hes
    cn, cm = len(c_real), len(c_synth)
    chunk = round(CHUNK / FRAME)
    speech_cum = np.concatenate([[0], np.cumsum(~c_rsil)])
    synth_speech_cum = np.concatenate([[0], np.cumsum(~c_ssil)])
    # the recording's speech per reading speech frame: a window holds the recording's speech for
    # its words at that pace and a little more. A window much longer than its words lets DTW
    # stretch them over speech that is not theirs (a human voice matches espeak-ng barely better
    # than anything), so the window is sized, not left open. The pace starts from the whole
    # part's (within what readers do) and then follows what the anchored windows measured, so a
    # script that lacks a stretch of the recording does not mislead every window
    ratio = float(np.clip(speech_cum[-1] / max(synth_speech_cum[-1], 1), *START_PACE))
    cuts = np.asarray(cuts, dtype=np.int64)
    all_rows, all_cols, windows = [], [], []
    r0, c0 = 0, 0
    while True:
        c1 = _cut_at(cuts, c0 + chunk, c0)
        last = c1 is None or cm - c1 < chunk // 2
        c1 = cm if last else c1
        need = ratio * (synth_speech_cum[c1] - synth_speech_cum[c0]) + SLACK / FRAME
        if not last and np.searchsorted(speech_cum, speech_cum[r0] + need) >= cn:
            last, c1 = True, cm  # the recording ends within this window: the rest of the script goes in it
        for attempt in range(3):
            r1 = cn if last else int(min(cn, np.searchsorted(speech_cum, speech_cum[r0] + need * (1.5 ** attempt)) + 1))
            rows, cols, true_cost = _window(c_real, c_synth, c_rsil, c_ssil, c_hes, r0, r1, c0, c1, filler, quiet, mismatch, ratio)
            if last:
                break
            anchor = _anchor(cuts, c0, c1)
            reach = np.flatnonzero(cols >= anchor - c0 + 1)
            at = int(reach[0]) if len(reach) else len(rows)
            if r1 >= cn or rows[min(at, len(rows) - 1)] < SQUEEZED * (r1 - r0):
                break
        _, _, control_cost = _window(c_real, c_synth[c0:c1][::-1], c_rsil, c_ssil[c0:c1][::-1], c_hes, r0, r1, 0, c1 - c0,
                                     filler, quiet, mismatch, ratio)
        if last:
            # the last window also tries ending where the script's words run out at the measured
            # pace: when that matches better, the recording goes on past the script, and the
            # speech after it is left on the tail filler (reported where it starts) instead of
            # the script being smeared over all of it
            words_speech = synth_speech_cum[c1] - synth_speech_cum[c0]
            short_need = min(ratio, TYPICAL_PACE) * words_speech * TAIL_ROOM + SLACK / FRAME
            short = int(min(cn, np.searchsorted(speech_cum, speech_cum[r0] + short_need) + 1))
            if short < cn - round(SLACK / FRAME):
                s_rows, s_cols, s_true = _window(c_real, c_synth, c_rsil, c_ssil, c_hes, r0, short, c0, c1, filler, quiet, mismatch, ratio)
                _, _, s_control = _window(c_real, c_synth[c0:c1][::-1], c_rsil, c_ssil[c0:c1][::-1], c_hes, r0, short, 0, c1 - c0,
                                          filler, quiet, mismatch, ratio)
                if _match(s_true, s_control) > _match(true_cost, control_cost) + 0.02:
                    rest = np.arange(short - r0, cn - r0)
                    rows = np.concatenate([s_rows, rest])
                    cols = np.concatenate([s_cols, np.full(len(rest), c1 - c0 + 1)])
                    true_cost, control_cost = s_true, s_control
            all_rows.append(rows + r0)
            all_cols.append(cols + c0)
            windows.append(Window(r0, cn, true_cost, control_cost))
            break
        keep = slice(0, at)
        all_rows.append(rows[keep] + r0)
        all_cols.append(cols[keep] + c0)
        r_next = int(rows[at]) + r0 if at < len(rows) else r1
        windows.append(Window(r0, r_next, true_cost, control_cost))
        measured = (speech_cum[r_next] - speech_cum[r0]) / max(synth_speech_cum[anchor] - synth_speech_cum[c0], 1)
        ratio = float(np.clip(0.5 * ratio + 0.5 * measured, *PACE))
        r0, c0 = r_next, anchor
    rows, cols = np.concatenate(all_rows), np.concatenate(all_cols)
    return rows, cols, windows


def _match(true_cost: float, control_cost: float) -> float:
    """How much better than the control, relative to the control (scale-free, for comparing)."""
    return (control_cost - true_cost) / max(control_cost, 1e-6)


def _cut_at(cuts: np.ndarray, at: int, after: int) -> int | None:
    """The first cut at or after ``at`` (and after ``after``), or None."""
    k = int(np.searchsorted(cuts, max(at, after + 1)))
    return int(cuts[k]) if k < len(cuts) else None


def _anchor(cuts: np.ndarray, c0: int, c1: int) -> int:
    """The cut inside (c0, c1) nearest to its middle (the middle itself when there is none)."""
    inside = cuts[(cuts > c0) & (cuts < c1)]
    middle = (c0 + c1) // 2
    return int(inside[np.argmin(np.abs(inside - middle))]) if len(inside) else middle


def _window(c_real, c_synth, c_rsil, c_ssil, c_hes, r0, r1, c0, c1, filler, quiet, mismatch, ratio):
    """Path of recording rows [r0, r1) against reading columns [c0, c1) with both fillers,
    in window coordinates, and its mean cost per recording speech frame.

    Only a band of ``BAND`` s either side of the *speech diagonal* is searched: the column
    whose reading speech so far matches the recording's speech so far at ``ratio``.
    Pauses move that diagonal with them, so the band follows a teacher who stops for
    seconds, and the window costs rows x band instead of rows x columns."""
    rsil, ssil = c_rsil[r0:r1], c_ssil[c0:c1]
    n, m = r1 - r0, c1 - c0
    real_cum = np.cumsum(~rsil)
    synth_cum = np.concatenate([[0], np.cumsum(~ssil)])
    expected = np.searchsorted(synth_cum, real_cum / ratio) + 1  # extended column
    width = min(2 * round(BAND / FRAME), m + 2)
    # the band must start at the lead filler, end at the tail filler, and be reachable in
    # between (speech advances at most 2 columns a row); where it cannot, search every column
    row = np.arange(n)
    lower = m + 2 - width - 2 * (n - 1 - row)
    upper = 2 * row
    if (lower > upper).any():
        width = m + 2
    lo = np.clip(np.minimum(np.maximum(expected - width // 2, lower), upper), 0, m + 2 - width).astype(np.int64)
    lo = np.minimum.accumulate(lo[::-1])[::-1]
    index = lo[:, None] + np.arange(width)[None, :]
    inner = np.clip(index - 1, 0, m - 1) + c0
    diff = c_synth[inner] - c_real[r0:r1, None, :]
    cost = np.sqrt((diff * diff).sum(-1), dtype=np.float64)
    cost = pause_costs(cost, rsil[:, None], c_ssil[inner], quiet, mismatch, filler, c_hes[r0:r1, None])
    cost[(index == 0) | (index == m + 1)] = filler
    cost[index > m + 1] = HUGE
    silent_cols = np.concatenate([[True], ssil, [True]])
    rows, cols = warp(cost, lo, rsil, silent_cols)
    spoken = ~rsil[rows]
    mean = float(cost[rows[spoken], (cols - lo[rows])[spoken]].mean()) if spoken.any() else 0.0
    return rows, cols, mean
