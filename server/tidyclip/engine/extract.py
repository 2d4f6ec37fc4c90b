"""HTML to blocks and metadata. The only module that calls trafilatura.

The page is parsed once; the same lxml tree feeds trafilatura (which copies it) and the metadata
fallbacks here and the comment finder in `clean`. trafilatura's XML body keeps the structure
(`head`, `p`, `list`/`item`, `quote`, `code`, `table`/`row`/`cell`, `graphic`, `ref`, `hi`), and each
top-level element of it becomes one Block, the unit the cleaner removes and `restore` positions count.
A list is one Block per item (`kind` "item", `group` = the list), so a pasted-again item can go
while the list stays; the renderers put consecutive items of one list back together.
"""

import re
from copy import deepcopy
from dataclasses import dataclass, field
from urllib.parse import urljoin

import trafilatura
from htmldate import find_date
from lxml import etree, html as lxml_html
from trafilatura import metadata as trafilatura_metadata
from trafilatura.settings import set_date_params
from trafilatura.utils import load_html

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
_SPACES = re.compile(r"\s+")
#: Soft hyphen, zero-width space, word joiner, BOM: shown as nothing, they only break words apart.
_INVISIBLE_CHARACTERS = re.compile("[\u00ad\u200b\u2060\ufeff]")
_HIDDEN = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")
_BYLINE_XPATH = etree.XPath('//*[@itemprop="author" or @rel="author"]')
_MAX_AUTHOR_CHARS = 80


@dataclass
class Block:
    """One piece of the article: kind "heading", "paragraph", "item" (of a list), "quote", "code",
    "table" or "image"; `element` is trafilatura's XML for it."""

    kind: str
    element: etree._Element
    text: str
    group: etree._Element | None = None  # for list items: the list they belong to


@dataclass
class Extracted:
    blocks: list[Block]
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
    """Blocks and metadata of the article in TREE. Blocks are empty when trafilatura found no article."""
    document = _run_trafilatura(tree)
    return Extracted(blocks=_blocks_of(document), meta=extract_metadata(tree, url))


def extract_metadata(tree: lxml_html.HtmlElement, url: str) -> dict:
    """title, author, site, published, lang, canonical_url, image, description of the page.

    trafilatura's own metadata pieces (meta tags, JSON-LD, title, URL, htmldate without its
    extensive search), minus its author hunt over every class name and its categories and tags:
    those cost more than the whole article extraction and a clip does not use them.
    """
    document = trafilatura_metadata.examine_meta(tree)
    try:
        document = trafilatura_metadata.extract_meta_json(tree, document)
    except Exception:  # trafilatura's JSON-LD reader is known to trip on odd JSON; the meta tags stand
        pass
    document.title = document.title or trafilatura_metadata.extract_title(tree)
    if not document.author or " " not in document.author.strip():
        document.author = _byline(tree) or document.author
    document.url = document.url or trafilatura_metadata.extract_url(tree, url or None)
    document.sitename = document.sitename or trafilatura_metadata.extract_sitename(tree)
    date_params = {**set_date_params(False), "url": document.url or url or None}
    document.date = find_date(tree, **date_params)
    document.clean_and_trim()
    return page_metadata(tree, url, document)


def _byline(tree: lxml_html.HtmlElement) -> str | None:
    """The author's name from schema.org or rel=author markup, the common cases, in one pass."""
    for found in _BYLINE_XPATH(tree):
        named = found.find('.//*[@itemprop="name"]')
        holder = named if named is not None else found
        name = squash(holder.get("content") or holder.text_content())
        name = re.sub(r"^(?:by|posted by|written by|von|par|por)\s+", "", name, flags=re.IGNORECASE)
        if 2 < len(name) <= _MAX_AUTHOR_CHARS:
            return name
    return None


def extract_fragment(fragment: lxml_html.HtmlElement) -> list[Block]:
    """Blocks of a selection: trafilatura's when it finds text in it, else each text block as is.

    trafilatura refuses fragments shorter than a few hundred characters; a user who selected one
    sentence still wants that sentence. Recall is favoured: the user chose this text.
    """
    return _blocks_of(_run_trafilatura(fragment, recall=True)) or plain_blocks(fragment)


def _run_trafilatura(tree: lxml_html.HtmlElement, *, recall: bool = False):
    """trafilatura's document for TREE, or None when it finds no article or trips on the page (then the
    page's own text blocks are the fallback, and a page with none is refused upstream)."""
    try:
        return _bare_extraction(tree, recall)
    except (ValueError, TypeError, AttributeError, IndexError, RecursionError, etree.LxmlError):
        return None


def _bare_extraction(tree: lxml_html.HtmlElement, recall: bool):
    # output_format "xml": the body tree is what we use; "python" would also flatten it to text, unused.
    # Images off: with them on trafilatura picks other elements as the article (figures.py puts them back)
    # No url: trafilatura would make every link absolute through courlan, a tenth of its time on a
    # link-heavy page; the renderers make them absolute against the page's address anyway.
    return trafilatura.bare_extraction(
        tree, url=None, output_format="xml", include_comments=False, include_tables=True,
        include_images=False, include_links=True, include_formatting=True, favor_recall=recall,
    )


def _blocks_of(document) -> list[Block]:
    if document is None or document.body is None:
        return []
    _drop_invisible_characters(document.body)
    return blocks_from_body(document.body)


def _drop_invisible_characters(body: etree._Element) -> None:
    """Soft hyphens and zero-width spaces (German and Dutch sites hyphenate with them: "Mit\xadtel\xadal\xadter")
    would split words for search, quotes and every copy of the text: they go."""
    for element in body.iter():
        if element.text and _INVISIBLE_CHARACTERS.search(element.text):
            element.text = _INVISIBLE_CHARACTERS.sub("", element.text)
        if element.tail and _INVISIBLE_CHARACTERS.search(element.tail):
            element.tail = _INVISIBLE_CHARACTERS.sub("", element.tail)


def plain_blocks(tree: lxml_html.HtmlElement) -> list[Block]:
    """A paragraph block per block-level HTML element that holds text (no nesting counted twice)."""
    tree = deepcopy(tree)
    etree.strip_elements(tree, *_INVISIBLE_TAGS, with_tail=False)
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
        kind = _BLOCK_KINDS.get(element.tag, "paragraph")
        if kind == "paragraph" and _only_images(element):
            kind = "image"
        text = block_text(element)
        if not text and kind != "image":
            continue
        blocks.append(Block(kind, element, text))
    return blocks


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
    return squash("".join(element.itertext()))


def _item_text(item: etree._Element) -> str:
    """A list item's own words, then each nested list's items on their own lines."""
    nested = [child for child in item if child.tag == "list"]
    if not nested:
        return squash("".join(item.itertext()))
    own = deepcopy(item)
    for child in [child for child in own if child.tag == "list"]:
        own.remove(child)
    return "\n".join(part for part in (squash("".join(own.itertext())), *map(block_text, nested)) if part)


def squash(text: str) -> str:
    return _SPACES.sub(" ", text).strip()


def _only_images(element: etree._Element) -> bool:
    return element.find(".//graphic") is not None and not squash("".join(element.itertext()))


def page_metadata(tree: lxml_html.HtmlElement, url: str, document) -> dict:
    """title, author, site, published, lang, canonical_url, image, description: trafilatura first,
    the page's own tags where trafilatura has nothing."""
    tags = _meta_tags(tree)

    def meta(*names: str) -> str | None:
        return next((tags[name] for name in names if tags.get(name)), None)

    doc = document
    image = doc.image or meta("og:image", "og:image:url", "twitter:image")
    published = doc.date or meta("article:published_time", "datepublished")
    lang = doc.language or _page_lang(tree) or meta("og:locale", "content-language")
    title = doc.title or meta("og:title") or squash(" ".join(tree.xpath("//title//text()")))
    return {
        "title": title or None,
        "author": doc.author or meta("author", "article:author"),
        "site": doc.sitename or meta("og:site_name", "application-name"),
        "published": published[:10] if published and _DATE.match(published) else None,
        "lang": _lang_code(lang),
        "canonical_url": _absolute(tags.get("canonical"), url) or _absolute(doc.url, url) or url or None,
        "image": _absolute(image, url),
        "description": meta("description", "og:description", "twitter:description") or doc.description,
    }


def _meta_tags(tree: lxml_html.HtmlElement) -> dict[str, str]:
    """The page's <meta> contents by lower-case name or property (the first non-empty wins), and its
    canonical link, in one pass over the head."""
    tags: dict[str, str] = {}
    for element in tree.iter("meta", "link"):
        if element.tag == "link":
            if "canonical" in (element.get("rel") or "").lower().split() and (element.get("href") or "").strip():
                tags.setdefault("canonical", element.get("href").strip())
            continue
        name = (element.get("property") or element.get("name") or element.get("itemprop") or
                element.get("http-equiv") or "").strip().lower()
        content = (element.get("content") or "").strip()
        if name and content:
            tags.setdefault(name, content)
    return tags


def _page_lang(tree: lxml_html.HtmlElement) -> str | None:
    lang = tree.get("lang") or tree.get("{http://www.w3.org/XML/1998/namespace}lang")
    if lang is None:
        root = tree.getroottree().getroot()
        lang = root.get("lang") or root.get("{http://www.w3.org/XML/1998/namespace}lang")
    return lang.strip() if lang and lang.strip() else None


def _lang_code(lang: str | None) -> str | None:
    """'en-US', 'en_GB', 'EN' -> 'en'."""
    if not lang:
        return None
    code = re.split(r"[-_\s,;]", lang.strip(), maxsplit=1)[0].lower()
    return code if code.isalpha() and 2 <= len(code) <= 3 else None


def _absolute(link: str | None, base: str) -> str | None:
    if not link or link.strip().lower().startswith(("javascript:", "data:")):
        return None
    return urljoin(base, link.strip()) if base else link.strip()
