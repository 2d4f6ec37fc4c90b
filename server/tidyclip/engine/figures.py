"""The article's pictures, put back between the paragraphs they stand between on the page.

trafilatura is asked for the article without images: with images on, a logo or a row of thumbnails
makes it pick another element of the page as the article (measured on every dev set: images on
costs 0.4 to 1 point of F1). The pictures are then found on the page itself: an `<img>` goes into the
clip when the text just before it ends a block of the clip and the text just after it starts the next
one (or it stands right before the first block, the lead picture). A picture among text the clip
left out (a sidebar, other stories' thumbnails) has no such neighbours and stays out.
"""

from itertools import islice

from lxml import etree

from tidyclip.config import IMAGE_MAX_WIDTH
from tidyclip.engine.clean.text import normalize
from tidyclip.engine.extract import Block

#: Attributes that hold the real address of a lazy-loaded picture, best first.
_LAZY_SOURCES = ("data-src", "data-lazy-src", "data-original", "data-url")
#: Tracking pixels and spacers: a side this small (width or height attribute) is not a picture.
_PIXEL_MAX = 2
#: Above the first paragraph, a picture with a side under this is an avatar or an icon, not the lead picture.
_SMALL_SIDE = 100
#: Text nodes after a picture that may be its caption, passed over when the clip does not hold them.
_CAPTION_NODES = 2
_SKIPPED_PARENTS = frozenset({"script", "style", "noscript", "template", "title", "option"})


def put_back_images(tree: etree._Element, nodes: list, blocks: list[Block]) -> list[Block]:
    """BLOCKS with an image block inserted wherever a picture of TREE stands between two of them;
    NODES are the tree's `page_nodes.body_nodes`."""
    if not blocks or tree.find(".//img") is None:
        return blocks
    keys = [normalize(block.text) for block in blocks]
    by_first_word: dict[str, list[int]] = {}
    for position, key in enumerate(keys):
        if key:
            by_first_word.setdefault(key.split(" ", 1)[0], []).append(position)
    joined = " " + " \0 ".join(keys) + " "
    placed: dict[int, list[etree._Element]] = {}
    seen: set[str] = set()
    for index, node in enumerate(nodes):
        if isinstance(node, str):
            continue
        source = image_source(node)
        if not source or source in seen or _is_pixel(node):
            continue
        slot = _slot(nodes, index, keys, by_first_word, joined)
        if slot is None:
            continue
        seen.add(source)
        placed.setdefault(slot, []).append(_graphic(node, source))
    if not placed:
        return blocks
    result: list[Block] = []
    for position, block in enumerate([*blocks, None]):
        result.extend(Block("image", graphic, "") for graphic in placed.get(position, []))
        if block is not None:
            result.append(block)
    return result


def image_source(image: etree._Element) -> str | None:
    """The picture's real address: the widest candidate up to IMAGE_MAX_WIDTH of its srcsets (lazy or
    not, the <img>'s and its <picture>'s <source>s), else a lazy loader's attribute, else src."""
    srcsets = [image.get("data-srcset"), image.get("srcset")]
    # libxml2 does not know <source> is empty: the <img> after it ends up inside it, so look up to the <picture>.
    frame = next(image.iterancestors("picture"), None)
    if frame is not None:
        srcsets += [value for source in frame.iter("source") for value in (source.get("data-srcset"), source.get("srcset"))]
    widest = _widest(", ".join(srcset for srcset in srcsets if srcset))
    if widest:
        return widest
    for name in (*_LAZY_SOURCES, "src"):
        value = (image.get(name) or "").strip()
        if value and not value.startswith("data:"):
            return value
    return None


def _widest(srcset: str) -> str | None:
    """The widest candidate up to IMAGE_MAX_WIDTH ("800w"; "2x" counts as 2 px, below any width), else
    the narrowest wider one."""
    fitting: list[tuple[float, str]] = []
    wider: list[tuple[float, str]] = []
    for candidate in srcset.split(","):
        parts = candidate.split()
        if not parts or parts[0].startswith("data:"):
            continue
        descriptor = parts[1] if len(parts) > 1 else "1x"
        try:
            width = float(descriptor[:-1])
        except ValueError:
            continue
        (fitting if width <= IMAGE_MAX_WIDTH else wider).append((width, parts[0]))
    if fitting:
        return max(fitting, key=lambda pair: pair[0])[1]
    return min(wider, key=lambda pair: pair[0])[1] if wider else None


def _is_pixel(image: etree._Element) -> bool:
    return _declared_side(image) <= _PIXEL_MAX


def _is_small(image: etree._Element) -> bool:
    return _declared_side(image) < _SMALL_SIDE


def _declared_side(image: etree._Element) -> int:
    """The smaller of the width and height attributes, a large number when neither is given."""
    sides = [int(value) for name in ("width", "height")
             if (value := (image.get(name) or "").strip().removesuffix("px")).isdigit()]
    return min(sides, default=1 << 30)


def _graphic(image: etree._Element, source: str) -> etree._Element:
    graphic = etree.Element("graphic", src=source)
    for name in ("alt", "title"):
        if image.get(name):
            graphic.set(name, image.get(name))
    return graphic


def _slot(nodes: list, index: int, keys: list[str], by_first_word: dict[str, list[int]], joined: str) -> int | None:
    """The block position the picture at NODES[INDEX] goes before, or None when its neighbours are not
    the end of one block and the start of the next. Its own caption is not a neighbour. JOINED is every
    key between spaces and NUL separators, to ask whether the clip holds some words at all."""
    figure = next(nodes[index].iterancestors("figure"), None)
    following, after, held = None, "", False
    for after in _words_after(nodes, index, figure):
        following = _block_starting_with(after, keys, by_first_word)
        held = following is not None or f" {after} " in joined
        if held:
            break  # a caption the clip left out is passed over; text the clip holds is the neighbour
    if not held:
        return None  # a picture among text the clip left out: the common case, decided without looking back
    before = _neighbour_words(nodes, index, -1, figure)
    if following is None:
        return _within_block(before, after, keys)
    if following == 0:
        return None if _is_small(nodes[index]) else 0  # the lead picture, above the first paragraph (no avatar)
    previous = following - 1
    while previous >= 0 and not keys[previous]:
        previous -= 1  # an image block already there
    if previous < 0 or not before:
        return None
    return following if _ends_with(keys[previous], before) else None


def _neighbour_words(nodes: list, index: int, step: int, figure: etree._Element | None) -> str:
    """The normalized words of the nearest visible text node before (STEP -1) or after (+1) a picture,
    outside the picture's own FIGURE."""
    return next(_visible_words(nodes, index, step, figure), "")


def _words_after(nodes: list, index: int, figure: etree._Element | None):
    """The words of the first few visible text nodes after a picture (its caption may come first)."""
    return islice(_visible_words(nodes, index, 1, figure), _CAPTION_NODES + 1)


def _visible_words(nodes: list, index: int, step: int, figure: etree._Element | None):
    position = index + step
    while 0 <= position < len(nodes):
        node = nodes[position]
        position += step
        if not isinstance(node, str) or node.isspace():
            continue
        parent = node.getparent()  # type: ignore[attr-defined]  # lxml's smart strings know their element
        if parent is None or parent.tag in _SKIPPED_PARENTS or _inside(parent, figure):
            continue
        key = normalize(node)
        if key:
            yield key


def _inside(element: etree._Element, figure: etree._Element | None) -> bool:
    return figure is not None and (element is figure or any(ancestor is figure for ancestor in element.iterancestors()))


def _within_block(before: str, after: str, keys: list[str]) -> int | None:
    """A picture inside a paragraph, between two of its words, goes right after that paragraph."""
    if not before or not after:
        return None
    inner = f" {before} {after} "
    matches = [position for position, key in enumerate(keys) if inner in f" {key} "]
    return matches[0] + 1 if len(matches) == 1 else None


def _block_starting_with(words: str, keys: list[str], by_first_word: dict[str, list[int]]) -> int | None:
    """The one block whose text starts with WORDS (None when none or several do)."""
    matches = [position for position in by_first_word.get(words.split(" ", 1)[0], [])
               if keys[position] == words or keys[position].startswith(words + " ")]
    return matches[0] if len(matches) == 1 else None


def _ends_with(key: str, words: str) -> bool:
    return key == words or key.endswith(" " + words)
