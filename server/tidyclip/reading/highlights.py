"""A clip's highlights: made from a quote the reader selected, re-anchored when the clip's text
changes, their notes edited, removed. Pure functions over the list (the Library stores the result).

A highlight whose passage is gone after the text changed is kept, `detached`, with its quote and
note: it is listed beside the text and tried again at the next change (a Restore can bring its
passage back). Nothing here drops a highlight but `without`.
"""

import secrets
from datetime import UTC, datetime
from typing import Any

from tidyclip.config import MAX_HIGHLIGHTS, MAX_NOTE_CHARS
from tidyclip.errors import BadInput, NotFound
from tidyclip.reading.anchoring import Span, Text, squeezed
from tidyclip.reading.schema import Highlight, clean_highlight, quote_problem


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _placed(highlight: Highlight, text: Text, span: Span) -> Highlight:
    """The highlight at `span` of the text: its quote and context as the text has them."""
    prefix, suffix = text.context(span)
    return {**highlight, "quote": text.text[span.start:span.end], "prefix": prefix, "suffix": suffix,
            "detached": False, "position": {"start": span.start, "end": span.end}}


def passage_of(item: Any) -> dict[str, str]:
    """A passage to highlight {quote, prefix?, suffix?, note?} (an API body, an import's record), checked."""
    if not isinstance(item, dict):
        raise BadInput("a highlight must be an object {quote, prefix?, suffix?, note?}")
    problem = quote_problem(item.get("quote"))
    if problem:
        raise BadInput(problem)
    for key in ("prefix", "suffix", "note"):
        if item.get(key) is not None and not isinstance(item[key], str):
            raise BadInput(f"{key} must be a string")
    if len(item.get("note") or "") > MAX_NOTE_CHARS:
        raise BadInput(f"note must be at most {MAX_NOTE_CHARS} characters")
    return {key: item.get(key) or "" for key in ("quote", "prefix", "suffix", "note")}


def new_highlights(current: list[Highlight], clip_text: str, passages: list[dict[str, str]], *,
                   keep_detached: bool) -> list[Highlight]:
    """Highlights of these passages of the clip's text. A passage not in the text: kept detached
    (`keep_detached`, an import's highlights of another version of the page) or refused (BadInput).
    A passage highlighted already (same quote and note) is not added again."""
    if len(current) + len(passages) > MAX_HIGHLIGHTS:
        raise BadInput(f"a clip takes at most {MAX_HIGHLIGHTS} highlights")
    text = Text(clip_text)
    made: list[Highlight] = []
    known = {_identity(item) for item in current}
    for passage in passages:
        highlight = clean_highlight({**passage, "id": secrets.token_hex(6), "created": _now(), "detached": True})
        if _identity(highlight) in known:  # the same file imported again, the same click sent twice
            continue
        known.add(_identity(highlight))
        span = text.find(highlight["quote"], highlight["prefix"], highlight["suffix"])
        if span is not None:
            made.append(_placed(highlight, text, span))
        elif keep_detached:
            made.append(highlight)
        else:
            raise BadInput("the quote is not in the clip's text: select a passage of the clip")
    return made


def _identity(highlight: Highlight) -> tuple[str, str]:
    """What makes two highlights the same: their quote (whitespace aside) and note."""
    return squeezed(highlight["quote"]), highlight["note"]


def reanchor(highlights: list[Highlight], new_text: str) -> list[Highlight]:
    """Every highlight found again in `new_text` (its position the hint), or detached: none dropped.
    Call this whenever a clip's text changes (reclean, Restore, an import, a new version)."""
    text = Text(new_text)
    result = []
    for highlight in highlights:
        span = text.find(highlight["quote"], highlight["prefix"], highlight["suffix"], hint=highlight["position"]["start"])
        result.append(_placed(highlight, text, span) if span is not None else {**highlight, "detached": True})
    return result


def _index_of(highlights: list[Highlight], highlight_id: str) -> int:
    for index, highlight in enumerate(highlights):
        if highlight["id"] == highlight_id:
            return index
    raise NotFound(f"the clip has no highlight {highlight_id}")


def with_note(highlights: list[Highlight], highlight_id: str, note: Any) -> list[Highlight]:
    if not isinstance(note, str):
        raise BadInput("note must be a string")
    index = _index_of(highlights, highlight_id)
    return [*highlights[:index], clean_highlight({**highlights[index], "note": note}), *highlights[index + 1:]]


def without(highlights: list[Highlight], highlight_id: str) -> tuple[list[Highlight], Highlight]:
    """The list without that highlight, and the highlight."""
    index = _index_of(highlights, highlight_id)
    return [*highlights[:index], *highlights[index + 1:]], highlights[index]


def find(highlights: list[Highlight], highlight_id: str) -> Highlight:
    return highlights[_index_of(highlights, highlight_id)]


def searchable_text(highlights: list[Highlight] | None) -> str:
    """What a search finds of the highlights: each quote, then its note."""
    return "\n\n".join(part for highlight in highlights or [] for part in (highlight["quote"], highlight["note"]) if part)
