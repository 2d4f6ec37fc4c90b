"""CSV: one row of metadata a clip, for spreadsheets. No bodies.

Spreadsheets run a cell that starts with = + - @ (or a tab or carriage return) as a formula, and a
title is whatever a web page said ("=HYPERLINK(...)"), so such cells get a leading apostrophe, as
OWASP recommends. UTF-8 with a byte order mark, the only way Excel reads UTF-8 CSV right.
"""

import csv
import io
from collections.abc import Iterable, Iterator

from tidyclip.clip import Clip
from tidyclip.export.chunks import encoded_chunks
from tidyclip.export.options import ExportOptions

MIMETYPE = "text/csv; charset=utf-8"
FILE_ENDING = ".csv"
COLUMNS = ("id", "title", "url", "site", "author", "published", "created", "updated", "tags", "note",
           "word_count", "lang", "excerpt")
TAG_SEPARATOR = ", "
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def defused(value: object) -> object:
    """The cell value, with text a spreadsheet would run as a formula made inert."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def row(clip: Clip) -> list[object]:
    values = {**clip, "tags": TAG_SEPARATOR.join(clip.get("tags") or [])}
    return [defused(values.get(column) if values.get(column) is not None else "") for column in COLUMNS]


def _pieces(clips: Iterable[Clip]) -> Iterator[str]:
    line = io.StringIO()
    writer = csv.writer(line)

    def take(cells: Iterable[object]) -> str:
        writer.writerow(cells)
        text = line.getvalue()
        line.seek(0)
        line.truncate()
        return text

    yield "\ufeff" + take(COLUMNS)
    for clip in clips:
        yield take(row(clip))


def write(clips: Iterable[Clip], options: ExportOptions) -> Iterator[bytes]:
    return encoded_chunks(_pieces(clips))
