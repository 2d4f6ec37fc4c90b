"""The clip record: the one JSON shape the engine produces and the store, API and export share.

Engine fields (made by `tidyclip.engine.make_clip`):
    url, canonical_url, title, author, site, published (YYYY-MM-DD or None), lang, excerpt, image,
    text (paragraphs split by a blank line), markdown, html (sanitized), word_count, cleaning.
Store fields (added by the store when saved):
    id, created, updated (ISO 8601 UTC), tags (list of str), note (str), similar (list of
    {id, title, site, score}).
"""

from typing import Any

ENGINE_FIELDS = (
    "url", "canonical_url", "title", "author", "site", "published", "lang", "excerpt", "image",
    "text", "markdown", "html", "word_count", "cleaning",
)
STORE_FIELDS = ("id", "created", "updated", "tags", "note", "similar")
#: The kinds of removal the cleaning report counts; each is a key of `cleaning`.
CLEANING_KINDS = ("duplicates", "near_duplicates", "headline_repeats", "comments", "boilerplate")
#: Fields too big for list views: listings leave them out.
BODY_FIELDS = ("text", "markdown", "html", "cleaning")

Clip = dict[str, Any]


def empty_cleaning() -> dict[str, Any]:
    """A cleaning report with nothing removed."""
    report: dict[str, Any] = {kind: 0 for kind in CLEANING_KINDS}
    report["removed"] = []
    return report


def summary(clip: Clip) -> Clip:
    """The clip without its bodies, as list views show it."""
    return {key: value for key, value in clip.items() if key not in BODY_FIELDS}
