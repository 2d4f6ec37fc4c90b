"""What changed between two versions of a clip's text, word by word, for the reader's diff view and
the one-line summary in the versions list.

Texts are paragraphs split by a blank line (clip.py). The paragraphs are aligned first, by their
whole text (so a long text with a few changes costs a few hashes a paragraph, not a word diff of
the whole); a run of paragraphs that differ is then paired up by likeness, and each pair is diffed
word by word (rapidfuzz's Indel opcodes, in C++). A paragraph deleted in one place and inserted,
word for word, in another is shown as moved, not as deleted and inserted.
"""

import re
from collections import Counter
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from rapidfuzz import fuzz, process
from rapidfuzz.distance import Indel

#: Two paragraphs of a changed run are the same paragraph edited when at least this alike (0-100, by words).
SAME_PARAGRAPH_SCORE = 50.0
#: The kinds of block a diff is made of.
SAME, CHANGED, INSERTED, DELETED, MOVED_HERE, MOVED_AWAY = "same", "changed", "inserted", "deleted", "moved", "moved-away"


@dataclass
class Piece:
    """A run of words: "same", "ins" (only in the newer text) or "del" (only in the older)."""
    op: str
    text: str


@dataclass
class Block:
    """One paragraph of the diff; a changed paragraph holds its words as pieces."""
    kind: str
    pieces: list[Piece] = field(default_factory=list)

    @property
    def text(self) -> str:
        return " ".join(piece.text for piece in self.pieces)


def paragraphs(text: str) -> list[str]:
    """The text's paragraphs, whitespace inside each made single spaces."""
    return [" ".join(part.split()) for part in re.split(r"\n\s*\n", text or "") if part.strip()]


def same_text(older: str, newer: str) -> bool:
    """The same text once whitespace is normalized: clipping it again makes no new version."""
    return (older or "").split() == (newer or "").split()


def diff(older: str, newer: str) -> list[Block]:
    """The newer text as blocks marked against the older one, in the newer text's order (a deleted
    paragraph stands where it stood, a moved one where it is now, with a marker where it was)."""
    old, new = paragraphs(older), paragraphs(newer)
    blocks: list[Block] = []
    matcher = SequenceMatcher(None, old, new, autojunk=False)
    for tag, a0, a1, b0, b1 in matcher.get_opcodes():
        if tag == "equal":
            blocks += [Block(SAME, [Piece("same", text)]) for text in new[b0:b1]]
        else:
            blocks += _changed_run(old[a0:a1], new[b0:b1])
    return _mark_moves(blocks)


def _changed_run(old: list[str], new: list[str]) -> list[Block]:
    """Paragraphs that differ: each old one paired, in order, with the most alike new one still
    free after the last pairing; the pairs diffed word by word, the rest deleted or inserted.
    The likeness of every old and new paragraph, word by word, comes from one rapidfuzz call (in
    C++; word lists, not characters: a tenth of the work, and what a reader calls alike)."""
    blocks: list[Block] = []
    scores = process.cdist([text.split() for text in old], [text.split() for text in new], scorer=fuzz.ratio,
                           score_cutoff=SAME_PARAGRAPH_SCORE)
    next_new = 0
    for row, paragraph in enumerate(old):
        free = scores[row, next_new:]
        best = int(free.argmax()) if len(free) else None
        if best is None or free[best] < SAME_PARAGRAPH_SCORE:
            blocks.append(Block(DELETED, [Piece("del", paragraph)]))
            continue
        blocks += [Block(INSERTED, [Piece("ins", text)]) for text in new[next_new:next_new + best]]
        blocks.append(Block(CHANGED, word_pieces(paragraph, new[next_new + best])))
        next_new += best + 1
    blocks += [Block(INSERTED, [Piece("ins", text)]) for text in new[next_new:]]
    return blocks


def word_pieces(older: str, newer: str) -> list[Piece]:
    """One paragraph's words, marked: what stayed, what was deleted, what was inserted (a word
    replaced is its deletion, then its insertion)."""
    a, b = older.split(), newer.split()
    pieces: list[Piece] = []
    deleted: list[str] = []
    inserted: list[str] = []
    for op in [*Indel.opcodes(a, b), None]:
        if op is not None and op.tag != "equal":
            deleted += a[op.src_start:op.src_end]
            inserted += b[op.dest_start:op.dest_end]
            continue
        pieces += [Piece(kind, " ".join(words)) for kind, words in (("del", deleted), ("ins", inserted)) if words]
        deleted, inserted = [], []
        if op is not None:
            pieces.append(Piece("same", " ".join(b[op.dest_start:op.dest_end])))
    return pieces


def _mark_moves(blocks: list[Block]) -> list[Block]:
    """A deleted paragraph that is inserted elsewhere word for word moved: the insertion is shown as
    moved here, the deletion as the place it moved away from."""
    inserted = Counter(block.text for block in blocks if block.kind == INSERTED)
    deleted = Counter(block.text for block in blocks if block.kind == DELETED)
    moved = inserted & deleted
    away = Counter(moved)
    for block in blocks:
        if block.kind == INSERTED and moved[block.text]:
            moved[block.text] -= 1
            block.kind, block.pieces = MOVED_HERE, [Piece("same", block.text)]
        elif block.kind == DELETED and away[block.text]:
            away[block.text] -= 1
            block.kind, block.pieces = MOVED_AWAY, [Piece("same", block.text)]
    return blocks


@dataclass
class Tally:
    inserted: int = 0  # paragraphs
    deleted: int = 0
    moved: int = 0
    words: int = 0  # words changed inside edited paragraphs


def tally(blocks: list[Block]) -> Tally:
    counts = Tally()
    for block in blocks:
        if block.kind == INSERTED:
            counts.inserted += 1
        elif block.kind == DELETED:
            counts.deleted += 1
        elif block.kind == MOVED_HERE:
            counts.moved += 1
        elif block.kind == CHANGED:
            counts.words += _changed_words(block.pieces)
    return counts


def _changed_words(pieces: list[Piece]) -> int:
    """Words changed in an edited paragraph: a word replaced counts once, not as one out and one in."""
    changed, deleted = 0, 0
    for piece in [*pieces, Piece("same", "")]:
        words = len(piece.text.split())
        if piece.op == "del":
            deleted = words
        elif piece.op == "ins":
            changed, deleted = changed + max(words, deleted), 0
        else:
            changed, deleted = changed + deleted, 0
    return changed


def summary(blocks: list[Block]) -> str:
    """One line for the versions list: "+1 paragraph, 12 words changed"."""
    counts = tally(blocks)
    parts = [
        f"{sign}{count} paragraph{'s' if count != 1 else ''}{suffix}"
        for sign, count, suffix in (("+", counts.inserted, ""), ("−", counts.deleted, ""), ("", counts.moved, " moved"))
        if count
    ]
    if counts.words:
        parts.append(f"{counts.words} word{'s' if counts.words != 1 else ''} changed")
    return ", ".join(parts) or "only spacing changed"
