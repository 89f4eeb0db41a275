"""The validated lesson: frozen dataclasses every stage reads. Nothing here touches the disk."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pipeline.house import HOUSE
from pipeline.lesson.quiz import Quiz

LANGUAGES = {"en": "English", "ru": "Russian", "ko": "Korean"}
DEFAULT_VOICES = {"en": "en-us", "ru": "ru", "ko": "ko"}  # espeak-ng voices, when lesson.yaml names none


def voice_for(language: str, override: str = "") -> str:
    """The espeak-ng voice that speaks a lesson: its ``voice:``, else its language's default."""
    return override or DEFAULT_VOICES[language]

# Output formats by their aspect; the house format of docs/lesson-format.md.
FORMATS = HOUSE.video_sizes
FORMAT_NAMES = {"16:9": "landscape", "9:16": "portrait"}

LICENCES = (
    "CC-BY-4.0",
    "CC-BY-SA-4.0",
    "CC-BY-NC-4.0",
    "CC-BY-NC-SA-4.0",
    "CC-BY-ND-4.0",
    "CC-BY-NC-ND-4.0",
    "CC0-1.0",
    "all-rights-reserved",
)


@dataclass(frozen=True)
class Author:
    name: str
    school: str = ""
    email: str = ""


@dataclass(frozen=True)
class School:
    name: str = ""
    logo: str = ""  # path inside the lesson folder, posix
    colors: tuple[tuple[str, str], ...] = ()  # (role, "#rrggbb") pairs: background, text, accent
    sting: str = ""  # a short sound (posix path inside the lesson folder) heard over the intro and outro
    intro: float = 0.0  # seconds of the school's intro (logo on its colours) before the lesson; 0: none
    outro: float = 0.0  # seconds of the school's outro after the lesson; 0: none

    def color(self, role: str) -> str | None:
        return dict(self.colors).get(role)

    @property
    def branded(self) -> bool:
        """Whether the video carries the school's intro, outro or sting (lesson/branding.py)."""
        return bool(self.intro or self.outro)


@dataclass(frozen=True)
class Music:
    """A music bed under the narration (``music:`` in lesson.yaml), ducked while anyone speaks."""

    file: str  # posix path inside the lesson folder
    licence: str  # required: recorded in the manifest, shown in the review report
    credit: str = ""  # title, author, source: what the licence asks to be named
    level: float = -8.0  # dB of the bed against the narration, heard in the pauses (lesson/branding.py)


@dataclass(frozen=True)
class ImageRef:
    """An image a card shows, as written in the script."""

    path: str  # posix path inside the lesson folder
    alt: str
    line: int
    col: int


@dataclass(frozen=True)
class Section:
    """One card of the script: its heading, card markdown and the narration spoken with it."""

    id: str
    title: str
    body: str
    narration: str
    line: int  # line of the heading in the script file
    images: tuple[ImageRef, ...] = ()
    quiz: Quiz | None = None  # a knowledge check: the card asks this question (lesson/quiz.py)


@dataclass(frozen=True)
class TitleCard:
    subtitle: str = ""
    duration: float = 4.0
    kind: str = "title"


@dataclass(frozen=True)
class Clip:
    file: str  # posix path inside the lesson folder
    start: float = 0.0
    end: float | None = None
    says: str = ""  # what is spoken in the clip, for captions
    kind: str = "clip"


@dataclass(frozen=True)
class CardSlide:
    section: str  # a Section id
    audio: str = ""  # recorded narration inside the lesson folder; empty: synthesised
    duration: float | None = None  # shortest hold; required when the section has no narration
    kind: str = "card"


@dataclass(frozen=True)
class EndCard:
    credits: tuple[str, ...] = ()
    duration: float = 5.0
    kind: str = "end"


SequenceItem = TitleCard | Clip | CardSlide | EndCard


@dataclass(frozen=True)
class CaptionAcceptance:
    """A caption rule break the lesson accepts (``captions.accept``): the rule, the cue named by
    its first words (``cue``) or by a time inside it (``at``, seconds of the video), and why."""

    rule: str
    reason: str
    cue: str = ""
    at: float | None = None
    line: int = 0  # of lesson.yaml, for messages

    def matches(self, rule: str, text: str, start: float, end: float) -> bool:
        if rule != self.rule:
            return False
        if self.at is not None:
            return start - 1e-6 <= self.at <= end + 1e-6
        return " ".join(text.split()).startswith(" ".join(self.cue.split()))

    def names(self) -> str:
        """How the lesson names the cue, for the reviewer."""
        return f'the cue at {self.at:g} s' if self.at is not None else f'the cue "{self.cue}"'


@dataclass(frozen=True)
class CaptionSettings:
    """Per-lesson overrides of the language's caption rules (None keeps the language default).

    ``max_line_chars``, ``max_lines`` and ``max_cps`` may go either way (portals differ);
    ``min_duration``, ``max_duration`` and ``min_gap_frames`` may only be made stricter than the
    Netflix guide's 5/6 s, 7 s and 2 frames (the loader's bounds say so)."""

    children: bool = False
    max_line_chars: int | None = None
    max_lines: int | None = None
    max_cps: float | None = None
    burn_in: tuple[str, ...] | None = None  # formats that get open captions; None: the 9:16 video
    min_duration: float | None = None
    max_duration: float | None = None
    min_gap_frames: int | None = None
    accept: tuple[CaptionAcceptance, ...] = ()


@dataclass(frozen=True)
class Lesson:
    slug: str
    root: Path
    title: str
    language: str
    authors: tuple[Author, ...]
    rubric: str
    tags: tuple[str, ...]
    licence: str
    objectives: tuple[str, ...]
    audience: str
    formats: tuple[str, ...]
    max_duration: float
    sequence: tuple[SequenceItem, ...]
    sections: tuple[Section, ...]
    script: str = "script.md"
    narration: str = "synthesised"  # or "recorded"
    voice: str = ""
    theme: str = "classic"
    school: School = field(default_factory=School)
    version: str = "1"
    captions: CaptionSettings = field(default_factory=CaptionSettings)
    mastery: int = 80  # percent of the questions answered right that passes (SCORM masteryscore)
    music: Music | None = None

    @property
    def quizzes(self) -> tuple[Section, ...]:
        """The sections that ask a question, in the order the sequence shows them."""
        shown = [item.section for item in self.sequence if isinstance(item, CardSlide)]
        return tuple(self.section(s) for s in shown if self.section(s).quiz is not None)

    def section(self, section_id: str) -> Section:
        for section in self.sections:
            if section.id == section_id:
                return section
        raise KeyError(section_id)

    @property
    def school_name(self) -> str:
        """The school the lesson comes from (catalog, manifest): ``school.name``, else the first
        author's school. ``school`` itself stays what the cards show."""
        return self.school.name or next((a.school for a in self.authors if a.school), "")


def lesson_label(root: Path) -> str:
    """How a lesson's files are named in messages: relative to the working folder when possible."""
    try:
        return Path(root).resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return str(root)
