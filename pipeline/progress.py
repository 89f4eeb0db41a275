"""What a person (or a machine) sees while lessons build: live in a terminal, plain lines in CI,
one JSON document with ``--json`` (its shape is documented in docs/json-output.md)."""
from __future__ import annotations

import json
import shutil
import sys
import threading
import time
from pathlib import Path
from typing import TextIO

from pipeline import __version__
from pipeline.build import LessonReport, Reporter
from pipeline.i18n import N_, _, _n
from pipeline.signoff.approval import APPROVAL_WORDS

STATUS_WORDS = {
    "built": N_("built"),
    "up-to-date": N_("up to date"),
    "valid": N_("valid"),
    "invalid": N_("INVALID"),
    "failed": N_("FAILED"),
}
# what a person opens after a build, in this order: artifact kinds (and, for the report, its page)
OPEN_FIRST = (("review", ".html", N_("review report")), ("video", ".mp4", N_("video")), ("bundle", ".zip", N_("SCORM bundle for the portal")))


def _status_word(status: str) -> str:
    return _(STATUS_WORDS[status]) if status in STATUS_WORDS else status


def _pad(text: str, width: int) -> str:
    """Left-justify by terminal cells, so Korean (two cells a letter) lines up too."""
    from rich.cells import cell_len

    return text + " " * max(0, width - cell_len(text))


def summary_table(reports: list[LessonReport], command: str, build_dir: Path | None = None, approval: bool = True) -> str:
    """The closing table: one row per lesson, the totals, then the files to open."""
    from rich.cells import cell_len

    if not reports:
        return _("no lessons found (a lesson is a folder under content/ with a lesson.yaml; create one with: make new LESSON=my-lesson LANG=en)")
    width = max(len(r.slug) for r in reports)
    words = [_status_word(r.status) for r in reports]
    status_width = max([11, *(cell_len(w) for w in words)])
    heads = (_("lesson"), _("status"), _("time"), _("notes"))
    width = max(width, *(len(r.slug) for r in reports), cell_len(heads[0]))
    rows = [f"{_pad(heads[0], width)}  {_pad(heads[1], status_width)} {_pad(heads[2], 7)}  {heads[3]}"]
    for r, word in zip(reports, words):  # slugs are Latin: ljust is exact for them
        notes = ""
        if r.errors:
            notes = _n("{n} problem, see above", "{n} problems, see above", len(r.errors))
        elif r.stages:
            ran = [s.name for s in r.stages if s.status == "ran"]
            fetched = [s.name for s in r.stages if s.status == "fetched"]
            notes = "; ".join(filter(None, [_("rebuilt: {stages}", stages=", ".join(ran)) if ran else "",
                                            _("from the shared cache: {stages}", stages=", ".join(fetched)) if fetched else ""]))
        if approval and r.approval and not r.errors:
            state = r.approval["state"]
            notes = "; ".join(filter(None, [notes, _(APPROVAL_WORDS[state]) if state in APPROVAL_WORDS else state]))
        rows.append(f"{r.slug.ljust(width)}  {_pad(word, status_width)} {r.seconds:6.1f}s  {notes}")
    bad = [r for r in reports if not r.ok]
    if command == "check":
        total = (_n("{n} lesson checked, {failed} failed", "{n} lessons checked, {failed} failed", len(reports), failed=len(bad)) if bad
                 else _n("{n} lesson checked, all OK", "{n} lessons checked, all OK", len(reports)))
    else:
        total = (_n("{n} lesson built, {failed} failed", "{n} lessons built, {failed} failed", len(reports), failed=len(bad)) if bad
                 else _n("{n} lesson built, all OK", "{n} lessons built, all OK", len(reports)))
    rows.append(total)
    rows.extend(open_lines(reports, build_dir))
    return "\n".join(rows)


def open_lines(reports: list[LessonReport], build_dir: Path | None) -> list[str]:
    """'open: build/<lesson>/review/index.html (review report)' for every lesson that has one."""
    if build_dir is None:
        return []
    lines = []
    for r in reports:
        for kind, suffix, what in OPEN_FIRST:
            # the first of each kind (the 16:9 video before the 9:16 one): a short list to act on
            found = next((a["path"] for a in r.artifacts if a.get("kind") == kind and str(a.get("path", "")).endswith(suffix)), None)
            if found:
                lines.append(_("open: {path} ({what})", path=build_dir / r.slug / found, what=_(what)))
    return lines


def error_lines(report: LessonReport) -> list[str]:
    lines = []
    for error in report.errors:
        if "line" in error:  # a located diagnostic (LessonError, ConfigError)
            from pipeline.errors import Diagnostic

            fields = {k: error.get(k, "") for k in ("file", "message", "hint")}
            lines.append(str(Diagnostic(fields["file"], error.get("line", 0), error.get("column", 0),
                                        error.get("field", ""), fields["message"], fields["hint"])))
        else:
            lines.append(f"{report.path}: {error['message']}")  # the message is already in the reader's language
            if "traceback" in error:
                lines.append(error["traceback"].rstrip())
    return lines


class PlainReporter(Reporter):
    """One line per event: what CI logs and pipes get."""

    def __init__(self, stream: TextIO = sys.stderr, explain: bool = False, build_dir: Path | None = None, approval: bool = True):
        self.stream = stream
        self.explain = explain
        self.build_dir = build_dir
        self.approval = approval  # `approve` says the verdict itself: no "not approved yet" just before "approved"
        self.lock = threading.Lock()

    def _print(self, text: str) -> None:
        with self.lock:
            print(text, file=self.stream, flush=True)

    def stage(self, slug: str, stage: str, status: str, detail: str = "") -> None:
        if stage == "check" or (stage == "approval" and not self.approval):
            return
        if status == "start":
            self._print(f"{slug}: {stage}: " + (_("rebuilding because {reasons}", reasons=detail) if self.explain and detail else _("running")))
        elif status == "running" and detail:
            self._print(f"{slug}: {stage}: {detail}")
        elif status == "failed":
            self._print(f"{slug}: {stage}: " + _("failed"))
        elif status == "cached" and self.explain:
            self._print(f"{slug}: {stage}: " + _("up to date"))
        elif status == "fetched":
            self._print(f"{slug}: {stage}: " + _("taken from the shared cache (made on another machine)"))

    def lesson(self, report: LessonReport) -> None:
        for line in error_lines(report):
            self._print(line)

    def finish(self, reports: list[LessonReport], command: str) -> None:
        self._print(summary_table(reports, command, self.build_dir, self.approval))


class LiveReporter(PlainReporter):
    """A terminal: one status line per lesson, redrawn in place; errors and the summary below."""

    def __init__(self, stream: TextIO = sys.stderr, explain: bool = False, build_dir: Path | None = None, approval: bool = True):
        super().__init__(stream, explain, build_dir, approval)
        self.lines: dict[str, str] = {}
        self.order: list[str] = []
        self.drawn = 0
        self.started = time.perf_counter()
        self.notes: list[str] = []

    def start(self, slugs: list[str]) -> None:
        self.order = list(slugs)
        self.lines = {s: _("waiting") for s in slugs}
        self._draw()

    def stage(self, slug: str, stage: str, status: str, detail: str = "") -> None:
        if stage == "approval" and not self.approval:
            return
        if self.explain and status == "start" and detail:
            self.notes.append(f"{slug}: {stage}: " + _("rebuilding because {reasons}", reasons=detail))
        if self.explain and status == "fetched":
            self.notes.append(f"{slug}: {stage}: " + _("taken from the shared cache (made on another machine)"))
        word = {"start": "…", "running": "…", "cached": _("cached"), "fetched": _("from the shared cache"), "done": _("done"),
                "failed": _("FAILED")}.get(status, status)
        text = f"{stage} {word}"
        if status == "running" and detail:
            text += f" {detail}"  # _draw fits the whole line to the terminal
        with self.lock:
            self.lines[slug] = text
        self._draw()

    def lesson(self, report: LessonReport) -> None:
        with self.lock:
            self.lines[report.slug] = _("{status} in {seconds} s", status=_status_word(report.status), seconds=f"{report.seconds:.1f}")
            self.notes.extend(error_lines(report))
        self._draw()

    def _draw(self) -> None:
        with self.lock:
            width = max((len(s) for s in self.order), default=0)
            columns = shutil.get_terminal_size((80, 24)).columns
            out = "\x1b[F" * self.drawn
            for slug in self.order:
                # a line longer than the terminal wraps and breaks the redraw: fit it, cutting between words
                out += "\x1b[2K" + fit(f"  {slug.ljust(width)}  {self.lines.get(slug, '')}", columns - 1) + "\n"
            self.drawn = len(self.order)
            self.stream.write(out)
            self.stream.flush()

    def finish(self, reports: list[LessonReport], command: str) -> None:
        for note in self.notes:
            print(note, file=self.stream)
        print(summary_table(reports, command, self.build_dir, self.approval), file=self.stream, flush=True)


class JsonReporter(Reporter):
    """Silent while building; prints one JSON document at the end on stdout."""

    def __init__(self, stream: TextIO = sys.stdout):
        self.stream = stream

    def finish(self, reports: list[LessonReport], command: str) -> None:
        bad = [r for r in reports if not r.ok]
        document = {
            "tool": "microlearn",
            "version": __version__,
            "command": command,
            "ok": not bad,
            "summary": {
                "lessons": len(reports),
                "ok": len(reports) - len(bad),
                "failed": len(bad),
            },
            "lessons": [r.as_dict() for r in reports],
        }
        json.dump(document, self.stream, indent=2, ensure_ascii=False, sort_keys=False)
        self.stream.write("\n")
        self.stream.flush()


def fit(line: str, columns: int) -> str:
    """``line`` cut to ``columns`` terminal cells at a word boundary, with '…' when cut.

    Cells, not characters: a Korean letter takes two. A single word longer than the line is cut
    inside (there is nothing better to do), anything else ends on a whole word.
    """
    from rich.cells import cell_len, set_cell_size

    if cell_len(line) <= columns:
        return line
    room = max(1, columns - 1)
    cut = set_cell_size(line, room).rstrip()
    if " " in cut.strip() and not line[len(cut):len(cut) + 1].isspace():
        cut = cut[:cut.rstrip().rfind(" ")].rstrip()
    return cut + "…"


def reporter_for(json_output: bool, explain: bool = False, stream: TextIO = sys.stderr, build_dir: Path | None = None,
                 approval: bool = True) -> Reporter:
    if json_output:
        return JsonReporter()
    if stream.isatty():
        return LiveReporter(stream, explain, build_dir, approval)
    return PlainReporter(stream, explain, build_dir, approval)
