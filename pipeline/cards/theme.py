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
    camera: move          # or still: pictures on video slides stay still (pipeline/transcode/camera.py)

theme.yaml is read like every file a person writes (``fields.read_yaml`` and field specs): every
problem at once, located, as a ConfigError; a theme is the school's or the tool's, not a lesson.
"""
from __future__ import annotations

import difflib
import hashlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from pipeline.cards.contrast import LARGE_TEXT, NORMAL_TEXT, Pair
from pipeline.cards.fonts import FAMILIES, ROLES, FontSet
from pipeline.errors import ConfigError, Diagnostic, LessonError
from pipeline.i18n import N_, _
from pipeline.lesson.fields import INVALID, Field, Reader, choice, color, describe, number, read_yaml, text
from pipeline.lesson.model import LANGUAGES
from pipeline.lesson.yamlnodes import Y

SCHOOL_ROLES = ("background", "text", "accent")  # the colours a lesson's school may override
MOTIONS = ("reveal", "still")
CAMERAS = ("move", "still")
TEMPLATES = ("card.html.j2", "slide.html.j2")
DEFAULT_PAIRS = (Pair("text", "background", NORMAL_TEXT, "card text"),
                 Pair("accent", "background", LARGE_TEXT, "headings (large text)"))


@dataclass(frozen=True)
class Theme:
    name: str
    folder: Path
    colors: tuple[tuple[str, str], ...]
    fonts: tuple[tuple[str, FontSet], ...]  # ("", default) first, then per language
    pairs: tuple[Pair, ...]
    digest: str  # sha256 over every file of the theme and the shared theme files
    motion: str = "reveal"  # "reveal": a slide's units appear with the narration; "still": never move
    camera: str = "move"  # "move": a slow zoom on a card's picture as its slide appears; "still": none

    @property
    def camera_moves(self) -> bool:
        """Pictures on video slides move (``motion: still`` keeps everything still)."""
        return self.camera == "move" and self.motion != "still"

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


def _families(reader: Reader, node: Y, path: str):
    """A font stack: a non-empty list of keys of FAMILIES, tried in order."""
    families = ", ".join(sorted(FAMILIES))
    if node.kind != "seq" or not node.value:
        return reader.error(node, path, _("expected a list of font families"),
                            _("e.g. [dejavu-sans, nanum-gothic]; families: {families}", families=families))
    stack = []
    for item in node.value:
        name = str(item.value) if item.kind == "scalar" else ""
        if name not in FAMILIES:
            close = difflib.get_close_matches(name, sorted(FAMILIES), n=1, cutoff=0.6)
            reader.error(item, path, _("unknown font family '{name}'", name=name if item.kind == "scalar" else describe(item)),
                         _("did you mean '{suggestion}'?", suggestion=close[0]) if close
                         else _("families: {families}", families=families))
            stack.append(INVALID)
        else:
            stack.append(name)
    return INVALID if INVALID in stack else tuple(stack)


ROLE_SPEC = {role: Field(_families) for role in ROLES}
PAIR = {
    "fg": Field(text(), required=True, hint=N_("add 'fg: text' (the colour role of the text)")),
    "bg": Field(text(), required=True, hint=N_("add 'bg: background' (the colour role behind the text)")),
    "min": Field(number(1, 21), required=True, hint=N_("add 'min: 4.5' (3 for large text), the WCAG 2.2 ratio")),
    "for": Field(text(), default="text"),
}
TOP = {
    "description": Field(text(one_line=False), default=""),
    "colors": Field(lambda r, n, p: n, default=None),
    "fonts": Field(lambda r, n, p: n, default=None),
    "contrast": Field(lambda r, n, p: n, default=None),
    "motion": Field(choice(MOTIONS), default="reveal"),
    "camera": Field(choice(CAMERAS), default="move"),
}


@lru_cache(maxsize=None)
def _load(folder: Path, stamp: str) -> Theme:
    name = folder.name
    label = f"templates/themes/{name}/theme.yaml"
    try:
        root, reader = read_yaml(folder / "theme.yaml", label,
                                 empty_hint=_("write its colors and fonts (see docs/cards.md)"))
    except FileNotFoundError:
        raise ConfigError([Diagnostic(label, 0, 0, "", _("the theme has no theme.yaml"),
                                      _("add one with its colors and fonts (see docs/cards.md)"))]) from None
    for template in TEMPLATES:
        if not (folder / template).is_file():
            reader.error(None, "", _("the theme has no {template}", template=template),
                         _("add templates/themes/{name}/{template}", name=name, template=template))
    top = {key: None if value is INVALID else value for key, value in reader.mapping(root, "", TOP).items()}
    colors = _colors(reader, top["colors"], root)
    fonts = _fonts(reader, top["fonts"], root)
    pairs = []
    if top["contrast"] is not None:
        named = sorted(top["colors"].value if top["colors"] is not None and top["colors"].kind == "map" else ())
        for index, (item, values) in enumerate(reader.items(top["contrast"], "contrast", PAIR,
                                                            _("write one '- {{fg: text, bg: background, min: 4.5, for: "
                                                              "card text}}' per line"))):
            if INVALID in values.values():
                continue
            for key in ("fg", "bg"):
                if values[key] not in named:
                    close = difflib.get_close_matches(values[key], named, n=1, cutoff=0.6)
                    reader.error(item.value[key], f"contrast[{index}].{key}",
                                 _("the colour role '{role}' is not in colors", role=values[key]),
                                 _("did you mean '{suggestion}'?", suggestion=close[0]) if close
                                 else _("roles: {roles}", roles=", ".join(named)))
            pairs.append(Pair(values["fg"], values["bg"], float(values["min"]), values["for"]))
    reader.check(ConfigError)
    return Theme(name, folder, tuple(sorted(colors.items())), tuple(fonts), tuple(pairs) or DEFAULT_PAIRS, stamp,
                 top["motion"], top["camera"])


def _colors(reader: Reader, node: Y | None, root: Y) -> dict[str, str]:
    """Colour roles (background, text, accent and any the templates use) to "#rrggbb"."""
    colors: dict[str, str] = {}
    if node is not None and node.kind != "map":
        reader.error(node, "colors", _("expected a mapping of colour roles"),
                     _('write colors: {{background: "#rrggbb", ...}}'))
        node = None
    for role, value in (node.value.items() if node is not None else ()):
        colors[role] = color(reader, value, f"colors.{role}")
    for role in SCHOOL_ROLES:
        if role not in colors:
            reader.error(node or root.keys.get("colors") or root, "colors",
                         _("the colour '{role}' is missing", role=role), _('add {role}: "#rrggbb"', role=role))
    return {role: value for role, value in colors.items() if value is not INVALID}


def _fonts(reader: Reader, node: Y | None, root: Y) -> list[tuple[str, FontSet]]:
    """("", the default font set), then a set per language that has its own; a language's missing
    role falls back to the default's."""
    if node is None or node.kind != "map":
        reader.error(node or root, "fonts", _("expected a mapping of font stacks") if node else _("is required"),
                     _("write fonts: {{heading: [dejavu-serif, nanum-myeongjo], body: [dejavu-sans, nanum-gothic]}}"))
        return []
    languages = {}
    for key in node.value:
        if key in ROLES:
            continue
        if key not in LANGUAGES:
            reader.unknown_key(node.keys[key], f"fonts.{key}", key, [*ROLES, *LANGUAGES])
        elif node.value[key].kind != "map":
            reader.error(node.value[key], f"fonts.{key}", _("expected a mapping of font stacks"),
                         _("write {language}: {{heading: [...], body: [...]}}", language=key))
        else:
            languages[key] = reader.mapping(node.value[key], f"fonts.{key}", ROLE_SPEC)
    default = reader.mapping(node, "fonts", {**ROLE_SPEC, **{k: Field(lambda r, n, p: n) for k in node.value
                                                              if k not in ROLES}})
    found = []
    for language, stacks in [("", default)] + sorted(languages.items()):
        chosen = {}
        for role in ROLES:
            stack = stacks.get(role) if stacks.get(role) is not None else default.get(role)
            if stack is None:
                reader.error(node.value.get(language, node), f"fonts.{language + '.' if language else ''}{role}",
                             _("expected a list of font families"),
                             _("e.g. {role}: [dejavu-sans, nanum-gothic]; families: {families}", role=role,
                               families=", ".join(sorted(FAMILIES))))
            if stack is not None and stack is not INVALID:
                chosen[role] = stack
        if set(chosen) == set(ROLES):
            found.append((language, FontSet(**chosen)))
    return found


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

        raise LessonError([Diagnostic("lesson.yaml", 0, 0, "theme", f"there is no theme '{name}'",
                                      "themes: " + ", ".join(available_themes(templates)))])
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
