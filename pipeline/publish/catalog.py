"""The catalog partner schools browse: a static site next to the bundles, and JSON and Atom feeds.

Made from the ledger's current publications of one target (never from the build folder), so it
lists exactly what is published there. Pure: ``render`` returns {relative path: bytes}; the same
ledger gives the same bytes. Plain HTML and CSS, no JavaScript, nothing from elsewhere; templates in
templates/catalog/. A lesson published with its video (publish/watch.py) is watched in the page: the
browser's own player, the WebVTT captions as a track, and the cards as pictures described by their text.
"""
from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from pipeline.i18n import N_, _, use_language
from pipeline.publish.config import Site

LANGUAGES = {"en": "English", "ru": "Русский", "ko": "한국어"}
JSON_FEED = "feed.json"
ATOM_FEED = "feed.atom"


def slugify(text: str) -> str:
    """A file name for a rubric or tag in any script: words kept, everything else becomes '-'."""
    return re.sub(r"[\W_]+", "-", text.casefold()).strip("-") or "untitled"


def duration_text(seconds: float) -> str:
    total = round(seconds)
    return f"{total // 60}:{total % 60:02d}"


def size_text(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB" if size >= 100_000 else f"{max(1, round(size / 1000))} kB"


@dataclass(frozen=True)
class Group:
    kind: str  # "rubric" | "language" | "tag"
    key: str  # file name without .html
    label: str
    lessons: tuple[dict, ...]

    @property
    def href(self) -> str:
        return f"{self.kind}/{quote(self.key)}.html"


def _groups(entries: list[dict]) -> dict[str, list[Group]]:
    found: dict[str, dict[str, list]] = {"rubric": defaultdict(list),
                                         "language": defaultdict(list), "tag": defaultdict(list)}
    labels: dict[tuple[str, str], str] = {}
    for entry in entries:
        meta = entry["meta"]
        pairs = [("rubric", meta["rubric"]), ("language", meta["language"])] + [("tag", t) for t in meta["tags"]]
        for kind, value in pairs:
            key = value if kind == "language" else slugify(value)
            labels.setdefault((kind, key), LANGUAGES.get(value, value) if kind == "language" else value)
            if entry not in found[kind][key]:
                found[kind][key].append(entry)
    return {kind: [Group(kind, key, labels[(kind, key)], tuple(found[kind][key])) for key in sorted(found[kind],
            key=lambda k: (labels[(kind, k)].casefold(), k))]
            for kind in found}


def _absolute(base: str, rel: str) -> str:
    return f"{base.rstrip('/')}/{quote(rel)}" if base else quote(rel)


def render(entries: list[dict], site: Site, base_url: str = "", templates: Path | None = None) -> dict[str, bytes]:
    """Every catalog file for these publications (ledger entries with their "meta").

    ``base_url`` (the target's public URL) makes the feeds' links absolute; without it they are
    relative to the feed, which readers resolve against the address they fetched it from.
    """
    from pipeline.templates import default_templates, environment

    env = environment((templates or default_templates()) / "catalog")
    lessons = sorted(entries, key=lambda e: (e["meta"]["title"].casefold(), e["lesson"]))
    groups = _groups(lessons)
    common = {"site": site, "groups": groups, "languages": LANGUAGES, "duration": duration_text, "size": size_text,
              "quote": quote,
              "json_feed": JSON_FEED, "atom_feed": ATOM_FEED, "slugify": slugify}
    # the site's pages speak the site's language; a language's page speaks that language
    with use_language(site.language):
        files: dict[str, bytes] = {
            "index.html": env.get_template("index.html.j2").render(root="", lessons=lessons, heading=site.title, current=None,
                                                                   page_language=site.language, **common).encode(),
            "style.css": env.get_template("style.css").render().encode(),
        }
    names = {"rubric": N_("Rubric: {name}"), "language": N_("Language: {name}"), "tag": N_("Tag: {name}")}
    for kind, listed in groups.items():
        for group in listed:
            page_language = group.key if kind == "language" and group.key in LANGUAGES else site.language
            with use_language(page_language):
                html = env.get_template("index.html.j2").render(root="../", lessons=list(group.lessons), heading=_(names[kind], name=group.label),
                                                                current=group, page_language=page_language, **common)
            files[f"{kind}/{group.key}.html"] = html.encode()
    newest = sorted(entries, key=lambda e: (e["time"], e["lesson"]), reverse=True)
    files[JSON_FEED] = _json_feed(newest, site, base_url)
    updated = newest[0]["time"] if newest else "1970-01-01T00:00:00Z"
    with use_language(site.language):
        files[ATOM_FEED] = env.get_template("feed.atom.j2").render(site=site, lessons=newest, updated=updated, base=base_url, absolute=_absolute,
                                                                    atom_feed=ATOM_FEED, duration=duration_text).encode()
    return files


def _json_feed(entries: list[dict], site: Site, base: str) -> bytes:
    """JSON Feed 1.1 (https://jsonfeed.org/version/1.1); lesson facts under the "_microlearn" extension."""
    items = []
    for entry in entries:
        meta = entry["meta"]
        items.append({
            "id": f"urn:microlearn:{entry['lesson']}:v{entry['version']}:{entry['digest']}",
            "url": _absolute(base, "index.html") + f"#{entry['lesson']}",
            "title": meta["title"],
            "summary": "; ".join(meta.get("objectives", [])),
            "image": _absolute(base, meta["thumbnail"]),
            "date_published": entry["time"],
            "language": meta["language"],
            "tags": list(meta["tags"]),
            "authors": [{"name": f"{a['name']} ({a['school']})" if a.get("school") else a["name"]} for a in meta["authors"]],
            "attachments": [{"url": _absolute(base, meta["bundle"]), "mime_type": "application/zip",
                             "size_in_bytes": meta["bytes"]}],
            "_microlearn": {"slug": entry["lesson"],
                            "version": entry["version"], "digest": entry["digest"], "rubric": meta["rubric"],
                            "school": meta["school"], "licence": meta["licence"],
                            "duration": meta["duration"], "sha256": entry["sha256"]},
        })
    document = {"version": "https://jsonfeed.org/version/1.1", "title": site.title,
                "description": site.description, "items": items}
    if base:
        document["home_page_url"] = _absolute(base, "index.html")
        document["feed_url"] = _absolute(base, JSON_FEED)
    return (json.dumps(document, indent=1, ensure_ascii=False, sort_keys=True) + "\n").encode()
