"""What the cleaning rules may know about the page besides its blocks."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Page:
    titles: tuple[str, ...] = ()  # the headline as the page and the browser tab give it, normalized
    description: str = ""      # the standfirst / meta description, normalized
    comment_regions: tuple[str, ...] = ()  # normalized text of each comment thread found in the HTML
