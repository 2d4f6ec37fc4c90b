"""A clip's HTML and Markdown with its stored pictures in place of the remote ones: for the reader (the
local server's address), the exports (a file in the archive, a data: URI). Pictures not kept stay as
they are."""

from collections.abc import Callable

import lxml.html

from tidyclip.clip import Clip
from tidyclip.images.candidates import body_sources
from tidyclip.images.download import Entry

Address = Callable[[Entry], str | None]


def stored_copies(clip: Clip) -> dict[str, Entry]:
    return {entry["url"]: entry for entry in clip.get("images") or [] if entry.get("status") == "stored"}


def all_local(html: str) -> bool:
    """Every picture of this HTML is served from here (then its page needs no remote images at all)."""
    return all(source.startswith("/") and not source.startswith("//") for source in body_sources(html))


def html_with_copies(html: str, clip: Clip, address: Address) -> str:
    copies = stored_copies(clip)
    if not copies or "<img" not in html:
        return html
    root = lxml.html.fragment_fromstring(html, create_parent="div")
    changed = False
    for image in root.iter("img"):
        entry = copies.get(image.get("src") or "")
        local = address(entry) if entry else None
        if local:
            image.set("src", local)
            changed = True
    if not changed:
        return html
    inner = lxml.html.tostring(root, encoding="unicode")
    return inner[len("<div>"):-len("</div>")]


def markdown_with_copies(markdown: str, clip: Clip, address: Address) -> str:
    """The engine writes a picture as `![alt](<url>)`: the address in its angle brackets is replaced."""
    for url, entry in stored_copies(clip).items():
        local = address(entry)
        if local:
            markdown = markdown.replace(f"](<{url}>)", f"](<{local}>)")
    return markdown
