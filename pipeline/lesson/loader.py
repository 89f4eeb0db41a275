"""Read and validate a lesson folder, reporting every problem of the lesson at once.

Validation covers the YAML, the script, and what can be known of the media without encoding it
(existence, location, readability, stream kinds, lengths for trims).
"""
from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

from pipeline.errors import Diagnostic, LessonError
from pipeline.i18n import N_, _
from pipeline.lesson import branding, fields as f
from pipeline.lesson.fields import INVALID, Field, Reader
from pipeline.lesson.model import (
    FORMATS,
    LANGUAGES,
    LICENCES,
    Author,
    DEFAULT_VOICES,
    CaptionAcceptance,
    CaptionSettings,
    CardSlide,
    Clip,
    EndCard,
    Lesson,
    School,
    TitleCard,
    lesson_label,
)
from pipeline.lesson.pictures import check_picture
from pipeline.lesson.script import has_html, parse_script
from pipeline.lesson.slugs import SLUG, suggest_slug
from pipeline.lesson.textfile import MAX_SCRIPT_BYTES, MAX_YAML_BYTES, inside, read_text
from pipeline.lesson.yamlnodes import Y, YamlSyntaxError, parse

LANGUAGE_ALIASES = {
    "english": "en", "eng": "en", "en-us": "en", "en-gb": "en",
    "russian": "ru", "rus": "ru", "русский": "ru", "ру": "ru", "ru-ru": "ru",
    "korean": "ko", "kor": "ko", "kr": "ko", "한국어": "ko", "ko-kr": "ko",
}
FORMAT_ALIASES = {"landscape": "16:9", "horizontal": "16:9", "portrait": "9:16", "vertical": "9:16", "969": "16:9"}
LICENCE_ALIASES = {"cc-by": "CC-BY-4.0", "cc by 4.0": "CC-BY-4.0", "cc0": "CC0-1.0", "cc-by-sa": "CC-BY-SA-4.0",
                   "public domain": "CC0-1.0"}
ITEM_TYPES = ("title", "clip", "card", "end")
DEFAULT_MAX_DURATION = 90.0
MAX_PARTS = 200  # each clip is probed and each card laid out: a bound on what one lesson can cost
DEFAULT_MASTERY = 80  # percent of a lesson's questions answered right that passes it


def load_lesson(root: Path, probe_media: bool = True, templates: Path | None = None) -> Lesson:
    """Load ``root/lesson.yaml`` and its script; raise LessonError listing every problem found.

    With ``probe_media`` (the default) media files are opened to check their streams and lengths;
    ``templates`` (default: the tool's own) decides which card themes exist.
    """
    from pipeline.templates import available_themes, default_templates

    root = Path(root)
    themes = tuple(available_themes(templates or default_templates()))
    label = lesson_label(root)
    yaml_file = f"{label}/lesson.yaml"
    problems: list[Diagnostic] = []
    slug = root.name
    if not SLUG.match(slug):
        suggestion = suggest_slug(slug)
        problems.append(Diagnostic(label, 0, 0, "", _("lesson folder name '{slug}' must be lower-case letters, digits and dashes",
                                                      slug=slug),
                                   _("rename the folder to {suggestion}", suggestion=suggestion) if suggestion
                                   else _("rename the folder, e.g. first-teacher-video")))

    if root.is_symlink() and not inside(root.parent, root):
        raise LessonError(problems + [Diagnostic(label, 0, 0, "",
                                                 _("the lesson folder is a link to a folder elsewhere; it was not read"),
                                                 _("move the lesson folder itself here instead of linking to it"))])
    read = read_text(root, "lesson.yaml", yaml_file, MAX_YAML_BYTES)
    if read.missing:
        raise LessonError(problems + [Diagnostic(yaml_file, 0, 0, "", _("lesson.yaml is missing"),
                                                 _("create it with: make new LESSON={slug} LANG=en", slug=slug))])
    if read.text is None:
        raise LessonError(problems + read.problems)
    problems.extend(read.problems)
    try:
        node, yaml_problems = parse(read.text, yaml_file)
    except YamlSyntaxError as exc:
        raise LessonError(problems + [exc.diagnostic]) from None
    problems.extend(yaml_problems)
    if node is None:
        raise LessonError(problems + [Diagnostic(yaml_file, 0, 0, "", _("lesson.yaml is empty"),
                                                 _("start from a scaffold: make new LESSON={slug} LANG=en", slug=slug))])

    reader = Reader(yaml_file)
    values = reader.mapping(node, "", _lesson_spec(root, themes, probe_media))
    problems.extend(reader.problems)

    sections = []
    script_name = values.get("script") or "script.md"
    if script_name is not INVALID:
        script_label = f"{label}/{script_name}"
        script = read_text(root, script_name, script_label, MAX_SCRIPT_BYTES)
        problems.extend(script.problems)
        if script.missing:
            if values.get("script") or _shows_cards(node):
                problems.append(Diagnostic(script_label, 0, 0, "", _("the script file is missing"),
                                           _("create it with one '## Card heading' section per card")))
            # else: a lesson of clips alone (e.g. one recorded clip) has no cards, so it needs no script
        elif script.text is not None and (script.text.strip() or _shows_cards(node)):
            sections, script_problems = parse_script(script.text, script_label)
            problems.extend(script_problems)
        image_reader = Reader(script_label)
        for section in sections:
            for image in section.images:
                node_at = Y("scalar", image.path, image.line, image.col)
                if f.check_inside(image_reader, node_at, "", root, image.path, kinds="image") is not INVALID:
                    check_picture(image_reader, node_at, "", root, image.path)
        problems.extend(image_reader.problems)

    known: list[tuple[str, float]] = []  # (part, seconds) of every part whose length is known now
    sequence = _sequence(reader := Reader(yaml_file), node, values, sections, root, label, probe_media, known)
    problems.extend(reader.problems)
    problems.extend(_duration_problems(node, values, known, yaml_file))
    problems.extend(_voice_problems(node, values, yaml_file))
    problems.extend(_burn_in_problems(node, values, yaml_file))
    problems.extend(_cover_problems(node, values, sequence, yaml_file))
    problems.extend(_platform_problems(node, values, known, yaml_file))

    if problems:
        raise LessonError(problems)
    return Lesson(
        slug=slug,
        root=root,
        title=values["title"],
        language=values["language"],
        authors=values["authors"],
        rubric=values["rubric"],
        tags=values["tags"] or (),
        licence=values["licence"],
        objectives=values["objectives"],
        audience=values["audience"],
        formats=values["formats"] or ("16:9",),
        max_duration=values["max_duration"] or DEFAULT_MAX_DURATION,
        sequence=sequence,
        sections=tuple(sections),
        script=script_name,
        narration=values["narration"] or "synthesised",
        voice=values["voice"] or "",
        theme=values["theme"] or "classic",
        school=values["school"] or School(),
        version=values["version"] or "1",
        captions=values["captions"] or CaptionSettings(),
        mastery=values["mastery"] if values["mastery"] is not None else DEFAULT_MASTERY,
        cover=values["cover"] or "",
        platforms=values["platforms"] or (),
        music=values["music"] or None,
    )


def _shows_cards(root_node: Y) -> bool:
    """Whether the sequence lists any card (read from the raw YAML: the script is needed to
    validate cards, so this is known before the sequence itself is validated)."""
    sequence = root_node.value.get("sequence") if root_node.kind == "map" else None
    if sequence is None or sequence.kind != "seq":
        return True  # the sequence's own error is reported; asking for a script too would mislead
    return any(item.kind != "map" or getattr(item.value.get("type"), "value", None) not in ("title", "clip", "end") for item in sequence.value)


def _lesson_spec(root: Path, themes: tuple[str, ...], probe_media: bool = True) -> dict[str, Field]:
    return {
        "title": Field(f.text(100), required=True, hint=N_("add a line 'title: ...' with the lesson's title")),
        "language": Field(f.choice(LANGUAGES, LANGUAGE_ALIASES), required=True, hint=N_("add 'language: en' (or ru, ko)")),
        "authors": Field(_authors, required=True, hint=N_("add 'authors:' with one '- name: ...' per author")),
        "rubric": Field(f.text(60), required=True,
                        hint=N_("add 'rubric: ...', the section of the school page this lesson belongs to")),
        "tags": Field(f.text_list(40)),
        "licence": Field(f.choice(LICENCES, LICENCE_ALIASES), required=True,
                         hint=lambda: _("add 'licence: CC-BY-4.0' (or another of {licences})", licences=", ".join(LICENCES))),
        "objectives": Field(f.text_list(200, min_items=1), required=True,
                            hint=N_("add 'objectives:' with one '- ...' per thing a learner can do afterwards")),
        "audience": Field(f.text(100), required=True, hint=N_("add 'audience: ...', e.g. teachers, grade 7 pupils")),
        "formats": Field(_formats),
        "max_duration": Field(f.duration(5, 600)),
        "script": Field(f.lesson_file(root, must_exist=False)),
        "narration": Field(f.choice(("synthesised", "recorded"),
                                    {"synthesized": "synthesised", "tts": "synthesised", "recording": "recorded"})),
        "voice": Field(f.text(40)),
        "theme": Field(_theme(themes)),
        "school": Field(branding.school_field(root, probe_media)),
        "music": Field(branding.music_field(root, probe_media)),
        "version": Field(f.text(20)),
        "captions": Field(_captions),
        "mastery": Field(f.number(1, 100, integer=True),
                         hint=N_("the share of right answers, in percent, that passes the lesson's questions")),
        "cover": Field(f.text(80)),
        "platforms": Field(_platforms),
        "sequence": Field(lambda r, n, p: n, required=True,
                          hint=N_("add 'sequence:' listing the title card, clips, cards and end card")),
    }


def _authors(reader: Reader, node: Y, path: str) -> Any:
    if node.kind != "seq" or not node.value:
        return reader.error(node, path, _("expected a list of authors"), _("write one '- name: Your Name' line per author"))
    spec = {"name": Field(f.text(80), required=True), "school": Field(f.text(120)), "email": Field(f.text(120))}
    authors = []
    for index, item in enumerate(node.value):
        item_path = f"{path}[{index}]"
        if item.kind == "scalar":
            name = f.text(80)(reader, item, item_path)
            authors.append(INVALID if name is INVALID else Author(name))
            continue
        values = reader.mapping(item, item_path, spec)
        authors.append(INVALID if INVALID in values.values() else Author(values["name"], values["school"] or "", values["email"] or ""))
    return INVALID if INVALID in authors else tuple(authors)


def _formats(reader: Reader, node: Y, path: str) -> Any:
    items = node.value if node.kind == "seq" else [node]
    convert = f.choice(tuple(FORMATS), FORMAT_ALIASES)
    values = [convert(reader, item, f"{path}[{i}]" if node.kind == "seq" else path) for i, item in enumerate(items)]
    if not values:
        return reader.error(node, path, _("lists no format"), _("write [16:9], [9:16] or both"))
    if INVALID in values:
        return INVALID
    if len(set(values)) != len(values):
        return reader.error(node, path, _("lists a format twice"), _("list each format once"))
    return tuple(sorted(values, key=list(FORMATS).index))


def _theme(themes: tuple[str, ...]):
    def convert(reader: Reader, node: Y, path: str) -> Any:
        name = f.text(40)(reader, node, path)
        if name is INVALID or not themes or name in themes:
            return name
        return f.choice(tuple(themes))(reader, node, path)

    return convert


# Rules a lesson may accept a break of ("order" is a bug of the stage, never a choice).
ACCEPTABLE_RULES = ("max_line_chars", "max_lines", "max_cps", "min_duration", "max_duration", "min_gap")


def _captions(reader: Reader, node: Y, path: str) -> Any:
    # timing rules only get stricter than the Netflix guide (5/6 s to 7 s, 2 frames apart):
    # a school may ask for more, never for less
    spec = {
        "children": Field(f.boolean, default=False),
        "max_line_chars": Field(f.number(8, 80, integer=True)),
        "max_lines": Field(f.number(1, 3, integer=True)),
        "max_cps": Field(f.number(5, 30)),
        "burn_in": Field(_burn_in),
        "min_duration": Field(f.number(0.833, 2)),
        "max_duration": Field(f.number(2, 7)),
        "min_gap_frames": Field(f.number(2, 12, integer=True)),
        "accept": Field(_accept, default=()),
    }
    values = reader.mapping(node, path, spec)
    return INVALID if INVALID in values.values() else CaptionSettings(**values)


def _burn_in(reader: Reader, node: Y, path: str) -> Any:
    """``burn_in: [9:16, 16:9]`` (or ``[]`` for none): formats that get open captions."""
    if node.kind == "seq" and not node.value:
        return ()
    return _formats(reader, node, path)


def _burn_in_problems(root_node: Y, values: dict, file: str) -> list[Diagnostic]:
    """Open captions are burned into a built video: every ``burn_in`` format must be in ``formats``."""
    captions, formats = values.get("captions"), values.get("formats") or ("16:9",)
    if not captions or captions is INVALID or formats is INVALID or not captions.burn_in:
        return []
    node = root_node.value.get("captions") if root_node.kind == "map" else None
    node = node.value.get("burn_in") if node is not None and node.kind == "map" else node
    line, col = (node.line, node.col) if node is not None else (0, 0)
    extra = [fmt for fmt in captions.burn_in if fmt not in formats]
    if not extra:
        return []
    return [Diagnostic(file, line, col, "captions.burn_in",
                       _("{extra} is not among the lesson's formats ({formats})", extra=", ".join(extra), formats=", ".join(formats)),
                       _("add {format} to 'formats', or remove it from 'burn_in'", format=extra[0]))]


def _platforms(reader: Reader, node: Y, path: str) -> Any:
    """``platforms: [vk-clips, tiktok]``: where the videos will be posted (pipeline/platforms.py)."""
    from pipeline.platforms import PLATFORMS

    items = node.value if node.kind == "seq" else [node]
    convert = f.choice(tuple(PLATFORMS))
    values = [convert(reader, item, f"{path}[{i}]" if node.kind == "seq" else path) for i, item in enumerate(items)]
    if INVALID in values:
        return INVALID
    return tuple(dict.fromkeys(values))


def _node_at(root_node: Y, key: str) -> tuple[int, int]:
    node = root_node.value.get(key) if root_node.kind == "map" else None
    return (node.line, node.col) if node is not None else (0, 0)


def _cover_problems(root_node: Y, values: dict, sequence, file: str) -> list[Diagnostic]:
    """``cover`` names the title slide, a card the sequence shows, or a time in the video."""
    cover = values.get("cover")
    if not cover or cover is INVALID or cover == "title" or sequence is INVALID:
        return []
    shown = [item.section for item in sequence or () if isinstance(item, CardSlide)]
    if cover in shown or f.parse_time(cover) is not None:
        return []
    line, col = _node_at(root_node, "cover")
    close = difflib.get_close_matches(cover, shown, n=1, cutoff=0.5)
    hint = _("write title, the id of a card the sequence shows ({cards}), or a time in the video such as 00:12",
             cards=", ".join(shown[:5]))
    if close:
        hint = _("did you mean '{suggestion}'?", suggestion=close[0]) + " " + hint
    return [Diagnostic(file, line, col, "cover", _("'{cover}' is not the title, a card of the sequence or a time", cover=cover), hint)]


def _platform_problems(root_node: Y, values: dict, known: list[tuple[str, float]], file: str) -> list[Diagnostic]:
    """Each platform's format must be built, and the parts whose length is already known must fit
    its longest video (the build checks the full length again before encoding)."""
    from pipeline.platforms import PLATFORMS

    chosen, formats = values.get("platforms"), values.get("formats") or ("16:9",)
    if not chosen or chosen is INVALID or formats is INVALID:
        return []
    line, col = _node_at(root_node, "platforms")
    found = []
    total = sum(seconds for _, seconds in known)
    for key in chosen:
        platform = PLATFORMS[key]
        if platform.format not in formats:
            found.append(Diagnostic(file, line, col, "platforms",
                                    _("{platform} takes {format} videos, but 'formats' has only {formats}", platform=platform.name,
                                      format=platform.format, formats=", ".join(formats)),
                                    _('add "{format}" to formats, or remove {key}', format=platform.format, key=key)))
        elif total > platform.max_seconds + 1e-6:
            found.append(Diagnostic(file, line, col, "platforms",
                                    _("the lesson would last at least {seconds} s, over the {limit} s {platform} allows",
                                      seconds=f"{total:.1f}", limit=f"{platform.max_seconds:g}", platform=platform.name),
                                    _("shorten clips or narration, or remove {key}", key=key)))
    return found


def _accept(reader: Reader, node: Y, path: str) -> Any:
    """``captions.accept``: a list of {rule, cue or time, reason}."""
    spec = {
        "rule": Field(f.choice(ACCEPTABLE_RULES), required=True, hint=lambda: _("add 'rule: ...', one of: {rules}", rules=", ".join(ACCEPTABLE_RULES))),
        "cue": Field(f.text(120)),
        "time": Field(f.duration()),
        "reason": Field(f.text(300), required=True, hint=N_("add 'reason: ...', why this caption may break the rule: the reviewer reads it")),
    }
    if node.kind != "seq":
        return reader.error(node, path, _("expected a list, found {found}", found=f.describe(node)),
                            _("write one '- rule: ...' entry per accepted caption, with 'cue:' (its first words) or 'time:', "
                              "and 'reason:'"))
    found = []
    for index, item in enumerate(node.value):
        item_path = f"{path}[{index}]"
        values = reader.mapping(item, item_path, spec)
        if INVALID in values.values():
            found.append(INVALID)
            continue
        if (values["cue"] is None) == (values["time"] is None):
            what = _("names both 'cue' and 'time'") if values["cue"] is not None else _("names no caption")
            found.append(reader.error(item, item_path, what,
                                      _("write 'cue:' with the caption's first words, or 'time:' with a time inside it (01:12.5), "
                                        "not both")))
            continue
        found.append(CaptionAcceptance(values["rule"], values["reason"], values["cue"] or "", values["time"], item.line))
    return INVALID if INVALID in found else tuple(found)


def _sequence(reader: Reader, root_node: Y, values: dict, sections: list, root: Path, label: str, probe_media: bool,
              known: list[tuple[str, float]]) -> tuple:
    node = values.get("sequence")
    if node is INVALID or node is None:
        return ()
    if node.kind != "seq" or not node.value:
        reader.error(node, "sequence", _("expected a list of parts"),
                     _("write one '- type: title|clip|card|end' entry per part of the video"))
        return ()
    if len(node.value) > MAX_PARTS:
        reader.error(node.value[MAX_PARTS], "sequence",
                     _("lists {n} parts, more than the {max} a lesson may have", n=len(node.value), max=MAX_PARTS),
                     _("split it into several lessons"))
        return ()
    section_ids = {s.id: s for s in sections}
    used: set[str] = set()
    items = []
    for index, item in enumerate(node.value):
        path = f"sequence[{index}]"
        if item.kind != "map":
            reader.error(item, path, _("expected a part with 'type:', found {found}", found=f.describe(item)),
                         _("write '- type: card' and the part's fields below it"))
            continue
        type_node = item.value.get("type")
        if type_node is None:
            reader.error(item, f"{path}.type", _("is required"), _("start the part with 'type: title', 'clip', 'card' or 'end'"))
            continue
        kind = f.choice(ITEM_TYPES)(reader, type_node, f"{path}.type")
        if kind is INVALID:
            continue
        spec = _item_spec(kind, root)
        spec["type"] = Field(lambda r, n, p, kind=kind: kind)
        fields = reader.mapping(item, path, spec)
        if INVALID in fields.values():
            continue
        if kind == "card" and not section_ids:
            continue  # the script is missing, unreadable or has no sections: its one message says it all
        if kind == "card" and values.get("narration") == "recorded" and not fields["audio"]:
            reader.error(item, path, _("the lesson's narration is 'recorded', but card '{id}' has no audio", id=fields["section"]),
                         _("add 'audio: media/<recording>.m4a' to this card, or set 'narration: synthesised'"))
        built = _item(reader, kind, fields, item, path, section_ids, used, root, label, probe_media, known)
        if built is not None:
            items.append(built)
    for section in sections:
        if section.id not in used and section_ids:
            reader.error(node, "sequence", _("card section '{id}' of the script is not shown anywhere", id=section.id),
                         _("add '- type: card' with 'section: {id}' to the sequence, or delete the section", id=section.id))
    return tuple(items)


def _item_spec(kind: str, root: Path) -> dict[str, Field]:
    if kind == "title":
        return {"subtitle": Field(f.text(120)), "duration": Field(f.duration(1, 20), default=4.0)}
    if kind == "end":
        return {"credits": Field(f.text_list(120)), "duration": Field(f.duration(1, 20), default=5.0)}
    if kind == "clip":
        return {
            "file": Field(f.lesson_file(root, kinds="video"), required=True, hint=N_("add 'file: media/<your clip>.mp4'")),
            "start": Field(f.duration()),
            "end": Field(f.duration()),
            "says": Field(_says),
        }
    return {
        "section": Field(f.text(80), required=True, hint=N_("add 'section: <id>' naming a '## Heading' of the script")),
        "audio": Field(f.lesson_file(root, kinds="audio")),
        "duration": Field(f.duration(1, 60)),
    }


def _item(reader, kind, fields, node, path, section_ids, used, root, label, probe_media, known):
    if kind == "title":
        known.append(("title card", fields["duration"]))
        return TitleCard(fields["subtitle"] or "", fields["duration"])
    if kind == "end":
        known.append(("end card", fields["duration"]))
        return EndCard(fields["credits"] or (), fields["duration"])
    if kind == "card":
        section_id = fields["section"]
        where = node.value["section"]
        if section_id not in section_ids:
            import difflib

            close = difflib.get_close_matches(section_id, list(section_ids), n=1, cutoff=0.5)
            if close:
                hint = _("did you mean '{suggestion}'?", suggestion=close[0])
            elif section_ids:
                hint = _("sections in the script: {ids}", ids=", ".join(section_ids))
            else:
                hint = _("add a '## Heading' section to the script")
            reader.error(where, f"{path}.section", _("no section '{id}' in the script", id=section_id), hint)
            return None
        if section_id in used:
            reader.error(where, f"{path}.section", _("section '{id}' is already shown earlier in the sequence", id=section_id), _("show each card once"))
            return None
        used.add(section_id)
        section = section_ids[section_id]
        if not section.narration and not fields["audio"] and fields["duration"] is None:
            reader.error(node, path, _("card '{id}' has no narration and no duration", id=section_id),
                         _("add a 'Narration:' paragraph to the section, or 'duration: 5' here"))
            return None
        if fields["audio"] and probe_media:
            info = f.probed(reader, node.value["audio"], f"{path}.audio", root, fields["audio"], f"{label}/{fields['audio']}")
            if info is not None and info.audio is None:
                reader.error(node.value["audio"], f"{path}.audio", _("'{file}' has no audio track", file=fields["audio"]),
                             _("choose the recording of this card's narration"))
            elif info is not None:
                known.append((f"card '{section_id}'", max(info.duration, fields["duration"] or 0.0)))
        elif fields["duration"] is not None:
            known.append((f"card '{section_id}'", fields["duration"]))
        return CardSlide(section_id, fields["audio"] or "", fields["duration"])
    # clip
    start, end = fields["start"] or 0.0, fields["end"]
    if end is not None and end <= start:
        reader.error(node.value["end"], f"{path}.end", _("end {end} is not after start {start}",
                                                         end=f.format_time(end), start=f.format_time(start)), _("make end later than start"))
        return None
    if probe_media:
        info = f.probed(reader, node.value["file"], f"{path}.file", root, fields["file"], f"{label}/{fields['file']}")
        if info is None:
            return None
        if info.video is None or info.is_image:
            reader.error(node.value["file"], f"{path}.file", _("'{file}' has no video stream", file=fields["file"]),
                         _("use a video recording here; put pictures on cards instead"))
            return None
        length = info.duration
        if end is not None and end > length + 0.05:
            reader.error(node.value["end"], f"{path}.end", _("end {end} is past the clip's length {length}",
                                                             end=f.format_time(end), length=f.format_time(length)), _("shorten it or pick another clip"))
            return None
        if start >= length:
            reader.error(node.value["start"], f"{path}.start", _("start {start} is past the clip's length {length}",
                                                                 start=f.format_time(start),
                                                                 length=f.format_time(length)), _("start earlier or pick another clip"))
            return None
        known.append((f"clip {fields['file']}", min(end if end is not None else length, length) - start))
    return Clip(fields["file"], start, end, fields["says"] or "")


def _says(reader: Reader, node: Y, path: str) -> Any:
    """What a clip says becomes its captions: plain spoken words, like a card's narration."""
    value = f.text(2000)(reader, node, path)
    if value is not INVALID and has_html(value):
        return reader.error(node, path, _("HTML tags are not allowed in what a clip says"),
                            _("write the words exactly as they are spoken"))
    return value


def _duration_problems(root_node: Y, values: dict, known: list[tuple[str, float]], file: str) -> list[Diagnostic]:
    """The parts whose length is known before encoding (clips, recorded narration, fixed durations)
    already over ``max_duration``: said by ``check`` instead of by the build. Synthesised
    narration is not counted; the build checks the full length before encoding."""
    limit = values.get("max_duration")
    if limit is INVALID:
        return []
    limit = limit or DEFAULT_MAX_DURATION
    total = sum(seconds for _, seconds in known)
    if total <= limit + 1e-6:
        return []
    node = (root_node.value.get("max_duration") or root_node.value.get("sequence")) if root_node.kind == "map" else None
    line, col = (node.line, node.col) if node is not None else (0, 0)
    longest = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in sorted(known, key=lambda k: -k[1])[:3])
    return [Diagnostic(file, line, col, "max_duration",
                       _("the lesson would last at least {seconds} s, over its limit of {max} s (longest: {parts})",
                         seconds=f"{total:.1f}", max=f"{limit:g}", parts=longest),
                       _("shorten clips (start/end) or narration, or raise max_duration"))]


def _voice_problems(root_node: Y, values: dict, file: str) -> list[Diagnostic]:
    """A voice must be one espeak-ng has, and speak the lesson's language."""
    from pipeline.lesson.voices import espeak_voices

    node = root_node.value.get("voice") if root_node.kind == "map" else None
    voice, language = values.get("voice"), values.get("language")
    if not voice or voice is INVALID:
        return []
    line, col = (node.line, node.col) if node is not None else (0, 0)
    base = voice.split("+", 1)[0].casefold()
    known = espeak_voices()
    if known and base not in known:
        import difflib

        close = difflib.get_close_matches(base, sorted(known), n=1, cutoff=0.6)
        hint = _("did you mean '{suggestion}'?", suggestion=close[0]) if close else _("e.g. en-us, en-gb, ru, ko (list them with: espeak-ng --voices)")
        return [Diagnostic(file, line, col, "voice", _("'{voice}' is not a voice espeak-ng has", voice=voice), hint)]
    if language and language is not INVALID and base.split("-")[0] != language:
        return [Diagnostic(file, line, col, "voice", _("voice '{voice}' does not speak the lesson's language '{language}'", voice=voice, language=language),
                           _("choose a {language} voice, e.g. {example}, or leave 'voice' out", language=language,
                             example=DEFAULT_VOICES.get(language, language)))]
    return []
