"""The publish step (CI): approved, unchanged bundles to the school's targets, and the catalog.

- config.py   publish.yaml: targets (folder, sftp), site title, ledger place; located errors
- connection.py  what every target offers (the Connection interface)
- targets.py  the folder target, choosing a target, and ``put``: partial file, resume, verify size + sha256, rename
- sftp.py     the SFTP target (paramiko): pinned host key, secrets from the environment
- ledger.py   publish-ledger.json, deterministic and committed by CI
- catalog.py  the static catalog (jinja2, templates/catalog/) and its JSON and Atom feeds
- runner.py   ``publish()``: build, check approvals, publish per target, report every lesson
"""
from __future__ import annotations

from pipeline.publish.config import PublishConfigError, PublishError
from pipeline.publish.runner import PublishReport, publish

__all__ = ["PublishConfigError", "PublishError", "PublishReport", "publish"]
