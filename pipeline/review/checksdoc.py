"""docs/checks.md, generated from the check registry so it can never drift from the code."""
from __future__ import annotations

from pipeline.review.registry import all_checks

HEADER = """# Technical checks

Every lesson is measured against these checks by the review stage; the report
(`build/<lesson>/review/index.html`) shows each with its measured value and limit, failures first.
A **blocking** failure stops approval; an **advisory** one is shown to the reviewer. A check that cannot
be measured reliably (for example loudness of audio under 3 s) says so instead of guessing.

This file is generated from the registry in `pipeline/review/checks/`: run
`.venv/bin/python -m pipeline.review.checksdoc > docs/checks.md` after adding a check (a test fails
when it is out of date). A check is added by adding one module there.

| id | check | severity | how to fix a failure |
|---|---|---|---|
"""


def render() -> str:
    rows = [f"| `{c.id}` | {c.english_title} | {c.severity} | {c.hint} |" for c in all_checks()]
    return HEADER + "\n".join(rows) + "\n"


if __name__ == "__main__":
    print(render(), end="")
