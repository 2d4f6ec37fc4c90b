"""Highlights in exported notes and pages.

Markdown (Obsidian's mark): each highlighted passage of the clip's Markdown between `==` (a passage
across paragraphs is marked in each), its note as a quote under the paragraph where it ends; and a
"Highlights" section listing every highlight with its note (detached ones too, said so). A passage
the Markdown spells differently (formatting or a link inside it) is left unmarked in the text and
is still listed.

HTML: each highlighted passage wrapped in <mark> text node by text node (so it may cross paragraphs,
formatting and links), found as the reader finds it (anchoring.py), then a list of the highlights.
The HTML given must be sanitized already: marks are added by lxml, whose output escapes all text.
"""

import re
from html import escape
from typing import Any

import lxml.html
from lxml import etree

from tidyclip.reading.anchoring import Text
from tidyclip.reading.schema import Highlight

_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")
_MARKDOWN_MARKS = re.compile(r"([\\`*_\[\]<>~=|#])")
_TOKEN = re.compile(r"\w+|[^\w\s]")
#: What Markdown may put between two words of a passage: space, emphasis marks, escapes, link syntax.
_MARKUP_BETWEEN = r"(?:\s|[*_`~\\\[]|\]\(<[^>]*>\)|\]\([^)\s]*\)|\])*"


def _in_order(highlights: list[Highlight] | None) -> list[Highlight]:
    return sorted(highlights or [], key=lambda item: (item.get("detached", False), item["position"]["start"]))


def _one_line(text: str) -> str:
    return " ".join(text.split())


# ---- Markdown -----------------------------------------------------------------------------------

def marked_markdown(markdown: str, highlights: list[Highlight] | None) -> str:
    """The Markdown with `==marks==` and each note quoted under its passage's paragraph."""
    inserts: list[tuple[int, int, str]] = []  # (position, order, text): applied from the end
    cursor = 0
    for order, highlight in enumerate(_in_order(highlights)):
        if highlight.get("detached"):
            continue
        found_end = None
        for part in _PARAGRAPH_BREAK.split(highlight["quote"]):
            found = _find_in_markdown(markdown, part, cursor)
            if found is None:
                continue
            inserts += [(found[0], order * 2, "=="), (found[1], order * 2 + 1, "==")]
            found_end = cursor = found[1]
        if found_end is not None and highlight["note"]:
            paragraph_end = _PARAGRAPH_BREAK.search(markdown, found_end)
            where = paragraph_end.start() if paragraph_end else len(markdown.rstrip())
            inserts.append((where, 10**9 + order, "\n\n" + _quoted(highlight["note"])))
    for position, _, text in sorted(inserts, reverse=True):
        markdown = markdown[:position] + text + markdown[position:]
    return markdown


def _find_in_markdown(markdown: str, passage: str, cursor: int) -> tuple[int, int] | None:
    """Where the passage's words are in the Markdown (after `cursor` first, then anywhere), with
    Markdown's own marks allowed between them (emphasis, escapes, a link around some of the words)."""
    tokens = _TOKEN.findall(passage)
    if not tokens:
        return None
    pattern = re.compile(_MARKUP_BETWEEN.join(re.escape(token) for token in tokens))
    found = pattern.search(markdown, cursor) or pattern.search(markdown)
    if not found:
        return None
    start = found.start() - 1 if found.start() and markdown[found.start() - 1] == "\\" else found.start()
    return start, found.end()  # a mark between an escape and what it escapes would undo the escape


def _literal(text: str) -> str:
    """Text Markdown shows as it is: its marks (emphasis, links, raw HTML, `==`) escaped."""
    return _MARKDOWN_MARKS.sub(r"\\\1", text)


def _quoted(text: str) -> str:
    """A highlight's note as a Markdown quote, its words literal."""
    return "\n".join(f"> {_literal(line)}" if line.strip() else ">" for line in text.splitlines())


def highlights_section(highlights: list[Highlight] | None) -> str:
    """"## Highlights": each passage marked, its note quoted under it; "" without highlights."""
    items = _in_order(highlights)
    if not items:
        return ""
    lines = ["## Highlights", ""]
    for item in items:
        detached = " (detached: no longer in the text)" if item.get("detached") else ""
        lines.append(f"- =={_literal(_one_line(item['quote']))}=={detached}")
        if item["note"]:
            lines += [f"  {line}" for line in _quoted(item["note"]).splitlines()]
    return "\n".join(lines) + "\n"


# ---- HTML ---------------------------------------------------------------------------------------

def marked_html(html: str, highlights: list[Highlight] | None) -> str:
    """Sanitized HTML with each highlighted passage in <mark>, and the highlights listed after it."""
    items = _in_order(highlights)
    if not items:
        return html
    root = lxml.html.fragment_fromstring(html or "<p></p>", create_parent="div")
    slots = _text_slots(root)
    flat = "".join(text for _, _, text in slots)
    text = Text(flat)
    owner: list[str | None] = [None] * len(flat)  # which highlight marks each character
    for item in items:
        span = None if item.get("detached") else text.find(item["quote"], item["prefix"], item["suffix"])
        if span is not None:
            for offset in range(span.start, span.end):
                owner[offset] = item["id"]
    start = 0
    for element, where, value in slots:
        _mark_slot(element, where, value, owner[start:start + len(value)])
        start += len(value)
    body = (escape(root.text or "", quote=False)
            + "".join(lxml.html.tostring(child, encoding="unicode") for child in root))
    return body + _html_list(items)


def _text_slots(root: Any) -> list[tuple[Any, str, str]]:
    """Every run of text in document order: (element, "text" or "tail", the text)."""
    slots = []
    for element in root.iter():
        if element is not root and not isinstance(element.tag, str):  # comments, processing instructions
            if element.tail:
                slots.append((element, "tail", element.tail))
            continue
        if element.text:
            slots.append((element, "text", element.text))
        if element is not root and element.tail:
            slots.append((element, "tail", element.tail))
    return slots


def _mark_slot(element: Any, where: str, value: str, owners: list[Any]) -> None:
    """Split one run of text into plain pieces and <mark> pieces, in place."""
    if not any(owners):
        return
    pieces, begin = [], 0
    for offset in range(1, len(value) + 1):
        if offset == len(value) or owners[offset] != owners[begin]:
            pieces.append((value[begin:offset], owners[begin] is not None and bool(value[begin:offset].strip())))
            begin = offset
    first, *rest = pieces
    marks = []
    lead = "" if first[1] else first[0]
    for piece, marked in ([first] if first[1] else []) + rest:
        if marked:
            mark = etree.Element("mark")
            mark.text = piece
            marks.append(mark)
        elif marks:
            marks[-1].tail = (marks[-1].tail or "") + piece
        else:
            lead += piece
    if where == "text":
        element.text = lead
        for index, mark in enumerate(marks):
            element.insert(index, mark)
    else:
        element.tail = lead
        parent, at = element.getparent(), element.getparent().index(element)
        for index, mark in enumerate(marks, start=1):
            parent.insert(at + index, mark)


def _html_list(items: list[Highlight]) -> str:
    entries = []
    for item in items:
        detached = ' <span class="detached">(detached: no longer in the text)</span>' if item.get("detached") else ""
        note = f'<p class="highlight-note">{escape(item["note"])}</p>' if item["note"] else ""
        entries.append(f"<li><mark>{escape(_one_line(item['quote']))}</mark>{detached}{note}</li>")
    return '\n<section class="highlights"><h3>Highlights</h3><ol>' + "".join(entries) + "</ol></section>"
