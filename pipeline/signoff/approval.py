"""Sign-off bound to the bytes: a reviewer's Ed25519-signed approval of one bundle digest.

``approvals/<slug>.json`` (plain files, meant to be committed) holds the lesson's slug and version,
the bundle digest (``pipeline.digests.bundle_digest``), the reviewer, the fingerprint of the key
that signed, the checklist answers and an Ed25519 signature over all of that. ``reviewers.yaml``
at the project root lists who may approve and their public keys. An approval is valid only when
the file is well-formed, the reviewer is listed, the signature verifies with the listed key, the
reviewer is not an author, the digest and version equal the current bundle's and no blocking check
fails. ``approval_status`` never raises on a bad approval file: it says what is wrong.
"""
from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass
from pathlib import Path

from pipeline.signoff.keys import ApprovalError, fingerprint, load_private_key, parse_public_key

SCHEMA = "microlearn-approval/1"
REVIEWERS = "reviewers.yaml"
APPROVALS = "approvals"
_HEX64 = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class ApprovalStatus:
    slug: str
    state: str  # "approved" | "missing" | "stale" | "invalid" | "blocked"
    reason: str  # one line for humans: who approved, or exactly why it is not approved
    reviewer: str | None = None
    digest: str | None = None  # the digest the approval signs
    file: Path | None = None

    @property
    def approved(self) -> bool:
        return self.state == "approved"


@dataclass(frozen=True)
class Reviewer:
    name: str
    key: object  # Ed25519PublicKey
    fingerprint: str


# --- reviewers.yaml ---------------------------------------------------------------------------

def load_reviewers(project: Path) -> dict[str, Reviewer]:
    """Reviewers by name from ``project/reviewers.yaml``; raises ApprovalError naming the entry."""
    import yaml

    path = project / REVIEWERS
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ApprovalError(f"{path}: not found — list who may approve (see docs/review.md)") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        place = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
        raise ApprovalError(f"{place}: not valid YAML ({getattr(exc, 'problem', None) or exc}) — fix the file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ApprovalError(f"{path}: cannot be read ({exc}) — fix the file") from None
    entries = raw.get("reviewers") if isinstance(raw, dict) else None
    if entries is None and isinstance(raw, dict) and "reviewers" in raw:
        entries = []
    if not isinstance(entries, list):
        raise ApprovalError(f"{path}: reviewers: expected a list of {{name, public_key}}")
    found: dict[str, Reviewer] = {}
    for index, entry in enumerate(entries):
        where = f"{path}: reviewers[{index}]"
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str) or not entry["name"].strip():
            raise ApprovalError(f"{where}.name: a reviewer needs a name")
        name = " ".join(entry["name"].split())
        if not isinstance(entry.get("public_key"), str):
            raise ApprovalError(f"{where}.public_key: missing — paste the line 'microlearn keygen' printed")
        try:
            key = parse_public_key(entry["public_key"])
        except ValueError as exc:
            raise ApprovalError(f"{where}.public_key: {exc}") from None
        if _norm(name) in {_norm(n) for n in found}:
            raise ApprovalError(f"{where}.name: '{name}' is listed twice — keep one entry per reviewer")
        found[name] = Reviewer(name, key, fingerprint(key))
    return found


def _norm(name: str) -> str:
    return " ".join(name.split()).casefold()


def _find(reviewers: dict[str, Reviewer], name: str) -> Reviewer | None:
    return next((r for n, r in reviewers.items() if _norm(n) == _norm(name)), None)


# --- the approval file ------------------------------------------------------------------------

def approval_path(project: Path, slug: str) -> Path:
    """approvals/<slug>.json, relative to the working folder when it is inside it (as messages show it)."""
    from pipeline.lesson.model import lesson_label

    return Path(lesson_label(project / APPROVALS / f"{slug}.json"))


def signed_bytes(document: dict) -> bytes:
    """What the signature covers: canonical JSON of every field except the signature."""
    body = {k: v for k, v in document.items() if k != "signature"}
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _read_built(build_dir: Path, slug: str) -> tuple[dict | None, dict | None, str]:
    """(manifest, review, problem) of a built lesson; problem is "" when both are readable."""
    manifest_file = build_dir / slug / "bundle" / "manifest.json"
    review_file = build_dir / slug / "review" / "review.json"
    documents = []
    for path, what in ((manifest_file, "bundle manifest"), (review_file, "review report")):
        try:
            documents.append(json.loads(path.read_text(encoding="utf-8")))
        except FileNotFoundError:
            return None, None, f"the lesson is not built ({path} is missing) — run: make build"
        except (OSError, ValueError) as exc:
            return None, None, f"the {what} {path} cannot be read ({exc}) — run: make build"
        if not isinstance(documents[-1], dict):
            return None, None, f"the {what} {path} is not a JSON object — run: make build"
    return documents[0], documents[1], ""


def _authors(manifest: dict) -> list[str]:
    lesson = manifest.get("lesson") or {}
    return [a.get("name", "") for a in lesson.get("authors") or [] if isinstance(a, dict)]


def _is_author(who: Reviewer, manifest: dict) -> bool:
    return any(_norm(a) == _norm(who.name) for a in _authors(manifest))


def _blocking(review: dict) -> list[str]:
    return [c.get("id", "?") for c in review.get("checks") or [] if isinstance(c, dict) and c.get("passed") is False and c.get("severity") == "blocking"]


def approve(project: Path, build_dir: Path, slug: str, reviewer: str, key_file: Path, answers: dict[str, dict],
            templates: Path | None = None) -> Path:
    """Sign the current bundle of ``slug`` and the checklist answers; write approvals/<slug>.json.

    Args: project holds reviewers.yaml and approvals/; build_dir holds the built lesson; answers
    maps each checklist item id to ``{"ok": True, "note": "..."}``.
    Returns the approval file. Raises ApprovalError (or ChecklistError) saying what to do when the
    reviewer is unlisted or an author, the key is not theirs, the lesson is not built, a blocking
    check fails or a checklist item is not confirmed.
    """
    from pipeline.fsutil import write_text
    from pipeline.signoff.checklist import checklist_path, load_checklist, validate_answers
    from pipeline.templates import default_templates

    listed = load_reviewers(project)
    who = _find(listed, reviewer)
    if who is None:
        names = ", ".join(sorted(listed)) or "nobody yet"
        raise ApprovalError(f"{project / REVIEWERS}: reviewer '{reviewer}' is not listed (listed: {names}) — add them with their public key from 'microlearn keygen'")
    manifest, review, problem = _read_built(build_dir, slug)
    if problem:
        raise ApprovalError(f"{slug}: {problem}")
    if _is_author(who, manifest):
        raise ApprovalError(f"{slug}: {who.name} is an author of this lesson and cannot approve it — ask another reviewer listed in {REVIEWERS}")
    failing = _blocking(review)
    if failing or review.get("blocking_failures"):
        raise ApprovalError(f"{slug}: {len(failing) or review.get('blocking_failures')} blocking check(s) fail ({', '.join(sorted(set(failing)))}) — fix them and rebuild; see build/{slug}/review/index.html")
    key = load_private_key(key_file)
    if fingerprint(key.public_key()) != who.fingerprint:
        raise ApprovalError(f"{key_file}: this key ({fingerprint(key.public_key())}) is not the one {REVIEWERS} lists for {who.name} ({who.fingerprint}) — use your own key file")
    checklist = validate_answers(load_checklist(checklist_path(templates or default_templates())), answers)
    lesson = manifest.get("lesson") or {}
    document = {
        "schema": SCHEMA,
        "slug": slug,
        "version": str(lesson.get("version", "")),
        "title": lesson.get("title", ""),
        "digest": manifest.get("digest"),
        "media": str(review.get("media_digest", "")),  # what the review report can compare before packaging
        "reviewer": who.name,
        "key": who.fingerprint,
        "checklist": checklist,
    }
    document["signature"] = base64.b64encode(key.sign(signed_bytes(document))).decode()
    target = approval_path(project, slug)
    write_text(target, json.dumps(document, indent=1, sort_keys=True, ensure_ascii=False) + "\n")
    return target


_FIELDS = {"schema": str, "slug": str, "version": str, "title": str, "digest": str, "reviewer": str, "key": str, "checklist": dict, "signature": str}


def _parse(path: Path, slug: str) -> tuple[dict | None, str]:
    """The approval document, or None and why it is invalid (never raises)."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return None, "it is not UTF-8 text — the file was damaged; approve again"
    except OSError as exc:
        return None, f"it cannot be read ({exc.strerror})"
    try:
        document = json.loads(text)
    except ValueError as exc:
        return None, f"it is not valid JSON ({exc}) — the file was truncated or edited by hand; approve again"
    if not isinstance(document, dict):
        return None, "it is not a JSON object — approve again"
    if document.get("schema") != SCHEMA:
        return None, f"schema is {document.get('schema')!r}, expected {SCHEMA!r} — approve again"
    for name, kind in _FIELDS.items():
        if not isinstance(document.get(name), kind):
            return None, f"field '{name}' is missing or not {'text' if kind is str else 'an object'} — approve again"
    if not _HEX64.match(document["digest"]):
        return None, "field 'digest' is not a sha256 hex digest — the file was edited by hand; approve again"
    try:
        signed_bytes(document)
    except UnicodeEncodeError:
        return None, "it holds text that is not valid Unicode — the file was edited by hand; approve again"
    if document["slug"] != slug:
        return None, f"it approves lesson '{document['slug']}', not '{slug}' — the file was renamed or copied; approve again"
    return document, ""


def approval_status(project: Path, build_dir: Path, slug: str) -> ApprovalStatus:
    """Whether ``slug``'s current bundle is approved, and if not exactly why. Never raises on bad
    approval, reviewers or build files: those give state "invalid" (or "stale") with the reason."""
    return _status(project, slug, lambda: _read_built(build_dir, slug), media=False)


def status_for_build(project: Path, slug: str, manifest: dict, review: dict) -> ApprovalStatus:
    """Like approval_status, as the review stage knows the lesson before packaging: ``manifest``
    gives lesson {version, authors}; ``review`` the checks and "media_digest", which is compared
    with the approval's "media" instead of the bundle digest."""
    return _status(project, slug, lambda: (manifest, review, ""), media=True)


def _status(project: Path, slug: str, built, media: bool) -> ApprovalStatus:
    """The approval file read, its reviewer looked up, then judged against ``built()`` = (manifest,
    review, problem reading them)."""
    path = approval_path(project, slug)
    if not path.exists():
        return ApprovalStatus(slug, "missing", f"not approved: {path} does not exist — a reviewer listed in {REVIEWERS} runs: make approve LESSON={slug}", file=None)
    document, problem = _parse(path, slug)
    if document is None:
        return ApprovalStatus(slug, "invalid", f"{path}: {problem}", file=path)
    name, digest = document["reviewer"], document["digest"]

    def status(state: str, reason: str) -> ApprovalStatus:
        return ApprovalStatus(slug, state, reason, name, digest, path)

    try:
        listed = load_reviewers(project)
    except ApprovalError as exc:
        return status("invalid", f"{path}: cannot be checked: {exc}")
    who = _find(listed, name)
    if who is None:
        return status("invalid", f"{path}: reviewer '{name}' is not listed in {REVIEWERS} — only listed reviewers can approve")
    manifest, review, problem = built()
    if problem:
        return status("stale", f"approval by {who.name} cannot be checked: {problem}")
    return _judge(document, who, path, manifest, review, media)


def _judge(document: dict, who: Reviewer, path: Path, manifest: dict, review: dict, media: bool = False) -> ApprovalStatus:
    """The verdict on a well-formed approval by a listed reviewer, against a built bundle."""
    from cryptography.exceptions import InvalidSignature

    slug, name, digest = document["slug"], document["reviewer"], document["digest"]

    def status(state: str, reason: str) -> ApprovalStatus:
        return ApprovalStatus(slug, state, reason, name, digest, path)

    try:
        who.key.verify(base64.b64decode(document["signature"], validate=True), signed_bytes(document))
    except (InvalidSignature, ValueError):
        if document["key"] != who.fingerprint:
            return status("invalid", f"{path}: signed with key {document['key']}, which is not the key {REVIEWERS} lists for {who.name} ({who.fingerprint}) — an unknown key cannot approve")
        return status("invalid", f"{path}: the signature does not match the file's contents — it was edited after signing; approve again")
    if _is_author(who, manifest):
        return status("invalid", f"{path}: {who.name} is an author of this lesson and cannot approve it — ask another listed reviewer")
    current = (manifest.get("lesson") or {}).get("version")
    if str(current) != document["version"]:
        return status("stale", f"approval by {who.name} is for version {document['version']}, the lesson is now version {current} — review it again and run: make approve LESSON={slug}")
    if media and document.get("media") != review.get("media_digest"):
        return status("stale", f"approval by {who.name} covers other media than this build's — the lesson changed since; review it again and run: make approve LESSON={slug}")
    if not media and manifest.get("digest") != digest:
        return status("stale", f"approval by {who.name} covers bundle {digest[:12]}, the bundle is now {str(manifest.get('digest'))[:12]} — the lesson changed since; review it again and run: make approve LESSON={slug}")
    failing = _blocking(review)
    if failing or review.get("blocking_failures"):
        return status("blocked", f"approved by {who.name}, but {len(failing) or review.get('blocking_failures')} blocking check(s) fail: {', '.join(sorted(set(failing)))}")
    return status("approved", f"approved by {who.name} ({who.fingerprint}) for version {document['version']}, bundle {digest[:12]}")
