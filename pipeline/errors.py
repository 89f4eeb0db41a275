"""The small tree of errors a user sees, and the located diagnostics lesson validation collects.

Anything raised that is not a ``PipelineError`` is a bug in the tool and keeps its traceback.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from pipeline.i18n import _, _n


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One problem in a teacher's files, with its place and a way to fix it.

    Rendered as ``file:line:col: field: message — hint`` (the compiler style editors can jump to).
    ``line`` and ``col`` are 1-based; 0 means "the whole file".
    """

    file: str
    line: int = 0
    col: int = 0
    field: str = ""
    message: str = ""
    hint: str = ""

    def __str__(self) -> str:
        place = self.file
        if self.line:
            place += f":{self.line}:{self.col or 1}"
        text = f"{place}: "
        if self.field:
            text += f"{self.field}: "
        text += self.message
        if self.hint:
            text += f" — {self.hint}"
        return text

    def as_dict(self) -> dict:
        # "code" names the message whatever the language it is written in (docs/json-output.md)
        return {
            "file": self.file,
            "line": self.line,
            "column": self.col,
            "field": self.field,
            "code": code_of(self.message),
            "message": self.message,
            "hint": self.hint,
        }


def code_of(message: str) -> str:
    """The stable code of a message made by ``pipeline.i18n._`` ("" for any other text)."""
    return getattr(message, "code", "")


class PipelineError(Exception):
    """Base of every error the tool reports as one clear line instead of a traceback."""

    def as_dict(self) -> dict:
        return {"kind": type(self).__name__, "code": code_of(self.args[0]) if self.args else "", "message": str(self)}


class DiagnosticsError(PipelineError):
    """Files someone wrote are invalid; carries every located diagnostic found, not just the first."""

    what = "the files"
    code = "files-invalid"

    @staticmethod
    def count_message(n: int) -> str:
        return _n("{n} problem in the files", "{n} problems in the files", n)

    def __init__(self, diagnostics: list[Diagnostic]):
        self.diagnostics = sorted(diagnostics, key=lambda d: (d.file, d.line, d.col, d.field))
        super().__init__("\n".join(str(d) for d in self.diagnostics))

    def as_dict(self) -> dict:
        return {
            "kind": type(self).__name__,
            "code": self.code,
            "message": self.count_message(len(self.diagnostics)),
            "diagnostics": [d.as_dict() for d in self.diagnostics],
        }


class LessonError(DiagnosticsError):
    """A lesson's files (lesson.yaml, the script, its media) are invalid."""

    what = "the lesson"
    code = "lesson-invalid"

    @staticmethod
    def count_message(n: int) -> str:
        return _n("{n} problem in the lesson", "{n} problems in the lesson", n)


class ConfigError(DiagnosticsError):
    """A file of the project or the tool that is not a lesson is invalid (a card theme, publish.yaml)."""

    what = "the configuration"
    code = "config-invalid"

    @staticmethod
    def count_message(n: int) -> str:
        return _n("{n} problem in the configuration", "{n} problems in the configuration", n)


class MediaError(PipelineError):
    """A media file cannot be used (not media, wrong streams, unreadable, too long...)."""

    def __init__(self, path: str, reason: str, hint: str = ""):
        self.path = path
        self.reason = reason
        self.hint = hint
        super().__init__(f"{path}: {reason}" + (f" — {hint}" if hint else ""))

    def as_dict(self) -> dict:
        return {"kind": "MediaError", "code": code_of(self.reason), "message": str(self), "file": self.path}


@dataclass
class ToolError(PipelineError):
    """An external tool (ffmpeg, espeak-ng) failed; keeps the command and the end of its stderr."""

    cmd: list[str]
    code: int
    stderr_tail: str
    hint: str = ""
    context: str = ""
    extra: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        super().__init__(str(self))

    def __str__(self) -> str:
        import shlex

        head = f"{self.context}: " if self.context else ""
        text = head + _("{program} failed (exit {code})", program=self.cmd[0].rsplit("/", 1)[-1], code=self.code)
        if self.hint:
            text += f" — {self.hint}"
        text += "\n  " + _("command: {command}", command=shlex.join(self.cmd))
        if self.stderr_tail:
            tail = "\n    ".join(self.stderr_tail.strip().splitlines()[-8:])
            text += "\n  " + _("stderr:") + f"\n    {tail}"
        return text

    def as_dict(self) -> dict:
        return {
            "kind": "ToolError",
            "message": str(self),
            "command": self.cmd,
            "exit_code": self.code,
            "stderr_tail": self.stderr_tail,
            "hint": self.hint,
        }


class SetupError(PipelineError):
    """Something the tool needs is missing on this machine; the message says how to get it."""


class FileError(PipelineError):
    """A file could not be read or written during a build: the disk is full, the folder is
    read-only, a file vanished. Made from the OSError by ``FileError.of``; fails its lesson only."""

    @classmethod
    def of(cls, exc: OSError) -> "FileError":
        import errno
        import os

        where = exc.filename
        if isinstance(where, (str, os.PathLike)):
            where = os.path.relpath(where)
            where = where if not where.startswith("../..") else os.fspath(exc.filename)  # far away: the full path is clearer
        writing = f" (writing {where})" if where else ""
        where = where or "a file the build needs"
        messages = {
            errno.ENOSPC: f"the disk is full{writing} — free some space and build again",
            errno.EDQUOT: f"the disk quota is used up{writing} — free some space and build again",
            errno.EROFS: f"{where} is on a read-only file system — make the build folder writable, or choose another "
                         "with --build-dir",
            errno.EACCES: f"permission denied for {where} — check the permissions of the file and its folder",
            errno.EPERM: f"permission denied for {where} — check the permissions of the file and its folder",
            errno.ENOENT: f"{where} disappeared during the build — put it back (or change lesson.yaml) and build again",
            errno.EFBIG: f"{where} grew over this system's file size limit — free space or raise the limit",
        }
        return cls(messages.get(exc.errno, f"{where}: {exc.strerror or exc} — check the disk and the build folder, "
                                           "then build again"))


class UsageError(PipelineError):
    """The command was given a name it must refuse, e.g. one that leaves its folder (exit 2)."""


class BuildLockedError(PipelineError):
    """Another build is writing the same build folder."""
