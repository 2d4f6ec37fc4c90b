"""JSON-LD metadata: `metadata.py` reads it as trafilatura's `extract_meta_json` does, without its
per-character loops (the speed pass of issue 10), so the clip's fields must be the ones trafilatura reads."""

import json

import pytest
from trafilatura import metadata as trafilatura_metadata
from trafilatura.json_metadata import normalize_json

from tidyclip.engine import make_clip
from tidyclip.engine.extract import parse_html
from tidyclip.engine.metadata import _JSON_KEPT, _json_text, _read_json_ld

ARTICLE = "".join(f"<p>{text}</p>" for text in (
    "The harbour ferry will run every twenty minutes from June, the port authority said on Tuesday morning.",
    "The change follows a winter trial on the short crossing, when passenger numbers rose by almost a third.",
    "Crews welcomed the plan but asked for a second boat on summer weekends, when the queues reach the road.",
))
#: Each a JSON-LD text as sites ship them: spacing between tokens, escapes, a lone surrogate, HTML in a
#: string, a string with an escaped quote, broken JSON that only the crude reader gets anything from.
SCRIPTS = [
    '{\n  "@context" : "https://schema.org",\n  "@type" : "NewsArticle",\n  "headline" : "Ferry   to run\\tevery twenty minutes",\n'
    '  "author" : { "@type" : "Person", "name" : "Ren\\u00e9 Dupont" },\n  "datePublished" : "2024-05-14"\n}',
    '{"@context":"https://schema.org","@type":"NewsArticle","headline":"A \\"quoted\\" ferry","author":[{"@type":"Person","name":"Jane Roe"},'
    '{"@type":"Person","name":"John  Doe"}],"publisher":{"@type":"Organization","name":"The Gazette"}}',
    '{"@context": "http://schema.org", "@type": "Article", "headline": "Smile \\ud83d\\ude00 and a lone \\ud83d half", '
    '"description": "<b>Bold</b> claims\\nover lines", "articleSection": "Transport"}',
    '{"@type": "NewsArticle", "author": {"name": "Broken Json", "headline": "no closing brace"',
    '{"@type": "NewsArticle", "headline": "a quote \\"  never  closed  \\\n here", "x": "  tail  "  }',
    '{"@context": "https://schema.org", "@graph": [{"@type": "WebSite", "name": "Gazette  Online"}, '
    '{"@type": "BlogPosting", "headline": "Graph headline", "author": {"@type": "Person", "name": "Ann Lee"}}]}',
]


def page_with(script: str) -> str:
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Ferry</title>'
            f'<script type="application/ld+json">{script}</script></head><body><article>{ARTICLE}</article>'
            f"</body></html>")


def fields(document) -> dict:
    """The metadata a Document holds (not the empty body trees each new one makes)."""
    return {name: getattr(document, name) for name in document.__slots__ if name not in ("body", "commentsbody")}


@pytest.mark.parametrize("script", SCRIPTS)
def test_json_ld_is_read_as_trafilatura_reads_it(script):
    tree = parse_html(page_with(script))
    expected = trafilatura_metadata.extract_meta_json(tree, trafilatura_metadata.examine_meta(tree))
    assert fields(_read_json_ld(tree, trafilatura_metadata.examine_meta(tree))) == fields(expected)


@pytest.mark.parametrize("script", SCRIPTS)
def test_json_ld_text_is_minified_and_unescaped_as_trafilatura_does(script):
    expected = normalize_json(trafilatura_metadata.JSON_MINIFY.sub(r"\1", script))
    assert _json_text("".join(_JSON_KEPT.findall(script))) == expected


def test_an_escaped_name_in_json_ld_is_the_clips_author():
    script = json.dumps({"@context": "https://schema.org", "@type": "NewsArticle",
                         "headline": "Ferry to run every twenty minutes", "author": {"@type": "Person", "name": "René Dupont"}}, ensure_ascii=True, indent=2)
    clip = make_clip(page_with(script), "https://gazette.example/2024/05/ferry")
    assert clip["author"] == "René Dupont"
