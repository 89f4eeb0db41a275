"""The one markdown parser: the lesson loader splits the script into cards with its tokens, and the
cards stage renders each card's text with it, so both read a script the same way by construction."""
from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=1)
def parser():
    from markdown_it import MarkdownIt

    # html=True so raw HTML is parsed as HTML (and then removed by the cards' sanitiser) instead of
    # being escaped into visible "<script>" text on the card
    return MarkdownIt("commonmark", {"html": True, "typographer": False}).disable(["link", "reference"])
