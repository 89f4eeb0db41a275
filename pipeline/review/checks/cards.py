"""Cards: text contrast (WCAG 1.4.3), font coverage of every character, alt text of every image.

Contrast and glyph coverage are measured by the cards stage while it renders (it stops the build
on a failure); alt text is read again here from the cards it wrote.
"""
from pipeline.i18n import N_, _, _n
from pipeline.review.registry import check


def _stage(ev, id: str):
    return next((c for c in ev.upstream.cards.checks if c.id == id), None) if ev.upstream.cards else None


def _row(ev, id: str, limit):
    found = _stage(ev, id)
    if found is None:
        return None, None, limit, "not measured by the cards stage"
    return found.passed, found.value, found.limit, found.detail


@check("cards.contrast", N_("Card text contrast at least 4.5:1 (3:1 large text)"), "blocking",
       N_("choose darker text or a lighter background in the school colours"))
def contrast(ev):
    yield _row(ev, "cards.contrast", 4.5)


@check("cards.fonts", N_("The card fonts have every character used"), "blocking",
       N_("install a font that covers the language (Noto Sans CJK KR for Korean), or remove the character"))
def fonts(ev):
    yield _row(ev, "cards.glyphs", 0)


@check("cards.layout", N_("Card text fits and is large enough to read"), "blocking", N_("shorten the card text or split the section in two"))
def layout(ev):
    for id in ("cards.fit", "cards.font-size"):
        passed, value, limit, detail = _row(ev, id, None)
        yield passed, value, limit, f"{id}: {detail}"


@check("cards.alt_text", N_("Every image on a card has alt text"), "blocking", N_("describe each image in the script: ![what it shows](media/picture.png)"))
def alt_text(ev):
    if ev.upstream.cards is None:
        yield None, None, 0, _("no cards built")
        return
    images = [(c.id, i) for c in ev.upstream.cards.cards for i in c.images]
    missing = [f"{card}: {i.path}" for card, i in images if not i.alt.strip()]
    yield not missing, len(missing), 0, ("; ".join(missing) if missing else _n("{n} image", "{n} images", len(images)))
