"""Where presentation lives, and the jinja2 environments over it.

The folder itself comes from ``Settings.templates`` (the project's ``templates/`` unless
MICROLEARN_TEMPLATES names another, resolved once in ``pipeline.settings``); this module reads no
environment.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path


def default_templates() -> Path:
    """The templates shipped with the tool: inside the package when installed from a wheel
    (pipeline/_templates, see pyproject.toml), else the checkout's templates/ folder."""
    return _shipped("_templates", "templates")


def default_schemas() -> Path:
    """The JSON schemas shipped with the tool (pipeline/_schemas in a wheel, schemas/ in a checkout)."""
    return _shipped("_schemas", "schemas")


def _shipped(packaged: str, checkout: str) -> Path:
    here = Path(__file__).resolve().parent
    inside = here / packaged
    return inside if inside.is_dir() else here.parent / checkout


def available_themes(templates: Path) -> list[str]:
    """Names of the card themes: each is a folder under templates/themes/."""
    root = templates / "themes"
    return sorted(p.name for p in root.iterdir() if p.is_dir()) if root.is_dir() else []


def environment(folder: Path):
    """A jinja2 environment over ``folder`` with autoescaping on for HTML and XML (and every .j2
    template); one per folder."""
    return _environment_at(Path(folder))


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
