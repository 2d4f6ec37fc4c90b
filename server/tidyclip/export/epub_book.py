"""EPUB 3 for e-readers (ebooklib): one chapter a clip, a table of contents, a small stylesheet.

ebooklib builds a whole book in memory and writes it at the end. Here its writer is driven a piece at a
time instead: each chapter is written into the zip as soon as it is made and its body dropped, and the
package document, navigation and NCX, which list every chapter, are written last (an EPUB's entries
may come in any order after `mimetype`). Memory holds one chapter body plus ebooklib's chapter object
without its body (title, file name, id: about 1.2 KB) for each chapter, never the bodies of the others.

Chapters are XHTML: the clip HTML is sanitized and stripped of characters XML forbids, and ebooklib
re-serializes it as XML. A clip's stored pictures are embedded (images/, listed in the manifest); the
others are replaced by their alt text: an EPUB may not load remote images.
"""

import zipfile
from collections.abc import Iterable, Iterator

from ebooklib import epub

from tidyclip.clip import Clip
from tidyclip.export.chunks import batched
from tidyclip.export.markup import clip_header, sanitize, without_images, xml_safe
from tidyclip.export.options import ExportOptions
from tidyclip.export.sink import DrainableBuffer
from tidyclip.images.carry import files_of
from tidyclip.images.local_html import html_with_copies

MIMETYPE = "application/epub+zip"
FILE_ENDING = ".epub"
#: The book's folder of the clips' stored pictures.
IMAGES = "images"
STYLE = b"""body { font-family: serif; line-height: 1.5; }
h1 { font-family: sans-serif; line-height: 1.2; }
.byline, .tags { font-family: sans-serif; font-size: .8em; color: #555; }
.note { border-left: 3px solid #aaa; margin-left: 0; padding-left: 1em; }
"""


class _PiecewiseWriter(epub.EpubWriter):
    """ebooklib's writer, driven entry by entry into `sink` instead of all at once at the end."""

    def __init__(self, book: epub.EpubBook, sink: DrainableBuffer):
        # Page lists would re-read every chapter body, which is dropped once written.
        super().__init__(None, book, {"epub3_pages": False})
        self.out = zipfile.ZipFile(sink, "w", zipfile.ZIP_DEFLATED, compresslevel=self.options["compresslevel"])

    def begin(self) -> None:
        self.out.writestr("mimetype", "application/epub+zip", compress_type=zipfile.ZIP_STORED)
        self._write_container()

    def write_item(self, item: epub.EpubItem) -> None:
        self.out.writestr(f"{self.book.FOLDER_NAME}/{item.file_name}", item.get_content())

    def finish(self, navigation: epub.EpubNav, ncx: epub.EpubNcx) -> None:
        self._write_opf()
        folder = self.book.FOLDER_NAME
        self.out.writestr(f"{folder}/{navigation.file_name}", self._get_nav(navigation))
        self.out.writestr(f"{folder}/{ncx.file_name}", self._get_ncx())
        self.out.close()


def _new_book(options: ExportOptions) -> epub.EpubBook:
    book = epub.EpubBook()
    book.set_identifier(f"tidyclip-{options.exported.strftime('%Y%m%dT%H%M%S%fZ')}")
    book.set_title(options.title)
    book.set_language("en")
    book.add_author("tidyclip")
    book.add_metadata("DC", "date", options.exported.strftime("%Y-%m-%dT%H:%M:%SZ"))
    return book


def chapter(clip: Clip, number: int, style: epub.EpubItem, pictures: dict[str, str] | None = None) -> epub.EpubHtml:
    """`pictures`: original address -> the book's own file of a stored picture (the rest become their alt text)."""
    body = sanitize(clip.get("html"))
    if pictures:
        body = html_with_copies(body, clip, lambda entry: pictures.get(entry["url"]))
    body = without_images(body)
    item = epub.EpubHtml(
        uid=f"clip{number}", file_name=f"clip{number:05d}.xhtml",
        title=xml_safe(clip.get("title") or clip["url"]), lang=clip.get("lang") or None,
    )
    item.content = f"<html><body>{xml_safe(clip_header(clip, 'h1'))}{body}</body></html>"
    item.add_item(style)
    return item


def _entries(clips: Iterable[Clip], options: ExportOptions) -> Iterator[bytes]:
    book = _new_book(options)
    style = book.add_item(epub.EpubItem(uid="style", file_name="style.css", media_type="text/css", content=STYLE))
    sink = DrainableBuffer()
    writer = _PiecewiseWriter(book, sink)
    writer.begin()
    writer.write_item(style)
    chapters = []
    embedded: set[str] = set()
    for number, clip in enumerate(clips, start=1):
        pictures = {}
        for entry, name, data in files_of(clip, options.image_of) if options.image_of else ():
            if name not in embedded:  # once a book, however many clips show it; listed in the manifest
                picture = book.add_item(epub.EpubItem(uid=f"img-{name[:16]}", file_name=f"{IMAGES}/{name}",
                                                      media_type=entry.get("type"), content=data))
                writer.write_item(picture)
                picture.content = b""
                embedded.add(name)
            pictures[entry["url"]] = f"{IMAGES}/{name}"
        item = book.add_item(chapter(clip, number, style, pictures))
        writer.write_item(item)
        item.content = ""  # written: drop the body, keep the title and file name for the contents
        chapters.append(item)
        yield sink.drain()
    book.toc = chapters
    navigation, ncx = book.add_item(epub.EpubNav()), book.add_item(epub.EpubNcx())
    book.spine = ["nav", *chapters]
    writer.finish(navigation, ncx)
    yield sink.drain()


def write(clips: Iterable[Clip], options: ExportOptions) -> Iterator[bytes]:
    return batched(_entries(clips, options))
