"""The three bodies of a clip: plain text, CommonMark Markdown, and HTML in which nothing can run."""

import pytest

from test_engine_pages import FILLER, page
from tidyclip.engine import make_clip
from tidyclip.errors import BadInput

URL = "https://courier.example/news/harbour-plan"
RICH = (
    "<h2>What the plan says</h2>"
    "<p>The plan, <b>approved in draft</b>, is <i>not final</i>; read <a href='/docs/plan.pdf'>the full plan</a> "
    "or the <code>summary_v2</code> file.</p>"
    "<ul><li>A new breakwater</li><li>Two ferry berths</li></ul>"
    "<ol><li>Consultation</li><li>Vote</li></ol>"
    "<blockquote><p>We will not let the harbour die, said the mayor to a packed hall.</p></blockquote>"
    "<pre><code>berths = 2\nif berths > 1:\n    print('busy')</code></pre>"
    "<table><tr><th>Design</th><th>Cost</th></tr><tr><td>North quay</td><td>£4m</td></tr></table>"
    "<p><img src='/img/quay.jpg' alt='The old quay'></p>"
)
HOSTILE = (
    "<p onclick=\"alert(1)\" style=\"position:fixed;top:0\">Click <a href=\"javascript:alert(2)\">here</a> "
    "for the harbour map and the full list of objections from residents.</p>"
    "<script>alert(3)</script><iframe src=\"https://evil.example/\"></iframe>"
    "<p>An <img src=\"x.png\" onerror=\"alert(4)\"> image with a handler, in a paragraph of its own text.</p>"
)


def rich_clip() -> dict:
    return make_clip(page(RICH), URL)


def test_text_splits_paragraphs_by_a_blank_line():
    clip = rich_clip()
    parts = clip["text"].split("\n\n")
    for text in FILLER:
        assert text in parts
    assert "A new breakwater\nTwo ferry berths" in clip["text"]
    assert "<" not in clip["text"].replace("berths > 1", "")


def test_text_has_no_blank_lines_for_pictures():
    """A picture has no text: the plain text neither opens with nor doubles blank lines for it."""
    pictures = "".join(f"<p><img src='/img/quay-{n}.jpg' alt='The quay, view {n}'></p>" for n in range(3))
    clip = make_clip(page(pictures), URL)
    assert clip["markdown"].count("![The quay, view") == 3  # the pictures are in the clip
    assert "\n\n\n" not in clip["text"]
    assert clip["text"] == clip["text"].strip()


def test_markdown_keeps_the_structure():
    markdown = rich_clip()["markdown"]
    assert "## What the plan says" in markdown
    assert "**approved in draft**" in markdown and "*not final*" in markdown
    assert "[the full plan](<https://courier.example/docs/plan.pdf>)" in markdown
    assert "summary\\_v2" in markdown  # trafilatura keeps inline code as text; its _ must stay literal
    assert "- A new breakwater\n- Two ferry berths" in markdown
    assert "1. Consultation\n2. Vote" in markdown
    assert "> We will not let the harbour die" in markdown
    assert "```\nberths = 2\nif berths > 1:\n    print('busy')\n```" in markdown
    assert "| Design | Cost |\n|---|---|\n| North quay | £4m |" in markdown
    assert "![The old quay](<https://courier.example/img/quay.jpg>)" in markdown


def test_html_keeps_the_structure_with_absolute_links():
    html = rich_clip()["html"]
    for tag in ("<h2>", "<strong>", "<em>", "<ul>", "<ol>", "<blockquote>", "<pre><code>", "<table>", "<th>"):
        assert tag in html, tag
    assert 'href="https://courier.example/docs/plan.pdf"' in html
    assert 'src="https://courier.example/img/quay.jpg"' in html


def test_html_can_run_nothing():
    clip = make_clip(page(HOSTILE), URL)
    html = clip["html"].lower()
    for forbidden in ("<script", "onclick", "onerror", "javascript:", "style=", "<iframe", "alert(3)"):
        assert forbidden not in html, forbidden
    assert "harbour map" in html


def test_markdown_escapes_what_would_change_its_meaning():
    clip = make_clip(page("<p>1. Not a list but a sentence that starts with a number and *stars* in it, on purpose.</p>"), URL)
    assert "1\\. Not a list" in clip["markdown"]
    assert "\\*stars\\*" in clip["markdown"]


def test_metadata_from_the_page():
    head = ('<meta name="description" content="The vote is delayed to spring."><link rel="canonical" href="/news/harbour">'
            '<meta property="og:image" content="/img/lead.jpg"><meta property="article:published_time" '
            'content="2024-03-05T10:00:00Z"><meta name="author" content="Ann Reporter">')
    clip = make_clip(page("", head=head), URL)
    assert clip["lang"] == "en"
    assert clip["excerpt"] == "The vote is delayed to spring."
    assert clip["canonical_url"] == "https://courier.example/news/harbour"
    assert clip["image"] == "https://courier.example/img/lead.jpg"
    assert clip["published"] == "2024-03-05"
    assert clip["author"] == "Ann Reporter"
    assert clip["site"] == "The Courier"
    assert clip["word_count"] == len(clip["text"].split())


def test_excerpt_falls_back_to_the_first_paragraph():
    clip = make_clip(page(""), URL)
    assert clip["excerpt"] == FILLER[0]


def test_selection_only_with_the_page_metadata():
    selection = "<p>Residents packed the hall.</p>"
    clip = make_clip(page(""), URL, selection_html=selection)
    assert clip["text"] == "Residents packed the hall."
    assert clip["site"] == "The Courier"
    assert clip["title"] == "Harbour plan splits the town as council delays its vote"


def test_selection_is_cleaned_the_same_way():
    repeated = "The harbour master said the tide tables would be published again next week for everyone."
    selection = f"<p>{repeated}</p><p>Advertisement</p><p>{repeated}</p>"
    clip = make_clip(page(""), URL, selection_html=selection)
    assert clip["text"] == repeated


def test_explicit_title_wins():
    assert make_clip(page(""), URL, title="My own title")["title"] == "My own title"


def test_a_selection_without_text_is_refused_with_its_own_message():
    with pytest.raises(BadInput, match="^the selection holds no text$"):
        make_clip(page(""), URL, selection_html="<img src='/a.png'>")
