"""Checks the transcode stage measured while it worked (loudness of short clips...), shown in the one table."""
from pipeline.review.registry import check


@check("stage.checks", "Checks reported by the transcode stage", "blocking", "see the detail; the stage says how to fix it")
def stage_checks(ev):
    for item in ev.data("transcode").get("checks", []):
        yield item.get("passed"), item.get("value"), item.get("limit"), f"transcode: {item.get('id')}: {item.get('detail', '')}".rstrip(": ")
