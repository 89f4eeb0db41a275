"""Card rendering speed with a warm renderer (goal: <= 0.3 s per card per size).

The cards stage runs on each example lesson twice in one process, each time with an empty object
store (so nothing is memoised): the first run warms WeasyPrint, Pango and the fonts, the second is
timed. Per card per size = the timed run's seconds / (cards x sizes drawn), where the sizes are the
two social pictures and one slide per video format; the handout PDF is drawn in the same time and
is not counted as a size (so the figure is pessimistic).
Usage: python bench/bench_cards.py   (or make bench)
"""
from __future__ import annotations

import logging
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.cards import STAGE  # noqa: E402
from pipeline.lesson.loader import load_lesson  # noqa: E402
from pipeline.contracts import Upstream  # noqa: E402
from pipeline.stage import Context, ObjectStore, Settings  # noqa: E402


def _run(root: Path, scratch: Path) -> tuple[float, int, int]:
    lesson = load_lesson(root, probe_media=False)
    build = scratch / "build"
    ctx = Context(lesson, Settings(root.parent, build), build / lesson.slug, ObjectStore(scratch / "objects"), Upstream(), logging.getLogger("bench.cards"))
    started = time.perf_counter()
    result = STAGE.run(ctx)
    seconds = time.perf_counter() - started
    cards = len(result.cards)
    return seconds, cards, 2 + len(lesson.formats)


def main() -> dict:
    lessons = sorted(p for p in (ROOT / "content").iterdir() if (p / "lesson.yaml").is_file())
    figures: dict = {"lessons": {}}
    total_s = total_renders = 0.0
    for root in lessons:
        with tempfile.TemporaryDirectory(prefix="bench-cards-") as cold, tempfile.TemporaryDirectory(prefix="bench-cards-") as warm:
            cold_s, cards, sizes = _run(root, Path(cold))
            warm_s, _, _ = _run(root, Path(warm))
        renders = cards * sizes
        figures["lessons"][root.name] = {"cards": cards, "sizes": sizes, "cold_s": round(cold_s, 2), "warm_s": round(warm_s, 2),
                                         "per_card_per_size_s": round(warm_s / renders, 3)}
        total_s += warm_s
        total_renders += renders
        print(f"   {root.name}: {cards} cards x {sizes} sizes, warm {warm_s:.2f} s = {warm_s / renders:.3f} s per card per size (first, cold: {cold_s:.2f} s)")
    figures["per_card_per_size_s"] = round(total_s / total_renders, 3)
    figures["goal_s"] = 0.3
    print(f"   all: {figures['per_card_per_size_s']} s per card per size with a warm renderer (goal <= 0.3 s)")
    return figures


if __name__ == "__main__":
    print(main())
