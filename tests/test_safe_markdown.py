"""The Markdown export carries no live markup: no raw HTML element, no link or image to anything but a
web address, in any CommonMark link form. Judged by rendering the exported notes with markdown-it as
the most lenient editor would (raw HTML on, every link scheme followed)."""

import io
import json
import subprocess
import sys
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import pytest
import requests
import yaml
from markdown_it import MarkdownIt

from conftest import article_page
from tidyclip.export.safe_markdown import safe_markdown

TIDYCLIP = Path(sys.executable).parent / "tidyclip"

#: One CommonMark link form (or raw HTML) a line, each pointing at script or inline data.
HOSTILE_FORMS = {
    "autolink": "An autolink <javascript:alert(1)> here.",
    "autolink upper case": "An autolink <JAVASCRIPT:alert(1)> here.",
    "inline link": "An [inline link](javascript:alert(2)) here.",
    "inline link with title": 'An [inline link](javascript:alert(2) "title") here.',
    "inline link in brackets": "An [inline link](<javascript:alert(2)>) here.",
    "inline link with a tab": "An [inline link](<java\tscript:alert(2)>) here.",
    "inline link entity colon": "An [inline link](javascript&colon;alert(2)) here.",
    "inline link entity letter": "An [inline link](&#106;avascript:alert(2)) here.",
    "inline link escaped colon": "An [inline link](javascript\\:alert(2)) here.",
    "inline link vbscript": "An [inline link](vbscript:msgbox(2)) here.",
    "inline link data": "An [inline link](data:text/html;base64,PHNjcmlwdD4=) here.",
    "full reference": "A [full reference][evil] here.\n\n[evil]: javascript:alert(3)",
    "collapsed reference": "A [collapsed][] reference.\n\n[collapsed]: <javascript:alert(3)> 'title'",
    "shortcut reference": "A [shortcut] reference.\n\n[shortcut]:\n  javascript:alert(3)",
    "reference defined in a quote": "A [quoted] reference.\n\n> [quoted]: javascript:alert(3)",
    "image": "An image ![picture](javascript:alert(4)) here.",
    "image data": "An image ![picture](data:image/svg+xml;base64,PHN2Zz4=) here.",
    "image reference": "An image ![picture][pic] here.\n\n[pic]: data:text/html,x",
    "raw a": 'Raw <a href="javascript:alert(5)">anchor</a> here.',
    "raw img onerror": "Raw <img src=x onerror=alert(6)> here.",
    "raw svg": "Raw <svg onload=alert(7)></svg> here.",
    "raw block": '<div onclick="alert(8)">\n\nblock\n\n</div>',
    "raw script block": "<script>alert(9)</script>",
    "raw comment": "<!-- a comment --> then text",
    "in a list": "- item [x](javascript:alert(10))\n- item <b onmouseover=alert(11)>b</b>",
    "in a heading": "## Heading [x](javascript:alert(12))",
    "in emphasis": "Some *emphasis [x](javascript:alert(13))* here.",
    "in a table": "| a | b |\n|---|---|\n| [x](javascript:alert(14)) | <i onclick=alert(15)>i</i> |",
    "link around an image": "[![picture](https://img.example/a.png)](javascript:alert(16))",
}
#: Kept as they are: web links in each form, e-mail, relative links, and markup inside code.
SAFE_MARKDOWN = (
    "# A heading\n\nSee [the report](https://news.example/report \"Report\") and <https://news.example/>, mail\n"
    "[the desk](mailto:desk@news.example), a [note](notes/other.md), ![chart](https://img.example/chart.png),\n"
    "a [reference][good] and `<script>alert(1)</script>` in code.\n\n"
    "```html\n<a href=\"javascript:alert(1)\">code is text</a>\n```\n\n"
    "| a | b |\n| --- | --- |\n| [cell](https://news.example/cell) | two |\n\n"
    "[good]: https://news.example/good\n"
)
WEB_OR_RELATIVE = ("http", "https", "mailto")


def lenient_renderer() -> MarkdownIt:
    """markdown-it as an editor that shows raw HTML and follows any link (no validateLink refusal)."""
    renderer = MarkdownIt("commonmark", {"html": True}).enable("table")
    renderer.validateLink = lambda url: True
    return renderer


class Elements(HTMLParser):
    """Every element of rendered HTML, with its attributes."""

    def __init__(self, html: str):
        super().__init__()
        self.found: list[tuple[str, dict]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, dict(attrs)))


def link_scheme(address: str) -> str | None:
    bare = "".join(char for char in address if ord(char) > 32 and ord(char) != 127)
    head = bare.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]
    return head.split(":", 1)[0].lower() if ":" in head else None


#: What CommonMark renders from Markdown (no raw HTML): these elements, and only href/src/alt/title.
MARKDOWN_ELEMENTS = {"p", "a", "img", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "blockquote", "pre",
                     "code", "em", "strong", "br", "hr", "table", "thead", "tbody", "tr", "th", "td"}


def live_markup(markdown: str) -> list[str]:
    """What in MARKDOWN a lenient renderer shows as live: raw HTML, and links to non-web addresses."""
    renderer = lenient_renderer()
    found = [f"raw HTML {token.content!r}" for token in all_tokens(renderer.parse(markdown))
             if token.type in ("html_block", "html_inline")]
    for tag, attrs in Elements(renderer.render(markdown)).found:
        if tag not in MARKDOWN_ELEMENTS or set(attrs) - {"href", "src", "alt", "title", "style", "class"}:
            found.append(f"element {tag} {attrs}")
        for name in ("href", "src"):
            if name in attrs and link_scheme(attrs[name]) not in (None, *WEB_OR_RELATIVE):
                found.append(f"{tag} {name}={attrs[name]!r}")
    return found


def all_tokens(tokens):
    for token in tokens:
        yield token
        yield from all_tokens(token.children or [])


@pytest.mark.parametrize("form", HOSTILE_FORMS)
def test_every_link_form_to_script_is_made_inert(form):
    hostile = HOSTILE_FORMS[form]
    assert live_markup(hostile), "the case must be live before"
    exported = safe_markdown(hostile)
    assert live_markup(exported) == []


def test_inert_text_keeps_its_words():
    exported = safe_markdown(HOSTILE_FORMS["raw a"] + "\n\n" + HOSTILE_FORMS["full reference"])
    rendered = lenient_renderer().render(exported)
    assert "&lt;a href=&quot;javascript:alert(5)&quot;&gt;anchor&lt;/a&gt;" in rendered  # shown, as text
    assert "full reference" in rendered and "javascript:alert(3)" not in exported


def test_a_huge_live_paragraph_is_kept_whole_as_inert_code():
    """Past MAX_INLINE_TOKENS a rewrite would take minutes; the note is kept whole and inert instead."""
    hostile = "a line of the note\n" * 5000 + "<img src=x onerror=alert(1)> and [x](javascript:alert(2))"
    exported = safe_markdown(hostile)
    assert live_markup(exported) == []
    assert hostile in exported


def test_markdown_with_nothing_live_is_written_as_it_was():
    assert live_markup(SAFE_MARKDOWN) == []
    assert safe_markdown(SAFE_MARKDOWN) == SAFE_MARKDOWN


def test_the_markdown_export_of_an_imported_hostile_clip_is_inert(server, tmp_path):
    """A tidyclip export file edited by someone else, imported with the CLI while the server runs, then
    exported as Markdown over HTTP: every note rendered by a lenient renderer shows nothing live."""
    page = article_page("Hostile", 7)
    made = server.api("POST", "/api/clips", json={"url": "https://news.example/hostile", "html": page})
    assert made.status_code == 201, made.text
    document = requests.get(server.base_url + "/export", params={"format": "json"}, timeout=60).json()
    record = next(clip for clip in document["clips"] if clip["id"] == made.json()["id"])
    record["markdown"] = "\n\n".join(HOSTILE_FORMS.values()) + "\n\n" + SAFE_MARKDOWN
    record["note"] = "My note with <javascript:alert(0)> and [a link][evil]"
    document["clips"] = [record]
    edited = tmp_path / "edited.json"
    edited.write_text(json.dumps(document), encoding="utf-8")
    imported = subprocess.run([TIDYCLIP, "import", str(edited), "--data-dir", str(server.data_dir)],
                              capture_output=True, text=True, timeout=120)
    assert imported.returncode == 0, imported.stderr

    response = requests.get(server.base_url + "/export", params={"format": "md", "ids": record["id"]}, timeout=60)
    assert response.status_code == 200
    (name,) = zipfile.ZipFile(io.BytesIO(response.content)).namelist()
    text = zipfile.ZipFile(io.BytesIO(response.content)).read(name).decode("utf-8")
    front, body = text.removeprefix("---\n").split("\n---\n", 1)
    assert yaml.safe_load(front)["url"] == "https://news.example/hostile"
    assert live_markup(body) == []
    rendered = lenient_renderer().render(body)
    assert 'href="https://news.example/report"' in rendered and "My note with" in rendered
