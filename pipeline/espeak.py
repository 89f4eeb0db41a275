"""The one way espeak-ng is run (narration and the caption stage's reference speech), like
``pipeline.ffmpeg.run``: an argv list, text on stdin, stderr kept, ToolError on failure."""
from __future__ import annotations

import subprocess
from pathlib import Path

from pipeline.i18n import _
from pipeline.errors import SetupError, ToolError

ESPEAK = "espeak-ng"


def run_espeak(argv: list[str], text: str, context: str = "") -> None:
    """Run ``argv`` (which writes a WAV with ``-w FILE``) reading ``text`` as UTF-8 from stdin."""
    try:
        done = subprocess.run(argv, input=text.encode("utf-8"), capture_output=True, check=False, timeout=120)
    except FileNotFoundError:
        raise SetupError(_("espeak-ng is not installed — run 'make build' (it installs it with apt), or 'sudo apt-get install espeak-ng'")) from None
    stderr = done.stderr.decode("utf-8", "replace")
    out = Path(argv[argv.index("-w") + 1])
    # espeak-ng exits 0 even for an unknown voice, and then writes nothing: check the file too.
    if done.returncode != 0 or not out.is_file() or out.stat().st_size <= 44:
        hint = ("the voice is not installed: set 'voice' in lesson.yaml to one 'espeak-ng --voices' lists" if "voice" in stderr.lower()
                else "check that espeak-ng speaks this voice: espeak-ng --voices")
        raise ToolError(argv, done.returncode or 1, stderr[-4000:], hint, context)
