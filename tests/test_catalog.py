"""The catalog on its own: rendered from ledger entries, read in Chromium with JavaScript off, the
feeds read with lxml and json. (tests/test_publish.py checks it after real publications.)"""
from __future__ import annotations

import json

import pytest
from conftest import make_image
from lxml import etree

from pipeline.publish.catalog import render, slugify
from pipeline.publish.config import Site

ATOM = {"a": "http://www.w3.org/2005/Atom"}


def _entry(slug: str, title: str, language: str, rubric: str, tags: list[str], time: str, school: str = "Lyceum 1") -> dict:
    return {
        "lesson": slug, "version": "2", "digest": "ab" * 32, "target": "share", "time": time, "sha256": "cd" * 32,
        "approval": {"reviewer": "Boris Reviewer", "file": f"approvals/{slug}.json", "sha256": "ef" * 32},
        "meta": {"title": title, "language": language, "rubric": rubric, "tags": tags, "school": school, "licence": "CC-BY-4.0",
                 "authors": [{"name": "Anna Petrova", "school": school}], "objectives": ["One idea per video"], "duration": 75.4,
                 "bundle": f"bundles/{slug}-v2.zip", "thumbnail": f"thumbnails/{slug}-v2.jpg", "bytes": 1_234_567},
    }


ENTRIES = [
    _entry("phone-video", 'Phone <video> & "light"', "en", "Teacher craft", ["video", "phone"], "2026-11-20T10:00:00Z"),
    _entry("rubriki", "Рубрики школьной страницы", "ru", "Школьная страница", ["соцсети"], "2026-11-21T09:30:00Z", "Школа 5"),
    _entry("saengseong", "수업 영상 만들기", "ko", "Teacher craft", ["video"], "2026-11-22T08:00:00Z", "경기 중학교"),
]
SITE = Site("Network lessons", "Shared by the schools of the network")


@pytest.fixture
def site(tmp_path):
    """The rendered catalog written to a folder, with real thumbnails and stand-in bundle files."""
    for rel, data in render(ENTRIES, SITE).items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_bytes(data)
    for entry in ENTRIES:
        make_image(tmp_path / entry["meta"]["thumbnail"], size="320x180")
        (tmp_path / entry["meta"]["bundle"]).parent.mkdir(exist_ok=True)
        (tmp_path / entry["meta"]["bundle"]).write_bytes(b"PK\x05\x06" + bytes(18))  # an empty zip
    return tmp_path


def test_same_ledger_same_bytes():
    assert render(ENTRIES, SITE) == render(list(reversed(ENTRIES)), SITE)


def test_pages_for_every_rubric_language_and_tag():
    files = render(ENTRIES, SITE)
    assert sorted(files) == sorted([
        "index.html", "style.css", "feed.json", "feed.atom",
        "rubric/teacher-craft.html", "rubric/школьная-страница.html",
        "language/en.html", "language/ko.html", "language/ru.html",
        "tag/phone.html", "tag/video.html", "tag/соцсети.html",
    ])
    assert slugify("  Teacher  craft!") == "teacher-craft" and slugify("수업 영상") == "수업-영상"


def test_titles_are_text_not_markup():
    index = render(ENTRIES, SITE)["index.html"].decode()
    assert "Phone &lt;video&gt; &amp; &#34;light&#34;" in index
    assert "<video>" not in index and "<script" not in index


def test_browsing_without_javascript(site, browser_page):
    context = browser_page.context.browser.new_context(java_script_enabled=False)
    page = context.new_page()
    failed = []
    page.on("requestfailed", lambda r: failed.append(r.url))
    page.goto((site / "index.html").as_uri())
    articles = page.locator("article.lesson")
    assert articles.count() == 3
    assert articles.locator("h2").all_inner_texts() == ['Phone <video> & "light"', "Рубрики школьной страницы", "수업 영상 만들기"]
    ko = page.locator("article#saengseong")
    assert ko.locator(".language").inner_text() == "한국어"
    assert ko.locator(".school").inner_text() == "경기 중학교"
    assert ko.locator(".duration").inner_text() == "1:15"
    assert ko.locator(".licence").inner_text() == "CC-BY-4.0"
    assert ko.locator("a.bundle").inner_text() == "Download the bundle: 수업 영상 만들기 (zip, 1.2 MB)"
    assert ko.locator("img").get_attribute("alt") == "Thumbnail of the lesson “수업 영상 만들기”"
    page.locator("nav .browse-rubric a", has_text="Teacher craft").click()
    assert page.locator("h1").inner_text() == "Rubric: Teacher craft"
    assert page.locator("article.lesson h2").all_inner_texts() == ['Phone <video> & "light"', "수업 영상 만들기"]
    assert page.locator("nav [aria-current=page]").inner_text() == "Teacher craft"
    page.locator("nav .browse-tag a", has_text="соцсети").click()
    assert page.locator("h1").inner_text() == "Tag: соцсети"
    assert page.locator("article.lesson h2").all_inner_texts() == ["Рубрики школьной страницы"]
    page.locator("header a").click()
    assert page.locator("h1").inner_text() == "Network lessons"
    assert failed == []
    context.close()


@pytest.mark.media
def test_atom_feed_newest_first(site):
    feed = etree.parse(str(site / "feed.atom")).getroot()
    assert feed.tag == "{http://www.w3.org/2005/Atom}feed"
    assert feed.findtext("a:title", namespaces=ATOM) == "Network lessons"
    assert feed.findtext("a:updated", namespaces=ATOM) == "2026-11-22T08:00:00Z"
    entries = feed.findall("a:entry", ATOM)
    assert [e.findtext("a:title", namespaces=ATOM) for e in entries] == ["수업 영상 만들기", "Рубрики школьной страницы", 'Phone <video> & "light"']
    for entry in entries:
        assert entry.findtext("a:id", namespaces=ATOM).startswith("urn:microlearn:")
        assert entry.findtext("a:author/a:name", namespaces=ATOM) == "Anna Petrova"
        enclosure = entry.find("a:link[@rel='enclosure']", ATOM)
        assert (site / enclosure.get("href")).is_file() and enclosure.get("length") == "1234567"
    assert [c.get("term") for c in entries[1].findall("a:category", ATOM)] == ["Школьная страница", "соцсети"]


def test_json_feed_with_absolute_links():
    feed = json.loads(render(ENTRIES, SITE, "https://lessons.example.org/")["feed.json"])
    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    assert feed["feed_url"] == "https://lessons.example.org/feed.json"
    first = feed["items"][0]
    assert first["title"] == "수업 영상 만들기" and first["language"] == "ko"
    assert first["attachments"] == [{"url": "https://lessons.example.org/bundles/saengseong-v2.zip", "mime_type": "application/zip",
                                     "size_in_bytes": 1234567}]
    assert first["image"] == "https://lessons.example.org/thumbnails/saengseong-v2.jpg"
    assert first["_microlearn"]["rubric"] == "Teacher craft"


def test_empty_catalog_says_so():
    files = render([], SITE)
    assert "No lessons are published yet." in files["index.html"].decode()
    assert json.loads(files["feed.json"])["items"] == []
    assert etree.fromstring(files["feed.atom"]).findall("a:entry", ATOM) == []
