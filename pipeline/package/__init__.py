"""The packaging stage: one deterministic bundle per lesson and version, which is also a SCORM 1.2 package.

``build/<slug>/bundle/<slug>-v<version>.zip`` holds the videos, captions, transcript, cards (PNG and
the PDF handout), thumbnail and posters, the images the cards show, the player page (index.html with
its script and style sheet), ``imsmanifest.xml`` and ``manifest.json``; ``bundle/manifest.json`` is a
copy of the one inside. The review report stays out. Phases, in order: collect the files and give
them ASCII-safe bundle names, check the portal size limit, render the player and the SCORM manifest,
write and validate manifest.json, write the zip. docs/packaging.md has the details.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

from pipeline.i18n import _
from pipeline import __version__
from pipeline.fsutil import sha256_file
from pipeline.lesson.model import Lesson
from pipeline.package import cmi5, names, player, scorm
from pipeline.package.bundle import BundleTooLarge, bundle_digest, check_size, write_zip
from pipeline.package.manifest import SCHEMA_FILE, encode, lesson_meta, manifest, validate
from pipeline.contracts import Artifact, PackageResult
from pipeline.stage import Context, Settings, Stage

__all__ = ["STAGE", "BundleTooLarge", "bundle_digest", "bundle_name", "package"]

# What goes into the bundle, by artifact kind of the upstream stages (not slides, speech or the review).
BUNDLED_KINDS = ("video", "captioned-video", "captions", "transcript", "card", "handout", "thumbnail", "poster")
LAUNCH = "index.html"


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def package(ctx: Context) -> PackageResult:
    """Write the bundle zip and bundle/manifest.json for ``ctx.lesson``.

    Raises BundleTooLarge (naming the largest files) before writing anything when the bundle would
    be over ``ctx.settings.portal_limit``, and ManifestError when the manifest breaks its schema.
    """
    lesson = ctx.lesson
    # original path -> (what it is, the file); upstream artifacts already carry their sha256 and size
    sources: dict[str, tuple[Artifact, Path]] = {}
    for result in (ctx.upstream.cards, ctx.upstream.transcode, ctx.upstream.caption, ctx.upstream.social):
        for artifact in result.artifacts if result else ():
            if artifact.kind in BUNDLED_KINDS:
                sources[artifact.path] = (artifact, ctx.out / artifact.path)
    for image in _card_images(lesson):  # kept at their lesson paths (media/...), where no stage writes
        path = ctx.source(image)
        sources[image] = (Artifact("image", image, sha256_file(path), path.stat().st_size), path)
    bundle_names = names.assign(list(sources))
    image_names = {image: bundle_names[image] for image in _card_images(lesson)}

    static = player.static_files(ctx.settings.templates)
    sizes = {bundle_names[original]: artifact.bytes for original, (artifact, _) in sources.items()}
    sizes.update({name: path.stat().st_size for name, path in static.items()})
    check_size(ctx.label, sizes, ctx.settings.portal_limit)

    entries: list[tuple[str, Path | bytes]] = [(bundle_names[o], path) for o, (_, path) in sources.items()]
    files = [{"path": bundle_names[o], "kind": a.kind, "sha256": a.sha256, "bytes": a.bytes} for o,
             (a, _) in sources.items()]
    page = player.render(lesson, _player_inputs(ctx, bundle_names, image_names), ctx.settings.templates)
    generated: dict[str, tuple[str, bytes]] = {LAUNCH: ("player", page)}
    generated.update({name: ("player", path.read_bytes()) for name, path in static.items()})
    generated["cmi5.xml"] = ("cmi5", cmi5.course_structure(lesson, LAUNCH, ctx.settings.templates))
    listed = sorted([f["path"] for f in files] + list(generated) + ["manifest.json"])
    generated["imsmanifest.xml"] = ("scorm", scorm.imsmanifest(lesson, LAUNCH, listed, ctx.settings.templates))
    for name, (kind, data) in generated.items():
        entries.append((name, data))
        files.append({"path": name, "kind": kind, "sha256": _sha256(data), "bytes": len(data)})

    transcode = ctx.upstream.transcode
    durations = {"total": round(transcode.duration, 3)} if transcode else {}
    document = manifest(lesson, files, durations, LAUNCH)
    validate(document, ctx.label)
    manifest_bytes = encode(document)
    entries.append(("manifest.json", manifest_bytes))

    name = bundle_name(lesson.slug, lesson.version)
    ctx.progress(_("writing {file} ({n} files)", file=name, n=len(entries)))
    bundle = ctx.artifact("bundle", name, lambda tmp: write_zip(tmp, entries))
    copy = ctx.artifact("manifest", "bundle/manifest.json", lambda tmp: tmp.write_bytes(manifest_bytes))
    return PackageResult(artifacts=(bundle, copy), bundle=name, digest=document["digest"], files=len(files))


def bundle_name(slug: str, version: str) -> str:
    """Where a lesson's bundle zip is, relative to its build folder (publishing finds it here)."""
    return f"bundle/{names.safe_part(f'{slug}-v{version}')}.zip"


def _card_images(lesson: Lesson) -> list[str]:
    """The lesson's pictures the cards show (lesson-relative paths), each once, in order."""
    seen: list[str] = []
    for section in lesson.sections:
        for image in section.images:
            if image.path not in seen:
                seen.append(image.path)
    return seen


def _player_inputs(ctx: Context, bundle_names: dict[str, str], image_names: dict[str, str]) -> player.PlayerInputs:
    transcode, caption, cards = ctx.upstream.transcode, ctx.upstream.caption, ctx.upstream.cards

    def rename(path: str | None) -> str | None:
        return bundle_names.get(path) if path else None

    return player.PlayerInputs(
        videos={fmt: rename(path) for fmt, path in transcode.videos.items()} if transcode else {},
        posters={fmt: rename(path) for fmt,
                 path in transcode.posters.items() if path in bundle_names} if transcode else {},
        vtt=rename(caption.files.vtt) if caption else None,
        transcript_html=rename(caption.files.transcript_html) if caption else None,
        cues=[{"start": cue.start,
               "end": cue.end, "lines": list(cue.lines)} for cue in caption.cues] if caption else [],
        cards=[{"id": card.id, "title": card.title, "html": card.html,
                "picture": rename(card.social) or rename(card.square),
                "images": [{"src": image_names[i.path], "alt": i.alt} for i in card.images if i.path in image_names],
                "quiz": quiz.as_dict() if (quiz := ctx.lesson.section(card.id).quiz) else None}
               for card in cards.cards] if cards else [],
        duration=transcode.duration if transcode else 0.0,
    )


def _presentation_digest(templates: Path) -> str:
    """The player's template, script and style and the manifest schema: a change to them rebuilds bundles."""
    digest = hashlib.sha256()
    for path in sorted((templates / "player").iterdir()) + [SCHEMA_FILE]:
        if path.is_file():
            digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _params(lesson: Lesson, settings: Settings) -> dict:
    return {"version": lesson.version, "meta": lesson_meta(lesson), "tool": __version__, "mastery": lesson.mastery,
            "quizzes": {s.id: s.quiz.as_dict() for s in lesson.quizzes},
            "portal_limit": settings.portal_limit, "presentation": _presentation_digest(settings.templates)}


def _inputs(lesson: Lesson) -> list[str]:
    return _card_images(lesson)


def run(ctx: Context) -> PackageResult:
    return package(ctx)


STAGE = Stage(name="package", needs=("cards", "transcode", "caption", "social"), run=run, params=_params, inputs=_inputs,
              result=PackageResult)
