"""The clip record: the one JSON shape the engine produces and the store, API, import and export share,
and the one check of it (`check_clip`) every stored clip passes before it is saved.

Engine fields (made by `tidyclip.engine.make_clip`):
    url, canonical_url, title, author, site, published (YYYY-MM-DD or None), lang, excerpt, image,
    text (paragraphs split by a blank line), markdown, html (sanitized), word_count, cleaning.
User fields (kept when the page is cleaned again):
    tags (list of str), note (str), title; and the reading fields state, favorite, progress,
    highlights (tidyclip/reading/schema.py).
Store fields (added by the store when saved):
    id, created, updated (ISO 8601 UTC); version (the number of the version shown) and versions (how
    many are kept): a page clipped again with a new text keeps the earlier one (versions.py).
Image fields (set as the clip's pictures are downloaded, kept when the page is cleaned again):
    images (list of {url, status, reason, local_url, type, bytes, width, height}; images/).
Import fields (a clip saved from an export that gave only its address, waiting for its page):
    fetch ({status: "waiting" | "failed", reason, tries}); gone once the page is clipped.
Derived (joined in when a clip is read, never stored): similar (list of {id, title, site, score}).
"""

import math
import re
from datetime import datetime
from typing import Any, NotRequired, TypedDict

from tidyclip.config import (
    MAX_IMAGES,
    MAX_NOTE_CHARS,
    MAX_TAG_CHARS,
    MAX_TAGS,
    MAX_TITLE_CHARS,
    MAX_URL_CHARS,
    MAX_WORD_COUNT,
)
from tidyclip.errors import BadInput
from tidyclip.reading import schema as reading

ENGINE_FIELDS = (
    "url", "canonical_url", "title", "author", "site", "published", "lang", "excerpt", "image",
    "text", "markdown", "html", "word_count", "cleaning",
)
#: What the user owns: a new cleaning of the page (restore, reclean, the page clipped again) keeps these.
USER_FIELDS = ("tags", "note", "title", *reading.READING_FIELDS)
STORE_FIELDS = ("id", "created", "updated", "tags", "note", "version", "versions")
#: Joined in at read time from the story index (stories.py); a record that carries it is not believed.
DERIVED_FIELDS = ("similar",)
#: The kinds of removal the cleaning report counts; each is a key of `cleaning`.
CLEANING_KINDS = ("duplicates", "near_duplicates", "headline_repeats", "comments", "boilerplate")
#: Fields too big for list views: listings leave them out.
BODY_FIELDS = ("text", "markdown", "html", "cleaning")
#: Left out of list views too, though kept beside the metadata (edited without a new body revision).
LIST_HIDDEN_FIELDS = (*BODY_FIELDS, "highlights")
ID_PATTERN = re.compile(r"^[0-9a-f]{16}$")


class Removed(TypedDict):
    kind: str
    text: str
    position: int
    part: NotRequired[str]
    evidence: NotRequired[str]  # what showed a rule the block is not article, where the rule says


class Cleaning(TypedDict, total=False):
    duplicates: int
    near_duplicates: int
    headline_repeats: int
    comments: int
    boilerplate: int
    removed: list[Removed]
    restored: list[int]


class SimilarEntry(TypedDict):
    id: str
    title: str
    site: str
    score: float


class StoredClip(TypedDict, total=False):
    """A clip as the store keeps it and the API answers it (`similar` joined in when read)."""
    id: str
    url: str
    canonical_url: str | None
    title: str
    author: str | None
    site: str | None
    published: str | None
    lang: str | None
    excerpt: str | None
    image: str | None
    text: str
    markdown: str
    html: str
    word_count: int
    cleaning: Cleaning
    created: str
    updated: str
    tags: list[str]
    note: str
    version: int
    versions: int
    fetch: "PageFetch"
    similar: list[SimilarEntry]


class PageFetch(TypedDict):
    status: str  # FETCH_WAITING or FETCH_FAILED
    reason: str  # why it failed ("HTTP 404", "not HTML", "too big", "timed out"); "" while waiting
    tries: int


# Clips travel as plain dicts (JSON in, JSON out); StoredClip names their shape for readers and mypy.
Clip = dict[str, Any]


def empty_cleaning() -> dict[str, Any]:
    """A cleaning report with nothing removed."""
    report: dict[str, Any] = {kind: 0 for kind in CLEANING_KINDS}
    report["removed"] = []
    return report


def summary(clip: Clip) -> Clip:
    """The clip without its bodies, as list views show it."""
    return {key: value for key, value in clip.items() if key not in LIST_HIDDEN_FIELDS}


# ---- the check ----------------------------------------------------------------------------------

def _text(limit: int, *, optional: bool = False):
    def check(value: Any) -> str | None:
        if value is None and optional:
            return None
        if not isinstance(value, str):
            return "must be a string" + (" or null" if optional else "")
        return None if len(value) <= limit else f"must be at most {limit} characters"
    return check


def _count(low: int, high: int):
    def check(value: Any) -> str | None:
        if not isinstance(value, int) or isinstance(value, bool):
            return "must be a whole number"
        return None if low <= value <= high else f"must be from {low} to {high}"
    return check


def _moment(value: Any) -> str | None:
    if not isinstance(value, str) or len(value) > 40:
        return "must be an ISO 8601 date and time as a string"
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return f"is not an ISO 8601 date and time: {value[:40]!r}"
    return None


def _tags(value: Any) -> str | None:
    if not isinstance(value, list) or not all(isinstance(tag, str) for tag in value):
        return "must be a list of strings"
    if len(value) > MAX_TAGS:
        return f"holds {len(value)} tags; a clip takes at most {MAX_TAGS}"
    return None if all(len(tag) <= MAX_TAG_CHARS for tag in value) else f"must each be at most {MAX_TAG_CHARS} characters"


def _cleaning(value: Any) -> str | None:
    if not isinstance(value, dict):
        return "must be an object (the cleaning report)"
    for kind in CLEANING_KINDS:
        if kind in value and _count(0, 10**9)(value[kind]):
            return f"{kind} must be a whole number"
    removed = value.get("removed", [])
    if not isinstance(removed, list) or not all(
        isinstance(item, dict) and isinstance(item.get("kind"), str) and isinstance(item.get("text"), str)
        and not _count(0, 10**9)(item.get("position")) for item in removed
    ):
        return "removed must be a list of {kind, text, position}"
    restored = value.get("restored", [])
    if not isinstance(restored, list) or any(_count(0, 10**9)(position) for position in restored):
        return "restored must be a list of block positions"
    return None


def _similar(value: Any) -> str | None:
    # Derived data: checked for shape (a file that says otherwise is not an export), then not kept.
    if not isinstance(value, list) or not all(isinstance(entry, dict) for entry in value):
        return "must be a list of {id, title, site, score}"
    return None


#: The states of a clip's picture (`images`): downloaded, still coming, given up (with a reason), or
#: left out on purpose (a tracking pixel).
IMAGE_STATES = ("stored", "pending", "failed", "skipped")
#: A stored picture's file: the sha256 of its bytes and its kind (image_store.py); served at /images/<file>.
IMAGE_FILE = re.compile(r"[0-9a-f]{64}\.(png|jpg|gif|webp|svg|bmp|ico)")
_IMAGE_KEYS = {"url": str, "status": str, "reason": str, "local_url": str, "type": str, "bytes": int, "width": int, "height": int}


def _images(value: Any) -> str | None:
    if not isinstance(value, list) or len(value) > 10 * MAX_IMAGES:
        return f"must be a list of at most {10 * MAX_IMAGES} images"
    for entry in value:
        if not isinstance(entry, dict) or not isinstance(entry.get("url"), str) or entry.get("status") not in IMAGE_STATES:
            return "must each be an object with a url and a status (" + ", ".join(IMAGE_STATES) + ")"
        for key, item in entry.items():
            kind = _IMAGE_KEYS.get(key)
            if kind is None or not (item is None or (isinstance(item, kind) and not isinstance(item, bool))):
                return f"has an image with a wrong {key!r}"
            if isinstance(item, str) and len(item) > MAX_URL_CHARS:
                return f"has an image whose {key!r} is longer than {MAX_URL_CHARS} characters"
        local = entry.get("local_url")
        if local is not None and not (local.startswith("/images/") and IMAGE_FILE.fullmatch(local[len("/images/"):])):
            return f"has an image whose local_url is not a stored picture's: {local[:80]!r}"
    return None


FETCH_WAITING, FETCH_FAILED = "waiting", "failed"


def _fetch(value: Any) -> str | None:
    if not isinstance(value, dict) or value.get("status") not in (FETCH_WAITING, FETCH_FAILED):
        return f"must be {{status: {FETCH_WAITING!r} | {FETCH_FAILED!r}, reason, tries}}"
    if not isinstance(value.get("reason"), str) or len(value["reason"]) > MAX_TITLE_CHARS or _count(0, 1000)(value.get("tries")):
        return "must have a reason (a short string) and a number of tries"
    return None


def _clip_id(value: Any) -> str | None:
    return None if isinstance(value, str) and ID_PATTERN.match(value) else "must be 16 hexadecimal digits"


FIELD_CHECKS = {
    "id": _clip_id,
    "url": _text(MAX_URL_CHARS),
    "canonical_url": _text(MAX_URL_CHARS, optional=True),
    "image": _text(MAX_URL_CHARS, optional=True),
    "title": _text(MAX_TITLE_CHARS),
    "author": _text(MAX_NOTE_CHARS, optional=True),
    "site": _text(MAX_NOTE_CHARS, optional=True),
    "published": _text(40, optional=True),
    "lang": _text(35, optional=True),
    "excerpt": _text(MAX_NOTE_CHARS, optional=True),
    "text": _text(10**9),
    "markdown": _text(10**9),
    "html": _text(10**9),
    "word_count": _count(0, MAX_WORD_COUNT),
    "cleaning": _cleaning,
    "created": _moment,
    "updated": _moment,
    "tags": _tags,
    "note": _text(MAX_NOTE_CHARS),
    "version": _count(1, 10**9),
    "versions": _count(1, 10**9),
    "fetch": _fetch,
    "similar": _similar,
    "images": _images,
    **reading.FIELD_CHECKS,
}
#: What a stored clip must have; the rest may be missing (null).
REQUIRED = ("id", "url", "title", "text", "created", "updated")


def field_problem(field: str, value: Any) -> str | None:
    """Why `value` cannot be the clip's `field`, or None when it can."""
    check = FIELD_CHECKS.get(field)
    if check is None:
        return "is not a field of a clip"
    if _has_non_finite(value):
        return "holds NaN or an infinity, which JSON cannot carry"
    return check(value)


def check_fields(fields: dict[str, Any], where: str = "") -> None:
    """Raise BadInput naming the first field that is wrong (`where` says which record); fields are
    looked at in FIELD_CHECKS order, so the message does not depend on the order of a file's keys."""
    prefix = f"{where}: " if where else ""
    for field in sorted(fields, key=lambda name: (list(FIELD_CHECKS).index(name) if name in FIELD_CHECKS else len(FIELD_CHECKS), name)):
        problem = field_problem(field, fields[field])
        if problem:
            raise BadInput(f"{prefix}{field!r} {problem}")


def check_clip(clip: Clip, where: str = "") -> Clip:
    """The whole stored clip checked: the required fields present, every field's type and bounds.
    Returns it without its derived fields."""
    prefix = f"{where}: " if where else ""
    if not isinstance(clip, dict):
        raise BadInput(f"{prefix}expected a clip object, found {type(clip).__name__}")
    missing = [field for field in REQUIRED if clip.get(field) is None]
    if missing:
        raise BadInput(f"{prefix}the clip has no {missing[0]!r}")
    check_fields(clip, where)
    return {key: value for key, value in clip.items() if key not in DERIVED_FIELDS}


def _has_non_finite(value: Any) -> bool:
    if isinstance(value, float):
        return not math.isfinite(value)
    if isinstance(value, dict):
        return any(_has_non_finite(item) for item in value.values())
    if isinstance(value, list):
        return any(_has_non_finite(item) for item in value)
    return False
