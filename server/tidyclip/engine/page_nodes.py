"""The page's text nodes and pictures in document order, read from the tree once.

Both the comment finder and the picture placer walk the body's text; making lxml's string proxies
for a whole page costs more than either walk, so one XPath call serves both. The two questions every
walker asks of a node, where it stands and whether it lies inside an element, are answered here too.
"""

from lxml import etree

_TEXT_AND_IMAGES = etree.XPath("//body//text() | //body//img")


def body_nodes(tree: etree._Element) -> list:
    """Every text node (an lxml smart string: `.getparent()`, `.is_tail`) and `<img>` of the body."""
    return _TEXT_AND_IMAGES(tree)


def text_owner(text: etree._ElementUnicodeResult) -> etree._Element | None:
    """The element a text node lies in: its element's, or for a tail its element's parent."""
    owner = text.getparent()
    if text.is_tail and owner is not None:
        owner = owner.getparent()
    return owner


def within(element: etree._Element, ancestor: etree._Element) -> bool:
    """ELEMENT is ANCESTOR or lies inside it."""
    return element is ancestor or any(parent is ancestor for parent in element.iterancestors())
