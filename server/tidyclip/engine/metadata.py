"""The page's metadata: title, author, site, published date, language, canonical URL, lead image, description.

Read from the same lxml tree the article is extracted from: trafilatura's metadata pieces first, the
page's own tags where trafilatura has nothing.
"""

import re
from urllib.parse import urljoin

from htmldate import find_date
from lxml import etree
from lxml import html as lxml_html
from trafilatura import metadata as trafilatura_metadata
from trafilatura.settings import set_date_params

_SPACES = re.compile(r"\s+")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")
_BYLINE_XPATH = etree.XPath('//*[@itemprop="author" or @rel="author"]')
_MAX_AUTHOR_CHARS = 80


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
        name = _squash(holder.get("content") or holder.text_content())
        name = re.sub(r"^(?:by|posted by|written by|von|par|por)\s+", "", name, flags=re.IGNORECASE)
        if 2 < len(name) <= _MAX_AUTHOR_CHARS:
            return name
    return None


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
    title = doc.title or meta("og:title") or _squash(" ".join(tree.xpath("//title//text()")))
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


def _squash(text: str) -> str:
    return _SPACES.sub(" ", text).strip()
