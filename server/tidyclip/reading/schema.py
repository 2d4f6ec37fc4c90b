"""The reading fields of a clip: their shape, their checks (clip.FIELD_CHECKS) and cleaners
(fields.FIELD_CLEANERS), and what a clip without them reads as.

    state      "unread" | "archived"       (missing: "unread")
    favorite   true | false                (missing: false)
    progress   0.0 .. 1.0, how far read    (missing: 0.0)
    highlights [{id, quote, prefix, suffix, note, detached, position: {start, end}, created}]
               (missing: []); `position` is where the quote was last found in the clip's `text`
               (character offsets), a hint for finding it again.
"""

import math
import re
from typing import Any, TypedDict

from tidyclip.config import MAX_HIGHLIGHTS, MAX_NOTE_CHARS, MAX_QUOTE_CHARS, QUOTE_CONTEXT_CHARS, READING_STATES

#: What a clip that never had them reads as (clips saved before these fields existed, new clips).
DEFAULTS: dict[str, Any] = {"state": "unread", "favorite": False, "progress": 0.0}
READING_FIELDS = ("state", "favorite", "progress", "highlights")
#: Set without changing the clip's `updated` time (the "Recently edited" order): reading is not editing.
UNTIMED_FIELDS = ("progress",)
HIGHLIGHT_ID = re.compile(r"^[0-9a-f]{12}$")
#: Control characters (not tab or newline) never belong in a quote or note.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class Position(TypedDict):
    start: int
    end: int


class Highlight(TypedDict):
    id: str
    quote: str
    prefix: str
    suffix: str
    note: str
    detached: bool
    position: Position
    created: str


def with_defaults(clip: dict[str, Any]) -> dict[str, Any]:
    """The clip as the reader sees it: unread, not favourite, unread so far, when it says nothing."""
    if "highlights" in clip or "text" not in clip:
        return {**DEFAULTS, **clip}
    return {**DEFAULTS, "highlights": [], **clip}


# ---- checks (None: fine; else why not) -------------------------------------------------------

def check_state(value: Any) -> str | None:
    return None if value in READING_STATES else f"must be one of {', '.join(READING_STATES)}"


def check_favorite(value: Any) -> str | None:
    return None if isinstance(value, bool) else "must be true or false"


def check_progress(value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return "must be a number from 0 to 1"
    return None if 0 <= value <= 1 else "must be a number from 0 to 1"


def _text_problem(name: str, value: Any, limit: int) -> str | None:
    if not isinstance(value, str):
        return f"{name} must be a string"
    return None if len(value) <= limit else f"{name} must be at most {limit} characters"


def highlight_problem(item: Any) -> str | None:
    """Why `item` is not a stored highlight, or None."""
    if not isinstance(item, dict):
        return "must each be an object {id, quote, prefix, suffix, note, detached, position}"
    if not isinstance(item.get("id"), str) or not HIGHLIGHT_ID.match(item["id"]):
        return "id must be 12 hexadecimal digits"
    problem = (quote_problem(item.get("quote")) or _text_problem("prefix", item.get("prefix", ""), MAX_QUOTE_CHARS)
               or _text_problem("suffix", item.get("suffix", ""), MAX_QUOTE_CHARS)
               or _text_problem("note", item.get("note", ""), MAX_NOTE_CHARS)
               or _text_problem("created", item.get("created", ""), 40))
    if problem:
        return problem
    if not isinstance(item.get("detached", False), bool):
        return "detached must be true or false"
    position = item.get("position", {"start": 0, "end": 0})
    if not (isinstance(position, dict) and all(
            isinstance(position.get(key), int) and not isinstance(position.get(key), bool) and position[key] >= 0
            for key in ("start", "end"))):
        return "position must be {start, end}, character offsets"
    return None


def quote_problem(value: Any) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return "quote must be the highlighted text, a non-empty string"
    return _text_problem("quote", value, MAX_QUOTE_CHARS)


def check_highlights(value: Any) -> str | None:
    if not isinstance(value, list):
        return "must be a list of highlights"
    if len(value) > MAX_HIGHLIGHTS:
        return f"holds {len(value)} highlights; a clip takes at most {MAX_HIGHLIGHTS}"
    for number, item in enumerate(value, start=1):
        problem = highlight_problem(item)
        if problem:
            return f"item {number}: {problem}"
    ids = [item["id"] for item in value]
    return None if len(set(ids)) == len(ids) else "hold the same id twice"


FIELD_CHECKS = {"state": check_state, "favorite": check_favorite, "progress": check_progress, "highlights": check_highlights}


# ---- cleaners (after the checks: the shape is right) -----------------------------------------

def passage_text(value: str, limit: int = MAX_QUOTE_CHARS) -> str:
    """A quote or its context as kept: the page's own characters (markup-like text in an article
    about HTML stays, it is shown as text everywhere), without control characters."""
    return _CONTROL.sub("", value)[:limit]


def clean_highlight(item: dict[str, Any]) -> Highlight:
    from tidyclip.fields import plain_text  # fields.py imports this module for its cleaners

    position = item.get("position") or {"start": 0, "end": 0}
    return {
        "id": item["id"],
        "quote": passage_text(item["quote"]),
        "prefix": passage_text(item.get("prefix") or "", QUOTE_CONTEXT_CHARS * 4),
        "suffix": passage_text(item.get("suffix") or "", QUOTE_CONTEXT_CHARS * 4),
        "note": plain_text(item.get("note"), MAX_NOTE_CHARS),
        "detached": bool(item.get("detached", False)),
        "position": {"start": int(position["start"]), "end": int(position["end"])},
        "created": str(item.get("created") or ""),
    }


#: Each also gives a clip without the field its default (fields.sanitize passes None for a missing field).
FIELD_CLEANERS = {
    "state": lambda value: value or DEFAULTS["state"],
    "favorite": lambda value: bool(value),
    "progress": lambda value: round(float(value or 0), 4),
    "highlights": lambda value: [clean_highlight(item) for item in value or []],
}
