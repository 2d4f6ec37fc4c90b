"""A teaser cut off with "..." ("...in a rar...") whose full text is in the clip: the full text stays.

Only the cut copy of a paragraph that is there in full goes; a sentence that merely trails off
("and so on...") stays because no other block starts the same way. A cut text is looked for only in
the blocks that hold its rarest word, so a page of many teasers costs one pass over its words.
"""

import re
from itertools import chain

from tidyclip.engine.clean.page import Page
from tidyclip.engine.extract import Block
from tidyclip.engine.text import contains_words

_CUT = re.compile(r"\w(?:\.{3}|…)\s*(?:\[?(?:read more|more|continue reading)\]?)?\s*$", re.IGNORECASE)
#: The cut text must be at least this long to be recognised as the start of another paragraph.
MIN_TEASER_CHARS = 30


def find(blocks: list[Block], keys: list[str], page: Page, open_positions: list[int]) -> dict[int, str]:
    # the last word may be cut mid-word ("rar..."): compare without it
    prefixes = {position: keys[position].rsplit(" ", 1)[0] for position in open_positions
                if blocks[position].kind == "paragraph" and _is_cut(blocks[position].text)}
    prefixes = {position: prefix for position, prefix in prefixes.items() if len(prefix) >= MIN_TEASER_CHARS}
    if not prefixes:
        return {}
    holders = _holders(keys, open_positions, set(chain.from_iterable(prefix.split() for prefix in prefixes.values())))
    found: dict[int, str] = {}
    for position, prefix in prefixes.items():
        # a block holding the full text holds each of its words: only the holders of its rarest are asked
        rarest = min(prefix.split(), key=lambda word: len(holders[word]))
        if any(other != position and len(keys[other]) > len(prefix) and contains_words(keys[other], prefix)
               for other in holders[rarest]):
            found[position] = "near_duplicates"
    return found


def _is_cut(text: str) -> bool:
    # the regex tries every word character of the text: the dots are looked for first
    return ("..." in text or "…" in text) and bool(_CUT.search(text))


def _holders(keys: list[str], positions: list[int], words: set[str]) -> dict[str, list[int]]:
    """{word: the positions whose text has it} for WORDS, in one pass over the blocks."""
    holders: dict[str, list[int]] = {word: [] for word in words}
    for position in positions:
        for word in words.intersection(keys[position].split()):
            holders[word].append(position)
    return holders
