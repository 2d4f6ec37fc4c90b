"""The fast text forms are exactly the regular expressions they stand for."""

import random
import re

from tidyclip.engine.text import normalize, squash

_SAMPLES = ["", " ", "__", "a_b", "Ça «déjà» vu — l'été_2 x__y 3,5 …",
            "  a \t b\u00a0c\u2028d\x1c\x1fe\x85 ",
            "İstanbul ǅ ß ﬁ Σ ΣΑΣ x\u0301y 𝒜b c🙂d ١٢٣ ²", "KELVIN \u212a", "tab\tnew\nline\r\nend.",
            "".join(map(chr, range(128)))]


def _random_texts() -> list[str]:
    draw = random.Random(20261201)
    ascii_texts = ["".join(chr(draw.randrange(128)) for _ in range(80)) for _ in range(300)]
    any_texts = ["".join(chr(draw.randrange(0x30000)) for _ in range(80)) for _ in range(300)]
    return _SAMPLES + ascii_texts + any_texts


def test_normalize_is_the_lowercased_word_tokens_joined_by_one_space() -> None:
    for text in _random_texts():
        assert normalize(text) == " ".join(re.findall(r"\w+", text.lower())), repr(text)


def test_squash_is_every_run_of_white_space_made_one_space() -> None:
    for text in _random_texts() + ["".join(map(chr, range(0x3100)))]:
        assert squash(text) == re.sub(r"\s+", " ", text).strip(), repr(text)
