"""Text keys the cleaning rules compare: lower-case `\\w+` tokens joined by one space.

Quote marks, dashes, spacing and case never make two paragraphs different; words do.
"""

import re

_WORD = re.compile(r"\w+")


def normalize(text: str) -> str:
    return " ".join(_WORD.findall(text.lower()))


def contains_words(haystack: str, needle: str) -> bool:
    """NEEDLE's normalized words occur in HAYSTACK's, on word boundaries (both already normalized)."""
    return bool(needle) and f" {needle} " in f" {haystack} "
