"""Messages in the reader's language: en, ru and ko, from gettext catalogs (pipeline/locale/).

Two languages matter at once. The *interface language* is the person's: the CLI, validation messages
and hints follow ``--lang``, ``MICROLEARN_LANG`` or the locale (``LANGUAGE``, ``LC_ALL``,
``LC_MESSAGES``, ``LANG``). The *lesson's language* is the audience's: the report, the player and
the catalog pages are written in it, whoever builds them. ``use_language`` switches the current
thread (a context variable) while such an output is made; ``set_language`` sets the interface
language for the whole process.

``_("unknown key '{key}'", key=key)`` translates, then fills the named placeholders, and returns a
``Text``: a ``str`` that also remembers its English template, so ``--json`` can carry a stable code
beside the translated words. ``N_`` only marks a string for extraction (module constants, check
titles) and is translated where it is shown.
"""
from __future__ import annotations

import contextlib
import gettext
import re
from contextvars import ContextVar
from functools import lru_cache
from pathlib import Path
from typing import Iterator, Mapping

LANGUAGES = ("en", "ru", "ko")
DOMAIN = "microlearn"
LOCALE_DIR = Path(__file__).parent / "locale"

# Spellings people type for our languages: country codes, names, other scripts (suggested, never taken silently).
LANGUAGE_ALIASES = {
    "kr": "ko", "kor": "ko", "korean": "ko", "한국어": "ko", "한국": "ko",
    "rus": "ru", "russian": "ru", "русский": "ru", "ру": "ru",
    "eng": "en", "english": "en", "us": "en", "gb": "en", "uk": "en",
}

_process_language = "en"
_current: ContextVar[str | None] = ContextVar("microlearn_language", default=None)


class Text(str):
    """A translated message that keeps its English template and its values (for ``--json``)."""

    msgid: str = ""
    params: dict = {}

    @property
    def code(self) -> str:
        return message_code(self.msgid) if self.msgid else ""


def message_code(msgid: str) -> str:
    """A stable, readable code for a message: its English template's words, placeholders removed.

    "unknown key '{key}'" -> "unknown-key". It changes only when the English template changes, and
    tests pin the codes of the common mistakes so such a change is deliberate.
    """
    words = re.sub(r"\{[^{}]*\}|%\([^)]*\)s", " ", msgid)
    words = re.findall(r"[a-z0-9]+", words.casefold())
    return "-".join(words[:8])


def normalise(value: str | None) -> str | None:
    """'ru_RU.UTF-8' -> 'ru', 'ko' -> 'ko', 'C' -> 'en'; None when it names none of our languages."""
    if not value:
        return None
    code = re.split(r"[_.@-]", value.strip(), maxsplit=1)[0].casefold()
    if code in ("c", "posix"):
        return "en"
    return code if code in LANGUAGES else None


def suggest(value: str) -> str | None:
    """The language a misspelt value probably means ('kr' -> 'ko', 'Russian' -> 'ru')."""
    key = value.strip().casefold()
    return LANGUAGE_ALIASES.get(key) or normalise(key)


def locale_language(env: Mapping[str, str]) -> str:
    """The interface language from an environment (the CLI passes its own): MICROLEARN_LANG, then the
    POSIX locale variables in gettext's order."""
    explicit = normalise(env.get("MICROLEARN_LANG"))
    if explicit:
        return explicit
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(name)
        if not value:
            continue
        for part in value.split(":"):  # LANGUAGE is a priority list
            found = normalise(part)
            if found:
                return found
        if name != "LANGUAGE":
            return "en"  # the first set variable decides, as in setlocale(); an unsupported one means English
    return "en"


def set_language(language: str) -> None:
    """Set the process-wide interface language (the CLI does this once, at start)."""
    global _process_language
    _process_language = language if language in LANGUAGES else "en"


def current_language() -> str:
    return _current.get() or _process_language


@contextlib.contextmanager
def use_language(language: str) -> Iterator[None]:
    """Within the block, this thread's messages are in ``language`` (a lesson's outputs)."""
    token = _current.set(language if language in LANGUAGES else "en")
    try:
        yield
    finally:
        _current.reset(token)


@lru_cache(maxsize=None)
def translations(language: str) -> gettext.NullTranslations:
    """The compiled catalog of a language (English is the source: no catalog needed)."""
    if language == "en":
        return gettext.NullTranslations()
    return gettext.translation(DOMAIN, LOCALE_DIR, languages=[language], fallback=True)


def _fill(msgid: str, translated: str, params: dict) -> Text:
    # always formatted, like str.format: a literal brace is written {{ or }} in every message
    text = Text(translated.format(**params))
    text.msgid, text.params = msgid, params
    return text


def _(msgid: str, /, **params) -> Text:
    """Translate ``msgid`` into the current language, then fill its ``{name}`` placeholders."""
    return _fill(msgid, translations(current_language()).gettext(msgid), params)


def _n(singular: str, plural: str, n: int, /, **params) -> Text:
    """A message with a count: the plural form the current language needs for ``n`` (``{n}`` is filled)."""
    return _fill(singular, translations(current_language()).ngettext(singular, plural, n), {"n": n, **params})


def N_(msgid: str) -> str:
    """Mark a string for extraction only; translate it with ``_`` where it is shown."""
    return msgid


def jinja_env_i18n(env, language: str) -> None:
    """Give a Jinja environment the catalog of ``language`` ({% trans %}, _(), ngettext)."""
    env.add_extension("jinja2.ext.i18n")
    env.install_gettext_translations(translations(language), newstyle=True)


def catalog_digest() -> str:
    """sha256 of every compiled catalog: outputs worded from them are rebuilt when a translation changes."""
    import hashlib

    digest = hashlib.sha256()
    for path in sorted(LOCALE_DIR.glob("*/LC_MESSAGES/*.mo")):
        digest.update(path.relative_to(LOCALE_DIR).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()
