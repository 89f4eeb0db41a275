"""The replaceable checklist template and the report's SVG plots (pure, no media)."""
from __future__ import annotations


import pytest
from lxml import etree

from pipeline.i18n import use_language
from pipeline.review import plots
from pipeline.signoff.checklist import ChecklistError, checklist_path, load_checklist, validate_answers
from pipeline.settings import Settings

SVG = "{http://www.w3.org/2000/svg}"


def test_the_default_checklist_covers_the_issue():
    assert [i.id for i in load_checklist()] == ["accuracy", "objectives", "privacy", "rights", "tone"]


def test_a_school_replaces_the_checklist_through_its_templates_folder(tmp_path, monkeypatch):
    (tmp_path / "review").mkdir()
    (tmp_path / "review" / "checklist.yaml").write_text("items:\n  - id: safety\n    title: Safety\n    question: Is "
                                                        "the experiment safe?\n")
    monkeypatch.setenv("MICROLEARN_TEMPLATES", str(tmp_path))
    items = load_checklist(checklist_path(Settings.from_environment(tmp_path, tmp_path).templates))
    assert [(i.id, i.title, i.question) for i in items] == [("safety", "Safety", "Is the experiment safe?")]
    assert validate_answers(items, {"safety": {"ok": True}}) == {"safety": {"ok": True, "note": ""}}


@pytest.mark.parametrize("text, message", [
    ("items: []\n", "1:8: items: is empty — write one '- id: ...' / '  title: ...' / '  question: ...' per item"),
    ("items:\n  - {id: a, title: A}\n", "2:5: items[0].question: is required — add 'question: ...', what the reviewer "
                                        "confirms"),
    ("items:\n  - {id: a, title: A, question: Q}\n  - {id: a, title: B, question: R}\n", "3:10: items[1].id: 'a' is used "
                                                                                         "twice (first on line 2) — give "
                                                                                         "each item its own id"),
    ("items: [\n", "2:1: YAML syntax error: expected the node content, but found '<stream end>' — check quotes, colons "
                   "and indentation on this line"),
])
def test_a_broken_checklist_names_the_file_and_the_entry(tmp_path, text, message):
    path = tmp_path / "checklist.yaml"
    path.write_text(text)
    with pytest.raises(ChecklistError) as caught:
        load_checklist(path)
    assert str(caught.value) == f"{path}:{message}"


def test_all_answer_problems_are_reported_at_once():
    items = load_checklist()
    with pytest.raises(ChecklistError) as caught:
        validate_answers(items,
                         {"accuracy": {"ok": "yes"},
                          "objectives": {"ok": True, "note": ["not", "text"]}, "privacy": {"ok": False}, "extra": {}})
    assert str(caught.value).splitlines() == [
        "checklist answers: accuracy.ok: expected true or false, found 'yes' — write ok: true (without quotes) when the "
        "item holds",
        "checklist answers: extra: 'extra' is not an item of the checklist — items: accuracy, objectives, privacy, "
        "rights, tone",
        "checklist answers: objectives.note: must be text — write the note on one line after 'note:', or remove it",
        "checklist answers: privacy.ok: 'privacy' (Privacy) is not confirmed — fix the lesson first; an approval "
        "confirms every item",
        "checklist answers: rights: 'rights' (Rights to every asset) is not answered — add 'rights: {ok: true, note: "
        "...}' once you have checked it",
        "checklist answers: tone: 'tone' (Tone) is not answered — add 'tone: {ok: true, note: ...}' once you have "
        "checked it",
    ]


def test_reading_speed_chart_has_one_bar_per_cue_and_marks_fast_ones():
    cues = [{"index": 1, "start": 0.0, "end": 2.0, "lines": ["Hold the phone"]},
            {"index": 2, "start": 2.5, "end": 3.0, "lines": ["with <both> hands"]}]
    svg = plots.reading_speed_svg(cues, [7.0, 34.0], 20)
    tree = etree.fromstring(svg.encode())
    bars = tree.findall(f".//{SVG}rect[@class='cue']")
    assert [b.get("fill") for b in bars] == ["#2e8b57", "#c0392b"]
    assert bars[1].findtext(f"{SVG}title") == "cue 2: 34.0 characters per second — with <both> hands"
    assert float(bars[1].get("height")) > float(bars[0].get("height"))
    assert svg == plots.reading_speed_svg(cues, [7.0, 34.0], 20)
    # the report speaks the lesson's language: its charts too
    for language, bar, title in (("ru", "субтитр 2: 34.0 знаков в секунду", "Скорость чтения по субтитрам (предел 20 знаков"),
                                 ("ko", "자막 2: 초당 34.0자", "자막별 읽기 속도 (기준 초당 20자)")):
        with use_language(language):
            tree = etree.fromstring(plots.reading_speed_svg(cues, [7.0, 34.0], 20).encode())
        assert tree.findall(f".//{SVG}rect[@class='cue']")[1].findtext(f"{SVG}title").startswith(bar)
        assert tree.findtext(f"{SVG}title").startswith(title)


def test_loudness_plot_draws_both_curves_with_every_point():
    points = [(round(0.1 * i, 1), -70.0 if i < 5 else -16.0, -20.0) for i in range(1, 31)]
    tree = etree.fromstring(plots.loudness_svg(points).encode())
    for name in ("momentary", "short-term"):
        line = tree.find(f".//{SVG}polyline[@class='{name}']")
        assert len(line.get("points").split()) == 30
    target = tree.find(f".//{SVG}rect[@class='target']")
    y_of = lambda value: plots._y(value, -60.0, 0.0)  # noqa: E731
    assert float(target.get("y")) == pytest.approx(y_of(-15), abs=0.05)
    assert "-16 LUFS" in [t.text for t in tree.iter(f"{SVG}text")]
