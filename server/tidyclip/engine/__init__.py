"""The clip engine: page HTML in, clip out. No Flask, no store.

    make_clip(html, url, title=None, selection_html=None) -> Clip

Stages, one module each: decode (bytes -> str), extract (trafilatura -> blocks + metadata),
clean (repeats, comments, chrome -> blocks + cleaning report), render (text, markdown, html).
"""

from tidyclip.engine.pipeline import make_clip

__all__ = ["make_clip"]
