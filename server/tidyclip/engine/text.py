"""The text forms every stage compares: `squash`ed (spacing made one space) and `normalize`d (lower-case
`\\w+` tokens joined by one space: quote marks, dashes, spacing and case never make two paragraphs
different; words do).

Both run over every block of a page several times, so they do the work in C where they can:
`str.split()` splits on exactly the characters `\\s` matches, and an ASCII text's non-word characters
are turned into spaces by one `str.translate` (three times faster than the regular expression, which
stays for other texts; tests/test_engine_text.py checks both against it).
"""

import re
import string

_WORD = re.compile(r"\w+")
#: Every ASCII character that is not a `\\w` one, to a space.
_ASCII_NON_WORD_TO_SPACE = str.maketrans({character: " " for character in map(chr, range(128))
                                          if character not in string.ascii_letters + string.digits + "_"})


def squash(text: str) -> str:
    """TEXT with each run of white space one space, none at either end."""
    return " ".join(text.split())


def normalize(text: str) -> str:
    lowered = text.lower()
    if lowered.isascii():
        return " ".join(lowered.translate(_ASCII_NON_WORD_TO_SPACE).split())
    return " ".join(_WORD.findall(lowered))


def contains_words(haystack: str, needle: str) -> bool:
    """NEEDLE's normalized words occur in HAYSTACK's, on word boundaries (both already normalized)."""
    return bool(needle) and f" {needle} " in f" {haystack} "
