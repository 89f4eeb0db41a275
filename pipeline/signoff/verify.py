"""``microlearn verify BUNDLE``: check a bundle zip against its signed approval and the reviewers' keys.

What a portal admin runs before (or after) uploading a bundle by hand, with nothing but the zip,
the approval file and reviewers.yaml: no build folder, no lesson sources. A bundle is valid when
the approval is well-formed, signed by a listed reviewer with their listed key, the reviewer is
not one of the lesson's authors (the signed ones, and those in the zip's manifest.json once the
zip's bytes are known to be the approved ones), and the zip's sha256 and size are the signed ones.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.i18n import _
from pipeline.signoff.approval import approval_path, read_approval, signer
from pipeline.signoff.integrity import differences, layout
from pipeline.signoff.keys import ApprovalError
from pipeline.signoff.reviewers import load_reviewers, same_name


class VerifyError(ApprovalError):
    """verify cannot run: the bundle or reviewers.yaml cannot be read, or the approval cannot be found."""


@dataclass
class Verdict:
    valid: bool
    lines: list[str] = field(default_factory=list)  # one line per reason (or the one line saying it is valid)


def verify(bundle: Path, reviewers: Path, approval: Path | None = None, project: Path | None = None) -> Verdict:
    """Judge ``bundle`` against ``approval`` (default: ``project``/approvals/<slug>.json, the slug
    read from the zip's manifest.json) and the keys in ``reviewers``.

    Raises VerifyError when the bundle or reviewers file cannot be read or the approval cannot be found.
    """
    try:
        found, inside = layout(bundle, read=("manifest.json",))
    except OSError as exc:
        raise VerifyError(_("{bundle}: cannot be read ({reason}) — give the path of a bundle zip", bundle=bundle,
                             reason=exc.strerror)) from None
    manifest = _manifest(inside.get("manifest.json"))
    slug = (manifest.get("lesson") or {}).get("slug") if manifest else None
    if approval is None:
        if not isinstance(slug, str) or not slug or project is None:
            raise VerifyError(_("{bundle}: cannot tell which lesson this is (no readable manifest.json inside) — pass "
                                "--approval approvals/<lesson>.json", bundle=bundle))
        approval = approval_path(project, slug)
    if not approval.is_file():
        return Verdict(False, [_("{bundle}: not approved: {approval} does not exist — a reviewer signs the lesson with: "
                                 "make approve LESSON={slug}", bundle=bundle, approval=approval, slug=slug or "<lesson>")])
    listed = load_reviewers(reviewers)
    document, _state, problem = read_approval(approval, None)
    if document is None:
        return Verdict(False, [f"{approval}: {problem}"])
    who, problem = signer(document, listed, approval)
    if problem:
        return Verdict(False, [problem])
    lines = [f"{bundle}: {change}" for change in differences(document["bundle"], found)]
    authors = list(document["authors"])
    if not lines and manifest:  # the zip is the approved one: its manifest is signed data too
        authors += [a.get("name", "") for a in (manifest.get("lesson") or {}).get("authors") or [] if isinstance(a, dict)]
    if any(same_name(a, who.name) for a in authors):
        lines.insert(0, _("{approval}: {name} is an author of this lesson and cannot approve it", approval=approval, name=who.name))
    if lines:
        return Verdict(False, lines)
    return Verdict(True, [_("{bundle}: valid — {slug} version {version} approved by {name} ({key}), sha256 {sha256}",
                            bundle=bundle, slug=document["slug"], version=document["version"], name=who.name,
                            key=who.fingerprint, sha256=found.sha256)])


def _manifest(data: bytes | None) -> dict:
    try:
        document = json.loads(data) if data else {}
    except ValueError:
        return {}
    return document if isinstance(document, dict) else {}
