"""A card theme: a folder ``templates/themes/<name>/`` holding ``theme.yaml`` (colours, fonts,
contrast pairs), ``card.html.j2`` (social and square cards), ``slide.html.j2`` (video slides) and
its stylesheet. Adding a theme is adding such a folder; no Python changes.

``theme.yaml``::

    colors: {background: "#faf6ee", text: "#1f2933", accent: "#b5441b"}   # more roles may follow
    fonts:
      heading: [dejavu-serif, nanum-myeongjo]      # keys of pipeline.cards.fonts.FAMILIES
      body: [dejavu-sans, nanum-gothic]
      ko: {heading: [nanum-myeongjo, dejavu-serif], body: [nanum-gothic, dejavu-sans]}  # per language
    contrast:                                       # text colour on background, checked by WCAG 2.2
      - {fg: text, bg: background, min: 4.5, for: card text}
      - {fg: accent, bg: background, min: 3, for: headings (large text)}
    motion: reveal        # or still: slides never move (pipeline/cards/reveal.py)
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from pipeline.cards.contrast import LARGE_TEXT, NORMAL_TEXT, Pair
from pipeline.cards.fonts import FAMILIES, ROLES, FontSet
from pipeline.errors import ConfigError, Diagnostic, LessonError
from pipeline.i18n import _

SCHOOL_ROLES = ("background", "text", "accent")
MOTIONS = ("reveal", "still")  # the colours a lesson's school may override
TEMPLATES = ("card.html.j2", "slide.html.j2")
DEFAULT_PAIRS = (Pair("text", "background", NORMAL_TEXT, "card text"),
                 Pair("accent", "background", LARGE_TEXT, "headings (large text)"))
_HEX = re.compile(r"^#[0-9a-f]{6}$")


@dataclass(frozen=True)
class Theme:
    name: str
    folder: Path
    colors: tuple[tuple[str, str], ...]
    fonts: tuple[tuple[str, FontSet], ...]  # ("", default) first, then per language
    pairs: tuple[Pair, ...]
    digest: str  # sha256 over every file of the theme and the shared theme files
    motion: str = "reveal"  # "reveal": a slide's units appear with the narration; "still": never move

    @property
    def label(self) -> str:
        return f"templates/themes/{self.name}/theme.yaml"

    def font_set(self, language: str) -> FontSet:
        sets = dict(self.fonts)
        return sets.get(language, sets[""])

    def palette(self, school_colors: tuple[tuple[str, str], ...] = ()) -> dict[str, str]:
        """The theme's colours with the school's overrides applied."""
        return {**dict(self.colors), **{role: value for role, value in school_colors if role in SCHOOL_ROLES}}


def themes_root(templates: Path) -> Path:
    return templates / "themes"


@lru_cache(maxsize=None)
def _load(folder: Path, stamp: str) -> Theme:
    import yaml

    name = folder.name
    label = f"templates/themes/{name}/theme.yaml"
    problems: list[Diagnostic] = []

    def problem(field: str, message: str, hint: str = "") -> None:
        problems.append(Diagnostic(label, 0, 0, field, message, hint))

    for template in TEMPLATES:
        if not (folder / template).is_file():
            problem("", _("the theme has no {file}", file=template), _("add templates/themes/{theme}/{file}", theme=name, file=template))
    try:
        raw = yaml.safe_load((folder / "theme.yaml").read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError([Diagnostic(label, 0, 0, "", _("the theme has no theme.yaml"),
                                      _("add one with its colors and fonts (see docs/cards.md)"))]) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise ConfigError([Diagnostic(label, mark.line + 1 if mark else 0, mark.column + 1 if mark else 0, "",
                                      _("not valid YAML: {problem}", problem=getattr(exc, "problem", exc)))]) from None
    raw = raw if isinstance(raw, dict) else {}
    unknown = sorted(set(raw) - {"colors", "fonts", "contrast", "description", "motion"})
    for key in unknown:
        problem(key, _("unknown key"), _("the keys are colors, fonts, contrast, description, motion"))
    motion = str(raw.get("motion") or "reveal")
    if motion not in MOTIONS:
        problem("motion", _("'{motion}' is not a kind of motion", motion=motion),
                _("write reveal (the card text appears with the narration) or still"))

    colors = {}
    for role, value in (raw.get("colors") or {}).items():
        text = str(value).strip().lower()
        if not _HEX.match(text):
            problem(f"colors.{role}", _("'{value}' is not a colour", value=value), _('write it as "#rrggbb" in quotes'))
        colors[str(role)] = text
    for role in SCHOOL_ROLES:
        if role not in colors:
            problem("colors", _("the colour '{role}' is missing", role=role), _('add {role}: "#rrggbb"', role=role))

    fonts: list[tuple[str, FontSet]] = []
    spec = raw.get("fonts") or {}
    for language, stacks in [("", spec)] + [(k, v) for k, v in sorted(spec.items()) if k not in ROLES]:
        where = f"fonts.{language}." if language else "fonts."
        chosen = {}
        for role in ROLES:
            keys = (stacks or {}).get(role) if isinstance(stacks, dict) else None
            if not keys and language:
                keys = spec.get(role)
            if not isinstance(keys, list) or not keys:
                problem(f"{where}{role}", _("expected a list of font families"),
                        _("e.g. [dejavu-sans, nanum-gothic]; families: {families}", families=", ".join(sorted(FAMILIES))))
                continue
            for key in keys:
                if key not in FAMILIES:
                    problem(f"{where}{role}", _("unknown font family '{family}'", family=key),
                            _("families: {families}", families=", ".join(sorted(FAMILIES))))
            chosen[role] = tuple(str(k) for k in keys)
        if set(chosen) == set(ROLES):
            fonts.append((language, FontSet(**chosen)))

    pairs = []
    for index, item in enumerate(raw.get("contrast") or []):
        item = item if isinstance(item, dict) else {}
        try:
            pair = Pair(str(item["fg"]), str(item["bg"]), float(item["min"]), str(item.get("for") or "text"))
        except (KeyError, TypeError, ValueError):
            problem(f"contrast[{index}]",
                    _("expected {{fg: <text colour role>, bg: <background colour role>, min: <ratio>, for: <what>}}"))
            continue
        for role in (pair.text, pair.on):
            if role not in colors:
                problem(f"contrast[{index}]", _("the colour role '{role}' is not in colors", role=role))
        pairs.append(pair)
    if problems:
        raise ConfigError(problems)
    return Theme(name, folder, tuple(sorted(colors.items())), tuple(fonts), tuple(pairs) or DEFAULT_PAIRS, stamp, motion)


def digest(folder: Path) -> str:
    """sha256 over the theme's files and the shared files beside the theme folders (names + bytes)."""
    files = sorted(p for p in folder.rglob("*") if p.is_file()) + sorted(p for p in folder.parent.glob("*") if p.is_file())
    h = hashlib.sha256()
    for path in files:
        h.update(path.relative_to(folder.parent).as_posix().encode() + b"\0" + hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()


def load_theme(name: str, templates: Path | None = None) -> Theme:
    """The theme ``templates/themes/<name>/`` (default: the tool's own templates); ConfigError naming
    theme.yaml when it is invalid, LessonError when the lesson names a theme that does not exist."""
    from pipeline.templates import default_templates

    templates = templates or default_templates()
    folder = themes_root(templates) / name
    if not folder.is_dir():
        from pipeline.templates import available_themes

        raise LessonError([Diagnostic("lesson.yaml", 0, 0, "theme", _("there is no theme '{name}'", name=name),
                                      _("themes: {names}", names=", ".join(available_themes(templates))))])
    return _load(folder, digest(folder))


@lru_cache(maxsize=None)
def _labels(path: Path, stamp: str) -> dict:
    import yaml

    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


def labels(language: str, templates: Path) -> dict[str, str]:
    """The words the templates print (Authors, Licence...) in the lesson's language."""
    path = themes_root(templates) / "labels.yaml"
    table = _labels(path, hashlib.sha256(path.read_bytes()).hexdigest())
    return {**table.get("en", {}), **table.get(language, {})}
