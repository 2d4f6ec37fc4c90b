"""The clip as tidyclip's JSON and JSON Lines exports carry it, and back.

A record is the stored clip, every field as it is (cleaning report, note, similar links included), plus
`original_html`, the page as it was clipped, when the export was asked to carry it: with it an imported
clip can be recleaned later; without it the export is ten to a hundred times smaller. With it, too,
`image_files`: the clip's stored pictures (file name -> base64), kept again by the import. A clip
whose page changed carries `version_history`: every version, oldest first (versions.check_records),
each earlier one with its text, Markdown, HTML and cleaning (and its page, with `original_html`).
"""

from typing import Any

from tidyclip.clip import Clip, check_clip
from tidyclip.errors import BadInput
from tidyclip.fields import safe_url
from tidyclip.images.carry import IMAGE_FILES_KEY, decoded_files
from tidyclip.versions import check_records

#: The `format` value at the top of a tidyclip JSON document, and its version.
DOCUMENT_FORMAT = "tidyclip"
DOCUMENT_VERSION = 1
ORIGINAL_KEY = "original_html"
HISTORY_KEY = "version_history"
#: Added by stories.fold for its own callers; not part of a stored clip.
_TRANSIENT_KEYS = ("also",)


def to_record(clip: Clip, original_html: str | None = None, image_files: dict[str, str] | None = None,
              history: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    record = {key: value for key, value in clip.items() if key not in _TRANSIENT_KEYS}
    if original_html is not None:
        record[ORIGINAL_KEY] = original_html
    if image_files:
        record[IMAGE_FILES_KEY] = image_files
    if history:
        record[HISTORY_KEY] = history
    return record


def record_history(record: dict[str, Any]) -> list[dict[str, Any]] | None:
    """The versions a record carries (checked by from_record), None when it carries none."""
    return record.get(HISTORY_KEY) or None


def from_record(record: Any, where: str) -> tuple[Clip, str | None]:
    """The clip and original page in a record, checked whole by the clip schema (clip.check_clip);
    BadInput naming `where` and the field when it is not a tidyclip clip. Its `similar` list is
    derived data and is not kept: links are found again among the clips that are here."""
    if not isinstance(record, dict):
        raise BadInput(f"{where}: expected a clip object, found {type(record).__name__}")
    for key in ("id", "url"):
        if not isinstance(record.get(key), str) or not record[key]:
            raise BadInput(f"{where}: the clip has no {key!r}")
    if not safe_url(record["url"]):
        raise BadInput(f"{where}: the clip's url is not a web or file address: {record['url'][:80]!r}")
    original = record.get(ORIGINAL_KEY)
    if original is not None and not isinstance(original, str):
        raise BadInput(f"{where}: {ORIGINAL_KEY!r} must be a string")
    decoded_files(record.get(IMAGE_FILES_KEY), where)  # checked with the rest: a bad file refuses the import
    if record.get(HISTORY_KEY) is not None:
        check_records(record[HISTORY_KEY], where)
    clip = check_clip({key: value for key, value in record.items() if key not in (ORIGINAL_KEY, IMAGE_FILES_KEY, HISTORY_KEY)}, where)
    return clip, original
