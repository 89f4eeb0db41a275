"""Cards stage, pure parts: sanitising, contrast, glyph coverage, fit messages, names, themes."""
from __future__ import annotations

import pytest
from conftest import LESSON_YAML

from pipeline.cards import contrast, fonts
from pipeline.cards.fit import MIN_FONT_PX, Fit, cut_message
from pipeline.cards.markdown import card_content, keep_words, sanitise
from pipeline.cards.pages import file_stem
from pipeline.cards.render import Fetcher, mount_url
from pipeline.cards.theme import load_theme
from pipeline.errors import ConfigError
from pipeline.lesson.model import ImageRef, Section


def section(body: str, images: tuple[ImageRef, ...] = ()) -> Section:
    return Section(id="s1", title="Heading", body=body, narration="", line=3, images=images)


# -- markdown and the sanitiser ---------------------------------------------------------------

def test_sanitiser_strips_script_tags_with_their_content():
    content, problems = card_content(section("Before <script>alert('x')</script> after\n\n<script>\nsteal()\n</script>"), "s.md")
    assert problems == []
    assert "script" not in content.html and "alert" not in content.html and "steal" not in content.html
    assert "alert" not in content.text and "steal" not in content.text
    assert content.text == "Before after"


def test_sanitiser_strips_event_attributes_and_raw_images():
    body = 'Text <b onmouseover="evil()">bold</b>\n\n<img src="x" onerror="alert(1)">\n\n<p onclick="evil()">para</p>'
    content, _ = card_content(section(body), "s.md")
    assert "onerror" not in content.html and "onmouseover" not in content.html and "onclick" not in content.html
    assert "<img" not in content.html and "evil" not in content.html
    assert "<b>bold</b>" in content.html and "<p>para</p>" in content.html


def test_sanitise_keeps_only_card_tags():
    assert sanitise('<a href="javascript:x()">link</a><iframe src="http://x"></iframe><em style="color:red">e</em>') == "link<em>e</em>"


def test_card_content_lists_quote_emphasis_and_image():
    body = "Intro **bold** and *soft*.\n\n- one\n- two\n\n> a quote\n\n![A phone on a tripod](media/p.png)"
    image = ImageRef("media/p.png", "A phone on a tripod", 9, 1)
    content, problems = card_content(section(body, (image,)), "s.md")
    assert problems == []
    assert content.html == ("<p>Intro <strong>bold</strong> and "
                            "<em>soft</em>.</p>\n<ul>\n<li>one</li>\n<li>two</li>\n</ul>\n"
                            "<blockquote>\n<p>a quote</p>\n</blockquote>")
    assert content.text == "Intro bold and soft.\none\ntwo\na quote"
    assert content.images == (image,)
    assert [(r.text, r.bold, r.italic) for r in content.runs if r.bold or r.italic] == [("bold", True, False),
            ("soft", False, True)]


def test_image_without_alt_text_is_an_error():
    image = ImageRef("media/p.png", "", 5, 1)
    _, problems = card_content(section("![](media/p.png)", (image,)), "lesson/script.md")
    assert [str(p) for p in problems] == [
        "lesson/script.md:5:1: image media/p.png has no alt text — describe the picture for people who cannot see it: "
        "![a teacher holding a phone](media/photo.jpg)"]


def test_keep_words_wraps_korean_words_only():
    assert keep_words("<p>짧은 학습 (AB) 5분</p>") == '<p><span class="kw">짧은</span> <span class="kw">학습</span> (AB) <span class="kw">5분</span></p>'


# -- contrast -----------------------------------------------------------------------------

def test_contrast_ratios_match_wcag_examples():
    assert contrast.ratio("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast.ratio("#ffffff", "#ffffff") == pytest.approx(1.0)
    assert contrast.ratio("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)
    assert contrast.shown(4.4999) == "4.49"


def test_contrast_failure_message_is_pinned(lesson_dir):
    from pipeline.cards.checks import colours
    from pipeline.lesson.loader import load_lesson

    root = lesson_dir(yaml=LESSON_YAML + 'school:\n  colors:\n    text: "#777777"\n    background: "#ffffff"\n')
    lesson = load_lesson(root, probe_media=False)
    problems, measured = colours(lesson, "content/first-video", load_theme("classic"))
    assert [str(p) for p in problems][0] == (
        "content/first-video/lesson.yaml: school.colors: text colour #777777 on background colour #ffffff has a "
        "contrast of "
        "4.47:1, under the 4.5:1 WCAG 2.2 asks for card text — choose a darker text colour or a lighter background colour")
    assert measured[0] == {"text": "text", "on": "background", "ratio": 4.48, "minimum": 4.5}


@pytest.mark.parametrize("name", ["classic", "chalk"])
def test_shipped_themes_pass_their_own_contrast_pairs(name):
    theme = load_theme(name)
    failures, measured = contrast.check(theme.palette(), theme.pairs)
    assert failures == [] and measured


# -- fonts ----------------------------------------------------------------------------------

def test_fonts_cover_latin_cyrillic_and_hangul_in_every_face():
    for name in ("classic", "chalk"):
        theme = load_theme(name)
        for language, sample in (("en", "Quick fox, 90 s — “yes”"), ("ru", "Съешь же ещё этих мягких булок «ёж»"),
                                 ("ko", "다람쥐 헌 쳇바퀴에 타고파 10초")):
            font_set = theme.font_set(language)
            for role in fonts.ROLES:
                for face in fonts.FACES:
                    assert fonts.missing(sample, font_set.stack(role), face) == [], (name, language, role, face)


def test_missing_glyph_is_found_and_named():
    stack = load_theme("classic").font_set("en").body
    assert fonts.missing("Books 📚 and ✓", stack) == ["📚"]
    assert fonts.describe("📚") == "U+1F4DA '📚'"
    assert fonts.missing("zero\u200bwidth\n", stack) == []


def test_font_faces_are_declared_by_file():
    css = load_theme("classic").font_set("ko").face_css()
    assert '@font-face { font-family: "ml-nanum-gothic"; src: url("file:///' in css
    assert "NanumGothicBold.ttf\"); font-weight: 700; font-style: normal; }" in css


# -- fit, names, fetcher, themes --------------------------------------------------------------

def test_cut_message():
    fit = Fit(available=1000.0, needed=1380.0, smallest_font=40.0, smallest_text="x", pages=1)
    assert fit.overflows and MIN_FONT_PX == 30
    assert cut_message(fit, 430, "card", "square card (1080x1080)") == \
        "the card text is 38% too long for the square card (1080x1080): cut about 120 characters"


def test_file_stems_are_ascii():
    assert file_stem(1, "hold-steady") == "01-hold-steady"
    assert file_stem(2, "zachem") == "02-zachem"
    assert file_stem(3, "교사-크리에이터") == "03-" + __import__("hashlib").sha256("교사-크리에이터".encode()).hexdigest()[:8]
    stem = file_stem(4, "урок-intro")
    assert stem.startswith("04-intro-") and stem.isascii()


def test_fetcher_allows_only_lesson_theme_and_font_files(tmp_path):
    inside = tmp_path / "lesson" / "media" / "a.png"
    inside.parent.mkdir(parents=True)
    inside.write_bytes(b"png")
    outside = tmp_path / "secret.txt"
    outside.write_text("secret")
    fetcher = Fetcher({"lesson": tmp_path / "lesson"})
    assert mount_url("lesson", "media/a.png") == "file:///microlearn/lesson/media/a.png"  # no trace of where the folder is
    assert fetcher(mount_url("lesson", "media/a.png")).read() == b"png"
    for url in (inside.as_uri(), outside.as_uri(), "http://example.com/x.png", mount_url("lesson", "../secret.txt"),
                mount_url("other", "secret.txt")):
        with pytest.raises(ValueError):
            fetcher(url)
    assert len(fetcher.blocked) == 5


def test_broken_theme_is_reported_by_file(tmp_path, monkeypatch):
    themes = tmp_path / "templates" / "themes" / "plain"
    themes.mkdir(parents=True)
    (themes / "theme.yaml").write_text('colors: {background: "#fff", text: "#000000"}\nfonts: '  # "#fff" is "#ffffff"
                                       '{heading: [comic-sans], body: [dejavu-sans]}\n')
    with pytest.raises(ConfigError) as caught:
        load_theme("plain", tmp_path / "templates")
    assert str(caught.value).splitlines() == [
        "templates/themes/plain/theme.yaml: the theme has no card.html.j2 — add templates/themes/plain/card.html.j2",
        "templates/themes/plain/theme.yaml: the theme has no slide.html.j2 — add templates/themes/plain/slide.html.j2",
        "templates/themes/plain/theme.yaml:1:9: colors: the colour 'accent' is missing — add accent: \"#rrggbb\"",
        "templates/themes/plain/theme.yaml:2:19: fonts.heading: unknown font family 'comic-sans' — families: dejavu-sans, "
        "dejavu-sans-condensed, dejavu-serif, nanum-gothic, nanum-myeongjo, nanum-square, nanum-square-round",
    ]
