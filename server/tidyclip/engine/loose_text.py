"""Text that stands loose in a `<div>`, put back together in trafilatura's XML body.

Older blogs and news sites write an article as text straight inside a `<div>`, split by `<br>`s, with
links and emphasis in it ("Despite <a>some popular deals</a> available for..."). trafilatura, called
with links and formatting on, makes such a run into one `<p>` per inline element, each starting with
the element and with the space after it trimmed ("<p><ref>some popular deals</ref>available for</p>"),
and leaves text before the first block as loose text of its container, which blocks never read. A
reader would get "dealsavailable" on a line of its own.

`inline_runs` reads from the page which inline elements stood in such a run, and how they were spaced;
`mend` restores those spaces and joins each run's pieces again, its first words included. The
page decides, not the look of the pieces: a paragraph that starts with a bold label ("<b>Heritage
(1-0):</b>Armani Sheffield...") is its own paragraph when the page wrote it as one.
"""

from dataclasses import dataclass

from lxml import etree

#: The page's inline elements, which trafilatura keeps as `ref` and `hi` (or strips, for spans).
_PAGE_INLINE = frozenset({"a", "b", "strong", "em", "i", "u", "s", "strike", "del", "ins", "mark", "small", "big",
                          "sub", "sup", "tt", "font", "span", "abbr", "cite", "q", "code", "kbd", "var"})
#: Page elements in which text and inline elements are a paragraph already: trafilatura keeps them whole.
_PAGE_PARAGRAPHS = _PAGE_INLINE | {"p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "dt", "dd", "pre", "caption",
                                   "figcaption", "th", "title", "script", "style", "option", "button", "label"}
#: trafilatura's elements that hold blocks, where loose text can stand.
_CONTAINERS = ("body", "div", "section", "article", "main")
#: Elements with child elements and words of their own beside them.
_WITH_LOOSE_TEXT = etree.XPath("//*[*][text()[normalize-space()]]")
#: trafilatura's inline elements, each of which starts a piece of its own.
_INLINE = frozenset({"ref", "hi"})


@dataclass(frozen=True)
class Spacing:
    """How the page wrote an inline element that stands in a run of loose text."""

    word_before: str     # the last word before it on its line ("" when it starts the line)
    space_before: bool
    space_after: bool


def inline_runs(tree: etree._Element) -> dict[str, Spacing]:
    """{text: spacing} of the inline elements of TREE that stand loose in a block beside text."""
    runs: dict[str, Spacing] = {}
    for container in _WITH_LOOSE_TEXT(tree):
        if container.tag in _PAGE_PARAGRAPHS:
            continue
        text = container.text or ""
        word, last = _last_word(text), text[-1:]
        for child in container:
            tail = child.tail or ""
            if child.tag in _PAGE_INLINE or not isinstance(child.tag, str):  # a comment is no break either
                own = _words("".join(child.itertext())) if isinstance(child.tag, str) else ""
                if own:
                    runs.setdefault(own, Spacing(word, last.isspace(), tail[:1].isspace()))
                word = _last_word(tail) or _last_word(own) or word
                last = tail[-1:] or own[-1:] or last
            else:  # a line break or a block: what follows starts a line
                word, last = _last_word(tail), tail[-1:]
    return runs


def _words(text: str) -> str:
    return " ".join(text.split())


def _last_word(text: str) -> str:
    words = text.split()
    return words[-1] if words else ""


def mend(body: etree._Element, page: etree._Element) -> None:
    """BODY (trafilatura's, of the PAGE tree) with the pieces of loose runs joined and spaced again, in place."""
    if not any(_may_be_piece(paragraph) for paragraph in body.iter("p")):
        return  # most pages: the page is not read again
    runs = inline_runs(page)
    for container in list(body.iter(*_CONTAINERS)):
        _join_pieces(container, runs)


def _join_pieces(container: etree._Element, runs: dict[str, Spacing]) -> None:
    previous = None
    for child in list(container):
        spacing = _piece_spacing(child, runs)
        if spacing is None:
            previous = child if child.tag == "p" else None
            continue
        first = child[0]
        if spacing.space_after and first.tail and not first.tail[0].isspace():
            first.tail = " " + first.tail
        start = _run_start(container, child, previous, spacing.word_before)
        if start is not None:
            if spacing.space_before:
                _add_text(start, " ")
            start.extend(list(child))
            container.remove(child)
        previous = start if start is not None else child


def _run_start(container: etree._Element, piece: etree._Element, previous: etree._Element | None,
               word_before: str) -> etree._Element | None:
    """The paragraph PIECE continues: the loose text just before it, made a paragraph (trafilatura
    leaves a run's first words as its container's text or a block's tail), or the paragraph before it,
    when it ends with the word the page has before PIECE's first element."""
    if not word_before:
        return None
    before = piece.getprevious()
    loose = before.tail if before is not None else container.text
    if loose and _last_word(loose) == word_before:
        paragraph = etree.Element("p")
        paragraph.text = loose
        if before is not None:
            before.tail = None
        else:
            container.text = None
        piece.addprevious(paragraph)
        return paragraph
    if previous is not None and previous is before and _last_word("".join(previous.itertext())) == word_before:
        return previous
    return None


def _piece_spacing(paragraph: etree._Element, runs: dict[str, Spacing]) -> Spacing | None:
    """The page's spacing of the element PARAGRAPH starts with, when trafilatura cut PARAGRAPH there."""
    return runs.get(_words("".join(paragraph[0].itertext()))) if _may_be_piece(paragraph) else None


def _may_be_piece(paragraph: etree._Element) -> bool:
    """PARAGRAPH starts with an inline element and no space after it: the way trafilatura's pieces start."""
    if paragraph.tag != "p" or (paragraph.text and paragraph.text.strip()) or not len(paragraph):
        return False
    first = paragraph[0]
    return first.tag in _INLINE and bool(first.tail) and not first.tail[0].isspace()


def _add_text(element: etree._Element, text: str) -> None:
    """TEXT after the last of ELEMENT's content."""
    if len(element):
        element[-1].tail = (element[-1].tail or "") + text
    else:
        element.text = (element.text or "") + text
