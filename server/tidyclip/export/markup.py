"""Clip HTML made fit for a file that leaves tidyclip: sanitized again, XML-safe, and its byline.

Stored clip HTML is sanitized already, but an export is opened later, elsewhere, perhaps after an
import from a file someone else made: sanitizing on the way out too means no export ever carries a
script, an event handler or a `javascript:` link, whatever is in the store.
"""

import re
from html import escape
from urllib.parse import urlsplit

import lxml.html
from lxml import etree

from tidyclip.clip import Clip
from tidyclip.engine.render import sanitize_html
from tidyclip.fields import safe_url

#: Characters XML 1.0 forbids; a page can carry them, an XHTML (EPUB) document must not.
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_safe(text: str) -> str:
    return _NOT_XML.sub("", text)


def sanitize(html: str | None) -> str:
    return sanitize_html(xml_safe(html or ""))


def without_images(html: str) -> str:
    """The HTML with each remote <img> replaced by its alt text, for e-books, which cannot load remote
    images (a relative one is the book's own file)."""
    if "<img" not in html:
        return html
    root = lxml.html.fragment_fromstring(html, create_parent="div")
    for image in list(root.iter("img")):
        if not urlsplit(image.get("src") or "").scheme and image.get("src"):
            continue
        alt = (image.get("alt") or "").strip()
        replacement = etree.Element("span")
        replacement.text = f"[{alt}]" if alt else ""
        replacement.tail = image.tail
        image.getparent().replace(image, replacement)
    return escape(root.text or "", quote=False) + "".join(lxml.html.tostring(child, encoding="unicode") for child in root)


def byline(clip: Clip) -> str:
    """Site · author · published date · a link to the source, as HTML."""
    parts = [escape(part) for part in (clip.get("site"), clip.get("author"), clip.get("published")) if part]
    link = safe_url(clip["url"])
    parts.append(f'<a href="{escape(link)}">{escape(link)}</a>' if link else escape(clip["url"]))
    return " · ".join(parts)


def clip_header(clip: Clip, heading: str) -> str:
    """Title, byline, tags and note of a clip as HTML; `heading` is the title's element (h1, h2)."""
    title = escape(clip.get("title") or clip["url"])
    html = f"<{heading}>{title}</{heading}>\n<p class=\"byline\">{byline(clip)}</p>\n"
    if clip.get("tags"):
        html += '<p class="tags">' + " ".join(f"#{escape(tag)}" for tag in clip["tags"]) + "</p>\n"
    if clip.get("note"):
        html += f'<blockquote class="note"><p>{escape(clip["note"])}</p></blockquote>\n'
    return html
