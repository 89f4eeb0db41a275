"""Checks the transcode stage measured while it worked (loudness of short clips...), shown in the one table."""
from pipeline.i18n import N_
from pipeline.review.registry import check


@check("stage.checks", N_("Checks reported by the transcode stage"), "blocking", N_("see the detail; the stage says how to fix it"))
def stage_checks(ev):
    for item in ev.upstream.transcode.checks if ev.upstream.transcode else ():
        yield item.passed, item.value, item.limit, f"transcode: {item.id}: {item.detail}".rstrip(": ")
