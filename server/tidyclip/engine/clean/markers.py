"""Editing instructions left at the start of a paragraph by a hasty paste ("INSERT: In the video...").

Newsroom and CMS paste markers are written in capitals and followed by a colon; the paragraph after
them is article text and stays, only the marker goes. Mixed case ("Add: two eggs") is prose and stays.
"""

import re

from tidyclip.engine.clean.page import Page
from tidyclip.engine.extract import Block

_MARKER = re.compile(r"^\s*\[?(?:INSERT|END INSERT|ADD|ADDS|PASTE|EMBED|PICK ?UP|REPLACE|NEW LEDE|TK)\]?\s*:\s+(?=\S)")
#: What must follow a marker for it to be one: a real sentence, not a label ("ADD: 3").
MIN_REST_CHARS = 30


def strip(blocks: list[Block], keys: list[str], page: Page, open_positions: list[int]) -> dict[int, str]:
    """Take the marker off each open block that starts with one; answer {position: marker removed}."""
    stripped: dict[int, str] = {}
    for position in open_positions:
        block = blocks[position]
        match = _MARKER.match(block.element.text or "")
        if block.kind not in ("paragraph", "item", "quote") or not match:
            continue
        if len(block.text) - match.end() < MIN_REST_CHARS:
            continue
        block.element.text = block.element.text[match.end():]
        block.text = block.text.lstrip()[len(match.group(0).strip()):].lstrip()
        stripped[position] = match.group(0).strip()
    return stripped
