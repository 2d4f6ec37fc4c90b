"""A paragraph that is already in the clip, exactly or nearly (quote marks, spacing, a wire tag such
as "(Reuters)", a changed word): the first stays, later copies go.

Exact copies by their normalized text. Near copies are judged with rapidfuzz on normalized words,
but only against the earlier paragraphs that share one of their rarest words (`_Signatures`): two
paragraphs 90% alike share nearly all their words, so a long page costs a pass over its words and a
few comparisons a paragraph instead of one comparison per pair. Short blocks (a refrain, a one-word
line, most list items), table cells and code are never judged: repeating them is how such things
are written.
"""

import re
from collections import Counter, defaultdict
from itertools import chain

from rapidfuzz import fuzz

from tidyclip.engine.clean.page import Page
from tidyclip.engine.clean.text import normalize
from tidyclip.engine.extract import Block

#: Only blocks whose normalized text is at least this long can be repeats.
MIN_REPEAT_CHARS = 40
#: rapidfuzz ratio at or above which two paragraphs are the same paragraph. The seed's two reports
#: of one quote ("I invite them to do what others have...") are 66% alike: both stay.
NEAR_SIMILARITY = 90
#: A paragraph is compared with the earlier ones that share one of its rarest words: a tenth of its
#: distinct words (a 90% match differs in about that many), at least SIGNATURE_WORDS.
SIGNATURE_WORDS = 4
SIGNATURE_SHARE = 10
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
    if len(unique) < 2:
        return found

    compared = [_WIRE_TAG.sub("", keys[position]) for position in unique]
    signatures = _Signatures(compared)
    earlier_sentences: set[str] = set()
    for index, position in enumerate(unique):
        similar = [unique[earlier] for earlier in signatures.sharing(index)
                   if fuzz.ratio(compared[index], compared[earlier], score_cutoff=NEAR_SIMILARITY)]
        sentences = _sentences(blocks[position])
        if any(_same_paragraph(blocks, keys, earlier, position) for earlier in similar) or \
                _covered(blocks[position], keys[position], sentences, earlier_sentences):
            found[position] = "near_duplicates"
        else:
            signatures.keep(index)
            earlier_sentences.update(sentences)
    return found


class _Signatures:
    """The kept paragraphs filed under their SIGNATURE_WORDS rarest words, rarity counted over all the
    paragraphs compared. Words that no other paragraph has cannot pair two paragraphs, and numbers
    are left out (a figure updated is the same paragraph): neither is a signature word.

    Two paragraphs are compared when their signatures share a word, which they do when, among the
    words rarer than the rarest word they share, each has fewer than SIGNATURE_WORDS the other lacks;
    a paragraph 90% like another (a word or two changed) is far inside that.
    """

    def __init__(self, texts: list[str]) -> None:
        word_sets = [set(text.split()) for text in texts]
        counts = Counter(chain.from_iterable(word_sets))
        signature_words = sorted((word for word, count in counts.items() if count > 1 and not _DIGITS.search(word)),
                                 key=lambda word: (counts[word], word))
        # every word gets a rank (rarest first), the words that cannot be signature words one past the last
        unranked = len(signature_words)
        rank = dict.fromkeys(counts, unranked)
        rank.update(zip(signature_words, range(unranked)))
        self.signatures = [[word for word in sorted(map(rank.__getitem__, paragraph_words))[:_signature_size(paragraph_words)]
                            if word < unranked] for paragraph_words in word_sets]
        self.holders: defaultdict[int, list[int]] = defaultdict(list)

    def sharing(self, index: int) -> list[int]:
        """The kept paragraphs whose signature shares a word with paragraph INDEX's, in their order."""
        return sorted({kept for word in self.signatures[index] for kept in self.holders[word]})

    def keep(self, index: int) -> None:
        for word in self.signatures[index]:
            self.holders[word].append(index)


def _signature_size(words: set[str]) -> int:
    return max(SIGNATURE_WORDS, len(words) // SIGNATURE_SHARE)


def _same_paragraph(blocks: list[Block], keys: list[str], first: int, later: int) -> bool:
    """Two alike blocks are one pasted twice, unless they are items of one list (an enumeration:
    "Nr. 4 ...", "Nr. 5 ...") or differ only in their numbers (Q1 and Q2 figures)."""
    group = blocks[later].group
    if group is not None and blocks[first].group is group:
        return False
    return _DIGITS.sub("#", keys[first]) != _DIGITS.sub("#", keys[later])


def _sentences(block: Block) -> list[str]:
    return [key for key in map(normalize, _SENTENCE_END.split(block.text)) if len(key) >= MIN_SENTENCE_CHARS]


def _covered(block: Block, key: str, sentences: list[str], earlier_sentences: set[str]) -> bool:
    """Every sentence of BLOCK is already in the clip: two paragraphs pasted again as one, or one
    pasted again in pieces. (Sentences shorter than MIN_SENTENCE_CHARS are not asked about, but
    must not be most of the block.)"""
    if block.kind not in _COVERED_KINDS or len(block.text) < MIN_COVERED_CHARS or not sentences:
        return False
    return sum(map(len, sentences)) * 10 >= len(key) * 9 and \
        all(sentence in earlier_sentences for sentence in sentences)
