"""HTML to blocks. The only module that calls trafilatura's article extraction (metadata.py reads the rest).

The page is parsed once; the same lxml tree feeds trafilatura (which copies it), `metadata` and the
comment finder in `clean`. trafilatura's XML body keeps the structure
(`head`, `p`, `list`/`item`, `quote`, `code`, `table`/`row`/`cell`, `graphic`, `ref`, `hi`), and each
top-level element of it becomes one Block, the unit the cleaner removes and `restore` positions count.
A list is one Block per item (`kind` "item", `group` = the list), so a pasted-again item can go
while the list stays; the renderers put consecutive items of one list back together.
"""

import re
from copy import deepcopy
from dataclasses import dataclass, field

import trafilatura
from lxml import etree
from lxml import html as lxml_html
from trafilatura.utils import load_html

from tidyclip.engine import loose_text
from tidyclip.engine.metadata import extract_metadata
from tidyclip.engine.text import squash
from tidyclip.errors import BadInput

#: trafilatura tags that are blocks of their own, and the kind each becomes.
_BLOCK_KINDS = {"head": "heading", "p": "paragraph", "list": "list", "quote": "quote", "code": "code",
                "table": "table", "graphic": "image"}
#: HTML whose text is never shown to a reader.
_INVISIBLE_TAGS = ("script", "style", "noscript", "template", "head", "title", "select", "option")
#: trafilatura elements that only wrap blocks.
_CONTAINER_TAGS = frozenset({"div", "body", "section", "article", "main"})
#: HTML tags whose text is one block when trafilatura finds no article (a short selection).
_HTML_BLOCK_TAGS = ("p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "pre", "td", "th", "dd", "dt")
#: Soft hyphen, zero-width space, word joiner, BOM: shown as nothing, they only break words apart.
_INVISIBLE_CHARACTERS = re.compile("[\u00ad\u200b\u2060\ufeff]")
_HIDDEN = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)


@dataclass
class Block:
    """One piece of the article: kind "heading", "paragraph", "item" (of a list), "quote", "code",
    "table" or "image"; `element` is trafilatura's XML for it."""

    kind: str
    element: etree._Element
    text: str
    group: etree._Element | None = None  # for list items: the list they belong to


@dataclass
class BodyStats:
    """What trafilatura's body for a candidate looks like, for the choice between candidates (`choose`)."""

    chars: int = 0       # characters of text
    link_chars: int = 0  # of them, inside links
    elements: int = 0    # top-level elements
    headings: int = 0
    lists: int = 0


@dataclass
class Candidate:
    """The article as one trafilatura focus ("balanced" or "precision") found it."""

    focus: str
    blocks: list[Block]
    stats: BodyStats


@dataclass
class Extracted:
    article: Candidate  # trafilatura's balanced focus
    meta: dict = field(default_factory=dict)


def parse_html(text: str) -> lxml_html.HtmlElement:
    """The page as an lxml tree; BadInput when it holds no HTML at all."""
    try:
        tree = load_html(text)
    except (ValueError, etree.ParserError, TypeError):
        tree = None
    if tree is None:
        raise BadInput("the input is not an HTML page")
    return tree


def extract(tree: lxml_html.HtmlElement, url: str) -> Extracted:
    """The article of TREE as trafilatura's balanced focus finds it (blocks empty when it finds none),
    and the page's metadata."""
    document = _run_trafilatura(tree)
    return Extracted(article=Candidate("balanced", _blocks_of(document, tree), _body_stats(document)),
                     meta=extract_metadata(tree, url))


def extract_precise(tree: lxml_html.HtmlElement, balanced: Candidate) -> Candidate:
    """The article of TREE as trafilatura's precision focus finds it: on real pages the balanced focus
    sometimes takes another element whole (a sidebar, a footer, a gallery's captions) where precision
    takes the article; `choose` decides which is. Its paragraphs are mended from BALANCED's."""
    document = _run_trafilatura(tree, precision=True)
    return Candidate("precision", _mended(_blocks_of(document, tree), balanced.blocks), _body_stats(document))


#: Words at either end of a paragraph that find the same paragraph in the other candidate.
_END_WORDS = 3
_MENDED_KINDS = ("paragraph", "quote")


def _mended(blocks: list[Block], fuller: list[Block]) -> list[Block]:
    """BLOCKS (the precision focus's) with each paragraph that lost words taken whole from FULLER (the
    balanced focus's): precision mode drops some inline links with their text, or a paragraph's words
    before one ("reported that for his role" for "reported that the NFL will fine Rudolph for his role").
    A paragraph is the same when it starts or ends with the same words, every word of it is there and
    it holds no other of BLOCKS (balanced sometimes runs two paragraphs into one)."""
    whole = {block.text for block in fuller}
    by_end: dict[tuple[str, ...], Block] = {}
    for block in fuller:
        words = block.text.split()
        if block.kind in _MENDED_KINDS and len(words) > 2 * _END_WORDS:
            by_end.setdefault(tuple(words[:_END_WORDS]), block)
            by_end.setdefault(tuple(words[-_END_WORDS:]), block)
    mended = []
    for block in blocks:
        words = block.text.split()
        match = None if block.text in whole or block.kind not in _MENDED_KINDS else (
            by_end.get(tuple(words[:_END_WORDS])) or by_end.get(tuple(words[-_END_WORDS:])))
        if match is not None and match.kind == block.kind and len(match.text) > len(block.text) \
                and set(words) <= set(match.text.split()) and not _holds_another(match.text, block, blocks):
            # a copy: the cleaning rules edit blocks in place, and each candidate is cleaned
            block = Block(match.kind, deepcopy(match.element), match.text)
        mended.append(block)
    return mended


def _holds_another(text: str, block: Block, blocks: list[Block]) -> bool:
    return any(other is not block and other.text and other.text in text for other in blocks)


def extract_fragment(fragment: lxml_html.HtmlElement) -> list[Block]:
    """Blocks of a selection: trafilatura's when it finds text in it, else each text block as is.

    trafilatura refuses fragments shorter than a few hundred characters; a user who selected one
    sentence still wants that sentence. Recall is favoured: the user chose this text.
    """
    return _blocks_of(_run_trafilatura(fragment, recall=True), fragment) or plain_blocks(fragment)


def _run_trafilatura(tree: lxml_html.HtmlElement, *, recall: bool = False, precision: bool = False):
    """trafilatura's document for TREE, or None when it finds no article or trips on the page (then the
    page's own text blocks are the fallback, and a page with none is refused upstream)."""
    try:
        return _bare_extraction(tree, recall, precision)
    except (ValueError, TypeError, AttributeError, IndexError, RecursionError, etree.LxmlError):
        return None


def _bare_extraction(tree: lxml_html.HtmlElement, recall: bool, precision: bool):
    # output_format "xml": the body tree is what we use; "python" would also flatten it to text, unused.
    # Images off: with them on trafilatura picks other elements as the article (figures.py puts them back)
    # No url: trafilatura would make every link absolute through courlan, a tenth of its time on a
    # link-heavy page; the renderers make them absolute against the page's address anyway.
    return trafilatura.bare_extraction(
        tree, url=None, output_format="xml", include_comments=False, include_tables=True,
        include_images=False, include_links=True, include_formatting=True, favor_recall=recall,
        favor_precision=precision,
    )


def _blocks_of(document, tree: lxml_html.HtmlElement) -> list[Block]:
    """The blocks of trafilatura's DOCUMENT for the page TREE."""
    if document is None or document.body is None:
        return []
    _drop_invisible_characters(document.body)
    loose_text.mend(document.body, tree)
    return blocks_from_body(document.body)


def _body_stats(document) -> BodyStats:
    if document is None or document.body is None:
        return BodyStats()
    body = document.body
    return BodyStats(chars=len("".join(body.itertext())),
                     link_chars=sum(len("".join(ref.itertext())) for ref in body.iter("ref")),
                     elements=len(body), headings=sum(1 for _ in body.iter("head")),
                     lists=sum(1 for _ in body.iter("list")))


def _drop_invisible_characters(body: etree._Element) -> None:
    """Soft hyphens and zero-width spaces (German and Dutch sites hyphenate with them: "Mit\xadtel\xadal\xadter")
    would split words for search, quotes and every copy of the text: they go."""
    if not _INVISIBLE_CHARACTERS.search("".join(body.itertext())):
        return  # the common case, without an element proxy made for every element
    for element in body.iter():
        if element.text and _INVISIBLE_CHARACTERS.search(element.text):
            element.text = _INVISIBLE_CHARACTERS.sub("", element.text)
        if element.tail and _INVISIBLE_CHARACTERS.search(element.tail):
            element.tail = _INVISIBLE_CHARACTERS.sub("", element.tail)


def plain_blocks(tree: lxml_html.HtmlElement) -> list[Block]:
    """A paragraph block per block-level HTML element that holds text (no nesting counted twice)."""
    tree = deepcopy(tree)
    etree.strip_elements(tree, *_INVISIBLE_TAGS, with_tail=False)
    _drop_invisible_characters(tree)
    blocks = []
    for element in tree.iter(*_HTML_BLOCK_TAGS):
        if any(ancestor.tag in _HTML_BLOCK_TAGS for ancestor in element.iterancestors()):
            continue
        text = squash(element.text_content())
        if text:
            paragraph = etree.Element("p")
            paragraph.text = text
            blocks.append(Block("paragraph", paragraph, text))
    if not blocks:
        text = squash(tree.text_content())
        if text:
            paragraph = etree.Element("p")
            paragraph.text = text
            blocks.append(Block("paragraph", paragraph, text))
    return blocks


def blocks_from_body(body: etree._Element) -> list[Block]:
    blocks = []
    for element in body:
        if _HIDDEN.search(element.get("style", "")) or element.get("hidden") is not None:
            continue  # trafilatura's fallback extractors keep display:none copies of the article
        if element.tag in _CONTAINER_TAGS and any(child.tag in _BLOCK_KINDS or child.tag in _CONTAINER_TAGS
                                                  for child in element):
            blocks.extend(blocks_from_body(element))  # a wrapper trafilatura kept: its children are the blocks
            continue
        if element.tag == "list":
            blocks.extend(Block("item", item, text, group=element) for item in element if item.tag == "item"
                          if (text := block_text(item)))
            continue
        if element.tag == "p" and _has_blank_line(element):
            blocks.extend(Block("paragraph", piece, text) for piece in _split_at_blank_lines(element)
                          if (text := block_text(piece)))
            continue
        kind = _BLOCK_KINDS.get(element.tag, "paragraph")
        if kind == "paragraph" and _only_images(element):
            kind = "image"
        text = block_text(element)
        if not text and kind != "image":
            continue
        blocks.append(Block(kind, element, text))
    return blocks


def _has_blank_line(paragraph: etree._Element) -> bool:
    return any(child.tag == "lb" and not (child.tail or "").strip() and child.getnext() is not None
               and child.getnext().tag == "lb" for child in paragraph.iterchildren("lb"))


def _split_at_blank_lines(paragraph: etree._Element) -> list[etree._Element]:
    """PARAGRAPH cut where it holds two line breaks in a row (<br><br> between paragraphs of a page
    without block markup): one paragraph element each."""
    pieces = [etree.Element("p")]
    pieces[0].text = paragraph.text
    previous_break = False
    for child in list(paragraph):
        if child.tag == "lb" and previous_break:
            pieces[-1].remove(pieces[-1][-1])  # the first of the two breaks
            pieces.append(etree.Element("p"))
            pieces[-1].text = child.tail
            previous_break = False
            continue
        previous_break = child.tag == "lb" and not (child.tail or "").strip()
        pieces[-1].append(child)
    return pieces


def block_text(element: etree._Element) -> str:
    """The visible text of a block; list items, rows and cells each on their own line."""
    if element.tag == "list":
        return "\n".join(squash("".join(item.itertext())) for item in element.iter("item"))
    if element.tag == "item":
        return _item_text(element)
    if element.tag == "table":
        return "\n".join(" | ".join(squash("".join(cell.itertext())) for cell in row.iter("cell"))
                         for row in element.iter("row"))
    if element.tag == "code":
        return "".join(element.itertext()).strip("\n")
    if element.find(".//lb") is not None:  # a line break has no text of its own: the lines would run together
        return squash("".join(part if isinstance(part, str) else " " for part in _TEXT_AND_BREAKS(element)))
    return squash("".join(element.itertext()))


_TEXT_AND_BREAKS = etree.XPath(".//text() | .//lb")


def _item_text(item: etree._Element) -> str:
    """A list item's own words, then each nested list's items on their own lines."""
    nested = [child for child in item if child.tag == "list"]
    if not nested:
        return squash("".join(item.itertext()))
    own = deepcopy(item)
    for child in [child for child in own if child.tag == "list"]:
        own.remove(child)
    return "\n".join(part for part in (squash("".join(own.itertext())), *map(block_text, nested)) if part)


def _only_images(element: etree._Element) -> bool:
    return element.find(".//graphic") is not None and not squash("".join(element.itertext()))
