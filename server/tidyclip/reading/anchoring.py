"""Finding a highlighted passage in a clip's text, as the W3C Web Annotation TextQuoteSelector
describes it (exact text, some text before and after it) with a TextPositionSelector-like hint
(where it was last found).

Whitespace is not compared: the reader selects in the page's HTML, where paragraphs meet without a
blank line, while the clip's text splits them by one; a cleaning that re-wraps lines changes nothing
either. Among several places holding the quote, the one whose context matches best (then the one
nearest the hint) wins. When the quote is found nowhere (the text changed), the passage most like it
is taken if it is at least FUZZY_ANCHOR_SCORE alike (rapidfuzz); else the highlight is detached.
"""

import re
from dataclasses import dataclass

from rapidfuzz import fuzz

from tidyclip.config import FUZZY_ANCHOR_SCORE, QUOTE_CONTEXT_CHARS

_SPACE = re.compile(r"\s+")
#: Quotes shorter than this (without whitespace) are found exactly or not at all: fuzzily, a word
#: or two matches almost anywhere.
MIN_FUZZY_CHARS = 12
#: Places compared by their context at most: a quote found more often is placed among the first ones.
MAX_CANDIDATES = 1000


def squeezed(value: str) -> str:
    return _SPACE.sub("", value)


@dataclass(frozen=True)
class Span:
    start: int
    end: int


class Text:
    """A text made ready for finding many quotes in it: its characters without whitespace, and
    where each of them is in the text."""

    def __init__(self, text: str):
        self.text = text
        self.offsets = [index for index, char in enumerate(text) if not char.isspace()]
        self.squeezed = "".join(text[index] for index in self.offsets)

    def span(self, start: int, end: int) -> Span:
        """The text's span of squeezed[start:end] (end > start)."""
        return Span(self.offsets[start], self.offsets[end - 1] + 1)

    def find(self, quote: str, prefix: str = "", suffix: str = "", hint: int | None = None) -> Span | None:
        """Where `quote` is in the text (exactly, else fuzzily), or None."""
        needle = squeezed(quote)
        if not needle:
            return None
        places = self._exact(needle)
        if places:
            best = max(places, key=lambda at: self._fit(at, at + len(needle), squeezed(prefix), squeezed(suffix), hint))
            return self.span(best, best + len(needle))
        return self._fuzzy(needle)

    def _exact(self, needle: str) -> list[int]:
        places: list[int] = []
        at = self.squeezed.find(needle)
        while at != -1 and len(places) < MAX_CANDIDATES:
            places.append(at)
            at = self.squeezed.find(needle, at + 1)
        return places

    def _fit(self, start: int, end: int, prefix: str, suffix: str, hint: int | None) -> tuple[float, float]:
        """How well the context around squeezed[start:end] matches, then how near it is to the hint."""
        before = self.squeezed[max(0, start - len(prefix)):start]
        after = self.squeezed[end:end + len(suffix)]
        context = (fuzz.ratio(prefix, before) if prefix else 0.0) + (fuzz.ratio(suffix, after) if suffix else 0.0)
        nearness = -abs(self.offsets[start] - hint) if hint is not None else 0.0
        return context, nearness

    def _fuzzy(self, needle: str) -> Span | None:
        if len(needle) < MIN_FUZZY_CHARS or not self.squeezed:
            return None
        found = fuzz.partial_ratio_alignment(needle, self.squeezed, score_cutoff=FUZZY_ANCHOR_SCORE)
        if found is None or found.dest_end <= found.dest_start:
            return None
        return self.span(found.dest_start, found.dest_end)

    def context(self, span: Span) -> tuple[str, str]:
        """The QUOTE_CONTEXT_CHARS characters before and after a span (the selector's prefix and suffix)."""
        return (self.text[max(0, span.start - QUOTE_CONTEXT_CHARS):span.start],
                self.text[span.end:span.end + QUOTE_CONTEXT_CHARS])
