"""Card rendering speed with a warm renderer (goal: <= 0.3 s per card per size).

The cards stage runs on each example lesson twice in one process, each time with an empty object
store (so nothing is memoised): the first run warms WeasyPrint, Pango and the fonts, the second is
timed. Per card per size = the timed run's seconds / (cards x sizes drawn), where the sizes are the
two social pictures and one slide per video format; the handout PDF is drawn in the same time and
is not counted as a size (so the figure is pessimistic).
Per size: the timed run's layout and PNG time of the pages of each size (a layout is counted
for the size its @page rule names, a PNG for the size it is drawn at), divided by the pages of that
size drawn: social 1080x1350 and square 1080x1080 cards, 16:9 and 9:16 slides (a slide's reveal
steps are pages of its size). Wall and CPU seconds of the process, with the load average.
Usage: python bench/bench_cards.py   (or make bench)
"""
from __future__ import annotations

import logging
import os
import re
import resource
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


SIZE_NAMES = {(1080, 1350): "social 1080x1350", (1080, 1080): "square 1080x1080", (1920, 1080): "16:9 slide 1920x1080",
              (1080, 1920): "9:16 slide 1080x1920"}
_PAGE = re.compile(r"size: (\d+)px (\d+)px")


class _PerSize:
    """Wraps the cards renderer's layout and png to add their time to the page size they draw."""

    def __init__(self, renderer) -> None:
        self.renderer, self.seconds, self.cpu, self.pngs = renderer, {}, {}, {}
        self.layout_real, self.png_real = renderer.layout, renderer.png

    def __enter__(self):
        def layout(html, *args, **kwargs):
            found = _PAGE.search(html)
            return self._timed(tuple(map(int, found.groups())) if found else None, self.layout_real, html, *args, **kwargs)

        def png(document, size, *args, **kwargs):
            self.pngs[tuple(size)] = self.pngs.get(tuple(size), 0) + 1
            return self._timed(tuple(size), self.png_real, document, size, *args, **kwargs)

        self.renderer.layout, self.renderer.png = layout, png
        return self

    def _timed(self, size, work, *args, **kwargs):
        started, cpu = time.perf_counter(), time.thread_time()  # the renderer runs in the calling thread
        try:
            return work(*args, **kwargs)
        finally:
            self.seconds[size] = self.seconds.get(size, 0.0) + time.perf_counter() - started
            self.cpu[size] = self.cpu.get(size, 0.0) + time.thread_time() - cpu

    def __exit__(self, *exc) -> None:
        del self.renderer.layout, self.renderer.png


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _run(root: Path, scratch: Path) -> tuple[float, int, int]:
    lesson = load_lesson(root, probe_media=False)
    build = scratch / "build"
    ctx = Context(lesson, Settings(root.parent, build), build / lesson.slug,
                  ObjectStore(scratch / "objects"), Upstream(), logging.getLogger("bench.cards"))
    started = time.perf_counter()
    result = STAGE.run(ctx)
    seconds = time.perf_counter() - started
    cards = len(result.cards)
    return seconds, cards, 2 + len(lesson.formats)


def main() -> dict:
    lessons = sorted(p for p in (ROOT / "content").iterdir() if (p / "lesson.yaml").is_file())
    from pipeline.cards import deck

    figures: dict = {"lessons": {}, "load_at_start": round(os.getloadavg()[0], 2)}
    total_s = total_renders = 0.0
    seconds_by_size: dict = {}
    cpu_by_size: dict = {}
    pages_by_size: dict = {}
    cpu = _cpu()
    for root in lessons:
        with tempfile.TemporaryDirectory(prefix="bench-cards-") as cold, tempfile.TemporaryDirectory(prefix="bench-cards-") as warm:
            cold_s, cards, sizes = _run(root, Path(cold))
            with _PerSize(deck._RENDERER) as sized:
                warm_s, _, _ = _run(root, Path(warm))
        for size, count in sized.pngs.items():
            pages_by_size[size] = pages_by_size.get(size, 0) + count
            seconds_by_size[size] = seconds_by_size.get(size, 0.0) + sized.seconds.get(size, 0.0)
            cpu_by_size[size] = cpu_by_size.get(size, 0.0) + sized.cpu.get(size, 0.0)
        renders = cards * sizes
        figures["lessons"][root.name] = {"cards": cards, "sizes": sizes, "cold_s": round(cold_s, 2),
                                         "warm_s": round(warm_s, 2),
                                         "per_card_per_size_s": round(warm_s / renders, 3)}
        total_s += warm_s
        total_renders += renders
        print(f"   {root.name}: {cards} cards x {sizes} sizes, warm {warm_s:.2f} s = {warm_s / renders:.3f} s per card "
              f"per size (first, cold: {cold_s:.2f} s)")
    figures["per_card_per_size_s"] = round(total_s / total_renders, 3)
    figures["goal_s"] = 0.3
    figures["cpu_s"] = round(_cpu() - cpu, 2)
    figures["load_at_end"] = round(os.getloadavg()[0], 2)
    figures["per_size"] = {}
    for size, name in SIZE_NAMES.items():
        if pages_by_size.get(size):
            per = seconds_by_size[size] / pages_by_size[size]
            cpu_per = cpu_by_size[size] / pages_by_size[size]
            figures["per_size"][name] = {"pages": pages_by_size[size], "seconds": round(seconds_by_size[size], 2),
                                         "per_page_s": round(per, 3), "cpu_per_page_s": round(cpu_per, 3)}
            print(f"   {name}: {pages_by_size[size]} pages, {per:.3f} s per page wall, {cpu_per:.3f} s CPU "
                  "(layout tries and PNG, warm renderer)")
    print(f"   CPU {figures['cpu_s']} s for the cold and warm runs; load {figures['load_at_start']} -> {figures['load_at_end']}")
    print(f"   all: {figures['per_card_per_size_s']} s per card per size with a warm renderer (goal <= 0.3 s)")
    return figures


if __name__ == "__main__":
    print(main())
