"""The lesson graph, in the order stages run: each needs only stages before it."""
from __future__ import annotations

import importlib

from pipeline.stage import Stage

STAGE_MODULES = ("pipeline.cards", "pipeline.transcode", "pipeline.caption", "pipeline.transcode.opencaptions", "pipeline.review", "pipeline.package")


def stages() -> list[Stage]:
    """Import each stage module (lazily: heavy libraries load only when a build starts)."""
    found = [importlib.import_module(name).STAGE for name in STAGE_MODULES]
    names = [s.name for s in found]
    for index, stage in enumerate(found):
        missing = [n for n in stage.needs if n not in names[:index]]
        if missing:
            raise RuntimeError(f"stage {stage.name} needs {missing}, which do not run before it")
    return found
