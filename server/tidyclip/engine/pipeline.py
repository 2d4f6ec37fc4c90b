"""PLACEHOLDER until the engine lands: trafilatura straight through, no cleaning."""

import html as htmllib

import trafilatura

from tidyclip.clip import Clip, empty_cleaning
from tidyclip.errors import BadInput


def make_clip(html: str | bytes, url: str, *, title: str | None = None, selection_html: str | None = None) -> Clip:
    if isinstance(html, bytes):
        html = html.decode("utf-8", errors="replace")
    source = selection_html or html
    doc = trafilatura.bare_extraction(source, url=url, include_comments=False, with_metadata=True)
    if doc is None or not (doc.text or "").strip():
        raise BadInput("no article text found in the page")
    paragraphs = [line.strip() for line in doc.text.splitlines() if line.strip()]
    text = "\n\n".join(paragraphs)
    return {
        "url": url,
        "canonical_url": doc.url or url,
        "title": title or doc.title or url,
        "author": doc.author,
        "site": doc.sitename,
        "published": doc.date,
        "lang": doc.language,
        "excerpt": doc.description or (paragraphs[0][:200] if paragraphs else ""),
        "image": doc.image,
        "text": text,
        "markdown": text,
        "html": "".join(f"<p>{htmllib.escape(p)}</p>" for p in paragraphs),
        "word_count": len(text.split()),
        "cleaning": empty_cleaning(),
    }
