"""Dynamic time warping of a recording (rows) against a synthetic reading (columns), in numpy.

Speech is matched with steps (1,1), (1,2) and (2,1): a local tempo between half and twice the
synthetic one. Without that limit DTW can match *any* text to any speech by picking frames here
and there, and a wrong script would look as good as the right one. Pauses are free instead:
while the recording is silent the path may stay on one synthetic frame (1,0) or run along the
reading (0,1), and a silent synthetic frame (a gap between words, or a filler) may absorb any
number of recording frames (1,0). So a teacher's three-second pause costs nothing, but a
paragraph the script lacks has nowhere to go and shows up as a run of bad matches.

Two *filler* columns, before and after the reading, absorb recording frames that belong to no
word (music before the speech, noise after it) at a fixed cost per frame.

Speed: the row recurrence is vectorised (horizontal moves in silent rows with the running-minimum
trick ``D[i,j] = S[j] + min_{k<=j}(A[k] - S[k])``), and the work is done twice in the FastDTW
manner: a full DTW on 40 ms frames, then a 10 ms DTW only in a band of ±0.6 s around that path.
"""
from __future__ import annotations

import numpy as np

DIAG, UP, LEFT, SKIP_SYNTH, SKIP_REAL = 0, 1, 2, 3, 4
_MOVES = {DIAG: (1, 1), UP: (1, 0), LEFT: (0, 1), SKIP_SYNTH: (1, 2), SKIP_REAL: (2, 1)}
COARSE = 4  # fine frames per coarse frame
MARGIN = 60  # fine frames (0.6 s) either side of the coarse path: the 10 ms pass can mend a 40 ms slip
ABSORB_MARGIN = 2.0  # see coarse()
BLOCK = 4096  # rows of fine costs computed at once
HUGE = 1e9  # cost outside the band: finite, so running sums never produce inf - inf
_INF = 1e15


def distances(real: np.ndarray, synth: np.ndarray) -> np.ndarray:
    """Euclidean distance of every recording frame to every synthetic frame (float32)."""
    m = real @ synth.T
    m *= -2.0
    m += (real * real).sum(1)[:, None]
    m += (synth * synth).sum(1)[None, :]
    np.maximum(m, 0.0, out=m)
    return np.sqrt(m, out=m)


def path(real: np.ndarray, synth: np.ndarray, real_silent: np.ndarray, synth_silent: np.ndarray,
         filler: float, quiet: float, mismatch: float) -> tuple[np.ndarray, np.ndarray, float]:
    """The warping path of ``real`` (N x d) against ``synth`` (M x d).

    ``real_silent``/``synth_silent`` mark pause frames. A pause matched to a pause costs
    ``quiet`` (their spectra differ: room noise against espeak-ng's digital silence, and that
    difference means nothing); script speech matched to a recording pause at least ``mismatch``.
    ``filler`` is the cost per frame of the filler columns. Returns (rows, cols), ordered; cols
    index ``synth`` frames, -1 is the lead filler and M the tail filler. Every row appears.
    The third value is the coarse path's mean cost per speech frame (see ``coarse``).
    """
    rows, cols, mean = coarse(real, synth, real_silent, synth_silent, filler, quiet, mismatch)
    rows, cols = refine(real, synth, real_silent, synth_silent, rows, cols, filler, quiet, mismatch)
    return rows, cols, mean


def refine(real: np.ndarray, synth: np.ndarray, real_silent: np.ndarray, synth_silent: np.ndarray, rows: np.ndarray,
           cols: np.ndarray, filler: float, quiet: float, mismatch: float,
           hesitant: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The 10 ms path in a band around a coarse path (rows, extended coarse columns); returns
    (rows, cols) with cols indexing ``synth`` (-1 lead filler, M tail filler). Costs are computed
    a block of rows at a time: memory grows with the band, never with N x M. ``hesitant`` marks
    filled pauses (see ``pause_costs``)."""
    n, m = len(real), len(synth)
    cn, cm = -(-n // COARSE), -(-m // COARSE)
    lo, hi = _band(rows, cols, cn, cm, n, m)
    width = int((hi - lo).max())
    synth_ext = np.concatenate([synth[:1], synth, synth[-1:]])
    silent_ext = _ext(synth_silent)
    fine = np.empty((n, width), dtype=np.float32)
    for a in range(0, n, BLOCK):
        b = min(n, a + BLOCK)
        index = np.minimum(lo[a:b, None] + np.arange(width)[None, :], m + 1)
        block = np.sqrt(((synth_ext[index] - real[a:b, None, :]) ** 2).sum(-1))
        block = pause_costs(block, real_silent[a:b, None], silent_ext[index], quiet, mismatch, filler,
                            None if hesitant is None else hesitant[a:b, None])
        block[(index == 0) | (index == m + 1)] = filler
        block[lo[a:b, None] + np.arange(width)[None, :] >= hi[a:b, None]] = HUGE
        fine[a:b] = block
    rows, cols = warp(fine, lo, real_silent, silent_ext)
    return rows, cols - 1


def coarse(real: np.ndarray, synth: np.ndarray, real_silent: np.ndarray, synth_silent: np.ndarray,
           filler: float, quiet: float, mismatch: float) -> tuple[np.ndarray, np.ndarray, float]:
    """The path on 40 ms frames (extended columns: 0 and M+1 are the fillers) and its mean cost
    per recording speech frame (cheap enough to run again against a control reading)."""
    c_real, c_synth = pool(real), pool(synth)
    c_rsil, c_ssil = pool_mask(real_silent), pool_mask(synth_silent)
    cost = coarse_cost(c_real, c_synth, c_rsil, c_ssil, filler, quiet, mismatch)
    rows, cols = warp(cost, np.zeros(len(c_real), dtype=np.int64), c_rsil, _ext(c_ssil))
    spoken = ~c_rsil[rows]
    mean = float(cost[rows[spoken], cols[spoken]].mean()) if spoken.any() else 0.0
    return rows, cols, mean


def coarse_cost(c_real: np.ndarray, c_synth: np.ndarray, c_rsil: np.ndarray, c_ssil: np.ndarray, filler: float, quiet: float,
                mismatch: float) -> np.ndarray:
    """Cost of every coarse recording frame against every extended coarse reading column."""
    cost = np.full((len(c_real), len(c_synth) + 2), filler, dtype=np.float64)
    cost[:, 1:-1] = pause_costs(distances(c_real, c_synth), c_rsil[:, None], c_ssil[None, :], quiet, mismatch, filler)
    return cost


def pause_costs(cost: np.ndarray, real_silent: np.ndarray, synth_silent: np.ndarray, quiet: float, mismatch: float,
                absorb: float | None = None, hesitant: np.ndarray | None = None) -> np.ndarray:
    """Costs involving pauses: pause against pause ``quiet``; script speech against a recording
    pause at least ``mismatch``; recording speech held on a synthetic pause ``absorb`` (speech
    the script lacks waits there, at the price of a filler, instead of stretching the words
    around it). A filled pause (``hesitant``: "um", "uh", see ``audio.hesitations``) is a pause
    with a voice: held on a synthetic pause it costs ``quiet``, and a script word takes it at
    ``absorb`` at best, so a sentence's first word no longer gains by starting on the "um"
    said before it, yet still may when nothing else fits it (a held "Oh" that is scripted)."""
    absorb = mismatch if absorb is None else absorb
    cost = np.where(real_silent & synth_silent, quiet, cost)
    cost = np.where(real_silent & ~synth_silent, np.maximum(cost, mismatch), cost)
    cost = np.where(~real_silent & synth_silent, np.maximum(cost, absorb), cost)
    if hesitant is not None:
        cost = np.where(hesitant & synth_silent, quiet, cost)
        cost = np.where(hesitant & ~synth_silent, np.maximum(cost, absorb), cost)
    return cost


def _ext(silent: np.ndarray) -> np.ndarray:
    """Silence per extended column: the fillers count as silent."""
    return np.concatenate([[True], silent, [True]])


def pool(frames: np.ndarray) -> np.ndarray:
    """Mean of every COARSE consecutive frames (the last group may be shorter)."""
    n = len(frames)
    whole = n // COARSE * COARSE
    pooled = frames[:whole].reshape(-1, COARSE, frames.shape[1]).mean(1)
    if whole < n:
        pooled = np.concatenate([pooled, frames[whole:].mean(0, keepdims=True)])
    return pooled.astype(np.float32)


def pool_mask(mask: np.ndarray) -> np.ndarray:
    """A coarse frame is silent when most of its fine frames are."""
    return pool(mask.astype(np.float32)[:, None])[:, 0] >= 0.5


def _band(rows, cols, cn, cm, n, m) -> tuple[np.ndarray, np.ndarray]:
    """Per fine row, the [lo, hi) extended columns around the coarse path (both non-decreasing)."""
    first = np.full(cn, cm + 2)
    last = np.zeros(cn, dtype=np.int64)
    np.minimum.at(first, rows, cols)
    np.maximum.at(last, rows, cols)

    def fine_col(c, end):
        # extended coarse column -> extended fine column (filler columns map onto themselves)
        inner = np.clip(c - 1, 0, cm - 1) * COARSE + 1 + (COARSE if end else 0)
        return np.where(c == 0, 1 if end else 0, np.where(c == cm + 1, m + 2 if end else m + 1, inner))

    coarse_row = np.minimum(np.arange(n) // COARSE, cn - 1)
    lo_c = np.minimum(first[np.maximum(coarse_row - 1, 0)], first[coarse_row])
    hi_c = np.maximum(last[np.minimum(coarse_row + 1, cn - 1)], last[coarse_row])
    lo = np.clip(fine_col(lo_c, False) - MARGIN, 0, m + 1)
    hi = np.clip(fine_col(hi_c, True) + MARGIN, 1, m + 2)
    lo = np.minimum.accumulate(lo[::-1])[::-1]
    hi = np.maximum.accumulate(hi)
    lo[0], hi[-1] = 0, m + 2  # the path starts in the lead filler and ends in the tail filler
    return lo.astype(np.int64), hi.astype(np.int64)


def warp(cost: np.ndarray, lo: np.ndarray, row_silent: np.ndarray, col_silent: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """DTW over a band: row i holds extended columns lo[i] .. lo[i] + width - 1 (``cost`` is
    N x width, HUGE outside the band). Returns the path from (0, 0) to the last column."""
    n, width = cost.shape
    pad = 2
    size = pad + width + width + int(np.diff(lo).max(initial=0)) * 2 + 4
    prev1, prev2 = np.full(size, _INF), np.full(size, _INF)  # rows i-1, i-2 from their own lo
    lo1 = lo2 = 0
    steps = np.zeros((n, width), dtype=np.int8)
    col_sil_pad = np.concatenate([col_silent, np.zeros(width + 1, bool)])
    for i in range(n):
        c = cost[i]
        base = int(lo[i])
        if i == 0:
            a = np.full(width, _INF)
            a[0] = c[0]
            move = np.zeros(width, np.int8)
        else:
            o1 = pad + base - lo1
            diag, up, skip_synth = prev1[o1 - 1: o1 - 1 + width], prev1[o1: o1 + width], prev1[o1 - 2: o1 - 2 + width]
            o2 = pad + base - lo2
            skip_real = prev2[o2 - 1: o2 - 1 + width] if i >= 2 else np.full(width, _INF)
            if not row_silent[i]:
                up = np.where(col_sil_pad[base: base + width], up, _INF)
            # the cheapest of the four predecessors (first wins ties: diagonal, up, skips)
            best, move = diag.copy(), np.zeros(width, np.int8)
            for option, code in ((up, UP), (skip_synth, SKIP_SYNTH), (skip_real, SKIP_REAL)):
                better = option < best
                np.copyto(best, option, where=better)
                move[better] = code
            a = c + best
        if row_silent[i]:
            s = np.cumsum(c)
            lifted = a - s
            best = np.minimum.accumulate(lifted)
            row = s + best
            move = np.where(best < lifted, LEFT, move)
        else:
            row = a
        steps[i] = move
        prev2, prev1 = prev1, prev2
        prev1[:] = _INF
        prev1[pad: pad + width] = np.minimum(row, _INF)
        lo2, lo1 = lo1, base
    finite = np.flatnonzero(cost[-1] < HUGE)
    return _backtrack(steps, lo, n - 1, int(finite[-1]))


def _backtrack(steps: np.ndarray, lo: np.ndarray, i: int, k: int) -> tuple[np.ndarray, np.ndarray]:
    rows, cols = [], []
    j = int(lo[i]) + k
    while True:
        rows.append(i)
        cols.append(j)
        if i == 0 and j == 0:
            break
        if i == 0:
            j -= 1
            continue
        di, dj = _MOVES[int(steps[i, j - lo[i]])]
        if di == 2:  # a (2,1) step passes through row i-1: keep every row on the path
            rows.append(i - 1)
            cols.append(j - 1)
        i, j = i - di, j - dj
    return np.array(rows[::-1]), np.array(cols[::-1])
