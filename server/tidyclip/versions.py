"""Versions of a clip: what a page said each time its text changed between two clippings.

A clip is clipped again with a new text (whitespace aside): the version it showed becomes an
earlier one, the new text the current one. The current version lives exactly where a clip of one
version lives (its shard entry and body file), so saving, listing and searching cost what they
did; the earlier ones are only named in the clip's history file, read when they are asked for:

    bodies/ab/<id>.<rev>.versions   the history: every version's number, date, words, summary, files

An earlier version keeps the body and page files it had when it was current (nothing is copied
when it becomes earlier); pages are named by their content's hash, so one page is stored once
however many versions came from it (a page clipped whole and then as a selection). A clip with
one version has no history file. The user's fields (title, tags, note, ...) belong to the clip,
not to a version; a new cleaning of the current page (restore, reclean) makes no version.

The store (store.py) reads and writes the files; this module says what the history becomes.
"""

import hashlib
import json
from dataclasses import asdict, dataclass, field
from typing import Any

from tidyclip import textdiff
from tidyclip.clip import Clip
from tidyclip.errors import BadInput

#: The ending of a clip's history file in its body folder.
HISTORY_SUFFIX = ".versions"
#: What the versions list says of the first version.
FIRST_SUMMARY = "first clipped"
#: What a version holds besides what the list shows: its body (BODY_FIELDS).
LISTED = ("number", "clipped", "word_count", "summary")


@dataclass
class Entry:
    """One version. `body` None: the clip's current body (only the last entry)."""
    number: int
    clipped: str
    word_count: int
    summary: str
    body: str | None = None
    original: str | None = None
    selection: str | None = None

    def listed(self) -> dict[str, Any]:
        return {key: getattr(self, key) for key in LISTED}


@dataclass
class History:
    """Every version, oldest first, the current one last; empty for a clip of one version.
    `name`: the file it is stored in (None: not written yet); `blobs`: files of earlier versions
    still to be written with it (an import, an undo); `texts`: the texts of the earlier versions new
    to it, for the search index (number -> text)."""
    entries: list[Entry] = field(default_factory=list)
    name: str | None = None
    blobs: dict[str, bytes] = field(default_factory=dict)
    texts: dict[int, str] = field(default_factory=dict)

    @property
    def earlier(self) -> list[Entry]:
        return self.entries[:-1]

    def files(self) -> set[str]:
        """The files the earlier versions keep, and the history file itself."""
        names = {name for entry in self.earlier for name in (entry.body, entry.original, entry.selection) if name}
        return names | ({self.name} if self.name else set())

    def encode(self) -> bytes:
        return json.dumps({"versions": [asdict(entry) for entry in self.entries]}, ensure_ascii=False).encode("utf-8")

    @classmethod
    def decode(cls, data: bytes, name: str) -> "History":
        """A history file's content; ValueError (or KeyError, TypeError) when it is not one."""
        return cls([Entry(**entry) for entry in json.loads(data)["versions"]], name)

    def counts(self) -> dict[str, int]:
        """The clip's `version` (the current one's number) and `versions` (how many are kept)."""
        if not self.entries:
            return {"version": 1, "versions": 1}
        return {"version": self.entries[-1].number, "versions": len(self.entries)}

    def listing(self, clip: Clip) -> list[dict[str, Any]]:
        """What the versions list shows of each version, oldest first; the current one's words as
        its latest cleaning counts them."""
        entries = self.entries or [first_entry(clip)]
        return [*(entry.listed() for entry in entries[:-1]), {**entries[-1].listed(), "word_count": clip.get("word_count") or 0}]

    def entry(self, number: int) -> Entry:
        for entry in self.entries:
            if entry.number == number:
                return entry
        raise KeyError(number)


def first_entry(meta: Clip) -> Entry:
    """The one version of a clip never clipped with another text."""
    return Entry(1, meta["created"], meta.get("word_count") or 0, FIRST_SUMMARY)


def grown(history: History, current: Clip, older_text: str, fresh: Clip, clipped: str, keep: int | None) -> History:
    """The history once the page is clipped with a new text: the version `current` (its shard entry)
    showed becomes an earlier one, keeping its files; `fresh` is current; the oldest go past `keep`."""
    entries = list(history.entries) or [first_entry(current)]
    shown = entries[-1]
    entries[-1] = Entry(shown.number, shown.clipped, current.get("word_count") or 0, shown.summary,
                        current["_body"], current.get("_original"), current.get("_selection"))
    change = textdiff.summary(textdiff.diff(older_text, fresh.get("text") or ""))
    entries.append(Entry(shown.number + 1, clipped, fresh.get("word_count") or 0, change))
    return History(entries[-keep:] if keep else entries, texts={shown.number: older_text} if keep != 1 else {})


def page_name(clip_id: str, compressed: bytes, ending: str) -> str:
    """A stored page's file name, from its content: the same page is one file. The hash is of the
    page compressed (files.gzipped: no time stamp, so the same page compresses alike), a quarter of
    the bytes of the page."""
    return f"{clip_id}.{hashlib.blake2b(compressed, digest_size=8).hexdigest()}{ending}"


# ---- a history as exports and undo carry it ------------------------------------------------------

def check_records(records: Any, where: str = "") -> list[dict[str, Any]]:
    """An export's `version_history`: a list of versions, oldest first, each with its number, date,
    words and summary; each but the last (the clip itself) with its text. BadInput when it is not."""
    from tidyclip.clip import check_fields

    prefix = f"{where}: " if where else ""
    if not isinstance(records, list) or not all(isinstance(record, dict) for record in records):
        raise BadInput(f"{prefix}'version_history' must be a list of versions")
    numbers = [record.get("number") for record in records]
    if not all(isinstance(number, int) and not isinstance(number, bool) and number >= 1 for number in numbers) \
            or numbers != sorted(set(numbers)):
        raise BadInput(f"{prefix}'version_history' numbers must be whole numbers from 1, rising")
    for number, record in zip(numbers, records, strict=True):
        if not isinstance(record.get("summary", ""), str) or not isinstance(record.get("clipped"), str):
            raise BadInput(f"{prefix}version {number} needs a 'clipped' date and a text 'summary'")
        body = {key: record[key] for key in ("text", "markdown", "html", "cleaning", "word_count", "clipped") if key in record}
        check_fields({("created" if key == "clipped" else key): value for key, value in body.items()}, f"{prefix}version {number}")
        if record is not records[-1] and not isinstance(record.get("text"), str):
            raise BadInput(f"{prefix}version {number} has no 'text'")
    return records
