"""The links of an HTML export, streamed: Pocket's older HTML export and the Netscape bookmark file
every browser writes are both lists of <a> under headings. The file is fed to the parser a chunk at
a time and the links found so far are handed on, so a file of any size is read in bounded memory.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import TextIO

CHUNK_CHARS = 64 * 1024
#: Folders a browser makes itself (toolbar, "Other bookmarks"): where a bookmark sits, not a topic.
BROWSER_FOLDER_MARKS = ("personal_toolbar_folder", "unfiled_bookmarks_folder")


@dataclass
class Link:
    attrs: dict[str, str]
    text: str
    #: The text of the last <h1> before the link (Pocket: "Unread" or "Read Archive").
    section: str
    #: The folders (<h3> opening a <dl>) the link is in, outermost first, the browser's own left out.
    folders: tuple[str, ...]


class _LinkParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[Link] = []
        self.section = ""
        self._folders: list[str | None] = []  # one per open <dl>; None: no folder of the user's
        self._heading: str | None = None  # "h1" or "h3" while inside one
        self._heading_text: list[str] = []
        self._folder_is_browsers = False
        self._next_folder: str | None = None
        self._link: dict[str, str] | None = None
        self._link_text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag in ("h1", "h3"):
            self._heading, self._heading_text = tag, []
            self._folder_is_browsers = any(mark in values for mark in BROWSER_FOLDER_MARKS)
        elif tag == "dl":
            self._folders.append(self._next_folder)
            self._next_folder = None
        elif tag == "a":
            self._link, self._link_text = values, []

    def handle_endtag(self, tag: str) -> None:
        if tag == self._heading:
            text = " ".join("".join(self._heading_text).split())
            if tag == "h1":
                self.section = text
            else:
                self._next_folder = None if self._folder_is_browsers else text
            self._heading = None
        elif tag == "dl" and self._folders:
            self._folders.pop()
        elif tag == "a" and self._link is not None:
            folders = tuple(folder for folder in self._folders if folder)
            self.found.append(Link(self._link, " ".join("".join(self._link_text).split()), self.section, folders))
            self._link = None

    def handle_data(self, data: str) -> None:
        if self._link is not None:
            self._link_text.append(data)
        elif self._heading is not None:
            self._heading_text.append(data)


def iter_links(stream: TextIO) -> Iterator[Link]:
    parser = _LinkParser()
    while chunk := stream.read(CHUNK_CHARS):
        parser.feed(chunk)
        yield from parser.found
        parser.found.clear()
    parser.close()
    yield from parser.found
