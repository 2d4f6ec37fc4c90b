"""The headline, and the standfirst glued after it, repeated inside the body.

The clip shows the title on its own, so a block that is the title (any quote marks or case) goes,
at the top as in the middle. A block right after such a repeat that copies an earlier block is the
standfirst pasted along with the headline: it goes as part of the same repeat.
"""

from rapidfuzz import fuzz, process

from tidyclip.engine.clean.page import Page
from tidyclip.engine.extract import Block

#: rapidfuzz ratio at or above which a block is the headline (a changed word or wire tag still is).
HEADLINE_SIMILARITY = 90


def find(blocks: list[Block], keys: list[str], page: Page, open_positions: list[int]) -> dict[int, str]:
    titles = [title for title in page.titles if title]
    if not titles:
        return {}
    found: dict[int, str] = {}
    seen: list[str] = []
    follows_headline = False
    for position in open_positions:
        key = keys[position]
        if blocks[position].kind in ("heading", "paragraph") and any(_is_title(key, title) for title in titles):
            found[position] = "headline_repeats"
            follows_headline = True
            continue
        # one rapidfuzz call over the blocks before: a page may repeat its headline in every section
        if follows_headline and key and process.extractOne(key, seen, scorer=fuzz.ratio,
                                                           score_cutoff=HEADLINE_SIMILARITY) is not None:
            found[position] = "headline_repeats"
        follows_headline = False
        seen.append(key)
    return found


def _is_title(key: str, title: str) -> bool:
    return bool(key) and abs(len(key) - len(title)) <= max(8, len(title) // 5) and \
        fuzz.ratio(key, title) >= HEADLINE_SIMILARITY
