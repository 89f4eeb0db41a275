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

from pipeline.i18n import N_, _, _n
from pipeline.signoff.keys import ApprovalError, fingerprint, load_private_key, parse_public_key

SCHEMA = "microlearn-approval/1"
REVIEWERS = "reviewers.yaml"
APPROVALS = "approvals"
_HEX64 = re.compile(r"^[0-9a-f]{64}$")


# the states in a word or two, as the build summary and the report show them
APPROVAL_WORDS = {
    "approved": N_("approved"),
    "missing": N_("not approved yet"),
    "stale": N_("approval out of date"),
    "invalid": N_("approval invalid"),
    "blocked": N_("approval blocked"),
}


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
        raise ApprovalError(_("{path}: not found — list who may approve (see docs/review.md)", path=path)) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        place = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
        raise ApprovalError(_pasted_hint(path, place) or _("{place}: not valid YAML ({problem}) — fix the file", place=place,
                                                            problem=getattr(exc, "problem", None) or exc)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ApprovalError(_("{path}: cannot be read ({reason}) — fix the file", path=path, reason=exc)) from None
    entries = raw.get("reviewers") if isinstance(raw, dict) else None
    if entries is None and isinstance(raw, dict) and "reviewers" in raw:
        entries = []
    if not isinstance(entries, list):
        raise ApprovalError(_("{path}: reviewers: expected a list of {{name, public_key}} — paste the lines 'make keygen' printed under 'reviewers:'", path=path))
    found: dict[str, Reviewer] = {}
    for index, entry in enumerate(entries):
        where = f"{path}: reviewers[{index}]"
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str) or not entry["name"].strip():
            raise ApprovalError(_("{where}.name: a reviewer needs a name", where=where))
        name = " ".join(entry["name"].split())
        if name.startswith("<") and name.endswith(">"):
            raise ApprovalError(_("{where}.name: '{name}' is the example's placeholder — write the reviewer's own name there", where=where, name=name))
        if not isinstance(entry.get("public_key"), str):
            raise ApprovalError(_("{where}.public_key: missing — paste the line 'make keygen' printed", where=where))
        try:
            key = parse_public_key(entry["public_key"])
        except ValueError as exc:
            raise ApprovalError(f"{where}.public_key: {exc}") from None
        if _norm(name) in {_norm(n) for n in found}:
            raise ApprovalError(_("{where}.name: '{name}' is listed twice — keep one entry per reviewer", where=where, name=name))
        found[name] = Reviewer(name, key, fingerprint(key))
    return found


def _pasted_hint(path: Path, place: str) -> str:
    """The common mistake behind a YAML error here: keygen's lines pasted below 'reviewers: []'."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return ""
    if any(line.split("#", 1)[0].strip() == "reviewers: []" for line in lines) and any(line.strip().startswith("- name:") for line in lines):
        return _("{place}: the reviewers' lines are pasted below 'reviewers: []' — replace that line with 'reviewers:' so that the lines below it form the list",
                 place=place)
    return ""


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
    for path in (manifest_file, review_file):
        try:
            documents.append(json.loads(path.read_text(encoding="utf-8")))
        except FileNotFoundError:
            return None, None, _("the lesson is not built ({path} is missing) — run: make build", path=path)
        except (OSError, ValueError) as exc:
            return None, None, _("{path} cannot be read ({reason}) — run: make build", path=path, reason=exc)
        if not isinstance(documents[-1], dict):
            return None, None, _("{path} is not a JSON object — run: make build", path=path)
    return documents[0], documents[1], ""


def _authors(manifest: dict) -> list[str]:
    lesson = manifest.get("lesson") or {}
    return [a.get("name", "") for a in lesson.get("authors") or [] if isinstance(a, dict)]


def _is_author(who: Reviewer, manifest: dict) -> bool:
    return any(_norm(a) == _norm(who.name) for a in _authors(manifest))


def _blocking(review: dict) -> list[str]:
    return [c.get("id", "?") for c in review.get("checks") or [] if isinstance(c, dict) and c.get("passed") is False and c.get("severity") == "blocking"]


def approve(project: Path, build_dir: Path, slug: str, reviewer: str, key_file: Path, answers: dict[str, dict],
            templates: Path | None = None, lesson_root: Path | None = None) -> Path:
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
        names = ", ".join(sorted(listed)) or _("nobody yet")
        raise ApprovalError(_("{file}: reviewer '{reviewer}' is not listed (listed: {names}) — add them with their public key from 'make keygen'",
                              file=project / REVIEWERS, reviewer=reviewer, names=names))
    manifest, review, problem = _read_built(build_dir, slug)
    if problem:
        raise ApprovalError(f"{slug}: {problem}")
    if _is_author(who, manifest):
        raise ApprovalError(_("{slug}: {name} is an author of this lesson and cannot approve it — ask another reviewer listed in {file}", slug=slug, name=who.name, file=REVIEWERS))
    failing = _blocking(review)
    if failing or review.get("blocking_failures"):
        raise ApprovalError(_n("{slug}: {n} blocking check fails ({ids}) — fix it and rebuild; see build/{slug}/review/index.html",
                                "{slug}: {n} blocking checks fail ({ids}) — fix them and rebuild; see build/{slug}/review/index.html",
                                len(failing) or review.get("blocking_failures"), slug=slug, ids=", ".join(sorted(set(failing)))))
    key = load_private_key(key_file)
    if fingerprint(key.public_key()) != who.fingerprint:
        raise ApprovalError(_("{path}: this key ({key}) is not the one {file} lists for {name} ({listed}) — use your own key file",
                              path=key_file, key=fingerprint(key.public_key()), file=REVIEWERS, name=who.name, listed=who.fingerprint))
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
    root = lesson_root or project / "content" / slug
    if root.is_dir():
        from pipeline.changes import snapshot

        # signed with the rest: a stale approval can then say which files and lines changed since
        document["sources"] = snapshot(root)
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
        return None, _("it is not UTF-8 text — the file was damaged; approve again")
    except OSError as exc:
        return None, _("it cannot be read ({reason})", reason=exc.strerror)
    try:
        document = json.loads(text)
    except ValueError as exc:
        return None, _("it is not valid JSON ({reason}) — the file was truncated or edited by hand; approve again", reason=exc)
    if not isinstance(document, dict):
        return None, _("it is not a JSON object — approve again")
    if document.get("schema") != SCHEMA:
        return None, _("schema is {found}, expected {expected} — approve again", found=repr(document.get("schema")), expected=repr(SCHEMA))
    for name, kind in _FIELDS.items():
        if not isinstance(document.get(name), kind):
            return None, (_("field '{name}' is missing or not text — approve again", name=name) if kind is str
                          else _("field '{name}' is missing or not an object — approve again", name=name))
    if not _HEX64.match(document["digest"]):
        return None, _("field 'digest' is not a sha256 hex digest — the file was edited by hand; approve again")
    try:
        signed_bytes(document)
    except UnicodeEncodeError:
        return None, _("it holds text that is not valid Unicode — the file was edited by hand; approve again")
    if document["slug"] != slug:
        return None, _("it approves lesson '{other}', not '{slug}' — the file was renamed or copied; approve again", other=document["slug"], slug=slug)
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
        return ApprovalStatus(slug, "missing", _("not approved: {path} does not exist — a reviewer listed in {file} runs: make approve LESSON={slug}", path=path, file=REVIEWERS, slug=slug), file=None)
    document, problem = _parse(path, slug)
    if document is None:
        return ApprovalStatus(slug, "invalid", f"{path}: {problem}", file=path)
    name, digest = document["reviewer"], document["digest"]

    def status(state: str, reason: str) -> ApprovalStatus:
        return ApprovalStatus(slug, state, reason, name, digest, path)

    try:
        listed = load_reviewers(project)
    except ApprovalError as exc:
        return status("invalid", _("{path}: cannot be checked: {reason}", path=path, reason=exc))
    who = _find(listed, name)
    if who is None:
        return status("invalid", _("{path}: reviewer '{name}' is not listed in {file} — only listed reviewers can approve", path=path, name=name, file=REVIEWERS))
    manifest, review, problem = built()
    if problem:
        return status("stale", _("approval by {name} cannot be checked: {reason}", name=who.name, reason=problem))
    verdict = _judge(document, who, path, manifest, review, media)
    if verdict.state == "stale" and isinstance(document.get("sources"), dict):
        verdict = _with_changes(verdict, document["sources"], project, slug)
    return verdict


def _with_changes(verdict: ApprovalStatus, sources: dict, project: Path, slug: str) -> ApprovalStatus:
    """The stale verdict, followed by what changed in the lesson's files since it was signed."""
    from dataclasses import replace

    from pipeline.changes import describe
    from pipeline.lesson.loader import lesson_label

    root = project / "content" / slug
    if not root.is_dir():
        return verdict
    changed = describe(sources, root, lesson_label(root))
    if not changed:
        return verdict
    return replace(verdict, reason=_("{reason}; changed since the approval: {changes}", reason=verdict.reason, changes="; ".join(changed)))


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
            return status("invalid", _("{path}: signed with key {key}, which is not the key {file} lists for {name} ({listed}) — an unknown key cannot approve",
                                             path=path, key=document["key"], file=REVIEWERS, name=who.name, listed=who.fingerprint))
        return status("invalid", _("{path}: the signature does not match the file's contents — it was edited after signing; approve again", path=path))
    if _is_author(who, manifest):
        return status("invalid", _("{path}: {name} is an author of this lesson and cannot approve it — ask another listed reviewer", path=path, name=who.name))
    current = (manifest.get("lesson") or {}).get("version")
    if str(current) != document["version"]:
        return status("stale", _("approval by {name} is for version {version}, the lesson is now version {current} — review it again and run: make approve LESSON={slug}",
                                       name=who.name, version=document["version"], current=current, slug=slug))
    if media and document.get("media") != review.get("media_digest"):
        return status("stale", _("approval by {name} covers other media than this build's — the lesson changed since; review it again and run: make approve LESSON={slug}",
                                       name=who.name, slug=slug))
    if not media and manifest.get("digest") != digest:
        return status("stale", _("approval by {name} covers bundle {old}, the bundle is now {new} — the lesson changed since; review it again and run: make approve LESSON={slug}",
                                       name=who.name, old=digest[:12], new=str(manifest.get("digest"))[:12], slug=slug))
    failing = _blocking(review)
    if failing or review.get("blocking_failures"):
        return status("blocked", _n("approved by {name}, but {n} blocking check fails: {ids}", "approved by {name}, but {n} blocking checks fail: {ids}",
                                     len(failing) or review.get("blocking_failures"), name=who.name, ids=", ".join(sorted(set(failing)))))
    return status("approved", _("approved by {name} ({key}) for version {version}, bundle {digest}", name=who.name, key=who.fingerprint, version=document["version"], digest=digest[:12]))
