"""The single gateway to ffmpeg: find it lazily, run argv lists, keep stderr, explain failures.

Commands are data: stage code builds argv lists (by hand or with ffmpeg-python's ``compile()``)
and hands them to ``run``. ``run`` refuses any input that is not opened with a ``file``-only
protocol whitelist, so lesson media can never make ffmpeg reach the network or other files.
"""
from __future__ import annotations

import logging
import os
import shlex
import subprocess
from pathlib import Path

from pipeline.i18n import N_, _
from pipeline.errors import SetupError, ToolError

log = logging.getLogger("microlearn.ffmpeg")

OVERRIDE_VARIABLE = "MICROLEARN_FFMPEG"
WHITELIST = ["-protocol_whitelist", "file"]

# Known ffmpeg messages and what a teacher can do about them (first match wins).
HINTS = (
    ("No space left on device", N_("the disk is full: free some space and build again")),
    ("not on whitelist", N_("the media refers to another file or a network address: export the media itself (MP4, WAV, PNG) and use that")),
    ("No such file or directory", N_("a file the build needs is missing: run 'make check' to see which")),
    ("Invalid data found when processing input", N_("the file is not valid media or is damaged: export it again from the recording app")),
    ("moov atom not found", N_("the recording was cut off before it was saved: export or copy it again")),
    ("Permission denied", N_("the file cannot be read or written: check its permissions")),
    ("Unknown encoder", N_("this ffmpeg lacks an encoder we need: unset MICROLEARN_FFMPEG to use the ffmpeg installed with the tool")),
    ("Error while decoding", N_("a stream in the file is damaged: export the recording again")),
    ("Cannot allocate memory",
     N_("ffmpeg ran out of its memory budget (MICROLEARN_CHILD_MEMORY_MB): use a smaller recording, or raise the budget")),
    ("pthread_create() failed",
     N_("ffmpeg ran out of its memory budget (MICROLEARN_CHILD_MEMORY_MB): use a smaller recording, or raise the budget")),
    ("Conversion failed", N_("ffmpeg could not convert the media: see the stderr lines above")),
)


def ffmpeg_path() -> str:
    """The ffmpeg binary: $MICROLEARN_FFMPEG if set, else the static one from imageio-ffmpeg."""
    override = os.environ.get(OVERRIDE_VARIABLE)
    if override:
        if not (Path(override).is_file() and os.access(override, os.X_OK)):
            raise SetupError(_("{variable}={value} is not an executable file — point it at an ffmpeg binary or unset it",
                               variable=OVERRIDE_VARIABLE, value=override))
        return override
    try:
        import imageio_ffmpeg
    except ImportError:
        raise SetupError(_("ffmpeg is not available — run 'make build' (it installs imageio-ffmpeg), "
                           "or set MICROLEARN_FFMPEG=/path/to/ffmpeg")) from None
    try:
        return imageio_ffmpeg.get_ffmpeg_exe()
    except RuntimeError as exc:
        raise SetupError(_("imageio-ffmpeg has no ffmpeg binary for this machine ({reason}) — install ffmpeg and set "
                           "MICROLEARN_FFMPEG=/usr/bin/ffmpeg", reason=exc)) from None


def _version_of(binary: str) -> str:
    from pipeline.toolversions import program_version

    def parse(out: str) -> str:
        first = out.splitlines()[0] if out else "unknown"
        return first.replace("ffmpeg version ", "").split(" Copyright")[0].strip()

    return program_version(binary, ["-hide_banner", "-version"], parse)


def ffmpeg_version() -> str:
    """The version line of the ffmpeg in use; part of every media cache key."""
    return _version_of(ffmpeg_path())


def stopped_hint(code: int, program: str = "ffmpeg") -> str:
    """For a child that a signal ended (negative exit code): what that usually means."""
    import signal

    if code >= 0:
        return ""
    try:
        name = signal.Signals(-code).name
    except ValueError:
        name = f"signal {-code}"
    return f"{program} was stopped by {name} (killed, or the machine ran out of memory) — build again"


def hint_for(stderr: str) -> str:
    for needle, hint in HINTS:
        if needle in stderr:
            return _(hint)
    return ""


def check_inputs(argv: list[str]) -> None:
    """Every ``-i`` must be a lavfi graph or carry a file-only protocol whitelist among its options."""
    start = 1
    for index, arg in enumerate(argv):
        if arg != "-i":
            continue
        options = argv[start:index]
        start = index + 2
        if "lavfi" in _option(options, "-f"):
            continue
        if _option(options, "-protocol_whitelist") != ["file"]:
            raise ValueError(f"ffmpeg input {argv[index + 1]!r} is opened without '-protocol_whitelist file'")


def _option(options: list[str], name: str) -> list[str]:
    return [options[i + 1] for i, opt in enumerate(options[:-1]) if opt == name]


def run(argv: list[str], context: str = "", capture_stdout: bool = False,
        timeout: float | None = None) -> subprocess.CompletedProcess:
    """Run an ffmpeg argv list (argv[0] is replaced by the real binary when it is 'ffmpeg').

    Logs the command, keeps stderr, raises ToolError with the stderr tail and a hint on failure.
    ``context`` names what the run was for (e.g. the lesson), and starts the error message.
    """
    argv = list(argv)
    if argv and argv[0] == "ffmpeg":
        argv[0] = ffmpeg_path()
    check_inputs(argv)
    log.debug("run: %s", shlex.join(argv))
    from pipeline.limits import child_timeout, limit_child

    timeout, why = child_timeout(timeout)
    try:
        process = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                                   stdout=subprocess.PIPE if capture_stdout else subprocess.DEVNULL,
                                   stderr=subprocess.PIPE)
    except FileNotFoundError:
        raise SetupError(_("cannot run {program} — run 'make build' to install ffmpeg, or set {variable}",
                           program=argv[0], variable=OVERRIDE_VARIABLE)) from None
    with process:
        limit_child(process.pid)  # its memory budget (pipeline/limits.py)
        try:
            stdout, stderr_bytes = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            _out, stderr_bytes = process.communicate()
            tail = (stderr_bytes or b"").decode("utf-8", "replace")[-4000:]
            raise ToolError(argv, -1, tail, f"ffmpeg {why}", context) from None
    done = subprocess.CompletedProcess(argv, process.returncode, stdout, stderr_bytes)
    stderr = done.stderr.decode("utf-8", "replace")
    if done.returncode != 0:
        raise ToolError(argv, done.returncode, stderr[-4000:],
                        stopped_hint(done.returncode) or hint_for(stderr), context)
    done.stderr = stderr  # keep it for callers that parse filter reports (loudnorm, ebur128)
    return done


def compile_graph(stream, overwrite: bool = True) -> list[str]:
    """argv for an ffmpeg-python graph, for our ``run`` (never ffmpeg-python's own ``run``, which
    drops stderr unless asked: ffmpeg-python issue #165)."""
    import ffmpeg as ffmpeg_python

    return ffmpeg_python.compile(stream, cmd="ffmpeg", overwrite_output=overwrite)


def quote(argv: list[str]) -> str:
    return shlex.join(argv)
