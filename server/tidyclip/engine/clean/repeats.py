"""A paragraph that is already in the clip, exactly or nearly (quote marks, spacing, a wire tag such
as "(Reuters)", a changed word): the first stays, later copies go.

Compared on normalized words with rapidfuzz in one `process.cdist` call, so a long page costs one C
loop, not a Python one over every pair. Short blocks (a refrain, a one-word line, most list items),
table cells and code are never judged: repeating them is how such things are written.
"""

import re

import numpy as np
from rapidfuzz import fuzz, process

from tidyclip.engine.clean.page import Page
from tidyclip.engine.clean.text import normalize
from tidyclip.engine.extract import Block

#: Only blocks whose normalized text is at least this long can be repeats.
MIN_REPEAT_CHARS = 40
#: rapidfuzz ratio at or above which two paragraphs are the same paragraph. The seed's two reports
#: of one quote ("I invite them to do what others have...") are 66% alike: both stay.
NEAR_SIMILARITY = 90
#: Above this many distinct paragraphs (a book, a log dump) only exact repeats are looked for: the
#: pairwise comparison grows with the square of the count.
MAX_NEAR_COMPARED = 3000
_JUDGED_KINDS = frozenset({"paragraph", "quote", "heading", "item"})
#: Blocks at least this long whose every sentence is already in the clip are repeats too.
MIN_COVERED_CHARS = 80
MIN_SENTENCE_CHARS = 20
_COVERED_KINDS = frozenset({"paragraph", "quote"})
_DIGITS = re.compile(r"\d+")
_SENTENCE_END = re.compile(r"(?<=[.!?…。”\"])\s+")
#: "LONDON (Reuters) -", "(AP) —", "WASHINGTON, May 3 (Reuters) -": a dateline and wire tag at the start.
_WIRE_TAG = re.compile(r"^(?:[a-z][a-z ,.'0-9]{0,40} )?(?:reuters|ap|afp|upi|dpa|ians|pti|ani|bloomberg|cnn|bbc|xinhua|efe|ansa|kyodo|yonhap|tass|aap|cp|nyt) ")


def find(blocks: list[Block], keys: list[str], page: Page, open_positions: list[int]) -> dict[int, str]:
    judged = [position for position in open_positions
              if blocks[position].kind in _JUDGED_KINDS and len(keys[position]) >= MIN_REPEAT_CHARS]
    found: dict[int, str] = {}
    first_of: dict[str, int] = {}
    unique: list[int] = []
    for position in judged:
        if keys[position] in first_of:
            found[position] = "duplicates"
        else:
            first_of[keys[position]] = position
            unique.append(position)
    if len(unique) < 2 or len(unique) > MAX_NEAR_COMPARED:
        return found

    compared = [_WIRE_TAG.sub("", keys[position]) for position in unique]
    scores = process.cdist(compared, compared, scorer=fuzz.ratio, score_cutoff=NEAR_SIMILARITY, dtype=np.uint8)
    kept: list[int] = []
    earlier_sentences: set[str] = set()
    for index, position in enumerate(unique):
        similar = [unique[earlier] for earlier in kept if scores[index, earlier]] if kept else []
        sentences = _sentences(blocks[position])
        if any(_same_paragraph(blocks, keys, earlier, position) for earlier in similar) or \
                _covered(blocks[position], sentences, earlier_sentences):
            found[position] = "near_duplicates"
        else:
            kept.append(index)
            earlier_sentences.update(sentences)
    return found


def _same_paragraph(blocks: list[Block], keys: list[str], first: int, later: int) -> bool:
    """Two alike blocks are one pasted twice, unless they are items of one list (an enumeration:
    "Nr. 4 ...", "Nr. 5 ...") or differ only in their numbers (Q1 and Q2 figures)."""
    group = blocks[later].group
    if group is not None and blocks[first].group is group:
        return False
    return _DIGITS.sub("#", keys[first]) != _DIGITS.sub("#", keys[later])


def _sentences(block: Block) -> list[str]:
    return [key for key in map(normalize, _SENTENCE_END.split(block.text)) if len(key) >= MIN_SENTENCE_CHARS]


def _covered(block: Block, sentences: list[str], earlier_sentences: set[str]) -> bool:
    """Every sentence of BLOCK is already in the clip: two paragraphs pasted again as one, or one
    pasted again in pieces. (Sentences shorter than MIN_SENTENCE_CHARS are not asked about, but
    must not be most of the block.)"""
    if block.kind not in _COVERED_KINDS or len(block.text) < MIN_COVERED_CHARS or not sentences:
        return False
    return sum(map(len, sentences)) * 10 >= len(normalize(block.text)) * 9 and \
        all(sentence in earlier_sentences for sentence in sentences)
