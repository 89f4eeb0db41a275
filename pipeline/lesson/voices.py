"""The voices espeak-ng has, to check a lesson's ``voice`` before any audio is made."""
from __future__ import annotations

from pipeline.toolversions import program_version


def espeak_voices() -> frozenset[str]:
    """Every name ``espeak-ng -v`` accepts for a voice (language codes and voice files), lower case;
    empty when espeak-ng is not installed (the build then says so where it needs it)."""
    names = program_version("espeak-ng", ["--voices"], _voice_names)
    return frozenset(names) if isinstance(names, list) else frozenset()


def _voice_names(listing: str) -> list[str]:
    names = set()
    for row in listing.splitlines()[1:]:
        columns = row.split()
        if len(columns) >= 5:
            names.add(columns[1].casefold())  # language code, e.g. en-gb
            names.add(columns[4].casefold())  # voice file, e.g. gmw/en-gb
            names.add(columns[4].rsplit("/", 1)[-1].casefold())
    return sorted(names)
