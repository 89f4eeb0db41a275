"""Sign-off bound to the bytes: a reviewer's Ed25519-signed approval of one bundle zip.

``approvals/<slug>.json`` (plain files, meant to be committed) holds the lesson's slug, version,
title and authors (from ``content/<slug>/lesson.yaml``), the bundle record (the zip's name,
sha256 and size, and each entry's sha256: pipeline/signoff/integrity.py), the digest of the media
the review report showed, the reviewer, the fingerprint of the key that signed, the checklist
answers and an Ed25519 signature over all of that. The sha256 is of the whole zip file, so every
byte that is published is covered: entries, manifest.json, the zip's headers and comment, and
anything added before or after it.

An approval is valid only when the file is well-formed, the reviewer is listed in reviewers.yaml
(pipeline/signoff/reviewers.py), the signature verifies with the listed key, the reviewer is not an author
(by the signed authors and by lesson.yaml: never by a build output), the version equals the
lesson's, the zip's sha256 equals the signed one and no blocking check fails (read from the
build's review report, which can only refuse). ``approval_status`` never raises on a bad approval:
it says what is wrong. ``verify`` checks a bundle zip on its own, as a portal admin would.
"""
from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass
from pathlib import Path

from pipeline.i18n import N_, _, _n
from pipeline.lesson.model import Lesson
from pipeline.signoff.integrity import Layout, differences, layout
from pipeline.signoff.keys import ApprovalError, fingerprint, load_private_key
from pipeline.signoff.reviewers import REVIEWERS, Reviewer, ReviewersError, find, load_reviewers, same_name

SCHEMA = "microlearn-approval/2"
OLD_SCHEMAS = ("microlearn-approval/1",)  # signed a digest of the entries only: manifest.json and the zip's own bytes were not covered
APPROVALS = "approvals"
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
# the word for each state, as the build summary and the review report show it
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
    digest: str | None = None  # the sha256 of the bundle zip the approval signs
    file: Path | None = None
    bundle: dict | None = None  # the signed bundle record {name, sha256, bytes, files}

    @property
    def approved(self) -> bool:
        return self.state == "approved"


def approval_path(project: Path, slug: str) -> Path:
    """approvals/<slug>.json, relative to the working folder when it is inside it (as messages show it)."""
    from pipeline.lesson.model import lesson_label

    return Path(lesson_label(project / APPROVALS / f"{slug}.json"))


def signed_bytes(document: dict) -> bytes:
    """What the signature covers: canonical JSON of every field except the signature."""
    body = {k: v for k, v in document.items() if k != "signature"}
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _authors(lesson: Lesson) -> list[str]:
    return [a.name for a in lesson.authors]


def _read_review(build_dir: Path, slug: str) -> tuple[dict | None, str]:
    """(review report, problem) of a built lesson; problem is "" when it is readable."""
    path = build_dir / slug / "review" / "review.json"
    try:
        review = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None, _("the lesson is not built ({path} is missing) — run: make build", path=path)
    except (OSError, ValueError) as exc:
        return None, _("the review report {path} cannot be read ({reason}) — run: make build", path=path, reason=exc)
    if not isinstance(review, dict):
        return None, _("the review report {path} is not a JSON object — run: make build", path=path)
    return review, ""


def _read_bundle(path: Path) -> tuple[Layout | None, str]:
    try:
        found, _entries = layout(path)
    except FileNotFoundError:
        return None, _("the lesson is not built ({path} is missing) — run: make build", path=path)
    except OSError as exc:
        return None, _("the bundle {path} cannot be read ({reason}) — run: make build", path=path, reason=exc.strerror)
    return found, ""


def _changes(signed: dict, zip_file: Path) -> tuple[list[str], str]:
    """(what differs from the signed record, the zip's sha256). One read when the zip is the approved
    one (every build's summary asks); the entries are opened only to explain a difference."""
    from pipeline.fsutil import sha256_file

    try:
        sha256 = sha256_file(zip_file)
        if sha256 == signed["sha256"] and zip_file.stat().st_size == signed["bytes"]:
            return [], sha256
        found, _entries = layout(zip_file)
    except OSError as exc:
        return [_("it cannot be read ({reason})", reason=exc.strerror)], ""
    return differences(signed, found), found.sha256


def _blocking(review: dict) -> list[str]:
    return [c.get("id", "?") for c in review.get("checks") or [] if isinstance(c, dict) and c.get("passed") is False and c.get("severity") == "blocking"]


def approve(project: Path, build_dir: Path, lesson: Lesson, bundle_zip: Path, reviewer: str, key_file: Path,
            answers: dict[str, dict],
            templates: Path | None = None) -> Path:
    """Sign the built bundle zip of ``lesson`` and the checklist answers; write approvals/<slug>.json.

    Args: project holds reviewers.yaml and approvals/; build_dir holds the built lesson (its review
    report); lesson is the lesson as loaded from content/ (its authors and version are what is
    signed); bundle_zip is its built zip (``pipeline.package.bundle_name``); answers maps each
    checklist item id to ``{"ok": True, "note": "..."}``.
    Returns the approval file. Raises ApprovalError (or ChecklistError) saying what to do when the
    reviewer is unlisted or an author, the key is not theirs, the lesson is not built, a blocking
    check fails or a checklist item is not confirmed.
    """
    from pipeline.fsutil import write_text
    from pipeline.signoff.checklist import checklist_path, load_checklist, validate_answers
    from pipeline.templates import default_templates

    slug = lesson.slug
    listed = load_reviewers(project / REVIEWERS)
    who = find(listed, reviewer)
    if who is None:
        names = ", ".join(sorted(listed)) or _("nobody yet")
        raise ApprovalError(_("{file}: reviewer '{reviewer}' is not listed (listed: {names}) — add them with their public "
                              "key from 'make keygen'", file=project / REVIEWERS, reviewer=reviewer, names=names))
    if any(same_name(a, who.name) for a in _authors(lesson)):
        raise ApprovalError(_("{slug}: {name} is an author of this lesson and cannot approve it — ask another reviewer "
                              "listed in {file}", slug=slug, name=who.name, file=REVIEWERS))
    review, problem = _read_review(build_dir, slug)
    bundle, problem = (None, problem) if problem else _read_bundle(bundle_zip)
    if problem:
        raise ApprovalError(f"{slug}: {problem}")
    if bundle.problem:
        raise ApprovalError(_("{slug}: the bundle {path} is damaged ({reason}) — run: make clean LESSON={slug} && "
                              "make build LESSON={slug}", slug=slug, path=bundle_zip, reason=bundle.problem))
    failing = _blocking(review)
    if failing or review.get("blocking_failures"):
        raise ApprovalError(_n("{slug}: {n} blocking check fails ({ids}) — fix it and rebuild; see build/{slug}/review/index.html",
                               "{slug}: {n} blocking checks fail ({ids}) — fix them and rebuild; see build/{slug}/review/index.html",
                               len(failing) or review.get("blocking_failures"), slug=slug, ids=", ".join(sorted(set(failing)))))
    key = load_private_key(key_file)
    if fingerprint(key.public_key()) != who.fingerprint:
        raise ApprovalError(_("{path}: this key ({key}) is not the one {file} lists for {name} ({listed}) — use your own key file",
                              path=key_file, key=fingerprint(key.public_key()), file=REVIEWERS, name=who.name,
                              listed=who.fingerprint))
    checklist = validate_answers(load_checklist(checklist_path(templates or default_templates())), answers)
    document = {
        "schema": SCHEMA,
        "slug": slug,
        "version": lesson.version,
        "title": lesson.title,
        "authors": _authors(lesson),
        "bundle": bundle.record(bundle_zip.name),
        "media": str(review.get("media_digest", "")),  # what the review report can compare before packaging
        "reviewer": who.name,
        "key": who.fingerprint,
        "checklist": checklist,
    }
    if lesson.root.is_dir():
        from pipeline.changes import snapshot

        # signed with the rest: a stale approval can then say which files and lines changed since
        document["sources"] = snapshot(lesson.root)
    document["signature"] = base64.b64encode(key.sign(signed_bytes(document))).decode()
    target = approval_path(project, slug)
    write_text(target, json.dumps(document, indent=1, sort_keys=True, ensure_ascii=False) + "\n")
    return target


_FIELDS = {"schema": str, "slug": str, "version": str, "title": str, "authors": list, "bundle": dict, "media": str,
           "reviewer": str,
           "key": str, "checklist": dict, "signature": str}
# one whole sentence per kind of value, so that each language words it its own way
_KINDS = {str: N_("field '{name}' is missing or not text — approve again"),
          dict: N_("field '{name}' is missing or not an object — approve again"),
          list: N_("field '{name}' is missing or not a list — approve again"),
          int: N_("field '{name}' is missing or not a number — approve again")}
_BUNDLE_KINDS = {str: N_("field 'bundle.{name}' is missing or not text"), dict: N_("field 'bundle.{name}' is missing or not an object"),
                 int: N_("field 'bundle.{name}' is missing or not a number")}


def read_approval(path: Path, slug: str | None) -> tuple[dict | None, str, str]:
    """(document, state, why) — the approval document, or None with "invalid" or "stale" and why (never raises)."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return None, "invalid", _("it is not UTF-8 text — the file was damaged; approve again")
    except OSError as exc:
        return None, "invalid", _("it cannot be read ({reason})", reason=exc.strerror)
    try:
        document = json.loads(text)
    except ValueError as exc:
        return None, "invalid", _("it is not valid JSON ({reason}) — the file was truncated or edited by hand; approve again",
                                  reason=exc)
    if not isinstance(document, dict):
        return None, "invalid", _("it is not a JSON object — approve again")
    if document.get("schema") in OLD_SCHEMAS:
        return None, "stale", _("it was made by an older microlearn ({schema}), whose signature leaves manifest.json and "
                                "the zip's own bytes uncovered — review the lesson again and run: make approve LESSON={slug}",
                                schema=document["schema"], slug=document.get("slug") or slug)
    if document.get("schema") != SCHEMA:
        return None, "invalid", _("schema is {found}, expected {expected} — approve again",
                                  found=repr(document.get("schema")), expected=repr(SCHEMA))
    for name, kind in _FIELDS.items():
        if not isinstance(document.get(name), kind):
            return None, "invalid", _(_KINDS[kind], name=name)
    problem = _bundle_problem(document["bundle"])
    if problem or not all(isinstance(a, str) for a in document["authors"]):
        return None, "invalid", _("{problem} — the file was edited by hand; approve again",
                                  problem=problem or _("field authors is not a list of names"))
    try:
        signed_bytes(document)
    except UnicodeEncodeError:
        return None, "invalid", _("it holds text that is not valid Unicode — the file was edited by hand; approve again")
    if slug is not None and document["slug"] != slug:
        return None, "invalid", _("it approves lesson '{other}', not '{slug}' — the file was renamed or copied; approve again",
                                  other=document["slug"], slug=slug)
    return document, "", ""


def _bundle_problem(bundle: dict) -> str:
    for name, kind in (("name", str), ("sha256", str), ("bytes", int), ("files", dict)):
        if not isinstance(bundle.get(name), kind) or isinstance(bundle.get(name), bool):
            return _(_BUNDLE_KINDS[kind], name=name)
    if not _HEX64.match(bundle["sha256"]) or not all(isinstance(v, str) and _HEX64.match(v) for v in bundle["files"].values()):
        return _("field 'bundle' holds a sha256 that is not 64 hex digits")
    return ""


def approval_status(project: Path, build_dir: Path, lesson: Lesson, bundle_zip: Path) -> ApprovalStatus:
    """Whether ``lesson``'s built bundle zip (``bundle_zip``) is approved, and if not exactly why.
    Never raises on bad approval, reviewers or build files: those give state "invalid" (or
    "stale") with the reason."""

    def built():
        review, problem = _read_review(build_dir, lesson.slug)
        zip_file = bundle_zip
        if not problem and not zip_file.is_file():
            problem = _("the lesson is not built ({path} is missing) — run: make build", path=zip_file)
        return review, zip_file, problem

    return _status(project, lesson, built)


def status_for_build(project: Path, lesson: Lesson, review: dict) -> ApprovalStatus:
    """Like approval_status, as the review stage knows the lesson before packaging: ``review``
    gives the checks and "media_digest", which is compared with the approval's "media" instead of
    the bundle's sha256."""
    return _status(project, lesson, lambda: (review, None, ""))


def _status(project: Path, lesson: Lesson, built) -> ApprovalStatus:
    """The approval file read, its reviewer looked up, then judged against ``built()`` = (review,
    the bundle zip or None to compare the media digest instead, problem reading them)."""
    slug = lesson.slug
    path = approval_path(project, slug)
    if not path.exists():
        return ApprovalStatus(slug, "missing", _("not approved: {path} does not exist — a reviewer listed in {file} runs: "
                                                 "make approve LESSON={slug}", path=path, file=REVIEWERS, slug=slug), file=None)
    document, state, problem = read_approval(path, slug)
    if document is None:
        return ApprovalStatus(slug, state, f"{path}: {problem}", file=path)

    def status(state: str, reason: str) -> ApprovalStatus:
        return ApprovalStatus(slug, state, reason, document["reviewer"], document["bundle"]["sha256"],
                              path, document["bundle"])

    try:
        listed = load_reviewers(project / REVIEWERS)
    except ReviewersError as exc:  # the reason is one line: the file's problems joined
        return status("invalid", _("{path}: cannot be checked: {reason}", path=path,
                                   reason="; ".join(str(d) for d in exc.diagnostics)))
    who, problem = signer(document, listed, path)
    if problem:
        return status("invalid", problem)
    if any(same_name(a, who.name) for a in [*document["authors"], *_authors(lesson)]):
        return status("invalid", _("{path}: {name} is an author of this lesson and cannot approve it — ask another listed "
                                   "reviewer", path=path, name=who.name))

    def stale(reason: str) -> ApprovalStatus:
        return _with_changes(status("stale", reason), document.get("sources"), lesson)

    if lesson.version != document["version"]:
        return stale(_("approval by {name} is for version {version}, the lesson is now version {current} — review it "
                       "again and run: make approve LESSON={slug}", name=who.name, version=document["version"],
                       current=lesson.version, slug=slug))
    review, zip_file, problem = built()
    if problem:
        return status("stale", _("approval by {name} cannot be checked: {reason}", name=who.name, reason=problem))
    if zip_file is None and document["media"] != review.get("media_digest"):
        return stale(_("approval by {name} covers other media than this build's — the lesson changed since; review it "
                       "again and run: make approve LESSON={slug}", name=who.name, slug=slug))
    signed = document["bundle"]
    if zip_file is not None:
        changes, now = _changes(signed, zip_file)
        if changes:
            return stale(_("approval by {name} covers bundle {old}, the bundle is now {new} ({changes}) — rebuild it "
                           "(make build LESSON={slug}); if the lesson changed since, review it again and run: make "
                           "approve LESSON={slug}", name=who.name, old=signed["sha256"][:12], new=now[:12],
                           changes="; ".join(changes), slug=slug))
    failing = _blocking(review)
    if failing or review.get("blocking_failures"):
        return status("blocked", _n("approved by {name}, but {n} blocking check fails: {ids}",
                                    "approved by {name}, but {n} blocking checks fail: {ids}",
                                    len(failing) or review.get("blocking_failures"), name=who.name,
                                    ids=", ".join(sorted(set(failing)))))
    return status("approved", _("approved by {name} ({key}) for version {version}, bundle {digest}", name=who.name,
                                key=who.fingerprint, version=document["version"], digest=signed["sha256"][:12]))


def _with_changes(verdict: ApprovalStatus, sources, lesson: Lesson) -> ApprovalStatus:
    """The stale verdict, followed by what changed in the lesson's files since it was signed (when the
    approval holds a snapshot of them)."""
    from dataclasses import replace

    from pipeline.changes import describe
    from pipeline.lesson.model import lesson_label

    if not isinstance(sources, dict) or not lesson.root.is_dir():
        return verdict
    changed = describe(sources, lesson.root, lesson_label(lesson.root))
    if not changed:
        return verdict
    return replace(verdict, reason=_("{reason}; changed since the approval: {changes}", reason=verdict.reason,
                                     changes="; ".join(changed)))


def signer(document: dict, listed: dict[str, Reviewer], path: Path) -> tuple[Reviewer | None, str]:
    """The listed reviewer whose key made the signature, or None and why not."""
    from cryptography.exceptions import InvalidSignature

    name = document["reviewer"]
    who = find(listed, name)
    if who is None:
        return None, _("{path}: reviewer '{name}' is not listed in {file} — only listed reviewers can approve",
                       path=path, name=name, file=REVIEWERS)
    try:
        who.key.verify(base64.b64decode(document["signature"], validate=True), signed_bytes(document))
    except (InvalidSignature, ValueError):
        if document["key"] != who.fingerprint:
            return None, _("{path}: signed with key {key}, which is not the key {file} lists for {name} ({listed}) — an "
                           "unknown key cannot approve", path=path, key=document["key"], file=REVIEWERS, name=who.name,
                           listed=who.fingerprint)
        return None, _("{path}: the signature does not match the file's contents — it was edited after signing; approve again",
                       path=path)
    return who, ""
