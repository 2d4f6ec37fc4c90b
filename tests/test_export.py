"""Export: every format read back by the tool its users would use, from a real store in a temp dir."""

import csv
import io
import json
import re
import unicodedata
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml
from ebooklib import ITEM_DOCUMENT, epub
from lxml import etree

from tidyclip.engine import make_clip
from tidyclip.errors import BadInput
from tidyclip.export import FORMATS, export_to_path, stream_export
from tidyclip.export import csv_table, html_book
from tidyclip.export.filenames import MAX_STEM_BYTES, UniqueNames, safe_stem
from tidyclip.export.options import ExportOptions
from tidyclip.library import Library
from tidyclip.urls import normalize_url, url_id

ROOT = Path(__file__).resolve().parent.parent
SEED_PAGE = ROOT / "tests" / "fixtures" / "seed-blogger" / "page.html"

#: Titles that break naive exporters: traversal, device names, emoji, length, twins, YAML and CSV traps.
TRICKY_TITLES = [
    "../../etc/passwd", "CON", "nul.txt", "Party time 🎉👩‍👩‍👧 in Zürich", "Lorem ipsum " * 25, "Same title",
    "same TITLE", "Same title", 'Title: with "quotes", a #hash and --- dashes', "Tab\there\nnewline\x07bell",
    "...", "=HYPERLINK(\"http://evil.example\",\"click\")", "-2+3", "@SUM(A1)", "Plain title", "",
]
WINDOWS_RESERVED = re.compile(r"^(con|prn|aux|nul|com[0-9]|lpt[0-9])$", re.IGNORECASE)
ILLEGAL_IN_NAMES = set('<>:"/\\|?*') | {chr(code) for code in range(32)}


@pytest.fixture(scope="module")
def seed_clip() -> dict:
    return make_clip(SEED_PAGE.read_text(encoding="utf-8"), "https://dispatch.example/story")


def as_record(clip: dict, url: str, **fields) -> dict:
    """An engine clip as a whole stored record of `url` (what an import brings in)."""
    return {**clip, "url": url, "id": url_id(normalize_url(url)), "created": "2026-03-04T05:06:07.000Z",
            "updated": "2026-03-04T05:06:07.000Z", "tags": [], "note": "", **fields}


@pytest.fixture(scope="module")
def library(tmp_path_factory, seed_clip):
    """A real store holding one clip per tricky title, all made from the seed page's clip."""
    with Library.open(tmp_path_factory.mktemp("export") / "data") as library:
        for number, title in enumerate(TRICKY_TITLES):
            clip = as_record(seed_clip, f"https://news{number}.example/story/{number}", title=title,
                             tags=["machine learning", f"batch {number % 3}"], note=f"note {number}\nsecond line")
            library.import_record(clip, SEED_PAGE.read_text(encoding="utf-8"))
        yield library


@pytest.fixture(scope="module")
def stored(library) -> dict[str, dict]:
    return {clip["id"]: clip for clip in library.iter_clips()}


def export(library, fmt: str, tmp_path: Path, **kwargs) -> Path:
    out = tmp_path / f"export.{fmt}"
    export_to_path(library, fmt, out, progress=False, **kwargs)
    return out


# -- file names ----------------------------------------------------------------------------------
@pytest.mark.parametrize("title, expected", [
    ("../../etc/passwd", "etc passwd"), ("CON", "CON_"), ("con.tar", "con_.tar"), ("COM1", "COM1_"),
    ("a/b\\c:d*e?f\"g<h>i|j", "a b c d e f g h i j"), ("...", "Untitled"), ("", "Untitled"), (None, "Untitled"),
    ("  trailing dot. ", "trailing dot"), ("bell\x07 and \u202eevil", "bell and evil"), ("🎉", "🎉"),
])
def test_safe_stem_cases(title, expected):
    assert safe_stem(title) == expected


def test_safe_stem_bounds_bytes_without_breaking_characters():
    stem = safe_stem("ü" * 300)
    assert len(stem.encode("utf-8")) <= MAX_STEM_BYTES and stem == "ü" * (MAX_STEM_BYTES // 2)
    family = "👩\u200d👩\u200d👧"
    stem = safe_stem(family * 40)
    assert len(stem.encode("utf-8")) <= MAX_STEM_BYTES
    assert not stem.endswith("\u200d")


def test_unique_names_ignore_case_and_unicode_form():
    names = UniqueNames()
    given = [names.name(title, ".md") for title in ("Café", "Cafe\u0301", "CAFÉ", "x" * 300, "x" * 300)]
    assert given[:3] == ["Café.md", "Café (2).md", "CAFÉ (3).md"]
    assert given[3] != given[4] and all(len(name.encode()) <= MAX_STEM_BYTES + 3 for name in given)


# -- Markdown ------------------------------------------------------------------------------------
def test_markdown_zip_names_are_safe_and_every_front_matter_is_yaml(library, stored, tmp_path):
    archive = zipfile.ZipFile(export(library, "md", tmp_path))
    names = archive.namelist()
    assert len(names) == len(stored)
    keys = set()
    for name in names:
        folder, _, base = name.partition("/")
        assert folder == "tidyclip" and "/" not in base and "\\" not in base and ".." not in name
        stem = base.removesuffix(".md")
        assert base.endswith(".md") and stem and not stem.startswith(".") and not stem.endswith((" ", "."))
        assert not WINDOWS_RESERVED.match(stem.split(".")[0])
        assert not ILLEGAL_IN_NAMES & set(base)
        assert len(base.encode("utf-8")) <= MAX_STEM_BYTES + len(".md")
        keys.add(unicodedata.normalize("NFC", base).casefold())
    assert len(keys) == len(names), "two notes would overwrite each other on a case-insensitive disk"

    by_url = {clip["url"]: clip for clip in stored.values()}
    for name in names:
        text = archive.read(name).decode("utf-8")
        assert text.startswith("---\n")
        front, body = text[4:].split("\n---\n", 1)
        meta = yaml.safe_load(front)
        clip = by_url[meta["url"]]
        assert set(meta) == {"title", "url", "author", "site", "published", "clipped", "tags"}
        assert meta["title"] == clip["title"] and meta["clipped"] == clip["created"]
        assert meta["site"] == clip["site"] and meta["published"] == clip["published"]
        assert meta["tags"] == ["machine-learning", clip["tags"][1].replace(" ", "-")]
        assert clip["markdown"].strip()[:200] in body and "> note" in body
    bases = {name.split("/")[1] for name in names}
    assert {"etc passwd.md", "CON_.md", "nul_.txt.md"} <= bases
    assert {base.casefold() for base in bases if base.casefold().startswith("same title")} == \
        {"same title.md", "same title (2).md", "same title (3).md"}


# -- JSON and JSON Lines --------------------------------------------------------------------------
def test_json_document_holds_every_clip_whole(library, stored, tmp_path):
    document = json.loads(export(library, "json", tmp_path).read_text(encoding="utf-8"))
    assert document["format"] == "tidyclip" and document["version"] == 1 and document["exported"]
    assert {clip["id"]: clip for clip in document["clips"]} == stored
    assert all(clip["cleaning"]["removed"] for clip in document["clips"])


def test_json_lines_one_clip_a_line(library, stored, tmp_path):
    lines = export(library, "jsonl", tmp_path).read_text(encoding="utf-8").splitlines()
    assert len(lines) == len(stored)
    assert {clip["id"]: clip for clip in map(json.loads, lines)} == stored


def test_json_carries_the_original_page_when_asked(library, tmp_path):
    lines = export(library, "jsonl", tmp_path, with_original=True).read_text(encoding="utf-8").splitlines()
    first = json.loads(lines[0])
    assert first["original_html"] == library.original_html(first["id"]) == SEED_PAGE.read_text(encoding="utf-8")
    with pytest.raises(BadInput, match="original"):
        export(library, "csv", tmp_path, with_original=True)


# -- HTML -----------------------------------------------------------------------------------------
class _Anchors(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links, self.ids, self.tags = [], set(), []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.tags.append((tag, attributes))
        if tag == "a" and attributes.get("href", "").startswith("#"):
            self.links.append(attributes["href"][1:])
        if "id" in attributes:
            self.ids.add(attributes["id"])


def test_html_file_has_contents_every_clip_and_no_script(library, stored, tmp_path):
    page = export(library, "html", tmp_path).read_text(encoding="utf-8")
    parser = _Anchors()
    parser.feed(page)
    assert not [tag for tag, _ in parser.tags if tag in ("script", "iframe", "object", "embed", "link")]
    assert not [name for _, attributes in parser.tags for name in attributes if name.startswith("on")]
    assert "Content-Security-Policy" in page and "default-src 'none'" in page
    contents = [link for link in parser.links if link.startswith("clip-")]
    assert sorted(contents) == sorted(f"clip-{clip_id}" for clip_id in stored)
    assert set(contents) <= parser.ids, "a contents entry points nowhere"
    for clip in stored.values():
        assert f'<article id="clip-{clip["id"]}" lang="en" dir="auto">' in page
    assert page.count("Richard Moore’s invitation follows") >= len(stored)


def test_html_export_sanitizes_whatever_the_clip_holds():
    hostile = {"id": "1", "url": "https://x.example/", "title": "<script>alert(1)</script>", "note": "",
               "html": '<p onclick="x()">hi</p><script>alert(2)</script><a href="javascript:alert(3)">a</a>'}
    page = b"".join(html_book.write([hostile], ExportOptions())).decode()
    assert "<script" not in page.lower() and "onclick" not in page and "javascript:" not in page
    assert "&lt;script&gt;alert(1)" in page and "<p>hi</p>" in page
    page = b"".join(html_book.write([{**hostile, "url": "javascript:alert(4)"}], ExportOptions())).decode()
    assert 'href="javascript:' not in page


# -- EPUB -----------------------------------------------------------------------------------------
def test_epub_opens_with_one_chapter_per_clip_and_a_toc(library, stored, tmp_path):
    path = export(library, "epub", tmp_path)
    book = epub.read_epub(str(path))
    chapters = [item for item in book.get_items_of_type(ITEM_DOCUMENT) if not isinstance(item, epub.EpubNav)
                and item.get_name() != "nav.xhtml"]
    assert len(chapters) == len(stored)
    assert [link.href for link in book.toc] == [chapter.get_name() for chapter in chapters]
    assert sorted(link.title for link in book.toc) == sorted(clip["title"] for clip in stored.values())
    with zipfile.ZipFile(path) as archive:
        first = archive.infolist()[0]
        assert first.filename == "mimetype" and first.compress_type == zipfile.ZIP_STORED
        assert archive.read("mimetype") == b"application/epub+zip"
        for name in archive.namelist():
            if name.endswith((".xhtml", ".opf", ".ncx")):
                etree.fromstring(archive.read(name))  # strict XML: raises on anything an e-reader would refuse
    text = b"".join(chapter.get_content() for chapter in chapters).decode()
    assert "Richard Moore" in text and "<script" not in text


def test_epub_chapters_are_xhtml_even_from_messy_html(tmp_path):
    from tidyclip.export import epub_book

    messy = {"id": "1", "url": "https://x.example/", "title": "Messy\x0b & <odd>", "note": "", "lang": "en",
             "html": '<p>a&nbsp;b<br>c<img src="https://x.example/i.png" alt="a chart"><p>unclosed &copy; \x01'}
    path = tmp_path / "messy.epub"
    path.write_bytes(b"".join(epub_book.write([messy], ExportOptions())))
    with zipfile.ZipFile(path) as archive:
        chapter = etree.fromstring(archive.read("EPUB/clip00001.xhtml"))
    text = "".join(chapter.itertext())
    assert "a\u00a0b" in text and "[a chart]" in text and "©" in text and "Messy & <odd>" in text
    assert not chapter.findall(".//{http://www.w3.org/1999/xhtml}img")


# -- CSV and bookmarks ----------------------------------------------------------------------------
def test_csv_metadata_with_formulas_made_inert(library, stored, tmp_path):
    raw = export(library, "csv", tmp_path).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert len(rows) == len(stored) and list(rows[0]) == list(csv_table.COLUMNS)
    titles = {row["title"] for row in rows}
    assert "'=HYPERLINK(\"http://evil.example\",\"click\")" in titles and "'-2+3" in titles and "'@SUM(A1)" in titles
    assert "Plain title" in titles
    for row in rows:
        assert not row["title"].startswith(("=", "+", "-", "@")) and "html" not in row
        assert row["tags"].startswith("machine learning, batch ")


def test_csv_defuses_every_formula_start():
    assert [csv_table.defused(value) for value in ("=1", "+1", "-1", "@x", "\t=1", "\r=1", "ok", 5)] == \
        ["'=1", "'+1", "'-1", "'@x", "'\t=1", "'\r=1", "ok", 5]


class _Bookmarks(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self.links.append(dict(attrs))


def test_bookmarks_file_in_netscape_format(library, stored, tmp_path):
    text = export(library, "bookmarks", tmp_path).read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE NETSCAPE-Bookmark-file-1>")
    parser = _Bookmarks()
    parser.feed(text)
    assert {link["href"] for link in parser.links} == {clip["url"] for clip in stored.values()}
    for link in parser.links:
        assert link["add_date"].isdigit() and int(link["add_date"]) > 1_600_000_000
        assert link["tags"].startswith("machine learning,batch ")


# -- what is exported -----------------------------------------------------------------------------
def test_tag_query_and_ids_narrow_the_export(library, stored, tmp_path):
    def exported_ids(**kwargs) -> set[str]:
        lines = export(library, "jsonl", tmp_path, **kwargs).read_text(encoding="utf-8").splitlines()
        return {json.loads(line)["id"] for line in lines}

    tagged = {clip_id for clip_id, clip in stored.items() if "batch 1" in clip["tags"]}
    assert exported_ids(tag="batch 1") == tagged and 0 < len(tagged) < len(stored)
    chosen = sorted(stored)[:3]
    assert exported_ids(ids=chosen) == set(chosen)
    assert exported_ids(ids=[]) == set()
    assert exported_ids(query="Moore") == set(stored)
    assert exported_ids(query="zzzznotaword") == set()


def test_one_per_story_leaves_out_the_other_outlets(tmp_path, seed_clip):
    from conftest import article_page

    with Library.open(tmp_path / "data") as library:
        first, _ = library.clip_page("https://a.example/1", SEED_PAGE.read_text(encoding="utf-8"), title="Outlet A")
        second, _ = library.clip_page("https://b.example/1", SEED_PAGE.read_text(encoding="utf-8"), title="Outlet B")
        alone, _ = library.clip_page("https://c.example/1", article_page("Other story", 3), title="Other story")
        assert [entry["id"] for entry in library.get(first["id"])["similar"]] == [second["id"]]
        out = tmp_path / "one.jsonl"
        count = export_to_path(library, "jsonl", out, one_per_story=True, progress=False)
        ids = {json.loads(line)["id"] for line in out.read_text().splitlines()}
    assert count == 2 and alone["id"] in ids and len(ids & {first["id"], second["id"]}) == 1


def test_stream_export_yields_chunks_equal_to_the_file(library, tmp_path):
    for fmt in FORMATS:
        chunks, mimetype, filename = stream_export(library, fmt)
        chunks = list(chunks)
        assert chunks and all(isinstance(chunk, bytes) for chunk in chunks)
        assert filename.startswith("tidyclip-") and "/" not in filename and mimetype
    chunks, mimetype, filename = stream_export(library, "jsonl")
    chunks = list(chunks)
    assert len(chunks) > 1 and all(chunks), "a download must stream in several chunks, not one blob"
    assert b"".join(chunks) == export(library, "jsonl", tmp_path).read_bytes()
    chunks, mimetype, filename = stream_export(library, "md")
    with zipfile.ZipFile(io.BytesIO(b"".join(chunks))) as archive:
        assert archive.testzip() is None and len(archive.namelist()) == len(TRICKY_TITLES)
    assert mimetype == "application/zip" and filename.endswith("-markdown.zip")


def test_bad_format_and_bad_path_are_clear_errors(library, tmp_path):
    with pytest.raises(BadInput, match="unknown export format 'pdf'"):
        stream_export(library, "pdf")
    with pytest.raises(BadInput, match="is a folder"):
        export_to_path(library, "json", tmp_path, progress=False)
    with pytest.raises(BadInput, match="does not exist"):
        export_to_path(library, "json", tmp_path / "missing" / "out.json", progress=False)


def test_export_replaces_the_file_whole_and_leaves_no_temporary_files(library, tmp_path):
    out = tmp_path / "clips.json"
    out.write_text("previous export")
    export_to_path(library, "json", out, progress=False)
    assert json.loads(out.read_text(encoding="utf-8"))["format"] == "tidyclip"
    assert list(tmp_path.iterdir()) == [out]
