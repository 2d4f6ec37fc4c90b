"""Omnivore's export zip: `metadata_<from>_to_<to>.json` files (a list of articles: slug, title, url,
state, labels, savedAt, ...), the article's readable content as `content/<slug>.html` (or `.md`), and
its highlights as `highlights/<slug>.md` ("> quote", then "#label" lines and the note). The content is
imported as it is: nothing is fetched."""

import json
import re
import zipfile
from collections.abc import Iterator
from html import escape
from typing import Any

from tidyclip.errors import BadInput
from tidyclip.importers.items import ARCHIVED, UNREAD, ImportItem, from_iso, highlight

METADATA = re.compile(r"(^|/)metadata_\d+_to_\d+\.json$")
#: The link back to the article Omnivore puts after a quote ("[⤴️](https://omnivore.app/...)").
_BACK_LINK = re.compile(r"\s*\[⤴️?\]\([^)]*\)\s*$")
_LABELS_ONLY = re.compile(r"^(#\S+\s*)+$")


def is_omnivore(archive: zipfile.ZipFile) -> bool:
    return any(METADATA.search(name) for name in archive.namelist())


def read_zip(archive: zipfile.ZipFile) -> Iterator[ImportItem]:
    names = set(archive.namelist())
    prefix = ""
    for metadata in sorted(name for name in names if METADATA.search(name)):
        prefix = metadata[: metadata.rfind("/") + 1]
        articles = _load(archive, metadata)
        for number, article in enumerate(articles, start=1):
            if not isinstance(article, dict):
                raise BadInput(f"{metadata} item {number}: expected an article object")
            slug = str(article.get("slug") or "")
            yield ImportItem(
                url=str(article.get("url") or "").strip(), title=str(article.get("title") or "").strip(),
                tags=[str(label.get("name") if isinstance(label, dict) else label).strip()
                      for label in article.get("labels") or [] if label],
                created=from_iso(article.get("savedAt")),
                state=ARCHIVED if str(article.get("state") or "").lower() == "archived" else UNREAD,
                highlights=parse_highlights(_text(archive, names, f"{prefix}highlights/{slug}.md") or ""),
                html=_content(archive, names, prefix, slug, article), where=f"{metadata} item {number}",
            )


def _load(archive: zipfile.ZipFile, name: str) -> list[Any]:
    try:
        articles = json.loads(archive.read(name).decode("utf-8-sig"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadInput(f"{name} in the Omnivore export is not valid JSON: {exc}") from None
    if not isinstance(articles, list):
        raise BadInput(f"{name} in the Omnivore export is not a list of articles")
    return articles


def _text(archive: zipfile.ZipFile, names: set[str], name: str) -> str | None:
    return archive.read(name).decode("utf-8", errors="replace") if name in names else None


def _content(archive: zipfile.ZipFile, names: set[str], prefix: str, slug: str, article: dict) -> str | None:
    """The article as a page: Omnivore's readable HTML, or its Markdown as simple paragraphs."""
    html = _text(archive, names, f"{prefix}content/{slug}.html")
    if html is None:
        markdown = _text(archive, names, f"{prefix}content/{slug}.md")
        html = markdown_page(markdown) if markdown is not None else None
    if html is None:
        return None
    title = escape(str(article.get("title") or ""))
    author = escape(str(article.get("author") or ""))
    return (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}</title>'
            + (f'<meta name="author" content="{author}">' if author else "")
            + f"</head><body><article><h1>{title}</h1>\n{html}\n</article></body></html>")


def markdown_page(markdown: str) -> str:
    """Markdown as HTML the engine can read: a heading or a paragraph per block, the text escaped."""
    blocks = []
    for block in re.split(r"\n\s*\n", markdown.strip()):
        heading = re.match(r"^(#{1,6})\s+(.*)$", block.strip())
        if heading:
            level = min(len(heading.group(1)) + 1, 6)
            blocks.append(f"<h{level}>{escape(heading.group(2))}</h{level}>")
        elif block.strip():
            blocks.append(f"<p>{escape(' '.join(block.split()))}</p>")
    return "\n".join(blocks)


def parse_highlights(markdown: str) -> list[dict[str, str]]:
    """Each "> quote" block is a highlight; the blocks after it, "#label" lines aside, are its note."""
    found: list[dict[str, str]] = []
    for block in re.split(r"\n\s*\n", markdown.strip()):
        lines = block.strip().splitlines()
        if lines and lines[0].startswith(">"):
            quote = "\n".join(line[1:].strip() for line in lines if line.startswith(">"))
            found.append(highlight(_BACK_LINK.sub("", quote).strip()))
        elif found and block.strip() and not _LABELS_ONLY.match(block.strip()):
            found[-1]["note"] = "\n\n".join(part for part in (found[-1]["note"], block.strip()) if part)
    return [item for item in found if item["quote"]]
