"""What a person (or a machine) sees while lessons build: live in a terminal, plain lines in CI,
one JSON document with ``--json`` (its shape is documented in docs/json-output.md)."""
from __future__ import annotations

import json
import sys
import threading
import time
from typing import TextIO

from pipeline import __version__
from pipeline.build import LessonReport, Reporter

STATUS_WORDS = {
    "built": "built",
    "up-to-date": "up to date",
    "valid": "valid",
    "invalid": "INVALID",
    "failed": "FAILED",
}


def summary_table(reports: list[LessonReport], command: str) -> str:
    """The closing table: one row per lesson, then the totals and what to do about failures."""
    if not reports:
        return "no lessons found (a lesson is a folder under content/ with a lesson.yaml; create one with: make new LESSON=my-lesson LANG=en)"
    width = max(len(r.slug) for r in reports)
    rows = [f"{'lesson'.ljust(width)}  {'status':<11} {'time':>7}  notes"]
    for r in reports:
        notes = ""
        if r.errors:
            notes = f"{len(r.errors)} problem(s), see above"
        elif r.stages:
            ran = [s.name for s in r.stages if s.status == "ran"]
            notes = ("rebuilt: " + ", ".join(ran)) if ran else ""
        if r.approval and not r.errors:
            notes = "; ".join(filter(None, [notes, f"approval {r.approval['state']}"]))
        rows.append(f"{r.slug.ljust(width)}  {STATUS_WORDS.get(r.status, r.status):<11} {r.seconds:6.1f}s  {notes}")
    bad = [r for r in reports if not r.ok]
    verb = "checked" if command == "check" else "built"
    rows.append(f"{len(reports)} lesson(s) {verb}, {len(bad)} failed" if bad else f"{len(reports)} lesson(s) {verb}, all OK")
    return "\n".join(rows)


def error_lines(report: LessonReport) -> list[str]:
    lines = []
    for error in report.errors:
        if "line" in error:  # a located diagnostic (LessonError, ConfigError)
            from pipeline.errors import Diagnostic

            fields = {k: error.get(k, "") for k in ("file", "message", "hint")}
            lines.append(str(Diagnostic(fields["file"], error.get("line", 0), error.get("column", 0),
                                        error.get("field", ""), fields["message"], fields["hint"])))
        else:
            lines.append(f"{report.path}: {error['message']}")
            if "traceback" in error:
                lines.append(error["traceback"].rstrip())
    return lines


class PlainReporter(Reporter):
    """One line per event: what CI logs and pipes get."""

    def __init__(self, stream: TextIO = sys.stderr, explain: bool = False):
        self.stream = stream
        self.explain = explain
        self.lock = threading.Lock()

    def _print(self, text: str) -> None:
        with self.lock:
            print(text, file=self.stream, flush=True)

    def stage(self, slug: str, stage: str, status: str, detail: str = "") -> None:
        if stage == "check":
            return
        if status == "start":
            self._print(f"{slug}: {stage}: " + (f"rebuilding because {detail}" if self.explain and detail else "running"))
        elif status == "running" and detail:
            self._print(f"{slug}: {stage}: {detail}")
        elif status == "failed":
            self._print(f"{slug}: {stage}: failed")
        elif status == "cached" and self.explain:
            self._print(f"{slug}: {stage}: up to date")

    def lesson(self, report: LessonReport) -> None:
        for line in error_lines(report):
            self._print(line)

    def finish(self, reports: list[LessonReport], command: str) -> None:
        self._print(summary_table(reports, command))


class LiveReporter(PlainReporter):
    """A terminal: one status line per lesson, redrawn in place; errors and the summary below."""

    def __init__(self, stream: TextIO = sys.stderr, explain: bool = False):
        super().__init__(stream, explain)
        self.lines: dict[str, str] = {}
        self.order: list[str] = []
        self.drawn = 0
        self.started = time.perf_counter()
        self.notes: list[str] = []

    def start(self, slugs: list[str]) -> None:
        self.order = list(slugs)
        self.lines = {s: "waiting" for s in slugs}
        self._draw()

    def stage(self, slug: str, stage: str, status: str, detail: str = "") -> None:
        if self.explain and status == "start" and detail:
            self.notes.append(f"{slug}: {stage}: rebuilding because {detail}")
        word = {"start": "…", "running": "…", "cached": "cached",
                "done": "done", "failed": "FAILED"}.get(status, status)
        text = f"{stage} {word}"
        if status == "running" and detail:
            text += f" {detail[:50]}"
        with self.lock:
            self.lines[slug] = text
        self._draw()

    def lesson(self, report: LessonReport) -> None:
        with self.lock:
            self.lines[report.slug] = f"{STATUS_WORDS.get(report.status, report.status)} in {report.seconds:.1f}s"
            self.notes.extend(error_lines(report))
        self._draw()

    def _draw(self) -> None:
        with self.lock:
            width = max((len(s) for s in self.order), default=0)
            out = "\x1b[F" * self.drawn
            for slug in self.order:
                out += f"\x1b[2K  {slug.ljust(width)}  {self.lines.get(slug, '')}\n"
            self.drawn = len(self.order)
            self.stream.write(out)
            self.stream.flush()

    def finish(self, reports: list[LessonReport], command: str) -> None:
        for note in self.notes:
            print(note, file=self.stream)
        print(summary_table(reports, command), file=self.stream, flush=True)


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


def reporter_for(json_output: bool, explain: bool = False, stream: TextIO = sys.stderr) -> Reporter:
    if json_output:
        return JsonReporter()
    if stream.isatty():
        return LiveReporter(stream, explain)
    return PlainReporter(stream, explain)
