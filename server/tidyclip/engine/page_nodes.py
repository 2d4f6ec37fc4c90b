"""The page's text nodes and pictures in document order, read from the tree once.

Both the comment finder and the picture placer walk the body's text; making lxml's string proxies
for a whole page costs more than either walk, so one XPath call serves both.
"""

from lxml import etree

_TEXT_AND_IMAGES = etree.XPath("//body//text() | //body//img")


def body_nodes(tree: etree._Element) -> list:
    """Every text node (an lxml smart string: `.getparent()`, `.is_tail`) and `<img>` of the body."""
    return _TEXT_AND_IMAGES(tree)
