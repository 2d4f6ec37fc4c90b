"""`make_clip`: decode, parse once, extract, clean, choose, render. The one way a page becomes a clip."""

from collections.abc import Iterable
from copy import deepcopy
from dataclasses import dataclass, replace

from tidyclip.clip import Clip
from tidyclip.engine.choose import Cleaned, choose, worth_a_second_look
from tidyclip.engine.clean import Page, block_keys, clean
from tidyclip.engine.clean.comments import find_regions
from tidyclip.engine.decode import decode_html
from tidyclip.engine.extract import (
    Block,
    BodyStats,
    Candidate,
    extract,
    extract_fragment,
    extract_precise,
    parse_html,
    plain_blocks,
)
from tidyclip.engine.figures import put_back_images
from tidyclip.engine.metadata import extract_metadata
from tidyclip.engine.page_nodes import body_nodes
from tidyclip.engine.render import render_html, render_markdown, render_text
from tidyclip.engine.text import normalize, squash
from tidyclip.errors import BadInput

#: An excerpt taken from the text is cut near this many characters, at a word.
EXCERPT_CHARS = 200
#: Pages longer than this (characters of HTML) get no second trafilatura run: its cost grows with the
#: page, and the dev pages where precision's candidate wins are all far shorter (1% of them are longer).
SECOND_LOOK_MAX_CHARS = 1_000_000


def make_clip(html: str | bytes, url: str, *, title: str | None = None, selection_html: str | None = None,
              restore: Iterable[int] = ()) -> Clip:
    """The clip of the page HTML at URL; of SELECTION_HTML alone when given (metadata still from the page).

    `restore` lists block positions (as in `cleaning.removed`) the user wants kept. Raises BadInput
    when there is nothing to clip.
    """
    restore = list(restore)
    prepared = prepare(html, url, title=title, selection_html=selection_html, spare=bool(restore))
    chosen = choose(*prepared.candidates) if len(prepared.candidates) == 2 else prepared.candidates[0]
    if not chosen.blocks:
        raise BadInput("the selection holds no text" if prepared.selection else "no article text found in the page")
    if restore:
        kept, cleaning = clean(chosen.blocks, chosen.keys, prepared.page, restore)
        text = render_text(kept)
    else:
        kept, cleaning, text = chosen.kept, chosen.cleaning, chosen.text
    meta, clip_title = prepared.meta, prepared.title
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


@dataclass
class Prepared:
    """A page read, its metadata found and each extraction candidate cleaned: all but the choice."""

    meta: dict
    title: str
    page: Page
    candidates: list[Cleaned]  # balanced, then precision's when it was made; or the selection alone
    selection: bool


def prepare(html: str | bytes, url: str, *, title: str | None = None, selection_html: str | None = None,
            spare: bool = False, both: bool = False) -> Prepared:
    """Everything `make_clip` does before it chooses a candidate. The precision candidate is made when
    the gate asks for it (`choose.worth_a_second_look`), or always with BOTH (`scripts/fit_chooser.py`).
    SPARE: the rules run on copies, for the caller cleans the chosen blocks again."""
    page_html = decode_html(html)
    tree = parse_html(page_html)
    selection = selection_html is not None and bool(selection_html.strip())
    if selection:
        content_tree = parse_html(f"<html><body><div>{decode_html(selection_html or '')}</div></body></html>")
        meta = extract_metadata(tree, url)
        first = Candidate("selection", extract_fragment(content_tree), BodyStats())
    else:
        content_tree = tree
        extracted = extract(tree, url)
        meta, first = extracted.meta, extracted.article
    clip_title = _choose_title(squash(title or ""), meta["title"]) or url
    titles = tuple(dict.fromkeys(normalize(text) for text in (clip_title, meta["title"] or "", title or "") if text))
    nodes = body_nodes(content_tree)
    regions = find_regions(content_tree, nodes)
    page = Page(titles=titles, description=normalize(meta["description"] or ""), comment_regions=regions,
                body_text=squash("".join(node for node in nodes if isinstance(node, str))) if regions else "")
    cleaned = [_cleaned(first, content_tree, nodes, page, spare=spare)]
    if not selection and (both or (len(page_html) <= SECOND_LOOK_MAX_CHARS and worth_a_second_look(cleaned[0]))):
        cleaned.append(_cleaned(extract_precise(tree, first), content_tree, nodes, page, spare=spare))
    return Prepared(meta, clip_title, page, cleaned, selection)


def _cleaned(candidate: Candidate, tree, nodes: list, page: Page, *, spare: bool) -> Cleaned:
    """CANDIDATE with the page's pictures put back and the cleaning rules run, nothing restored. SPARE:
    the rules run on copies, for the blocks are cleaned again with the user's restored positions."""
    found = candidate.blocks or (_body_blocks(tree) if candidate.focus != "selection" else [])
    blocks, keys = put_back_images(tree, nodes, found, block_keys(found))
    ruled = [replace(block, element=deepcopy(block.element)) for block in blocks] if spare else blocks
    kept, cleaning = clean(ruled, keys, page)
    return Cleaned(candidate.focus, blocks, keys, kept, cleaning, render_text(kept), candidate.stats)


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
