"""Where presentation lives: the project's ``templates/`` folder (override: MICROLEARN_TEMPLATES)."""
from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path


def templates_dir() -> Path:
    override = os.environ.get("MICROLEARN_TEMPLATES")
    return Path(override) if override else Path(__file__).resolve().parent.parent / "templates"


def available_themes() -> list[str]:
    """Names of the card themes: each is a folder under templates/themes/."""
    root = templates_dir() / "themes"
    return sorted(p.name for p in root.iterdir() if p.is_dir()) if root.is_dir() else []


def environment(subdir: str = ""):
    """A jinja2 environment over templates/<subdir> with autoescaping on for HTML and XML (and
    every .j2 template); one per folder, so a changed MICROLEARN_TEMPLATES is honoured."""
    return _environment_at(templates_dir() / subdir)


@lru_cache(maxsize=None)
def _environment_at(folder: Path):
    import jinja2

    from pipeline.i18n import _, _n

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(folder)),
        autoescape=jinja2.select_autoescape(["html", "xml", "j2"]),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    # the same _() as the code: the current language (a lesson's outputs are made inside use_language)
    env.globals.update(_=_, _n=_n)
    return env
