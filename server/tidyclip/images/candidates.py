"""Which pictures of a clip to download: its lead image, then the pictures of its body in order, each
once, web addresses only, at most MAX_IMAGES. Lazy loading and srcsets were resolved when the clip was
made (engine/figures.py): the body's `src` is the address to fetch."""

import lxml.html

from tidyclip.clip import Clip
from tidyclip.config import MAX_IMAGES


def body_sources(html: str | None) -> list[str]:
    """Every <img src> of the clip's HTML, in order."""
    if not html or "<img" not in html:
        return []
    root = lxml.html.fragment_fromstring(html, create_parent="div")
    return [image.get("src") or "" for image in root.iter("img")]


def wanted_images(clip: Clip) -> list[str]:
    wanted: dict[str, None] = {}
    for url in [clip.get("image") or "", *body_sources(clip.get("html"))]:
        if url.startswith(("http://", "https://")) and len(wanted) < MAX_IMAGES:
            wanted.setdefault(url)
    return list(wanted)
