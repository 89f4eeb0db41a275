"""The school's branding in the video (``school.intro``, ``outro``, ``sting``) and the music bed
(``music:``), validated like every other field: each problem names the file, line, field, what
is wrong and how to fix it. Files stay inside the lesson folder (``fields.check_inside``) and are
probed only when media are (``probe_media``).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from pipeline.i18n import N_, _
from pipeline.lesson import fields as f
from pipeline.lesson.fields import INVALID, Field, Reader
from pipeline.lesson.model import Music, School
from pipeline.lesson.pictures import picture
from pipeline.lesson.yamlnodes import Y

INTRO_SECONDS = (1.0, 6.0)  # an intro or outro: long enough to read the logo, short enough for a feed
STING_MAX = 6.0  # seconds: a sting is a signature, not a song
MUSIC_MIN = 1.0  # seconds: the bed loops, but a shorter file is a click, not music
MUSIC_LEVEL = (-30.0, -6.0)  # dB of the bed against the narration: audible, never louder than the voice
MUSIC_LEVEL_DEFAULT = -8.0  # the bed 8 dB under the voice in the pauses, about 20 dB under it while ducked
ATTRIBUTION = ("CC-BY",)  # licences whose condition is naming the work and its author


def school_field(root: Path, probe_media: bool) -> Any:
    """The converter of ``school:``: name, logo, colours, and the intro, outro and sting."""
    colors_spec = {role: Field(f.color, when_empty=f.COLOR_WHEN_EMPTY) for role in ("background", "text", "accent")}
    spec = {
        "name": Field(f.text(120)),
        "logo": Field(picture(root)),
        "colors": Field(lambda r, n, p: r.mapping(n, p, colors_spec)),
        "intro": Field(f.duration(*INTRO_SECONDS)),
        "outro": Field(f.duration(*INTRO_SECONDS)),
        "sting": Field(f.lesson_file(root, kinds="audio")),
    }

    def convert(reader: Reader, node: Y, path: str) -> Any:
        values = reader.mapping(node, path, spec)
        colors = values["colors"] or {}
        if INVALID in values.values() or INVALID in colors.values():
            return INVALID
        intro, outro = values["intro"] or 0.0, values["outro"] or 0.0
        if (intro or outro) and not values["logo"]:
            key = "intro" if intro else "outro"
            what = _("the intro shows your school's logo, and there is none") if key == "intro" else \
                _("the outro shows your school's logo, and there is none")
            return reader.error(node.value[key], f"{path}.{key}", what,
                                _("add 'logo: media/<your logo>.png' under 'school:', or remove the {key}", key=key))
        if values["sting"]:
            if not (intro or outro):
                return reader.error(node.value["sting"], f"{path}.sting", _("there is no intro or outro to play the sting over"),
                                    _("add 'intro: 3' (seconds) under 'school:', or remove the sting"))
            if probe_media and _sting(reader, node.value["sting"], f"{path}.sting", root, values["sting"],
                                      min(x for x in (intro, outro) if x)) is INVALID:
                return INVALID
        return School(values["name"] or "", values["logo"] or "", tuple((k, v) for k, v in colors.items() if v),
                      values["sting"] or "", intro, outro)

    return convert


def music_field(root: Path, probe_media: bool) -> Any:
    """The converter of ``music:``: the file, its licence (required) and credit, the bed's level."""
    spec = {
        "file": Field(f.lesson_file(root, kinds="audio"), required=True,
                      hint=N_("add 'file: media/<music>.m4a', the music in the lesson folder")),
        "licence": Field(f.text(120), required=True,
                         hint=N_("add 'licence: CC0-1.0' (or the licence the music came with): it goes into the "
                                 "manifest and the reviewer's report")),
        "credit": Field(f.text(200)),
        "level": Field(f.number(*MUSIC_LEVEL)),
    }

    def convert(reader: Reader, node: Y, path: str) -> Any:
        if node.kind == "scalar":
            return reader.error(node, path, _("expected the music's file and licence, found a single value"),
                                _("write 'music:' then, indented, 'file: media/<music>.m4a' and 'licence: CC0-1.0'"))
        values = reader.mapping(node, path, spec)
        if INVALID in values.values():
            return INVALID
        licence = values["licence"]
        if licence.upper().startswith(ATTRIBUTION) and not values["credit"]:
            return reader.error(node.value["licence"], f"{path}.licence",
                                _("the licence {licence} asks you to name the work and its author, and there is no credit",
                                  licence=licence),
                                _("add 'credit: \"<title> by <author>, <where it came from>\"' under 'music:'"))
        info = _audio(reader, node.value["file"], f"{path}.file", root, values["file"]) if probe_media else None
        if info is INVALID:
            return INVALID
        if info is not None and info.duration < MUSIC_MIN:
            return reader.error(node.value["file"], f"{path}.file",
                                _("'{file}' lasts {seconds} s, too short to be a music bed", file=values["file"],
                                  seconds=f"{info.duration:.2f}"),
                                _("use music of at least {seconds} s (it is looped under the whole lesson)",
                                  seconds=f"{MUSIC_MIN:g}"))
        level = values["level"] if values["level"] is not None else MUSIC_LEVEL_DEFAULT
        return Music(values["file"], licence, values["credit"] or "", float(level))

    return convert


def _audio(reader: Reader, node: Y, path: str, root: Path, rel: str) -> Any:
    """``rel`` when it opens as media with a sound track; else the problem, reported."""
    info = f.probed(reader, node, path, root, rel, rel)
    if info is None:
        return INVALID
    if info.audio is None:
        return reader.error(node, path, _("'{file}' has no audio track", file=rel), _("export the sound itself (WAV, M4A, MP3, OGG)"))
    return info


def _sting(reader: Reader, node: Y, path: str, root: Path, rel: str, shortest: float) -> Any:
    info = _audio(reader, node, path, root, rel)
    if info is INVALID:
        return INVALID
    if info.duration > min(STING_MAX, shortest) + 0.05:
        return reader.error(node, path, _("'{file}' lasts {seconds} s, longer than the {limit} s intro or outro it plays over",
                                          file=rel, seconds=f"{info.duration:.1f}", limit=f"{shortest:g}"),
                            _("cut the sting to {limit} s or less, or lengthen the intro and outro",
                              limit=f"{min(STING_MAX, shortest):g}"))
    return info
