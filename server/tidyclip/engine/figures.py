"""The article's pictures, put back between the paragraphs they stand between on the page.

trafilatura is asked for the article without images: with images on, a logo or a row of thumbnails
makes it pick another element of the page as the article (measured on every dev set: images on
costs 0.4 to 1 point of F1). The pictures are then found on the page itself: an `<img>` goes into the
clip when the text just before it ends a block of the clip and the text just after it starts the next
one (or it stands right before the first block, the lead picture). A picture among text the clip
left out (a sidebar, other stories' thumbnails) has no such neighbours and stays out.
"""

from itertools import islice, repeat

import numpy as np
from lxml import etree

from tidyclip.config import IMAGE_MAX_WIDTH
from tidyclip.engine.extract import Block
from tidyclip.engine.page_nodes import within
from tidyclip.engine.text import normalize

#: Attributes that hold the real address of a lazy-loaded picture, best first.
_LAZY_SOURCES = ("data-src", "data-lazy-src", "data-original", "data-url")
#: Tracking pixels and spacers: a side this small (width or height attribute) is not a picture.
_PIXEL_MAX = 2
#: Above the first paragraph, a picture with a side under this is an avatar or an icon, not the lead picture.
_SMALL_SIDE = 100
#: Text nodes after a picture that may be its caption, passed over when the clip does not hold them.
_CAPTION_NODES = 2
_SKIPPED_PARENTS = frozenset({"script", "style", "noscript", "template", "title", "option"})


class _ClipText:
    """The clip's block keys as the placer asks about them, and the page's text nodes' words, each
    normalized once (a text node is a neighbour of several pictures in a gallery or a thumbnail row)."""

    def __init__(self, nodes: list, keys: list[str]) -> None:
        self.nodes = nodes
        self.keys = keys
        self.by_first_word: dict[str, list[int]] = {}
        for position, key in enumerate(keys):
            if key:
                self.by_first_word.setdefault(key.split(" ", 1)[0], []).append(position)
        self.joined = " " + " \0 ".join(keys) + " "
        self.vocabulary = frozenset(self.joined.split())
        self._words: dict[int, str] = {}

    def holds(self, words: str) -> bool:
        """The clip holds WORDS (normalized) in this order somewhere; a word it lacks says no without a search."""
        return all(word in self.vocabulary for word in words.split(" ")) and f" {words} " in self.joined

    def words_at(self, position: int) -> str:
        words = self._words.get(position)
        if words is None:
            words = self._words[position] = normalize(self.nodes[position])
        return words


def put_back_images(tree: etree._Element, nodes: list, blocks: list[Block],
                    keys: list[str]) -> tuple[list[Block], list[str]]:
    """BLOCKS with an image block inserted wherever a picture of TREE stands between two of them, and
    their KEYS (the normalized texts) with an empty one for each picture; NODES are the tree's
    `page_nodes.body_nodes`."""
    if not blocks or tree.find(".//img") is None:
        return blocks, keys
    clip = _ClipText(nodes, keys)
    placed: dict[int, list[etree._Element]] = {}
    seen: set[str] = set()
    for index in _image_positions(nodes):
        node = nodes[index]
        source = image_source(node)
        if not source or source in seen or _is_pixel(node):
            continue
        slot = _slot(clip, index)
        if slot is None:
            continue
        seen.add(source)
        placed.setdefault(slot, []).append(_graphic(node, source))
    if not placed:
        return blocks, keys
    result: list[Block] = []
    result_keys: list[str] = []
    for position, block in enumerate([*blocks, None]):
        images = placed.get(position, [])
        result.extend(Block("image", graphic, "") for graphic in images)
        result_keys.extend("" for _ in images)
        if block is not None:
            result.append(block)
            result_keys.append(keys[position])
    return result, result_keys


def _image_positions(nodes: list) -> list[int]:
    """Where the pictures are among NODES (mostly text): found in C, a Python loop over a page's text nodes costs more."""
    return np.flatnonzero(~np.fromiter(map(isinstance, nodes, repeat(str)), bool, len(nodes))).tolist()


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


def _slot(clip: _ClipText, index: int) -> int | None:
    """The block position the picture at NODES[INDEX] goes before, or None when its neighbours are not
    the end of one block and the start of the next. Its own caption is not a neighbour."""
    nodes, keys = clip.nodes, clip.keys
    figure = next(nodes[index].iterancestors("figure"), None)
    following, after, held = None, "", False
    for after in _words_after(clip, index, figure):
        following = _block_starting_with(after, keys, clip.by_first_word)
        held = following is not None or clip.holds(after)
        if held:
            break  # a caption the clip left out is passed over; text the clip holds is the neighbour
    if not held:
        return None  # a picture among text the clip left out: the common case, decided without looking back
    before = _neighbour_words(clip, index, -1, figure)
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


def _neighbour_words(clip: _ClipText, index: int, step: int, figure: etree._Element | None) -> str:
    """The normalized words of the nearest visible text node before (STEP -1) or after (+1) a picture,
    outside the picture's own FIGURE."""
    return next(_visible_words(clip, index, step, figure), "")


def _words_after(clip: _ClipText, index: int, figure: etree._Element | None):
    """The words of the first few visible text nodes after a picture (its caption may come first)."""
    return islice(_visible_words(clip, index, 1, figure), _CAPTION_NODES + 1)


def _visible_words(clip: _ClipText, index: int, step: int, figure: etree._Element | None):
    nodes = clip.nodes
    position = index + step
    while 0 <= position < len(nodes):
        node = nodes[position]
        position += step
        if not isinstance(node, str) or node.isspace():
            continue
        parent = node.getparent()  # type: ignore[attr-defined]  # lxml's smart strings know their element
        if parent is None or parent.tag in _SKIPPED_PARENTS or (figure is not None and within(parent, figure)):
            continue
        key = clip.words_at(position - step)
        if key:
            yield key


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
