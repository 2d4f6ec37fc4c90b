"""A teaser cut off with "..." ("...in a rar...") whose full text is in the clip: the full text stays.

Only the cut copy of a paragraph that is there in full goes; a sentence that merely trails off
("and so on...") stays because no other block starts the same way.
"""

import re

from tidyclip.engine.clean.page import Page
from tidyclip.engine.clean.text import contains_words
from tidyclip.engine.extract import Block

_CUT = re.compile(r"\w(?:\.{3}|…)\s*(?:\[?(?:read more|more|continue reading)\]?)?\s*$", re.IGNORECASE)
#: The cut text must be at least this long to be recognised as the start of another paragraph.
MIN_TEASER_CHARS = 30


def find(blocks: list[Block], keys: list[str], page: Page, open_positions: list[int]) -> dict[int, str]:
    found: dict[int, str] = {}
    for position in open_positions:
        block = blocks[position]
        if block.kind != "paragraph" or not _CUT.search(block.text):
            continue
        # the last word may be cut mid-word ("rar..."): compare without it
        prefix = keys[position].rsplit(" ", 1)[0]
        if len(prefix) < MIN_TEASER_CHARS:
            continue
        if any(other != position and len(keys[other]) > len(prefix) and contains_words(keys[other], prefix)
               for other in open_positions):
            found[position] = "near_duplicates"
    return found
