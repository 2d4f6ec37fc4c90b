"""Reader comments and comment forms, of any comment system, inside or after the article.

Two passes. On the page's HTML tree (`find_regions`): elements that say "comments" (a heading such
as "5 Comments", "Leave a Reply", "Post a Comment", "No comments:"), forms with a text area, and
threads (several "Reply" actions or "X said..." lines under one parent) each point at a region;
the region grows upward while nothing but small chrome precedes it, so it stops at the article
container. A region counts when two kinds of evidence agree (class or id names that mention
comments, Disqus, "respond"... are one kind among others: generated class names neither make nor
break it), or when it is small. On the blocks (`find`): blocks whose words lie in a region go, and,
for threads the tree pass missed, a comments heading or a run of "name said... / 3 hours ago /
Reply" lines or of signatures takes the reader text with it.

A region never takes the article: not when it holds most of the clip, not a run of article
paragraphs unless a thread is in it (a "0 Comments" link under the headline grows to the article
container, and the form is in there too), not one article paragraph between two it does not hold (a
reader quoted it). Each removal names its evidence in the cleaning report.
"""

import re
from itertools import islice

from lxml import etree

from tidyclip.engine.clean.page import CommentRegion, Found, Page
from tidyclip.engine.extract import Block
from tidyclip.engine.page_nodes import text_owner, within
from tidyclip.engine.text import normalize, squash

_NUMBER = r"(?:\d+|no|one|two|three|four|five|six|seven|eight|nine|ten|\d+\s*[kK])"
_THREAD_WORDS = r"(?:comments?|responses?|replies|thoughts?|reactions?|kommentare?|commentaires?|comentarios?|commenti)"
#: Words that are a comments heading on their own ("Comments", "Responses (3)"), unlike "Thoughts".
_THREAD_TITLES = r"(?:comments?|responses|replies|kommentare?|commentaires?|comentarios?|commenti)"
#: A comments heading is the whole of a short text: "5 Comments", "12 thoughts on “Title”", "Leave a
#: Reply", "Post a Comment", "No comments:", "Comments (3)", "Join the conversation". An article
#: sentence that merely says "two reactions followed" or "start a conversation with your kids" is not.
HEADING = re.compile(
    rf"^(?:{_NUMBER}\s+{_THREAD_WORDS}(?:\s+(?:on|to|about|for|in)\s+[\"“‘'«].{{0,80}}|\s+on\s+.{{0,80}}"
    r"|\s+so far|\s*\(\d+\))?\s*:?"
    r"|(?:leave|post|add|write|submit|join|start|show|view|load|read|see|hide|be the first to)"
    r"(?:\s+(?:a|an|the|your|all|new|more|\d+|our|us|in|to))*"
    r"\s+(?:comments?|reply|replies|discussion|conversation|responses?)(?:\s*\(\d+\)|\s+below|\s+here)?"
    rf"|{_THREAD_TITLES}\s*(?:\(\d+\)|\d+)?\s*:?"
    r"|(?:reader |user )?(?:comments|discussion)(?: \(\d+\))?|what do you think\??|have your say"
    r"|(?:the )?comments (?:(?:to|on|for) this (?:entry|post|article|story) )?are (?:closed|open)\b.*"
    r"|you must be logged in to post a comment.*)\W*$",
    re.IGNORECASE,
)
#: Class, id and other attribute words used by comment systems: one kind of evidence, never enough alone.
_ATTRIBUTE = re.compile(
    r"comment|disqus|respond|repl(?:y|ies)|discuss|livefyre|coral|spot-?im|openweb|viafoura|remark42|"
    r"giscus|utterances|hyvor|commento|isso|graphcomment|vuukle|insticator|talk-",
    re.IGNORECASE,
)
_REPLY_ACTION = re.compile(r"^(?:reply|replies|reply to this|antworten|répondre|responder|rispondi|odpowiedz|回复|返信)$",
                           re.IGNORECASE)
#: "said..." on its own: the name before it is a link, another text node.
_SAID = re.compile(r"^(?:said|says|wrote|writes)\s*(?::|\.\.\.|…)?$", re.IGNORECASE)
_AUTHOR_LINE = re.compile(r"^.{1,60}?\s(?:said|says|wrote|writes)\s*(?::|\.\.\.|…)?$", re.IGNORECASE)
_TIME_AGO = re.compile(
    r"^(?:•\s*)?(?:\d+|an?|one)\s*(?:seconds?|minutes?|mins?|hours?|hrs?|h|days?|d|weeks?|w|months?|years?|y)\s+ago$"
    r"|^(?:just now|yesterday)$",
    re.IGNORECASE,
)
_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
#: A calendar date in a signature: "March 26, 2007", "26 Mar 2007", "3/26/07", "2007-03-26".
_CALENDAR = re.compile(
    rf"\b(?:{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{2,4}}|\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTH},?\s+\d{{2,4}}"
    r"|\d{1,4}[/.-]\d{1,2}[/.-]\d{2,4})\b",
    re.IGNORECASE,
)
_CLOCK = re.compile(r"\b\d{1,2}:\d{2}(?::\d{2})?\s*(?:[ap]\.?\s?m\.?)?(?!\d)", re.IGNORECASE)
#: The short texts that point at a comment region, in one regex (one call a text instead of five), by
#: the name of the first that matches: a comments heading, a reply action or author line, a time ago.
_SIGNAL = re.compile("|".join(f"(?P<{name}>{pattern.pattern})" for name, pattern in (
    ("heading", HEADING), ("reply", _REPLY_ACTION), ("author", _AUTHOR_LINE), ("said", _SAID), ("stamp", _TIME_AGO))),
    re.IGNORECASE)
_POSTED_BY = re.compile(r"^\W*(?:posted|written|submitted|comment(?:ed)?|reply|replied)\s+by\b", re.IGNORECASE)
#: "Updated: March 3, 2012 10:00 AM" dates the article, it signs nothing.
_NOT_SIGNED = re.compile(r"^\W*(?:updated|published|last (?:updated|modified)|modified|created|date)\b", re.IGNORECASE)
#: After the time of day a signature ends, but for "PM", "| Reply", "| Permalink".
_WORDS_AFTER_CLOCK = 3
_NAME_WORD = re.compile(r"[^\W\d_][\w'.-]*")
#: A signature is a line: longer, it is a sentence that mentions a date and a time.
_SIGNATURE_MAX = 100
_ATTRIBUTE_LOOKAHEAD = 200
#: Elements whose text is code or invisible, never a signal.
_SKIP_TAGS = frozenset({"script", "style", "noscript", "template", "title", "option"})
#: A region stops growing when this much text precedes it inside its parent: that text is the article.
_PRECEDING_TEXT_LIMIT = 200
#: A region this short may be taken on one kind of evidence (a lone "Post a Comment" box).
_SMALL_REGION = 400
_SHORT_TEXT = 80
#: Blocks at least this long are matched against comment text even where words were glued together.
_GLUED_MIN_CHARS = 12
#: Blocks at least this long may also be matched by their last two thirds.
_TAIL_MIN_CHARS = 60
#: A region holding more than this share of the extracted text is the article itself.
_ARTICLE_SHARE = 0.5
#: A region without a thread in it leaves runs of this many paragraphs of this many characters or more.
_ARTICLE_RUN = 3
_ARTICLE_PARAGRAPH = 100
_PROSE_KINDS = frozenset({"paragraph", "quote", "item"})
_MIN_THREAD_ACTIONS = 2
#: Reader text blocks allowed between two comment meta lines of one thread.
_MAX_GAP = 2
#: ... and before a signature (name, date and time): a comment of several paragraphs.
_MAX_SIGNED_GAP = 6
_EVIDENCE_ORDER = ("heading", "form", "thread", "attributes")


def find_regions(tree: etree._Element, nodes: list) -> tuple[CommentRegion, ...]:
    """Each comment region of the page with its evidence; NODES are its `page_nodes.body_nodes`."""
    headings: list[etree._Element] = []
    actions: list[etree._Element] = []
    stamps: list[etree._Element] = []
    forms: list[etree._Element] = []
    owners_of = {"heading": headings, "reply": actions, "author": actions, "said": actions, "stamp": stamps}
    for owner, signal in _short_signals(nodes):
        owners_of[signal].append(owner)
    for textarea in tree.iter("textarea"):
        form = next((ancestor for ancestor in textarea.iterancestors("form")), textarea)
        forms.append(form)
    for frame in tree.iter("iframe"):
        if _ATTRIBUTE.search(" ".join(frame.get(name, "") for name in ("id", "class", "name", "title", "src"))):
            forms.append(frame)

    starts = [(element, "heading") for element in headings] + [(element, "form") for element in forms]
    thread = _thread_container(actions)
    if thread is not None:
        starts.append((thread, "thread"))

    regions: dict[etree._Element, set[str]] = {}
    for element, start_kind in starts:
        root = _grow(element)
        regions.setdefault(root, set()).add(start_kind)

    found = []
    for root, evidence in regions.items():
        if _has_comment_attributes(root):
            evidence.add("attributes")
        evidence.update(kind for kind, members in (("heading", headings), ("form", forms)) if _holds_any(root, members))
        if (thread is not None and within(thread, root)) or \
                _count_inside(root, actions) >= _MIN_THREAD_ACTIONS or _count_inside(root, stamps) >= _MIN_THREAD_ACTIONS:
            evidence.add("thread")  # several "Reply", "X said...", "3 hours ago" under the region
        text = normalize(" ".join(root.itertext()))
        if text and (len(evidence) >= 2 or len(text) <= _SMALL_REGION):
            found.append(CommentRegion(text, tuple(kind for kind in _EVIDENCE_ORDER if kind in evidence)))
    return tuple(found)


def find(blocks: list[Block], keys: list[str], page: Page, open_positions: list[int]) -> dict[int, Found]:
    found: dict[int, Found] = {}
    total = sum(len(keys[position]) for position in open_positions)
    for region in page.comment_regions:
        evidence = Found("comments", "comment region: " + ", ".join(region.evidence))
        for position in _taken_by(region, blocks, keys, open_positions, total, page):
            found.setdefault(position, evidence)
    remaining = [position for position in open_positions if position not in found]
    found.update(_after_comment_heading(blocks, remaining))
    remaining = [position for position in remaining if position not in found]
    found.update(_comment_meta_runs(blocks, remaining))
    return found


def _taken_by(region: CommentRegion, blocks: list[Block], keys: list[str], open_positions: list[int],
              total: int, page: Page) -> list[int]:
    """The open positions REGION takes. A region that holds most of the extracted text (TOTAL characters)
    is the article (a "Comments" link in the site menu grows to the page wrapper) and takes nothing; one
    without a thread in it (a "0 Comments" link under the headline grows to the article container, a
    form below the article is in it too) takes no run of article paragraphs."""
    text = _RegionText(region.text)
    inside = [position for position in open_positions if _in_region(keys[position], [text])]
    if sum(len(keys[position]) for position in inside) > total * _ARTICLE_SHARE:
        return []
    taken = set(inside)
    spared = _quoted(blocks, keys, open_positions, taken) | _also_outside(blocks, keys, inside, region, page)
    if "thread" not in region.evidence:
        spared |= _article_runs(blocks, keys, open_positions, taken)
    return [position for position in inside if position not in spared]


def _quoted(blocks: list[Block], keys: list[str], open_positions: list[int], taken: set[int]) -> set[int]:
    """The article paragraphs a reader quoted (or a trackback copied): one block in the region with
    article prose the region does not hold right before and after it."""
    def prose_outside(position: int) -> bool:
        return position not in taken and blocks[position].kind in _PROSE_KINDS and \
            len(keys[position]) >= _ARTICLE_PARAGRAPH
    return {position for before, position, after in zip(open_positions, open_positions[1:], open_positions[2:], strict=False)
            if position in taken and len(keys[position]) >= _ARTICLE_PARAGRAPH
            and prose_outside(before) and prose_outside(after)}


def _also_outside(blocks: list[Block], keys: list[str], inside: list[int], region: CommentRegion, page: Page) -> set[int]:
    """The blocks of INSIDE whose whole text the page holds more often than the region does: one copy
    stands outside the comments, the article's own, and the region's is a reader quoting it."""
    spared = set()
    for position in inside:
        text = squash(blocks[position].text)
        if len(text) < _ARTICLE_PARAGRAPH:
            continue
        in_region = region.text.count(keys[position])  # none when matched only with spaces taken out
        if in_region and page.body_text.count(text) > in_region:
            spared.add(position)
    return spared


def _article_runs(blocks: list[Block], keys: list[str], open_positions: list[int], inside: set[int]) -> set[int]:
    """The positions of INSIDE in runs of prose blocks that hold at least `_ARTICLE_RUN` paragraphs of
    article length (comments are short and signed, each its own: a thread without its marks is no such run)."""
    spared: set[int] = set()
    run: list[int] = []
    for position in [*open_positions, -1]:
        if position in inside and blocks[position].kind in _PROSE_KINDS:
            run.append(position)
            continue
        if sum(1 for member in run if len(keys[member]) >= _ARTICLE_PARAGRAPH) >= _ARTICLE_RUN:
            spared.update(run)
        run = []
    return spared


def _short_signals(nodes: list):
    """(element, signal) for every short visible text of the page that is one of `_SIGNAL`'s, tails
    counted to their parent.

    The text nodes come from one XPath call as strings; only the few that match are asked for their
    element (making element proxies for a whole page costs more than everything else here)."""
    for text in nodes:
        if not isinstance(text, str) or len(text) > _SHORT_TEXT * 4:
            continue
        stripped = text.strip()
        if not stripped or len(stripped) > _SHORT_TEXT:
            continue
        signal = _SIGNAL.match(stripped)
        if signal is None:
            continue
        owner = text_owner(text)
        if owner is None or not isinstance(owner.tag, str) or owner.tag in _SKIP_TAGS:
            continue
        yield owner, signal.lastgroup


class _RegionText:
    """A region's text, asked about blocks in page order: a block's words are looked for from where
    the last block's were found, then (a block out of order) from the top, so a region as long as
    the page costs one pass over it, not one pass a block."""

    def __init__(self, text: str) -> None:
        self.words = f" {text} "
        self.squeezed = text.replace(" ", "")
        self.cursor = 0

    def has_words(self, key: str) -> bool:
        needle = f" {key} "
        found = self.words.find(needle, self.cursor)
        if found < 0:
            found = self.words.find(needle)
        if found < 0:
            return False
        self.cursor = found + len(needle) - 1
        return True


def _in_region(key: str, regions: list[_RegionText]) -> bool:
    """KEY's words are in a region (an empty key never is). trafilatura may glue a comment's byline to its text ("Jane DoeNov
    19" or "JaneMy grandfather...", dropping a <time> between them): longer blocks are also looked
    for with spaces taken out, and by their last two thirds."""
    if not key:
        return False
    if any(region.has_words(key) for region in regions):
        return True
    compact = key.replace(" ", "")
    if len(compact) < _GLUED_MIN_CHARS:
        return False
    tail = compact[len(compact) // 3:] if len(compact) >= _TAIL_MIN_CHARS else compact
    return any(compact in region.squeezed or tail in region.squeezed for region in regions)


def _grow(element: etree._Element) -> etree._Element:
    """The highest ancestor of ELEMENT that nothing but a little chrome precedes inside its parent."""
    node = element
    while True:
        parent = node.getparent()
        if parent is None or parent.tag in ("body", "html"):
            return node
        if _text_before(parent, node) > _PRECEDING_TEXT_LIMIT:
            return node
        node = parent


def _text_before(parent: etree._Element, child: etree._Element) -> int:
    total = len((parent.text or "").strip())
    for sibling in parent:
        if sibling is child or total > _PRECEDING_TEXT_LIMIT:
            break
        if isinstance(sibling.tag, str) and sibling.tag not in _SKIP_TAGS:
            total += len(sibling.text_content().strip())
        total += len((sibling.tail or "").strip())
    return total


def _thread_container(actions: list[etree._Element]) -> etree._Element | None:
    """The deepest element that holds every reply action / author line, when there are enough of them."""
    if len(actions) < _MIN_THREAD_ACTIONS:
        return None
    common = list(actions[0].iterancestors())
    for action in actions[1:]:
        ancestors = set(action.iterancestors())
        common = [ancestor for ancestor in common if ancestor in ancestors]
    container = common[0] if common else None
    return None if container is None or container.tag in ("body", "html") else container


def _has_comment_attributes(root: etree._Element) -> bool:
    """A comment system names its container near the top: the first elements of the region are enough."""
    for element in islice(root.iter(), _ATTRIBUTE_LOOKAHEAD):
        if not isinstance(element.tag, str):
            continue
        if _ATTRIBUTE.search(f'{element.get("id", "")} {element.get("class", "")}'):
            return True
    return False


def _count_inside(root: etree._Element, members: list[etree._Element]) -> int:
    return sum(1 for member in members if within(member, root))


def _holds_any(root: etree._Element, members: list[etree._Element]) -> bool:
    return any(within(member, root) for member in members)


def _after_comment_heading(blocks: list[Block], positions: list[int]) -> dict[int, Found]:
    """A comments heading in the second half of the clip and what follows it, up to the next heading."""
    found: dict[int, Found] = {}
    evidence = Found("comments", "after a comments heading")
    inside = False
    for index, position in enumerate(positions):
        block = blocks[position]
        if index >= len(positions) / 2 and len(block.text) <= _SHORT_TEXT and HEADING.match(block.text):
            inside = True
        elif block.kind == "heading":
            inside = False
        if inside:
            found[position] = evidence
    return found


def _comment_meta_runs(blocks: list[Block], positions: list[int]) -> dict[int, Found]:
    """Runs of "name said..." / "3 hours ago" / "Reply" lines with the reader text between them.

    A run is meta lines at most `_MAX_GAP` blocks apart (`_MAX_SIGNED_GAP` before a signature, any
    number within a signed thread); it counts when it has a time or a reply action (an article may
    say "He wrote:" twice, it does not stamp times on it).
    """
    found: dict[int, Found] = {}
    run: list[int] = []
    signed: set[int] = set()  # the run's lines that are signatures, each line asked once
    for index, position in enumerate(positions):
        text = blocks[position].text.strip()
        signature = _is_signature(text)
        if not signature and not _is_short_meta_line(text):
            continue
        gap = _MAX_SIGNED_GAP if signature else _MAX_GAP
        if run and index - run[-1] > gap + 1 and not (signature and _continues_thread(blocks, positions, run, signed, index)):
            found.update(_take_run(blocks, positions, run, signed))
            run, signed = [], set()
        run.append(index)
        if signature:
            signed.add(index)
    found.update(_take_run(blocks, positions, run, signed))
    return found


def _continues_thread(blocks: list[Block], positions: list[int], run: list[int], signed: set[int], index: int) -> bool:
    """A signature at INDEX signs a long comment of a thread RUN already holds signatures of: whatever
    its length, the text since the run's last line is that comment, unless a heading starts something else."""
    return len(signed) >= _MIN_THREAD_ACTIONS and \
        all(blocks[position].kind != "heading" for position in positions[run[-1] + 1:index])


def _take_run(blocks: list[Block], positions: list[int], run: list[int], signed: set[int]) -> dict[int, Found]:
    texts = [blocks[positions[index]].text.strip() for index in run]
    if signed and len({_signer(blocks[positions[index]].text) for index in signed}) < _MIN_THREAD_ACTIONS:
        signed = set()  # one writer signing every part is a blog's posts (or a single comment), not a thread
    stamped = bool(signed) or any(_TIME_AGO.match(text) or _REPLY_ACTION.match(text) for text in texts)
    if len(run) < _MIN_THREAD_ACTIONS or not stamped:
        return {}
    first, last = run[0], run[-1]
    if _AUTHOR_LINE.match(texts[-1]) and last + 1 < len(positions):
        last += 1  # the last comment's text follows its author line
    evidence = Found("comments", "signed comments" if signed else "comment lines: author, time, reply")
    return dict.fromkeys(positions[first:last + 1], evidence)


def _signer(signature: str) -> str:
    """Who signed SIGNATURE: its words before the date."""
    return normalize(_POSTED_BY.sub("", _CALENDAR.split(signature, maxsplit=1)[0]))


def _is_short_meta_line(text: str) -> bool:
    return len(text) <= _SHORT_TEXT and bool(_AUTHOR_LINE.match(text) or _TIME_AGO.match(text) or _REPLY_ACTION.match(text))


def _is_signature(text: str) -> bool:
    """A reader's signature under a comment written as a plain paragraph: "Posted by: Jane | March 26,
    2007 2:00 PM", "Jane Doe on 12 May 2011 at 09:14", "— Bob, 3/26/07 14:02". A date and a time of day
    in a short line that names its writer (a name before the date, or "posted by")."""
    text = text.strip()
    if len(text) > _SIGNATURE_MAX or not _CLOCK.search(text) or not _CALENDAR.search(text):
        return False
    if _NOT_SIGNED.match(text) or len(_NAME_WORD.findall(_CLOCK.split(text)[-1])) > _WORDS_AFTER_CLOCK:
        return False
    before_date = _CALENDAR.split(text, maxsplit=1)[0].strip()
    if before_date.endswith(":") and len(_NAME_WORD.findall(before_date)) == 1:
        return False  # a label ("Termin:", "Date:"): an agenda line, not a reader
    return bool(_POSTED_BY.match(text)) or 1 <= len(_NAME_WORD.findall(before_date)) <= 4
