"""Word edges placed onto the recording's own speech, after the warping path.

The path carries the synthetic reading's word boundaries onto the recording, but a viewer hears a
word begin where the speech does, and a reader pauses at punctuation, not inside a clause. So:
edges move onto nearby speech onsets and offsets (``snap``); a word placed across a long pause is
cut to its side of it, and a word placed wholly in silence moves to the speech (``drop_strays``);
the first words of a sentence taken onto a filler or onto the tail of the sentence before move
across the pause to where they are said (``pauses_at_punctuation``), mirrored for a sentence's
last words. A placed word is ``[text, start, end, confidence]`` in seconds.
"""
from __future__ import annotations

import numpy as np

from pipeline.audio import FRAME, runs

SNAP = 0.15  # s: how far a boundary moves to reach the recording's own speech edge
LOW_CONFIDENCE = 0.5  # words under it match badly
STRAY_PAUSE = 0.35  # s: no word holds a pause this long
ONE_BREATH = 0.15  # s: words closer than this are said in one breath
STRAY_WORDS, STRAY_SECONDS = 4, 0.8  # at most this many words over this long move across a pause


def place(placed: list[list], speech: np.ndarray) -> None:
    """All the steps, in order; words end in order, each at least a frame long."""
    snap(placed, speech)
    drop_strays(placed, speech)
    pauses_at_punctuation(placed)
    for index, item in enumerate(placed):
        if index:
            item[1] = max(item[1], placed[index - 1][2])
        item[2] = max(item[2], item[1] + FRAME)


def snap(placed: list[list], speech: np.ndarray) -> None:
    """Pull word edges onto the recording's own speech edges.

    A start that falls in a pause moves to the pause's end (a word cannot begin in silence), an
    end in a pause moves to its start; otherwise an edge within ``SNAP`` s of a speech onset
    (offset) moves onto it. Words stay in order and at least one frame long.
    """
    voiced_runs = runs(speech, True)
    onsets = np.array([s * FRAME for s, _ in voiced_runs])
    offsets = np.array([e * FRAME for _, e in voiced_runs])
    pauses = runs(speech, False)
    for item in placed:
        start, end = item[1], item[2]
        pause = _pause_at(pauses, start)
        if pause and pause[1] * FRAME < end:
            start = pause[1] * FRAME
        else:
            start = _nearest(start, onsets)
        pause = _pause_at(pauses, end - FRAME)
        if pause and pause[0] * FRAME > start:
            end = pause[0] * FRAME
        else:
            end = _nearest(end, offsets)
        item[1], item[2] = start, end
    for index, item in enumerate(placed):
        if index:
            item[1] = max(item[1], placed[index - 1][2])
        item[2] = max(item[2], item[1] + FRAME)


def _stops(word: str) -> bool:
    """Whether a reader pauses after ``word`` (it ends a sentence or a clause)."""
    from pipeline.caption.segment import ends_clause, ends_sentence

    return ends_sentence(word) or ends_clause(word)


def drop_strays(placed: list[list], speech: np.ndarray) -> None:
    """Cut a word down to its own sound when it spans a long pause.

    No word holds a pause of ``STRAY_PAUSE`` s, so a word placed across one has taken in a sound
    beside it: a filler ("um"), a cough, an aside said in the pause before a sentence. The
    stray side is the one facing the wider gap to the neighbouring word (the first word of a
    sentence takes in what was said in the pause before it, the last word what follows it).
    """
    longest = round(STRAY_PAUSE / FRAME)
    for index, item in enumerate(placed):
        a, b = int(round(item[1] / FRAME)), int(round(item[2] / FRAME))
        if not speech[a:b].any():
            _to_speech(placed, index, speech)
            continue
        gaps = [(s, e) for s, e in runs(speech[a:b], False) if e - s >= longest and s > 0 and e < b - a]
        if not gaps:
            continue
        before = item[1] - placed[index - 1][2] if index else float("inf")
        after = placed[index + 1][1] - item[2] if index + 1 < len(placed) else float("inf")
        if _stops(item[0]):  # a reader pauses after a sentence, so that is where a filler falls
            before, after = 0.0, 1.0
        elif index and _stops(placed[index - 1][0]):
            before, after = 1.0, 0.0
        if before >= after:
            item[1] = (a + gaps[-1][1]) * FRAME
        else:
            item[2] = (a + gaps[0][0]) * FRAME


def pauses_at_punctuation(placed: list[list]) -> None:
    """Move a word across a long pause of the recording to the side where the script pauses.

    A reader pauses at a full stop or a comma, rarely inside a clause. When the path puts a long
    pause right after the first word of a sentence ("... letters. The | invention"), that word
    was matched to the tail of the sentence before, or, when it matches badly, to a filler said
    in the pause ("um"); it moves to just after the pause. The same, mirrored, for the last word
    of a sentence placed after a pause inside its clause."""
    def stops(k: int) -> bool:
        return _stops(placed[k][0])

    for k in range(len(placed) - 1):
        word, after = placed[k], placed[k + 1]
        if after[1] - word[2] < STRAY_PAUSE or stops(k):
            continue
        j = k  # the words of this clause said in one breath with k (no pause between them)
        while j and not stops(j - 1) and placed[j][1] - placed[j - 1][2] < ONE_BREATH:
            j -= 1
        glued = j and stops(j - 1) and placed[j][1] - placed[j - 1][2] < STRAY_PAUSE
        confidence = float(np.mean([placed[i][3] for i in range(j, k + 1)]))
        short = k - j < STRAY_WORDS and placed[k][2] - placed[j][1] <= STRAY_SECONDS
        if short and (glued or confidence < LOW_CONFIDENCE):
            shift = after[1] - placed[j][1]
            for i in range(j, k + 1):
                placed[i][1] += shift
                placed[i][2] += shift
            for i in range(k + 1, len(placed)):  # the words after make room, in order
                if placed[i][1] >= placed[i - 1][2]:
                    break
                length = placed[i][2] - placed[i][1]
                placed[i][1] = placed[i - 1][2]
                placed[i][2] = max(placed[i][2], placed[i][1] + min(length, FRAME * 5))
            continue
        e = k + 1  # mirrored: the end of a sentence said in one breath after the pause
        while e + 1 < len(placed) and not stops(e) and placed[e + 1][1] - placed[e][2] < ONE_BREATH:
            e += 1
        confidence = float(np.mean([placed[i][3] for i in range(k + 1, e + 1)]))
        short = e - k <= STRAY_WORDS and placed[e][2] - placed[k + 1][1] <= STRAY_SECONDS
        if short and stops(e) and confidence < LOW_CONFIDENCE:
            shift = word[2] - placed[k + 1][1]
            for i in range(k + 1, e + 1):
                placed[i][1] += shift
                placed[i][2] += shift


def _to_speech(placed: list[list], index: int, speech: np.ndarray) -> None:
    """A word placed wholly in a pause (a short word the path passed over in silence) moves to
    the edge of the speech on the side of its nearer neighbour, keeping at most 0.15 s."""
    item = placed[index]
    before = item[1] - placed[index - 1][2] if index else float("inf")
    after = placed[index + 1][1] - item[2] if index + 1 < len(placed) else float("inf")
    length = min(item[2] - item[1], 0.15)
    frame = int(round(item[1] / FRAME))
    if after <= before:
        onset = frame + int(np.argmax(speech[frame:])) if speech[frame:].any() else None
        if onset is not None:
            item[1] = onset * FRAME
            item[2] = item[1] + length
            if index + 1 < len(placed):
                placed[index + 1][1] = max(placed[index + 1][1], item[2])
                placed[index + 1][2] = max(placed[index + 1][2], placed[index + 1][1] + FRAME)
    else:
        voiced_before = np.flatnonzero(speech[:frame])
        if len(voiced_before):
            item[2] = (voiced_before[-1] + 1) * FRAME
            item[1] = item[2] - length
            if index:
                placed[index - 1][2] = min(placed[index - 1][2], item[1])
                placed[index - 1][1] = min(placed[index - 1][1], placed[index - 1][2] - FRAME)


def _pause_at(pauses: list[tuple[int, int]], t: float) -> tuple[int, int] | None:
    frame = int(t / FRAME + 1e-6)
    for s, e in pauses:
        if s <= frame < e:
            return s, e
    return None


def _nearest(t: float, edges: np.ndarray) -> float:
    if len(edges) == 0:
        return t
    k = int(np.argmin(np.abs(edges - t)))
    return float(edges[k]) if abs(edges[k] - t) <= SNAP else t
