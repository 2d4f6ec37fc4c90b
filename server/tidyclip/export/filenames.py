"""File names made from clip titles: safe on Windows, macOS and Linux, and unique in one folder.

A title is whatever the page said, so it may hold `../`, a Windows device name, control characters,
characters Windows or macOS refuse, or run to hundreds of characters. The name keeps as much of the
title as can be kept safely, so the user still recognises the file.
"""

import re
import unicodedata

#: Longest file name stem in UTF-8 bytes. File systems allow 255 bytes per name; staying well below
#: leaves room for the extension, a " (12)" suffix and the folder on Windows' 260-character paths.
MAX_STEM_BYTES = 100
FALLBACK_STEM = "Untitled"

#: Illegal on Windows (<>:"/\|?*), the macOS Finder (:), or breaking Obsidian/Logseq links (#^[]).
_ILLEGAL = re.compile(r'[<>:"/\\|?*#^\[\]]')
#: Windows device names, refused whatever the extension ("CON.md" is the console too).
_RESERVED = re.compile(r"^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])$", re.IGNORECASE)
#: Bidirectional overrides make a name display differently from what it is (spoofed extensions).
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f")
#: Characters that must not end a truncated name: they modify the character before them.
_JOINERS = frozenset("\u200d\ufe0e\ufe0f")


def _is_unsafe(char: str) -> bool:
    return unicodedata.category(char) in ("Cc", "Zl", "Zp") or char in _BIDI_CONTROLS


def _truncate_utf8(text: str, limit: int) -> str:
    """The longest prefix of `text` within `limit` UTF-8 bytes that does not end mid-character-sequence."""
    if len(text.encode("utf-8")) <= limit:
        return text
    cut = text.encode("utf-8")[:limit].decode("utf-8", errors="ignore")
    while cut and (cut[-1] in _JOINERS or unicodedata.combining(cut[-1])):
        cut = cut[:-1]
    return cut


def _trim(text: str) -> str:
    # Windows drops trailing dots and spaces; leading dots hide a file and make "." and "..".
    return text.strip(" .\t")


def safe_stem(title: str | None, limit: int = MAX_STEM_BYTES) -> str:
    """A file name stem (no extension) that is safe on every desktop file system."""
    text = unicodedata.normalize("NFC", title or "")
    text = "".join(" " if _is_unsafe(char) else char for char in text)
    text = _ILLEGAL.sub(" ", text)
    text = _trim(re.sub(r"\s+", " ", text))
    text = _trim(_truncate_utf8(text, limit))
    if not text:
        return FALLBACK_STEM
    head, dot, rest = text.partition(".")
    if _RESERVED.match(head.rstrip()):
        text = f"{head.rstrip()}_{dot}{rest}"
    return text


class UniqueNames:
    """Hands out file names that differ from every name handed out before, ignoring case and Unicode form.

    Case-insensitive because Windows and macOS file systems are, so "Report" and "report" would
    overwrite each other there.
    """

    def __init__(self) -> None:
        self._taken: set[str] = set()

    @staticmethod
    def _key(name: str) -> str:
        return unicodedata.normalize("NFC", name).casefold()

    def name(self, title: str | None, extension: str) -> str:
        stem = safe_stem(title)
        candidate, number = f"{stem}{extension}", 1
        while self._key(candidate) in self._taken:
            number += 1
            suffix = f" ({number})"
            shortened = _trim(_truncate_utf8(stem, MAX_STEM_BYTES - len(suffix))) or FALLBACK_STEM
            candidate = f"{shortened}{suffix}{extension}"
        self._taken.add(self._key(candidate))
        return candidate
