"""No-op rebuild time: the example lessons, and 20 copies of them (goal: <= 1.5 s).

Builds once (untimed) into a scratch build folder, then times `microlearn build` as a user runs it
(a fresh process each time, so imports and start-up count) when nothing changed.
"""
from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COPIES = 20


def _build(content: Path, build: Path) -> float:
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "pipeline", "--content", str(content), "--build-dir", str(build),
                           "build", "--json"],
                          capture_output=True, text=True, cwd=ROOT)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"build failed:\n{done.stderr[-3000:]}\n{done.stdout[-3000:]}")
    return elapsed


def _noop(content: Path, build: Path, runs: int = 5) -> dict:
    first = _build(content, build)
    times = [_build(content, build) for _ in range(runs)]
    return {"first_build_s": round(first, 2), "noop_median_s": round(statistics.median(times), 3),
            "noop_max_s": round(max(times), 3)}


def main() -> dict:
    lessons = sorted(p for p in (ROOT / "content").iterdir() if (p / "lesson.yaml").is_file())
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        examples = _noop(ROOT / "content", scratch / "build-examples")
        many = scratch / "content-20x"
        for copy in range(COPIES):
            for lesson in lessons:
                shutil.copytree(lesson, many / f"{lesson.name}-{copy:02d}")
        # share the object store of the first build, as one build folder would on a teacher's machine
        shutil.copytree(scratch / "build-examples" / ".cache", scratch / "build-20x" / ".cache")
        copies = _noop(many, scratch / "build-20x")
    figures = {
        "lessons": len(lessons),
        "examples": examples,
        "copies": COPIES * len(lessons),
        "copies_20x": copies,
        "goal_20x_noop_s": 1.5,
    }
    print(f"   {len(lessons)} example lessons: first build {examples['first_build_s']} s, no-op rebuild "
          f"{examples['noop_median_s']} s (median of 5)")
    print(f"   {COPIES * len(lessons)} lessons (20 copies): first build {copies['first_build_s']} s, no-op rebuild "
          f"{copies['noop_median_s']} s (goal <= 1.5 s)")
    return figures


if __name__ == "__main__":
    print(main())
