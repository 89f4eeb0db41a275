"""publish-ledger.json: every publication, one entry per (lesson, version, digest, target).

CI commits the file, so its text is deterministic: entries sorted, keys sorted, times in UTC as
``YYYY-MM-DDTHH:MM:SSZ`` (``SOURCE_DATE_EPOCH`` fixes the clock, as in reproducible builds). A
second publication of the same bundle to the same target adds nothing. The catalog is made from
the ledger, so it lists exactly what was published, including earlier versions' lessons whose new
version still awaits review.
"""
from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.fsutil import write_text
from pipeline.i18n import _
from pipeline.publish.config import PublishError

SCHEMA = "microlearn-publish-ledger/1"


def now_utc() -> str:
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    seconds = int(epoch) if epoch and epoch.isdigit() else int(time.time())
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))


def _order(entry: dict) -> tuple:
    return (entry["lesson"], entry["target"], entry["time"], entry["version"], entry["digest"])


@dataclass
class Ledger:
    path: Path
    entries: list[dict] = field(default_factory=list)

    @classmethod
    def load(cls, path: Path) -> Ledger:
        """Read the ledger (an absent file is an empty ledger); raises PublishError when damaged."""
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return cls(path)
        except (OSError, ValueError) as exc:
            raise PublishError(_("{path}: cannot be read ({reason}) — restore it from version control (git checkout -- "
                                 "{name})", path=path, reason=exc, name=path.name)) from None
        if not isinstance(document, dict) or document.get("schema") != SCHEMA or not isinstance(document.get("publications"), list):
            raise PublishError(_("{path}: not a publish ledger (expected schema {schema}) — restore it from version control",
                                 path=path, schema=repr(SCHEMA)))
        return cls(path, [e for e in document["publications"] if isinstance(e, dict)])

    def find(self, lesson: str, digest: str, target: str) -> dict | None:
        return next((e for e in self.entries if e["lesson"] == lesson and e["digest"] == digest and e["target"] == target), None)

    def record(self, entry: dict) -> bool:
        """Add a publication unless the same (lesson, digest, target) is there; True when added."""
        if self.find(entry["lesson"], entry["digest"], entry["target"]):
            return False
        self.entries.append(entry)
        return True

    def current(self, target: str) -> list[dict]:
        """What ``target`` shows: the latest publication of each lesson, sorted by lesson."""
        latest: dict[str, dict] = {}
        for entry in sorted((e for e in self.entries if e["target"] == target), key=_order):
            latest[entry["lesson"]] = entry
        return [latest[slug] for slug in sorted(latest)]

    def text(self) -> str:
        document = {"schema": SCHEMA, "publications": sorted(self.entries, key=_order)}
        return json.dumps(document, indent=1, sort_keys=True, ensure_ascii=False) + "\n"

    def save(self) -> None:
        write_text(self.path, self.text())
