"""The check registry: ids unique, every check documented, docs/checks.md current."""
from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.review import catalogue
from pipeline.review.registry import all_checks, check

ROOT = Path(__file__).resolve().parent.parent


def test_checks_doc_is_generated_from_the_registry():
    assert (ROOT / "docs" / "checks.md").read_text(encoding="utf-8") == catalogue.render(), "run: .venv/bin/python -m pipeline.review.catalogue > docs/checks.md"


def test_every_check_has_a_title_severity_and_hint():
    checks = all_checks()
    assert len(checks) >= 10
    for item in checks:
        assert item.title and item.hint, item.id
        assert item.severity in ("blocking", "advisory")


def test_a_check_id_cannot_be_registered_twice():
    first = all_checks()[0]
    with pytest.raises(ValueError, match=f"check {first.id} is registered twice"):
        check(first.id, "again", "advisory", "none")(lambda ev: [])
