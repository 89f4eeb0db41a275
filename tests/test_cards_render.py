"""Cards stage on real renders: sizes, languages, pixels, the fit and glyph errors, the cache."""
from __future__ import annotations

import logging
import shutil
from pathlib import Path

import numpy as np
import pytest
from conftest import make_image
from PIL import Image

from pipeline.cards import STAGE, deck
from pipeline.contracts import CardImage, Upstream
from pipeline.errors import LessonError
from pipeline.lesson.loader import load_lesson
from pipeline.stage import Context, ObjectStore, Settings

YAML = """\
title: {title}
language: {language}
authors:
  - name: {author}
rubric: {rubric}
licence: CC-BY-4.0
objectives: [{rubric}]
audience: {rubric}
formats: ["16:9", "9:16"]
theme: {theme}
sequence:
  - type: title
    subtitle: {rubric}
  - type: card
    section: {id}
    duration: 3
  - type: end
    credits: [{author}]
"""

LESSONS = {
    "en": dict(title="Record your first video", author="Anna Petrova", rubric="Teacher craft", id="steady",
               heading="Hold the phone steady",
               body="- Use **both** hands\n- Lean on a *table*\n\n> Steady beats sharp."),
    "ru": dict(title="Первое видео урока", author="Анна Петрова", rubric="Мастерство учителя", id="shtativ",
               heading="Держите телефон ровно",
               body="- Двумя **руками**\n- Обопритесь на *стол*\n\n> Ровно важнее, чем резко."),
    "ko": dict(title="첫 수업 영상 만들기", author="김민지", rubric="교사 크리에이터", id="흔들림-없이",
               heading="흔들림 없이 찍기", body="- **두 손**으로 잡기\n- 책상에 *기대기*\n\n> 선명함보다 안정감"),
}


def make_lesson(lesson_dir, language: str, theme: str = "classic",
                body: str | None = None, slug: str | None = None) -> Path:
    fields = LESSONS[language]
    card_id = fields["id"]
    header = f"## {fields['heading']} {{#{card_id}}}"
    script = f"# {fields['title']}\n\n{header}\n\n{body if body is not None else fields['body']}\n"
    return lesson_dir(yaml=YAML.format(language=language, theme=theme, **fields), script=script,
                      slug=slug or f"lesson-{language}")


def run_cards(root: Path, objects: Path, build: Path, templates: Path | None = None):
    settings = Settings(root.parent, build) if templates is None else Settings(root.parent, build, templates=templates)
    lesson = load_lesson(root, probe_media=False, templates=settings.templates)
    ctx = Context(lesson, settings, build / lesson.slug, ObjectStore(objects), Upstream(),
                  logging.getLogger("test.cards"))
    return ctx, STAGE.run(ctx)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    """One card per language (en classic, ru classic, ko chalk), built once for the module."""
    base = tmp_path_factory.mktemp("cards")

    def lesson_dir(yaml: str, script: str, slug: str) -> Path:
        folder = base / "content" / slug
        (folder / "media").mkdir(parents=True, exist_ok=True)
        (folder / "lesson.yaml").write_text(yaml, encoding="utf-8")
        (folder / "script.md").write_text(script, encoding="utf-8")
        return folder

    results = {}
    for language, theme in (("en", "classic"), ("ru", "classic"), ("ko", "chalk")):
        root = make_lesson(lesson_dir, language, theme)
        results[language] = run_cards(root, base / "objects", base / "build")
    return results


SIZES = {"social": (1080, 1350), "square": (1080, 1080), "16:9": (1920, 1080), "9:16": (1080, 1920)}


@pytest.mark.parametrize("language", ["en", "ru", "ko"])
def test_every_size_is_rendered_in_every_language(rendered, language):
    ctx, result = rendered[language]
    card = result.cards[0]
    assert Image.open(ctx.out / card.social).size == SIZES["social"]
    assert Image.open(ctx.out / card.square).size == SIZES["square"]
    for fmt, folder in (("16:9", "16x9"), ("9:16", "9x16")):
        slides = result.slides[fmt]
        assert slides.title == f"slides/{folder}/00-title.png" and slides.end == f"slides/{folder}/99-end.png"
        for rel in (slides.title, slides.end, *slides.cards.values()):
            with Image.open(ctx.out / rel) as image:
                assert image.size == SIZES[fmt] and image.mode == "RGB"
    assert (ctx.out / "cards/handout.pdf").read_bytes().startswith(b"%PDF")
    assert all(Path(a.path).as_posix().isascii() for a in result.artifacts)
    assert {c.id: c.passed for c in result.checks} == {
        "cards.glyphs": True, "cards.contrast": True, "cards.fit": True,
                                                       "cards.font-size": True, "cards.alt-text": True}


def test_card_data_follows_the_contract(rendered):
    _, result = rendered["ko"]
    card = result.cards[0]
    assert card.id == "흔들림-없이" and card.title == "흔들림 없이 찍기"
    assert card.social == "cards/social/01-" + __import__("hashlib").sha256("흔들림-없이".encode()).hexdigest()[:8] + ".png"
    assert card.text == "두 손으로 잡기\n책상에 기대기\n선명함보다 안정감"
    assert "<strong>두 손</strong>" in card.html and card.images == ()
    assert result.handout == "cards/handout.pdf"
    assert set(result.slides) == {"16:9", "9:16"}


@pytest.mark.parametrize("rel, paper_mm", [("cards/handout.pdf", (210, 297)), ("cards/handout-letter.pdf", (215.9, 279.4))])
def test_the_handouts_are_a4_and_us_letter_with_real_text(rendered, rel, paper_mm):
    import pypdfium2 as pdfium

    from pipeline.cards.paper import MARGIN

    ctx, result = rendered["ru"]
    assert rel in result.handouts.values() and rel in [a.path for a in result.artifacts if a.kind == "handout"]
    data = (ctx.out / rel).read_bytes()
    from pipeline.cards.paper import on_paper

    again = on_paper((ctx.out / result.handouts["a4"]).read_bytes(), "a4")
    assert on_paper((ctx.out / result.handouts["a4"]).read_bytes(), "a4") == again  # same input, same bytes (pdfium's random /ID is replaced)
    document = pdfium.PdfDocument(data)
    try:
        assert len(document) == 3  # title, the card, end
        for page in document:
            width, height = page.get_size()
            assert (round(width / 72 * 25.4, 1), round(height / 72 * 25.4, 1)) == paper_mm
            left, bottom, right, top = page.get_bbox()
            assert (left, bottom, right, top) == (0, 0, width, height)
            # the drawn content stays inside the margin: rendered pixels at the sheet's edge are white
            bitmap = page.render(scale=0.5).to_numpy()
            edge = int(MARGIN * 0.5) - 2
            assert (bitmap[:edge] == 255).all() and (bitmap[-edge:] == 255).all()
            assert (bitmap[:, :edge] == 255).all() and (bitmap[:, -edge:] == 255).all()
        text = document[1].get_textpage().get_text_range()
        assert "Держите телефон ровно" in " ".join(text.split()), text
        assert document.get_metadata_dict()["Title"] == LESSONS["ru"]["title"]
    finally:
        document.close()


def text_area(path: Path, box=(96, 190, 990, 700)) -> np.ndarray:
    return np.asarray(Image.open(path).convert("L").crop(box), dtype=np.int16)


def test_text_area_has_text_and_differs_between_languages(rendered):
    areas = {language: text_area(ctx.out / result.cards[0].social) for language, (ctx, result) in rendered.items()}
    for language, area in areas.items():
        # text: many pixels far from the background, in both directions of the histogram
        background = np.median(area)
        assert (np.abs(area - background) > 100).mean() > 0.02, language
    assert np.abs(areas["en"] - areas["ru"]).mean() > 5
    assert np.abs(areas["en"] - areas["ko"]).mean() > 5


def test_glyph_check_names_file_heading_line_and_character(lesson_dir, tmp_path):
    root = make_lesson(lesson_dir, "en", body="Read more books 📚 every week")
    with pytest.raises(LessonError) as caught:
        run_cards(root, tmp_path / "objects", tmp_path / "build")
    assert str(caught.value) == (
        f"{root}/script.md:3:1: section 'steady': no font of the card has a glyph for U+1F4DA '📚' — remove it or write it in "
        "words: the card fonts (DejaVu, Nanum) have no glyph for it, and a box would be shown instead")


def test_overlong_card_fails_saying_how_much_to_cut(lesson_dir, tmp_path):
    body = "\n".join(f"- Point number {n}: keep the phone level and steady while you speak to the class" for n in range(14))
    root = make_lesson(lesson_dir, "en", body=body)
    with pytest.raises(LessonError) as caught:
        run_cards(root, tmp_path / "objects", tmp_path / "build")
    lines = str(caught.value).splitlines()
    assert len(lines) == 1
    prefix = f"{root}/script.md:3:1: section 'steady': the card text is "
    assert lines[0].startswith(prefix)
    import re

    assert re.fullmatch(r"\d+% too long for the [\w: ]+ \(\d+x\d+\): cut about \d+ characters — shorten the text or split it "
                        r"into two cards; cards never shrink text below the theme's size", lines[0][len(prefix):])
    percent, cut = map(int, re.findall(r"(\d+)% too long.*cut about (\d+)", lines[0])[0])
    assert percent > 50 and 0 < cut < len(body), lines[0]
    assert not (tmp_path / "build").exists() or not list((tmp_path / "build").rglob("*.png"))


def test_same_card_renders_to_identical_bytes(lesson_dir, tmp_path):
    root = make_lesson(lesson_dir, "ru")
    first_ctx, first = run_cards(root, tmp_path / "objects-1", tmp_path / "build-1")
    second_ctx, second = run_cards(root, tmp_path / "objects-2", tmp_path / "build-2")
    assert [(a.path, a.sha256) for a in first.artifacts] == [(a.path, a.sha256) for a in second.artifacts]


def test_only_changed_cards_are_drawn_again(lesson_dir, tmp_path, monkeypatch):
    root = make_lesson(lesson_dir, "en")
    run_cards(root, tmp_path / "objects", tmp_path / "build")
    drawn = []
    layout = deck._RENDERER.layout
    monkeypatch.setattr(deck._RENDERER, "layout", lambda html, *a, **k: drawn.append(html) or layout(html, *a, **k))
    run_cards(root, tmp_path / "objects", tmp_path / "build")
    assert drawn == []
    script = root / "script.md"
    script.write_text(script.read_text(encoding="utf-8").replace("Use **both** hands", "Use **two** hands"), encoding="utf-8")
    run_cards(root, tmp_path / "objects", tmp_path / "build")
    # the card in its four formats (social, square, 16:9, 9:16; a format may be laid out twice, to set
    # the text larger or lower when there is room); the handout then re-lays out its title and end pages
    import re

    card_layouts = [html for html in drawn if "Use <strong>two</strong> hands" in html]
    assert len(drawn) - len(card_layouts) == 2
    assert {re.search(r'<body class="(\w+)', html).group(1) for html in card_layouts} == {"social", "square", "landscape", "portrait"}


@pytest.mark.media
def test_image_on_card_and_school_logo(lesson_dir, tmp_path):
    root = make_lesson(lesson_dir, "en",
                       body="![A phone on a stack of books](media/phone.png)\n\nEyes on the upper grid line.")
    make_image(root / "media" / "phone.png", size="640x360", color="steelblue")
    make_image(root / "media" / "logo.png", size="96x96", color="darkred")
    yaml = (root / "lesson.yaml").read_text(encoding="utf-8") + 'school:\n  name: Lyceum 1\n  logo: media/logo.png\n  colors:\n    accent: "#1a5fb4"\n'
    (root / "lesson.yaml").write_text(yaml, encoding="utf-8")
    ctx, result = run_cards(root, tmp_path / "objects", tmp_path / "build")
    card = result.cards[0]
    assert card.images == (CardImage("media/phone.png", "A phone on a stack of books"),)
    social = np.asarray(Image.open(ctx.out / card.social).convert("RGB"), dtype=np.int16)
    steelblue = np.array([70, 130, 180])
    assert (np.abs(social - steelblue).sum(axis=2) < 30).mean() > 0.05  # the picture is on the card
    title = np.asarray(Image.open(ctx.out / result.slides["16:9"].title).convert("RGB"), dtype=np.int16)
    assert (np.abs(title - np.array([139, 0, 0])).sum(axis=2) < 30).sum() > 1000  # the logo on the title slide


def test_a_new_theme_is_only_files_and_its_tiny_text_is_refused(lesson_dir, tmp_path, monkeypatch):
    from pipeline.templates import default_templates

    templates = tmp_path / "templates"
    shutil.copytree(default_templates() / "themes", templates / "themes")
    shutil.copytree(templates / "themes" / "classic", templates / "themes" / "tiny")
    with open(templates / "themes" / "tiny" / "style.css", "a", encoding="utf-8") as css:
        css.write("\n.top { font-size: 20px; }\n")
    root = make_lesson(lesson_dir, "en", theme="tiny")
    with pytest.raises(LessonError) as caught:
        run_cards(root, tmp_path / "objects", tmp_path / "build", templates)
    assert str(caught.value).splitlines()[0] == (
        "templates/themes/tiny/card.html.j2: social: text 'TEACHER CRAFT' is set at 20 px, under the 30 px minimum — "
        "make it larger in the theme's stylesheet")


def test_the_theme_stylesheet_is_parsed_once_and_gives_the_same_bytes(lesson_dir, tmp_path, monkeypatch):
    """Every page laid out with the theme's stylesheet parsed once is the very page drawn with it
    parsed anew for each page (WeasyPrint's own way)."""
    import weasyprint.css

    from pipeline.cards import render
    from pipeline.cards.render import theme_sheets

    root = make_lesson(lesson_dir, "ru", "poster")
    sheets = theme_sheets()
    sheets.sheets.clear()
    parsed = sheets.parsed
    _, kept = run_cards(root, tmp_path / "kept", tmp_path / "build-kept")
    assert sheets.parsed == parsed + 1 and len(sheets.sheets) == 1  # one theme, parsed once for every page
    monkeypatch.setattr(render, "theme_sheets", lambda: None)  # WeasyPrint as it comes: a parse per page
    monkeypatch.setattr(weasyprint.css, "CSS", sheets.parse)
    _, fresh = run_cards(root, tmp_path / "fresh", tmp_path / "build-fresh")
    assert weasyprint.css.CSS is sheets.parse and sheets.parsed == parsed + 1
    assert len(kept.artifacts) > 5
    assert [(a.path, a.sha256) for a in kept.artifacts] == [(a.path, a.sha256) for a in fresh.artifacts]


def test_a_stylesheet_with_at_rules_or_outside_the_themes_is_parsed_every_time(tmp_path):
    from weasyprint.text.fonts import FontConfiguration

    from pipeline.cards.render import Fetcher, ThemeSheets, mount_url

    (tmp_path / "t").mkdir()
    (tmp_path / "t" / "plain.css").write_text(".fit { color: red }", encoding="utf-8")
    (tmp_path / "t" / "paged.css").write_text("@page { margin: 0 } .fit { color: red }", encoding="utf-8")
    (tmp_path / "lesson.css").write_text(".fit { color: red }", encoding="utf-8")
    fetcher = Fetcher({"themes": tmp_path, "lesson": tmp_path})
    calls = []

    def parse(*args, **kwargs):
        calls.append(kwargs["url"])
        return object()

    sheets = ThemeSheets(parse)

    def sheet(url: str):
        return sheets(url=url, url_fetcher=fetcher, media_type="print", font_config=FontConfiguration(),
                      _check_mime_type=True)

    plain = mount_url("themes", "t/plain.css")
    assert sheet(plain) is sheet(plain) and calls == [plain]
    paged, outside = mount_url("themes", "t/paged.css"), mount_url("lesson", "lesson.css")
    assert sheet(paged) is not sheet(paged) and sheet(outside) is not sheet(outside)
    (tmp_path / "t" / "plain.css").write_text(".fit { color: blue }", encoding="utf-8")
    assert sheet(plain) is not None and calls.count(plain) == 2  # an edited theme is parsed again
