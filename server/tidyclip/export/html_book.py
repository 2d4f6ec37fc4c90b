"""HTML: one self-contained page holding every clip, with a table of contents; no script, no fetches but images.

The table of contents comes first, so the clips are read twice (titles, then bodies) rather than
held in memory. A Content-Security-Policy forbids scripts outright, as a second lock behind sanitizing.
Self-contained (`--self-contained`), the clips' stored pictures are inside the page as data: URIs, so
the one file reads offline.
"""

from collections.abc import Iterable, Iterator
from html import escape

from tidyclip.clip import Clip
from tidyclip.export.chunks import encoded_chunks
from tidyclip.export.markup import clip_header, sanitize
from tidyclip.export.options import ExportOptions
from tidyclip.images.carry import data_uri, files_of
from tidyclip.images.local_html import html_with_copies
from tidyclip.reading.marks import marked_html

MIMETYPE = "text/html; charset=utf-8"
FILE_ENDING = ".html"
#: The clips are read twice: titles for the contents, then the bodies.
PASSES = 2

STYLE = """
body { font: 18px/1.6 Georgia, "Times New Roman", serif; max-width: 42em; margin: 2em auto; padding: 0 1em; color: #222; background: #fff; }
h1, h2, h3 { font-family: system-ui, sans-serif; line-height: 1.25; }
nav ol { padding-left: 1.5em; } nav li { margin: .3em 0; } nav .site { color: #666; font-size: .85em; }
article { border-top: 1px solid #ccc; margin-top: 3em; padding-top: 1em; }
.byline, .tags, .back { font: .85em system-ui, sans-serif; color: #555; overflow-wrap: anywhere; }
.note { border-left: 3px solid #e0b000; margin-left: 0; padding-left: 1em; color: #444; }
mark { background: #fff1a8; color: inherit; } .highlight-note { color: #555; margin: .2em 0 0; }
img { max-width: 100%; height: auto; } pre { overflow-x: auto; } table { border-collapse: collapse; }
@media (prefers-color-scheme: dark) { body { color: #ddd; background: #161616; } a { color: #8ab4f8; } }
"""
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data: http: https:"


def anchor(clip: Clip) -> str:
    return f"clip-{escape(clip['id'])}"


def _contents_entry(clip: Clip) -> str:
    site = f' <span class="site">{escape(clip["site"])}</span>' if clip.get("site") else ""
    return f'<li><a href="#{anchor(clip)}">{escape(clip.get("title") or clip["url"])}</a>{site}</li>\n'


def _article(clip: Clip, options: ExportOptions) -> str:
    # lang picks the right fonts and hyphenation; dir="auto" lays out Arabic or Hebrew clips right to left.
    lang = f' lang="{escape(clip["lang"])}"' if clip.get("lang") else ""
    return (f'<article id="{anchor(clip)}"{lang} dir="auto">\n{clip_header(clip, "h2")}{marked_html(_body(clip, options), clip.get("highlights"))}\n'
            '<p class="back"><a href="#contents">↑ Contents</a></p>\n</article>\n')


def _body(clip: Clip, options: ExportOptions) -> str:
    """The clip's HTML; self-contained, its stored pictures inside it as data: URIs (after sanitizing,
    which would take data: addresses out)."""
    html = sanitize(clip.get("html"))
    if not (options.self_contained and options.image_of):
        return html
    inline = {entry["url"]: data_uri(entry, data) for entry, _name, data in files_of(clip, options.image_of)}
    return html_with_copies(html, clip, lambda entry: inline.get(entry["url"]))


def _pieces(clips: Iterable[Clip], options: ExportOptions) -> Iterator[str]:
    title = escape(options.title)
    yield (f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
           f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n'
           f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
           f"<title>{title}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
           f'<nav id="contents">\n<h1>{title}</h1>\n<ol>\n')
    count = 0
    for clip in clips:
        count += 1
        yield _contents_entry(clip)
    exported = options.exported.strftime("%Y-%m-%d %H:%M UTC")
    yield f'</ol>\n<p class="byline">{count} clips, exported {exported}</p>\n</nav>\n<main>\n'
    for clip in clips:
        yield _article(clip, options)
    yield "</main>\n</body>\n</html>\n"


def write(clips: Iterable[Clip], options: ExportOptions) -> Iterator[bytes]:
    """`clips` must be re-iterable: it is read once for the contents and once for the bodies."""
    return encoded_chunks(_pieces(clips, options))
