"""Lesson folder names: Latin a-z, digits and dashes, and a suggestion when a teacher writes one in
Cyrillic or Hangul (``мой-урок`` -> ``moj-urok``, ``첫-수업`` -> ``cheot-sueop``).

Two small tables instead of a dependency: the names only need to be readable and stable, and the
general transliterators either drop Hangul or spell it in ways no Korean teacher would recognise.
Russian follows the scientific transliteration teachers see in library catalogues; Korean follows
the Revised Romanization, syllable by syllable (no sound-change rules across syllables).
"""
from __future__ import annotations

import re
import unicodedata

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")

_RU = dict(zip(
    "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
    ["a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "j", "k", "l", "m", "n", "o", "p", "r", "s", "t", "u", "f",
     "kh", "c", "ch", "sh", "shch", "", "y", "", "e", "yu", "ya"],
))
# Revised Romanization of Korean: initial consonants, vowels and final consonants of a syllable block
_KO_INITIAL = ["g", "kk", "n", "d", "tt", "r", "m", "b", "pp", "s", "ss", "", "j", "jj", "ch", "k", "t", "p", "h"]
_KO_VOWEL = ["a", "ae", "ya", "yae", "eo", "e", "yeo", "ye", "o", "wa", "wae", "oe", "yo", "u", "wo", "we", "wi",
             "yu", "eu", "ui", "i"]
_KO_FINAL = ["", "k", "k", "k", "n", "n", "n", "t", "l", "k", "m", "l", "l", "l", "p", "l", "m", "p", "p", "t", "t",
             "ng", "t", "t", "k", "t", "p", "t"]


def _hangul(char: str) -> str | None:
    index = ord(char) - 0xAC00
    if not 0 <= index < 11172:
        return None
    initial, rest = divmod(index, 588)
    vowel, final = divmod(rest, 28)
    return _KO_INITIAL[initial] + _KO_VOWEL[vowel] + _KO_FINAL[final]


def transliterate(text: str) -> str:
    """Latin letters for Cyrillic and Hangul; other letters lose their accents; the rest is kept."""
    out = []
    for char in text.casefold():
        if char in _RU:
            out.append(_RU[char])
        elif (korean := _hangul(char)) is not None:
            out.append(korean)
        else:
            out.append(unicodedata.normalize("NFKD", char).encode("ascii", "ignore").decode() or char)
    return "".join(out)


def suggest_slug(name: str) -> str | None:
    """A valid folder name close to ``name``, or None when nothing usable is left of it, or when the
    name is a path (``../x``, ``a/b``): that is refused as it is, never turned into a suggestion."""
    if "/" in name or "\\" in name or name.startswith("."):
        return None
    slug = re.sub(r"[^a-z0-9]+", "-", transliterate(name)).strip("-")
    return slug if slug and SLUG.match(slug) and slug != name else None
