"""What the cleaning rules may know about the page besides its blocks."""

from dataclasses import dataclass
from typing import NamedTuple


class Found(NamedTuple):
    """A rule's finding for one block: the kind of removal, and what showed it, for the cleaning report."""

    kind: str
    evidence: str


@dataclass(frozen=True)
class CommentRegion:
    """A comment thread found in the page's HTML: its normalized text and what pointed at it."""

    text: str
    evidence: tuple[str, ...] = ()  # "heading", "form", "thread", "attributes", in that order


@dataclass(frozen=True)
class Page:
    titles: tuple[str, ...] = ()  # the headline as the page and the browser tab give it, normalized
    description: str = ""      # the standfirst / meta description, normalized
    comment_regions: tuple[CommentRegion, ...] = ()  # each comment thread found in the HTML
    body_text: str = ""  # all the body's text, spaces squashed; only made when there are comment regions
