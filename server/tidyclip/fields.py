"""Field policy: what the store makes of every field before it is kept. Defence in depth over what
the engine, an import or a user hands in: markup only where markup belongs (html, through nh3), plain
text everywhere else, web addresses only in URL fields. (clip.check_clip refuses wrong types first.)"""

import re
from typing import Any
from urllib.parse import urlsplit

import nh3

from tidyclip.clip import Clip, empty_cleaning
from tidyclip.config import MAX_NOTE_CHARS, MAX_TAG_CHARS, MAX_TAGS, MAX_TITLE_CHARS
from tidyclip.errors import BadInput
from tidyclip.reading import schema as reading

#: Tags, comments and declarations; "a < b" is text, "<b>" is markup.
MARKUP = re.compile(r"<(?:/?[a-zA-Z][^>]*|!--.*?--|![^>]*|\?[^>]*)>", re.S)


def plain_text(value: Any, limit: int) -> str:
    """User- or page-given text as plain text: no markup, no control characters, bounded."""
    text = str(value or "")
    text = MARKUP.sub("", text)
    text = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", "", text)
    return text.strip()[:limit]


def clean_tags(tags: Any) -> list[str]:
    """Tags as plain, trimmed strings, each once (compared without case), in the given order."""
    if tags is None:
        return []
    if isinstance(tags, str):
        tags = tags.split(",")
    if not isinstance(tags, list) or not all(isinstance(tag, str) for tag in tags):
        raise BadInput("tags must be a list of strings")
    seen, result = set(), []
    for tag in tags:
        tag = " ".join(plain_text(tag, MAX_TAG_CHARS).split())
        if tag and tag.casefold() not in seen:
            seen.add(tag.casefold())
            result.append(tag)
    if len(result) > MAX_TAGS:
        raise BadInput(f"a clip takes at most {MAX_TAGS} tags")
    return result


def merged_tags(current: list[str], added: list[str]) -> list[str]:
    """The current tags with the added ones after them (each once, compared without case)."""
    return clean_tags([*current, *added])


def safe_url(value: Any) -> str | None:
    """Only web addresses survive in URL fields (no javascript:, data: ...)."""
    if isinstance(value, str) and urlsplit(value.strip()).scheme.lower() in ("http", "https", "file"):
        return value.strip()
    return None


def _optional_text(limit: int):
    return lambda value: plain_text(value, limit) if value is not None else None


FIELD_CLEANERS = {
    "title": lambda value: plain_text(value, MAX_TITLE_CHARS),
    "note": lambda value: plain_text(value, MAX_NOTE_CHARS),
    "tags": clean_tags,
    "author": _optional_text(MAX_NOTE_CHARS),
    "site": _optional_text(MAX_NOTE_CHARS),
    "excerpt": _optional_text(MAX_NOTE_CHARS),
    "lang": _optional_text(35),
    "published": _optional_text(40),
    "canonical_url": safe_url,
    "image": safe_url,
    "html": lambda value: nh3.clean(value or "", url_schemes={"http", "https", "mailto"}),
    "text": lambda value: value or "",
    "markdown": lambda value: re.sub(r"\]\(\s*(javascript|vbscript|data):[^)]*\)", "]()", value or "", flags=re.I),
    "cleaning": lambda value: value or empty_cleaning(),
    "word_count": lambda value: value or 0,
    **reading.FIELD_CLEANERS,
}


def clean_fields(fields: dict[str, Any]) -> dict[str, Any]:
    """Each field through its cleaner (fields without one are kept as they are)."""
    return {key: FIELD_CLEANERS[key](value) if key in FIELD_CLEANERS else value for key, value in fields.items()}


def sanitize(clip: Clip) -> Clip:
    """A whole clip cleaned (`clean_fields`), every field present."""
    clip = clean_fields({**{key: None for key in FIELD_CLEANERS}, **clip})
    clip["title"] = clip["title"] or clip.get("url") or "Untitled"
    return clip
