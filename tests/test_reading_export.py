"""Highlights and reading states in the exports (real files in temp data dirs), and anchoring alone."""

import json
import zipfile

import pytest
from markdown_it import MarkdownIt

from test_reading_browser import long_article
from tidyclip.export import export_to_path, import_from_path
from tidyclip.library import Library
from tidyclip.reading.anchoring import Text

HOSTILE = "<p>Careful: &lt;img src=x onerror=alert(1)&gt; and &lt;script&gt;alert(2)&lt;/script&gt; are only words.</p>"


@pytest.fixture
def library(tmp_path):
    with Library.open(tmp_path / "data") as opened:
        yield opened


@pytest.fixture
def marked(library) -> dict:
    """A clip with a highlight across two paragraphs (a link and emphasis inside), a hostile one, a detached one."""
    clip, _ = library.clip_page("https://export.example/a", long_article("Exported", 5).replace("</article>", HOSTILE + "</article>"))
    paragraphs = clip["text"].split("\n\n")
    library.add_highlights(clip["id"], [
        {"quote": paragraphs[1][-30:] + paragraphs[2][:40], "note": "first note\nsecond line"},
        {"quote": "<img src=x onerror=alert(1)> and <script>alert(2)</script>", "note": "<script>alert(3)</script>hostile"},
        {"quote": "a passage some other version of the page had", "note": "kept though detached"},
    ])
    library.edit(clip["id"], state="archived", favorite=True)
    return library.get(clip["id"])


def exported(library, fmt: str, path) -> str:
    export_to_path(library, fmt, path, progress=False)
    if fmt == "md":
        with zipfile.ZipFile(path) as archive:
            return archive.read(archive.namelist()[0]).decode("utf-8")
    return path.read_text(encoding="utf-8")


def test_markdown_marks_the_passages_and_lists_them(library, marked, tmp_path):
    note = exported(library, "md", tmp_path / "out.zip")
    assert "favorite: true" in note and "state: archived" in note
    body, section = note.split("## Highlights")
    assert body.count("==") == 6  # the passage marked in each of its two paragraphs, and the hostile one
    assert "==Part 2 *of the exported story* tells how" in body and "[changed](<https://example.org/1>) over the years.==" in body
    assert "> first note\n> second line" in body  # the note quoted under the passage's paragraph
    assert "kept though detached" in section and "(detached: no longer in the text)" in section
    rendered = MarkdownIt("commonmark").render(note)  # as an editor shows it: the hostile words stay words
    assert "<img" not in rendered and "<script" not in rendered and "alert(3)hostile" in rendered


def test_html_export_marks_the_passages_across_paragraphs_and_lists_them(library, marked, tmp_path):
    page = exported(library, "html", tmp_path / "out.html")
    article = page[page.index("<article"):]
    assert '<a href="https://example.org/1" rel="noopener noreferrer nofollow"><mark>changed</mark></a>' in article
    assert "<p><mark>Part 2 </mark><em><mark>of the exported story</mark></em>" in article
    assert '<section class="highlights">' in article and "kept though detached" in article
    assert "&lt;img src=x onerror=alert(1)&gt;" in article and "<img src=x" not in article
    assert "<script" not in article.lower() and "alert(3)hostile" in article


@pytest.mark.parametrize("fmt", ["json", "jsonl"])
def test_json_exports_carry_highlights_and_states_and_import_them_back(library, marked, tmp_path, fmt):
    out = tmp_path / f"out.{fmt}"
    text = exported(library, fmt, out)
    record = json.loads(text.splitlines()[0]) if fmt == "jsonl" else json.loads(text)["clips"][0]
    assert record["highlights"] == marked["highlights"] and record["state"] == "archived" and record["favorite"] is True
    with Library.open(tmp_path / "empty") as empty:
        assert import_from_path(empty, out, progress=False) == (1, 0)
        back = empty.get(marked["id"])
    assert back["highlights"] == marked["highlights"]
    assert (back["state"], back["favorite"], back["progress"]) == ("archived", True, 0.0)


def test_a_record_with_bad_highlights_is_refused_by_the_import(library, marked, tmp_path):
    out = tmp_path / "out.jsonl"
    record = json.loads(exported(library, "jsonl", out).splitlines()[0])
    record["highlights"][0]["position"] = {"start": -1, "end": 3}
    out.write_text(json.dumps(record) + "\n", encoding="utf-8")
    with Library.open(tmp_path / "empty") as empty:
        with pytest.raises(Exception, match="position must be"):
            import_from_path(empty, out, progress=False)
        assert empty.count() == 0


# ---- anchoring ------------------------------------------------------------------------------------

def test_a_quote_changed_a_little_is_found_fuzzily_and_one_gone_is_not():
    text = Text("The council voted on Tuesday to rebuild the old sea wall after the winter storms.\n\nOther news.")
    span = text.find("voted on tuesday to rebuild the sea wall")  # a word gone and a capital changed
    assert span is not None and text.text[span.start:span.end].startswith("voted on Tuesday")
    assert text.find("an entirely different sentence about budgets") is None
    assert text.find("sea") is not None and text.find("zzz") is None
