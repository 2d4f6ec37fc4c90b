"""The repeat and teaser rules look only at candidates (blocks sharing a rare word) instead of every
pair: on generated pages they must decide exactly what comparing every pair decides, and a page too
long for every pair still has its near repeats found. Behaviour only, never a time."""

import random

import numpy as np
import pytest
from lxml import etree
from rapidfuzz import fuzz, process

from tidyclip.engine.clean import Page, comments, repeats, teaser
from tidyclip.engine.text import contains_words, normalize
from tidyclip.engine.extract import Block

SYLLABLES = "ka lo mi ne su ta ri po ve da gu shi an el or tr st pl".split()


def vocabulary(rng: random.Random, size: int) -> list[str]:
    words: set[str] = set()
    while len(words) < size:
        words.add("".join(rng.choice(SYLLABLES) for _ in range(rng.randint(1, 4))))
    return sorted(words)


def sentence(rng: random.Random, words: list[str], weights: list[float]) -> str:
    return " ".join(rng.choices(words, cum_weights=weights, k=rng.randint(5, 20))).capitalize() + "."


def variant(rng: random.Random, text: str, words: list[str]) -> str:
    """TEXT pasted again with an edit of the kinds pages show: a word or two changed, dropped or
    added, a letter mistyped, a wire tag, quote marks, a number updated."""
    tokens = text.split(" ")
    how = rng.randrange(7)
    if how == 0:
        tokens[rng.randrange(len(tokens))] = rng.choice(words)
    elif how == 1:
        for _ in range(2):
            tokens[rng.randrange(len(tokens))] = rng.choice(words)
    elif how == 2 and len(tokens) > 3:
        del tokens[rng.randrange(len(tokens))]
    elif how == 3:
        tokens.insert(rng.randrange(len(tokens)), rng.choice(words))
    elif how == 4:
        at = rng.randrange(len(tokens))
        word = tokens[at]
        spot = rng.randrange(len(word))
        tokens[at] = word[:spot] + rng.choice("aeiou") + word[spot + 1:]
    elif how == 5:
        return "LONDON (Reuters) - " + text
    else:
        return f"“{text}” {rng.randint(2, 99)}"
    return " ".join(tokens)


def generated_texts(seed: int, count: int, family_share: float = 0.04) -> list[str]:
    """COUNT paragraphs: new ones, exact repeats, near repeats of many kinds, and (FAMILY_SHARE of
    them) a family of one template with different words in it (photo captions, cookie notices),
    in a seeded order."""
    rng = random.Random(seed)
    words = vocabulary(rng, 3000)
    weights = list(np.cumsum([1 / rank for rank in range(1, len(words) + 1)]))
    template = " ".join(sentence(rng, words, weights) for _ in range(2)).split(" ")
    texts: list[str] = []
    while len(texts) < count:
        roll = rng.random()
        if texts and roll < 0.15:
            texts.append(variant(rng, rng.choice(texts), words))
        elif texts and roll < 0.2:
            texts.append(rng.choice(texts))
        elif roll < 0.2 + family_share:
            family = list(template)
            for _ in range(rng.randint(1, 4)):
                family[rng.randrange(len(family))] = rng.choice(words)
            texts.append(" ".join(family))
        else:
            texts.append(" ".join(sentence(rng, words, weights) for _ in range(rng.randint(1, 4))))
    return texts


def blocks_of(texts: list[str]) -> list[Block]:
    return [Block("paragraph", etree.Element("p"), text) for text in texts]


def all_pairs_repeats(blocks: list[Block], keys: list[str]) -> dict[int, str]:
    """The repeat rule comparing every paragraph with every earlier one it kept (the old way)."""
    found: dict[int, str] = {}
    unique = []
    for position, key in enumerate(keys):
        if len(key) < repeats.MIN_REPEAT_CHARS:
            continue
        if key in keys[:position]:
            found[position] = "duplicates"
        else:
            unique.append(position)
    compared = [repeats._WIRE_TAG.sub("", keys[position]) for position in unique]
    scores = process.cdist(compared, compared, scorer=fuzz.ratio, score_cutoff=repeats.NEAR_SIMILARITY)
    kept: list[int] = []
    earlier_sentences: set[str] = set()
    for index, position in enumerate(unique):
        sentences = repeats._sentences(blocks[position], keys[position])
        if any(scores[index, earlier] and repeats._same_paragraph(blocks, keys, unique[earlier], position)
               for earlier in kept) or repeats._covered(blocks[position], keys[position], sentences, earlier_sentences):
            found[position] = "near_duplicates"
        else:
            kept.append(index)
            earlier_sentences.update(sentences)
    return found


@pytest.mark.parametrize("seed", range(6))
def test_candidate_search_decides_what_comparing_every_pair_decides(seed):
    texts = generated_texts(seed, 900)
    blocks, keys = blocks_of(texts), [normalize(text) for text in texts]
    found = repeats.find(blocks, keys, Page(), list(range(len(blocks))))
    assert found == all_pairs_repeats(blocks, keys)
    assert sum(kind == "near_duplicates" for kind in found.values()) > 50  # the rule had work to do


@pytest.mark.parametrize("seed", range(6))
def test_a_page_of_few_paragraphs_scores_every_pair(seed):
    texts = generated_texts(seed, repeats.ALL_PAIRS_MAX)
    blocks, keys = blocks_of(texts), [normalize(text) for text in texts]
    assert repeats.find(blocks, keys, Page(), list(range(len(blocks)))) == all_pairs_repeats(blocks, keys)


@pytest.mark.parametrize("seed", range(6))
def test_every_near_copy_of_a_paragraph_is_found(seed):
    """Pair by pair, not only decision by decision (in a family of alike paragraphs, one pair found
    is enough to decide: not every pair is guaranteed there)."""
    texts = [repeats._WIRE_TAG.sub("", normalize(text)) for text in generated_texts(seed, 900, family_share=0)]
    texts = list(dict.fromkeys(text for text in texts if len(text) >= repeats.MIN_REPEAT_CHARS))
    scores = process.cdist(texts, texts, scorer=fuzz.ratio, score_cutoff=repeats.NEAR_SIMILARITY)
    every_pair = {(earlier, later) for later, earlier in zip(*np.nonzero(scores)) if earlier < later}
    found = {(earlier, later) for later, earliers in repeats._similar_pairs(texts).items() for earlier in earliers}
    assert found == every_pair
    assert len(every_pair) > 50


def test_near_repeats_are_found_on_a_page_of_thousands_of_paragraphs():
    original = "The harbour commission met on Tuesday to hear the plans for the new pier and the old warehouses."
    texts = generated_texts(7, 6000)
    texts.insert(100, original)
    texts.append("LONDON (Reuters) - " + original)
    blocks, keys = blocks_of(texts), [normalize(text) for text in texts]
    found = repeats.find(blocks, keys, Page(), list(range(len(blocks))))
    assert found[len(texts) - 1] == "near_duplicates"
    assert 100 not in found


def all_pairs_teasers(blocks: list[Block], keys: list[str]) -> set[int]:
    """The teaser rule looking for each cut text in every block (the old way)."""
    found = set()
    for position, block in enumerate(blocks):
        prefix = keys[position].rsplit(" ", 1)[0]
        if teaser._CUT.search(block.text) and len(prefix) >= teaser.MIN_TEASER_CHARS and any(
                other != position and len(keys[other]) > len(prefix) and contains_words(keys[other], prefix)
                for other in range(len(blocks))):
            found.add(position)
    return found


@pytest.mark.parametrize("seed", range(3))
def test_teasers_found_among_the_holders_of_their_rarest_word_are_all_of_them(seed):
    rng = random.Random(seed)
    texts = generated_texts(seed, 600)
    # cut copies: of a paragraph that is there (a teaser), of one that is not, and trailing sentences
    for _ in range(150):
        text = rng.choice(texts)
        cut = text[:rng.randint(20, max(21, len(text) - 1))]
        texts.insert(rng.randrange(len(texts) + 1), cut + rng.choice(("...", "…", "... Read more", "...[more]")))
    texts.extend(text[:60] + "..." for text in generated_texts(seed + 100, 30))
    blocks, keys = blocks_of(texts), [normalize(text) for text in texts]
    found = teaser.find(blocks, keys, Page(), list(range(len(blocks))))
    assert set(found) == all_pairs_teasers(blocks, keys)
    assert len(found) > 50


def test_a_region_searched_from_where_the_last_block_was_found_answers_as_a_whole_search_does():
    rng = random.Random(3)
    texts = [normalize(text) for text in generated_texts(3, 400)]
    region_text = " ".join(texts[:300])
    asked = texts[:300] + texts[300:] + rng.sample(texts[:300], 40)  # in page order, then absent, then out of order
    asked += [text.split(" ", 1)[-1] for text in rng.sample(texts, 40)]  # a block without its first word
    region = comments._RegionText(region_text)
    assert [region.has_words(key) for key in asked] == [contains_words(region_text, key) for key in asked]
