"""A Korean lesson with Korean and Russian card titles and a picture with a Korean file name: every name
inside the bundle is ASCII-safe and unique, the text itself stays in its own script, and the package
still validates as SCORM 1.2."""
from __future__ import annotations

import json
import re

import pytest
from lxml import etree

from conftest import make_image
from package_helpers import IMSCP, SAFE_NAME, build_lesson, bundle_of, scorm_schema, write_lesson, zip_entries

pytestmark = [pytest.mark.media, pytest.mark.e2e]

YAML = """\
title: "교사 크리에이터: Рубрики школы"
language: ko
authors:
  - name: 김민지
    school: 경기 초등학교
rubric: 교사 크리에이터
tags: [마이크로러닝, рубрики]
licence: CC-BY-4.0
objectives:
  - 목표를 하나로 정한다
audience: 교사
formats: ["16:9"]
version: "1"
sequence:
  - type: title
    duration: 2
  - type: card
    section: 목표는-하나만
  - type: card
    section: зачем-рубрики
  - type: end
    credits: [김민지]
    duration: 2
"""

SCRIPT = """\
# 교사 크리에이터

## 목표는 하나만

영상 하나에 목표 하나

![파란 사각형](media/사진.png)

내레이션: 영상 하나에는 목표 하나만 담습니다.

## Зачем рубрики

Рубрика — это постоянный раздел

내레이션: 루브릭은 늘 있는 코너입니다.
"""


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("names")
    folder = write_lesson(root / "content" / "kyosa", YAML, SCRIPT)
    make_image(folder / "media" / "사진.png", size="320x240")
    report = build_lesson(folder, root / "build")
    assert report.ok, report.errors
    return root, report


def test_every_name_in_the_bundle_is_ascii_safe_and_unique(built):
    root, report = built
    zip_path, manifest = bundle_of(root / "build", "kyosa")
    entries = zip_entries(zip_path)
    # the cards have Korean and Russian ids and the picture a Korean file name; the bundle names are ASCII
    cards = report.results["cards"].cards
    assert [c.id for c in cards] == ["목표는-하나만", "зачем-рубрики"]
    assert cards[0].images[0].path == "media/사진.png"
    assert all(re.fullmatch(SAFE_NAME, name) for name in entries), sorted(entries)
    assert len({name.lower() for name in entries}) == len(entries)
    cards = sorted(n for n in entries if n.startswith("cards/social/"))
    assert len(cards) == 2 and all(re.fullmatch(r"cards/social/0[12]-[0-9a-f]{8}\.png", n) for n in cards), cards
    [picture] = [n for n in entries if n.startswith("media/")]
    assert re.fullmatch(r"media/[0-9a-f]{8}\.png", picture)
    assert {f["path"] for f in manifest["files"]} == set(entries) - {"manifest.json"}
    assert manifest["lesson"]["title"] == "교사 크리에이터: Рубрики школы" and manifest["lesson"]["tags"] == ["마이크로러닝", "рубрики"]
    assert json.loads(entries["manifest.json"]) == manifest


def test_the_player_names_the_renamed_files_and_keeps_the_text(built):
    root, _ = built
    zip_path, _ = bundle_of(root / "build", "kyosa")
    entries = zip_entries(zip_path)
    page = entries["index.html"].decode("utf-8")
    html = etree.HTML(page)
    assert html.get("lang") == "ko"
    referenced = html.xpath("//img/@src | //source/@src | //track/@src | //video/@poster | //link[@rel='stylesheet']/@href | //script/@src | //a[not(starts-with(@href, '#'))]/@href")
    assert referenced and all(ref in entries for ref in referenced), [r for r in referenced if r not in entries]
    assert [h.text for h in html.xpath("//article/h3")] == ["목표는 하나만", "Зачем рубрики"]
    assert html.xpath("//track/@srclang") == ["ko"] and html.xpath("//track/@default") == [""]
    [photo] = html.xpath("//img[@class='card-image']")
    assert photo.get("alt") == "파란 사각형"
    assert html.xpath("//button[@id='next-card']/text()") == ["다음 카드"]


def test_the_package_is_valid_scorm_with_its_korean_title(built):
    root, _ = built
    zip_path, _ = bundle_of(root / "build", "kyosa")
    entries = zip_entries(zip_path)
    schema = scorm_schema()
    document = etree.fromstring(entries["imsmanifest.xml"])
    assert schema.validate(document), schema.error_log
    assert document.findtext(f"{{{IMSCP}}}organizations/{{{IMSCP}}}organization/{{{IMSCP}}}title") == "교사 크리에이터: Рубрики школы"
    assert sorted(f.get("href") for f in document.iter(f"{{{IMSCP}}}file")) == sorted(set(entries) - {"imsmanifest.xml"})
