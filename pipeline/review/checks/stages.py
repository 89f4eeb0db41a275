"""Checks the transcode stage measured while it worked (loudness of short clips...), shown in the one table."""
from pipeline.review.registry import check


@check("stage.checks", "Checks reported by the transcode stage", "blocking", "see the detail; the stage says how to fix it")
def stage_checks(ev):
    for item in ev.upstream.transcode.checks if ev.upstream.transcode else ():
        yield item.passed, item.value, item.limit, f"transcode: {item.id}: {item.detail}".rstrip(": ")
