"""``microlearn new``: a lesson folder whose comments teach the format, valid as generated."""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import yaml

from pipeline.errors import PipelineError
from pipeline.i18n import _, use_language
from pipeline.lesson.loader import SLUG
from pipeline.lesson.model import LANGUAGES
from pipeline.lesson.slugs import suggest_slug
from pipeline.templates import default_templates


def create(content_dir: Path, slug: str, language: str, templates: Path | None = None) -> Path:
    """Write ``content_dir/slug/`` from templates/scaffold/; refuse to overwrite anything.

    Raises PipelineError for a bad slug or language, or an existing folder.
    """
    if not SLUG.match(slug):
        suggestion = suggest_slug(slug)
        if suggestion:
            raise PipelineError(_("'{slug}' is not a valid lesson name — folder names use Latin letters a–z, digits and dashes; try: {suggestion}",
                                  slug=slug, suggestion=suggestion))
        raise PipelineError(_("'{slug}' is not a valid lesson name — use lower-case letters, digits and dashes, e.g. first-teacher-video", slug=slug))
    if language not in LANGUAGES:
        raise PipelineError(_("language '{value}' is not supported — use one of: {options}", value=language, options=", ".join(LANGUAGES)))
    folder = content_dir / slug
    if os.path.lexists(folder):
        raise PipelineError(_("{folder} already exists — choose another name, or edit that lesson", folder=folder))
    import jinja2

    source = (templates or default_templates()) / "scaffold"
    strings = yaml.safe_load((source / "strings.yaml").read_text(encoding="utf-8"))[language]
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(source)), undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    env.globals["_"] = _  # the comments teach the format in the lesson's own language
    values = {"slug": slug, "language": language, "title": strings.get("title", slug), "s": strings}
    with use_language(language):
        files = {name: env.get_template(f"{name}.j2").render(**values) for name in ("lesson.yaml", "script.md")}
    # written beside the target and renamed at once: a failure never leaves half a lesson behind
    content_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{slug}.", suffix=".tmp", dir=content_dir))
    try:
        (staging / "media").mkdir()
        for name, text in files.items():
            (staging / name).write_text(text, encoding="utf-8")
        os.rename(staging, folder)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return folder
