"""Cutting timed words into cues and cues into lines, by the language's rules.

Cue boundaries are chosen by dynamic programming over the words of one part of the lesson: every
cue must fit in ``max_lines`` lines and 7 s; among the cuts that fit, the cheapest prefers sentence
ends, then clause punctuation and pauses, then a break before a conjunction or preposition, and
penalises cues read too fast or shown too briefly. Lines inside a cue break at the best-balanced
word boundary (never inside a word; Korean breaks only at spaces, between eojeol), preferring a
break after punctuation and avoiding a one-word line when a balanced break exists.

Timing follows the Netflix guide: a cue starts with its first word, stays up at least 5/6 s and
long enough to be read at the language's speed when the next cue leaves room, lingers a moment
after the speech, and a gap shorter than half a second to the next cue is closed to two frames.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from pipeline.caption.rules import Rules, break_before, good_break_after, width
from pipeline.i18n import _

CLAUSE_END = tuple(",;:—–")
SENTENCE_END = tuple(".!?…。！？")
CLOSERS = "\"'»”’)]"
LINGER = 0.3  # s a cue may stay after its last word
LONG_PAUSE = 0.7  # s: a pause this long inside a cue shows words well before they are said
CLOSE_GAP = 0.5  # s: shorter gaps between cues are closed to the minimum gap


@dataclass(frozen=True)
class Token:
    """A word to caption: display text, time in the video (s), alignment confidence."""

    text: str
    start: float
    end: float
    confidence: float = 1.0


@dataclass(frozen=True)
class Cue:
    index: int
    start: float
    end: float
    lines: tuple[str, ...]
    confidence: float
    flagged: bool
    reason: str = ""
    part: int = 0  # position of its part in the list time_cues was given

    @property
    def text(self) -> str:
        return " ".join(self.lines)

    def as_dict(self) -> dict:
        item = {"index": self.index, "start": round(self.start, 3),
                "end": round(self.end, 3), "lines": list(self.lines),
                "confidence": round(self.confidence, 3), "flagged": self.flagged}
        if self.reason:
            item["reason"] = self.reason
        return item


def tokens_of(text: str) -> list[str]:
    """Display tokens: words split at white space, with a lone punctuation mark (a dash, an
    ellipsis) kept on the word before it so no line starts with one."""
    out: list[str] = []
    for word in text.split():
        if out and not any(ch.isalnum() for ch in word):
            out[-1] += " " + word
        else:
            out.append(word)
    return out


def ends_sentence(word: str) -> bool:
    return word.rstrip(CLOSERS).endswith(SENTENCE_END)


def ends_clause(word: str) -> bool:
    return word.rstrip(CLOSERS).endswith(CLAUSE_END)


def break_lines(words: list[str], rules: Rules) -> tuple[str, ...] | None:
    """The cue's text as lines, or None when it cannot fit ``max_lines`` lines of
    ``max_line_chars`` (a single word too long for a line is returned as is)."""
    text = " ".join(words)
    if width(text, rules) <= rules.max_line_chars or len(words) == 1:
        return (text,)
    best = _split(words, rules, rules.max_lines)
    return None if best is None else best[1]


def _split(words: list[str], rules: Rules, lines: int) -> tuple[float, tuple[str, ...]] | None:
    """Cheapest split of ``words`` into at most ``lines`` lines that all fit."""
    text = " ".join(words)
    if width(text, rules) <= rules.max_line_chars:
        return 0.0, (text,)
    if lines == 1:
        return None
    starters = break_before(rules.language)
    best = None
    for k in range(1, len(words)):
        head = " ".join(words[:k])
        if width(head, rules) > rules.max_line_chars:
            break
        rest = _split(words[k:], rules, lines - 1)
        if rest is None:
            continue
        tail_cost, tail = rest
        widths = [width(head, rules)] + [width(t, rules) for t in tail]
        cost = tail_cost + (max(widths) - min(widths)) / rules.max_line_chars * 4.0
        if ends_sentence(words[k - 1]) or ends_clause(words[k - 1]):
            cost -= 1.5
        elif words[k].lower() in starters or good_break_after(words[k - 1], rules.language):
            cost -= 0.8
        counts = [k] + [len(t.split()) for t in tail]
        if min(counts) == 1 and len(words) >= 4:
            cost += 3.0  # a one-word orphan line
        if widths[0] > widths[-1]:
            cost += 0.1  # a bottom-heavy pyramid reads better, all else equal
        if best is None or cost < best[0]:
            best = (cost, (head, *tail))
    return best


def segment(tokens: list[Token], rules: Rules, part_end: float) -> list[tuple[int, int, tuple[str, ...]]]:
    """Choose cue boundaries for one part: a list of (first token, end token, lines)."""
    n = len(tokens)
    if n == 0:
        return []
    words = [t.text for t in tokens]
    starters = break_before(rules.language)
    limit = rules.max_lines * rules.max_line_chars
    best = [0.0] + [float("inf")] * n
    choice: list[tuple[int, tuple[str, ...]] | None] = [None] * (n + 1)
    for b in range(1, n + 1):
        for a in range(b - 1, -1, -1):
            chunk = words[a:b]
            if b - a > 1 and (width(" ".join(chunk), rules) > limit or tokens[b - 1].end - tokens[a].start > rules.max_duration):
                break
            lines = break_lines(chunk, rules)
            if lines is None:
                continue
            cost = best[a] + _cue_cost(tokens, a, b, lines, rules, part_end, starters)
            if cost < best[b]:
                best[b], choice[b] = cost, (a, lines)
    cuts, b = [], n
    while b > 0:
        a, lines = choice[b]
        cuts.append((a, b, lines))
        b = a
    return cuts[::-1]


def _cue_cost(tokens: list[Token], a: int, b: int, lines: tuple[str, ...], rules: Rules,
              part_end: float, starters) -> float:
    n = len(tokens)
    last = tokens[b - 1].text
    cost = 1.0  # every cue costs something: no needless fragments
    if b < n:
        pause = tokens[b].start - tokens[b - 1].end
        if ends_sentence(last):
            cost += 0.0
        elif ends_clause(last) or pause >= 0.25:
            cost += 1.0
        elif tokens[b].text.lower() in starters or good_break_after(last, rules.language):
            cost += 2.5
        else:
            cost += 4.0
    room = (tokens[b].start - rules.min_gap if b < n else part_end) - tokens[a].start
    shown = max(min(room, rules.max_duration), 1e-3)
    chars = width(" ".join(lines), rules)
    cps = chars / shown
    if cps > rules.max_cps:
        cost += 10.0 * (cps / rules.max_cps - 1.0) + 2.0
    if shown < rules.min_duration:
        cost += 3.0
    if chars < rules.max_line_chars / 3 and b - a < n:
        cost += 1.0
    if len(lines) > 1:
        cost += 0.3
    starts_sentence = a == 0 or ends_sentence(tokens[a - 1].text)
    if any(ends_sentence(t.text) for t in tokens[a:b - 1]) and not (starts_sentence and ends_sentence(last)):
        cost += 3.0  # part of one sentence with part of another: read as one thought, wrongly
    if any(tokens[k + 1].start - tokens[k].end >= LONG_PAUSE for k in range(a, b - 1)):
        cost += 4.0  # words shown long before they are said
    return cost


def time_cues(parts: list[tuple[list[Token], list[tuple[int, int, tuple[str, ...]]], float]], rules: Rules,
              threshold: float, doubts: list[list[tuple[float, float, str]]]) -> list[Cue]:
    """Place the cues of every part on the video's timeline and number them.

    ``parts`` holds, per part: its tokens, its cuts and its end time; ``doubts`` per part lists
    (start, end, reason) stretches where the alignment is unsure (every cue touching one is
    flagged). A cue whose confidence is under ``threshold`` is flagged too.
    """
    raw = []
    for position, ((tokens, cuts, part_end), part_doubts) in enumerate(zip(parts, doubts)):
        for a, b, lines in cuts:
            chunk = tokens[a:b]
            start, speech_end = chunk[0].start, chunk[-1].end
            weights = [max(t.end - t.start, 0.01) for t in chunk]
            confidence = sum(t.confidence * w for t, w in zip(chunk, weights)) / sum(weights)
            reason = next((why for s, e, why in part_doubts if s < speech_end and e > start), "")
            if not reason and confidence < threshold:
                reason = _("alignment confidence {confidence} is under {threshold}", confidence=f"{confidence:.2f}",
                           threshold=f"{threshold:.2f}")
            raw.append([start, speech_end, lines, confidence, reason,
                        part_end, width(" ".join(lines), rules), position])
    raw.sort(key=lambda r: r[0])
    for item in raw:
        item[0] = round(item[0], 3)
    gap = math.ceil(rules.min_gap * 1000 - 1e-9) / 1000  # whole ms, never under two frames
    cues = []
    for k, (start, speech_end, lines, confidence, reason, part_end, chars, position) in enumerate(raw):
        latest = min(raw[k + 1][0] - gap if k + 1 < len(raw) else part_end, part_end, start + rules.max_duration)
        # whole ms, rounded up: a cue shown exactly long enough must not fail by rounding
        wanted = max(speech_end + LINGER, start + rules.min_duration,
                     math.ceil((start + chars / rules.max_cps) * 1000) / 1000)
        end = min(wanted, latest)
        closed = raw[k + 1][0] - gap if k + 1 < len(raw) else end
        if 0 < closed + gap - end < CLOSE_GAP and speech_end <= closed <= latest:
            # close short gaps (a flicker of no caption distracts), but never past the cap
            # already applied: ``latest`` holds the 7 s maximum and the part's end
            end = closed
        end = max(end, min(speech_end, latest), start + 0.001)
        cues.append(Cue(k + 1, round(start, 3), round(end, 3), tuple(lines), confidence, bool(reason), reason, position))
    return cues
