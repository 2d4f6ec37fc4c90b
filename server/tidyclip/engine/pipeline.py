"""`make_clip`: decode, parse once, extract, clean, render. The one way a page becomes a clip."""

from collections.abc import Iterable

from tidyclip.clip import Clip
from tidyclip.engine.clean import Page, block_keys, clean
from tidyclip.engine.clean.comments import find_regions
from tidyclip.engine.clean.text import normalize
from tidyclip.engine.decode import decode_html
from tidyclip.engine.extract import Block, extract, extract_fragment, parse_html, plain_blocks, squash
from tidyclip.engine.figures import put_back_images
from tidyclip.engine.metadata import extract_metadata
from tidyclip.engine.page_nodes import body_nodes
from tidyclip.engine.render import render_html, render_markdown, render_text
from tidyclip.errors import BadInput

#: An excerpt taken from the text is cut near this many characters, at a word.
EXCERPT_CHARS = 200


def make_clip(html: str | bytes, url: str, *, title: str | None = None, selection_html: str | None = None,
              restore: Iterable[int] = ()) -> Clip:
    """The clip of the page HTML at URL; of SELECTION_HTML alone when given (metadata still from the page).

    `restore` lists block positions (as in `cleaning.removed`) the user wants kept. Raises BadInput
    when there is nothing to clip.
    """
    tree = parse_html(decode_html(html))
    if selection_html is not None and selection_html.strip():
        content_tree = parse_html(f"<html><body><div>{decode_html(selection_html)}</div></body></html>")
        meta = extract_metadata(tree, url)
        blocks = extract_fragment(content_tree)
    else:
        content_tree = tree
        extracted = extract(tree, url)
        meta, blocks = extracted.meta, extracted.blocks or _body_blocks(tree)
    nodes = body_nodes(content_tree)
    blocks, keys = put_back_images(content_tree, nodes, blocks, block_keys(blocks))
    if not blocks:
        raise BadInput("the selection holds no text" if content_tree is not tree else "no article text found in the page")

    clip_title = _choose_title(squash(title or ""), meta["title"]) or url
    titles = tuple(dict.fromkeys(normalize(text) for text in (clip_title, meta["title"] or "", title or "") if text))
    page = Page(titles=titles, description=normalize(meta["description"] or ""),
                comment_regions=find_regions(content_tree, nodes))
    kept, cleaning = clean(blocks, keys, page, restore)
    text = render_text(kept)
    base_url = url or meta["canonical_url"] or ""  # a saved page without its address still knows its own
    return {
        "url": url,
        "canonical_url": meta["canonical_url"],
        "title": clip_title,
        "author": meta["author"],
        "site": meta["site"],
        "published": meta["published"],
        "lang": meta["lang"],
        "excerpt": meta["description"] or _excerpt(kept),
        "image": meta["image"],
        "text": text,
        "markdown": render_markdown(kept, base_url),
        "html": render_html(kept, base_url),
        "word_count": len(text.split()),
        "cleaning": cleaning,
    }


def _body_blocks(tree) -> list[Block]:
    """The page's own text blocks, for a page too short for trafilatura to call it an article."""
    body = tree.find(".//body")
    return plain_blocks(body) if body is not None else []


def _choose_title(given: str, headline: str | None) -> str | None:
    """The caller's title (a browser tab's), unless it is the page's own headline decorated with the
    site name ("Site: Headline", "Headline | Site"): then the headline alone."""
    if given and headline and headline != given and headline in given:
        return headline
    return given or headline


def _excerpt(blocks: list[Block]) -> str:
    first = next((block.text for block in blocks if block.kind == "paragraph" and block.text), "")
    if len(first) <= EXCERPT_CHARS:
        return first
    return first[:EXCERPT_CHARS].rsplit(" ", 1)[0].rstrip(",;:") + "…"
