"""Generate the example school's sting and music bed with ffmpeg's lavfi sources (no download).

    .venv/bin/python scripts/make_school_sound.py content/rubriki-shkolnoj-stranicy/media

Writes ``zastavka.m4a`` (a 1.6 s three-note chime) and ``muzyka-fon.m4a`` (an 8 s loop of soft
chords: A minor, F, C, G, two seconds each). Both are made of sine waves only, dedicated to the
public domain (CC0-1.0). The same ffmpeg gives the same bytes (bitexact flags).
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from pipeline.ffmpeg import ffmpeg_path

# three rising notes (C5, E5, G5), each a sine with a fast exponential decay, 0.15 s apart
STING = ("aevalsrc=exprs='0.30*sin(2*PI*523.25*t)*exp(-4*t)"
         "+0.30*gte(t,0.15)*sin(2*PI*659.25*t)*exp(-4*(t-0.15))"
         "+0.30*gte(t,0.30)*sin(2*PI*783.99*t)*exp(-3*(t-0.30))':s=48000:d=1.6")
# four chords, two seconds each; every note fades in and out within its chord so the loop has no clicks
CHORDS = ((220.00, 261.63, 329.63), (174.61, 220.00, 261.63), (130.81, 164.81, 196.00), (196.00, 246.94, 293.66))


def _music() -> str:
    terms = []
    for k, chord in enumerate(CHORDS):
        window = f"between(t,{2 * k},{2 * k + 2})*sin(PI*(t-{2 * k})/2)"
        terms += [f"0.12*{window}*sin(2*PI*{f}*t)" for f in chord]
    return "aevalsrc=exprs='" + "+".join(terms) + "':s=48000:d=8"


def generate(folder: Path) -> None:
    bitexact = ["-fflags", "+bitexact", "-flags:a", "+bitexact", "-map_metadata", "-1"]
    for name, graph in (("zastavka.m4a", STING), ("muzyka-fon.m4a", _music())):
        subprocess.run([ffmpeg_path(), "-hide_banner", "-v", "error", "-y", "-f", "lavfi", "-i", graph, "-ac", "1",
                        "-c:a", "aac", "-b:a", "48k", *bitexact, str(folder / name)], check=True, stdin=subprocess.DEVNULL)


if __name__ == "__main__":
    generate(Path(sys.argv[1]))
