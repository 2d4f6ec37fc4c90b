"""Items of a JSON array read one at a time from a text stream, so a large file is never held whole."""

import json
from collections.abc import Iterator
from typing import Any, TextIO

from tidyclip.errors import BadInput

#: Characters read at a time; doubled while one item is larger, so a huge item costs O(n log n), not O(n²).
READ_CHARS = 1 << 20
_WHITESPACE = " \t\r\n"


class _Cursor:
    def __init__(self, stream: TextIO, name: str, read_chars: int):
        self.stream, self.name = stream, name
        self.text, self.position, self.eof = "", 0, False
        self.read_chars = self.read_size = read_chars

    def more(self) -> bool:
        """Read more text; False at the end of the stream."""
        if self.eof:
            return False
        chunk = self.stream.read(self.read_size)
        if not chunk:
            self.eof = True
            return False
        self.text = self.text[self.position:] + chunk
        self.position = 0
        return True

    def next_char(self) -> str:
        """The next non-blank character, not consumed; '' at the end."""
        while True:
            while self.position < len(self.text) and self.text[self.position] in _WHITESPACE:
                self.position += 1
            if self.position < len(self.text) or not self.more():
                return self.text[self.position:self.position + 1]

    def expect(self, allowed: str, what: str) -> str:
        char = self.next_char()
        if not char:
            raise BadInput(f"{self.name}: the file ends where {what} should be: is it cut short?")
        if char not in allowed:
            raise BadInput(f"{self.name}: not valid JSON: expected {what}, found {char!r}")
        self.position += 1
        return char


def iter_array(stream: TextIO, name: str, *, opened: bool = False, closing: str = "",
               read_chars: int = READ_CHARS) -> Iterator[Any]:
    """Each item of the JSON array at the start of `stream` (just after its `[` when `opened`).

    After the array, only `closing` (the end of an enclosing document) and blanks may follow.
    """
    decoder = json.JSONDecoder()
    cursor = _Cursor(stream, name, read_chars)
    if not opened:
        cursor.expect("[", "'['")
    if cursor.next_char() == "]":
        cursor.position += 1
        _check_rest(cursor, closing)
        return
    while True:
        cursor.next_char()
        while True:
            try:
                item, end = decoder.raw_decode(cursor.text, cursor.position)
            except json.JSONDecodeError as exc:
                if cursor.more():
                    cursor.read_size *= 2
                    continue
                raise BadInput(f"{name}: not valid JSON ({exc.msg}); is the file cut short?") from None
            # A number or literal at the very end of what was read may continue in the next read.
            if end < len(cursor.text) or cursor.eof or isinstance(item, (dict, list, str)):
                break
            if not cursor.more():
                break
        cursor.position = end
        cursor.read_size = cursor.read_chars
        yield item
        if cursor.expect(",]", "',' or ']'") == "]":
            _check_rest(cursor, closing)
            return


def _check_rest(cursor: _Cursor, closing: str) -> None:
    rest = cursor.text[cursor.position:] + cursor.stream.read()
    if "".join(rest.split()) != closing:
        raise BadInput(f"{cursor.name}: not valid JSON after the last item; is the file cut short?")
