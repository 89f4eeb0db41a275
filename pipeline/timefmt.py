"""Times as people read them: cue times for WebVTT/SRT and messages, minutes for transcripts and the player."""
from __future__ import annotations


def cue_time(seconds: float, separator: str = ".") -> str:
    """00:01:02.345 (WebVTT; SRT uses ',' before the milliseconds)."""
    ms = round(seconds * 1000)
    return f"{ms // 3600000:02d}:{ms // 60000 % 60:02d}:{ms // 1000 % 60:02d}{separator}{ms % 1000:03d}"


def minutes(seconds: float) -> str:
    """1:02 — a place in a short video, as transcripts and the player show it."""
    whole = int(seconds)
    return f"{whole // 60}:{whole % 60:02d}"
