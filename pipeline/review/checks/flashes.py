"""Flashes (WCAG 2.2 success criterion 2.3.1, Three Flashes or Below Threshold)."""
from pipeline.review.registry import check

LIMIT = 3  # flashes in any one-second period


@check("flashes.wcag", "At most 3 flashes in any second (WCAG 2.3.1)", "blocking",
       "remove or slow down the flashing part (fewer than 3 light/dark swaps a second): it can trigger seizures")
def flashes(ev):
    if ev.flashes is None:
        yield None, None, LIMIT, "no video built"
        return
    worst = ev.flashes.most_per_second
    yield worst <= LIMIT, worst, LIMIT, f"{worst} flashes in the second from {ev.flashes.at:.1f} s ({ev.primary})" if worst else ev.primary
