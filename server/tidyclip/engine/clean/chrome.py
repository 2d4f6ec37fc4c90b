"""Page chrome that trafilatura lets through: separators, share and subscribe bars, "related posts",
"Advertisement" labels, cookie banners and newsletter sign-ups.

Only short blocks are judged (chrome is a line or two, an article paragraph that mentions cookies or
a newsletter is not chrome), and a rule matches the whole block or its opening, never a word inside.
"""

import re
from collections.abc import Iterator

from lxml import etree

from tidyclip.engine.clean.page import Found, Page
from tidyclip.engine.extract import Block
from tidyclip.engine.page_nodes import text_owner

#: A separator is at least this many characters and holds no letter or digit: "_____", "* * *",
#: "———", "•••", "═════".
_SEPARATOR_MIN = 3
_LABEL = re.compile(
    r"^(?:advertisement|advertising|advert|ads?|sponsored(?: content)?|promoted(?: content)?|paid content"
    r"|anzeige|publicité|publicidad|pubblicità|reklama|werbung"
    r"|(?:story|article) continues (?:below|after)(?: (?:this )?(?:ad|advertisement))?"
    r"|continue reading(?: (?:below|the main story))?|scroll to continue(?: with content)?"
    r"|skip (?:to (?:main )?content|advertisement|ad)"
    r"|(?:advertisement|advert|ad)\W+(?:(?:story|article|content) continues below|continue reading(?: below)?"
    r"|scroll (?:down )?to continue\b.*)"
    r"|already a subscriber\?.*|(?:log|sign) in to (?:continue|read)\b.*|subscribe (?:now )?to (?:continue|read)\b.*)\W*$",
    re.IGNORECASE,
)
#: Share, subscribe and navigation lines. Phrases only: a one-word line of prose ("Home.") stays.
_SHARE = re.compile(
    r"^(?:share (?:this|on|to|via|article|story|post)\b.*|share this:?|email this|print this\b.*|blogthis!?"
    r"|like this:|click to (?:share|print|email)\b.*|follow us\b.*|copy link|newer posts?|older posts?"
    r"|previous (?:post|article)|next (?:post|article)|read more|read next\b.*|subscribe to:.*|powered by\b.*"
    r"|(?:labels?|tags?|filed under|posted in|categories|topics?):.*|related (?:posts|articles|stories):?"
    r"|you (?:may|might) also like:?|more (?:from|stories|on this story|like this)\b.*|recommended for you:?"
    r"|popular posts|most (?:read|popular|viewed)\b.*|trending now:?|don.t miss:?|\d+\s+(?:shares?|likes?))\W*$",
    re.IGNORECASE,
)
#: Items of a share bar list: every item one of these.
_SHARE_ITEM = re.compile(
    r"^(?:share|tweet|pin(?: it)?|e-?mail|print|facebook|twitter|linkedin|whatsapp|reddit|pinterest|telegram"
    r"|x|threads|bluesky|mastodon|flipboard|pocket|messenger|sms|copy(?: link)?|more|comments?|\d+)\W*$",
    re.IGNORECASE,
)
_COOKIE = re.compile(
    r"\b(?:we|this (?:web)?site|our (?:web)?site|our partners) (?:and our partners )?(?:use|uses|store)s? cookies"
    r"|\bcookies? (?:policy|settings|preferences|consent)\b|\baccept (?:all )?cookies\b"
    r"|\bby (?:continuing to (?:use|browse)|using) (?:this|our) (?:web)?site\b",
    re.IGNORECASE,
)
_NEWSLETTER = re.compile(
    r"\b(?:sign up|subscribe|register|join)\b.{0,60}\b(?:newsletters?|inbox|e-?mail updates|mailing list|briefing|digest)\b"
    r"|\b(?:newsletters?)\b.{0,40}\b(?:sign up|subscribe)\b|\benter your e-?mail(?: address)?\b"
    r"|\bdelivered (?:straight |directly )?to your inbox\b|\bget (?:our|the) [\w\s]{0,30}newsletter\b",
    re.IGNORECASE,
)
_RELATED_HEADING = re.compile(
    r"^(?:related(?: posts| articles| stories| content| coverage)?|you (?:may|might) also like|more (?:stories|from|on)\b.*"
    r"|recommended(?: for you| stories)?|read (?:more|next|also)|popular posts|most (?:read|popular)\b.*|see also"
    r"|further reading)\W*$",
    re.IGNORECASE,
)
#: A label before a link: a few words and a colon ("Read more:", "Lea también:", "PUEDES VER:").
_LINK_LABEL = re.compile(r"^\s*[^\W\d_][\w'’.-]*(?:\s+[\w'’.-]+){0,2}\s*:\s*$")
#: ... unless the label names where the article's words or pictures come from: a credit, not a way elsewhere.
_ATTRIBUTION_LABEL = re.compile(r"^\s*(?:(?:image|photo|picture|video) )?(?:credits?|sources?|via|quelle|fuente|fonte"
                                r"|źródło|bron|kilde|källa|photos?|fotos?|bild)\s*:", re.IGNORECASE)
#: ... and a link of this many words at least: a headline, not a name, an address or a source ("Quelle: dpa").
_HEADLINE_WORDS = 3
_WORD = re.compile(r"\w+")
#: At least this many link-only lines end a clip before they count as other stories' headlines.
_MIN_LINK_RUN = 3
_LINK_LINE_MAX = 200
#: A paragraph of at least this many links, this share of its text linked and at most one stretch of this
#: many unlinked words is a menu or a list of other stories glued into one line.
_BAR_MIN_LINKS = 5
_BAR_LINKED_SHARE = 0.66
_BAR_WORDY_STRETCH = 3
#: A paragraph this long that is not such a line is the article's prose.
_PROSE_MIN = 100
_TEXT_NODES = etree.XPath(".//text()")
#: A paragraph cut off as an excerpt: "... who is [...]", "(…)", "...".
_EXCERPT_CUT = re.compile(r"\w[\w,;:'’\"”)]*\s*(?:\[\s*(?:\.\.\.|…)\s*\]|\(\s*(?:\.\.\.|…)\s*\)|\.\.\.|…)\s*$")
_BRACKETED_CUT = re.compile(r"\w\S*\s*\[\s*(?:\.\.\.|…)\s*\]\s*$")
_CUT_ENDINGS = ("...", "…", "]", ")")
_CUT_TAIL = 40
_MIN_EXCERPT_RUN = 3
_EXCERPTS = Found("boilerplate", "excerpts of other posts: paragraphs in a row each cut off with [...]")
_LINK_BAR = Found("boilerplate", "links run together: a menu or other stories")
_LINKED_SHARE = 0.9
_LABEL_MAX = 60
#: Longer than this, a block is prose even when it starts like chrome.
_CHROME_MAX = 160
_BANNER_MAX = 400


def find(blocks: list[Block], keys: list[str], page: Page, open_positions: list[int]) -> dict[int, str | Found]:
    found: dict[int, str | Found] = dict(_trailing_link_run(blocks, open_positions))
    open_positions = [position for position in open_positions if position not in found]
    found.update(_link_bars(blocks, open_positions))
    found.update(_excerpt_runs(blocks, open_positions))
    open_positions = [position for position in open_positions if position not in found]
    after_related_heading = False
    for group in _groups(blocks, open_positions):
        first = blocks[group[0]]
        if first.kind == "item":
            if (after_related_heading and _mostly_links(blocks, group)) or _is_share_bar(blocks, group):
                found.update((position, "boilerplate") for position in group)
            after_related_heading = False
            continue
        text = first.text.strip()
        after_related_heading = first.kind in ("heading", "paragraph") and bool(_RELATED_HEADING.match(text))
        if first.kind in ("image", "code", "table"):
            continue
        if _is_chrome(text) or _is_labelled_link(first):
            found[group[0]] = "boilerplate"
    return found


def _is_labelled_link(block: Block) -> bool:
    """"Read more: <link>", "Lea más: <link>", "Czytaj też: <link>": a short paragraph or heading that is a
    label of a few words and a colon, then a link of a headline's length that is all the rest of it (the
    two often set in bold together)."""
    if block.kind not in ("paragraph", "heading") or len(block.text) > _CHROME_MAX:
        return False
    label = []
    for piece in _TEXT_NODES(block.element):
        if _in_link(piece):
            break
        label.append(piece)
    else:
        return False  # no link at all
    label_text = "".join(label)
    if not _LINK_LABEL.match(label_text) or _ATTRIBUTION_LABEL.match(label_text):
        return False
    rest = len(block.text) - len(label_text.strip())
    link_words = _WORD.findall("".join("".join(ref.itertext()) for ref in block.element.iter("ref")))
    return _linked_chars(block) >= rest * _LINKED_SHARE and len(link_words) >= _HEADLINE_WORDS


def _excerpt_runs(blocks: list[Block], positions: list[int]) -> dict[int, Found]:
    """Other posts' excerpts, a blog's "recent posts" or a category list: several paragraphs in a row,
    each cut off with "[...]" or "..." (one such paragraph is prose trailing off; a run of them is not),
    and then any other paragraph cut with "[...]", when the clip holds prose besides them (a page that
    lists press releases is its excerpts)."""
    found: dict[int, Found] = {}
    run: list[int] = []
    for position in [*positions, -1]:
        if position >= 0 and blocks[position].kind == "paragraph" and _is_cut(blocks[position].text):
            run.append(position)
            continue
        if len(run) >= _MIN_EXCERPT_RUN:
            found.update(dict.fromkeys(run, _EXCERPTS))
        run = []
    if found:  # the page cuts its excerpts so: one set apart from the others (trafilatura moves some) goes too
        found.update((position, _EXCERPTS) for position in positions if blocks[position].kind == "paragraph"
                     and _is_cut(blocks[position].text) and _BRACKETED_CUT.search(blocks[position].text[-_CUT_TAIL:]))
    prose_besides = any(position not in found and blocks[position].kind == "paragraph"
                        and len(blocks[position].text) >= _PROSE_MIN for position in positions)
    return found if prose_besides else {}


def _is_cut(text: str) -> bool:
    # the end is looked at first: searching the whole text from every word costs more than the rest of the rule
    return text.rstrip().endswith(_CUT_ENDINGS) and bool(_EXCERPT_CUT.search(text[-_CUT_TAIL:]))


def _link_bars(blocks: list[Block], positions: list[int]) -> dict[int, Found]:
    """Menus and lists of other stories run together into one paragraph each (a page without block
    markup), before the article's first prose paragraph or after its last: never between them."""
    bars = [position for position in positions if _is_link_bar(blocks[position])]
    prose = [position for position in positions if position not in bars and blocks[position].kind == "paragraph"
             and len(blocks[position].text) >= _PROSE_MIN]
    if not prose:
        return {}
    return {position: _LINK_BAR for position in bars if position < prose[0] or position > prose[-1]}


def _is_link_bar(block: Block) -> bool:
    """Many links that are most of the paragraph's text, with at most one run of unlinked words (a
    headline glued to a menu): prose that links many sources has words between its links."""
    if block.kind != "paragraph" or len(block.element.findall(".//ref")) < _BAR_MIN_LINKS:
        return False
    if _linked_chars(block) < len(block.text) * _BAR_LINKED_SHARE:
        return False
    stretches = "".join("\0" if _in_link(piece) else piece for piece in _TEXT_NODES(block.element)).split("\0")
    wordy = [stretch for stretch in stretches if len(_WORD.findall(stretch)) >= _BAR_WORDY_STRETCH]
    return len(wordy) <= 1


def _in_link(text: etree._ElementUnicodeResult) -> bool:
    return any(ancestor.tag == "ref" for ancestor in _ancestors_of(text))


def _ancestors_of(text: etree._ElementUnicodeResult) -> Iterator[etree._Element]:
    """The elements TEXT (an lxml text node) lies in, innermost first."""
    element = text_owner(text)
    while element is not None:
        yield element
        element = element.getparent()


def _trailing_link_run(blocks: list[Block], positions: list[int]) -> dict[int, str]:
    """The headlines of other stories after the article: a run of short blocks that are nothing but a
    link each, with no prose after them (and the short label before them, "More Business News")."""
    run: list[int] = []
    for position in reversed(positions):
        if not _is_link_line(blocks[position]):
            break
        run.append(position)
    if len(run) < _MIN_LINK_RUN:
        return {}
    label = positions[len(positions) - len(run) - 1] if len(run) < len(positions) else None
    if label is not None and len(blocks[label].text) <= _LABEL_MAX and blocks[label].kind in ("heading", "paragraph"):
        run.append(label)
    return {position: "boilerplate" for position in run}


def _is_link_line(block: Block) -> bool:
    text = block.text.strip()
    if block.kind not in ("paragraph", "item", "heading") or not text or len(text) > _LINK_LINE_MAX:
        return False
    return _linked_chars(block) >= len(text) * _LINKED_SHARE


def _linked_chars(block: Block) -> int:
    """Characters of BLOCK's text inside its links, each link's text stripped."""
    return sum(len("".join(ref.itertext()).strip()) for ref in block.element.iter("ref"))


def _groups(blocks: list[Block], positions: list[int]) -> list[list[int]]:
    """Positions one by one, except consecutive items of one list together."""
    groups: list[list[int]] = []
    for position in positions:
        group = blocks[position].group
        if group is not None and groups and blocks[groups[-1][0]].group is group:
            groups[-1].append(position)
        else:
            groups.append([position])
    return groups


def _is_chrome(text: str) -> bool:
    if len(text) <= _CHROME_MAX and (_is_separator(text) or _LABEL.match(text) or _SHARE.match(text)):
        return True
    return len(text) <= _BANNER_MAX and bool(_COOKIE.search(text) or _NEWSLETTER.search(text))


def _is_separator(text: str) -> bool:
    return len(text) >= _SEPARATOR_MIN and not any(char.isalnum() for char in text)


def _is_share_bar(blocks: list[Block], group: list[int]) -> bool:
    return all(_SHARE.match(blocks[position].text.strip()) or _SHARE_ITEM.match(blocks[position].text.strip())
               for position in group)


def _mostly_links(blocks: list[Block], group: list[int]) -> bool:
    linked = sum(1 for position in group if blocks[position].element.find(".//ref") is not None)
    return linked * 2 >= len(group)
