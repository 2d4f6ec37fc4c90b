"""A paragraph that is already in the clip, exactly or nearly (quote marks, spacing, a wire tag such
as "(Reuters)", a changed word): the first stays, later copies go.

Exact copies by their normalized text. Near copies are judged with rapidfuzz on normalized words,
on a long page only against the earlier paragraphs that share one of their rarest words (`_candidate_pairs`):
two paragraphs 90% alike share nearly all their words, so a long page costs a pass over its words and a
few comparisons a paragraph instead of one comparison per pair. Short blocks (a refrain, a one-word
line, most list items), table cells and code are never judged: repeating them is how such things
are written.
"""

import re
from collections import defaultdict

import numpy as np
from rapidfuzz import fuzz, process

from tidyclip.engine.clean.page import Page
from tidyclip.engine.extract import Block
from tidyclip.engine.text import normalize

#: Only blocks whose normalized text is at least this long can be repeats.
MIN_REPEAT_CHARS = 40
#: rapidfuzz ratio at or above which two paragraphs are the same paragraph. The seed's two reports
#: of one quote ("I invite them to do what others have...") are 66% alike: both stay.
NEAR_SIMILARITY = 90
#: A paragraph is compared with the earlier ones that share one of its rarest words: a tenth of its
#: distinct words (a 90% match differs in about that many), at least SIGNATURE_WORDS.
SIGNATURE_WORDS = 4
SIGNATURE_SHARE = 10
#: A quarter as many more signature words are taken in a fixed shuffle of the page's words.
SHUFFLED_SHARE = 4
SHUFFLE_SEED = 90
#: A word held by more paragraphs than this is too common to pair them: never a signature word.
MAX_HOLDERS = 64
#: Up to this many paragraphs, scoring every pair costs less than finding the candidates (measured on the
#: dev sets: 0.03 against 0.2 ms at 10 paragraphs, 0.3 against 1.2 ms at 50) and misses none.
ALL_PAIRS_MAX = 64
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
    similar_to = _similar_pairs(compared)
    kept: set[int] = set()
    earlier_sentences: set[str] = set()
    for index, position in enumerate(unique):
        similar = [unique[earlier] for earlier in similar_to.get(index, ()) if earlier in kept]
        sentences = _sentences(blocks[position], keys[position])
        if any(_same_paragraph(blocks, keys, earlier, position) for earlier in similar) or \
                _covered(blocks[position], keys[position], sentences, earlier_sentences):
            found[position] = "near_duplicates"
        else:
            kept.add(index)
            earlier_sentences.update(sentences)
    return found


def _similar_pairs(texts: list[str]) -> dict[int, list[int]]:
    """{later: [earlier, ...]} for the pairs of TEXTS that are one paragraph (rapidfuzz ratio at least
    NEAR_SIMILARITY), looked for among the pairs whose signatures share a word (every pair on a page of
    few paragraphs), in one rapidfuzz call."""
    if len(texts) <= ALL_PAIRS_MAX:
        earlier, later = np.triu_indices(len(texts), 1)
    else:
        earlier, later = _candidate_pairs(texts)
    lengths = np.array([len(text) for text in texts])
    # the edit distance is at least the difference in length: a 90% ratio needs lengths within 9:11
    close = 9 * np.maximum(lengths[earlier], lengths[later]) <= 11 * np.minimum(lengths[earlier], lengths[later])
    earlier, later = earlier[close].tolist(), later[close].tolist()
    if not earlier:
        return {}
    scores = process.cpdist([texts[index] for index in earlier], [texts[index] for index in later],
                            scorer=fuzz.ratio, score_cutoff=NEAR_SIMILARITY)
    similar: defaultdict[int, list[int]] = defaultdict(list)
    for first, second, score in zip(earlier, later, scores.tolist(), strict=True):
        if score:
            similar[second].append(first)
    return similar


def _candidate_pairs(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """The pairs (earlier, later) of TEXTS (normalized: words split by one space) that share a signature
    word, as two arrays.

    A text's signature is its rarest words (a tenth of its distinct words, at least SIGNATURE_WORDS)
    and a quarter as many more taken in a fixed shuffled order of the page's words. Rarity is the number
    of texts holding a word (then its first appearance). Words in one text only cannot pair two
    texts, words in more than MAX_HOLDERS texts would pair too many, and numbers are left out (a
    figure updated is the same paragraph): none of them is a signature word.

    Two texts are compared whenever, of the words rarer than the rarest one they share, each has
    fewer than its count of rarest words that the other lacks: a paragraph with a few words changed.
    The shuffled words catch near copies whose rarest words are the very ones that differ (a gallery
    of captions alike but for their names and dates), as a MinHash sketch does.
    """
    text_of, word_of, holders, numbers = _words_of(texts)
    count = len(holders)
    size = np.maximum(SIGNATURE_WORDS, np.bincount(text_of, minlength=len(texts)) // SIGNATURE_SHARE)
    eligible = ((holders >= 2) & (holders <= MAX_HOLDERS) & ~numbers)[word_of]
    text_of, word_of = text_of[eligible], word_of[eligible]
    rarity = np.empty(count, np.int64)
    rarity[np.lexsort((np.arange(count), holders))] = np.arange(count)
    shuffled = np.random.default_rng(SHUFFLE_SEED).permutation(count)
    signatures = _distinct(np.concatenate([_first_words(text_of, word_of, rarity, size),
                                           _first_words(text_of, word_of, shuffled, size // SHUFFLED_SHARE)]))
    text_of, word_of = np.divmod(signatures, count)

    # the texts filed under one word side by side, in text order: pair each with those after it
    order = np.lexsort((text_of, word_of))
    text_of, word_of = text_of[order], word_of[order]
    earlier, later = [], []
    for offset in range(1, MAX_HOLDERS):
        same = word_of[offset:] == word_of[:-offset]
        if not same.any():
            break
        earlier.append(text_of[:-offset][same])
        later.append(text_of[offset:][same])
    if not earlier:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    pairs = _distinct(np.concatenate(earlier) * len(texts) + np.concatenate(later))
    return np.divmod(pairs, len(texts))


def _words_of(texts: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Each (text, word) of TEXTS once, as two arrays ordered by text, words numbered as they first
    appear; and for each word the number of texts holding it and whether it holds a digit."""
    words = " ".join(texts).split(" ")
    vocabulary = {word: number for number, word in enumerate(dict.fromkeys(words))}
    count = len(vocabulary)
    sizes = np.array([text.count(" ") + 1 for text in texts])  # as many as split(" ") gives it, "" included
    entries = _distinct(np.repeat(np.arange(len(texts)), sizes) * count
                        + np.fromiter(map(vocabulary.__getitem__, words), np.int64, len(words)))
    text_of, word_of = np.divmod(entries, count)
    numbers = np.fromiter(map(bool, map(_DIGITS.search, vocabulary)), bool, count)
    return text_of, word_of, np.bincount(word_of, minlength=count), numbers


def _first_words(text_of: np.ndarray, word_of: np.ndarray, rank: np.ndarray, size: np.ndarray) -> np.ndarray:
    """Entries (TEXT_OF, WORD_OF) keeping each text's SIZE[text] words of lowest RANK, as text * words + word."""
    order = np.lexsort((rank[word_of], text_of))
    texts, words = text_of[order], word_of[order]
    place = np.arange(len(texts)) - np.searchsorted(texts, texts)  # 0 for a text's first word
    chosen = place < size[texts]
    return texts[chosen] * len(rank) + words[chosen]


def _distinct(values: np.ndarray) -> np.ndarray:
    """VALUES sorted, each once (np.unique's hashing is slow on these structured integers)."""
    values = np.sort(values)
    return values[np.concatenate(([True], values[1:] != values[:-1]))] if len(values) else values


def _same_paragraph(blocks: list[Block], keys: list[str], first: int, later: int) -> bool:
    """Two alike blocks are one pasted twice, unless they are items of one list (an enumeration:
    "Nr. 4 ...", "Nr. 5 ...") or differ only in their numbers (Q1 and Q2 figures)."""
    group = blocks[later].group
    if group is not None and blocks[first].group is group:
        return False
    return _DIGITS.sub("#", keys[first]) != _DIGITS.sub("#", keys[later])


def _sentences(block: Block, key: str) -> list[str]:
    """The normalized sentences of BLOCK (whose normalized text is KEY) long enough to be asked about."""
    texts = _SENTENCE_END.split(block.text)
    sentences = [key] if len(texts) == 1 else map(normalize, texts)
    return [sentence for sentence in sentences if len(sentence) >= MIN_SENTENCE_CHARS]


def _covered(block: Block, key: str, sentences: list[str], earlier_sentences: set[str]) -> bool:
    """Every sentence of BLOCK is already in the clip: two paragraphs pasted again as one, or one
    pasted again in pieces. (Sentences shorter than MIN_SENTENCE_CHARS are not asked about, but
    must not be most of the block.)"""
    if block.kind not in _COVERED_KINDS or len(block.text) < MIN_COVERED_CHARS or not sentences:
        return False
    return sum(map(len, sentences)) * 10 >= len(key) * 9 and \
        all(sentence in earlier_sentences for sentence in sentences)
