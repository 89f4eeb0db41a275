"""Flashes (WCAG 2.2 success criterion 2.3.1, Three Flashes or Below Threshold)."""
from pipeline.i18n import N_, _
from pipeline.review.registry import check

LIMIT = 3  # flashes in any one-second period


@check("flashes.wcag", N_("At most 3 flashes in any second (WCAG 2.3.1)"), "blocking",
       N_("remove or slow down the flashing part (fewer than 3 light/dark swaps a second): it can trigger seizures"))
def flashes(ev):
    if ev.flashes is None:
        yield None, None, LIMIT, _("no video built")
        return
    worst = ev.flashes.most_per_second
    yield worst <= LIMIT, worst, LIMIT, _("{n} flashes in the second from {at} s ({format})", n=worst,
                                          at=f"{ev.flashes.at:.1f}", format=ev.primary) if worst else ev.primary
