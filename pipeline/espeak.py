"""The one way espeak-ng is run (narration and the caption stage's reference speech), like
``pipeline.ffmpeg.run``: an argv list, text on stdin, stderr kept, ToolError on failure."""
from __future__ import annotations

import subprocess
from pathlib import Path

from pipeline.i18n import _
from pipeline.errors import SetupError, ToolError

ESPEAK = "espeak-ng"


def local_argv(argv: list[str]) -> tuple[list[str], Path]:
    """``argv`` with its ``-w FILE`` reduced to the file's name, and the folder to run it in.

    espeak-ng keeps the ``-w`` path in a 200-byte buffer and silently cuts longer paths, so a
    build folder with a long path (CI checkouts) made narration fail; run in the file's folder,
    only the name (under 100 characters for our temp files) is passed.
    """
    index = argv.index("-w") + 1
    out = Path(argv[index])
    return [*argv[:index], out.name, *argv[index + 1:]], out.parent


def run_espeak(argv: list[str], text: str, context: str = "") -> None:
    """Run ``argv`` (which writes a WAV with ``-w FILE``) reading ``text`` as UTF-8 from stdin."""
    from pipeline.limits import child_timeout, limit_child

    short, folder = local_argv(argv)
    timeout, why = child_timeout(120)
    try:
        process = subprocess.Popen(short, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.PIPE, cwd=folder)
    except FileNotFoundError:
        raise SetupError(_("espeak-ng is not installed — run 'make build' (it installs it with apt), "
                           "or 'sudo apt-get install espeak-ng'")) from None
    with process:
        limit_child(process.pid)
        try:
            _out, stderr_bytes = process.communicate(text.encode("utf-8"), timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()
            raise ToolError(argv, -1, "", f"espeak-ng {why}", context) from None
    done = subprocess.CompletedProcess(short, process.returncode, b"", stderr_bytes)
    stderr = done.stderr.decode("utf-8", "replace")
    out = Path(argv[argv.index("-w") + 1])
    # espeak-ng exits 0 even for an unknown voice, and then writes nothing: check the file too.
    if done.returncode != 0 or not out.is_file() or out.stat().st_size <= 44:
        from pipeline.ffmpeg import stopped_hint

        hint = stopped_hint(done.returncode, "espeak-ng") or ("the voice is not installed: set 'voice' in lesson.yaml "
                                                              "to one 'espeak-ng --voices' lists" if "voice" in stderr.lower()
                else "check that espeak-ng speaks this voice: espeak-ng --voices")
        raise ToolError(argv, done.returncode or 1, stderr[-4000:], hint, context)
