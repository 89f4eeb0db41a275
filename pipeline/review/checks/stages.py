"""Checks measured by other stages (cards, captions, transcode), shown in the one table."""
from pipeline.review.registry import check


@check("captions.rules", "Captions meet the language's rules", "blocking", "see the listed cues; shorten the script or split sentences")
def caption_rules(ev):
    caption = ev.data("caption")
    if not caption:
        yield None, None, 0, "no captions built"
        return
    violations = caption.get("qc", [])
    yield not violations, len(violations), 0, "; ".join(str(v.get("message", v)) for v in violations[:5])


@check("captions.confidence", "Caption timing is confident", "advisory", "listen to the flagged cues and adjust the script if they are off")
def caption_confidence(ev):
    cues = ev.data("caption").get("cues", [])
    flagged = [c for c in cues if c.get("flagged")]
    yield not flagged, len(flagged), 0, ", ".join(f"cue {c['index']}" for c in flagged[:10])


@check("stage.checks", "Checks reported by the build stages", "blocking", "see the detail; each stage says how to fix it")
def stage_checks(ev):
    for name in ("cards", "transcode"):
        for item in ev.data(name).get("checks", []):
            yield item.get("passed"), item.get("value"), item.get("limit"), f"{name}: {item.get('id')}: {item.get('detail', '')}".rstrip(": ")
