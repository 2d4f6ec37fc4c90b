"""Markdown with no live markup, for the Markdown export.

The engine's Markdown escapes what a page said, but a stored clip may come from an import file someone
else wrote, and an exported note is opened later in editors that show raw HTML and follow any link.
So on the way out each note is parsed as CommonMark (markdown-it, with GFM tables) and, when it holds
raw HTML (a block or inline) or a link or image to anything but a web address (`javascript:`, `data:`,
`vbscript:`... in an inline link, a reference definition, an autolink or an image), written out again
from the parsed tokens (mdformat's renderer) with that HTML as escaped text and those links as their
bare text. A note with neither is written exactly as it was.

Every one of those constructs starts with "[" (links, images, reference definitions) or "<" (raw
HTML, autolinks), so a note without either has none, and the search for them parses inline only the
paragraphs (headings, table cells) holding one: half the time of a full parse on a typical clip.

Links are judged as the most lenient renderer would follow them: markdown-it's own refusal of
`javascript:` links is turned off here, or the links it refuses would pass as text and still be live
in an editor that does not refuse them.
"""

import re
from collections.abc import Iterable
from urllib.parse import unquote

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from mdformat.plugins import PARSER_EXTENSIONS
from mdformat.renderer import MDRenderer

#: Addresses a note may link to: the web, and e-mail. An address without a scheme (relative) is inert.
WEB_SCHEMES = frozenset({"http", "https", "mailto"})
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):")
#: What browsers strip from a URL before they read its scheme (tab and newline anywhere, controls and
#: spaces at the ends); taking them all out judges "java\tscript:" as the browser will.
_IGNORED_IN_URL = re.compile(r"[\x00-\x20\x7f]+")
_LIVE_TOKENS = frozenset({"html_block", "html_inline"})
#: Where every link form and all raw HTML start (see the module's docstring).
_MARKUP_STARTS = ("[", "<")
#: mdformat's renderer takes time quadratic in the tokens of one paragraph (50,000 lines in one: 40 s);
#: a live note with a paragraph longer than this is written whole as a code block instead: inert, at once.
MAX_INLINE_TOKENS = 2000


class _EveryLink(MarkdownIt):
    def validateLink(self, url: str) -> bool:
        return True  # see the module's docstring: find every link, judge it here


def _parser(*, inline_everywhere: bool) -> MarkdownIt:
    # mdformat's renderer has the render() markdown-it calls, but does not declare its protocol
    parser = _EveryLink("commonmark", renderer_cls=MDRenderer)  # type: ignore[arg-type]
    parser.options["store_labels"] = True  # reference links are written back as references
    parser.options["mdformat"] = {}
    parser.options["parser_extension"] = [PARSER_EXTENSIONS["tables"]]
    PARSER_EXTENSIONS["tables"].update_mdit(parser)
    if not inline_everywhere:
        parser.core.ruler.at("inline", _inline_where_markup_can_start)
    return parser


def _inline_where_markup_can_start(state: StateCore) -> None:
    for token in state.tokens:
        if token.type == "inline" and any(start in token.content for start in _MARKUP_STARTS):
            token.children = []
            state.md.inline.parse(token.content, state.md, state.env, token.children)


#: FINDER only looks for live markup; WRITER parses every inline run too, to write the note again.
FINDER = _parser(inline_everywhere=False)
WRITER = _parser(inline_everywhere=True)


def is_web_address(url: str | None) -> bool:
    """A link or image address that opens a web page (or an e-mail), or a relative one."""
    bare = _IGNORED_IN_URL.sub("", unquote(url or ""))
    scheme = _SCHEME.match(bare)
    if scheme:
        return scheme[1].lower() in WEB_SCHEMES
    return ":" not in re.split(r"[/?#]", bare, maxsplit=1)[0]


def safe_markdown(markdown: str) -> str:
    """MARKDOWN unchanged when nothing in it is live; else written again without raw HTML and with
    every non-web link reduced to its text."""
    if not is_live(markdown):
        return markdown
    env: dict = {}
    tokens = WRITER.parse(markdown, env)
    if any(len(token.children or ()) > MAX_INLINE_TOKENS for token in tokens):
        return _as_code(markdown)
    references = env.get("references", {})
    env = {"references": {label: ref for label, ref in references.items() if is_web_address(ref["href"])}}
    rewritten = WRITER.renderer.render(list(_defused(tokens)), WRITER.options, env)
    if is_live(rewritten):
        return _as_code(markdown)  # never expected; if the rewrite is still live, nothing of it may be
    return rewritten


def _as_code(markdown: str) -> str:
    """The whole note as a fenced code block: every character kept, none of it live."""
    fence = "`" * max(3, max((len(run) for run in re.findall(r"`+", markdown)), default=0) + 1)
    return f"{fence}text\n{markdown}\n{fence}\n"


def is_live(markdown: str) -> bool:
    """Does MARKDOWN hold raw HTML or a link or image to a non-web address?"""
    if not any(start in markdown for start in _MARKUP_STARTS):
        return False
    return any(_is_live(token) for token in _all_tokens(FINDER.parse(markdown)))


def _all_tokens(tokens: Iterable[Token]) -> Iterable[Token]:
    for token in tokens:
        yield token
        if token.children:
            yield from _all_tokens(token.children)


def _is_live(token: Token) -> bool:
    if token.type in _LIVE_TOKENS:
        return True
    if token.type == "link_open":
        return not is_web_address(str(token.attrGet("href") or ""))
    if token.type == "image":
        return not is_web_address(str(token.attrGet("src") or ""))
    return False


def _defused(tokens: list[Token]) -> Iterable[Token]:
    """The tokens with raw HTML made text and non-web links and images made their text."""
    dropped_links: list[bool] = []  # for each open link: was its opening dropped?
    for token in tokens:
        if token.type == "html_block":
            yield from _text_paragraph(token)
        elif token.type == "html_inline":
            yield Token("text", "", 0, content=token.content)
        elif token.type == "link_open":
            dropped_links.append(_is_live(token))
            if not dropped_links[-1]:
                yield token
        elif token.type == "link_close":
            if not dropped_links.pop():
                yield token
        elif token.type == "image" and _is_live(token):
            yield from _defused(token.children or [])
        else:
            if token.children:
                token.children = _joined_texts(_defused(token.children))
            yield token


def _text_paragraph(block: Token) -> Iterable[Token]:
    """A raw HTML block as a paragraph of its source text (the renderer escapes each line's start)."""
    text = Token("text", "", 0, content=block.content.rstrip("\n"))
    yield Token("paragraph_open", "p", 1, map=block.map, level=block.level)
    yield Token("inline", "", 0, children=[text], content=block.content, map=block.map, level=block.level + 1)
    yield Token("paragraph_close", "p", -1, level=block.level)


def _joined_texts(tokens: Iterable[Token]) -> list[Token]:
    """Neighbouring text tokens as one: mdformat's renderer takes time quadratic in a run's tokens."""
    joined: list[Token] = []
    for token in tokens:
        if token.type == "text" and joined and joined[-1].type == "text":
            joined[-1] = Token("text", "", 0, content=joined[-1].content + token.content)
        else:
            joined.append(token)
    return joined
