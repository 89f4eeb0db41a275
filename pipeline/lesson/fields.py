"""Declarative field specs for YAML mappings, in the manner of mkdocs' config schema.

A ``Reader`` walks located YAML nodes against specs and collects every problem as a located
``Diagnostic`` instead of stopping at the first; converters return ``INVALID`` after reporting.
It is the one way every YAML file is read: lesson.yaml (``loader.py``, which opens the file inside
the lesson folder itself), and with ``read_yaml`` a card theme's theme.yaml, the review checklist,
a reviewer's checklist answers, reviewers.yaml and publish.yaml. Each raises one
``DiagnosticsError`` subclass (``LessonError`` for a lesson, ``ConfigError`` for the others) with
every problem of the file, each as ``file:line:col: field: what is wrong — how to fix it``.
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, Callable

from pipeline.errors import ConfigError, Diagnostic, DiagnosticsError
from pipeline.i18n import N_, _, _n
from pipeline.lesson.yamlnodes import Y, YamlSyntaxError, parse


class _Invalid:
    def __repr__(self) -> str:
        return "INVALID"


INVALID: Any = _Invalid()


@dataclass(frozen=True)
class Field:
    convert: Callable[["Reader", Y, str], Any]
    required: bool = False
    default: Any = None
    hint: Any = ""  # how to fill it in, shown when it is missing: a msgid (N_), or a function returning the text
    when_empty: str = ""  # if set, a key given with no value is an error with this hint (not "use the default")


class Reader:
    """Collects diagnostics for one file while converting its nodes."""

    def __init__(self, file: str):
        self.file = file
        self.problems: list[Diagnostic] = []

    def error(self, node: Y | None, field: str, message: str, hint: str = "") -> Any:
        line, col = (node.line, node.col) if node is not None else (0, 0)
        self.problems.append(Diagnostic(self.file, line, col, field, message, hint))
        return INVALID

    def check(self, error: type[DiagnosticsError] = ConfigError) -> None:
        """Raise ``error`` with every problem collected, if there is any."""
        if self.problems:
            raise error(self.problems)

    def items(self, node: Y, path: str, spec: dict[str, Field], hint: str = "",
              min_items: int = 0) -> list[tuple[Y, dict[str, Any]]]:
        """A list of mappings, each converted by ``spec``: (item node, values) of every mapping item."""
        if node.kind != "seq":
            self.error(node, path, _("expected a list, found {found}", found=describe(node)), hint)
            return []
        if len(node.value) < min_items:
            self.error(node, path, _("is empty") if not node.value else
                       _n("needs at least {n} item", "needs at least {n} items", min_items), hint)
            return []
        return [(item, self.mapping(item, f"{path}[{index}]", spec)) for index, item in enumerate(node.value)]

    def mapping(self, node: Y, path: str, spec: dict[str, Field]) -> dict[str, Any]:
        """Convert a YAML mapping by its spec; unknown keys and missing required ones are errors."""
        values: dict[str, Any] = {}
        if node.kind != "map":
            self.error(node, path, _("expected a mapping of 'key: value' lines, found {found}", found=describe(node)), "")
            return {name: INVALID for name in spec}
        suggested = set()
        for key in node.value:
            if key not in spec:
                suggested.add(self.unknown_key(node.keys[key], _join(path, key), key, spec))
        for name, field in spec.items():
            field_path = _join(path, name)
            if name in node.value and node.value[name].null and field.when_empty:
                values[name] = self.error(node.value[name], field_path, _("is empty"), _(field.when_empty))
                continue
            if name not in node.value or node.value[name].null:
                if field.required and name in suggested and name not in node.value:
                    values[name] = INVALID  # the misspelt key's message already names it
                elif field.required:
                    hint = (field.hint() if callable(field.hint) else _(field.hint)) if field.hint else _("add a line '{name}: ...'", name=name)
                    where = node.keys.get(name, node)
                    self.error(where, field_path, _("is required") if name not in node.value else _("is empty"), hint)
                    values[name] = INVALID
                else:
                    values[name] = field.default
                continue
            values[name] = field.convert(self, node.value[name], field_path)
        return values

    def unknown_key(self, key_node: Y, field_path: str, key: str, spec: dict[str, Field] | list[str]) -> str | None:
        """Report an unknown key with a did-you-mean; return the key suggested, if any."""
        known = sorted(spec)
        close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
        alias = KEY_ALIASES.get(key.casefold())
        if alias in known:
            close = [alias]
        elif key.casefold() in KEY_HINTS:
            close = []
        if close:
            hint = _("did you mean '{suggestion}'?", suggestion=close[0])
        elif key.casefold() in KEY_HINTS:
            hint = _(KEY_HINTS[key.casefold()])
        else:
            hint = _("known keys: {keys}", keys=", ".join(known))
        self.error(key_node, field_path, _("unknown key '{key}'", key=key), hint)
        return close[0] if close else None


def read_yaml(path: Path, label: str, error: type[DiagnosticsError] = ConfigError, empty_hint: str = "",
              limit: int = 0) -> tuple[Y, Reader]:
    """Read the YAML file ``path`` (named ``label`` in messages) into located nodes and a Reader.

    The file is read as untrusted text (``textfile.decode``: UTF-8, a BOM dropped, invisible
    characters reported) and parsed with the bounds of ``yamlnodes.parse``. Returns the root node
    and a Reader holding the problems that do not stop reading (duplicate keys, invisible
    characters), to which the caller's specs add theirs. Raises FileNotFoundError when there is no
    file (the caller says what to create), and ``error`` when the file cannot be used at all: not
    readable, over ``limit`` bytes (default: the lesson.yaml limit), not UTF-8, not YAML, or empty
    (with ``empty_hint``).
    """
    from pipeline.lesson.textfile import MAX_YAML_BYTES, decode

    limit = limit or MAX_YAML_BYTES
    reader = Reader(label)
    try:
        if not _is_regular(path):  # checked before opening: opening a FIFO would wait for a writer
            reader.error(None, "", _("is not a regular file"), _("replace it with a plain text file"))
            reader.check(error)
        with open(path, "rb") as handle:
            data = handle.read(limit + 1)
    except (FileNotFoundError, NotADirectoryError):
        raise FileNotFoundError(path) from None
    except OSError as exc:
        reader.error(None, "", _("cannot be read ({reason})", reason=exc.strerror or exc),
                     _("check the file and its permissions"))
        reader.check(error)
    if len(data) > limit:
        reader.error(None, "", _("is over the limit of {size} KB for this file", size=limit // 1024),
                     _("a settings file is small: remove pasted data from it"))
        reader.check(error)
    read = decode(data, label)
    reader.problems.extend(read.problems)
    if read.text is None:
        reader.check(error)
    try:
        root, problems = parse(read.text, label)
    except YamlSyntaxError as exc:
        reader.problems.append(exc.diagnostic)
        reader.check(error)
    reader.problems.extend(problems)
    if root is None:
        reader.error(None, "", _("the file is empty"), empty_hint)
        reader.check(error)
    return root, reader


def _is_regular(path: Path) -> bool:
    import os
    import stat

    return stat.S_ISREG(os.stat(path).st_mode)


# Words teachers reach for that mean one of our keys (British/American spelling, other languages).
KEY_ALIASES = {
    "license": "licence",
    "lang": "language",
    "author": "authors",
    "tag": "tags",
    "objective": "objectives",
    "goals": "objectives",
    "format": "formats",
    "duration_limit": "max_duration",
    "colours": "colors",
    "length": "duration",
    "kr": "ko",
    "key": "public_key",
    "pubkey": "public_key",
    "narration": "says",  # on a clip; on a card KEY_HINTS below says where narration goes
}

# Keys that belong somewhere else entirely: say where, instead of suggesting a look-alike key.
KEY_HINTS = {
    "narration": N_("a card's narration is written in the script, under its '## Heading', after a line 'Narration:'"),
    "text": N_("a card's text is written in the script, under its '## Heading'"),
    "body": N_("a card's text is written in the script, under its '## Heading'"),
}


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def probed(reader: Reader, node: Y, path: str, root: Path, rel: str, label: str):
    """The media file ``rel`` of the lesson folder, probed (``label`` names it in the probe's own
    errors); None when it is not usable media, the problem reported at ``node``."""
    from pipeline.errors import MediaError
    from pipeline.probe import probe

    try:
        return probe(root / rel, label)
    except MediaError as exc:
        reader.error(node, path, _("'{file}' {problem}", file=rel, problem=exc.reason), exc.hint)
        return None


def describe(node: Y) -> str:
    """How a value that is not what was expected is named in a message: "a list", "a mapping" or the value quoted."""
    if node.kind == "seq":
        return _("a list")
    if node.kind == "map":
        return _("a mapping")
    return f"'{node.value}'"


# --- converters -------------------------------------------------------------------------------


def text(max_len: int = 0, one_line: bool = True) -> Callable[[Reader, Y, str], Any]:
    def convert(reader: Reader, node: Y, path: str) -> Any:
        if node.kind != "scalar":
            return reader.error(node, path, _("expected text, found {found}", found=describe(node)), _("write it on one line after the colon"))
        value = " ".join(str(node.value).split()) if one_line else str(node.value).strip()
        if not value:
            return reader.error(node, path, _("is empty"), _("write some text, or remove the line"))
        if max_len and len(value) > max_len:
            return reader.error(node, path, _("is {length} characters long, more than {max}", length=len(value), max=max_len),
                                _("shorten it to at most {max} characters", max=max_len))
        return value

    return convert


def text_list(max_len: int = 0, min_items: int = 0) -> Callable[[Reader, Y, str], Any]:
    item = text(max_len)

    def convert(reader: Reader, node: Y, path: str) -> Any:
        if node.kind == "scalar":
            values = [item(reader, node, path)]
        elif node.kind == "seq":
            values = [item(reader, child, f"{path}[{i}]") for i, child in enumerate(node.value)]
        else:
            return reader.error(node, path, _("expected a list"), _("write one '- item' per line"))
        if len(values) < min_items:
            return reader.error(node, path, _n("needs at least {n} item", "needs at least {n} items", min_items), _("write one '- item' per line"))
        return INVALID if INVALID in values else tuple(values)

    return convert


def choice(options: dict[str, str] | tuple[str, ...],
           aliases: dict[str, str] | None = None) -> Callable[[Reader, Y, str], Any]:
    """One of a closed set; aliases map other spellings to an option and are suggested, not accepted."""
    names = list(options)

    def convert(reader: Reader, node: Y, path: str) -> Any:
        if node.kind != "scalar":
            return reader.error(node, path, _("expected one of {options}, found {found}", options=", ".join(names), found=describe(node)), "")
        value = str(node.value).strip()
        if value in names:
            return value
        suggestion = (aliases or {}).get(value.casefold())
        if suggestion is None:
            close = difflib.get_close_matches(value, names, n=1, cutoff=0.5)
            suggestion = close[0] if close else None
        options = ", ".join(names)
        hint = (_("did you mean '{suggestion}'? write one of: {options}", suggestion=suggestion, options=options) if suggestion
                else _("write one of: {options}", options=options))
        return reader.error(node, path, _("'{value}' is not one of {options}", value=value, options=options), hint)

    return convert


def boolean(reader: Reader, node: Y, path: str) -> Any:
    value = str(node.value).strip().casefold() if node.kind == "scalar" else None
    if value in ("true", "yes", "on"):
        return True
    if value in ("false", "no", "off"):
        return False
    return reader.error(node, path, _("expected true or false, found {found}", found=describe(node)), _("write true or false"))


_TIME = re.compile(r"^(?:(?:(\d+):)?(\d{1,2}):)?(\d+(?:\.\d+)?)\s*(s|sec|seconds?)?$")


def parse_time(value: str) -> float | None:
    """Seconds from '90', '4.5', '12s', '01:30', '0:01:30.5'; None when it is none of those."""
    match = _TIME.match(value.strip())
    if not match:
        return None
    hours, minutes, seconds, unit = match.groups()
    if unit and (hours or minutes):
        return None
    if minutes is not None and float(seconds) >= 60:
        return None
    return int(hours or 0) * 3600 + int(minutes or 0) * 60 + float(seconds)


def format_time(seconds: float) -> str:
    """mm:ss (or mm:ss.s when not whole), as teachers write clip times."""
    minutes, rest = divmod(seconds, 60)
    if abs(rest - round(rest)) < 0.05:
        return f"{int(minutes):02d}:{int(round(rest)):02d}"
    return f"{int(minutes):02d}:{rest:04.1f}"


def duration(minimum: float = 0.0, maximum: float = 0.0) -> Callable[[Reader, Y, str], Any]:
    def convert(reader: Reader, node: Y, path: str) -> Any:
        seconds = parse_time(str(node.value)) if node.kind == "scalar" else None
        if seconds is None:
            return reader.error(node, path, _("'{value}' is not a time", value=node.value if node.kind == "scalar" else describe(node)),
                                _("write seconds (4.5) or minutes:seconds (01:30)"))
        if seconds < minimum:
            return reader.error(node, path, _("{value} s is shorter than the minimum {min} s", value=f"{seconds:g}", min=f"{minimum:g}"),
                                _("make it at least {min} seconds", min=f"{minimum:g}"))
        if maximum and seconds > maximum:
            return reader.error(node, path, _("{value} s is longer than the maximum {max} s", value=f"{seconds:g}", max=f"{maximum:g}"),
                                _("make it at most {max} seconds", max=f"{maximum:g}"))
        return seconds

    return convert


def number(minimum: float, maximum: float, integer: bool = False) -> Callable[[Reader, Y, str], Any]:
    def convert(reader: Reader, node: Y, path: str) -> Any:
        try:
            value = (int if integer else float)(str(node.value)) if node.kind == "scalar" else None
        except ValueError:
            value = None
        bounds = {"min": f"{minimum:g}", "max": f"{maximum:g}"}
        hint = _("write a whole number from {min} to {max}", **bounds) if integer else _("write a number from {min} to {max}", **bounds)
        if value is None:
            found = describe(node)
            return reader.error(node, path, _("expected a whole number, found {found}", found=found) if integer
                                else _("expected a number, found {found}", found=found), hint)
        if not minimum <= value <= maximum:
            return reader.error(node, path, _("{value} is outside {min} to {max}", value=f"{value:g}", **bounds), hint)
        return value

    return convert


_COLOR = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")


COLOR_WHEN_EMPTY = N_("in YAML '#' starts a comment, so a colour must be in quotes, e.g. \"#1a5fb4\"")


def color(reader: Reader, node: Y, path: str) -> Any:
    value = str(node.value).strip() if node.kind == "scalar" else ""
    if node.kind == "scalar" and not value:
        return reader.error(node, path, _("is empty"), _(COLOR_WHEN_EMPTY))
    if not _COLOR.match(value):
        return reader.error(node, path, _("'{value}' is not a colour", value=value or describe(node)), _("write it as hex in quotes, e.g. \"#1a5fb4\""))
    if len(value) == 4:
        value = "#" + "".join(c * 2 for c in value[1:])
    return value.lower()


def lesson_file(root: Path, must_exist: bool = True, kinds: str = "") -> Callable[[Reader, Y, str], Any]:
    """A path inside the lesson folder, written relative to it; returned as a posix string."""

    def convert(reader: Reader, node: Y, path: str) -> Any:
        if node.kind != "scalar" or not str(node.value).strip():
            return reader.error(node, path, _("expected a file path"), _("write a path inside the lesson folder, e.g. media/intro.mp4"))
        return check_inside(reader, node, path, root, str(node.value).strip(), must_exist, kinds)

    return convert


# one sentence per kind of file, so that each language can say "the video file" its own way
_COPY_INTO_MEDIA = {
    "": N_("copy the file into the lesson's media/ folder and write media/<name>"),
    "image": N_("copy the image file into the lesson's media/ folder and write media/<name>"),
    "video": N_("copy the video file into the lesson's media/ folder and write media/<name>"),
    "audio": N_("copy the audio file into the lesson's media/ folder and write media/<name>"),
}
_COPY_INTO_MEDIA_LIKE = {
    "": N_("copy the file into the lesson's media/ folder and write a path like media/<name>"),
    "image": N_("copy the image file into the lesson's media/ folder and write a path like media/<name>"),
    "video": N_("copy the video file into the lesson's media/ folder and write a path like media/<name>"),
    "audio": N_("copy the audio file into the lesson's media/ folder and write a path like media/<name>"),
}


def check_inside(reader: Reader, node: Y | None, path: str, root: Path, value: str, must_exist: bool = True, kinds: str = "") -> Any:
    """Check that ``value`` names a file inside ``root``; report why not. Used for YAML and markdown."""
    if "://" in value or value.startswith(("data:", "\\\\")):
        return reader.error(node, path, _("'{value}' is not a file in the lesson folder", value=value),
                            _(_COPY_INTO_MEDIA[kinds]))
    pure = PurePosixPath(value.replace("\\", "/"))
    if pure.is_absolute() or ".." in pure.parts:
        return reader.error(node, path, _("'{value}' leaves the lesson folder", value=value),
                            _(_COPY_INTO_MEDIA_LIKE[kinds]))
    target = root / pure
    try:
        resolved = target.resolve(strict=False)
        inside = resolved.is_relative_to(root.resolve())
    except (OSError, RuntimeError):
        inside = False
    if not inside:
        return reader.error(node, path, _("'{value}' leads outside the lesson folder (through a link)", value=value),
                            _("copy the file itself into the lesson's media/ folder instead of linking to it"))
    if must_exist and not target.is_file():
        siblings = sorted(p.name for p in target.parent.iterdir()) if target.parent.is_dir() else []
        close = difflib.get_close_matches(target.name, siblings, n=1, cutoff=0.6)
        hint = (_("did you mean '{suggestion}'?", suggestion=(pure.parent / close[0]).as_posix()) if close
                else _("put the file at {path} or fix the path", path=f"{root.name}/{pure.as_posix()}"))
        if target.is_dir():
            return reader.error(node, path, _("'{value}' is a folder, not a file", value=value), _("name a file inside it"))
        return reader.error(node, path, _("file '{value}' does not exist", value=value), hint)
    return pure.as_posix()
